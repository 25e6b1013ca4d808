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

from tsnplan.model.compile import NO_PROFILE, CompiledProblem, fiveg_hop_profiles, hyperperiod_ns
from tsnplan.model.gating import port_gated_mask
from tsnplan.model.media.ethernet import Medium, ceil_div, tx_time_ns
from tsnplan.model.media.t1s import PlcaConfig, access_wait_ns
from tsnplan.model.tolerance import plant_sync_error_ns, stream_release_jitter_ns, tolerance_spread_ns

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
        """``sync_error_ns``, else the plant's declared gPTP precision (network ``sync_error``)."""
        if self.sync_error_ns is not None:
            return int(self.sync_error_ns)
        return plant_sync_error_ns(problem)


def _ceil(a: np.ndarray | int, b: int):
    """``a`` rounded up to a multiple of ``b``."""
    return ceil_div(a, b) * b


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
    hf_len: np.ndarray         # int64[HF]: window length = transmission + hf_slack
    hf_slack: np.ndarray       # int64[HF]: T1S: worst-case PLCA wait the window leaves room for
    hop_early: np.ndarray      # int64[Hp]: how much earlier than nominal the frame may arrive (5G)
    hop_cls: np.ndarray        # int8[Hp]: traffic class of each hop (``hop_class``, 802.1Q Table 8-5)
    hop_listener: np.ndarray   # int8[Hp]
    share_ptr: np.ndarray      # int64[P+1]
    share_port: np.ndarray     # int32
    port_guard: np.ndarray     # int64[P]: 0 when the port has no unscheduled class
    port_sched_mask: np.ndarray    # int32[P]: gates of scheduled classes
    port_unsched_mask: np.ndarray  # int32[P]: gates of the other classes the port has
    port_gcl_max: np.ndarray   # int64[P]
    port_cycle: np.ndarray     # int64[P]: GCL cycle, lcm of the periods crossing the port
    port_gcl_budget: np.ndarray    # int64[P]: entry bound over the hyperperiod given to the kernel

    def slot(self, s: int, hop: int, frame: int) -> int:
        p = self.problem
        return int(self.hf_ptr[s]) + (hop - int(p.hop_ptr[s])) * int(self.n_frames[s]) + frame

    def queue_lead_ns(self, rel: np.ndarray, s: int, hop: int, frame: int) -> int:
        """How long before its window (``rel`` offsets) the frame may already wait in its queue:
        frame isolation holds from its earliest arrival, less the sync error (0 at the talker)."""
        p = self.problem
        parent = int(p.hop_parent[hop])
        if parent < 0:
            return 0
        par = self.slot(s, parent, frame)
        arrival = int(rel[par] + self.hf_len[par] + p.hop_prop_ns[parent] + p.hop_proc_ns[hop])
        earliest = arrival - int(self.hf_slack[par]) - int(self.hop_early[hop])
        return int(rel[self.slot(s, hop, frame)]) - (earliest - self.sync)

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

    Window length = transmission time of the frame's wire bytes at the port rate, plus on a
    10BASE-T1S member the worst-case wait for its PLCA transmit opportunity (``t1s_access_ns``),
    rounded up to the quantum (``time_quantum_ns`` and every GCL granularity). Every hop uses its
    PCP's traffic class for its port's queue count (``hop_class``); a port gates the classes of
    the scheduled streams crossing it and leaves its other classes to unscheduled traffic.

    Each port's GCL repeats with the lcm of the periods crossing it; the kernel counts entries
    over the hyperperiod, so it gets ``(hyper / cycle) * (max - 2) + 2`` as the bound: the windows
    repeat ``hyper / cycle`` times and every repetition needs at least one cycle's entries but
    the 2 of its tail.

    A talker's first window also holds its declared ``release_jitter``: the frame may leave
    anywhere in it, like a T1S member's frame in its PLCA room.
    """
    p = problem
    S = p.n_streams
    scheduled = np.flatnonzero(p.stream_scheduled.astype(bool)).astype(np.int32)
    by_id = p.streams.by_id()
    hyper = hyperperiod_ns(p.stream_period_ns[scheduled], p.streams.source,
                           [by_id[p.stream_ids[s]] for s in scheduled]) if len(scheduled) else 1
    quantum = time_quantum(p)
    n_frames = np.diff(p.frame_ptr).astype(np.int64)
    n_hops = np.diff(p.hop_ptr).astype(np.int64)
    counts = np.where(p.stream_scheduled.astype(bool), n_hops * n_frames, 0)
    hf_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    stream = np.repeat(np.arange(S, dtype=np.int64), counts)
    local = np.arange(int(hf_ptr[-1]), dtype=np.int64) - hf_ptr[stream]
    nf = n_frames[stream]
    hop = p.hop_ptr[stream] + local // nf
    frame = p.frame_ptr[stream] + local % nf
    tx = tx_time_ns(p.frame_wire_bytes[frame], p.port_rate_bps[p.hop_port[hop]])
    access = t1s_access_ns(p)[p.hop_port[hop]]
    jitter = np.where(p.hop_parent[hop] < 0, stream_release_jitter_ns(p)[stream], 0)
    hf_len = np.ascontiguousarray(_ceil(tx + access + jitter, quantum), dtype=np.int64)
    hf_slack = np.ascontiguousarray(np.where((access > 0) | (jitter > 0), hf_len - tx, 0), dtype=np.int64)

    cls = np.ascontiguousarray(p.hop_class, dtype=np.int8)
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

    all_mask = (1 << p.port_queues.astype(np.int64)) - 1
    port_sched = (all_mask & port_gated_mask(p)).astype(np.int32)
    port_unsched = (all_mask & ~port_sched.astype(np.int64)).astype(np.int32)
    guard = _ceil(tx_time_ns(MAX_FRAME_WIRE_BYTES, p.port_rate_bps), quantum)
    guard = np.where((port_unsched != 0) & options.guard_band & ~implicit_guard(p), guard, 0).astype(np.int64)
    port_cycle = np.full(p.n_ports, hyper, dtype=np.int64)
    crossing: dict[int, set[int]] = {}
    for s in scheduled:
        for port in set(p.hop_port[int(p.hop_ptr[s]):int(p.hop_ptr[s + 1])].tolist()):
            crossing.setdefault(port, set()).add(int(p.stream_period_ns[s]))
    for port, periods in crossing.items():
        port_cycle[port] = math.lcm(*periods)
    gcl_max = p.port_gcl_max.astype(np.int64)
    budget = np.where(gcl_max > 2, (hyper // port_cycle) * (gcl_max - 2) + 2, gcl_max)
    return Layout(
        problem=p, hyper=int(hyper), quantum=quantum, sync=options.sync(p), max_wait=int(options.max_wait_ns),
        scheduled=scheduled, n_frames=n_frames, hf_ptr=hf_ptr, hf_len=hf_len, hf_slack=hf_slack,
        hop_early=arrival_spread_ns(p), hop_cls=cls,
        hop_listener=hop_listener, share_ptr=np.array(share_ptr, dtype=np.int64),
        share_port=np.array(share_port_list, dtype=np.int32), port_guard=np.ascontiguousarray(guard),
        port_sched_mask=port_sched, port_unsched_mask=port_unsched,
        port_gcl_max=gcl_max, port_cycle=port_cycle, port_gcl_budget=budget.astype(np.int64))


def time_quantum(problem: CompiledProblem) -> int:
    """The grid of every window start and length: lcm of the time step and every GCL granularity."""
    quantum = int(problem.time_quantum_ns)
    for g in set(problem.port_gcl_granularity_ns.tolist()):
        quantum = math.lcm(quantum, g)
    return quantum


def implicit_guard(problem: CompiledProblem) -> np.ndarray:
    """Per port: its node declares ``implicit_guard`` (it starts a frame only if the frame ends before
    its gate closes, 802.1Q 8.6.8.4, as Linux taprio does), so the port's list needs no guard band
    entries: one entry fewer per window, which lets a list fit a short limit (``tc``: 30)."""
    network = problem.network
    return np.array([network.node(network.ports[name].src).implicit_guard for name in problem.port_names],
                    dtype=bool)


def t1s_access_ns(problem: CompiledProblem) -> np.ndarray:
    """Per port: worst-case wait of a 10BASE-T1S member for its PLCA transmit opportunity (0 off T1S).

    A scheduled frame's window opens while the medium may be anywhere in its PLCA cycle: the
    frame waits at most one beacon, every TO timer and one frame (plus bursts) of every other
    member (domain.md §5.2). Other members' scheduled frames keep to their own windows (which
    never overlap this one), so a member counts with the largest of its unscheduled frames.
    """
    p = problem
    network = p.network
    out = np.zeros(p.n_ports, dtype=np.int64)
    ports = [network.ports[name] for name in p.port_names]
    t1s = [q for q, port in enumerate(ports) if port.link.medium is Medium.T1S and not port.passthrough]
    if not t1s:
        return out
    stream_of_hop = np.repeat(np.arange(p.n_streams), np.diff(p.hop_ptr))
    largest = np.maximum.reduceat(p.frame_mac_bytes, p.frame_ptr[:-1]) if p.n_streams else np.zeros(0, np.int64)
    unsched = np.zeros(p.n_ports, dtype=np.int64)
    free = ~p.stream_scheduled.astype(bool)[stream_of_hop]
    np.maximum.at(unsched, p.hop_port[free], largest[stream_of_hop[free]])
    for q in t1s:
        segment = ports[q].dst
        plca = network.node(segment).plca or PlcaConfig()
        members = network.segment_members(segment)
        ids = [network.link(segment, m).plca_id for m in members]
        ids = [i if i is not None else k for k, i in enumerate(ids)]
        count = max(plca.node_count or len(members), max(ids) + 1)
        sizes = [int(unsched[p.port_index[f"{m}->{segment}"]]) for m in members]
        out[q] = access_wait_ns(plca, count, members.index(ports[q].src), sizes)
    return out


def arrival_spread_ns(problem: CompiledProblem) -> np.ndarray:
    """Per hop: nominal arrival (``hop_proc_ns`` holds the 5G delay quantile) minus the earliest.

    After a 5G bridge without hold-and-forward a frame arrives anywhere between the profile's
    minimum and its planning quantile, so another frame of its queue must not be waiting then
    either (domain.md §4.5); with hold-and-forward the bridge re-times it to the quantile. Faster
    cables and forwarding within the declared tolerances add to it (model/tolerance.py).
    """
    p = problem
    out = tolerance_spread_ns(p) if p.timing != "tsnkit" else np.zeros(p.n_hops, dtype=np.int64)
    for h in np.flatnonzero(p.hop_profile != NO_PROFILE):
        port = int(p.hop_port[h])
        node = p.node_names[p.port_src[port]]
        if p.network.node(node).hold_and_forward:
            continue
        parent_port = int(p.hop_port[p.hop_parent[h]])
        parts = fiveg_hop_profiles(p.network, node, p.port_names[parent_port], p.port_names[port])
        out[h] += sum(part.quantile_ns(p.percentile) - part.min_ns for part in parts)
    return out
