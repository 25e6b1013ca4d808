"""802.1Qci stream gates keep one late 5G frame from delaying its stream for ever (issue 9, item 3)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tsnplan.budget import compute_budget
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.emulate.verdict import allowed_misses, judge
from tsnplan.io.plant import load_plant
from tsnplan.schedule import schedule
from tsnplan.topologies import plant_files


@pytest.fixture(scope="module")
def agv_hall():
    return load_plant(*plant_files("agv-hall"))


def _run(plant, percentile: float, seconds: float, gates: bool = True):
    problem = plant.compile(percentile)
    plan = schedule(problem)
    problem = plan.extra.get("problem", problem)
    if not gates:
        plan = replace(plan, stream_gates=None)
    budget = compute_budget(problem, plan)
    emulation = run_emulation(problem, plan, Scenario(duration_ns=int(seconds * 1e9), vary=True), seed=1)
    return problem, plan, budget, emulation


def test_every_scheduled_radio_stream_gets_a_stream_gate(agv_hall):
    problem = agv_hall.compile()
    plan = schedule(problem)
    radio = {problem.stream_ids[s] for s in range(problem.n_streams) if problem.stream_scheduled[s]
             and (problem.hop_profile[int(problem.hop_ptr[s]):int(problem.hop_ptr[s + 1])] >= 0).any()}
    gated = {problem.stream_ids[s] for s in plan.stream_gates.stream.tolist()}
    assert len(radio) == 28 and gated == radio
    assert (plan.stream_gates.close_ns >= plan.stream_gates.open_ns).all()


def test_agv_hall_60s_5g_misses_within_ten_times_the_stated_probability(agv_hall):
    """60 s emulated (short version of benches/fiveg_tail.py's hour): per 5G listener, lost plus
    late frames stay within a Poisson bound of 10 x its per-frame miss probability."""
    problem, plan, budget, emulation = _run(agv_hall, 99.999, 60)
    verdict = judge(problem, budget, emulation)
    tail = [v for v in verdict.listeners if v.explained_by == "5g-tail"]
    assert len(tail) == 29                       # 28 scheduled radio streams and the camera
    assert verdict.ok, verdict.problems()
    assert sum(v.sent for v in tail) > 50_000


def test_without_stream_gates_late_frames_cascade(agv_hall):
    """The same plan without its gates, at a 99.9 % planning quantile so that late frames come in
    10 s: a late frame takes the next window and the verdict fails; with the gates it holds and
    some frames are policed."""
    problem, _, budget, bare = _run(agv_hall, 99.9, 10, gates=False)
    assert not judge(problem, budget, bare).ok
    problem, _, budget, gated = _run(agv_hall, 99.9, 10)
    assert judge(problem, budget, gated).ok
    assert sum(n for reasons in gated.policed.values() for n in reasons.values()) > 0


@pytest.mark.parametrize("sent,probability", [(0, 1e-5), (1200, 1e-5), (100_000, 1e-5), (500, 1e-3)])
def test_allowed_misses_is_the_poisson_quantile(sent, probability):
    """The first count whose upper tail (10 x the stated mean) falls below 1e-6, as scipy has it."""
    stats = pytest.importorskip("scipy.stats")
    k = allowed_misses(sent, probability)
    mean = 10 * probability * sent
    assert stats.poisson.sf(k, mean) < 1e-6
    assert k == 0 or stats.poisson.sf(k - 1, mean) >= 1e-6


def test_stream_gates_round_trip_through_schedule_json(agv_hall, tmp_path):
    """``stream_gates`` is written (first period only, like windows) and read back identically; a
    file without the key (older tsnplan) reads as a plan without gates."""
    import json

    import numpy as np

    from tsnplan.io.schedule_json import read_schedule, write_schedule

    problem = agv_hall.compile()
    plan = schedule(problem)
    path = tmp_path / "s.json"
    write_schedule(path, problem, plan)
    back = read_schedule(path, problem)
    order = lambda g: np.lexsort((g.frame, g.instance, g.hop, g.stream))  # noqa: E731
    for field in ("stream", "hop", "frame", "instance", "open_ns", "close_ns", "max_octets"):
        a, b = getattr(plan.stream_gates, field), getattr(back.stream_gates, field)
        assert a[order(plan.stream_gates)].tolist() == b[order(back.stream_gates)].tolist()
    doc = json.loads(path.read_text())
    entry = doc["streams"]["agv-status-1"]["stream_gates"]
    assert entry == [{"port": "5gs->sw-core", "frame": 0, "open_ns": entry[0]["open_ns"],
                      "close_ns": entry[0]["close_ns"], "max_octets": 222}]
    for stream in doc["streams"].values():
        stream.pop("stream_gates", None)
    path.write_text(json.dumps(doc))
    assert read_schedule(path, problem).stream_gates is None


def test_varied_emulation_is_deterministic(agv_hall):
    from tsnplan.report.emulate import emulation_to_json

    problem = agv_hall.compile()
    plan = schedule(problem)
    runs = [emulation_to_json(run_emulation(problem, plan, Scenario(duration_ns=50_000_000, vary=True), 9))
            for _ in range(2)]
    assert runs[0] == runs[1]
