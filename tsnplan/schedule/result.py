"""What a scheduler returns: windows per (stream, hop, frame, instance) as flat arrays.

The shared contract of the scheduler, the budget, the emulator and the exporters. Indices refer to
a ``CompiledProblem``: ``window_hop`` is a global hop index (``problem.hop_*`` arrays), so the port
of a window is ``problem.hop_port[window_hop]``. Times are absolute ns inside the hyperperiod
(instance ``k`` of a stream with period ``T`` lies in ``[k*T, (k+1)*T)`` when it starts).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

__all__ = ["ScheduleStatus", "Explanation", "Gcl", "ScheduleResult"]


class ScheduleStatus(str, Enum):
    FEASIBLE = "feasible"
    PARTIAL = "partial"        # some streams placed, the others listed in ``unscheduled``
    INFEASIBLE = "infeasible"  # proven: certificates in ``extra["proof"]`` (schedule.bounds, CP-SAT, ILP)
    UNKNOWN = "unknown"        # a time limit ran out before an answer


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a stream was not placed and what would help."""

    stream: str
    reason: str
    conflicts: tuple[str, ...] = ()     # ports or streams in the way
    suggestion: str = ""


@dataclass(frozen=True, eq=False)
class Gcl:
    """Gate control lists of every port, CSR: entries of port p in ``ptr[p]:ptr[p+1]``.

    Port p's entries cover its own cycle ``port_cycle_ns[p]`` (the lcm of the periods crossing it,
    so a port with fast streams needs few entries), a divisor of ``cycle_ns``, the hyperperiod;
    without ``port_cycle_ns`` every port cycles with ``cycle_ns``. ``entries`` repeats a port's
    list over ``cycle_ns``, so readers that want one common cycle need not care. ``gates`` bit i =
    traffic class i open. A port without scheduled traffic has a single all-open entry.
    """

    cycle_ns: int
    base_time_ns: int
    ptr: np.ndarray          # int64[P+1]
    duration_ns: np.ndarray  # int64[E]
    gates: np.ndarray        # int32[E]
    port_cycle_ns: np.ndarray | None = None   # int64[P], each dividing cycle_ns

    def cycle(self, port: int) -> int:
        return int(self.cycle_ns) if self.port_cycle_ns is None else int(self.port_cycle_ns[port])

    def port_entries(self, port: int) -> list[tuple[int, int]]:
        """The port's own list, one ``cycle(port)`` long."""
        lo, hi = int(self.ptr[port]), int(self.ptr[port + 1])
        return list(zip(self.duration_ns[lo:hi].tolist(), self.gates[lo:hi].tolist()))

    def entries(self, port: int) -> list[tuple[int, int]]:
        """The port's list repeated over ``cycle_ns`` (the hyperperiod)."""
        own = self.port_entries(port)
        return own * max(1, int(self.cycle_ns) // self.cycle(port))


@dataclass(frozen=True, eq=False)
class ScheduleResult:
    status: ScheduleStatus
    method: str
    hyperperiod_ns: int
    window_ptr: np.ndarray        # int64[S+1]: windows of stream s in window_ptr[s]:window_ptr[s+1]
    window_hop: np.ndarray        # int32[W]
    window_frame: np.ndarray      # int32[W]: frame of the period (0..n_frames-1)
    window_instance: np.ndarray   # int32[W]: instance in the hyperperiod (0..H/T-1)
    window_start_ns: np.ndarray   # int64[W]
    window_end_ns: np.ndarray     # int64[W]
    stream_class: np.ndarray      # int8[S]: class of the PCP on 8 queues; each hop uses ``problem.hop_class``
    listener_latency_ns: np.ndarray  # int64[L]: worst case per listener (problem.listener_*), -1 if not placed
    gcl: Gcl | None = None
    explanations: tuple[Explanation, ...] = ()
    warnings: tuple[str, ...] = ()
    solve_seconds: float = 0.0
    objective: float | None = None
    extra: dict = field(default_factory=dict)
    stream_gates: object | None = None   # psfp.StreamGates: 802.1Qci gates behind stochastic hops

    @property
    def unscheduled(self) -> tuple[str, ...]:
        return tuple(sorted({e.stream for e in self.explanations}))

    def stream_windows(self, s: int) -> slice:
        return slice(int(self.window_ptr[s]), int(self.window_ptr[s + 1]))
