"""An emulator that can disagree: variation within declared tolerances, phase sweeps, and
``schedule --verify-by-emulation`` (issue 9, "An emulator that can disagree")."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tsnplan.emulate import Scenario, run_emulation
from tsnplan.emulate.phases import sweep_phase_sets, sweep_phases
from tsnplan.io.plant import load_plant
from tsnplan.model.tolerance import tolerance_spread_ns
from tsnplan.schedule import ScheduleOptions, schedule
from tsnplan.topologies import plant_files, plant_names


def _planned(name, **options):
    problem = load_plant(*plant_files(name)).compile()
    plan = schedule(problem, options=ScheduleOptions(**options))
    return plan.extra.get("problem", problem), plan


def _counts(result):
    return sum(s.lost for s in result.listeners), sum(s.deadline_misses for s in result.listeners)


@pytest.mark.parametrize("name", plant_names())
def test_variation_adds_no_loss_or_late_frame_to_a_shipped_plan(name):
    """Clocks, cables, forwarding drawn within the declared tolerances: the scheduler's sync error
    and isolation absorb them, so every seed loses and delays exactly what the nominal run does."""
    problem, plan = _planned(name)
    for seed in (1, 2):
        nominal = run_emulation(problem, plan, Scenario(duration_ns=60_000_000), seed)
        varied = run_emulation(problem, plan, Scenario(duration_ns=60_000_000, vary=True), seed)
        assert _counts(varied) == _counts(nominal)
        assert varied.policed == nominal.policed


def test_variation_changes_latencies_within_the_declared_bounds():
    problem, plan = _planned("body-shop-cell")
    nominal = run_emulation(problem, plan, Scenario(duration_ns=40_000_000), 5)
    varied = run_emulation(problem, plan, Scenario(duration_ns=40_000_000, vary=True), 5)
    spread = tolerance_spread_ns(problem)
    changed = 0
    for a, b in zip(nominal.listeners, varied.listeners):
        s = problem.stream_index[a.stream]
        if not problem.stream_scheduled[s]:
            continue
        hops = slice(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1]))
        bound = problem.network.sync_error_ns + int(spread[hops].sum()) + int(problem.hop_prop_ns[hops].max())
        assert abs(b.max_ns - a.max_ns) <= bound and abs(b.min_ns - a.min_ns) <= bound
        changed += a.max_ns != b.max_ns
    assert changed > 10


def test_a_plan_without_clock_error_guard_is_caught():
    """Scheduled with --sync-error 0 the windows leave no room for the clocks' offsets: the
    varied emulation finds late frames; the plan with the plant's declared 1 us finds none."""
    problem, plan = _planned("body-shop-cell", sync_error_ns=0)
    assert _counts(run_emulation(problem, plan, Scenario(duration_ns=40_000_000), 1)) == (0, 0)
    assert _counts(run_emulation(problem, plan, Scenario(duration_ns=40_000_000, vary=True), 1))[1] > 0


def _jitter_plant(tmp_path, jitter: str):
    net = tmp_path / f"net-{jitter}.yaml"
    net.write_text(f"""
network: jitter
sync_error: 500ns
nodes:
  sw: {{kind: bridge, processing: 4us, processing_min: 2us}}
  plc: {{kind: end-station, release_jitter: {jitter}}}
  io: {{kind: end-station}}
  io2: {{kind: end-station}}
links:
  - {{ends: [plc, sw], rate: 1G, length: 10m}}
  - {{ends: [io, sw], rate: 1G, length: 10m}}
  - {{ends: [io2, sw], rate: 1G, length: 10m}}
""")
    streams = tmp_path / "streams.yaml"
    streams.write_text("streams:\n"
                       "  - {id: a, talker: plc, listeners: [io], period: 100us, payload: 64B, deadline: 100us}\n"
                       "  - {id: b, talker: io2, listeners: [io], period: 100us, payload: 64B, deadline: 100us}\n")
    return load_plant(str(net), str(streams))


def test_release_jitter_and_processing_min_are_declared_and_planned_for(tmp_path):
    jittery = _jitter_plant(tmp_path, "20us")
    problem = jittery.compile()
    assert problem.network.sync_error_ns == 500
    plan = schedule(problem)
    first = [w for w in range(len(plan.window_hop)) if problem.hop_parent[plan.window_hop[w]] < 0
             and problem.stream_ids[np.searchsorted(plan.window_ptr, w, side="right") - 1] == "a"][0]
    assert plan.window_end_ns[first] - plan.window_start_ns[first] >= 20_000
    varied = run_emulation(problem, plan, Scenario(duration_ns=20_000_000, vary=True), 3)
    assert _counts(varied) == (0, 0)
    a = varied.stream("a")[0]
    assert a.jitter_ns > 1_000                       # releases spread over the 20 us
    # a plan made without the talker's jitter does not hold once the talker jitters
    steady = _jitter_plant(tmp_path, "0ns").compile()
    plan0 = schedule(steady)
    from dataclasses import replace as _r  # same windows, emulated on the jittery plant
    late = run_emulation(problem, _r(plan0), Scenario(duration_ns=20_000_000, vary=True), 3)
    assert _counts(late) != (0, 0)


def test_phase_sweep_is_systematic_and_deterministic():
    problem, plan = _planned("body-shop-cell")
    sets = sweep_phase_sets(problem, 3)
    assert len(sets) == 6 and len({tuple(sorted(s.items())) for s in sets}) == 6
    scenario = Scenario(duration_ns=10_000_000, vary=True)
    one = sweep_phases(problem, plan, scenario, 3, seed=4)
    two = sweep_phases(problem, plan, scenario, 3, seed=4)
    assert one.worst == two.worst and one.ok
    single = run_emulation(problem, plan, scenario, 4)
    for s in single.listeners:
        if s.max_ns is not None:
            assert one.worst[(s.stream, s.listener)][0] >= min(s.max_ns, one.worst[(s.stream, s.listener)][0])


def test_phase_sweep_cli_json(cli, tmp_path):
    net, streams = plant_files("body-shop-cell")
    out = tmp_path / "s.json"
    assert cli("schedule", net, streams, "-o", out)[0] == 0
    status, text, _ = cli("emulate", net, streams, "--schedule", out, "--duration", "5ms", "--phase-sweep", "2",
                          "--vary", "--json")
    doc = json.loads(text)
    assert status == 0 and doc["format"] == "tsnplan-phase-sweep/1" and doc["runs"] == 4 and doc["ok"]
    assert cli("emulate", net, streams, "--phase-sweep", "0")[0] == 2


def test_verify_by_emulation_exit_codes(cli):
    net, streams = plant_files("body-shop-cell")
    status, text, _ = cli("schedule", net, streams, "--verify-by-emulation", "50ms", "--json")
    assert status == 0 and json.loads(text)["verification"]["ok"]
    status, text, _ = cli("schedule", net, streams, "--sync-error", "0", "--verify-by-emulation", "50ms", "--json")
    doc = json.loads(text)
    assert status == 1 and doc["status"] == "feasible" and not doc["verification"]["ok"]
    assert doc["verification"]["unexplained_late"] > 0
    status, _, _ = cli("schedule", net, streams, "--verify-by-emulation", "0s")
    assert status == 2
