"""The (hop, frame) layout every scheduling method shares, and the step from starts to a result.

A scheduled stream ``s`` with ``nf`` frames and hops ``hop_ptr[s]:hop_ptr[s+1]`` owns the slots
``hf_ptr[s] + j * nf + f`` (hop ``j`` of the stream, frame ``f``); a slot holds the window length
and, once placed, the start of its first instance. Instances repeat at ``k * period``, so every
method only chooses first-period offsets and the result is jitter-free by construction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tsnplan.model.compile import CompiledProblem, hyperperiod_ns

__all__ = ["ScheduleOptions", "Layout", "build_layout", "MAX_FRAME_WIRE_BYTES", "DEFAULT_SYNC_ERROR_NS"]

#: largest interfering frame a guard band protects against: 1522 B tagged + preamble/SFD + IFG.
MAX_FRAME_WIRE_BYTES = 1542
#: gPTP precision assumed for IEEE plants (802.1AS design goal, domain.md §8); tsnkit instances use 0.
DEFAULT_SYNC_ERROR_NS = 1000


@dataclass(frozen=True)
class ScheduleOptions:
    """Knobs of every method; ``None`` picks the documented default for the problem's timing."""

    sync_error_ns: int | None = None   # gPTP precision δ, added to every hop's earliest start
    max_wait_ns: int = 0               # 0: no-wait; >0: a frame may wait this long in a queue
    guard_band: bool = True            # close unscheduled classes one max frame before windows
    reroute: bool = True               # heuristic: try alternative paths for streams that fail
    k_paths: int = 3                   # alternatives tried per listener when re-routing

    def sync(self, problem: CompiledProblem) -> int:
        if self.sync_error_ns is not None:
            return int(self.sync_error_ns)
        return 0 if problem.timing == "tsnkit" else DEFAULT_SYNC_ERROR_NS


def _ceil(a: np.ndarray | int, b: int):
    return -(-a // b) * b


@dataclass(frozen=True, eq=False)
class Layout:
    problem: CompiledProblem
    hyper: int
    quantum: int
    sync: int
    max_wait: int
    scheduled: np.ndarray      # int32: indices of the streams that get windows
    n_frames: np.ndarray       # int64[S]
    hf_ptr: np.ndarray         # int64[S+1]
    hf_len: np.ndarray         # int64[HF]
    cls: np.ndarray            # int8[S]: traffic class used on every hop
    hop_listener: np.ndarray   # int8[Hp]
    share_ptr: np.ndarray      # int64[P+1]
    share_port: np.ndarray     # int32
    port_guard: np.ndarray     # int64[P]: 0 when the port has no unscheduled class
    port_sched_mask: np.ndarray    # int32[P]: gates of scheduled classes
    port_unsched_mask: np.ndarray  # int32[P]: gates of the other classes the port has
    port_gcl_max: np.ndarray   # int64[P]

    def slot(self, s: int, hop: int, frame: int) -> int:
        p = self.problem
        return int(self.hf_ptr[s]) + (hop - int(p.hop_ptr[s])) * int(self.n_frames[s]) + frame

    def slot_hop_frame(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stream, global hop and frame of every slot."""
        p = self.problem
        counts = np.diff(self.hf_ptr)
        stream = np.repeat(np.arange(p.n_streams, dtype=np.int64), counts)
        local = np.arange(int(self.hf_ptr[-1]), dtype=np.int64) - self.hf_ptr[stream]
        nf = self.n_frames[stream]
        return stream, p.hop_ptr[stream] + local // nf, local % nf


def build_layout(problem: CompiledProblem, options: ScheduleOptions) -> Layout:
    """Window lengths, classes, guard bands and medium sharing for ``problem``.

    Window length = transmission time of the frame's wire bytes at the port rate, rounded up to
    the quantum (``time_quantum_ns`` and every GCL granularity). A stream uses its PCP's traffic
    class, lowered to fit the smallest queue count on its route.
    """
    p = problem
    S = p.n_streams
    scheduled = np.flatnonzero(p.stream_scheduled.astype(bool)).astype(np.int32)
    hyper = hyperperiod_ns(p.stream_period_ns[scheduled]) if len(scheduled) else 1
    quantum = int(p.time_quantum_ns)
    for g in np.unique(p.port_gcl_granularity_ns):
        quantum = math.lcm(quantum, int(g))
    n_frames = np.diff(p.frame_ptr).astype(np.int64)
    n_hops = np.diff(p.hop_ptr).astype(np.int64)
    counts = np.where(p.stream_scheduled.astype(bool), n_hops * n_frames, 0)
    hf_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    stream = np.repeat(np.arange(S, dtype=np.int64), counts)
    local = np.arange(int(hf_ptr[-1]), dtype=np.int64) - hf_ptr[stream]
    nf = n_frames[stream]
    hop = p.hop_ptr[stream] + local // nf
    frame = p.frame_ptr[stream] + local % nf
    rate = p.port_rate_bps[p.hop_port[hop]]
    hf_len = _ceil(_ceil(p.frame_wire_bytes[frame] * 8 * 1_000_000_000, rate) // rate, quantum)
    hf_len = np.ascontiguousarray(hf_len, dtype=np.int64)

    cls = p.stream_class.astype(np.int8).copy()
    for s in scheduled:
        lo, hi = int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])
        if hi > lo:
            cls[s] = min(int(cls[s]), int(p.port_queues[p.hop_port[lo:hi]].min()) - 1)
    hop_listener = np.zeros(p.n_hops, dtype=np.int8)
    hop_listener[p.listener_hop[p.listener_hop >= 0]] = 1
    hop_listener[p.listener_hop_alt[p.listener_hop_alt >= 0]] = 1

    order = np.argsort(p.port_resource, kind="stable")
    share_port_list, share_ptr = [], [0]
    groups: dict[int, list[int]] = {}
    for port in order:
        groups.setdefault(int(p.port_resource[port]), []).append(int(port))
    for port in range(p.n_ports):
        share_port_list.extend(groups[int(p.port_resource[port])])
        share_ptr.append(len(share_port_list))

    sched_mask = 0
    for c in np.unique(cls[scheduled]):
        sched_mask |= 1 << int(c)
    all_mask = (1 << p.port_queues.astype(np.int64)) - 1
    port_sched = (all_mask & sched_mask).astype(np.int32)
    port_unsched = (all_mask & ~sched_mask).astype(np.int32)
    guard = _ceil(_ceil(MAX_FRAME_WIRE_BYTES * 8 * 1_000_000_000, p.port_rate_bps) // p.port_rate_bps, quantum)
    guard = np.where((port_unsched != 0) & options.guard_band, guard, 0).astype(np.int64)
    return Layout(
        problem=p, hyper=int(hyper), quantum=quantum, sync=options.sync(p), max_wait=int(options.max_wait_ns),
        scheduled=scheduled, n_frames=n_frames, hf_ptr=hf_ptr, hf_len=hf_len, cls=cls,
        hop_listener=hop_listener, share_ptr=np.array(share_ptr, dtype=np.int64),
        share_port=np.array(share_port_list, dtype=np.int32), port_guard=np.ascontiguousarray(guard),
        port_sched_mask=port_sched, port_unsched_mask=port_unsched,
        port_gcl_max=p.port_gcl_max.astype(np.int64))
