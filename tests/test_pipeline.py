import json

from tsnplan.cli import main
from tsnplan.io.plant import load_plant
from tsnplan.pipeline import pick_failure, run_pipeline
from tsnplan.schedule import ScheduleStatus
from tsnplan.topologies import DEFAULT_PLANT, plant_files


def _default_plant():
    return load_plant(*plant_files(DEFAULT_PLANT))


def test_pipeline_on_default_plant_keeps_frer_streams_whole(tmp_path):
    result = run_pipeline(_default_plant(), duration_ns=50_000_000, out_dir=tmp_path)
    assert result.schedule.status is ScheduleStatus.FEASIBLE
    assert result.failure is not None and result.failure.kind == "link"
    assert result.frer_streams and result.frer_losses == {}
    frer_stats = [s for s in result.emulation.listeners if s.stream in result.frer_streams]
    assert all(s.received == s.sent and s.duplicates_eliminated > 0 for s in frer_stats)
    assert (tmp_path / "schedule.json").is_file() and (tmp_path / "emulation.pcapng").stat().st_size > 0


def test_failure_is_the_link_most_frer_hops_cross():
    problem = _default_plant().compile()
    failure = pick_failure(problem, 10)
    a, b = failure.target.split("--")
    assert problem.network.node(a).is_bridge and problem.network.node(b).is_bridge
    assert failure.at_ns == 10


def test_demo_json_is_deterministic(capsys):
    assert main(["demo", "--json", "--duration", "20ms"], env={}) == 0
    first = capsys.readouterr().out
    assert main(["demo", "--json", "--duration", "20ms"], env={}) == 0
    second = capsys.readouterr().out
    assert first == second
    doc = json.loads(first)
    assert doc["format"] == "tsnplan-demo/1" and doc["ok"] and doc["frer_frames_lost"] == {}


def test_demo_report_names_every_step(capsys):
    assert main(["demo", "--duration", "20ms"], env={"NO_COLOR": "1"}) == 0
    out = capsys.readouterr().out
    for step in ("1. valid", "2. schedule", "3. latency and jitter budget", "4. emulation with a failure",
                 "the plan holds"):
        assert step in out
