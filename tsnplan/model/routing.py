"""Shortest routes with deterministic tie-breaking, and multicast trees.

Routes are breadth-first (fewest hops); among equally short routes the one through the
lexicographically smaller neighbours wins, so the same network always gives the same routes.
End stations never forward: only the talker may be the start of a route through them. A
scheduled stream avoids bridges without 802.1Qbv when a route around them reaches all its
listeners (they cannot run its gate windows, ``model.features``); else it keeps the shortest
route and the scheduler states the gap.
One breadth-first search per talker serves all its streams and listeners, so the paths of a
multicast stream form a tree. Streams that ask for ``frer`` or ``protect`` redundancy get two
node-disjoint routes per listener (``model.disjoint``); the second is their replica or backup.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tsnplan.model.disjoint import disjoint_pair
from tsnplan.model.network import Feature, Network, NodeKind
from tsnplan.model.streams import Redundancy, Stream

__all__ = ["Routes", "route_streams", "bfs_parents", "path_to"]


@dataclass(frozen=True, slots=True)
class Routes:
    """Per stream, one node path per listener (same order as ``Stream.listeners``)."""

    paths: dict[str, tuple[tuple[str, ...], ...]]
    unreachable: dict[str, tuple[str, ...]]      # stream id -> listeners with no route
    replicas: dict[str, tuple[tuple[str, ...] | None, ...]] = field(default_factory=dict)
    redundancy_issues: dict[str, str] = field(default_factory=dict)  # stream id -> why no disjoint pair
    fixed: bool = False        # the input fixed the paths (TAS benchmark): schedulers never re-route


def _sorted_adjacency(network: Network) -> dict[str, list[str]]:
    return {n: network.neighbours(n) for n in network.node_ids}


def _end_stations(network: Network) -> frozenset[str]:
    return frozenset(n.id for n in network.nodes if n.kind is NodeKind.END_STATION)


def _without_qbv(network: Network) -> frozenset[str]:
    return frozenset(n.id for n in network.nodes
                     if n.kind in (NodeKind.BRIDGE, NodeKind.BRIDGE_5G) and Feature.QBV not in n.features)


def bfs_parents(network: Network, source: str, adjacency: dict[str, list[str]] | None = None,
                stations: frozenset[str] | None = None, avoid: frozenset[str] = frozenset()) -> dict[str, str | None]:
    """Breadth-first parent of every node reachable from ``source`` without crossing end stations
    (nor entering the nodes in ``avoid``)."""
    adjacency = adjacency or _sorted_adjacency(network)
    stations = _end_stations(network) if stations is None else stations
    parents: dict[str, str | None] = {source: None}
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for v in adjacency[u]:
            if v not in parents and v not in avoid:
                parents[v] = u
                if v not in stations:       # end stations are leaves: never expanded
                    queue.append(v)
    return parents


def path_to(parents: dict[str, str | None], target: str) -> tuple[str, ...] | None:
    if target not in parents:
        return None
    path = [target]
    while parents[path[-1]] is not None:
        path.append(parents[path[-1]])
    return tuple(reversed(path))


def route_streams(network: Network, streams: list[Stream] | tuple[Stream, ...]) -> Routes:
    """Shortest route from each stream's talker to each of its listeners."""
    adjacency = _sorted_adjacency(network)
    stations = _end_stations(network)
    avoid = _without_qbv(network)
    trees: dict[tuple[str, bool], dict[str, str | None]] = {}
    paths: dict[str, tuple[tuple[str, ...], ...]] = {}
    unreachable: dict[str, tuple[str, ...]] = {}
    replicas: dict[str, tuple[tuple[str, ...] | None, ...]] = {}
    issues: dict[str, str] = {}
    pair_cache: dict = {}
    for stream in streams:
        if not network.has_node(stream.talker):
            unreachable[stream.id] = stream.listeners
            continue
        # A single-homed talker's tree is its neighbour's tree with the talker in front (same
        # breadth-first order), so one search per bridge serves all the stations behind it.
        root, prefix = stream.talker, ()
        neighbours = adjacency[root]
        if root in stations and len(neighbours) == 1 and neighbours[0] not in stations:
            root, prefix = neighbours[0], (stream.talker,)
        found, missing = _tree_paths(network, stream, root, prefix, trees, adjacency, stations, frozenset())
        if avoid and stream.scheduled and any(set(path) & avoid for path in found):
            around, lost = _tree_paths(network, stream, root, prefix, trees, adjacency, stations, avoid)
            if not lost and not any(set(path) & avoid for path in around):
                found = around
        if missing:
            unreachable[stream.id] = tuple(missing)
            continue
        paths[stream.id] = tuple(found)
        if stream.redundancy in (Redundancy.FRER, Redundancy.PROTECT):
            _add_replicas(network, stream, paths, replicas, issues, pair_cache)
    return Routes(paths, unreachable, replicas, issues)


def _tree_paths(network, stream, root, prefix, trees, adjacency, stations, avoid):
    """(paths found, listeners missing) of ``stream`` in the breadth-first tree of ``root``
    (searched once per root and ``avoid``)."""
    parents = trees.get((root, bool(avoid)))
    if parents is None:
        parents = trees[root, bool(avoid)] = bfs_parents(network, root, adjacency, stations, avoid)
    found, missing = [], []
    for listener in stream.listeners:
        path = path_to(parents, listener) if listener != stream.talker else None
        (found.append(prefix + path) if path else missing.append(listener))
    return found, missing


def _add_replicas(network, stream, paths, replicas, issues, cache) -> None:
    primary, second, missing = [], [], []
    for listener, path in zip(stream.listeners, paths[stream.id]):
        key = (stream.talker, listener)
        if key not in cache:
            cache[key] = disjoint_pair(network, stream.talker, listener)
        pair = cache[key]
        if pair.second is None:
            primary.append(path)
            second.append(None)
            missing.append(f"{listener} (single point of failure: {pair.single_point})")
        else:
            primary.append(pair.first)
            second.append(pair.second)
    paths[stream.id] = tuple(primary)
    replicas[stream.id] = tuple(second)
    if missing:
        issues[stream.id] = "no disjoint second route to " + ", ".join(missing)
