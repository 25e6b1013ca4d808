"""Why streams did not fit, and what would help: from the kernel's blocking port and owner."""
from __future__ import annotations

import numpy as np

from tsnplan._ext.listsched import ST_GCL
from tsnplan.schedule.layout import Layout
from tsnplan.schedule.result import Explanation

__all__ = ["explain", "min_latency_ns", "port_demand"]


def min_latency_ns(layout: Layout, s: int) -> int:
    """End-to-end latency of stream ``s`` on an empty network (no-wait, every frame back to back)."""
    p = layout.problem
    nf, q = int(layout.n_frames[s]), layout.quantum
    lo, hi = int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])
    start = np.zeros((hi - lo, nf), dtype=np.int64)
    t = 0
    for f in range(nf):
        for h in range(lo, hi):
            par = int(p.hop_parent[h])
            if par < 0:
                start[h - lo, f] = t
            else:
                ready = start[par - lo, f] + layout.hf_len[layout.slot(s, par, f)] + p.hop_prop_ns[par] + p.hop_proc_ns[h]
                start[h - lo, f] = -(-(ready + layout.sync) // q) * q
        t += int(layout.hf_len[layout.slot(s, lo, f)])
    worst = 0
    for l in range(int(p.listener_ptr[s]), int(p.listener_ptr[s + 1])):
        for h in (int(p.listener_hop[l]), int(p.listener_hop_alt[l])):
            if h >= 0:
                for f in range(nf):
                    end = start[h - lo, f] + layout.hf_len[layout.slot(s, h, f)] + p.hop_prop_ns[h]
                    worst = max(worst, int(end))
    return worst


def port_demand(layout: Layout) -> np.ndarray:
    """Share of the hyperperiod every port would transmit if all scheduled streams were placed (ppm)."""
    p = layout.problem
    stream = np.repeat(np.arange(p.n_streams), np.diff(layout.hf_ptr))
    _, hop, _ = layout.slot_hop_frame()
    busy = layout.hf_len * (layout.hyper // p.stream_period_ns[stream])
    total = np.bincount(p.hop_port[hop], weights=busy, minlength=p.n_ports) if len(hop) else np.zeros(p.n_ports)
    return (total * 1_000_000 // layout.hyper).astype(np.int64)


def _fiveg_spread(layout: Layout, s: int, port: int) -> int:
    """Arrival spread of stream ``s`` at ``port`` when that hop follows a 5G bridge, else 0."""
    p = layout.problem
    for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
        if p.hop_port[h] == port and layout.hop_early[h] > 0:
            return int(layout.hop_early[h])
    return 0


def explain(layout: Layout, failed: list[tuple[int, int, int, int]]) -> list[Explanation]:
    """Explanations for ``(stream, status, block_port, block_owner)`` of the streams left out."""
    p = layout.problem
    demand = port_demand(layout) if failed else None
    out = []
    for s, status, port, owner in failed:
        sid = p.stream_ids[s]
        deadline, period = int(p.stream_deadline_ns[s]) - layout.sync, int(p.stream_period_ns[s])
        need = min_latency_ns(layout, s)
        if need > min(deadline, period):
            limit = (f"deadline less the {layout.sync} ns sync error" if layout.sync else "deadline") \
                if deadline <= period else "period"
            out.append(Explanation(
                sid, f"needs at least {need} ns end to end on its path, its {limit} is {min(deadline, period)} ns",
                conflicts=(), suggestion="a longer deadline, faster links or a path with fewer hops"))
            continue
        conflicts = []
        if port >= 0:
            conflicts.append(p.port_names[port])
        if owner >= 0 and owner != s:
            conflicts.append(p.stream_ids[owner])
        if status == ST_GCL and port >= 0:
            out.append(Explanation(
                sid, f"the gate control list of {p.port_names[port]} would need more than its "
                     f"{int(p.port_gcl_max[port])} entries", tuple(conflicts),
                "a bridge with a longer gate control list, or fewer streams through this port"))
            continue
        spread = _fiveg_spread(layout, s, port)
        if spread:
            out.append(Explanation(
                sid, f"after the 5G bridge its frames arrive anywhere in a {spread} ns interval (minimum "
                     f"delay to the planning quantile), and the queue of {p.port_names[port]} holds "
                     "another stream's frame then" + (f", e.g. {p.stream_ids[owner]}'s" if owner >= 0 and owner != s else ""),
                tuple(conflicts),
                "hold-and-forward in the 5G bridge (hold_and_forward: true), a lower percentile, "
                "or a longer period"))
            continue
        where = p.port_names[port] if port >= 0 else "its route"
        load = f" (scheduled demand {demand[port] / 10_000:.1f} % of the link)" if port >= 0 else ""
        out.append(Explanation(
            sid, f"no offset in its {period} ns period fits: {where} is taken{load}"
                 + (f", e.g. by {p.stream_ids[owner]}" if owner >= 0 and owner != s else ""),
            tuple(conflicts),
            f"more bandwidth on {where}, a longer deadline or period, or another path around it"))
    return out
