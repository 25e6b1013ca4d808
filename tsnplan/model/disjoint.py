"""Two node-disjoint routes of minimum total hop count (Suurballe's algorithm; domain.md §3.3).

Used for 802.1CB replication and protection paths. Each interior node is split into an in- and
an out-half joined by a zero-cost arc, so two paths that share no arc share no interior node.
End stations never forward. A single-homed talker or listener shares its only link between both
routes: replication then happens in the bridge next to the talker, elimination at the listener.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

from tsnplan.model.network import Network, NodeKind

__all__ = ["DisjointPair", "disjoint_pair"]


@dataclass(frozen=True, slots=True)
class DisjointPair:
    """Two routes talker → listener, or the node (or link) that every route must cross."""

    first: tuple[str, ...] | None
    second: tuple[str, ...] | None
    single_point: str | None = None      # e.g. "node sw-3" or "link a--b" when no pair exists


def _forwarders(network: Network, node: str) -> bool:
    return network.node(node).kind is not NodeKind.END_STATION


def _arcs(network: Network, source: str, target: str) -> dict[tuple, list[tuple]]:
    """Split digraph: (v, 'in') -> (v, 'out') cost 0; link u-v -> (u,'out') -> (v,'in') cost 1."""
    arcs: dict[tuple, list[tuple]] = {}
    for v in network.node_ids:
        if v in (source, target) or _forwarders(network, v):
            arcs.setdefault((v, "in"), []).append(((v, "out"), 0))
    for u, v in sorted(tuple(sorted((l.a, l.b))) for l in network.links):
        for a, b in ((u, v), (v, u)):
            if a != target and b != source:
                arcs.setdefault((a, "out"), []).append(((b, "in"), 1))
    return arcs


def _dijkstra(arcs, start, weight):
    """Shortest distances and parents; on equal distance the smaller parent wins, but only while
    the node is unsettled: re-parenting a settled node over a zero-cost arc of the residual graph
    could close a parent cycle."""
    dist = {start: 0}
    parent = {start: None}
    settled = set()
    heap = [(0, start)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u] or u in settled:
            continue
        settled.add(u)
        for v, w in arcs.get(u, ()):
            nd = d + weight(u, v, w)
            if v not in dist or nd < dist[v] or (nd == dist[v] and v not in settled and parent[v] is not None
                                                 and u < parent[v]):
                dist[v], parent[v] = nd, u
                heapq.heappush(heap, (nd, v))
    return dist, parent


def _walk(parent, end):
    path = [end]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


def _nodes_of(arc_path) -> tuple[str, ...]:
    out = []
    for node, _half in arc_path:
        if not out or out[-1] != node:
            out.append(node)
    return tuple(out)


def _pair_between(network: Network, s: str, t: str):
    arcs = _arcs(network, s, t)
    start, goal = (s, "out"), (t, "in")
    dist, parent = _dijkstra(arcs, start, lambda u, v, w: w)
    if goal not in dist:
        return None, None
    p1 = _walk(parent, goal)
    on_p1 = set(zip(p1, p1[1:]))
    residual: dict[tuple, list[tuple]] = {}
    for u, outs in arcs.items():
        for v, w in outs:
            if (u, v) in on_p1:
                residual.setdefault(v, []).append((u, 0))
            elif u in dist and v in dist:
                residual.setdefault(u, []).append((v, w + dist[u] - dist[v]))
    dist2, parent2 = _dijkstra(residual, start, lambda u, v, w: w)
    if goal not in dist2:
        return _nodes_of(p1), None
    p2 = _walk(parent2, goal)
    arcs_used = (on_p1 | set(zip(p2, p2[1:])))
    cancelled = {(u, v) for (u, v) in arcs_used if (v, u) in arcs_used}
    remaining = arcs_used - cancelled
    nxt: dict[tuple, list[tuple]] = {}
    for u, v in sorted(remaining):
        nxt.setdefault(u, []).append(v)
    paths = []
    for _ in range(2):
        path, node = [start], start
        while node != goal:
            node = nxt[node].pop(0)
            path.append(node)
        paths.append(_nodes_of(path))
    paths.sort(key=lambda p: (len(p), p))
    return paths[0], paths[1]


def _single_point(network: Network, s: str, t: str) -> str:
    """A bridge (or else a link) whose loss separates s from t."""
    import networkx as nx
    graph = network.graph.subgraph([n for n in network.graph if n in (s, t) or _forwarders(network, n)])
    cut = nx.minimum_node_cut(graph, s, t) if not graph.has_edge(s, t) else set()
    if cut:
        return f"node {sorted(cut)[0]}"
    a, b = sorted(sorted(nx.minimum_edge_cut(graph, s, t))[0])
    return f"link {a}--{b}"


def _attachment(network: Network, station: str) -> str:
    """The forwarding node a single-homed end station hangs on, or the station itself."""
    neighbours = network.neighbours(station)
    return neighbours[0] if len(neighbours) == 1 else station


def disjoint_pair(network: Network, talker: str, listener: str) -> DisjointPair:
    s, t = _attachment(network, talker), _attachment(network, listener)
    if s == t:
        if s == talker:
            return DisjointPair(None, None, f"link {min(talker, listener)}--{max(talker, listener)}")
        return DisjointPair(None, None, f"node {s}")
    first, second = _pair_between(network, s, t)
    head = (talker,) if s != talker else ()
    tail = (listener,) if t != listener else ()
    if first is None:
        return DisjointPair(None, None, None)
    if second is None:
        return DisjointPair(head + first + tail, None, _single_point(network, s, t))
    return DisjointPair(head + first + tail, head + second + tail)
