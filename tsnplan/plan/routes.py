"""Candidate routes per stream and listener on the fully upgraded graph (every cable pulled).

Routes are simple paths whose interior nodes forward (end stations never do), fewest hops first.
Streams with ``frer`` or ``protect`` redundancy get candidate *pairs* of routes that share no
interior node except the bridges a single-homed end station hangs on. When at most ``limit``
routes exist for every listener the enumeration is complete, and the exact model is exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from tsnplan.model.network import Network, NodeKind
from tsnplan.model.streams import Redundancy, Stream

__all__ = ["RouteChoice", "candidate_routes"]


@dataclass(frozen=True, slots=True)
class RouteChoice:
    """One way to carry a stream to one listener: one path, or two for a redundant stream."""

    paths: tuple[tuple[str, ...], ...]


def _forwarding_graph(network: Network, talker: str, listener: str):
    graph = network.graph
    keep = [n for n in graph if n in (talker, listener) or network.node(n).kind is not NodeKind.END_STATION]
    return graph.subgraph(keep)


def _disjoint(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    """Interior nodes shared only where a single-homed end station forces it (its attachment)."""
    allowed = {first[1], first[-2]} if len(first) > 2 else set()
    shared = set(first[1:-1]) & set(second[1:-1])
    if not shared <= allowed or first == second:
        return False
    own_first, own_second = [n for n in first[1:-1] if n not in allowed], [n for n in second[1:-1] if n not in allowed]
    return bool(own_first or own_second) and set(zip(first, first[1:])) != set(zip(second, second[1:]))


def candidate_routes(network: Network, stream: Stream, limit: int = 12) -> tuple[list[list[RouteChoice]], bool]:
    """Per listener, its candidate route choices; and whether the enumeration was complete."""
    import networkx as nx

    complete = True
    out: list[list[RouteChoice]] = []
    redundant = stream.redundancy in (Redundancy.FRER, Redundancy.PROTECT)
    for listener in stream.listeners:
        graph = _forwarding_graph(network, stream.talker, listener)
        try:
            paths = [tuple(p) for p in islice(nx.shortest_simple_paths(graph, stream.talker, listener), limit + 1)]
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            paths = []
        if len(paths) > limit:
            complete = False
            paths = paths[:limit]
        if not redundant:
            out.append([RouteChoice((p,)) for p in paths])
            continue
        pairs = [RouteChoice((a, b)) for i, a in enumerate(paths) for b in paths[i + 1:] if _disjoint(a, b)]
        out.append(pairs)
    return out, complete
