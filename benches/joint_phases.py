"""Joint release-phase search: is a loose bound / emulated ratio the bound or the search?

For each unscheduled stream (the target) and each other unscheduled stream (the blocker) of a
shipped plant, sweep the target's release phase over its route's gate cycle (``n`` steps) and the
blocker's release from one target bound before to one after the target's (``m`` steps), every
other unscheduled stream released in step with the target. Each run releases every stream for
``--cycles`` gate cycles plus twice the target's bound and drains for the plant's largest bound. Prints, per listener
without a 5G percentile, bound / worst emulated latency over the whole grid (and over the
target's own sweep alone), so a ratio that drops shows a search weakness, one that stays shows
where the bound is loose. ``--fine N`` adds, per target, one run releasing it once per gate cycle
of its route for ``N`` cycles, its phase walking the cycle in ``N`` even steps (the other streams
at seed 1's phases): the target's phase at the resolution of the gate lists.

    python benches/joint_phases.py [--n 48] [--m 16] [--cycles 4] [--fine 0] [plant ...]
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

from tsnplan.budget import UNBOUNDED, compute_budget
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.io.plant import load_plant
from tsnplan.schedule import schedule

TOPOLOGIES = Path(__file__).resolve().parent.parent / "topologies"
PLANTS = ("body-shop-cell", "brownfield-line", "process-plant", "agv-hall")


def _route_cycle(problem, result, s: int) -> int:
    cycle = 1
    for port in set(problem.hop_port[int(problem.hop_ptr[s]):int(problem.hop_ptr[s + 1])].tolist()):
        cycle = math.lcm(cycle, result.gcl.cycle(port))
    return cycle


def plant_rows(name: str, n: int, m: int, cycles: int, fine: int) -> list[tuple[str, int, float, float, float]]:
    """(listener, bound, ratio over the target's own sweep, over the joint grid, over the fine sweep)."""
    plant = load_plant(TOPOLOGIES / name / "network.yaml", TOPOLOGIES / name / "streams.yaml")
    problem = plant.compile()
    result = schedule(problem)
    problem = result.extra.get("problem", problem)
    budget = compute_budget(problem, result)
    bounds = budget.listener_latency_ns
    cycle = max(result.gcl.cycle(p) for p in range(problem.n_ports))
    drain = int(bounds[bounds != UNBOUNDED].max()) + cycle
    free = [s for s in range(problem.n_streams) if not problem.stream_scheduled[s]]
    cyc = {s: _route_cycle(problem, result, s) for s in free}
    period = {s: int(problem.stream_period_ns[s]) for s in free}
    rows = []
    for t in free:
        own, joint = {}, {}
        reach = int(bounds[int(problem.listener_ptr[t]):int(problem.listener_ptr[t + 1])].max())
        scenario = Scenario(duration_ns=cycles * cycle + 2 * reach, drain_ns=drain)
        for k in range(n):
            at = cyc[t] * k // n
            base = {problem.stream_ids[s]: at % period[s] for s in free}
            for b in free:
                for j in range(m if b != t else 1):
                    phases = dict(base)
                    if b != t:
                        phases[problem.stream_ids[b]] = (at - reach + 2 * reach * j // m) % period[b]
                    em = run_emulation(problem, result, replace(scenario, phases=phases), 1)
                    for st in em.listeners:
                        if st.stream == problem.stream_ids[t] and st.max_ns:
                            joint[st.listener] = max(joint.get(st.listener, 0), st.max_ns)
                            if b == t:
                                own[st.listener] = max(own.get(st.listener, 0), st.max_ns)
        finest = {}
        if fine:
            times = tuple(k * cyc[t] + cyc[t] * k // fine for k in range(fine))
            em = run_emulation(problem, result, Scenario(duration_ns=times[-1] + cyc[t], drain_ns=drain,
                                                         release_times={problem.stream_ids[t]: times}), 1)
            finest = {st.listener: st.max_ns for st in em.listeners if st.stream == problem.stream_ids[t]}
        for l in range(int(problem.listener_ptr[t]), int(problem.listener_ptr[t + 1])):
            lname = problem.node_names[problem.listener_node[l]]
            if budget.listener_stochastic[l] or lname not in joint:
                continue
            bound = int(bounds[l])
            rows.append((f"{problem.stream_ids[t]} -> {lname} (class {int(problem.stream_class[t])})", bound,
                         bound / own[lname], bound / joint[lname],
                         bound / max(joint[lname], finest.get(lname) or 0)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plants", nargs="*", default=list(PLANTS))
    parser.add_argument("--n", type=int, default=48, help="target phases per gate cycle")
    parser.add_argument("--cycles", type=int, default=4, help="gate cycles of releases per run")
    parser.add_argument("--fine", type=int, default=0, help="phases of the fine per-target sweep (0: none)")
    parser.add_argument("--m", type=int, default=16, help="blocker phases per gate cycle")
    args = parser.parse_args(argv)
    print("| plant | listener | bound ns | ratio, in-step sweep | joint grid | with fine sweep |")
    print("|---|---|---|---|---|---|")
    for name in args.plants:
        for listener, bound, own, joint, fine in plant_rows(name, args.n, args.m, args.cycles, args.fine):
            print(f"| {name} | {listener} | {bound} | {own:.2f} | {joint:.2f} | {fine:.2f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
