"""TSNsched networks and the ECRTS industry-challenge stream set through schedule, verify, budget, emulate.

    python benches/external_inputs.py [--root ../shared/datasets] [--time-limit 10] [--emulate-ms 100]

Per input: streams (scheduled of all), the ``schedule(method="auto")`` status, placed scheduled streams and
time (load and compile excluded), ``verify``, the latency budget (listeners whose bound misses the
deadline, scheduled / unscheduled) with the schedule, and an emulation of ``--emulate-ms`` (at least
two hyperperiods; deadline misses, scheduled / unscheduled, and lost frames). Where TSNsched's own
solved schedule of the same scenario is in the dataset, each flow's ``averageLatency`` there is
printed beside the mean emulated latency (over all listeners) here. Exits 1 if a schedule fails
``verify`` or a scheduled stream misses a deadline in the emulation.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tsnplan.budget import compute_budget
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant
from tsnplan.report.budget import budget_to_json
from tsnplan.schedule import schedule
from tsnplan.schedule.verify import verify

_REPO = Path(__file__).resolve().parents[1]
ROOT = next((p / "datasets" for p in (_REPO.parent / "shared", _REPO.parent.parent / "shared", Path("/work/shared"))
             if (p / "datasets" / "tsnsched").is_dir()), _REPO.parent / "shared" / "datasets")
INPUTS = ["tsnsched/Script/input.json", "tsnsched/Checker/examples/input.json",
          "tsnsched/Checker/examples/SmallScenarioShorter.json", "tsnsched/Checker/examples/teste.json",
          "tsnsched/ScenarioGenerator/Outputs/output.json", "tsnsched/Script/GeneratedCode1.json",
          "tsnsched/src/com/tsnsched/generated_scenarios/input.json",
          "ecrts_industry_challenge/TSN_Streams.txt"]
#: input -> TSNsched's solved schedule of the same scenario (same flows and hops)
SOLVED = {"tsnsched/ScenarioGenerator/Outputs/output.json": "tsnsched/Checker/logs/GeneratedCode/2/output.json"}


def run(root: Path, name: str, limit: float, emulate_ms: int) -> tuple[str, bool]:
    try:
        problem = load_plant(root / name).compile()
    except InputError as exc:
        return f"| {name} | - | refused: {exc.problems[0].message[:70]} | | | |", True
    scheduled = {sid for sid, on in zip(problem.stream_ids, problem.stream_scheduled) if on}
    n = len(problem.stream_ids)
    t0 = time.perf_counter()
    result = schedule(problem, method="auto", time_limit_s=limit)
    seconds = time.perf_counter() - t0
    problem = result.extra.get("problem", problem)
    verified = verify(problem, result) == []
    budget = budget_to_json(compute_budget(problem, result, 99.999))["streams"]
    over = [(sid, l) for sid, s in budget.items() for l in s["listeners"].values() if not l["meets"]]
    duration = max(2 * result.hyperperiod_ns, emulate_ms * 1_000_000)
    emulated = run_emulation(problem, result, Scenario(duration), seed=1)
    misses = [l for l in emulated.listeners if l.deadline_misses]
    lost = sum(l.lost for l in emulated.listeners)
    miss_tt = sum(l.stream in scheduled for l in misses)
    row = (f"| {name} | {len(scheduled)}/{n} | {result.status.value}, {len(scheduled) - len(result.unscheduled)}/"
           f"{len(scheduled)} placed, "
           f"{result.method}, {seconds:.2f} s | {'ok' if verified else 'FAILED'} | "
           f"{sum(sid in scheduled for sid, _ in over)} / {sum(sid not in scheduled for sid, _ in over)} | "
           f"{duration / 1e6:g} ms: {miss_tt} / {len(misses) - miss_tt}, lost {lost} |")
    if name in SOLVED:
        solved = json.loads((root / SOLVED[name]).read_text())
        means = {}
        for l in emulated.listeners:
            means.setdefault(l.stream, []).append(l.mean_ns)
        for flow in solved["flows"]:
            here = sum(means[flow["name"]]) / len(means[flow["name"]]) / 1000
            row += f"\n|   {flow['name']}: TSNsched averageLatency {flow['averageLatency']:.1f} us, tsnplan mean {here:.1f} us | | | | | |"
    return row, verified and miss_tt == 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--emulate-ms", type=int, default=100)
    args = parser.parse_args(argv)
    print("| input | scheduled/streams | schedule --method auto | verify | budget misses (TT / other) "
          "| emulation misses (TT / other) |")
    print("|---|---:|---|---|---|---|")
    good = True
    for name in INPUTS:
        row, ok = run(args.root, name, args.time_limit, args.emulate_ms)
        good &= ok
        print(row, flush=True)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
