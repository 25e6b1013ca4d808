"""Place rerouted streams around the running schedule without moving any other stream.

The analysis needs, per scenario, only where the rerouted streams land and their latency, so it
runs the steps of ``tsnplan.schedule.incremental.add_streams`` up to the placement (layout, kept
starts, list scheduler) and skips building and verifying GCLs for the whole plant, which is four
fifths of an ``add_streams`` call. Only the rerouted streams are placed: a stream the running
schedule could not place is not carried, so no failure concerns it. ``full_schedule`` is the verified ``add_streams`` result, used
where a deployable schedule is needed (the emulation proof).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from tsnplan.model.compile import CompiledProblem, compile_problem
from tsnplan.schedule.heuristic import place, stream_order
from tsnplan.schedule.incremental import add_streams, kept_starts
from tsnplan.schedule.layout import ScheduleOptions, build_layout
from tsnplan.schedule.result import ScheduleResult

__all__ = ["IncrementalRescheduler"]


class IncrementalRescheduler:
    """Re-schedules streams given new routes; picklable (layouts are rebuilt in each process)."""

    def __init__(self, problem: CompiledProblem, schedule: ScheduleResult):
        self.problem, self.schedule = problem, schedule
        self._old = None

    def __getstate__(self):
        return {"problem": self.problem, "schedule": self.schedule}

    def __setstate__(self, state):
        self.problem, self.schedule, self._old = state["problem"], state["schedule"], None

    @property
    def options(self) -> ScheduleOptions:
        extra = self.schedule.extra
        return ScheduleOptions(sync_error_ns=extra.get("sync_error_ns"), max_wait_ns=int(extra.get("max_wait_ns", 0)))

    def _previous(self):
        """Layout of the running schedule, its first-instance starts and placed mask (cached)."""
        if self._old is None:
            p, result = self.problem, self.schedule
            layout = build_layout(p, self.options)
            starts = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64)
            placed = np.zeros(p.n_streams, dtype=bool)
            unscheduled = set(result.unscheduled)
            for s in layout.scheduled.tolist():
                sl = result.stream_windows(s)
                if sl.start == sl.stop or p.stream_ids[s] in unscheduled:
                    continue
                first = result.window_instance[sl] == 0
                hops, frames = result.window_hop[sl][first], result.window_frame[sl][first]
                starts[layout.hf_ptr[s] + (hops - p.hop_ptr[s]) * layout.n_frames[s] + frames] = \
                    result.window_start_ns[sl][first]
                placed[s] = True
            self._old = (layout, starts, placed)
        return self._old

    def rerouted_problem(self, paths: dict[str, tuple[tuple[str, ...], ...]]) -> CompiledProblem:
        p = self.problem
        routes = replace(p.routes, paths={**p.routes.paths, **paths})
        return compile_problem(p.network, p.streams, routes, percentile=p.percentile, timing=p.timing)

    def __call__(self, paths: dict[str, tuple[tuple[str, ...], ...]]):
        """Latency per listener of each rerouted stream (placed ones) and why the others failed."""
        old, old_start, old_placed = self._previous()
        problem = self.rerouted_problem(paths)
        new = build_layout(problem, self.options)
        hf, kept = kept_starts(old, old_start, old_placed, new, exclude=set(paths))
        todo = np.intersect1d(new.scheduled, [problem.stream_index[sid] for sid in paths])
        placement = place(new, stream_order(new, todo), kept, hf)
        starts, placed = placement.hf_start, placement.placed
        latency, unplaced = {}, {}
        for sid in paths:
            s = problem.stream_index[sid]
            if not problem.stream_scheduled[s]:
                continue
            if not placed[s]:
                port = int(placement.block_port[s])
                unplaced[sid] = f"no free window on {problem.port_names[port]}" if port >= 0 else "no free window"
                continue
            nf, t0 = int(new.n_frames[s]), int(starts[new.hf_ptr[s]])
            rows = []
            for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])):
                h = int(problem.listener_hop[l])
                base = new.slot(s, h, 0)
                rows.append(int((starts[base:base + nf] + new.hf_len[base:base + nf]).max())
                            + int(problem.hop_prop_ns[h]) - t0)
            latency[sid] = tuple(rows)
        return latency, unplaced

    def full_schedule(self, paths) -> tuple[CompiledProblem, ScheduleResult]:
        """The verified incremental schedule with the rerouted streams (``add_streams``)."""
        problem = self.rerouted_problem(paths)
        return problem, add_streams(problem, self.schedule, self.problem, list(paths))
