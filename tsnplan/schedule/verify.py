"""Independent checker of a schedule: numpy only, shares no code with the schedulers.

Every schedule leaves ``tsnplan.schedule`` through ``verify``; a schedule read from a file can be
checked the same way. Returns human-readable problems (empty = valid):

- every placed stream has one window per (hop, frame, instance), of the exact transmission time
  (on a 10BASE-T1S member plus the worst-case PLCA wait: one beacon, every TO timer and the
  largest unscheduled frame of every other member) rounded up to the quantum
  (``time_quantum_ns`` and the GCL granularities), starting inside its instance's period and
  ending inside the hyperperiod;
- no two windows overlap on a port or a shared medium over the hyperperiod;
- hop precedence: start >= parent end + propagation + processing + sync error;
- frame isolation: in one (port, traffic class) queue the residencies [earliest arrival - sync,
  end) of two frames never overlap, so the FIFO order does not depend on the clocks; the earliest
  arrival counts from the parent window's end minus its PLCA room, and after a 5G bridge without
  hold-and-forward from the profile's minimum delay instead of the planning quantile;
- latency per listener (either route) plus the sync error (the talker's and the listener's clocks
  may differ by it) <= deadline, and equal to the reported one; jitter <= limit; an arrival time
  before the period's end (TAS ``deadline``) holds for every instance;
- GCL: per port one cycle dividing the hyperperiod (checked repeated over it), at most
  ``port_gcl_max`` entries, durations on the port's
  granularity; during each window its class open and every other scheduled class closed; a
  scheduled class open only in its windows; a guard band before each window (unscheduled closed).
"""
from __future__ import annotations

import math

import numpy as np

from tsnplan.model.compile import CompiledProblem, fiveg_hop_profiles
from tsnplan.model.tolerance import stream_release_jitter_ns, tolerance_spread_ns
from tsnplan.model.gating import port_gated_mask
from tsnplan.model.media.ethernet import Medium, ceil_div, tx_time_ns
from tsnplan.model.media.t1s import PlcaConfig, access_wait_ns
from tsnplan.schedule.result import ScheduleResult

__all__ = ["verify"]


