"""The Cython event loop and its plain-Python twin give the same event trace on tiny random networks."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emulate.plants import compile_docs, gcl_only_schedule
from reference.evloop_ref import ReferenceLoop, Xoshiro
from tsnplan._ext.evloop import DONE, EventLoop, xoshiro_uniforms
from tsnplan.emulate import Failure, Scenario, build_inputs
from tsnplan.model.media.fiveg import BUILTIN_PROFILES


def run_kernel(arrays, seed, stop):
    loop = EventLoop(arrays, seed, record_capacity=64, trace_capacity=64, trace_level=2)
    trace, records = [], []
    while True:
        status = loop.run(stop)
        rec, rows = loop.take_records(), loop.take_trace()
        records += list(zip(*(rec[k].tolist() for k in ("stream", "seq", "listener", "send_ns", "recv_ns", "hop"))))
        trace += list(zip(*(rows[k].tolist() for k in ("time_ns", "kind", "port", "stream", "seq", "hop"))))
        if status == DONE:
            return loop, trace, records


@st.composite
def tiny_cases(draw):
    n_bridges = draw(st.integers(1, 3))
    rates = ["10M", "100M", "1G"]
    nodes, links = {}, []
    for i in range(n_bridges):
        feats = ["qbv"] + draw(st.lists(st.sampled_from(["qbu", "cbs", "frer"]), unique=True))
        nodes[f"sw-{i}"] = {"kind": "bridge", "features": feats, "processing": f"{draw(st.integers(0, 5))}us",
                            "processing_min": f"{draw(st.integers(0, 2))}us"}
    for i in range(1, n_bridges):
        links.append({"ends": [f"sw-{i - 1}", f"sw-{i}"], "rate": draw(st.sampled_from(rates[1:])), "length": "20m"})
    if n_bridges == 3 and draw(st.booleans()):
        links.append({"ends": ["sw-2", "sw-0"], "rate": "1G", "length": "20m"})
    stations = []
    for i in range(draw(st.integers(2, 4))):
        name = f"es-{i}"
        nodes[name] = {"kind": "end-station", "release_jitter": f"{draw(st.sampled_from([0, 0, 3, 40]))}us"}
        links.append({"ends": [name, f"sw-{draw(st.integers(0, n_bridges - 1))}"],
                      "rate": draw(st.sampled_from(rates)), "length": f"{draw(st.integers(1, 90))}m"})
        stations.append(name)
    if draw(st.booleans()):   # a 10BASE-T1S bus on sw-0 (the coordinator) with two or three stations
        nodes["bus"] = {"kind": "t1s-segment", "plca": {"to_timer": draw(st.sampled_from([24, 32])),
                                                        "burst_count": draw(st.integers(0, 1))}}
        links.append({"ends": ["sw-0", "bus"], "plca_id": 0})
        for i in range(draw(st.integers(2, 3))):
            nodes[f"t1s-{i}"] = {"kind": "end-station"}
            links.append({"ends": [f"t1s-{i}", "bus"], "plca_id": i + 1})
            stations.append(f"t1s-{i}")
    if draw(st.booleans()):   # a 5G bridge with one device behind it
        nodes["5gs"] = {"kind": "5g-bridge", "profile": draw(st.sampled_from(["urllc-28ghz", "urllc-mmw"])),
                        "hold_and_forward": draw(st.booleans())}
        links.append({"ends": ["5gs", f"sw-{n_bridges - 1}"], "medium": "fibre", "rate": "1G", "length": "30m"})
        links.append({"ends": ["ue", "5gs"]})
        nodes["ue"] = {"kind": "end-station"}
        stations.append("ue")
    streams = []
    for i in range(draw(st.integers(1, 4))):
        talker = draw(st.sampled_from(stations))
        listeners = draw(st.lists(st.sampled_from([s for s in stations if s != talker]), min_size=1, max_size=2,
                                  unique=True))
        streams.append({"id": f"s{i}", "talker": talker, "listeners": listeners, "type": "cyclic-synchronous",
                        "period": draw(st.sampled_from(["100us", "200us", "250us", "1ms"])),
                        "payload": f"{draw(st.sampled_from([40, 200, 1400]))}B", "deadline": "100us",
                        "pcp": draw(st.integers(0, 7)),
                        "redundancy": draw(st.sampled_from(["none", "none", "frer", "protect"]))})
    problem = compile_docs({"nodes": nodes, "links": links}, streams)
    cycle = draw(st.sampled_from([50_000, 100_000]))
    entries = {}
    for name in problem.port_names:
        if draw(st.booleans()):
            cuts = sorted(draw(st.lists(st.integers(1, cycle - 1), min_size=1, max_size=3, unique=True)))
            bounds = [0] + cuts + [cycle]
            entries[name] = [(bounds[k + 1] - bounds[k], draw(st.integers(0, 255))) for k in range(len(bounds) - 1)]
    schedule = gcl_only_schedule(problem, cycle, entries)
    link_keys = [f"{l['ends'][0]}--{l['ends'][1]}" for l in links]
    failures = ()
    if draw(st.booleans()):
        at = draw(st.integers(0, 1_000_000))
        restore = at + draw(st.integers(1, 500_000)) if draw(st.booleans()) else None
        failures = (Failure("link", draw(st.sampled_from(link_keys)), at, restore),)
    scenario = Scenario(
        duration_ns=draw(st.sampled_from([500_000, 1_500_000])), failures=failures,
        background_load=draw(st.sampled_from([0.0, 0.0, 0.2, 0.6])),
        background_frame_bytes=draw(st.sampled_from([64, 600, 1522])),
        preemption=draw(st.booleans()),
        express_classes=tuple(draw(st.lists(st.integers(0, 7), unique=True, max_size=4))),
        cbs_idle_slope={draw(st.integers(0, 7)): draw(st.sampled_from([0.1, 0.5]))} if draw(st.booleans()) else {},
        frer_history=draw(st.sampled_from([2, 8, 64])), queue_limit=draw(st.sampled_from([3, 4096])),
        vary=draw(st.booleans()))
    return problem, schedule, scenario, draw(st.integers(0, 2**64 - 1))


@settings(max_examples=40)
@given(tiny_cases())
def test_event_loop_matches_reference(case):
    problem, schedule, scenario, seed = case
    arrays, _ = build_inputs(problem, schedule, scenario, seed)
    stop = int(arrays["stop_ns"])
    loop, trace, records = run_kernel(arrays, seed, stop)
    ref = ReferenceLoop(arrays, seed)
    ref.run(stop)
    assert trace == ref.trace
    assert records == ref.records
    assert (loop.n_events, loop.n_tx) == (ref.events, ref.n_tx)
    assert np.asarray(loop.stream_sent).tolist() == ref.sent
    assert np.asarray(loop.stream_dropped).tolist() == ref.dropped
    assert np.asarray(loop.stream_policed).tolist() == ref.policed
    assert np.asarray(loop.lst_duplicates).tolist() == ref.duplicates


def test_prng_matches_reference():
    ref = Xoshiro(12345)
    assert xoshiro_uniforms(12345, 50) == [ref.uniform() for _ in range(50)]


@given(st.floats(0.0, 1.0, exclude_max=True))
def test_profile_sampling_matches_inverse_cdf(u):
    """The kernel's inverse-CDF arithmetic is DelayProfile.inverse_cdf_ns's, step for step."""
    profile = BUILTIN_PROFILES["urllc-mmw"].downlink
    pcts = [p for p, _ in profile.points]
    delays = [d for _, d in profile.points]
    pct = min(100.0, u * 100.0)
    i = next(i for i, p in enumerate(pcts) if p >= pct)
    value = delays[i] if pcts[i] == pct else math.ceil(
        delays[i - 1] + (delays[i] - delays[i - 1]) * (pct - pcts[i - 1]) / (pcts[i] - pcts[i - 1]))
    assert value == profile.inverse_cdf_ns(u)


def _directed_cases():
    from emulate.plants import line, release_schedule, ring, stream
    from tsnplan.emulate import Reroute
    from tsnplan.model.compile import compile_problem
    pre = compile_docs(line(features=("qbv", "qbu")), [stream("bulk", "c", ["b"], payload="1500B", pcp=1),
                                                       stream("fast", "a", ["b"], pcp=6)])
    yield pre, release_schedule(pre, {"bulk": 0, "fast": 14_000}), Scenario(300_000, express_classes=(
        int(pre.stream_class[pre.stream_index["fast"]]),), background_load=0.5)
    cbs = compile_docs(line(features=("qbv", "cbs")), [stream("burst", "a", ["b"], period="1ms", payload="4000B",
                                                              fragment=True, pcp=3)])
    yield cbs, None, Scenario(2_000_000, cbs_idle_slope={int(cbs.stream_class[0]): 0.25}, background_load=0.3)
    frer = compile_docs(ring(), [stream("s", "a", ["b"], redundancy="frer")])
    yield frer, None, Scenario(2_000_000, failures=(Failure("link", "sw-1--sw-3", 1_000_000),), frer_history=4)
    protect = compile_docs(ring(), [stream("s", "a", ["b"], redundancy="protect")])
    yield protect, None, Scenario(2_000_000, failures=(Failure("node", "sw-2", 700_000),), protection_switch_ns=50_000)
    plain = compile_docs(ring(), [stream("s", "a", ["b"])])
    healed = compile_problem(plain.network.without(links=(("sw-1", "sw-3"),)), plain.streams)
    yield plain, None, Scenario(2_000_000, failures=(Failure("link", "sw-1--sw-3", 1_000_000),),
                                reroutes=(Reroute(1_000_000, "s", healed),))
    closed = release_schedule(plain, {"s": 0}, entries={"sw-1->sw-2": [(60_000, 0), (40_000, 0xFF)]})
    yield plain, closed, Scenario(2_000_000, failures=(Failure("link", "sw-1--sw-3", 1_000_000),),
                                  reroutes=(Reroute(1_000_000, "s", healed, release_schedule(healed, {"s": 7_000})),),
                                  background_load=0.3)
    held = compile_docs({"nodes": {"sw-1": {"kind": "bridge"}, "a": {"kind": "end-station"},
                                   "ue": {"kind": "end-station"},
                                   "5gs": {"kind": "5g-bridge", "profile": "urllc-28ghz", "hold_and_forward": True}},
                         "links": [{"ends": ["a", "sw-1"], "rate": "1G", "length": "5m"},
                                   {"ends": ["sw-1", "5gs"], "medium": "fibre", "rate": "1G", "length": "20m"},
                                   {"ends": ["ue", "5gs"]}]},
                        [stream("up", "ue", ["a"], period="1ms", deadline="1ms")])
    yield held, release_schedule(held, {"up": 100_000}), Scenario(20_000_000, failures=(
        Failure("link", "ue--5gs", 3_050_000, 3_200_000), Failure("link", "ue--5gs", 9_050_000, 9_150_000)))
    yield held, _policed(held, release_schedule(held, {"up": 100_000}, cycle_ns=2_000_000)), Scenario(40_000_000)


def _policed(problem, schedule):
    """Stream gates on the 5G egress hop (frames enter it at 11 848 and 1 011 848 ns of each 2 ms):
    one interval with too few octets, one that closes just before the frame (both reasons)."""
    from dataclasses import replace
    from tsnplan.schedule.psfp import StreamGates
    hop = next(h for h in range(problem.n_hops) if problem.hop_profile[h] >= 0)
    mac = int(problem.frame_mac_bytes[0])
    i32, i64 = np.int32, np.int64
    gates = StreamGates(np.zeros(2, i32), np.full(2, hop, i32), np.zeros(2, i32), np.arange(2, dtype=i32),
                        np.array([0, 1_000_000], i64), np.array([500_000, 1_011_000], i64),
                        np.array([mac - 1, mac], i64))
    return replace(schedule, stream_gates=gates)


@pytest.mark.parametrize("case", list(_directed_cases()),
                         ids=["preemption", "cbs", "frer", "protect", "reroute", "reroute-gates", "5g-hold-failures",
                              "5g-stream-gates"])
def test_directed_features_match_reference(case):
    problem, schedule, scenario = case
    arrays, _ = build_inputs(problem, schedule, scenario, 3)
    loop, trace, records = run_kernel(arrays, 3, int(arrays["stop_ns"]))
    ref = ReferenceLoop(arrays, 3)
    ref.run(int(arrays["stop_ns"]))
    assert trace == ref.trace and records == ref.records
    assert np.asarray(loop.lst_duplicates).tolist() == ref.duplicates
    assert np.asarray(loop.stream_policed).tolist() == ref.policed


def test_stream_gates_police_for_both_reasons():
    """The directed 802.1Qci case drops every frame: half after the gate closed, half over the octets."""
    problem, schedule, scenario = list(_directed_cases())[-1]
    arrays, _ = build_inputs(problem, schedule, scenario, 3)
    loop, _, records = run_kernel(arrays, 3, int(arrays["stop_ns"]))
    assert np.asarray(loop.stream_policed).tolist() == [20, 20]
    assert not records
