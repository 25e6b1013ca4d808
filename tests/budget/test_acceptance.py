"""Hand-checked budgets: each expected value is the hand calculation written beside it."""
import numpy as np

from tsnplan.budget import Basis, Composition, compute_budget
from tsnplan.schedule.result import ScheduleResult, ScheduleStatus

# 42 B payload + 18 B header + 4 B VLAN tag = 64 B MAC frame; + 20 B preamble/SFD/IFG = 84 B on the wire.
# domain.md §1.2: 64 B -> t_slot 0.672 us at 1 Gb/s, 67.2 us at 10 Mb/s.
# 1500 B payload -> 1522 B MAC frame, 1542 B on the wire: 12.336 us at 1 Gb/s, 1.2336 ms at 10 Mb/s.
T_SLOT_64_1G = 672
T_SLOT_64_10M = 67_200
T_SLOT_1522_10M = 1_233_600
# domain.md §8: a scheduled stream's end-to-end bound adds the sync error δ (talker and last bridge
# clocks); the plants here declare none, so δ is the 1 us default.
SYNC = 1000


def test_three_hop_1g_path(plant_from_yaml):
    problem = plant_from_yaml("""
        network: three-hop
        defaults: {bridge: {processing: 4us}}
        nodes:
          plc: {kind: end-station}
          sw-1: {kind: bridge}
          sw-2: {kind: bridge}
          drive: {kind: end-station}
        links:
          - {ends: [plc, sw-1], rate: 1G, length: 10m}
          - {ends: [sw-1, sw-2], rate: 1G, length: 10m}
          - {ends: [sw-2, drive], rate: 1G, length: 10m}
        """, """
        streams:
          - {id: axis, talker: plc, listeners: [drive], type: isochronous, period: 500us, payload: 42B, deadline: 100us, jitter: 2us}
        """)
    result = compute_budget(problem)
    # 3 store-and-forward transmissions + 3 x 10 m at 5 ns/m + 2 bridges x 4 us, + δ
    path = 3 * T_SLOT_64_1G + 3 * 50 + 2 * 4000
    assert path == 10_166
    assert result.listener_latency_ns.tolist() == [path + SYNC] == [11_166]
    assert result.listener_sync_ns.tolist() == [SYNC]
    assert result.stream_basis == (Basis.NO_WAIT,)
    assert result.listener_jitter_ns.tolist() == [1000]          # gPTP sync error only
    assert any("no-wait" in w for w in result.warnings)
    hops = result.hops(0)
    assert [h.transmission_ns for h in hops] == [T_SLOT_64_1G] * 3
    assert [h.processing_ns for h in hops] == [0, 4000, 4000]
    assert sum(h.total_ns for h in hops) == path
    assert result.listener_meets.tolist() == [True]


def test_cut_through_saves_the_store_and_forward_delay(plant_from_yaml):
    problem = plant_from_yaml("""
        network: ct
        defaults: {bridge: {processing: 1us, cut_through: true}}
        nodes:
          a: {kind: end-station}
          sw: {kind: bridge}
          b: {kind: end-station}
        links:
          - {ends: [a, sw], rate: 1G, length: 0m}
          - {ends: [sw, b], rate: 1G, length: 0m}
        """, """
        streams:
          - {id: s, talker: a, listeners: [b], type: isochronous, period: 500us, payload: 42B, deadline: 100us}
        """)
    result = compute_budget(problem)
    # the bridge forwards after 26 B (preamble/SFD, DA, SA, VLAN tag, EtherType) = 208 ns at 1 Gb/s,
    # processing 1 us, the last serialisation, + δ
    assert result.listener_latency_ns.tolist() == [208 + 1000 + T_SLOT_64_1G + SYNC] == [2880]


def test_t1l_one_kilometre_link(plant_from_yaml):
    problem = plant_from_yaml("""
        network: t1l
        defaults: {bridge: {processing: 4us}}
        nodes:
          plc: {kind: end-station}
          sw: {kind: bridge}
          valve: {kind: end-station}
        links:
          - {ends: [plc, sw], rate: 1G, length: 10m}
          - {ends: [sw, valve], medium: 10base-t1l, length: 1000m}
        """, """
        streams:
          - {id: valve-cmd, talker: plc, listeners: [valve], type: cyclic-synchronous, period: 10ms, payload: 42B, deadline: 1ms}
        """)
    result = compute_budget(problem)
    # 1G hop 672 + 50; bridge 4 us; 10 Mb/s serialisation 67.2 us; 1000 m at 802.3cg's worst-case
    # link delay (8834 ns for the reach, not 5 ns/m) + 2 us T1L PHY; + δ (cyclic-synchronous is scheduled)
    expected = T_SLOT_64_1G + 50 + 4000 + T_SLOT_64_10M + 8834 + 2000 + SYNC
    assert expected == 83_756
    assert result.listener_latency_ns.tolist() == [expected]
    last = result.hops(0)[-1]
    assert (last.medium, last.transmission_ns, last.propagation_ns) == ("10base-t1l", T_SLOT_64_10M, 10834)


