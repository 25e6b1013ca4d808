"""Scheduling speed and quality on growing seeded instances (pytest-benchmark; never asserts timings).

Run: ``pytest benches/bench_schedule.py --benchmark-only`` (10 000 streams included).
Quality (streams placed) is recorded in ``extra_info`` beside the time.
"""
import pytest

from plants import write_mesh_plant
from tsnplan.io.plant import load_plant
from tsnplan.schedule import schedule


@pytest.fixture(scope="module")
def mesh(tmp_path_factory):
    cache = {}

    def build(bridges, streams):
        if (bridges, streams) not in cache:
            d = tmp_path_factory.mktemp(f"mesh{bridges}-{streams}")
            cache[bridges, streams] = load_plant(*write_mesh_plant(d, bridges, streams)).compile()
        return cache[bridges, streams]
    return build


@pytest.mark.parametrize("streams", [100, 1000, 3000, 10_000])
def test_heuristic_32_bridge_mesh(benchmark, mesh, streams):
    problem = mesh(32, streams)
    result = benchmark.pedantic(schedule, args=(problem,), kwargs={"method": "heuristic"}, rounds=1, iterations=1)
    benchmark.extra_info["placed"] = len(problem.stream_ids) - len(result.unscheduled)
    benchmark.extra_info["streams"] = len(problem.stream_ids)


def test_exact_50_streams(benchmark, mesh):
    problem = mesh(8, 50)
    result = benchmark.pedantic(schedule, args=(problem,), kwargs={"method": "ilp", "time_limit_s": 60},
                                rounds=1, iterations=1)
    benchmark.extra_info["status"] = result.status.value
