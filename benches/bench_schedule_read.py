"""Reading schedule.json: parse, the plant-free document checks, rebuilding the result, and
``verify`` against the plant (every reader does all four since issue 14).

Run: ``pytest benches/bench_schedule_read.py --benchmark-only``.
"""
from __future__ import annotations

import pytest

from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import load_schedule_doc, read_schedule, write_schedule
from tsnplan.schedule import schedule

SIZES = [(50, 1_000), (100, 4_000)]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    made = {}

    def make(synthetic_plant, n_bridges, n_streams):
        if (n_bridges, n_streams) not in made:
            problem = load_plant(*synthetic_plant(n_bridges, n_streams)).compile()
            result = schedule(problem)
            path = tmp_path_factory.mktemp("sched") / "schedule.json"
            write_schedule(path, result.extra.get("problem", problem), result)
            made[n_bridges, n_streams] = problem, path
        return made[n_bridges, n_streams]
    return make


@pytest.mark.parametrize("n_bridges, n_streams", SIZES)
def test_read_and_verify(benchmark, synthetic_plant, written, n_bridges, n_streams):
    problem, path = written(synthetic_plant, n_bridges, n_streams)
    result = benchmark.pedantic(read_schedule, args=(path, problem), rounds=3, iterations=1)
    benchmark.extra_info.update(windows=len(result.window_hop))


@pytest.mark.parametrize("n_bridges, n_streams", SIZES)
def test_document_checks_only(benchmark, synthetic_plant, written, n_bridges, n_streams):
    """What `export` pays: parse and the checks that need no plant."""
    _, path = written(synthetic_plant, n_bridges, n_streams)
    benchmark.pedantic(load_schedule_doc, args=(path,), rounds=3, iterations=1)
