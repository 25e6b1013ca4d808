"""Place rerouted streams around the running schedule without moving any other stream.

The analysis needs, per scenario, only where the rerouted streams land and their latency:
``tsnplan.schedule.incremental.place_streams`` around the running schedule, prepared once per
process. Only the rerouted streams are placed: a stream the running schedule could not place is
not carried, so no failure concerns it. ``full_schedule`` is the verified ``add_streams``
result, used where a deployable schedule is needed (the emulation proof).
"""
from __future__ import annotations

from dataclasses import replace

from tsnplan.model.compile import CompiledProblem, compile_problem
from tsnplan.schedule.incremental import RunningSchedule, add_streams, place_streams
from tsnplan.schedule.result import ScheduleResult

__all__ = ["IncrementalRescheduler"]


class IncrementalRescheduler:
    """Re-schedules streams given new routes; picklable (the running layout is rebuilt in each process)."""

    def __init__(self, problem: CompiledProblem, schedule: ScheduleResult):
        self.problem, self.schedule = problem, schedule
        self._running = None

    def __getstate__(self):
        return {"problem": self.problem, "schedule": self.schedule}

    def __setstate__(self, state):
        self.problem, self.schedule, self._running = state["problem"], state["schedule"], None

    def rerouted_problem(self, paths: dict[str, tuple[tuple[str, ...], ...]]) -> CompiledProblem:
        p = self.problem
        routes = replace(p.routes, paths={**p.routes.paths, **paths})
        return compile_problem(p.network, p.streams, routes, percentile=p.percentile, timing=p.timing)

    def __call__(self, paths: dict[str, tuple[tuple[str, ...], ...]]):
        """Latency per listener of each rerouted stream (placed ones) and why the others failed."""
        if self._running is None:
            self._running = RunningSchedule.of(self.problem, self.schedule)
        found = place_streams(self.rerouted_problem(paths), self._running, list(paths))
        return found.latency_ns, found.unplaced

    def full_schedule(self, paths) -> tuple[CompiledProblem, ScheduleResult]:
        """The verified incremental schedule with the rerouted streams (``add_streams``)."""
        problem = self.rerouted_problem(paths)
        return problem, add_streams(problem, self.schedule, self.problem, list(paths))
