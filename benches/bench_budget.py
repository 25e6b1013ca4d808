"""Budget speed: 20 000 streams of 8-12 hops, and the kernels against their pure-Python reference.

    pytest benches/bench_budget.py            # pytest-benchmark timings
    python benches/bench_budget.py            # prints the figures and the kernel speed-up
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reference import budget_ref  # noqa: E402
from tsnplan.budget import compute_budget  # noqa: E402
from tsnplan.budget.calculus import calculus_bounds  # noqa: E402
from tsnplan.budget.compose import _own_transmission_ns, path_budget  # noqa: E402
from tsnplan.budget.hops import CUT_THROUGH_BYTES, hop_terms  # noqa: E402
from tsnplan.model.compile import compile_problem  # noqa: E402
from tsnplan.model.media.ethernet import Medium  # noqa: E402
from tsnplan.model.network import Feature, Link, Network, Node, NodeKind  # noqa: E402
from tsnplan.model.streams import Stream, StreamSet  # noqa: E402
from tsnplan.model.traffic_types import TYPE_DEFAULTS, TrafficType  # noqa: E402

TYPES = (TrafficType.ISOCHRONOUS, TrafficType.CYCLIC_SYNC, TrafficType.ALARMS_EVENTS,
         TrafficType.CONFIG_DIAGNOSTICS, TrafficType.BEST_EFFORT)


def chain_problem(n_streams: int, n_bridges: int = 24, per_bridge: int = 8, seed: int = 1):
    """Bridges in a line, stations on each; every stream crosses 7-11 bridges (8-12 hops)."""
    rng = random.Random(seed)
    nodes = [Node(f"sw-{i:03d}", NodeKind.BRIDGE, processing_ns=4000, features=frozenset({Feature.QBV}))
             for i in range(n_bridges)]
    links = [Link(f"sw-{i:03d}", f"sw-{i + 1:03d}", Medium.FIBRE, 10**9, 50, 250) for i in range(n_bridges - 1)]
    for i in range(n_bridges):
        for j in range(per_bridge):
            nodes.append(Node(f"es-{i:03d}-{j}", NodeKind.END_STATION))
            links.append(Link(f"es-{i:03d}-{j}", f"sw-{i:03d}", Medium.COPPER, 10**9, 10, 50))
    network = Network("bench-chain", nodes, links)
    streams = []
    for k in range(n_streams):
        a = rng.randrange(n_bridges - 11)
        b = a + rng.randint(6, 10)
        if rng.random() < 0.5:
            a, b = b, a
        kind = rng.choice(TYPES)
        defaults = TYPE_DEFAULTS[kind]
        period = rng.choice((1_000_000, 2_000_000, 4_000_000)) if defaults.scheduled else 10_000_000
        streams.append(Stream(f"s{k:05d}", f"es-{a:03d}-{rng.randrange(per_bridge)}",
                              (f"es-{b:03d}-{rng.randrange(per_bridge)}",), period, rng.randint(40, 400),
                              period, kind, defaults.pcp, defaults.scheduled))
    return compile_problem(network, StreamSet(tuple(sorted(streams, key=lambda s: s.id))))


def _kernel_inputs(problem):
    terms = hop_terms(problem, problem.percentile)
    wait = terms.processing_ns + terms.radio_ns + terms.access_ns
    return terms, wait


def _reference_paths(problem, wait, cut):
    return budget_ref.path_budget(problem.hop_ptr.tolist(), problem.hop_port.tolist(), problem.hop_parent.tolist(),
                                  problem.frame_ptr.tolist(), problem.frame_wire_bytes.tolist(),
                                  problem.port_rate_bps.tolist(), problem.hop_prop_ns.tolist(), wait.tolist(),
                                  cut.tolist(), CUT_THROUGH_BYTES)


@pytest.fixture(scope="module")
def big_problem():
    return chain_problem(20_000)


def test_budget_20k_streams(benchmark, big_problem):
    result = benchmark.pedantic(compute_budget, args=(big_problem,), rounds=3, iterations=1)
    hops = np.diff(big_problem.hop_ptr)
    benchmark.extra_info.update(streams=big_problem.n_streams, hops=int(hops.sum()),
                                min_hops=int(hops.min()), max_hops=int(hops.max()), met=int(result.listener_meets.sum()))
    assert hops.min() >= 8 and hops.max() <= 12


def test_path_kernel_vs_reference(benchmark):
    problem = chain_problem(2_000)
    terms, wait = _kernel_inputs(problem)
    end, _ = benchmark(path_budget, problem, wait, terms.cut_through)
    assert end.tolist() == _reference_paths(problem, wait, terms.cut_through)[0]


def main() -> None:
    t0 = time.perf_counter()
    problem = chain_problem(20_000)
    build = time.perf_counter() - t0
    hops = np.diff(problem.hop_ptr)
    compute_budget(problem)                       # warm up (imports, page faults)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        result = compute_budget(problem)
        runs.append(time.perf_counter() - t)
    print(f"problem: {problem.n_streams} streams, {int(hops.sum())} hops ({hops.min()}-{hops.max()} per stream), "
          f"built in {build:.1f} s")
    print(f"compute_budget: best {min(runs):.3f} s of 3 ({', '.join(f'{r:.3f}' for r in runs)}); "
          f"{int(result.listener_meets.sum())} of {len(result.listener_meets)} listeners meet")

    terms, wait = _kernel_inputs(problem)
    t = time.perf_counter()
    end, _ = path_budget(problem, wait, terms.cut_through)
    kernel_s = time.perf_counter() - t
    t = time.perf_counter()
    ref_end, _ = _reference_paths(problem, wait, terms.cut_through)
    ref_s = time.perf_counter() - t
    assert end.tolist() == ref_end
    print(f"path kernel: {kernel_s * 1000:.1f} ms, reference {ref_s:.2f} s, speed-up {ref_s / kernel_s:.0f}x")

    active = (problem.stream_scheduled == 0).astype(np.int8)
    own_tx = _own_transmission_ns(problem)
    t = time.perf_counter()
    calc = calculus_bounds(problem, terms, active, None, own_tx)
    calc_s = time.perf_counter() - t
    print(f"calculus (wrapper + kernel): {calc_s * 1000:.1f} ms, {calc.iterations} iterations")


if __name__ == "__main__":
    main()