def verify(problem: CompiledProblem, result: ScheduleResult, *, sync_error_ns: int = 0,
           guard: np.ndarray | None = None, quantum: int | None = None, limit: int = 20) -> list[str]:
    """Problems of ``result`` against ``problem``; ``guard`` = guard band per port (None: no check)."""
    p, r = problem, result
    out: list[str] = []
    H = int(r.hyperperiod_ns)
    q = quantum
    if q is None:
        q = int(p.time_quantum_ns)
        for g in np.unique(p.port_gcl_granularity_ns):
            q = math.lcm(q, int(g))
    hop = r.window_hop.astype(np.int64)
    start, end = r.window_start_ns.astype(np.int64), r.window_end_ns.astype(np.int64)
    frame, inst = r.window_frame.astype(np.int64), r.window_instance.astype(np.int64)
    counts = np.diff(r.window_ptr)
    wstream = np.repeat(np.arange(p.n_streams), counts)
    unscheduled = set(r.unscheduled)
    placed = np.array([counts[s] > 0 and sid not in unscheduled for s, sid in enumerate(p.stream_ids)], bool)
    period = p.stream_period_ns.astype(np.int64)
    if len(hop) and not (np.searchsorted(p.hop_ptr, hop, side="right") - 1 == wstream).all():
        out.append("a window lies on a hop of another stream")
        return out
    for s in np.flatnonzero(placed & (r.stream_class != p.stream_class))[:limit]:
        out.append(f"stream {p.stream_ids[s]}: traffic class {int(r.stream_class[s])} contradicts its PCP "
                   f"{int(p.stream_pcp[s])} (class {int(p.stream_class[s])} on 8 queues, 802.1Q Table 8-5)")
    for s in np.flatnonzero(p.stream_scheduled.astype(bool) & ~placed):
        if p.stream_ids[s] not in unscheduled:
            out.append(f"stream {p.stream_ids[s]}: scheduled but has no windows and no explanation")
    if (H % period[placed]).any() if placed.any() else False:
        out.append("hyperperiod is not a multiple of every placed stream's period")
        return out
    nf = np.diff(p.frame_ptr)
    expect = (np.diff(p.hop_ptr) * nf * (H // period)) * placed
    bad = np.flatnonzero(counts != expect)
    for s in bad[:limit]:
        out.append(f"stream {p.stream_ids[s]}: {counts[s]} windows, expected {expect[s]}")
    if len(bad):
        return out
    if len(hop) == 0:
        return out + _verify_gcl(p, r, hop, start, end, wstream, guard, limit)
    # unique (hop, frame, instance) keys; frames and instances in range
    n_inst = H // period[wstream]
    if (frame < 0).any() or (frame >= nf[wstream]).any() or (inst < 0).any() or (inst >= n_inst).any():
        out.append("a window has a frame or instance index out of range")
        return out
    fmax, imax = int(nf.max()), int((H // period[placed]).max())
    key = (hop * fmax + frame) * imax + inst
    order = np.argsort(key, kind="stable")
    if (np.diff(key[order]) == 0).any():
        out.append("a (hop, frame, instance) has two windows")
        return out
    # exact window length
    port = p.hop_port[hop].astype(np.int64)
    tx = tx_time_ns(p.frame_wire_bytes[p.frame_ptr[wstream] + frame], p.port_rate_bps[port])
    plca_wait = _plca_wait(p)[port]
    jitter = np.where(p.hop_parent[hop] < 0, stream_release_jitter_ns(p)[wstream], 0)
    want = ceil_div(tx + plca_wait + jitter, q) * q
    for w in np.flatnonzero(end - start != want)[:limit]:
        out.append(f"stream {p.stream_ids[wstream[w]]}: window on {p.port_names[port[w]]} lasts "
                   f"{end[w] - start[w]} ns, transmission takes {want[w]} ns")
    for w in np.flatnonzero(start % q)[:limit]:
        out.append(f"stream {p.stream_ids[wstream[w]]}: window start {start[w]} ns is off the {q} ns quantum")
    T = period[wstream]
    for w in np.flatnonzero((start < inst * T) | (start >= (inst + 1) * T) | (end > H))[:limit]:
        out.append(f"stream {p.stream_ids[wstream[w]]}: instance {inst[w]} window at {start[w]} ns "
                   "lies outside its period or the hyperperiod")
    # no overlap on a medium
    res = p.port_resource[port].astype(np.int64)
    o = np.lexsort((start, res))
    clash = np.flatnonzero((res[o][1:] == res[o][:-1]) & (start[o][1:] < end[o][:-1]))
    for i in clash[:limit]:
        a, b = o[i], o[i + 1]
        out.append(f"windows overlap on {p.port_names[port[b]]}: {p.stream_ids[wstream[a]]} "
                   f"[{start[a]}, {end[a]}) and {p.stream_ids[wstream[b]]} [{start[b]}, {end[b]})")
    # precedence
    parent = p.hop_parent[hop].astype(np.int64)
    child = np.flatnonzero(parent >= 0)
    pkey = (parent[child] * fmax + frame[child]) * imax + inst[child]
    sorted_keys = key[order]
    pos = np.searchsorted(sorted_keys, pkey)
    if len(child) and ((pos >= len(key)) | (sorted_keys[np.minimum(pos, len(key) - 1)] != pkey)).any():
        out.append("a window's parent hop has no window")
        return out
    pw = order[pos]
    arrival = np.empty(len(hop), dtype=np.int64)
    arrival[:] = start
    arrival[child] = end[pw] + p.hop_prop_ns[parent[child]] + p.hop_proc_ns[hop[child]]
    late = child[start[child] < arrival[child] + sync_error_ns]
    for w in late[:limit]:
        out.append(f"stream {p.stream_ids[wstream[w]]}: starts on {p.port_names[port[w]]} at {start[w]} ns, "
                   f"before the frame can arrive ({arrival[w] + sync_error_ns} ns)")
    # frame isolation per (port, class)
    cls = p.hop_class[hop].astype(np.int64)
    slack = np.where((plca_wait > 0) | (jitter > 0), end - start - tx, 0)
    early = np.zeros(len(hop), dtype=np.int64)
    early[child] = slack[pw] + _early_arrival(p)[hop[child]]
    res_a = np.where(parent >= 0, arrival - early - sync_error_ns, start)
    qk = port * 8 + cls
    o = np.lexsort((start, qk))                  # a stream's own copies (FRER) queue behind each other
    own = (qk[o][1:] == qk[o][:-1]) & (wstream[o][1:] == wstream[o][:-1])
    res_a[o[1:][own]] = np.maximum(res_a[o[1:][own]], end[o[:-1][own]])
    o = np.lexsort((res_a, qk))
    clash = np.flatnonzero((qk[o][1:] == qk[o][:-1]) & (res_a[o][1:] < end[o][:-1]))
    for i in clash[:limit]:
        a, b = o[i], o[i + 1]
        out.append(f"queue {cls[a]} of {p.port_names[port[a]]}: frames of {p.stream_ids[wstream[a]]} and "
                   f"{p.stream_ids[wstream[b]]} share it at once (no frame isolation)")
    out += _verify_latency(p, r, hop, frame, inst, start, end, wstream, placed, order, key, fmax, imax, limit,
                           sync_error_ns)
    out += _verify_gcl(p, r, hop, start, end, wstream, guard, limit)
    return out[:limit] if len(out) > limit else out


def _plca_wait(p: CompiledProblem) -> np.ndarray:
    """Per port: worst-case wait of a 10BASE-T1S member for its transmit opportunity (0 off T1S)."""
    net = p.network
    out = np.zeros(p.n_ports, dtype=np.int64)
    sched = p.stream_scheduled.astype(bool)
    unsched_max = np.zeros(p.n_ports, dtype=np.int64)
    for s in np.flatnonzero(~sched):
        size = int(p.frame_mac_bytes[p.frame_ptr[s]:p.frame_ptr[s + 1]].max())
        for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
            unsched_max[p.hop_port[h]] = max(unsched_max[p.hop_port[h]], size)
    for q, name in enumerate(p.port_names):
        port = net.ports[name]
        if port.link.medium is not Medium.T1S or port.passthrough:
            continue
        members = net.segment_members(port.dst)
        ids = [net.link(port.dst, m).plca_id for m in members]
        count = max([(net.node(port.dst).plca or PlcaConfig()).node_count or len(members)]
                    + [(i if i is not None else k) + 1 for k, i in enumerate(ids)])
        sizes = [int(unsched_max[p.port_index[f"{m}->{port.dst}"]]) for m in members]
        out[q] = access_wait_ns(net.node(port.dst).plca or PlcaConfig(), count, members.index(port.src), sizes)
    return out


def _early_arrival(p: CompiledProblem) -> np.ndarray:
    """Per hop: planning quantile minus minimum of the 5G delay before it (0 with hold-and-forward),
    plus the declared tolerances of cable and forwarding (model/tolerance.py)."""
    out = tolerance_spread_ns(p) if p.timing != "tsnkit" else np.zeros(p.n_hops, dtype=np.int64)
    for h in np.flatnonzero(p.hop_profile >= 0):
        port = int(p.hop_port[h])
        node = p.node_names[p.port_src[port]]
        if not p.network.node(node).hold_and_forward:
            parts = fiveg_hop_profiles(p.network, node, p.port_names[p.hop_port[p.hop_parent[h]]], p.port_names[port])
            out[h] += sum(x.quantile_ns(p.percentile) - x.min_ns for x in parts)
    return out


def _verify_latency(p, r, hop, frame, inst, start, end, wstream, placed, order, key, fmax, imax, limit, sync=0):
    out = []
    sorted_keys = key[order]

    def window(h, f, k):
        i = np.searchsorted(sorted_keys, (h * fmax + f) * imax + k)
        return order[i]

    arrival = p.arrival_limit_ns()
    for s in np.flatnonzero(placed):
        period = int(p.stream_period_ns[s])
        n_inst = r.hyperperiod_ns // period
        root = int(p.hop_ptr[s])
        nf = int(p.frame_ptr[s + 1] - p.frame_ptr[s])
        for l in range(int(p.listener_ptr[s]), int(p.listener_ptr[s + 1])):
            per_instance = []
            for k in range(n_inst):
                t0 = start[window(root, 0, k)]
                worst = 0
                for h in (int(p.listener_hop[l]), int(p.listener_hop_alt[l])):
                    if h >= 0:
                        for f in range(nf):
                            worst = max(worst, int(end[window(h, f, k)]) + int(p.hop_prop_ns[h]) - int(t0))
                per_instance.append(worst)
                if arrival[s] < period and int(t0) + worst - k * period > arrival[s]:
                    out.append(f"stream {p.stream_ids[s]}: instance {k} reaches {p.node_names[p.listener_node[l]]} "
                               f"{int(t0) + worst - k * period} ns after its period starts, later than "
                               f"{int(arrival[s])} ns")
            lat = max(per_instance)
            name = p.node_names[p.listener_node[l]]
            if lat + sync > p.stream_deadline_ns[s]:
                out.append(f"stream {p.stream_ids[s]}: latency to {name} {lat} ns plus the sync error {sync} ns "
                           f"exceeds the deadline {int(p.stream_deadline_ns[s])} ns")
            if int(r.listener_latency_ns[l]) != lat:
                out.append(f"stream {p.stream_ids[s]}: reported latency to {name} "
                           f"{int(r.listener_latency_ns[l])} ns, the windows give {lat} ns")
            if p.stream_jitter_ns[s] >= 0 and lat - min(per_instance) > p.stream_jitter_ns[s]:
                out.append(f"stream {p.stream_ids[s]}: jitter to {name} {lat - min(per_instance)} ns exceeds "
                           f"{int(p.stream_jitter_ns[s])} ns")
            if len(out) >= limit:
                return out
    return out


def _verify_gcl(p, r, hop, start, end, wstream, guard, limit):
    out = []
    g = r.gcl
    if g is None:
        return out if len(hop) == 0 else ["the schedule has windows but no gate control lists"]
    H = r.hyperperiod_ns
    if g.cycle_ns != H or len(g.ptr) != p.n_ports + 1:
        return [f"GCL cycle {g.cycle_ns} ns or port count does not match the hyperperiod {H} ns"]
    if g.port_cycle_ns is not None and (len(g.port_cycle_ns) != p.n_ports or (g.port_cycle_ns <= 0).any()
                                        or (H % g.port_cycle_ns).any()):
        return ["a port's GCL cycle does not divide the hyperperiod"]
    port = p.hop_port[hop].astype(np.int64) if len(hop) else np.zeros(0, np.int64)
    cls = p.hop_class[hop].astype(np.int64)
    gated = port_gated_mask(p).astype(np.int64)
    for q in range(p.n_ports):
        sched_mask = int(gated[q])
        lo, hi = int(g.ptr[q]), int(g.ptr[q + 1])
        name = p.port_names[q]
        if hi - lo > p.port_gcl_max[q]:
            out.append(f"GCL of {name} has {hi - lo} entries, the bridge holds {int(p.port_gcl_max[q])}")
        if int(g.duration_ns[lo:hi].sum()) != g.cycle(q) or (g.duration_ns[lo:hi] <= 0).any():
            out.append(f"GCL of {name} does not cover its cycle exactly")
            continue
        tiled = g.entries(q)
        dur = np.array([d for d, _ in tiled], dtype=np.int64)
        gates = np.array([x for _, x in tiled], dtype=np.int64)
        if (dur % int(p.port_gcl_granularity_ns[q])).any():
            out.append(f"GCL of {name} has durations off its {int(p.port_gcl_granularity_ns[q])} ns granularity")
        begin = np.concatenate([[0], np.cumsum(dur)])
        mine = np.flatnonzero(port == q)
        all_mask = (1 << int(p.port_queues[q])) - 1
        if len(mine) == 0:
            continue
        e = np.searchsorted(begin, start[mine], side="right") - 1
        wanted = 1 << cls[mine]
        port_sched = sched_mask & all_mask
        bad = (begin[e + 1] < end[mine]) | ((gates[e] & port_sched) != wanted)
        for w in mine[bad][:limit]:
            out.append(f"GCL of {name}: the window [{start[w]}, {end[w]}) of {p.stream_ids[wstream[w]]} "
                       f"is not open for class {cls[w]} alone")
        for c in range(8):
            if port_sched >> c & 1:
                open_time = int(dur[(gates >> c & 1) == 1].sum())
                busy = int((end[mine] - start[mine])[cls[mine] == c].sum())
                if open_time != busy:
                    out.append(f"GCL of {name}: class {c} is open {open_time} ns, its windows last {busy} ns")
        if guard is not None and guard[q] > 0:
            unsched = all_mask & ~sched_mask
            leaky = np.concatenate([[0], np.cumsum((gates & unsched) != 0)])
            a = start[mine]
            gq = int(guard[q])

            def leaks(x, y):
                i0 = np.searchsorted(begin, x, side="right") - 1
                i1 = np.searchsorted(begin, y, side="left")
                return (y > x) & (leaky[np.clip(i1, 0, len(dur))] - leaky[np.clip(i0, 0, len(dur))] > 0)

            bad = leaks(np.maximum(a - gq, 0), a) | ((a < gq) & leaks(H + a - gq, np.full_like(a, H)))
            for w in mine[bad][:limit]:
                out.append(f"GCL of {name}: unscheduled classes open inside the guard band before "
                           f"{p.stream_ids[wstream[w]]} at {start[w]} ns")
        if len(out) >= limit:
            return out
    return out
