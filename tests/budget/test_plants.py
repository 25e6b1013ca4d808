"""Budgets of the example plants in topologies/, through the library and the CLI."""
import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tsnplan.budget import Basis, compute_budget
from tsnplan.cli import main
from tsnplan.io.plant import Plant, load_plant
from tsnplan.model.compile import NO_HOP
from tsnplan.model.network import Network

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
PLANTS = sorted(p.name for p in TOPOLOGIES.iterdir() if (p / "network.yaml").exists())


def _run(argv):
    out = io.StringIO()
    sys_stdout, sys.stdout = sys.stdout, out
    try:
        status = main(argv, env={"NO_COLOR": "1"})
    finally:
        sys.stdout = sys_stdout
    return status, out.getvalue()


def _files(plant):
    return [str(TOPOLOGIES / plant / "network.yaml"), str(TOPOLOGIES / plant / "streams.yaml")]


@pytest.mark.parametrize("plant", PLANTS)
def test_every_plant_gets_a_budget_report(plant):
    status, text = _run(["budget", *_files(plant), "--json"])
    doc = json.loads(text)
    assert doc["format"] == "tsnplan-budget/1"
    assert status == (0 if doc["all_met"] else 1)
    problem = load_plant(*_files(plant)).compile()
    assert set(doc["streams"]) == set(problem.stream_ids)
    for stream in doc["streams"].values():
        for entry in stream["listeners"].values():
            assert {"latency_ns", "percentile", "jitter_ns", "meets", "hops"} <= set(entry)
            hop_keys = {"port", "medium", "transmission_ns", "propagation_ns", "processing_ns", "queuing_ns",
                        "access_ns", "radio_ns"}
            assert all(hop_keys <= set(h) for h in entry["hops"])
            if entry["latency_ns"] is not None and entry["composition"] in ("deterministic", "union"):
                hops_sum = sum(sum(h[k] for k in hop_keys if k.endswith("_ns")) for h in entry["hops"])
                assert hops_sum + entry["sync_ns"] == entry["latency_ns"]
                assert entry["sync_ns"] == (problem.network.sync_error_ns if stream["basis"] != "calculus" else 0)
    status, text = _run(["budget", *_files(plant)])
    assert "Latency budget" in text and "Traceback" not in text


def test_frer_reports_the_single_failure_bound():
    problem = load_plant(*_files("body-shop-cell")).compile()
    result = compute_budget(problem)
    s = problem.stream_index["cell-io-1"]
    l = int(problem.listener_ptr[s])
    assert problem.listener_hop_alt[l] != NO_HOP
    routes = result.listener_route_ns[l]
    assert result.listener_latency_ns[l] == routes.min()           # first copy wins
    assert result.listener_failure_ns[l] == routes.max() > routes.min()


def test_budget_of_a_real_schedule_uses_its_windows(tmp_path):
    from tsnplan.io.schedule_json import write_schedule
    from tsnplan.schedule import schedule

    problem = load_plant(*_files("body-shop-cell")).compile()
    sched = schedule(problem)
    result = compute_budget(problem, sched)
    placed = [s for s, b in enumerate(result.stream_basis) if b is Basis.SCHEDULE]
    assert placed
    for s in placed:
        for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])):
            if problem.listener_hop_alt[l] == NO_HOP:
                assert result.listener_latency_ns[l] == sched.listener_latency_ns[l] + result.sync_error_ns
            assert result.listener_jitter_ns[l] >= result.sync_error_ns
    path = tmp_path / "schedule.json"
    write_schedule(path, problem, sched)
    status, text = _run(["budget", *_files("body-shop-cell"), "--schedule", str(path), "--json"])
    doc = json.loads(text)
    assert doc["streams"][problem.stream_ids[placed[0]]]["basis"] == "schedule"


def _hold_and_forward(plant: Plant, on: bool) -> Plant:
    """The plant with hold-and-forward switched on or off in every 5G bridge."""
    nodes = [dataclasses.replace(n, hold_and_forward=on) if n.kind.value == "5g-bridge" else n
             for n in plant.network.nodes]
    network = Network(plant.network.name, nodes, plant.network.links, plant.network.source,
                      plant.network.user_profiles)
    return Plant(network, plant.streams, plant.timing)


@pytest.mark.skipif("agv-hall" not in PLANTS, reason="agv-hall plant not written yet")
def test_agv_hall_fiveg_dominates_and_hold_and_forward_trades_jitter():
    plant = load_plant(*_files("agv-hall"))
    free = compute_budget(_hold_and_forward(plant, False).compile())
    held = compute_budget(_hold_and_forward(plant, True).compile())
    fiveg = np.flatnonzero(free.listener_stochastic)
    assert len(fiveg)
    for budget in (free, held):
        for l in fiveg:
            hops = budget.hops(int(l))
            totals = {k: sum(getattr(h, k) for h in hops) for k in
                      ("processing_ns", "radio_ns", "access_ns", "queuing_ns", "transmission_ns", "propagation_ns")}
            assert max(totals, key=totals.get) == "radio_ns"
    # the same percentile bound, but re-timed: less jitter, a longer typical latency
    assert (held.listener_latency_ns[fiveg] <= free.listener_latency_ns[fiveg]).all()
    assert (held.listener_jitter_ns[fiveg] < free.listener_jitter_ns[fiveg]).all()
    assert (held.listener_typical_ns[fiveg] > free.listener_typical_ns[fiveg]).all()


def test_cli_stream_breakdown_and_missed_deadline(tmp_path):
    net = tmp_path / "n.yaml"
    net.write_text("network: tight\nnodes:\n  a: {kind: end-station}\n  b: {kind: end-station}\n"
                   "links:\n  - {ends: [a, b], medium: 10base-t1l, length: 1000m}\n")
    streams = tmp_path / "s.yaml"
    streams.write_text("streams:\n  - {id: slow, talker: a, listeners: [b], type: isochronous, period: 1ms, "
                       "payload: 1000B, deadline: 100us}\n")
    status, text = _run(["budget", str(net), str(streams), "--stream", "slow"])
    assert status == 1
    assert "FAIL" in text and "slow -> b" in text
    status, text = _run(["budget", str(net), str(streams), "--json"])
    assert status == 1 and json.loads(text)["streams"]["slow"]["listeners"]["b"]["meets"] is False


@pytest.mark.parametrize("argv", [["--percentile", "101"], ["--percentile", "abc"], ["--stream", "nope"]])
def test_cli_bad_options_exit_2(argv):
    assert _run(["budget", *_files("body-shop-cell"), *argv])[0] == 2


def test_console_script_smoke(tmp_path):
    # run outside the checkout, so the installed package (with its compiled kernels) is the one used
    proc = subprocess.run([sys.executable, "-m", "tsnplan", "budget", *_files("body-shop-cell"), "--json"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["format"] == "tsnplan-budget/1"
