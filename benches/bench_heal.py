"""N-1 self-healing analysis on a 100-bridge, 2000-stream plant (benches/generate.py, ring of rings).

    pytest benches/bench_heal.py --benchmark-only -s      # pytest-benchmark, prints time per scenario
    python benches/bench_heal.py --workers 2              # one-off: prints a table

Every link and bridge fails once; streams without a redundancy request are rerouted and placed
incrementally around the running schedule (the policy that costs most), a tenth of the streams
ask for FRER and a tenth for protection. Scheduling the plant is outside the timed region.
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from generate import write_plant  # noqa: E402
from tsnplan.io.plant import load_plant  # noqa: E402
from tsnplan.model.streams import Redundancy, StreamSet  # noqa: E402
from tsnplan.resilience import analyse_failures, prepare_problem  # noqa: E402
from tsnplan.schedule import schedule  # noqa: E402

BRIDGES, STREAMS, SEED = 100, 2000, 1


def heal_plant(folder: Path, bridges: int = BRIDGES, streams: int = STREAMS, seed: int = SEED):
    """The generated plant with a seeded tenth of its streams asking for FRER, a tenth for protection."""
    plant = load_plant(*write_plant(folder, bridges, streams, seed=seed))
    rng = random.Random(seed)
    asks = [rng.choices([Redundancy.NONE, Redundancy.FRER, Redundancy.PROTECT], [8, 1, 1])[0] for _ in plant.streams]
    changed = tuple(dataclasses.replace(s, redundancy=r) for s, r in zip(plant.streams, asks))
    return dataclasses.replace(plant, streams=StreamSet(changed, plant.streams.source))


def prepared(folder: Path):
    """(problem, schedule) of the plant with every policy applied; the scheduler is not timed."""
    problem = prepare_problem(heal_plant(folder), "reroute")
    result = schedule(problem, method="heuristic")
    return result.extra.get("problem", problem), result


@pytest.fixture(scope="module")
def plant_and_schedule(tmp_path_factory):
    return prepared(tmp_path_factory.mktemp("heal-100"))


@pytest.mark.parametrize("workers", [1, 2])
def test_n_minus_1_every_link_and_bridge(benchmark, plant_and_schedule, workers):
    problem, result = plant_and_schedule
    started = time.perf_counter()             # benchmark.stats is None under --benchmark-disable
    heal = benchmark.pedantic(analyse_failures, args=(problem,),
                              kwargs={"policy": "reroute", "schedule": result, "workers": workers},
                              rounds=1, iterations=1)
    seconds = time.perf_counter() - started
    n = len(heal.scenarios)
    benchmark.extra_info.update(scenarios=n, ms_per_scenario=round(1000 * seconds / n, 2),
                                streams=problem.n_streams, lost=sum(len(s.unhealed) for s in heal.scenarios))
    print(f"\n{workers} worker(s): {n} scenarios in {seconds:.1f} s, {1000 * seconds / n:.1f} ms per scenario")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        problem, result = prepared(Path(folder))
        t1 = time.perf_counter()
        heal = analyse_failures(problem, "reroute", schedule=result, workers=args.workers)
        t2 = time.perf_counter()
    n = len(heal.scenarios)
    print(f"plant: {BRIDGES} bridges, {problem.n_streams} streams, {problem.n_hops} hops; "
          f"load+schedule {t1 - t0:.1f} s ({result.status.value})")
    print(f"N-1: {n} scenarios on {args.workers} worker(s) in {t2 - t1:.1f} s = {1000 * (t2 - t1) / n:.1f} ms per scenario; "
          f"{sum(len(s.unhealed) for s in heal.scenarios)} stream losses, "
          f"{sum(len(s.isolated) for s in heal.scenarios)} isolations")


if __name__ == "__main__":
    main()
