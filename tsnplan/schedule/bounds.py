"""Necessary conditions checked before searching: certificates of infeasibility and a lower bound.

Every condition is a fact about *any* schedule that the schedulers and ``verify`` accept:

- medium demand: windows never overlap on a medium, so the windows crossing it (transmission
  rounded up to the quantum, PLCA room on 10BASE-T1S) must fit in the hyperperiod;
- end-station demand: the same on the only link out of a talker or into a listener, which every
  route uses, so it holds even when streams may be re-routed;
- no-wait path latency: a frame's windows start at the earliest after it is ready (sync error and
  quantum included) and every window lies inside its period, so a route whose empty-network
  latency exceeds ``min(deadline - sync error, period)`` cannot carry the stream;
- gate-list packing: a port needs one GCL entry per scheduled class crossing it, plus one for the
  gap when its windows do not fill the cycle (scheduled gates are closed outside windows);
- arrival windows: a stream with an arrival time before its period's end crosses each port inside
  a window of the period fixed by its route, and the streams whose windows lie inside one
  interval must fit in it;
- equipment: a scheduled stream needs a window on every bridge port of its route, and a bridge
  without 802.1Qbv runs no gate list (``model.features``); ``drop_ungated`` keeps every scheduler
  from placing such a stream, whatever its route, and one whose period is off the time quantum
  (its windows repeat with the period, and every window starts on the quantum).

Route-dependent conditions are used only for streams whose routes cannot change (routes fixed by
the input, ``--no-reroute``, or redundancy that the heuristic never re-routes). The hot parts run
in ``tsnplan._ext.bounds``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsnplan._ext.bounds import nowait_latency, resource_demand
from tsnplan.model.compile import REDUNDANCY_NONE, REDUNDANCY_REROUTE
from tsnplan.model.features import qbv_gaps
from tsnplan.model.network import NodeKind
from tsnplan.schedule.layout import Layout, time_quantum
from tsnplan.schedule.result import Explanation

__all__ = ["Certificate", "Bounds", "check_bounds", "movable_streams", "drop_ungated"]

MAX_LISTED = 8      # streams named in a certificate's message


@dataclass(frozen=True)
class Certificate:
    """One violated necessary condition: no schedule carries all of ``streams`` together."""

    kind: str                    # medium-demand | end-station-demand | latency | gcl-entries | feature | exact
    subject: str                 # port (or medium) or stream the condition is about
    message: str
    streams: tuple[str, ...]
    need: int                    # ns of transmission, ns of latency or GCL entries needed ...
    capacity: int                # ... and what there is

    def to_json(self) -> dict:
        return {"kind": self.kind, "subject": self.subject, "message": self.message,
                "streams": list(self.streams), "need": self.need, "capacity": self.capacity}


@dataclass(frozen=True)
class Bounds:
    certificates: tuple[Certificate, ...]
    unplaceable_lb: int          # at least this many scheduled streams stay out of any schedule
    doomed: tuple[int, ...]      # streams that fit on no schedule at all (latency)


def movable_streams(p, reroute: bool) -> np.ndarray:
    """Per stream of problem ``p``: True when the heuristic may give it another route
    (see ``incremental.reroute_failed``)."""
    if not reroute or getattr(p.routes, "fixed", False) or _is_tree(p.network):
        return np.zeros(p.n_streams, dtype=bool)
    return np.isin(p.stream_redundancy, (REDUNDANCY_NONE, REDUNDANCY_REROUTE))


def _is_tree(network) -> bool:
    """A tree (line, star, tree topologies) has one route per pair: nothing can be re-routed."""
    if len(network.links) != len(network.node_ids) - 1:
        return False
    import networkx as nx
    return nx.is_connected(nx.Graph(network.graph))


def _listed(ids: list[str]) -> str:
    more = f" (+{len(ids) - MAX_LISTED} more)" if len(ids) > MAX_LISTED else ""
    return ", ".join(ids[:MAX_LISTED]) + more


def _single_link_ports(layout: Layout) -> np.ndarray:
    """Ports every route of a stream must use: the only egress of an end station, the only ingress of one."""
    p = layout.problem
    net = p.network
    out = np.zeros(p.n_ports, dtype=bool)
    egress = np.bincount(p.port_src, minlength=len(p.node_names))
    ingress = np.bincount(p.port_dst, minlength=len(p.node_names))
    for q in range(p.n_ports):
        src, dst = int(p.port_src[q]), int(p.port_dst[q])
        if net.node(p.node_names[src]).kind is NodeKind.END_STATION and egress[src] == 1:
            out[q] = True
        if net.node(p.node_names[dst]).kind is NodeKind.END_STATION and ingress[dst] == 1:
            out[q] = True
    return out


def _min_removals(per_stream: dict[int, int], excess: int) -> list[int]:
    """Fewest streams whose demand covers ``excess``: the largest first (ties by index)."""
    out = []
    for s, busy in sorted(per_stream.items(), key=lambda kv: (-kv[1], kv[0])):
        if excess <= 0:
            break
        out.append(s)
        excess -= busy
    return out


def check_bounds(layout: Layout, reroute: bool = True) -> Bounds:
    """Certificates of the violated conditions and a lower bound on the unplaceable streams."""
    p = layout.problem
    sched = layout.scheduled.astype(np.int32)
    movable = movable_streams(p, reroute)
    certs: list[Certificate] = []

    latency = np.zeros(p.n_streams, dtype=np.int64)
    fixed = sched[~movable[sched]]
    start = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64)      # no-wait starts from a root at 0
    nowait_latency(p.hop_ptr, p.hop_parent, p.hop_prop_ns, p.hop_proc_ns, layout.hop_listener, layout.n_frames,
                   layout.hf_ptr, layout.hf_len, np.ascontiguousarray(fixed, dtype=np.int32),
                   layout.sync, layout.quantum, start, latency)
    arrival = p.arrival_limit_ns()
    limit = np.minimum(np.minimum(p.stream_deadline_ns - layout.sync, p.stream_period_ns), arrival)
    doomed = [int(s) for s in fixed if latency[s] > limit[s]]
    for s in doomed:
        what = ("arrival time" if arrival[s] == limit[s] and arrival[s] < p.stream_period_ns[s] else
                "period" if limit[s] == p.stream_period_ns[s] else
                f"deadline less the {layout.sync} ns sync error" if layout.sync else "deadline")
        certs.append(Certificate(
            "latency", p.stream_ids[s],
            f"stream {p.stream_ids[s]} needs at least {int(latency[s])} ns end to end on its route with no "
            f"waiting, its {what} is {int(limit[s])} ns", (p.stream_ids[s],), int(latency[s]), int(limit[s])))
    for s, bridges in sorted(qbv_gaps(p).items()):
        if movable[s] or s in doomed:
            continue
        doomed.append(s)
        certs.append(Certificate("feature", p.stream_ids[s], _no_qbv(p.stream_ids[s], bridges),
                                 (p.stream_ids[s],), len(bridges), 0))
    window_certs, window_removals = _arrival_windows(layout, fixed, doomed, start, latency, arrival)
    certs += window_certs

    stream, hop, _ = layout.slot_hop_frame()
    port = p.hop_port[hop]
    counted = ~movable[stream] | _single_link_ports(layout)[port]
    counted &= ~np.isin(stream, doomed)
    res = np.where(counted, p.port_resource[port], -1).astype(np.int32)
    busy = layout.hf_len * (layout.hyper // p.stream_period_ns[stream])
    n_res = int(p.port_resource.max()) + 1 if p.n_ports else 0
    demand = np.zeros(n_res, dtype=np.int64)
    resource_demand(res, np.ascontiguousarray(busy, dtype=np.int64), demand)
    worst_removals = 0
    for r in np.flatnonzero(demand > layout.hyper):
        members = np.flatnonzero(p.port_resource == r)
        name = " / ".join(p.port_names[q] for q in members)
        on = res == r
        per_stream: dict[int, int] = {}
        for s, b in zip(stream[on].tolist(), busy[on].tolist()):
            per_stream[s] = per_stream.get(s, 0) + b
        ids = [p.stream_ids[s] for s in sorted(per_stream, key=lambda s: (-per_stream[s], s))]
        kind = "medium-demand" if (~movable[list(per_stream)]).all() else "end-station-demand"
        ratio = int(demand[r]) * 100 // layout.hyper
        certs.append(Certificate(
            kind, name, f"port {name} needs {ratio // 100}.{ratio % 100:02d}x its capacity in every hyperperiod "
            f"({int(demand[r])} ns of windows in {layout.hyper} ns): streams {_listed(ids)}",
            tuple(ids), int(demand[r]), int(layout.hyper)))
        worst_removals = max(worst_removals, len(_min_removals(per_stream, int(demand[r]) - layout.hyper)))

    gcl_removals = 0
    for q in range(p.n_ports):
        on = res >= 0
        on &= port == q
        if not on.any():
            continue
        classes: dict[int, set[int]] = {}
        for s, c in zip(stream[on].tolist(), layout.hop_cls[hop[on]].tolist()):
            classes.setdefault(int(c), set()).add(s)
        cycle_busy = int(busy[on].sum()) * int(layout.port_cycle[q]) // layout.hyper
        need = len(classes) + (1 if cycle_busy < int(layout.port_cycle[q]) else 0)
        if need > int(p.port_gcl_max[q]):
            ids = sorted({p.stream_ids[s] for group in classes.values() for s in group})
            certs.append(Certificate(
                "gcl-entries", p.port_names[q],
                f"port {p.port_names[q]} needs at least {need} gate-list entries per cycle "
                f"({len(classes)} scheduled classes), its bridge holds {int(p.port_gcl_max[q])}: streams {_listed(ids)}",
                tuple(ids), need, int(p.port_gcl_max[q])))
            sizes = sorted(len(g) for g in classes.values())
            gcl_removals = max(gcl_removals, sum(sizes[:need - int(p.port_gcl_max[q])]))
    return Bounds(tuple(certs), len(doomed) + max(worst_removals, gcl_removals, window_removals), tuple(doomed))


def _no_qbv(stream: str, bridges: tuple[str, ...]) -> str:
    which = "which has" if len(bridges) == 1 else "which have"
    return f"stream {stream}: its route crosses {_listed(list(bridges))}, {which} no 802.1Qbv"


def drop_ungated(problem, placed: np.ndarray, explanations: list) -> list:
    """Unplace the scheduled streams whose route crosses a bridge without 802.1Qbv, or whose period
    is off the time quantum (``placed`` in place); their explanations replace any other for them.
    Called before every ``assemble``."""
    gaps = qbv_gaps(problem)
    quantum = time_quantum(problem)
    off_grid = [s for s in np.flatnonzero(problem.stream_scheduled.astype(bool) & (problem.stream_period_ns % quantum != 0))
                if s not in gaps]
    if not gaps and not off_grid:
        return explanations
    ids = {problem.stream_ids[s] for s in list(gaps) + off_grid}
    for s in list(gaps) + off_grid:
        placed[s] = False
    return [e for e in explanations if e.stream not in ids] + [
        Explanation(problem.stream_ids[s], _no_qbv(problem.stream_ids[s], bridges), bridges,
                    "bridges with 802.1Qbv on its route (tsnplan plan), or scheduled: false")
        for s, bridges in sorted(gaps.items())] + [
        Explanation(problem.stream_ids[s], f"its period {int(problem.stream_period_ns[s])} ns is not a multiple of the "
                    f"{quantum} ns time quantum (the lcm of the time step and every bridge's gcl_granularity): "
                    "its windows cannot repeat on the gate lists' grid", (),
                    f"a period that is a multiple of {quantum} ns, or a finer gcl_granularity") for s in off_grid]


def _arrival_windows(layout: Layout, fixed, doomed, start, latency, arrival) -> tuple[list[Certificate], int]:
    """Streams with an arrival time before their period's end (TAS ``deadline``) must cross each
    port between their no-wait earliest start there (root at the period's start) and the arrival
    time less the no-wait rest of their route; windows never overlap, so the streams whose
    intervals lie inside ``[A, D]`` must fit in ``D - A`` (single-listener streams on fixed routes)."""
    p = layout.problem
    items: dict[int, list[tuple[int, int, int, int]]] = {}    # medium -> (earliest, latest end, busy, stream)
    for s in fixed:
        s = int(s)
        if arrival[s] >= p.stream_period_ns[s] or s in doomed or p.listener_ptr[s + 1] - p.listener_ptr[s] != 1 \
                or p.listener_hop_alt[p.listener_ptr[s]] >= 0:
            continue
        nf, lo = int(layout.n_frames[s]), int(layout.hf_ptr[s])
        for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
            first = lo + (h - int(p.hop_ptr[s])) * nf
            end = int(start[first + nf - 1] + layout.hf_len[first + nf - 1])
            latest = int(arrival[s]) - (int(latency[s]) - end)
            items.setdefault(int(p.port_resource[p.hop_port[h]]), []).append(
                (int(start[first]), latest, int(layout.hf_len[first:first + nf].sum()), s))
    certs, removals = [], 0
    for res in sorted(items):
        group = items[res]
        worst = None
        for a in sorted({g[0] for g in group}):
            for d in sorted({g[1] for g in group if g[1] > a}):
                inside = [g for g in group if g[0] >= a and g[1] <= d]
                need = sum(g[2] for g in inside)
                if need > d - a and (worst is None or need - (d - a) > worst[0]):
                    worst = (need - (d - a), a, d, inside)
        if worst is None:
            continue
        excess, a, d, inside = worst
        name = " / ".join(p.port_names[q] for q in np.flatnonzero(p.port_resource == res))
        ids = [p.stream_ids[g[3]] for g in sorted(inside, key=lambda g: (-g[2], g[3]))]
        certs.append(Certificate(
            "arrival-window", name,
            f"port {name} must carry {excess + d - a} ns of windows between {a} and {d} ns after the period "
            f"starts (arrival times, no-wait routes), which is only {d - a} ns: streams {_listed(ids)}",
            tuple(ids), excess + d - a, d - a))
        removals = max(removals, len(_min_removals({g[3]: g[2] for g in inside}, excess)))
    return certs, removals