def _t1s_plant(plant_from_yaml, scheduled_type="configuration-diagnostics"):
    nodes = "\n".join(f"  s{i}: {{kind: end-station}}" for i in range(8))
    links = "\n".join(f"  - {{ends: [s{i}, bus], plca_id: {i}}}" for i in range(8))
    streams = "\n".join(f"  - {{id: f{i}, talker: s{i}, listeners: [s{(i + 1) % 8}], type: {scheduled_type}, "
                        f"period: 100ms, payload: 1500B, deadline: 20ms}}" for i in range(8))
    return plant_from_yaml(f"network: t1s\nnodes:\n  bus: {{kind: t1s-segment}}\n{nodes}\nlinks:\n{links}\n",
                           f"streams:\n{streams}\n")


def test_t1s_eight_nodes_max_size_frames(plant_from_yaml):
    problem = _t1s_plant(plant_from_yaml)
    result = compute_budget(problem)
    # domain.md §5.2: beacon 20 BT + 8 TO x 32 BT + 7 other nodes x W(1522) = 8.66 ms access wait
    access = 20 * 100 + 8 * 32 * 100 + 7 * T_SLOT_1522_10M
    assert access == 8_662_800
    # plus the own frame W(1522), plus 1 m + T1S PHY (2 us) on the way onto and off the bus
    expected = access + T_SLOT_1522_10M + 2 * (5 + 2000)
    hops = result.hops(0)
    assert len(hops) == 1 and hops[0].medium == "t1s"
    assert hops[0].access_ns == access
    assert 0 < hops[0].access_typical_ns < access
    assert result.listener_latency_ns.tolist() == [expected] * 8
    assert result.stream_basis[0] is Basis.CALCULUS


def _fiveg_plant(plant_from_yaml, hold: bool, profile="5qi-85"):
    return plant_from_yaml(f"""
        network: agv
        defaults: {{bridge: {{processing: 4us}}}}
        nodes:
          plc: {{kind: end-station}}
          sw: {{kind: bridge}}
          5gs: {{kind: 5g-bridge, profile: {profile}, ds_tt_residence: 200us, nw_tt_residence: 100us, hold_and_forward: {str(hold).lower()}}}
          agv: {{kind: end-station}}
        links:
          - {{ends: [plc, sw], rate: 1G, length: 10m}}
          - {{ends: [sw, 5gs], rate: 1G, length: 10m}}
          - {{ends: [5gs, agv], medium: 5g}}
        """, """
        streams:
          - {id: agv-cmd, talker: plc, listeners: [agv], type: alarms-events, period: 10ms, payload: 42B, deadline: 8ms}
        """)


def test_fiveg_hop_with_5qi_profile(plant_from_yaml):
    result = compute_budget(_fiveg_plant(plant_from_yaml, hold=False))
    # 5QI 85: PDB 5 ms at PER 1e-5, i.e. the 99.999 % quantile; minimum assumed 20 % (1 ms), median 40 % (2 ms)
    wired = T_SLOT_64_1G + 50 + 4000 + T_SLOT_64_1G + 50
    fiveg = 200_000 + 100_000 + 5_000_000 + T_SLOT_64_1G
    assert result.listener_latency_ns.tolist() == [wired + fiveg] == [5_306_116]
    assert result.listener_stochastic.tolist() == [True]
    assert result.listener_composition == (Composition.QUANTILE,)
    assert result.listener_union_ns.tolist() == [5_306_116]
    # unscheduled alone on its ports: no queuing, so the jitter is the 5G spread 5 ms - 1 ms
    assert result.listener_jitter_ns.tolist() == [4_000_000]
    assert result.listener_typical_ns.tolist() == [5_306_116 - 3_000_000]
    hops = result.hops(0)
    assert hops[-1].radio_ns == 5_000_000 and hops[-1].processing_ns == 300_000 and hops[-1].stochastic


def test_hold_and_forward_trades_jitter_for_latency(plant_from_yaml):
    free = compute_budget(_fiveg_plant(plant_from_yaml, hold=False))
    held = compute_budget(_fiveg_plant(plant_from_yaml, hold=True))
    assert held.listener_latency_ns.tolist() == free.listener_latency_ns.tolist()
    assert held.listener_jitter_ns.tolist() == [0]            # re-timed to the fixed 5 ms
    assert held.listener_typical_ns.tolist() == [5_306_116]   # but every frame now takes it


