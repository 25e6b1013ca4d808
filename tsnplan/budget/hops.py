"""Per-hop latency terms by medium (domain.md §1, §4.5, §5.2): what a hop adds besides queuing.

For every hop of the compiled problem: bridge processing (5G: DS-TT/NW-TT residence), the 5G
radio/core delay (minimum, median and the quantile the stream's share of the violation probability
allows), the 10BASE-T1S PLCA wait for the own transmit opportunity (worst case and typical),
propagation plus PHY, and whether the forwarding bridge may cut through. Serialisation is left to
the kernel, which knows the frames.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsnplan.model.compile import NO_HOP, NO_PROFILE, TIME, CompiledProblem, fiveg_residence_ns
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.media.t1s import BIT_TIME_NS, BEACON_BT, PlcaConfig, access_wait_ns, cycle_ns, frame_time_ns
from tsnplan.model.network import NodeKind
from tsnplan.model.shaping import queueless_ports

__all__ = ["HopTerms", "hop_terms", "CUT_THROUGH_BYTES", "stream_max_wire_bytes", "listener_paths",
           "medium_label"]

#: Bytes a cut-through bridge reads before it forwards: preamble/SFD 8, DA, SA, VLAN tag, EtherType.
CUT_THROUGH_BYTES = 8 + 6 + 6 + 4 + 2


@dataclass(frozen=True, eq=False)
class HopTerms:
    processing_ns: np.ndarray      # int64[H] bridge processing, 5G residence times
    radio_ns: np.ndarray           # int64[H] 5G delay at the hop's share of the percentile (hold: fixed)
    radio_min_ns: np.ndarray       # int64[H]
    radio_median_ns: np.ndarray    # int64[H]
    radio_compiled_ns: np.ndarray  # int64[H] 5G quantile the compiler put into hop_proc_ns
    radio_hold: np.ndarray         # int8[H] 1: 5G hop with hold-and-forward (a fixed delay)
    access_ns: np.ndarray          # int64[H] T1S worst-case wait for the own transmit opportunity
    access_typical_ns: np.ndarray  # int64[H] T1S: half the mean PLCA cycle
    propagation_ns: np.ndarray     # int64[H]
    cut_through: np.ndarray        # int8[H]
    queueless: np.ndarray          # int8[H] 1: no egress queue to analyse (T1S station, radio side)
    hop_percentile: np.ndarray     # float64[H] percentile of radio_ns
    stream_fiveg_hops: np.ndarray  # int32[S] most 5G hops on one route of the stream


def medium_label(medium: Medium) -> str:
    return "ethernet" if medium in (Medium.COPPER, Medium.FIBRE) else medium.value


def stream_max_wire_bytes(problem: CompiledProblem) -> np.ndarray:
    if not problem.n_streams:
        return np.zeros(0, dtype=TIME)
    return np.maximum.reduceat(problem.frame_wire_bytes, problem.frame_ptr[:-1])


def listener_paths(problem: CompiledProblem, l: int) -> list[list[int]]:
    """Hops from the talker to listener ``l``, per route (one or two)."""
    paths = []
    for last in (int(problem.listener_hop[l]), int(problem.listener_hop_alt[l])):
        if last == NO_HOP:
            continue
        path = []
        while last != NO_HOP:
            path.append(last)
            last = int(problem.hop_parent[last])
        paths.append(path[::-1])
    return paths


def hop_terms(problem: CompiledProblem, percentile: float) -> HopTerms:
    network = problem.network
    n_hops = problem.n_hops
    ports = [network.ports[name] for name in problem.port_names]
    src_nodes = [network.node(port.src) for port in ports]
    port_proc = np.array([n.processing_ns + n.ds_tt_residence_ns + n.nw_tt_residence_ns if n.is_bridge else 0
                          for n in src_nodes], dtype=TIME)
    port_hold = np.array([n.kind is NodeKind.BRIDGE_5G and n.hold_and_forward for n in src_nodes], dtype=np.int8)
    port_ct = np.array([n.kind is NodeKind.BRIDGE and n.cut_through for n in src_nodes], dtype=np.int8)
    port_t1s = np.array([port.link.medium is Medium.T1S and not port.passthrough for port in ports], dtype=np.int8)
    port_radio = np.array([port.link.medium is Medium.RADIO_5G for port in ports], dtype=np.int8)

    hop_port = problem.hop_port
    has_parent = problem.hop_parent != NO_HOP
    parent_port = hop_port[np.where(has_parent, problem.hop_parent, 0)] if n_hops else hop_port
    processing = np.where(has_parent, port_proc[hop_port], 0).astype(TIME)
    ue_to_ue = has_parent & (port_radio[hop_port] == 1) & (port_radio[parent_port] == 1)
    for h in np.flatnonzero(ue_to_ue):
        processing[h] = fiveg_residence_ns(src_nodes[hop_port[h]], True)
    rate = problem.port_rate_bps
    cut_through = (has_parent & (port_ct[hop_port] == 1)
                   & (rate[hop_port] <= rate[parent_port])).astype(np.int8)

    fiveg = problem.hop_profile != NO_PROFILE
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    stream_fiveg = np.zeros(problem.n_streams, dtype=np.int32)
    for s in np.unique(stream_of_hop[fiveg]):
        lo, hi = int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])
        stream_fiveg[s] = max(sum(1 for h in path if problem.hop_profile[h] != NO_PROFILE)
                              for l in range(lo, hi) for path in listener_paths(problem, l))
    radio = np.zeros(n_hops, dtype=TIME)
    radio_min = np.zeros(n_hops, dtype=TIME)
    radio_median = np.zeros(n_hops, dtype=TIME)
    radio_compiled = np.zeros(n_hops, dtype=TIME)
    hop_pct = np.full(n_hops, 100.0)
    cache: dict[tuple[int, int], int] = {}
    for h in np.flatnonzero(fiveg):
        prof_index = int(problem.hop_profile[h])
        profile = problem.profiles[prof_index]
        n = int(stream_fiveg[stream_of_hop[h]])
        pct = 100.0 - (100.0 - percentile) / n
        if (prof_index, n) not in cache:
            cache[prof_index, n] = profile.quantile_ns(pct)
        radio[h] = cache[prof_index, n]
        hop_pct[h] = pct
        radio_compiled[h] = profile.quantile_ns(problem.percentile)
        hold = port_hold[hop_port[h]]
        radio_min[h] = radio[h] if hold else profile.min_ns
        radio_median[h] = radio[h] if hold else profile.quantile_ns(50.0)

    access, typical = _t1s_access(problem, port_t1s)
    return HopTerms(
        processing_ns=processing, radio_ns=radio, radio_min_ns=radio_min, radio_median_ns=radio_median,
        radio_compiled_ns=radio_compiled,
        radio_hold=(fiveg & (port_hold[hop_port] == 1)).astype(np.int8),
        access_ns=access[hop_port], access_typical_ns=typical[hop_port],
        propagation_ns=problem.hop_prop_ns.astype(TIME),
        cut_through=cut_through, queueless=queueless_ports(problem)[hop_port],
        hop_percentile=hop_pct, stream_fiveg_hops=stream_fiveg,
    )


def _t1s_access(problem: CompiledProblem, port_t1s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per port: worst-case and typical PLCA wait of its station (0 off T1S).

    Worst case (domain.md §5.2): beacon, every TO timer and the largest frames (and bursts) of the
    other members, plus one longest cycle for every transmit opportunity the station's own earlier
    frames use (one frame of each of its streams may be queued ahead). Typical: half the mean
    cycle, where each member sends in a cycle with the probability its frame rate gives.
    """
    network = problem.network
    worst = np.zeros(problem.n_ports, dtype=TIME)
    typical = np.zeros(problem.n_ports, dtype=TIME)
    t1s_ports = np.flatnonzero(port_t1s)
    if not len(t1s_ports):
        return worst, typical
    n_frames = np.diff(problem.frame_ptr)
    max_mac = np.maximum.reduceat(problem.frame_mac_bytes, problem.frame_ptr[:-1]) if problem.n_streams else n_frames
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    port_max_mac = np.zeros(problem.n_ports, dtype=TIME)
    np.maximum.at(port_max_mac, problem.hop_port, max_mac[stream_of_hop])
    port_frames = np.zeros(problem.n_ports, dtype=TIME)
    np.add.at(port_frames, problem.hop_port, n_frames[stream_of_hop])
    port_rate = np.zeros(problem.n_ports)       # frames per ns, for the typical cycle only
    np.add.at(port_rate, problem.hop_port, n_frames[stream_of_hop] / problem.stream_period_ns[stream_of_hop])
    for p in t1s_ports:
        port = network.ports[problem.port_names[p]]
        segment = network.node(port.dst)
        plca = segment.plca or PlcaConfig()
        members = network.segment_members(port.dst)
        member_ports = [problem.port_index[f"{m}->{port.dst}"] for m in members]
        node_count = plca.node_count or len(members)
        sizes = [int(port_max_mac[q]) for q in member_ports]
        own = members.index(port.src)
        wait = access_wait_ns(plca, node_count, own, sizes)
        longest = cycle_ns(plca, node_count, sizes)
        opportunities = -(-max(1, int(port_frames[p])) // (1 + plca.burst_count))
        worst[p] = wait + (opportunities - 1) * longest
        idle = (BEACON_BT + node_count * plca.to_timer_bt) * BIT_TIME_NS
        mean = float(idle)
        for _ in range(50):
            mean = idle + sum(min(1.0, mean * port_rate[q]) * frame_time_ns(size)
                              for q, size in zip(member_ports, sizes) if size)
        typical[p] = int(-(-mean // 2))
    return worst, typical

