"""Shared bench fixtures: seeded synthetic plants written once per session (benches/generate.py).

Plants larger than 200 bridges run only with ``--bench-large`` (or in benches/scaling.py), so
``pytest benches --benchmark-disable`` stays quick as a check that the benches still execute.
Bench modules are named ``bench_*.py``; ``pytest_collect_file`` below collects them when pytest is
given the folder (the project's ``python_files`` only matches ``test_*.py``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from generate import write_plant  # noqa: E402

LARGE_BRIDGES = 200


def pytest_collect_file(file_path: Path, parent):
    """Collect ``bench_*.py`` in a folder run; a file named on the command line is collected by pytest itself."""
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_addoption(parser):
    parser.addoption("--bench-large", action="store_true", help="also run the plants of 500+ bridges")


@pytest.fixture(scope="session")
def synthetic_plant(tmp_path_factory, request):
    """``synthetic_plant(bridges, streams, topology)`` -> (network.yaml, streams.yaml), cached per session."""
    made: dict[tuple, tuple[Path, Path]] = {}

    def make(n_bridges: int, n_streams: int, topology: str = "ring-of-rings", seed: int = 1):
        if n_bridges > LARGE_BRIDGES and not request.config.getoption("--bench-large"):
            pytest.skip(f"{n_bridges} bridges: run with --bench-large")
        key = (n_bridges, n_streams, topology, seed)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"plant-{n_bridges}-{n_streams}-{topology}")
            made[key] = write_plant(folder, n_bridges, n_streams, topology=topology, seed=seed)
        return made[key]

    return make
