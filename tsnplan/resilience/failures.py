"""Failure scenarios: every single link or forwarding-node failure, or every pair of them.

An element is a link (named ``link a--b``, ends sorted) or a node that forwards frames (bridge,
5G bridge, T1S segment; named ``node sw-3``). End stations are not failed on their own: losing
one only silences its own streams, which its access link failure already shows. Elements are
numbered links first, then nodes, each in sorted order, so scenario order is deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from itertools import combinations

from tsnplan.errors import UsageError
from tsnplan.model.network import Network, NodeKind

__all__ = ["FailureKind", "Failure", "Elements", "network_elements", "enumerate_failures"]


class FailureKind(str, Enum):
    LINKS = "links"
    NODES = "nodes"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Failure:
    """One scenario: the links (sorted end pairs) and nodes that fail together."""

    links: tuple[tuple[str, str], ...] = ()
    nodes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        parts = [f"link {a}--{b}" for a, b in self.links] + [f"node {n}" for n in self.nodes]
        return " + ".join(parts)

    @property
    def size(self) -> int:
        return len(self.links) + len(self.nodes)


@dataclass(frozen=True, slots=True)
class Elements:
    """The failable elements of a network: ``names[i]`` is element i (links, then nodes)."""

    links: tuple[tuple[str, str], ...]
    nodes: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"link {a}--{b}" for a, b in self.links) + tuple(f"node {n}" for n in self.nodes)

    def link_index(self) -> dict[frozenset, int]:
        return {frozenset(pair): i for i, pair in enumerate(self.links)}

    def node_index(self) -> dict[str, int]:
        return {n: len(self.links) + i for i, n in enumerate(self.nodes)}

    def ids_of(self, failure: Failure) -> tuple[int, ...]:
        links, nodes = self.link_index(), self.node_index()
        return tuple(sorted([links[frozenset(p)] for p in failure.links] + [nodes[n] for n in failure.nodes]))


def network_elements(network: Network) -> Elements:
    links = tuple(sorted(tuple(sorted((l.a, l.b))) for l in network.links))
    nodes = tuple(sorted(n.id for n in network.nodes if n.kind is not NodeKind.END_STATION))
    return Elements(links, nodes)


#: Pairs of failures ``--k 2`` may enumerate (each is a full scenario of the sweep).
MAX_PAIR_SCENARIOS = 200_000


def enumerate_failures(network: Network, kind: FailureKind | str = FailureKind.ALL, k: int = 1) -> tuple[Failure, ...]:
    """Every failure of one element of ``kind``, then (``k=2``) every pair of them."""
    kind = FailureKind(kind)
    if k not in (1, 2):
        raise UsageError(f"--k must be 1 or 2, not {k}")
    elements = network_elements(network)
    singles: list[Failure] = []
    if kind in (FailureKind.LINKS, FailureKind.ALL):
        singles += [Failure(links=(pair,)) for pair in elements.links]
    if kind in (FailureKind.NODES, FailureKind.ALL):
        singles += [Failure(nodes=(n,)) for n in elements.nodes]
    if k == 1:
        return tuple(singles)
    if len(singles) * (len(singles) - 1) // 2 > MAX_PAIR_SCENARIOS:
        raise UsageError(f"--k 2 would analyse about {len(singles) * (len(singles) - 1) // 2:,} pairs of failures, "
                         f"more than {MAX_PAIR_SCENARIOS:,}; narrow it with --failures links or --failures nodes")
    pairs = [Failure(links=a.links + b.links, nodes=a.nodes + b.nodes) for a, b in combinations(singles, 2)
             if not _incident(a, b)]
    return tuple(singles) + tuple(pairs)


def _incident(a: Failure, b: Failure) -> bool:
    """A link ending at a failed node fails with it: such a pair repeats the node's scenario."""
    nodes = set(a.nodes + b.nodes)
    return any(x in nodes or y in nodes for x, y in a.links + b.links)
