"""Which traffic classes each port gates: those of the scheduled streams crossing it (802.1Qbv).

A gated class opens only for its streams' windows, each sized for one frame of theirs. An
unscheduled frame in that queue waits for a window it may never fit, and every scheduled frame
queues behind it (FIFO), so a plant where one shares a gated class is refused at load.
"""
from __future__ import annotations

import numpy as np

from tsnplan.errors import Problem
from tsnplan.model.compile import CompiledProblem
from tsnplan.model.traffic_types import traffic_classes

__all__ = ["port_gated_mask", "gated_class_problems"]


def port_gated_mask(problem: CompiledProblem) -> np.ndarray:
    """int32[P]: bit c set when a scheduled stream uses class c on the port (``hop_class``).

    A scheduled stream whose route crosses a bridge without 802.1Qbv gets no window anywhere
    (``model.features``), so it gates nothing: its frames flow by strict priority."""
    from tsnplan.model.features import qbv_gaps

    mask = np.zeros(problem.n_ports, dtype=np.int64)
    gated = problem.stream_scheduled.astype(bool)
    gated[list(qbv_gaps(problem))] = False
    scheduled = gated[np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))]
    np.bitwise_or.at(mask, problem.hop_port[scheduled].astype(np.int64),
                     np.left_shift(1, problem.hop_class[scheduled].astype(np.int64)))
    return mask.astype(np.int32)


def gated_class_problems(problem: CompiledProblem, source: str, lines: dict[str, int | None]) -> list[Problem]:
    """One problem per unscheduled stream that shares a gated class on some port of its route."""
    gated = port_gated_mask(problem)
    out = []
    for s in np.flatnonzero(problem.stream_scheduled == 0):
        lo, hi = int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])
        ports = problem.hop_port[lo:hi].astype(np.int64)
        for h in range(lo, hi):
            port, c = int(problem.hop_port[h]), int(problem.hop_class[h])
            if not (int(gated[port]) >> c) & 1:
                continue
            queues, pcp = int(problem.port_queues[port]), int(problem.stream_pcp[s])
            free = [p for p in sorted(range(8), key=lambda p: (abs(p - pcp), -p))
                    if not ((gated[ports] >> traffic_classes(np.full(len(ports), p), problem.port_queues[ports])) & 1).any()]
            hint = (f"give it PCP {free[0]} (no gated class on its route), or make it scheduled" if free
                    else "every PCP meets a gated class on its route: make it scheduled or route it elsewhere")
            out.append(Problem(
                source, f"stream {problem.stream_ids[s]!r}",
                f"unscheduled, PCP {pcp} falls in traffic class {c} of {problem.port_names[port]} "
                f"({queues} queues, 802.1Q Table 8-5), which scheduled streams gate",
                lines.get(problem.stream_ids[s]), hint))
            break
    return out
