"""Exhaustive release-phase sweep of the shipped plants: no emulated latency above its bound.

Seeded runs draw phases at random; here every unscheduled stream's release phase walks the gate
cycle of its route in ``n`` even steps, all streams in step (their bursts coincide, the worst case
for strict priority) and then staggered by a further ``i / (n * streams)`` of the cycle each. Each
run releases every stream for one gate cycle and drains for the plant's largest bound (a frame
still in flight then would have exceeded it, and counts as lost). Every listener without a 5G
percentile on its path must lose nothing, miss no deadline and stay within its worst-case bound.
"""
import math
from pathlib import Path

import pytest

from tsnplan.budget import UNBOUNDED, compute_budget
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.io.plant import load_plant
from tsnplan.schedule import schedule

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
PLANTS = sorted(p.name for p in TOPOLOGIES.iterdir() if (p / "network.yaml").exists())


def _route_cycle(problem, result, s: int) -> int:
    cycle = 1
    for port in set(problem.hop_port[int(problem.hop_ptr[s]):int(problem.hop_ptr[s + 1])].tolist()):
        cycle = math.lcm(cycle, result.gcl.cycle(port))
    return cycle


def phase_sets(problem, result, n: int) -> list[dict[str, int]]:
    """``2 n`` phase assignments: in step at ``k / n`` of each stream's route cycle, then staggered."""
    free = [s for s in range(problem.n_streams) if not problem.stream_scheduled[s]]
    cycles = {s: _route_cycle(problem, result, s) for s in free}
    return [{problem.stream_ids[s]: (cycles[s] * (k * len(free) + i * stagger) // (n * len(free)))
             % int(problem.stream_period_ns[s]) for i, s in enumerate(free)}
            for stagger in (0, 1) for k in range(n)]


def sweep(plant_name: str, n: int) -> tuple[int, list[str]]:
    """(runs, what went wrong) for ``2 n`` phase sets of ``plant_name``."""
    plant = load_plant(TOPOLOGIES / plant_name / "network.yaml", TOPOLOGIES / plant_name / "streams.yaml")
    problem = plant.compile()
    result = schedule(problem)
    problem = result.extra.get("problem", problem)
    budget = compute_budget(problem, result)
    bounds = budget.listener_latency_ns
    listener = {(problem.stream_ids[s], problem.node_names[problem.listener_node[l]]): l
                for s in range(problem.n_streams)
                for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1]))}
    cycle = max(result.gcl.cycle(p) for p in range(problem.n_ports))
    drain = int(bounds[bounds != UNBOUNDED].max()) + cycle
    wrong = []
    sets = phase_sets(problem, result, n)
    for run, phases in enumerate(sets):
        emulation = run_emulation(problem, result, Scenario(duration_ns=cycle, drain_ns=drain, phases=phases), 1)
        for st in emulation.listeners:
            l = listener[st.stream, st.listener]
            if budget.listener_stochastic[l]:
                continue             # a percentile bound: judged by its late fraction elsewhere
            where = f"{plant_name} phase set {run}: {st.stream} -> {st.listener}"
            if st.lost or st.deadline_misses:
                wrong.append(f"{where}: {st.lost} lost, {st.deadline_misses} late")
            if st.max_ns is not None and st.max_ns > bounds[l]:
                wrong.append(f"{where}: emulated {st.max_ns} ns > bound {int(bounds[l])} ns")
    return len(sets), wrong


def test_phase_sets_walk_the_gate_cycle_evenly():
    plant = load_plant(TOPOLOGIES / "body-shop-cell" / "network.yaml", TOPOLOGIES / "body-shop-cell" / "streams.yaml")
    problem = plant.compile()
    result = schedule(problem)
    sets = phase_sets(problem, result, 8)
    sid = next(problem.stream_ids[s] for s in range(problem.n_streams) if not problem.stream_scheduled[s])
    cycle = _route_cycle(problem, result, problem.stream_index[sid])
    assert [p[sid] for p in sets[:8]] == [cycle * k // 8 for k in range(8)]
    assert len({tuple(p.values()) for p in sets}) == 16


@pytest.mark.parametrize("plant", PLANTS)
def test_phase_sweep_stays_within_the_bounds(plant):
    runs, wrong = sweep(plant, 24)
    assert runs == 48 and wrong == []


@pytest.mark.slow
@pytest.mark.parametrize("plant", PLANTS)
def test_phase_sweep_stays_within_the_bounds_fine(plant):
    runs, wrong = sweep(plant, 256)
    assert runs == 512 and wrong == []
