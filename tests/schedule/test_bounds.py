"""Necessary conditions (ext/bounds.pyx) agree with their reference; certificates and lower bounds hold."""
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from reference.bounds_ref import nowait_latency as nowait_ref, resource_demand as demand_ref
from tsnplan._ext.bounds import nowait_latency, resource_demand
from tsnplan.cli import main
from tsnplan.io.plant import load_plant
from tsnplan.model.compile import compile_problem
from tsnplan.model.streams import Stream, StreamSet
from tsnplan.model.traffic_types import TrafficType
from tsnplan.schedule import ScheduleOptions, ScheduleStatus, schedule
from tsnplan.schedule.verify import verify

from test_schedule import TOPOLOGIES


@given(st.lists(st.tuples(st.integers(-1, 4), st.integers(0, 10**9)), max_size=40))
def test_resource_demand_matches_reference(slots):
    res = np.array([r for r, _ in slots], dtype=np.int32)
    busy = np.array([b for _, b in slots], dtype=np.int64)
    out = np.zeros(5, dtype=np.int64)
    resource_demand(res, busy, out)
    assert out.tolist() == demand_ref(res.tolist(), busy.tolist(), 5)


@st.composite
def hop_trees(draw):
    """Streams with hop trees (parents before children), frames, window lengths and listener marks."""
    n = draw(st.integers(1, 5))
    hop_ptr, parent, nframes, hf_ptr, hf_len = [0], [], [], [0], []
    for _ in range(n):
        k = draw(st.integers(1, 5))
        base = hop_ptr[-1]
        parent += [-1] + [base + draw(st.integers(0, j - 1)) for j in range(1, k)]
        hop_ptr.append(base + k)
        nf = draw(st.integers(1, 3))
        nframes.append(nf)
        hf_ptr.append(hf_ptr[-1] + k * nf)
        hf_len += [draw(st.integers(1, 20_000)) for _ in range(k * nf)]
    H = hop_ptr[-1]
    prop = [draw(st.integers(0, 5_000)) for _ in range(H)]
    proc = [draw(st.integers(0, 5_000)) for _ in range(H)]
    listener = [draw(st.integers(0, 1)) for _ in range(H)]
    return hop_ptr, parent, prop, proc, listener, nframes, hf_ptr, hf_len, draw(st.integers(0, 2_000)), \
        draw(st.sampled_from([1, 8, 100]))


@given(hop_trees())
@settings(max_examples=60)
def test_nowait_latency_matches_reference(case):
    hop_ptr, parent, prop, proc, listener, nframes, hf_ptr, hf_len, sync, quantum = case
    streams = list(range(len(nframes)))
    out = np.zeros(len(nframes), dtype=np.int64)
    nowait_latency(np.array(hop_ptr, np.int64), np.array(parent, np.int32), np.array(prop, np.int64),
                   np.array(proc, np.int64), np.array(listener, np.int8), np.array(nframes, np.int64),
                   np.array(hf_ptr, np.int64), np.array(hf_len, np.int64), np.array(streams, np.int32),
                   sync, quantum, np.zeros(hf_ptr[-1], np.int64), out)
    ref = nowait_ref(hop_ptr, parent, prop, proc, listener, nframes, hf_ptr, hf_len, streams, sync, quantum)
    assert out.tolist() == [ref[s] for s in streams]


@pytest.fixture(scope="module")
def network():
    return load_plant(TOPOLOGIES / "body-shop-cell" / "network.yaml").network


def _streams(network, n, period=50_000, payload=700, deadline=None):
    talkers = ["rc-1", "rc-2", "rc-3", "plc-1"]
    return compile_problem(network, StreamSet(tuple(
        Stream(f"s{i}", talkers[i % 4], ("plc-2",), period * (1 + i % 2), payload, deadline or period * (1 + i % 2),
               TrafficType.CYCLIC_SYNC) for i in range(n))))


def test_overloaded_end_station_link_is_infeasible_with_certificate(network):
    problem = _streams(network, 40)
    result = schedule(problem, method="heuristic")        # re-routing allowed: only the listener's link counts
    assert result.status is ScheduleStatus.INFEASIBLE
    certs = result.extra["proof"]["certificates"]
    link = [c for c in certs if c["subject"] == "sw-6->plc-2"]
    assert link and link[0]["need"] > link[0]["capacity"] and "x its capacity in every hyperperiod" in link[0]["message"]
    assert {c["kind"] for c in certs} == {"end-station-demand"}
    assert any(w.startswith("infeasible: port sw-6->plc-2 needs") for w in result.warnings)
    assert verify(result.extra.get("problem", problem), result, sync_error_ns=1000) == []


def test_latency_certificate_only_for_routes_that_cannot_change(network):
    problem = _streams(network, 1, deadline=2_000)
    fixed = schedule(problem, method="heuristic", options=ScheduleOptions(reroute=False))
    assert fixed.status is ScheduleStatus.INFEASIBLE
    assert [c["kind"] for c in fixed.extra["proof"]["certificates"]] == ["latency"]
    free = schedule(problem, method="heuristic")
    assert free.status is not ScheduleStatus.INFEASIBLE and free.extra["proof"]["certificates"] == []


@pytest.mark.parametrize("n", [4, 8, 12, 16, 24])
def test_lower_bound_never_exceeds_what_cpsat_leaves(network, n):
    problem = _streams(network, n, period=20_000)
    options = ScheduleOptions(reroute=False)
    heuristic = schedule(problem, method="heuristic", options=options)
    exact = schedule(problem, method="cpsat", options=options, time_limit_s=5)
    assert verify(problem, exact, sync_error_ns=1000) == []
    for r in (heuristic, exact):
        proof = r.extra["proof"]
        assert 0 <= proof["unplaceable_lower_bound"] <= proof["unplaced"] == len(r.unscheduled)
        assert (r.status is ScheduleStatus.INFEASIBLE) == bool(proof["certificates"])
    assert len(exact.unscheduled) <= len(heuristic.unscheduled)
    assert exact.extra["proof"]["unplaceable_lower_bound"] >= heuristic.extra["proof"]["unplaceable_lower_bound"]


def test_json_report_carries_the_proof(tmp_path, network, capsys):
    streams = "streams:\n" + "".join(
        f"  - {{id: s{i}, talker: rc-1, listeners: [plc-2], type: cyclic-synchronous, period: 20us, payload: 700B}}\n"
        for i in range(6))
    (tmp_path / "s.yaml").write_text(streams)
    net = str(TOPOLOGIES / "body-shop-cell" / "network.yaml")
    assert main(["schedule", net, str(tmp_path / "s.yaml"), "--json", "-o", str(tmp_path / "out.json")]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "infeasible" and doc["proof"]["certificates"][0]["subject"] == "rc-1->sw-2"
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["status"] == "infeasible" and written["warnings"][0].startswith("infeasible: port rc-1->sw-2")


def test_tree_network_routes_cannot_move_so_latency_is_certified():
    plant = load_plant(TOPOLOGIES.parent / "tests" / "data" / "tsnkit" / "tree")
    first = plant.streams.streams[0]
    tight = Stream("tight", first.talker, first.listeners, first.period_ns, 1000, 1_000, TrafficType.CYCLIC_SYNC)
    problem = compile_problem(plant.network, StreamSet((tight,)), timing="tsnkit")
    result = schedule(problem, method="heuristic")             # re-routing allowed, but a tree has one route
    assert result.status is ScheduleStatus.INFEASIBLE
    assert [c["kind"] for c in result.extra["proof"]["certificates"]] == ["latency"]
