"""Emulator behaviour on tiny plants, each checked against numbers recomputed here from the spec."""
from collections import defaultdict

import numpy as np
import pytest

from emulate.plants import compile_docs, line, release_schedule, ring, stream
from tsnplan.budget.calculus import calculus_bounds
from tsnplan.budget.compose import _own_transmission_ns
from tsnplan.budget.hops import hop_terms
from tsnplan.emulate import Failure, Reroute, Scenario, run_emulation
from tsnplan.model.compile import compile_problem
from tsnplan.model.media.t1s import access_wait_ns, frame_time_ns, PlcaConfig
from tsnplan.model.shaping import cbs_shaping
from tsnplan.report.emulate import emulation_to_json

TX_START, TX_END, PREEMPT, RESUME = 1, 2, 3, 4


def tx_ns(nbytes, rate):
    return -(-nbytes * 8 * 10**9 // rate)


def emulate(problem, schedule, **scenario):
    rows = defaultdict(list)
    records = defaultdict(list)
    result = run_emulation(problem, schedule, Scenario(**scenario), seed=1,
                           trace_sink=lambda r: [rows[k].append(v) for k, v in r.items()],
                           record_sink=lambda r: [records[k].append(v) for k, v in r.items()])
    join = lambda d: {k: np.concatenate(v) for k, v in d.items()}  # noqa: E731
    return result, join(rows), join(records)


def starts(trace, problem, port, stream_id=None):
    m = (trace["kind"] == TX_START) & (trace["port"] == problem.port_index[port])
    if stream_id is not None:
        m &= trace["stream"] == problem.stream_index[stream_id]
    return trace["time_ns"][m]


def test_unloaded_latency_is_transmission_propagation_and_processing():
    problem = compile_docs(line(), [stream("s", "a", ["b"])])
    result, _, _ = emulate(problem, release_schedule(problem, {"s": 0}), duration_ns=1_000_000)
    wire = 64 + 18 + 4 + 20
    expected = 3 * tx_ns(wire, 10**9) + (50 + 250 + 50) + 2 * 2000
    (stats,) = result.listeners
    assert (stats.sent, stats.received, stats.lost) == (10, 10, 0)
    assert stats.min_ns == stats.max_ns == stats.p99_ns == expected


def test_frame_starts_only_if_it_ends_before_its_gate_closes():
    problem = compile_docs(line(), [stream("s", "a", ["b"])])
    tc = 1 << int(problem.stream_class[0])
    other = 0xFF & ~tc
    # open for 500 ns at 10 us (shorter than the 848 ns frame), then from 20 us
    gates = [(10_000, other), (500, 0xFF), (9_500, other), (80_000, 0xFF)]
    schedule = release_schedule(problem, {"s": 0}, 100_000, {"a->sw-1": gates})
    _, trace, _ = emulate(problem, schedule, duration_ns=300_000)
    assert starts(trace, problem, "a->sw-1").tolist() == [20_000, 120_000, 220_000]


def test_preemption_lets_an_express_frame_cut_in():
    streams = [stream("bulk", "c", ["b"], payload="1500B", pcp=1), stream("fast", "a", ["b"], pcp=6)]
    problem = compile_docs(line(features=("qbv", "qbu")), streams)
    schedule = release_schedule(problem, {"bulk": 0, "fast": 14_000})
    express = (int(problem.stream_class[problem.stream_index["fast"]]),)
    on, trace_on, _ = emulate(problem, schedule, duration_ns=100_000, express_classes=express)
    off, _, _ = emulate(problem, schedule, duration_ns=100_000, express_classes=express, preemption=False)
    port = problem.port_index["sw-1->sw-2"]
    kinds = trace_on["kind"][trace_on["port"] == port].tolist()
    assert PREEMPT in kinds and RESUME in kinds
    fast_on, fast_off = on.stream("fast")[0], off.stream("fast")[0]
    bulk_on, bulk_off = on.stream("bulk")[0], off.stream("bulk")[0]
    assert fast_on.max_ns < fast_off.max_ns
    unloaded = 3 * tx_ns(106, 10**9) + 350 + 2 * 2000
    assert fast_on.max_ns <= unloaded + tx_ns(68 + 16, 10**9)   # first-fragment rule, then mCRC + IFG
    assert bulk_on.max_ns >= bulk_off.max_ns + tx_ns(106, 10**9)
    assert bulk_on.received == fast_on.received == 1


def test_credit_based_shaper_spaces_a_burst_by_its_idle_slope():
    problem = compile_docs(line(features=("qbv", "cbs")),
                           [stream("burst", "a", ["b"], period="1ms", payload="4000B", fragment=True, pcp=3)])
    tc = int(problem.stream_class[0])
    _, trace, _ = emulate(problem, release_schedule(problem, {"burst": 0}), duration_ns=1_000_000,
                          cbs_idle_slope={tc: 0.25})
    times = starts(trace, problem, "sw-1->sw-2")
    first = tx_ns(int(problem.frame_wire_bytes[0]), 10**9)
    assert len(times) == 3
    assert times[1] - times[0] == first + tx_ns(int(problem.frame_wire_bytes[0]), 10**9) * 3


def test_emulator_shapes_by_default_what_the_budget_assumes():
    """Class A (PCP 3) on cbs bridges: idle slope = SRP reservation, in budget and emulator alike."""
    problem = compile_docs(line(features=("qbv", "cbs")),
                           [stream("burst", "a", ["b"], period="1ms", payload="4000B", type="alarms-events")])
    tc = int(problem.stream_class[0])
    assert problem.stream_pcp[0] == 3 and not problem.stream_scheduled[0]
    wire = int(problem.frame_wire_bytes[0])
    assert wire == int(problem.frame_wire_bytes[:3].max())
    # largest frame x frames per 125 us class A interval (3 frames per 1 ms: 1), per second
    slope = wire * 8 * 10**9 // 125_000
    shaping = cbs_shaping(problem)
    out = problem.port_index["sw-1->sw-2"]
    assert shaping.idle_slope_bps[out].tolist() == [slope if c == tc else 0 for c in range(8)]
    assert not shaping.idle_slope_bps[problem.port_index["a->sw-1"]].any()      # end station: no cbs
    calc = calculus_bounds(problem, hop_terms(problem, 99.999), np.ones(1, np.int8), None,
                           _own_transmission_ns(problem))
    q = calc.hop_queue[int(np.flatnonzero(problem.hop_port == out)[0])]
    assert calc.queue_shaper[q] == 1
    _, trace, _ = emulate(problem, None, duration_ns=1_000_000, phases={"burst": 0})
    times = starts(trace, problem, "sw-1->sw-2")
    d = tx_ns(wire, 10**9)
    # credit after the first frame: -(rate - slope) * d; it recovers at the idle slope
    assert times[1] - times[0] == d + -(-(10**9 - slope) * d // slope)
    _, trace, _ = emulate(problem, None, duration_ns=1_000_000, phases={"burst": 0}, cbs_idle_slope={tc: 0})
    unshaped = starts(trace, problem, "sw-1->sw-2")
    assert unshaped[1] - unshaped[0] < times[1] - times[0]


def test_frer_survives_a_link_failure_and_eliminates_duplicates():
    problem = compile_docs(ring(), [stream("s", "a", ["b"], redundancy="frer")])
    healthy, _, _ = emulate(problem, None, duration_ns=2_000_000)
    failed, _, _ = emulate(problem, None, duration_ns=2_000_000,
                           failures=(Failure("link", "sw-1--sw-3", 1_000_000),))
    (h,), (f,) = healthy.listeners, failed.listeners
    assert h.lost == f.lost == 0 and h.received == h.sent == 20
    assert h.duplicates_eliminated == 20
    assert 0 < f.duplicates_eliminated < 20


def test_failure_loses_frames_until_restored():
    problem = compile_docs(line(), [stream("s", "a", ["b"])])
    result, _, records = emulate(problem, release_schedule(problem, {"s": 0}), duration_ns=1_000_000,
                                 failures=(Failure("link", "sw-1--sw-2", 300_000, 600_000),))
    (stats,) = result.listeners
    assert stats.lost == 3 and not result.ok
    assert sorted(records["send_ns"].tolist()) == [0, 100_000, 200_000, 600_000, 700_000, 800_000, 900_000]


def test_a_frame_that_reached_the_next_node_survives_the_link_failing_behind_it():
    """Lost means not yet arrived (end of propagation), as the resilience analysis counts it."""
    problem = compile_docs(line(), [stream("s", "a", ["b"])])
    schedule = release_schedule(problem, {"s": 0})
    _, trace, _ = emulate(problem, schedule, duration_ns=100_000)
    hop = next(h for h in range(problem.n_hops) if problem.port_names[problem.hop_port[h]] == "sw-1->sw-2")
    arrive = int(starts(trace, problem, "sw-1->sw-2")[0]) + tx_ns(int(problem.frame_wire_bytes[0]), 10**9) \
        + int(problem.hop_prop_ns[hop])
    for at, lost in ((arrive - 1, 1), (arrive, 0)):     # at `arrive` it is in sw-2 (processing)
        result, _, _ = emulate(problem, schedule, duration_ns=100_000, failures=(Failure("link", "sw-1--sw-2", at),))
        assert result.listeners[0].lost == lost


def test_a_frame_held_in_a_5g_bridge_survives_its_radio_link_failing():
    net = {"nodes": {"sw-1": {"kind": "bridge"}, "plc": {"kind": "end-station"}, "agv": {"kind": "end-station"},
                     "5gs": {"kind": "5g-bridge", "profile": "urllc-28ghz", "hold_and_forward": True}},
           "links": [{"ends": ["plc", "sw-1"], "rate": "1G", "length": "5m"},
                     {"ends": ["sw-1", "5gs"], "medium": "fibre", "rate": "1G", "length": "20m"},
                     {"ends": ["agv", "5gs"]}]}
    problem = compile_docs(net, [stream("status", "agv", ["plc"], period="50ms", deadline="40ms")])
    # released at 0, in the bridge (held to the planning quantile, several ms) when the radio fails
    fail = (Failure("link", "agv--5gs", 1_000_000),)
    result, _, records = emulate(problem, release_schedule(problem, {"status": 0}), duration_ns=100_000_000,
                                 failures=fail)
    assert records["send_ns"].tolist() == [0] and result.listeners[0].lost == 1


def test_protected_stream_switches_to_its_backup():
    problem = compile_docs(ring(), [stream("s", "a", ["b"], redundancy="protect")])
    result, _, records = emulate(problem, None, duration_ns=2_000_000, protection_switch_ns=250_000,
                                 failures=(Failure("link", "sw-1--sw-3", 1_000_000),))
    (stats,) = result.listeners
    assert 1 <= stats.lost <= 3
    assert records["recv_ns"].max() > 1_800_000


def test_reroute_moves_a_stream_while_running():
    problem = compile_docs(ring(), [stream("s", "a", ["b"])])
    healed = compile_problem(problem.network.without(links=(("sw-1", "sw-3"),)), problem.streams)
    fail = (Failure("link", "sw-1--sw-3", 1_000_000),)
    broken, _, _ = emulate(problem, None, duration_ns=2_000_000, failures=fail)
    moved, _, records = emulate(problem, None, duration_ns=2_000_000, failures=fail,
                                reroutes=(Reroute(1_000_000, "s", healed),))
    assert broken.listeners[0].lost == 10
    assert moved.listeners[0].lost == 0
    assert moved.listeners[0].max_ns > broken.listeners[0].max_ns   # the detour is longer


def test_reroute_installs_the_gate_lists_of_its_schedule():
    """The detour's port is closed in the running schedule and open in the new one: from the
    switch on, the port runs the new list (no other port changes)."""
    from tsnplan.emulate import build_inputs
    from tsnplan.emulate.engine import CTL_GATES

    problem = compile_docs(ring(), [stream("s", "a", ["b"])])
    healed = compile_problem(problem.network.without(links=(("sw-1", "sw-3"),)), problem.streams)
    running = release_schedule(problem, {"s": 0}, entries={"sw-1->sw-2": [(100_000, 0)]})
    fail = (Failure("link", "sw-1--sw-3", 1_000_000),)
    stuck, _, _ = emulate(problem, running, duration_ns=2_000_000, failures=fail,
                          reroutes=(Reroute(1_000_000, "s", healed),))
    reroute = Reroute(1_000_000, "s", healed, release_schedule(healed, {"s": 0}))
    moved, _, records = emulate(problem, running, duration_ns=2_000_000, failures=fail, reroutes=(reroute,))
    assert stuck.listeners[0].lost == 10
    assert moved.listeners[0].lost == 0 and records["recv_ns"].max() > 1_900_000
    arrays, _ = build_inputs(problem, running, Scenario(2_000_000, failures=fail, reroutes=(reroute,)), 0)
    gates = arrays["ctl_op"] == CTL_GATES
    assert arrays["ctl_a"][gates].tolist() == [problem.port_index["sw-1->sw-2"]]
    assert arrays["ctl_time"][gates].tolist() == [1_000_000]


def test_plca_bus_takes_turns_within_the_access_bound():
    net = {"nodes": {"sw-1": {"kind": "bridge"}, "bus": {"kind": "t1s-segment", "plca": {"to_timer": 32}},
                     "host": {"kind": "end-station"},
                     **{f"n{i}": {"kind": "end-station"} for i in (1, 2, 3)}},
           "links": [{"ends": ["sw-1", "bus"], "plca_id": 0}, {"ends": ["host", "sw-1"], "rate": "100M", "length": "5m"},
                     *({"ends": [f"n{i}", "bus"], "plca_id": i} for i in (1, 2, 3))]}
    problem = compile_docs(net, [stream(f"s{i}", f"n{i}", ["host"], period="1ms", payload="200B", deadline="1ms")
                                 for i in (1, 2, 3)])
    result, trace, _ = emulate(problem, None, duration_ns=20_000_000)
    bus_ports = [problem.port_index[f"n{i}->bus"] for i in (1, 2, 3)]
    busy = sorted(zip(trace["time_ns"][np.isin(trace["port"], bus_ports) & (trace["kind"] == TX_START)],
                      trace["time_ns"][np.isin(trace["port"], bus_ports) & (trace["kind"] == TX_END)]))
    assert all(end <= nxt for (_, end), (nxt, _) in zip(busy, busy[1:]))   # one talker at a time
    frame = int(problem.frame_mac_bytes[0])
    bound = access_wait_ns(PlcaConfig(to_timer_bt=32), 4, 1, [0, frame, frame, frame]) + frame_time_ns(frame) + 10_000
    assert all(s.lost == 0 and s.max_ns <= bound for s in result.listeners)


def test_fiveg_delays_follow_the_profile_and_hold_and_forward_fixes_them():
    def plant(hold):
        net = {"nodes": {"sw-1": {"kind": "bridge"}, "5gs": {"kind": "5g-bridge", "profile": "urllc-28ghz",
                                                               "hold_and_forward": hold},
                         "plc": {"kind": "end-station"}, "agv": {"kind": "end-station"}},
               "links": [{"ends": ["plc", "sw-1"], "rate": "1G", "length": "5m"},
                         {"ends": ["sw-1", "5gs"], "medium": "fibre", "rate": "1G", "length": "20m"},
                         {"ends": ["agv", "5gs"]}]}
        return compile_docs(net, [stream("cmd", "plc", ["agv"], period="5ms")])
    free, _, rec = emulate(plant(False), None, duration_ns=100_000_000)
    held, _, _ = emulate(plant(True), None, duration_ns=100_000_000)
    (f,), (h,) = free.listeners, held.listeners
    assert f.max_ns - f.min_ns > 100_000                       # radio jitter shows
    assert h.max_ns == h.min_ns >= f.p99_ns                   # held to the planning quantile
    latency = rec["recv_ns"] - rec["send_ns"]
    assert len(np.unique(latency)) > len(latency) // 2


def test_background_load_occupies_its_share_of_a_port():
    problem = compile_docs(line(), [stream("s", "a", ["b"])])
    _, trace, _ = emulate(problem, None, duration_ns=50_000_000, background_load=0.3)
    port = problem.port_index["sw-1->sw-2"]
    frames = np.count_nonzero((trace["port"] == port) & (trace["kind"] == TX_END) & (trace["stream"] < 0))
    share = frames * tx_ns(1542, 10**9) / 50_000_000
    assert 0.25 < share < 0.35


def test_same_seed_same_result_other_seed_other_result():
    problem = compile_docs(line(), [stream("s", "a", ["b"]), stream("t", "c", ["d"], period="250us")])
    run = lambda seed: emulation_to_json(run_emulation(problem, None, Scenario(5_000_000, background_load=0.4), seed))  # noqa: E731
    assert run(7) == run(7)
    assert run(7) != run(8)


def test_cbs_override_parses_a_share_or_off():
    from tsnplan.emulate import parse_cbs
    from tsnplan.errors import UsageError
    assert parse_cbs("3:25%") == (3, 0.25)
    assert parse_cbs("2:0%") == (2, 0.0)              # unshaped, although the budget shapes it
    for bad in ("3:150%", "9:10%", "3"):
        with pytest.raises(UsageError):
            parse_cbs(bad)
