"""Loading a plant: YAML parsing, model building, routing, compiling and the plant checks.

Run: ``pytest benches/bench_load.py --benchmark-only --bench-large`` (the 500-bridge,
20 000-stream case is the target: under 2 s for load_plant with its checks).
"""
from __future__ import annotations

import pytest

from tsnplan.io.plant import load_plant
from tsnplan.io.yaml_input import read_yaml

SIZES = [(20, 500), (100, 4_000), (500, 20_000)]


@pytest.mark.parametrize("topology", ["ring-of-rings", "mesh"])
@pytest.mark.parametrize("n_bridges, n_streams", SIZES)
def test_load_plant(benchmark, synthetic_plant, n_bridges, n_streams, topology):
    network, streams = synthetic_plant(n_bridges, n_streams, topology)
    plant = benchmark.pedantic(load_plant, args=(network, streams), rounds=3, iterations=1)
    problem = plant.compile()
    benchmark.extra_info.update(nodes=plant.network.graph.number_of_nodes(), links=len(plant.network.links),
                                streams=len(plant.streams), hops=problem.n_hops)
    assert len(plant.streams) == n_streams


@pytest.mark.parametrize("n_bridges, n_streams", SIZES)
def test_read_streams_yaml(benchmark, synthetic_plant, n_bridges, n_streams):
    """The YAML layer alone, for the stream file (the largest input)."""
    _, streams = synthetic_plant(n_bridges, n_streams)
    document = benchmark.pedantic(read_yaml, args=(streams,), rounds=3, iterations=1)
    assert len(document["streams"]) == n_streams
