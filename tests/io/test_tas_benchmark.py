"""Tübingen TAS benchmark instances: loader problems, fixed paths, infeasible instances never feasible."""
import json
from pathlib import Path

import pytest

from tsnplan.emulate import Scenario, run_emulation
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant
from tsnplan.schedule import ScheduleStatus, schedule
from tsnplan.schedule.verify import verify

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [ROOT.parent / "shared" / "datasets" / "tas_benchmark", ROOT.parent.parent / "shared" / "datasets" / "tas_benchmark",
              Path("/work/shared/datasets/tas_benchmark")]
TAS = next((p for p in CANDIDATES if (p / "INDEX.csv").is_file()), None)
needs_tas = pytest.mark.skipif(TAS is None, reason="shared/datasets/tas_benchmark is not beside the repository")

TINY = {
    "name": "tiny",
    "nodes": [{"name": "ES0", "isBridge": False, "processingDelay": 0},
              {"name": "B0", "isBridge": True, "processingDelay": 1000},
              {"name": "ES1", "isBridge": False, "processingDelay": 0}],
    "links/ports": [{"name": f"L{a}{b}", "source": a, "destination": b, "propagationDelay": 100,
                     "transmissionRate": 0.125, "egressQueues": 8, "gclEntries": 16}
                    for a, b in [("ES0", "B0"), ("B0", "ES0"), ("B0", "ES1"), ("ES1", "B0")]],
    "streams": [{"name": f"S{i}", "type": "TT", "period": 100_000, "framesPerPeriod": 1, "maxFrameSize": 1542,
                 "maxLatency": 100_000, "deadline": 100_000, "talker": "ES0", "listeners": ["ES1"],
                 "path": ["LES0B0", "LB0ES1"], "priority": 5, "earliestOffset": 0, "latestOffset": 100_000}
                for i in range(3)],
}


def _write(tmp_path, doc, name="inst.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_tiny_instance_loads_with_fixed_paths_and_schedules(tmp_path):
    plant = load_plant(_write(tmp_path, TINY))
    problem = plant.compile()
    assert problem.timing == "tas" and problem.routes.fixed
    assert problem.routes.paths["S0"] == (("ES0", "B0", "ES1"),)
    assert int(problem.port_gcl_max[problem.port_index["B0->ES1"]]) == 16
    result = schedule(problem)
    assert result.status is ScheduleStatus.FEASIBLE and verify(problem, result) == []


def test_overloaded_tiny_instance_is_proven_infeasible(tmp_path):
    doc = json.loads(json.dumps(TINY))
    doc["streams"] = [dict(doc["streams"][0], name=f"S{i}", period=40_000, maxLatency=40_000, deadline=40_000,
                           latestOffset=40_000) for i in range(4)]
    result = schedule(load_plant(_write(tmp_path, doc)).compile())
    assert result.status is ScheduleStatus.INFEASIBLE
    assert result.extra["proof"]["certificates"][0]["kind"] == "medium-demand"


@pytest.mark.parametrize("change, message", [
    (lambda d: d["streams"][0].update(path=["LB0ES1"]), "does not continue the path"),
    (lambda d: d["streams"][0].update(deadline=500_000), "after the period's end"),
    (lambda d: d["streams"][0].update(latestOffset=10), "offset window"),
    (lambda d: d["links/ports"][0].update(transmissionRate="fast"), "transmissionRate"),
    (lambda d: d["links/ports"].pop(1), "no reverse link"),
    (lambda d: d["nodes"][1].update(isBridge="yes"), "isBridge"),
    (lambda d: d["streams"][1].update(maxFrameSize=10), "maxFrameSize"),
])
def test_bad_instances_are_input_errors(tmp_path, change, message):
    doc = json.loads(json.dumps(TINY))
    change(doc)
    with pytest.raises(InputError) as err:
        load_plant(_write(tmp_path, doc))
    assert any(message in p.message for p in err.value.problems)


def test_json_that_is_no_instance(tmp_path):
    (tmp_path / "x.json").write_text("[1, 2]")
    with pytest.raises(InputError):
        load_plant(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{not json")
    with pytest.raises(InputError):
        load_plant(tmp_path / "y.json")


@needs_tas
@pytest.mark.parametrize("name", ["infeasible/easy/instance980.json", "infeasible/easy/instance981.json"])
def test_infeasible_benchmark_instances_are_never_feasible(name):
    problem = load_plant(TAS / name).compile()
    result = schedule(problem, time_limit_s=5)
    assert result.status is ScheduleStatus.INFEASIBLE
    assert result.extra["proof"]["certificates"]


@needs_tas
@pytest.mark.parametrize("name", ["infeasible/hard/instance1020.json", "infeasible/hard/instance1061.json"])
def test_hard_instances_arrival_times_are_proven_too_tight(name):
    problem = load_plant(TAS / name).compile()
    result = schedule(problem, method="heuristic")
    assert result.status is ScheduleStatus.INFEASIBLE
    kinds = {c["kind"] for c in result.extra["proof"]["certificates"]}
    assert "arrival-window" in kinds
    assert verify(problem, result) == []          # the streams it did place arrive in time


def test_arrival_time_is_kept_by_every_method(tmp_path):
    doc = json.loads(json.dumps(TINY))
    doc["streams"] = [dict(doc["streams"][0], name=f"S{i}", deadline=40_000) for i in range(4)]
    problem = load_plant(_write(tmp_path, doc)).compile()
    assert problem.stream_arrival_ns.tolist() == [40_000] * 4
    for method in ("heuristic", "cpsat", "ilp"):
        result = schedule(problem, method=method, time_limit_s=5)
        assert verify(problem, result) == []
        ends = result.window_end_ns[problem.hop_port[result.window_hop] == problem.port_index["B0->ES1"]]
        assert (ends % 100_000 + 100 <= 40_000).all()
        # the last link is free from 13.4 us (no-wait from a root at 0) until 39.9 us: two 12.3 us frames
        assert len(result.unscheduled) == 2 and result.status is ScheduleStatus.INFEASIBLE
        assert result.extra["proof"]["unplaceable_lower_bound"] == 2


@needs_tas
def test_small_benchmark_instance_schedules_verifies_and_emulates():
    problem = load_plant(TAS / "period/Instance701.json").compile()
    result = schedule(problem)
    assert result.status is ScheduleStatus.FEASIBLE and verify(problem, result) == []
    emulated = run_emulation(problem, result, Scenario(2 * result.hyperperiod_ns), seed=1)
    assert emulated.ok


def test_gate_list_too_short_for_the_classes_is_a_certificate(tmp_path):
    doc = json.loads(json.dumps(TINY))
    for link in doc["links/ports"]:
        link["gclEntries"] = 2
    doc["streams"][1]["priority"] = 6                      # two scheduled classes + the gap: 3 entries
    result = schedule(load_plant(_write(tmp_path, doc)).compile())
    assert result.status is ScheduleStatus.INFEASIBLE
    cert = result.extra["proof"]["certificates"][0]
    assert cert["kind"] == "gcl-entries" and cert["subject"] == "B0->ES1" and cert["need"] == 3
