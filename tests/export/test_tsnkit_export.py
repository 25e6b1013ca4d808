"""tsnkit export: an instance tsnkit (and tsnplan) can read back, numbered nodes, refusals with reasons."""
from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from export.test_export_safety import _rename
from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import write_schedule
from tsnplan.schedule import schedule

RING = Path(__file__).resolve().parents[1] / "data" / "tsnkit" / "ring"


def _ring_schedule(tmp_path):
    plant = load_plant(RING)
    problem = plant.compile()
    path = tmp_path / "ring.json"
    write_schedule(path, problem, schedule(problem, method="heuristic"))
    return plant, path


def test_export_is_an_instance_again(cli, tmp_path):
    plant, path = _ring_schedule(tmp_path)
    status, _, err = cli("export", path, "--to", "tsnkit", tmp_path / "k")
    assert status == 0, err
    names = {p.name for p in (tmp_path / "k").iterdir()}
    assert {"GCL.csv", "OFFSET.csv", "ROUTE.csv", "QUEUE.csv", "DELAY.csv", "task.csv", "topo.csv"} <= names
    assert "nodes.csv" not in names                  # tsnkit's numbers are kept
    again = load_plant(tmp_path / "k")
    doc = json.loads(path.read_text())
    assert len(again.streams.streams) == len(doc["streams"])
    assert {s.id for s in again.streams.streams} == set(doc["streams"])
    for s in again.streams.streams:
        assert s.period_ns == doc["streams"][s.id]["period_ns"]


def test_named_nodes_are_numbered_with_the_map_beside(cli, tmp_path):
    _, path = _ring_schedule(tmp_path)
    doc = json.loads(path.read_text())
    nodes = {n for k in doc["ports"] for n in k.split("->")}
    named = _rename(doc, {n: f"node-{n}" for n in nodes})
    (tmp_path / "named.json").write_text(json.dumps(named))
    status, _, err = cli("export", tmp_path / "named.json", "--to", "tsnkit", tmp_path / "k")
    assert status == 0, err
    mapping = {row["name"]: int(row["id"]) for row in csv.DictReader((tmp_path / "k" / "nodes.csv").open())}
    assert set(mapping) == {f"node-{n}" for n in nodes}
    for row in csv.DictReader((tmp_path / "k" / "GCL.csv").open()):
        a, b = (int(x) for x in row["link"].strip("()").split(","))      # what tsnkit's eval sees: integers
        assert {a, b} <= set(mapping.values())


def test_rates_other_than_1g_are_refused(cli, tmp_path):
    _, path = _ring_schedule(tmp_path)
    doc = json.loads(path.read_text())
    key = next(iter(doc["ports"]))
    doc["ports"][key]["rate_bps"] = 10**8
    (tmp_path / "slow.json").write_text(json.dumps(doc))
    status, _, err = cli("export", tmp_path / "slow.json", "--to", "tsnkit", tmp_path / "k")
    assert status == 2 and "1 Gb/s" in err and not (tmp_path / "k").exists()


SIMULATE = """
import sys, pandas as pd
from tsnkit.simulation.tas import simulation
task, conf = sys.argv[1:]
log = simulation(task, conf, it=2, draw_results=False, disable_pbar=True)
deadline = pd.read_csv(task)["deadline"]
bad = [i for i, (sent, received) in enumerate(log)
       if not received or len(received) < len(sent) // 2 or max(r - s for s, r in zip(sent, received)) > deadline[i]]
print("OK" if not bad else f"flows {bad} lost or late")
"""


def _tsnkit_python():
    import os
    import shutil

    python = os.environ.get("TSNKIT_PYTHON", "/tmp/tsnkit-venv/bin/python")
    if not shutil.which(python):
        pytest.skip("tsnkit (GPL) runs only from a scratch venv: set TSNKIT_PYTHON or run "
                    "benches/compare_tsnkit.py once")
    probe = subprocess.run([python, "-c", "import tsnkit.simulation.tas"], capture_output=True)
    if probe.returncode:
        pytest.skip(f"{python} cannot import tsnkit")
    return python


@pytest.mark.parametrize("named", [True])
def test_tsnkit_simulator_replays_the_export(cli, tmp_path, named):
    """tsnkit's own simulator reads the export (named nodes too: its reader evaluates the cells) and
    every flow arrives within its deadline."""
    python = _tsnkit_python()
    _, path = _ring_schedule(tmp_path)
    if named:
        doc = json.loads(path.read_text())
        nodes = {n for k in doc["ports"] for n in k.split("->")}
        path = tmp_path / "named.json"
        path.write_text(json.dumps(_rename(doc, {n: f"node-{n}" for n in nodes})))
    out = tmp_path / "k"
    assert cli("export", path, "--to", "tsnkit", out)[0] == 0
    run = subprocess.run([python, "-c", SIMULATE, str(out / "task.csv"), str(out) + "/"], capture_output=True,
                         text=True, timeout=300)
    assert run.stdout.strip().splitlines()[-1] == "OK", run.stdout + run.stderr
