"""Shortest routes with deterministic tie-breaking, and multicast trees.

Routes are breadth-first (fewest hops); among equally short routes the one through the
lexicographically smaller neighbours wins, so the same network always gives the same routes.
End stations never forward: only the talker may be the start of a route through them.
One breadth-first search per talker serves all its streams and listeners, so the paths of a
multicast stream form a tree.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tsnplan.model.network import Network, NodeKind
from tsnplan.model.streams import Stream

__all__ = ["Routes", "route_streams", "bfs_parents", "path_to"]


@dataclass(frozen=True, slots=True)
class Routes:
    """Per stream, one node path per listener (same order as ``Stream.listeners``)."""

    paths: dict[str, tuple[tuple[str, ...], ...]]
    unreachable: dict[str, tuple[str, ...]]      # stream id -> listeners with no route


def _sorted_adjacency(network: Network) -> dict[str, list[str]]:
    return {n: sorted(network.graph.neighbors(n)) for n in network.graph.nodes}


def bfs_parents(network: Network, source: str, adjacency: dict[str, list[str]] | None = None) -> dict[str, str | None]:
    """Breadth-first parent of every node reachable from ``source`` without crossing end stations."""
    adjacency = adjacency or _sorted_adjacency(network)
    parents: dict[str, str | None] = {source: None}
    queue = deque([source])
    graph_nodes = network.graph.nodes
    while queue:
        u = queue.popleft()
        if u != source and graph_nodes[u]["record"].kind is NodeKind.END_STATION:
            continue
        for v in adjacency[u]:
            if v not in parents:
                parents[v] = u
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
    trees: dict[str, dict[str, str | None]] = {}
    paths: dict[str, tuple[tuple[str, ...], ...]] = {}
    unreachable: dict[str, tuple[str, ...]] = {}
    for stream in streams:
        if stream.talker not in network.graph:
            unreachable[stream.id] = stream.listeners
            continue
        parents = trees.get(stream.talker)
        if parents is None:
            parents = trees[stream.talker] = bfs_parents(network, stream.talker, adjacency)
        found, missing = [], []
        for listener in stream.listeners:
            path = path_to(parents, listener) if listener != stream.talker else None
            (found.append(path) if path else missing.append(listener))
        if missing:
            unreachable[stream.id] = tuple(missing)
        else:
            paths[stream.id] = tuple(found)
    return Routes(paths, unreachable)
