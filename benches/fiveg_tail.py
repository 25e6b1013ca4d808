"""Long-run 5G miss fraction of agv-hall: ``python benches/fiveg_tail.py [--duration 3600s] [--seed 1]``.

Schedules agv-hall (802.1Qci stream gates behind the 5G bridge), budgets it and emulates it with
no failure, clocks, cables and forwarding drawn within the plant's tolerances (``--no-vary``:
nominal); prints, per listener of a stream over the 5G bridge, the frames sent, lost (policed
by the stream gate or otherwise), above the percentile bound, the miss fraction, the per-frame
miss probability the budget states and the ratio, and checks every ratio against the acceptance
(late + dropped within 10 x the stated ``1 - percentile``) with a Poisson margin
(tsnplan.emulate.verdict.allowed_misses). Exit 1 when a listener fails it. Takes about a
minute for one emulated hour on this machine.
"""
from __future__ import annotations

import argparse
import sys
import time

from rich.console import Console
from rich.table import Table

from tsnplan.budget import compute_budget
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.emulate.verdict import judge
from tsnplan.io.plant import load_plant
from tsnplan.schedule import schedule
from tsnplan.topologies import plant_files
from tsnplan.units import parse_time_ns


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="3600s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plant", default="agv-hall")
    parser.add_argument("--no-vary", action="store_true", help="perfect clocks and nominal delays")
    args = parser.parse_args(argv)
    plant = load_plant(*plant_files(args.plant))
    problem = plant.compile()
    plan = schedule(problem)
    problem = plan.extra.get("problem", problem)
    budget = compute_budget(problem, plan)
    t0 = time.perf_counter()
    emulation = run_emulation(problem, plan, Scenario(duration_ns=parse_time_ns(args.duration), vary=not args.no_vary), args.seed)
    wall = time.perf_counter() - t0
    verdict = judge(problem, budget, emulation)
    index = {(problem.stream_ids[s], problem.node_names[problem.listener_node[l]]): l
             for s in range(problem.n_streams) for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1]))}
    table = Table(title=f"{args.plant}: {args.duration} emulated, seed {args.seed} ({wall:.0f} s wall)")
    for col in ("stream -> listener", "sent", "lost", "policed", "late", "miss fraction", "stated p", "ratio", "ok"):
        table.add_column(col, justify="left" if col.startswith("stream") else "right")
    worst = 0.0
    for v in verdict.listeners:
        if v.explained_by != "5g-tail":
            continue
        stated = float(budget.listener_miss_probability[index[(v.stream, v.listener)]])
        policed = sum(emulation.policed.get(v.stream, {}).values())
        fraction = (v.lost + v.late) / max(1, v.sent)
        ratio = fraction / stated if stated else float("inf")
        worst = max(worst, ratio)
        table.add_row(f"{v.stream} -> {v.listener}", str(v.sent), str(v.lost), str(policed), str(v.late),
                      f"{fraction:.2e}", f"{stated:.2e}", f"{ratio:.2f}", "yes" if not v.unexplained else "NO")
    console = Console()
    console.print(table)
    console.print(f"worst ratio {worst:.2f} (acceptance: within 10); verdict "
                  + ("holds" if verdict.ok else "FAILS: " + "; ".join(verdict.problems())))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
