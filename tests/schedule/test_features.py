"""Bridges without 802.1Qbv run no gate list: a scheduled stream crossing one is never 'feasible'.

sw-2 of the line lacks qbv: stream ``s`` (a -> b) crosses it, ``r`` (a -> c) stays on sw-1,
``u`` is unscheduled traffic through both.
"""
import json

import pytest

from emulate.plants import compile_docs, line, ring, stream
from tsnplan.budget import compute_budget
from tsnplan.model.features import frer_gaps, qbv_gaps
from tsnplan.plan.actions import to_yaml
from tsnplan.schedule import ScheduleStatus, schedule


def _net():
    net = line(rate="100M")
    net["nodes"]["sw-2"]["features"] = []
    return net


STREAMS = [stream("s", "a", ["b"], period="1ms"), stream("r", "a", ["c"], period="1ms"),
           stream("u", "c", ["d"], period="10ms", type="best-effort", deadline="10ms")]


@pytest.fixture(scope="module")
def problem():
    return compile_docs(_net(), STREAMS)


@pytest.mark.parametrize("method", ["auto", "heuristic", "ilp"])
def test_schedule_refuses_with_a_feature_certificate(problem, method):
    result = schedule(problem, method=method)
    assert result.status is ScheduleStatus.INFEASIBLE
    certs = result.extra["proof"]["certificates"]
    assert [(c["kind"], c["subject"]) for c in certs] == [("feature", "s")]
    assert "sw-2" in certs[0]["message"] and "802.1Qbv" in certs[0]["message"]
    assert list(result.unscheduled) == ["s"]
    s, r = problem.stream_ids.index("s"), problem.stream_ids.index("r")
    assert result.window_ptr[s + 1] == result.window_ptr[s] and result.window_ptr[r + 1] > result.window_ptr[r]
    q = problem.port_names.index("sw-2->b")
    lo, hi = int(result.gcl.ptr[q]), int(result.gcl.ptr[q + 1])
    assert hi - lo == 1 and int(result.gcl.gates[lo]) == (1 << int(problem.port_queues[q])) - 1   # always open


def test_budget_claims_no_bound_through_the_bridge(problem):
    budget = compute_budget(problem)
    meets = {problem.stream_ids[s]: bool(budget.listener_meets[s]) for s in range(problem.n_streams)}
    assert meets == {"s": False, "r": True, "u": True}
    assert budget.listener_latency_ns[problem.stream_ids.index("s")] < 0
    assert any("802.1Qbv" in w for w in budget.warnings)


def test_gaps_follow_the_features():
    assert qbv_gaps(compile_docs(line(rate="100M"), STREAMS)) == {}
    problem = compile_docs(_net(), STREAMS)
    assert qbv_gaps(problem) == {problem.stream_ids.index("s"): ("sw-2",)}
    net = ring()
    net["nodes"]["sw-1"]["features"] = ["qbv"]              # replicas split at sw-1, merge at sw-3
    frer = [stream("f", "a", ["b"], period="1ms", redundancy="frer")]
    assert frer_gaps(compile_docs(net, frer)) == {"f": ("sw-1",)}
    assert frer_gaps(compile_docs(ring(), frer)) == {}


def test_validate_warns_and_export_writes_no_gate_list(cli, tmp_path):
    net, streams = tmp_path / "net.yaml", tmp_path / "streams.yaml"
    net.write_text(to_yaml({"network": "no-qbv", **_net()}, "sw-2 without qbv"))
    streams.write_text(to_yaml({"streams": STREAMS}, "streams"))
    status, out, _ = cli("validate", net, streams, "--json")
    doc = json.loads(out)
    assert status == 0 and doc["valid"] and [w["entry"] for w in doc["warnings"]] == ["stream 's'"]
    assert "sw-2" in doc["warnings"][0]["message"]
    status, out, _ = cli("schedule", net, streams, "-o", tmp_path / "s.json")
    assert status == 1
    status, _, err = cli("export", tmp_path / "s.json", "--to", "taprio", "--out", tmp_path / "tc", "--network", net)
    assert status == 0, err
    assert "taprio" in (tmp_path / "tc" / "sw-1.sh").read_text()
    assert "taprio" not in (tmp_path / "tc" / "sw-2.sh").read_text()


def test_shipped_brownfield_line_is_honest(cli):
    """Its line switches lack qbv: validate says which streams suffer, the demo runs on the plan."""
    from tsnplan.topologies import plant_files

    status, out, _ = cli("validate", *plant_files("brownfield-line"), "--json")
    warnings = json.loads(out)["warnings"]
    assert status == 0 and len(warnings) == 20 and all("802.1Qbv" in w["message"] for w in warnings)
    assert all(w["entry"].startswith("stream '") for w in warnings)
