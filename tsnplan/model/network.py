"""The network model: typed node and link records in an undirected graph, plus directed egress ports.

``Network`` keeps its own adjacency (plain dicts, insertion in sorted id order, so traversal
order and every result derived from it are deterministic); routing and compilation read only
that. ``Network.graph`` is the same graph as a networkx ``Graph`` (node attribute ``record``: a
``Node``, edge attribute ``record``: a ``Link``), built on first use for the graph algorithms
that want it: importing networkx costs more than scheduling a thousand tsnkit streams.

A port is one direction of a link: ``"a->b"`` is a's egress towards b. Ports of stations on one
10BASE-T1S segment share the medium; ``Port.resource`` names what a transmission occupies (the
segment for T1S members, the port itself otherwise). Ports leaving a T1S segment node are
``passthrough``: the frame is already on the bus, so they carry no transmission of their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from tsnplan.model.media.ethernet import Medium
from tsnplan.model.media.fiveg import FiveGProfile
from tsnplan.model.media.t1s import PlcaConfig

__all__ = ["NodeKind", "Feature", "Node", "Link", "Port", "Network", "port_name", "DEFAULT_SYNC_ERROR_NS"]

#: gPTP precision of a plant that declares none (802.1AS design goal, domain.md §8)
DEFAULT_SYNC_ERROR_NS = 1000


class NodeKind(str, Enum):
    END_STATION = "end-station"
    BRIDGE = "bridge"
    BRIDGE_5G = "5g-bridge"
    T1S_SEGMENT = "t1s-segment"


class Feature(str, Enum):
    QBV = "qbv"
    QBU = "qbu"
    CBS = "cbs"
    FRER = "frer"


@dataclass(frozen=True, slots=True)
class Node:
    """A node; fields that do not apply to its kind keep their defaults."""

    id: str
    kind: NodeKind
    processing_ns: int = 0
    queues: int = 8
    features: frozenset[Feature] = frozenset()
    gcl_max_entries: int = 1024
    gcl_granularity_ns: int = 1
    implicit_guard: bool = False               # gates start a frame only if it ends before they close
    cut_through: bool = False
    profile: str | None = None                 # 5G delay profile name
    ds_tt_residence_ns: int = 0                # 5G: UE + DS-TT residence
    nw_tt_residence_ns: int = 0                # 5G: NW-TT + UPF residence
    hold_and_forward: bool = False             # 5G: de-jitter at the egress translator
    processing_min_ns: int | None = None       # fastest forwarding (None: always ``processing_ns``)
    release_jitter_ns: int = 0                 # end station: how late after its window a talker may send
    plca: PlcaConfig | None = None             # T1S segment
    line: int | None = field(default=None, compare=False)

    @property
    def is_bridge(self) -> bool:
        return self.kind in (NodeKind.BRIDGE, NodeKind.BRIDGE_5G)


@dataclass(frozen=True, slots=True)
class Link:
    """A full-duplex link (or a station's attachment to a T1S segment)."""

    a: str
    b: str
    medium: Medium
    rate_bps: int
    length_m: int
    propagation_ns: int
    phy_ns: int = 0
    plca_id: int | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.a}--{self.b}"


@dataclass(frozen=True, slots=True)
class Port:
    name: str
    src: str
    dst: str
    link: Link
    resource: str
    passthrough: bool = False

    @property
    def rate_bps(self) -> int:
        return self.link.rate_bps


def port_name(src: str, dst: str) -> str:
    return f"{src}->{dst}"


class Network:
    """A factory network: an undirected graph of nodes and links with derived egress ports."""

    def __init__(self, name: str, nodes: list[Node], links: list[Link], source: str = "",
                 user_profiles: dict[str, FiveGProfile] | None = None, sync_error_ns: int = DEFAULT_SYNC_ERROR_NS):
        self.name = name
        self.sync_error_ns = sync_error_ns    # gPTP precision: largest offset between two clocks
        self.source = source
        self.user_profiles = dict(user_profiles or {})
        self._records: dict[str, Node] = {node.id: node for node in sorted(nodes, key=lambda n: n.id)}
        # node -> {neighbour: link}, filled like networkx fills Graph._adj (a re-added link replaces
        # the record and keeps its place), so neighbour and link order match ``graph``.
        self._adj: dict[str, dict[str, Link]] = {n: {} for n in self._records}
        for link in sorted(links, key=lambda l: (min(l.a, l.b), max(l.a, l.b))):
            self._adj.setdefault(link.a, {})[link.b] = link
            self._adj.setdefault(link.b, {})[link.a] = link
        self._links = tuple(self._edge_records())
        self.ports: dict[str, Port] = {}
        for link in self._links:
            for src, dst in ((link.a, link.b), (link.b, link.a)):
                name = port_name(src, dst)
                dst_kind = self.node(dst).kind
                src_kind = self.node(src).kind
                resource = dst if dst_kind is NodeKind.T1S_SEGMENT else name
                self.ports[name] = Port(name, src, dst, link, resource,
                                        passthrough=src_kind is NodeKind.T1S_SEGMENT)
        self.ports = dict(sorted(self.ports.items()))

    def _edge_records(self):
        """Each link once, in networkx's ``Graph.edges`` order."""
        seen: set[str] = set()
        for u, neighbours in self._adj.items():
            for v, link in neighbours.items():
                if v not in seen:
                    yield link
            seen.add(u)

    @cached_property
    def graph(self):
        """The network as a ``networkx.Graph`` with ``record`` attributes (built once, on first use)."""
        import networkx as nx

        graph = nx.Graph()
        for node in self._records.values():
            graph.add_node(node.id, record=node)
        for link in sorted(self._links, key=lambda l: (min(l.a, l.b), max(l.a, l.b))):
            graph.add_edge(link.a, link.b, record=link)
        return graph

    def node(self, node_id: str) -> Node:
        return self._records[node_id]

    def has_node(self, node_id: str) -> bool:
        return node_id in self._records

    @property
    def node_ids(self) -> list[str]:
        """Node ids in sorted order."""
        return list(self._records)

    @property
    def nodes(self) -> list[Node]:
        return list(self._records.values())

    @property
    def links(self) -> list[Link]:
        return list(self._links)

    def link(self, a: str, b: str) -> Link:
        return self._adj[a][b]

    def has_link(self, a: str, b: str) -> bool:
        return b in self._adj.get(a, ())

    def neighbours(self, node_id: str) -> list[str]:
        """Neighbours of a node, in sorted id order."""
        return sorted(self._adj[node_id])

    def port(self, src: str, dst: str) -> Port:
        return self.ports[port_name(src, dst)]

    def segment_members(self, segment: str) -> list[str]:
        """Stations on a T1S segment, in PLCA id order."""
        members = [(link.plca_id, m) for m, link in self._adj[segment].items()]
        return [m for _, m in sorted(members, key=lambda t: (t[0] if t[0] is not None else 1 << 30, t[1]))]

    def without(self, *, links: tuple[tuple[str, str], ...] = (), nodes: tuple[str, ...] = ()) -> "Network":
        """A copy with some links or nodes failed (removed)."""
        dead = {frozenset(l) for l in links}
        keep_nodes = [n for n in self.nodes if n.id not in nodes]
        keep_links = [l for l in self.links
                      if frozenset((l.a, l.b)) not in dead and l.a not in nodes and l.b not in nodes]
        return Network(self.name, keep_nodes, keep_links, self.source, self.user_profiles, self.sync_error_ns)

    def __repr__(self) -> str:
        return f"Network({self.name!r}, {len(self._records)} nodes, {len(self._links)} links)"
