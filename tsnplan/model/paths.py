"""Alternative routes when a link saturates: k shortest simple paths under a load-aware cost.

The cost of an egress port is one hop plus its scheduled load (so a free detour of one extra hop
beats a saturated direct link), plus a large penalty for ports to avoid (the one that blocked a
stream). End stations never forward. Yen's algorithm (``networkx.shortest_simple_paths``) on integer
weights with sorted adjacency keeps the answer deterministic.
"""
from __future__ import annotations

from itertools import islice

import networkx as nx

from tsnplan.model.network import Network, NodeKind

__all__ = ["port_graph", "k_shortest_paths", "HOP_COST", "AVOID_COST"]

HOP_COST = 1_000_000          # one hop; a port's load adds up to the same again (load in ppm)
AVOID_COST = 1_000_000_000


def port_graph(network: Network, load_ppm: dict[str, int] | None = None,
               avoid: frozenset[str] = frozenset()) -> nx.DiGraph:
    """Directed graph of egress ports weighted by hop count, load and avoidance.

    >>> from tsnplan.io.plant import load_plant
    >>> net = load_plant("topologies/body-shop-cell/network.yaml").network
    >>> k_shortest_paths(net, port_graph(net), "plc-1", "rc-1", 2)
    [('plc-1', 'sw-1', 'sw-2', 'rc-1'), ('plc-1', 'sw-1', 'sw-6', 'sw-5', 'sw-4', 'sw-3', 'sw-2', 'rc-1')]
    """
    load_ppm = load_ppm or {}
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(network.graph.nodes))
    for name in sorted(network.ports):
        port = network.ports[name]
        weight = HOP_COST + min(int(load_ppm.get(name, 0)), HOP_COST) + (AVOID_COST if name in avoid else 0)
        graph.add_edge(port.src, port.dst, weight=weight)
    return graph


def k_shortest_paths(network: Network, graph: nx.DiGraph, talker: str, listener: str, k: int) -> list[tuple[str, ...]]:
    """Up to ``k`` cheapest simple paths from ``talker`` to ``listener`` that cross no end station."""
    def forwards(node: str) -> bool:
        return node in (talker, listener) or network.node(node).kind is not NodeKind.END_STATION

    view = nx.subgraph_view(graph, filter_node=forwards)
    try:
        return [tuple(p) for p in islice(nx.shortest_simple_paths(view, talker, listener, weight="weight"), k)]
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return []
