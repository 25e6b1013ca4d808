"""Fast list scheduling (Cython kernel ``tsnplan._ext.listsched``) with re-ordering and re-routing.

Streams are placed tightest first: smallest ``min(deadline, period)``, then shortest period, then
most hops, then id. Streams that do not fit get two more chances, each kept only if it places
more streams: a second pass that places them first, then alternative, less loaded routes
(``model.paths``) tried against the schedule of the others, which do not move.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from tsnplan._ext.listsched import ST_FIXED, ST_NO_SLOT, ST_PLACED, list_schedule
from tsnplan.errors import InternalError
from tsnplan.model.compile import CompiledProblem
from tsnplan.schedule.layout import Layout, ScheduleOptions, build_layout

__all__ = ["Placement", "place", "no_wait_offsets", "stream_order", "heuristic_placement"]


@dataclass
class Placement:
    """Kernel output for one layout: starts of every slot and a status per stream."""

    layout: Layout
    hf_start: np.ndarray
    status: np.ndarray
    block_port: np.ndarray
    block_owner: np.ndarray

    @property
    def placed(self) -> np.ndarray:
        return (self.status == ST_PLACED) | (self.status == ST_FIXED)

    def n_placed(self) -> int:
        return int(self.placed.sum())

    def failed(self) -> list[tuple[int, int, int, int]]:
        todo = np.flatnonzero(~self.placed & self.layout.problem.stream_scheduled.astype(bool))
        return [(int(s), int(self.status[s]), int(self.block_port[s]), int(self.block_owner[s])) for s in todo]


def place(layout: Layout, order: np.ndarray, fixed: np.ndarray | None = None,
          hf_start: np.ndarray | None = None) -> Placement:
    """Run the kernel: place ``order`` around the ``fixed`` streams whose starts are in ``hf_start``."""
    p = layout.problem
    S = p.n_streams
    hf_start = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64) if hf_start is None else hf_start.copy()
    fixed = np.zeros(0, dtype=np.int32) if fixed is None else np.ascontiguousarray(fixed, dtype=np.int32)
    status = np.zeros(S, dtype=np.int8)
    block_port = np.full(S, -1, dtype=np.int32)
    block_owner = np.full(S, -1, dtype=np.int32)
    gcl_count = np.zeros(p.n_ports, dtype=np.int64)
    code = list_schedule(
        p.hop_ptr, p.hop_port, p.hop_parent, p.hop_prop_ns, p.hop_proc_ns, layout.hop_listener,
        p.frame_ptr, layout.hf_ptr, layout.hf_len, layout.hf_slack, layout.hop_early, hf_start,
        p.stream_period_ns, np.maximum(0, p.stream_deadline_ns - layout.sync),   # clocks differ by sync
        layout.hop_cls, layout.share_ptr, layout.share_port, layout.port_guard, layout.port_gcl_budget,
        fixed, np.ascontiguousarray(order, dtype=np.int32), status, block_port, block_owner, gcl_count,
        layout.hyper, layout.quantum, layout.sync, layout.max_wait)
    if code != 0:
        raise InternalError("list scheduler ran out of memory")
    _enforce_arrival(layout, hf_start, status)
    return Placement(layout, hf_start, status, block_port, block_owner)


def no_wait_offsets(layout: Layout, streams=None) -> tuple[np.ndarray, np.ndarray]:
    """Per slot: start relative to its frame's root on an empty network; streams that fit alone
    (of ``streams``, default every scheduled one). The exact methods keep these offsets (no-wait)."""
    rel = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64)
    alone = np.zeros(layout.problem.n_streams, dtype=bool)
    for s in layout.scheduled if streams is None else streams:
        one = place(layout, np.array([s], dtype=np.int32))
        if not one.placed[s]:
            continue
        alone[s] = True
        lo, hi, nf = int(layout.hf_ptr[s]), int(layout.hf_ptr[s + 1]), int(layout.n_frames[s])
        starts = one.hf_start[lo:hi].reshape(-1, nf)
        rel[lo:hi] = (starts - starts[0]).reshape(-1)
    return rel, alone


def _enforce_arrival(layout: Layout, hf_start: np.ndarray, status: np.ndarray) -> None:
    """Streams with an arrival time before their period's end (TAS ``deadline``) that the kernel
    placed too late are left out (the kernel itself only keeps windows inside the period)."""
    p = layout.problem
    limit = p.arrival_limit_ns()
    for s in np.flatnonzero((limit < p.stream_period_ns) & (status == ST_PLACED)):
        if delivery_ns(layout, hf_start, int(s)) > limit[s]:
            status[s] = ST_NO_SLOT


def delivery_ns(layout: Layout, hf_start: np.ndarray, s: int) -> int:
    """When the last listener of stream ``s`` has its last frame, after the period's start."""
    p = layout.problem
    nf, lo = int(layout.n_frames[s]), int(layout.hf_ptr[s])
    out = 0
    for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
        if layout.hop_listener[h]:
            i = lo + (h - int(p.hop_ptr[s])) * nf
            out = max(out, int((hf_start[i:i + nf] + layout.hf_len[i:i + nf]).max()) + int(p.hop_prop_ns[h]))
    return out


def stream_order(layout: Layout, streams: np.ndarray | None = None) -> np.ndarray:
    """Tightest first; ties by period, then more hops first, then index (deterministic)."""
    p = layout.problem
    streams = layout.scheduled if streams is None else np.asarray(streams, dtype=np.int64)
    tight = np.minimum(p.stream_deadline_ns[streams], p.stream_period_ns[streams])
    hops = np.diff(p.hop_ptr)[streams]
    return streams[np.lexsort((streams, -hops, p.stream_period_ns[streams], tight))].astype(np.int32)


def heuristic_placement(problem: CompiledProblem, options: ScheduleOptions,
                        deadline_s: float | None = None) -> Placement:
    """Best placement found by the list scheduler and its retries (see the module docstring)."""
    layout = build_layout(problem, options)
    order = stream_order(layout)
    best = place(layout, order)
    failed = [s for s, *_ in best.failed()]
    if not failed:
        return best
    again = place(layout, np.concatenate([stream_order(layout, np.array(failed)), order[~np.isin(order, failed)]]))
    if again.n_placed() > best.n_placed():
        best = again
    if options.reroute and not problem.routes.fixed and (deadline_s is None or time.monotonic() < deadline_s):
        from tsnplan.schedule.incremental import reroute_failed
        best = reroute_failed(best, options, deadline_s)
    return best
