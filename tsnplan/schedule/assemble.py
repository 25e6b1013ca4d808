"""First-period starts → a verified ``ScheduleResult`` (windows, latencies, GCL, status)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from tsnplan.errors import InternalError
from tsnplan.schedule.gcl import build_gcl
from tsnplan.schedule.layout import Layout
from tsnplan.schedule.psfp import stream_gates
from tsnplan.schedule.result import Explanation, ScheduleResult, ScheduleStatus
from tsnplan.schedule.verify import verify

__all__ = ["assemble", "expand_windows", "listener_latency"]


def listener_latency(layout: Layout, hf_start: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """Worst case per listener: last frame delivered (either route) minus the first frame's start."""
    p = layout.problem
    out = np.full(int(p.listener_ptr[-1]), -1, dtype=np.int64)
    for s in np.flatnonzero(placed):
        nf = int(layout.n_frames[s])
        root = int(layout.hf_ptr[s])
        t0 = int(hf_start[root])
        for l in range(int(p.listener_ptr[s]), int(p.listener_ptr[s + 1])):
            worst = 0
            for h in (int(p.listener_hop[l]), int(p.listener_hop_alt[l])):
                if h < 0:
                    continue
                base = layout.slot(s, h, 0)
                ends = hf_start[base:base + nf] + layout.hf_len[base:base + nf]
                worst = max(worst, int(ends.max()) + int(p.hop_prop_ns[h]) - t0)
            out[l] = worst
    return out


def expand_windows(layout: Layout, hf_start: np.ndarray, placed: np.ndarray):
    """Every hyperperiod instance of the placed streams' first-period windows:
    (hop, frame, instance, start, end, window_ptr), windows grouped by stream."""
    p = layout.problem
    stream, hop, frame = layout.slot_hop_frame()
    keep = placed[stream]
    stream, hop, frame = stream[keep], hop[keep], frame[keep]
    start, length = hf_start[keep], layout.hf_len[keep]
    period = p.stream_period_ns[stream]
    n_inst = layout.hyper // period
    rep = np.repeat(np.arange(len(stream)), n_inst)
    first = np.repeat(np.cumsum(n_inst) - n_inst, n_inst)
    instance = np.arange(len(rep), dtype=np.int64) - first
    w_start = start[rep] + instance * period[rep]
    counts = np.bincount(stream[rep], minlength=p.n_streams) if len(rep) else np.zeros(p.n_streams, np.int64)
    window_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return hop[rep], frame[rep], instance, w_start, w_start + length[rep], window_ptr


def assemble(layout: Layout, hf_start: np.ndarray, placed: np.ndarray, explanations: list[Explanation],
             method: str, solve_seconds: float, status: ScheduleStatus | None = None,
             objective: float | None = None, warnings: tuple[str, ...] = ()) -> ScheduleResult:
    """Expand the placed streams' starts to every instance, build the GCL and verify it all.

    A schedule that fails ``verify`` is a bug in a scheduler: ``InternalError``.
    """
    p = layout.problem
    hop, frame, instance, w_start, w_end, window_ptr = expand_windows(layout, hf_start, placed)
    unrouted = [Explanation(s, "no route from the talker to every listener",
                            suggestion="connect the listener or fix the stream's end points")
                for s in p.unrouted]
    explanations = sorted(explanations + unrouted, key=lambda e: e.stream)
    if status is None:
        # ``infeasible`` needs a certificate: only ``schedule._finish`` gives it
        status = ScheduleStatus.PARTIAL if explanations else ScheduleStatus.FEASIBLE
    gcl = build_gcl(layout, hop, w_start, w_end)
    result = ScheduleResult(
        status=status, method=method, hyperperiod_ns=layout.hyper, window_ptr=window_ptr,
        window_hop=hop.astype(np.int32), window_frame=frame.astype(np.int32),
        window_instance=instance.astype(np.int32), window_start_ns=w_start.astype(np.int64),
        window_end_ns=w_end.astype(np.int64), stream_class=layout.problem.stream_class.copy(),
        listener_latency_ns=listener_latency(layout, hf_start, placed), gcl=gcl,
        explanations=tuple(explanations), warnings=warnings, solve_seconds=solve_seconds,
        objective=objective,
        extra={"sync_error_ns": layout.sync, "quantum_ns": layout.quantum, "max_wait_ns": layout.max_wait})
    result = replace(result, stream_gates=stream_gates(p, result, layout.hop_early, layout.sync))
    problems = verify(p, result, sync_error_ns=layout.sync, guard=layout.port_guard, quantum=layout.quantum)
    if problems:
        raise InternalError(f"{method} schedule failed verification: " + "; ".join(problems[:5]))
    return result
