"""Compile the model into flat numpy arrays: the only input kernels ever see.

This is the one module that reads model records for computation. Indices follow sorted ids, so
the same input gives the same arrays. Variable-length data is CSR:

- ports ``p``: ``port_*`` arrays; ``port_resource`` groups ports that share one medium (T1S).
- streams ``s``: ``stream_*`` arrays; frames of one period in ``frame_ptr[s]:frame_ptr[s+1]``.
- hops ``h`` of stream ``s`` in ``hop_ptr[s]:hop_ptr[s+1]``: one per transmission of a frame of
  the stream on an egress port. They form a tree (``hop_parent`` = previous hop or ``NO_HOP``), in
  an order where a parent always precedes its children: a multicast stream branches towards its
  listeners; a redundant stream (FRER replica or protection backup) branches into its second,
  node-disjoint route (``hop_replica`` = 1), which may cross the listener's last link again as a
  separate hop. Pass-through ports out of a T1S segment are folded into the hop before them.
  ``hop_class`` is the queue the hop uses: the stream's PCP through 802.1Q Table 8-5 for the
  port's queue count (``traffic_types.traffic_class``), the one map every layer reads.
- listeners ``l`` of stream ``s`` in ``listener_ptr[s]:listener_ptr[s+1]``, each with the hop that
  delivers to it on the first route (``listener_hop``) and on the second (``listener_hop_alt``).

Timing per hop: a frame may start on hop ``h`` at the end of its parent hop's transmission plus
``hop_prop_ns[parent]`` (propagation and PHY of the parent's link) plus ``hop_proc_ns[h]`` (processing
in the node that forwards it; for a 5G bridge, the residence times and the delay quantile of its
profile in that direction). A listener receives at the end of its hop plus ``hop_prop_ns``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tsnplan.errors import LimitError, Problem
from tsnplan.model.media.ethernet import Medium, frame_bytes, wire_bytes
from tsnplan.model.media.fiveg import BUILTIN_PROFILES, DEFAULT_PERCENTILE, DelayProfile, FiveGProfile
from tsnplan.model.network import Network, NodeKind
from tsnplan.model.routing import Routes, route_streams
from tsnplan.model.streams import Redundancy, StreamSet
from tsnplan.model.traffic_types import traffic_class, traffic_classes

__all__ = ["CompiledProblem", "compile_problem", "NO_HOP", "NO_PROFILE", "TIME", "INDEX",
           "hyperperiod_ns", "MAX_HYPERPERIOD_NS", "fiveg_hop_profiles", "fiveg_residence_ns", "TIMING_IEEE", "TIMING_TSNKIT",
           "TIMING_TAS",
           "REDUNDANCY_NONE", "REDUNDANCY_FRER", "REDUNDANCY_PROTECT", "REDUNDANCY_REROUTE"]

TIME = np.int64
INDEX = np.int32
NO_HOP = -1
NO_PROFILE = -1
MAX_HYPERPERIOD_NS = 10 * 1_000_000_000
REDUNDANCY_NONE, REDUNDANCY_FRER, REDUNDANCY_PROTECT, REDUNDANCY_REROUTE = 0, 1, 2, 3
_REDUNDANCY_CODE = {Redundancy.NONE: 0, Redundancy.FRER: 1, Redundancy.PROTECT: 2, Redundancy.REROUTE: 3}
TIMING_IEEE = "ieee"
TIMING_TSNKIT = "tsnkit"
TIMING_TAS = "tas"          # IEEE framing, perfect synchronisation (TAS benchmark instances)


@dataclass(frozen=True, eq=False)
class CompiledProblem:
    network: Network
    streams: StreamSet
    routes: Routes
    percentile: float
    port_names: tuple[str, ...]
    port_rate_bps: np.ndarray
    port_prop_ns: np.ndarray          # propagation + PHY latency
    port_resource: np.ndarray         # ports with the same value share one medium
    port_queues: np.ndarray
    port_gcl_max: np.ndarray
    port_gcl_granularity_ns: np.ndarray
    port_src: np.ndarray              # node index
    port_dst: np.ndarray
    node_names: tuple[str, ...]
    stream_ids: tuple[str, ...]
    stream_period_ns: np.ndarray
    stream_deadline_ns: np.ndarray
    stream_jitter_ns: np.ndarray      # -1: no requirement
    stream_pcp: np.ndarray
    stream_class: np.ndarray          # traffic class of the PCP on an 8-queue port
    stream_scheduled: np.ndarray
    frame_ptr: np.ndarray
    frame_wire_bytes: np.ndarray      # incl. preamble, SFD and IFG
    frame_mac_bytes: np.ndarray
    hop_ptr: np.ndarray
    hop_port: np.ndarray
    hop_parent: np.ndarray
    hop_prop_ns: np.ndarray
    hop_proc_ns: np.ndarray
    hop_profile: np.ndarray           # index into ``profiles`` for a stochastic forwarding delay
    hop_replica: np.ndarray           # 0: first (or only) route, 1: second route (FRER replica / backup)
    hop_class: np.ndarray             # traffic class (queue) on the hop's port: 802.1Q Table 8-5
    listener_ptr: np.ndarray
    listener_node: np.ndarray
    listener_hop: np.ndarray          # hop delivering to the listener on the first route
    listener_hop_alt: np.ndarray      # ... on the second route, NO_HOP if none
    stream_redundancy: np.ndarray     # REDUNDANCY_NONE / _FRER / _PROTECT / _REROUTE
    profiles: tuple[DelayProfile, ...] = ()
    timing: str = "ieee"              # "ieee" or "tsnkit" (docs/formats.md, tsnkit instances)
    time_quantum_ns: int = 1          # windows start and end on multiples of this (tsnkit: 100)
    unrouted: tuple[str, ...] = ()    # streams left out because a listener is unreachable
    port_index: dict[str, int] = field(default_factory=dict)
    stream_index: dict[str, int] = field(default_factory=dict)
    stream_arrival_ns: np.ndarray | None = None   # latest delivery after the period's start (None: the period)

    def arrival_limit_ns(self) -> np.ndarray:
        """Per stream: every listener has the frame at the latest this long after its period starts."""
        return self.stream_period_ns if self.stream_arrival_ns is None else self.stream_arrival_ns

    @property
    def n_ports(self) -> int:
        return len(self.port_names)

    @property
    def n_streams(self) -> int:
        return len(self.stream_ids)

    @property
    def n_hops(self) -> int:
        return int(self.hop_ptr[-1])


def hyperperiod_ns(periods: list[int] | np.ndarray, source: str = "streams", streams=None) -> int:
    """Least common multiple of the periods; a ``LimitError`` beyond ``MAX_HYPERPERIOD_NS``
    naming the first stream (of ``streams``, aligned with ``periods``) whose period takes it there."""
    result = 1
    for i, period in enumerate(int(p) for p in periods):
        result = math.lcm(result, period)
        if result > MAX_HYPERPERIOD_NS:
            stream = streams[i] if streams is not None else None
            raise LimitError([Problem(source, f"stream {stream.id!r}" if stream else "",
                                      f"its period {period} ns takes the hyperperiod of the stream periods beyond "
                                      f"{MAX_HYPERPERIOD_NS // 1_000_000_000} s", stream.line if stream else None,
                                      hint="choose harmonic periods")])
    return result


def _fiveg_profile(network: Network, node_id: str) -> FiveGProfile:
    node = network.node(node_id)
    return BUILTIN_PROFILES.get(node.profile or "", None) or network.user_profiles[node.profile]


def fiveg_residence_ns(node, ue_to_ue: bool) -> int:
    """Processing and translator residence of a 5G bridge: DS-TT + NW-TT between a device and the
    network side, DS-TT twice between two devices (UE to UE, no NW-TT on the path)."""
    if ue_to_ue:
        return node.processing_ns + 2 * node.ds_tt_residence_ns
    return node.processing_ns + node.ds_tt_residence_ns + node.nw_tt_residence_ns


def fiveg_hop_profiles(network: Network, node_id: str, in_port: str, out_port: str) -> list[DelayProfile]:
    """Delay profiles a frame meets crossing a 5G bridge from ``in_port`` to ``out_port``."""
    profile = _fiveg_profile(network, node_id)
    uplink = network.ports[in_port].link.medium is Medium.RADIO_5G
    downlink = network.ports[out_port].link.medium is Medium.RADIO_5G
    if uplink and downlink:
        return [profile.uplink, profile.downlink]
    return [profile.uplink] if uplink else [profile.downlink]


def compile_problem(network: Network, streams: StreamSet, routes: Routes | None = None,
                    *, percentile: float = DEFAULT_PERCENTILE, timing: str = "ieee") -> CompiledProblem:
    """Flatten ``network`` and the routed ``streams``; streams without a route are left out.

    ``timing="tsnkit"`` applies tsnkit's conventions (docs/formats.md): a frame of ``size`` bytes
    occupies ``ceil(size / 100) * 100`` bytes with no overhead, and windows use 100 ns slots.
    """
    routes = routes or route_streams(network, streams.streams)
    node_names = tuple(network.node_ids)
    node_index = {n: i for i, n in enumerate(node_names)}
    port_names = tuple(network.ports)
    port_index = {p: i for i, p in enumerate(port_names)}
    ports = [network.ports[p] for p in port_names]
    resources = {r: i for i, r in enumerate(sorted({p.resource for p in ports}))}

    def _bridge_attr(port, attr, default):
        node = network.node(port.src)
        return getattr(node, attr) if node.kind is not NodeKind.T1S_SEGMENT else default

    port_arrays = dict(
        port_rate_bps=np.array([p.rate_bps for p in ports], dtype=TIME),
        port_prop_ns=np.array([p.link.propagation_ns + p.link.phy_ns for p in ports], dtype=TIME),
        port_resource=np.array([resources[p.resource] for p in ports], dtype=INDEX),
        port_queues=np.array([_bridge_attr(p, "queues", 8) for p in ports], dtype=INDEX),
        port_gcl_max=np.array([_bridge_attr(p, "gcl_max_entries", 1 << 30) for p in ports], dtype=INDEX),
        port_gcl_granularity_ns=np.array([_bridge_attr(p, "gcl_granularity_ns", 1) for p in ports], dtype=TIME),
        port_src=np.array([node_index[p.src] for p in ports], dtype=INDEX),
        port_dst=np.array([node_index[p.dst] for p in ports], dtype=INDEX),
    )

    routed = [s for s in streams.streams if s.id in routes.paths]
    frame_ptr, frame_wire, frame_mac = [0], [], []
    hops = _HopBuilder(network, port_index, percentile)
    hop_ptr, listener_ptr, listener_node, listener_hop, listener_hop_alt = [0], [0], [], [], []
    for stream in routed:
        for payload in stream.frame_payloads():
            if timing == TIMING_TSNKIT:
                frame_wire.append(-(-payload // 100) * 100)
                frame_mac.append(frame_wire[-1])
            else:
                frame_wire.append(wire_bytes(payload, rtag=stream.rtag))
                frame_mac.append(frame_bytes(payload, rtag=stream.rtag))
        frame_ptr.append(len(frame_wire))
        trie: dict[tuple[str, ...], int] = {}
        second_paths = routes.replicas.get(stream.id, ())
        for k, (listener, path) in enumerate(zip(stream.listeners, routes.paths[stream.id])):
            listener_node.append(node_index[listener])
            listener_hop.append(hops.add_path(path, 0, trie))
            second = second_paths[k] if k < len(second_paths) else None
            listener_hop_alt.append(NO_HOP if second is None else hops.add_path(second, 1, trie))
        hop_ptr.append(len(hops.port))
        listener_ptr.append(len(listener_node))

    def arr(values, dtype):
        return np.ascontiguousarray(np.array(values, dtype=dtype))

    stream_ids = tuple(s.id for s in routed)
    stream_pcp = arr([s.pcp for s in routed], np.int8)
    hop_stream = np.repeat(np.arange(len(routed)), np.diff(np.array(hop_ptr, dtype=np.int64)))
    hop_port = arr(hops.port, INDEX)
    return CompiledProblem(
        network=network, streams=streams, routes=routes, percentile=percentile,
        port_names=port_names, **port_arrays,
        node_names=node_names, stream_ids=stream_ids,
        stream_period_ns=arr([s.period_ns for s in routed], TIME),
        stream_deadline_ns=arr([s.deadline_ns for s in routed], TIME),
        stream_jitter_ns=arr([-1 if s.jitter_ns is None else s.jitter_ns for s in routed], TIME),
        stream_pcp=stream_pcp,
        stream_class=arr([traffic_class(s.pcp, 8) for s in routed], np.int8),
        stream_scheduled=arr([s.scheduled for s in routed], np.int8),
        frame_ptr=arr(frame_ptr, TIME), frame_wire_bytes=arr(frame_wire, TIME),
        frame_mac_bytes=arr(frame_mac, TIME),
        hop_ptr=arr(hop_ptr, TIME), hop_port=hop_port, hop_parent=arr(hops.parent, INDEX),
        hop_prop_ns=arr(hops.prop, TIME), hop_proc_ns=arr(hops.proc, TIME),
        hop_profile=arr(hops.profile, INDEX), hop_replica=arr(hops.replica, np.int8),
        hop_class=np.ascontiguousarray(traffic_classes(stream_pcp[hop_stream], port_arrays["port_queues"][hop_port])),
        listener_ptr=arr(listener_ptr, TIME), listener_node=arr(listener_node, INDEX),
        listener_hop=arr(listener_hop, INDEX), listener_hop_alt=arr(listener_hop_alt, INDEX),
        stream_redundancy=arr([_REDUNDANCY_CODE[s.redundancy] for s in routed], np.int8),
        profiles=tuple(hops.profiles), timing=timing,
        time_quantum_ns=100 if timing == TIMING_TSNKIT else 1,
        unrouted=tuple(sorted(routes.unreachable)),
        port_index=port_index, stream_index={s: i for i, s in enumerate(stream_ids)},
        stream_arrival_ns=arr([s.period_ns if s.arrival_ns is None else s.arrival_ns for s in routed], TIME),
    )


class _HopBuilder:
    """Collects the hop arrays. The hops of one stream form a trie keyed by (parent hop, node
    reached), so paths (and the two routes of a redundant stream) share hops exactly as long as
    they share their beginning."""

    def __init__(self, network: Network, port_index: dict[str, int], percentile: float):
        self.network, self.percentile = network, percentile
        self.port, self.parent, self.prop, self.proc, self.profile, self.replica = [], [], [], [], [], []
        self.profiles: list[DelayProfile] = []
        self._profile_index: dict[str, int] = {}
        self._edge = {(p.src, p.dst): (port_index[name], p.link.propagation_ns + p.link.phy_ns)
                      for name, p in network.ports.items()}
        self._segments = {n.id for n in network.nodes if n.kind is NodeKind.T1S_SEGMENT}
        self._processing = {n.id: n.processing_ns for n in network.nodes if n.kind is NodeKind.BRIDGE}
        self._fiveg = {n.id for n in network.nodes if n.kind is NodeKind.BRIDGE_5G}

    def add_path(self, path: tuple[str, ...], replica: int, trie: dict) -> int:
        """Add the hops of one node path; returns the hop that reaches its last node."""
        parent, i, last = NO_HOP, 0, len(path) - 1
        edge, segments = self._edge, self._segments
        while i < last:
            j = i + 1
            port, prop = edge[path[i], path[j]]
            while j < last and path[j] in segments:   # fold the pass-through port out of a T1S bus
                prop += edge[path[j], path[j + 1]][1]
                j += 1
            key = (parent, path[j])
            hop = trie.get(key)
            if hop is None:
                hop = trie[key] = len(self.port)
                proc, profile = self._forwarding(path, i) if parent != NO_HOP else (0, NO_PROFILE)
                self.port.append(port)
                self.parent.append(parent)
                self.prop.append(prop)
                self.proc.append(proc)
                self.profile.append(profile)
                self.replica.append(replica)
            parent, i = hop, j
        return parent

    def _forwarding(self, path, i) -> tuple[int, int]:
        """Processing delay (and stochastic profile, if any) in the node sending ``path[i] -> path[i+1]``."""
        node_id = path[i]
        if node_id not in self._fiveg:
            return self._processing.get(node_id, 0), NO_PROFILE
        node = self.network.node(node_id)
        parts = fiveg_hop_profiles(self.network, node_id, f"{path[i - 1]}->{node_id}", f"{node_id}->{path[i + 1]}")
        delay = fiveg_residence_ns(node, len(parts) == 2)
        delay += sum(p.quantile_ns(self.percentile) for p in parts)
        key = "+".join(p.name for p in parts)
        if key not in self._profile_index:
            self._profile_index[key] = len(self.profiles)
            self.profiles.append(parts[0] if len(parts) == 1 else _sum_profile(key, parts))
        return delay, self._profile_index[key]


def _sum_profile(name: str, parts: list[DelayProfile]) -> DelayProfile:
    """Upper bound of a sum of delays at each percentile (comonotone: quantiles add)."""
    percentiles = sorted({p for part in parts for p, _ in part.points})
    return DelayProfile(name, tuple((p, sum(part.quantile_ns(p) for part in parts)) for p in percentiles))
