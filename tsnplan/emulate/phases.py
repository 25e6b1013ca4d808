"""Phase sweep: search the release phases of unscheduled streams systematically, not by seed.

An unscheduled stream's worst latency depends on where in the gate cycle and against which other
streams its frames are released. Run ``k`` of ``n`` releases every unscheduled stream at
``k / n`` of its own period, all in step (bursts that coincide are the worst case for strict
priority), and run ``n + k`` (for ``k < n``) shifts stream ``i`` by a further ``i / n_unscheduled``
of its period, so the streams also meet each other at staggered phases. Every run uses the same
seed; the result keeps, per listener, the worst latency and the run that produced it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from tsnplan.emulate.engine import run_emulation
from tsnplan.emulate.result import EmulationResult

__all__ = ["PhaseSweep", "sweep_phases", "sweep_phase_sets"]


@dataclass(frozen=True, eq=False)
class PhaseSweep:
    runs: tuple[EmulationResult, ...]
    phase_sets: tuple[dict[str, int], ...]
    worst: dict[tuple[str, str], tuple[int, int]]   # (stream, listener) -> (max latency ns, run index)

    @property
    def lost(self) -> int:
        return sum(s.lost for r in self.runs for s in r.listeners)

    @property
    def late(self) -> int:
        return sum(s.deadline_misses for r in self.runs for s in r.listeners)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)


def sweep_phase_sets(problem, n: int) -> list[dict[str, int]]:
    """The ``2 n`` phase assignments (stream id -> ns into its period) of the unscheduled streams."""
    free = [s for s in range(problem.n_streams) if not problem.stream_scheduled[s]]
    out = []
    for stagger in (False, True):
        for k in range(n):
            phases = {}
            for i, s in enumerate(free):
                period = int(problem.stream_period_ns[s])
                share = k * len(free) + (i if stagger else 0)
                phases[problem.stream_ids[s]] = period * share // (n * len(free))
            out.append(phases)
    return out


def sweep_phases(problem, schedule, scenario, n: int, seed: int = 0, progress=None) -> PhaseSweep:
    """Emulate ``scenario`` once per phase set of ``sweep_phase_sets(problem, n)``."""
    sets = sweep_phase_sets(problem, n)
    runs, worst = [], {}
    for i, phases in enumerate(sets):
        result = run_emulation(problem, schedule, replace(scenario, phases=phases), seed)
        runs.append(result)
        for s in result.listeners:
            key = (s.stream, s.listener)
            if s.max_ns is not None and (key not in worst or s.max_ns > worst[key][0]):
                worst[key] = (s.max_ns, i)
        if progress is not None:
            progress(i + 1, len(sets))
    return PhaseSweep(tuple(runs), tuple(sets), worst)