def test_two_stochastic_hops_convolution_below_union(plant_from_yaml):
    problem = plant_from_yaml("""
        network: two-5g
        nodes:
          a: {kind: end-station}
          g1: {kind: 5g-bridge, profile: urllc-mmw}
          sw: {kind: bridge}
          g2: {kind: 5g-bridge, profile: urllc-mmw}
          b: {kind: end-station}
        links:
          - {ends: [a, g1], medium: 5g}
          - {ends: [g1, sw], rate: 1G, length: 1m}
          - {ends: [sw, g2], rate: 1G, length: 1m}
          - {ends: [g2, b], medium: 5g}
        """, """
        streams:
          - {id: s, talker: a, listeners: [b], type: alarms-events, period: 10ms, payload: 42B, deadline: 50ms}
        """)
    result = compute_budget(problem, percentile=99.9)
    assert result.listener_composition == (Composition.CONVOLUTION,)
    union = int(result.listener_union_ns[0])
    assert result.listener_latency_ns[0] < union
    # union bound: each hop at 99.95 %: uplink between p99.9 3.08 ms and p99.99 3.27 ms, downlink
    # between 5.69 and 6.81 ms, linear in the percentile
    ul = 3_080_000 + (3_270_000 - 3_080_000) * 0.05 / 0.09
    dl = 5_690_000 + (6_810_000 - 5_690_000) * 0.05 / 0.09
    radio = [h.radio_ns for h in result.hops(0)]
    assert radio == [0, int(-(-ul // 1)), 0, int(-(-dl // 1))]


def test_strict_priority_class_behind_tas_schedule(plant_from_yaml):
    problem = plant_from_yaml("""
        network: tas
        defaults: {bridge: {processing: 4us}}
        nodes:
          ctl: {kind: end-station}
          ev: {kind: end-station}
          be: {kind: end-station}
          sw: {kind: bridge}
          io: {kind: end-station}
        links:
          - {ends: [ctl, sw], rate: 1G, length: 10m}
          - {ends: [ev, sw], rate: 1G, length: 10m}
          - {ends: [be, sw], rate: 1G, length: 10m}
          - {ends: [sw, io], rate: 1G, length: 10m}
        """, """
        streams:
          - {id: cyc, talker: ctl, listeners: [io], type: isochronous, period: 100us, payload: 42B, deadline: 50us}
          - {id: event, talker: ev, listeners: [io], type: alarms-events, period: 1ms, payload: 42B, deadline: 100us}
          - {id: bulk, talker: be, listeners: [io], type: best-effort, period: 1ms, payload: 1500B, deadline: 10ms}
        """)
    s = problem.stream_index["cyc"]
    h0, h1 = int(problem.hop_ptr[s]), int(problem.hop_ptr[s]) + 1
    # cyc: ctl->sw at [0, 672), sw->io at [4722, 5394) = 672 + 50 + 4000, in each of 10 periods
    hop, inst, start, end = [], [], [], []
    for k in range(10):
        for h, t in ((h0, 0), (h1, 4722)):
            hop.append(h); inst.append(k); start.append(k * 100_000 + t); end.append(k * 100_000 + t + 672)
    counts = [len(hop) if i == s else 0 for i in range(problem.n_streams)]
    schedule = ScheduleResult(
        status=ScheduleStatus.FEASIBLE, method="hand", hyperperiod_ns=1_000_000,
        window_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        window_hop=np.array(hop, dtype=np.int32), window_frame=np.zeros(len(hop), dtype=np.int32),
        window_instance=np.array(inst, dtype=np.int32), window_start_ns=np.array(start, dtype=np.int64),
        window_end_ns=np.array(end, dtype=np.int64), stream_class=problem.stream_class.copy(),
        listener_latency_ns=np.full(len(problem.listener_node), -1, dtype=np.int64))
    result = compute_budget(problem, schedule)
    lat = dict(zip(problem.stream_ids, result.listener_latency_ns.tolist()))
    jit = dict(zip(problem.stream_ids, result.listener_jitter_ns.tolist()))
    assert result.stream_basis[s] is Basis.SCHEDULE
    assert lat["cyc"] == 5394 + 50 + SYNC and jit["cyc"] == 1000     # last window end + propagation + δ

    # sw->io for the event class (class 3; bulk's PCP 0 is class 1): the gate list the scheduler
    # writes for these windows closes every gate for the window (672 ns) and a guard band of one
    # maximum frame (1542 B, 12.336 us) every 100 us, and event's own 84 B frame (672 ns) may not
    # fit just before the guard: 86.32 us of each 100 us cycle are surely usable, in one interval.
    rate, cycle = 10**9, 100_000
    open_ns = cycle - 672 - 12_336 - 672
    avail = rate * open_ns // cycle                                   # 863.2 Mb/s
    latency_gate = cycle - open_ns                                    # max(phi) - min(phi), one interval
    gate_bits = -(-rate * latency_gate * open_ns // (cycle * 10**9))  # 11 809 bits
    blocking = 1542 * 8                                               # one best-effort frame
    # event's burst: 672 bits; its first hop, alone, adds no delay variation beyond its own 672 ns
    burst = 672
    rate_latency = -(-(gate_bits + blocking + burst) * 10**9 // avail)
    assert rate_latency == 28_750
    # the service itself is tighter: at worst 13.68 us closed (window, guard, tail), then the
    # blocking frame and event's own bits at the full 1 Gb/s
    delay = latency_gate + (blocking + burst)
    assert delay == 26_688
    # first hop 672 + 50, bridge 4 us, queue + own transmission (delay), 50 ns to io
    assert lat["event"] == 672 + 50 + 4000 + delay + 50
    assert result.gated_by_schedule and result.calculus_iterations > 0
    hops = result.hops(int(problem.listener_ptr[problem.stream_index["event"]]))
    assert hops[1].queuing_ns == delay - 672
