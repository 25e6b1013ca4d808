"""Every shipped plant scheduled once per session, its schedule.json written, for the export tests."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from schedulable import schedulable_files
from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import write_schedule
from tsnplan.schedule import schedule

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
#: where the plants' networks as the scheduled pipeline runs them are written (tests/schedulable.py)
NETWORKS = Path(tempfile.mkdtemp(prefix="tsnplan-export-"))
PLANTS = ("body-shop-cell", "agv-hall", "brownfield-line", "process-plant")


@pytest.fixture(scope="session")
def scheduled(tmp_path_factory):
    """plant name -> (plant, problem, schedule path, schedule document)."""
    out = {}
    base = tmp_path_factory.mktemp("schedules")
    for name in PLANTS:
        plant = load_plant(*schedulable_files(name, NETWORKS))
        problem = plant.compile()
        result = schedule(problem, method="heuristic")
        path = base / f"{name}.json"
        write_schedule(path, problem, result)
        out[name] = (plant, problem, path, json.loads(path.read_text()))
    return out


def net_of(name: str) -> Path:
    return schedulable_files(name, NETWORKS)[0]
