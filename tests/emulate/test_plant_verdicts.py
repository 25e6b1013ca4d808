"""The shipped plants, scheduled and emulated with no failure: nothing lost, no deterministic
listener late, and no emulated latency or jitter above the budget's worst-case bound (issue 9).

Each seed draws new release phases for the unscheduled streams; the runs last 1 s so that every
stream (the slowest has a 1 s period) sends at least once. The brownfield line runs with TSN
firmware on its switches (tests/schedulable.py): as shipped, its schedule is infeasible.
"""
from pathlib import Path

import pytest

from schedulable import schedulable_plant
from tsnplan.budget import compute_budget
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.schedule import schedule

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
PLANTS = sorted(p.name for p in TOPOLOGIES.iterdir() if (p / "network.yaml").exists())


def _judge(plant_name: str, seeds, directory, duration_ns: int = 1_000_000_000, vary: bool = False) -> list[str]:
    plant = schedulable_plant(plant_name, directory)
    problem = plant.compile()
    result = schedule(problem)
    problem = result.extra.get("problem", problem)
    budget = compute_budget(problem, result)
    listener = {(problem.stream_ids[s], problem.node_names[problem.listener_node[l]]): l
                for s in range(problem.n_streams)
                for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1]))}
    wrong = []
    for seed in seeds:
        emulation = run_emulation(problem, result, Scenario(duration_ns=duration_ns, vary=vary), seed)
        for st in emulation.listeners:
            where = f"{plant_name} seed {seed}: {st.stream} -> {st.listener}"
            l = listener[st.stream, st.listener]
            if st.lost:
                wrong.append(f"{where}: {st.lost} lost")
            if budget.listener_stochastic[l] or st.max_ns is None:
                # a percentile bound, not a worst case: 5G frames beyond it (issue 9 item 3, the
                # 802.1Qci policing work) are judged by their late fraction, not here
                continue
            if st.deadline_misses:
                wrong.append(f"{where}: {st.deadline_misses} late")
            if st.max_ns > budget.listener_latency_ns[l]:
                wrong.append(f"{where}: emulated {st.max_ns} ns > bound {budget.listener_latency_ns[l]} ns")
            if st.jitter_ns > budget.listener_jitter_ns[l]:
                wrong.append(f"{where}: emulated jitter {st.jitter_ns} ns > bound {budget.listener_jitter_ns[l]} ns")
    return wrong


@pytest.mark.parametrize("plant", PLANTS)
def test_plant_emulation_keeps_the_verdict(plant, tmp_path):
    assert _judge(plant, range(1, 4), tmp_path) == []


@pytest.mark.parametrize("plant", PLANTS)
def test_plant_emulation_with_clock_and_delay_variation_keeps_the_verdict(plant, tmp_path):
    """Clocks within the sync error, cables, forwarding and releases within their tolerances: a
    scheduled frame arrives up to the sync error after its windows say, which its bound holds
    (without it, 1-24 listeners per plant were above their bound)."""
    assert _judge(plant, range(1, 3), tmp_path, duration_ns=300_000_000, vary=True) == []


@pytest.mark.slow
@pytest.mark.parametrize("plant", PLANTS)
def test_plant_emulation_keeps_the_verdict_many_seeds(plant, tmp_path):
    assert _judge(plant, range(1, 41), tmp_path) == []
