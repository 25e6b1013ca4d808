"""Bound / emulated-worst ratio per traffic class on the shipped plants (docs/benchmarks.md).

For every plant: schedule, budget with the schedule, then emulate with no failure over a set of
seeds. Each seed draws new release phases for the unscheduled streams, and a stream whose period
is a multiple of the gate cycle meets the gates at the same phase in every period, so many short
runs (by default each as long as the longest unscheduled period, + 10 ms) search the phases
better than a few long ones. Then, per unscheduled stream, one run sweeps its release evenly
over the gate cycles of its route (``--phases`` releases, one per period, the other streams at
seed 1's phases). Per listener without a 5G percentile on its path the ratio is
bound / worst emulated latency over all seeds; the table gives its range per class (the class of
the stream's PCP on 8 queues; `cbs`: shaped by 802.1Qav with the SRP reservation as idle slope,
in the budget and, by default, in the emulator (``model.shaping``); `scheduled`: bounded by the
schedule's windows plus the sync error, while the emulator, with perfect clocks, follows the
windows exactly) and counts listeners whose emulated latency exceeded the bound.

    python benches/bound_ratio.py [--seeds 300] [--duration auto] [--phases 400] [--vary] [plant ...]
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from tsnplan.budget import compute_budget
from tsnplan.budget.calculus import calculus_bounds
from tsnplan.budget.compose import _own_transmission_ns
from tsnplan.budget.hops import hop_terms
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.io.plant import Plant, load_plant
from tsnplan.io.streams_file import streams_from_doc
from tsnplan.io.yaml_input import read_yaml
from tsnplan.plan.actions import network_of, plain
from tsnplan.schedule import schedule
from tsnplan.units import parse_time_ns

TOPOLOGIES = Path(__file__).resolve().parent.parent / "topologies"
PLANTS = ("body-shop-cell", "brownfield-line", "process-plant", "agv-hall")
FIRMWARE = {"brownfield-line": ["qbv"]}


def _sweep_scenarios(problem, result, stream_ids, phases: int):
    """Per unscheduled stream, one run releasing it ``phases`` times, once per period plus a step
    that walks its release across the lcm of the gate cycles on its route (the other streams keep
    their seeded phases): an even sweep of its phase against the gates it meets."""
    for sid in stream_ids:
        s = problem.stream_index[sid]
        period = int(problem.stream_period_ns[s])
        cycle = 1
        for port in set(problem.hop_port[int(problem.hop_ptr[s]):int(problem.hop_ptr[s + 1])].tolist()):
            cycle = math.lcm(cycle, result.gcl.cycle(port))
        step = -(-cycle // phases)
        times = tuple(k * period + (k * step) % cycle for k in range(phases))
        yield Scenario(duration_ns=times[-1] + period, release_times={sid: times})


def _plant(name: str):
    """A shipped plant; the brownfield line with 802.1Qbv on its line switches, which as shipped
    have none, so that its cyclic I/O is scheduled (the same as tests/schedulable.py)."""
    if name not in FIRMWARE:
        return load_plant(TOPOLOGIES / name / "network.yaml", TOPOLOGIES / name / "streams.yaml")
    doc = plain(read_yaml(TOPOLOGIES / name / "network.yaml"))
    doc["defaults"]["bridge"]["features"] = FIRMWARE[name]
    network = network_of(doc, name)
    streams, problems = streams_from_doc(read_yaml(TOPOLOGIES / name / "streams.yaml"), "streams.yaml", network)
    assert not problems, problems
    return Plant(network, streams)


def plant_rows(name: str, seeds: range, duration_ns: int | None, phases: int,
               vary: bool = False) -> tuple[list[tuple], int, int]:
    """Rows (class, listeners, min ratio, max ratio, exceeded) and (lost, late) over every run."""
    problem = _plant(name).compile()
    result = schedule(problem)
    problem = result.extra.get("problem", problem)
    budget = compute_budget(problem, result)
    unscheduled = problem.stream_scheduled == 0
    if duration_ns is None:
        duration_ns = int(problem.stream_period_ns[unscheduled].max()) + 10_000_000
    calc = calculus_bounds(problem, hop_terms(problem, problem.percentile), unscheduled.astype(np.int8), result,
                           _own_transmission_ns(problem))
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    shaped = set(stream_of_hop[(calc.hop_queue >= 0) & (calc.queue_shaper[np.maximum(calc.hop_queue, 0)] == 1)])
    index = {}
    for s, sid in enumerate(problem.stream_ids):
        kind = " scheduled" if problem.stream_scheduled[s] else " cbs" if s in shaped else ""
        for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])):
            if not budget.listener_stochastic[l]:
                index[sid, problem.node_names[problem.listener_node[l]]] = (l, f"{int(problem.stream_class[s])}{kind}")
    worst = dict.fromkeys(index, 0)
    lost = late = 0
    swept = sorted({sid for sid, _ in index if not problem.stream_scheduled[problem.stream_index[sid]]})
    runs = [(Scenario(duration_ns=duration_ns, vary=vary), seed) for seed in seeds]
    runs += [(scenario, 1) for scenario in _sweep_scenarios(problem, result, swept, phases)] if phases else []
    for scenario, seed in runs:
        emulation = run_emulation(problem, result, scenario, seed)
        for st in emulation.listeners:
            lost += st.lost
            late += st.deadline_misses
            key = (st.stream, st.listener)
            if key in worst and st.max_ns is not None:
                worst[key] = max(worst[key], st.max_ns)
    by_class: dict[str, list[tuple[float, bool]]] = {}
    for key, (l, cls) in index.items():
        bound = int(budget.listener_latency_ns[l])
        if worst[key] > 0:
            by_class.setdefault(cls, []).append((bound / worst[key], worst[key] > bound))
    rows = [(cls, len(v), min(r for r, _ in v), max(r for r, _ in v), sum(x for _, x in v))
            for cls, v in sorted(by_class.items(), reverse=True)]
    return rows, lost, late


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plants", nargs="*", default=list(PLANTS))
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--duration", default="auto")
    parser.add_argument("--phases", type=int, default=400, help="release phases swept per unscheduled stream (0: none)")
    parser.add_argument("--vary", action="store_true",
                        help="seeded runs draw clocks, cables, forwarding and releases within the plant's tolerances")
    args = parser.parse_args(argv)
    duration = None if args.duration == "auto" else parse_time_ns(args.duration)
    print("| plant | class | listeners | bound/emulated min | max | exceeded | lost | late |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.plants:
        rows, lost, late = plant_rows(name, range(1, args.seeds + 1), duration, args.phases, args.vary)
        for cls, n, lo, hi, bad in rows:
            print(f"| {name} | {cls} | {n} | {lo:.2f} | {hi:.2f} | {bad} | {lost} | {late} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
