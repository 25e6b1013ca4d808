"""Every shipped plant scheduled once per session, its schedule.json written, for the export tests."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import write_schedule
from tsnplan.schedule import schedule

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
PLANTS = ("body-shop-cell", "agv-hall", "brownfield-line", "process-plant")


@pytest.fixture(scope="session")
def scheduled(tmp_path_factory):
    """plant name -> (plant, problem, schedule path, schedule document)."""
    out = {}
    base = tmp_path_factory.mktemp("schedules")
    for name in PLANTS:
        plant = load_plant(TOPOLOGIES / name / "network.yaml", TOPOLOGIES / name / "streams.yaml")
        problem = plant.compile()
        result = schedule(problem, method="heuristic")
        path = base / f"{name}.json"
        write_schedule(path, problem, result)
        out[name] = (plant, problem, path, json.loads(path.read_text()))
    return out


def net_of(name: str) -> Path:
    return TOPOLOGIES / name / "network.yaml"
