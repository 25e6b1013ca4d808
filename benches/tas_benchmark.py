"""Every kept Tübingen TAS benchmark instance with each scheduling method; a markdown table.

    python benches/tas_benchmark.py [--root ../shared/datasets/tas_benchmark] [--time-limit 20]
                                    [--methods heuristic,cpsat,ilp] [--ilp-max 150] [--only TEXT]

Per instance and method: the status (feasible / infeasible = proven with a certificate / partial
with a lower bound / unknown / refused = the loader's InputError), placed streams, the proof's lower
bound, and the time of ``schedule()`` (load and compile excluded, same for every method). Every
feasible or partial schedule is verified inside ``schedule`` and then emulated for one hyperperiod
(at most ``--emulate-max`` ms); an instance under ``infeasible/`` called feasible is counted as a
failure and makes the script exit 1.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tsnplan.emulate import Scenario, run_emulation
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant
from tsnplan.schedule import schedule

_REPO = Path(__file__).resolve().parents[1]
ROOT = next((p for p in (_REPO.parent / "shared", _REPO.parent.parent / "shared", Path("/work/shared"))
             if (p / "datasets" / "tas_benchmark").is_dir()), _REPO.parent / "shared") / "datasets" / "tas_benchmark"


def run(path: Path, method: str, limit: float, emulate_ms: int):
    try:
        problem = load_plant(path).compile()
    except InputError as exc:
        return "refused", 0, 0, 0, 0.0, exc.problems[0].message[:60]
    n = int(problem.stream_scheduled.sum())
    t0 = time.perf_counter()
    result = schedule(problem, method=method, time_limit_s=limit)
    seconds = time.perf_counter() - t0
    proof = result.extra.get("proof", {})
    note = ""
    if result.status.value in ("feasible", "partial", "infeasible") and len(result.window_hop):
        duration = min(result.hyperperiod_ns, emulate_ms * 1_000_000)
        emulated = run_emulation(result.extra.get("problem", problem), result, Scenario(duration), seed=1)
        carried = all(s.ok for s in emulated.listeners if s.stream not in emulated.not_admitted)
        note = "emulated ok" if carried else "EMULATION FAILED"       # every placed stream in time
    return (result.status.value, n, n - len(result.unscheduled), proof.get("unplaceable_lower_bound", 0), seconds,
            note)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--methods", default="heuristic,cpsat,ilp")
    parser.add_argument("--ilp-max", type=int, default=150, help="run the ILP only up to this many streams")
    parser.add_argument("--emulate-max", type=int, default=20, help="emulate at most this many ms")
    parser.add_argument("--only", help="instances whose path contains this")
    args = parser.parse_args(argv)
    files = sorted(p for p in args.root.rglob("*.json") if not args.only or args.only in str(p))
    methods = args.methods.split(",")
    print("| instance | streams | " + " | ".join(methods) + " |")
    print("|---|---:|" + "---|" * len(methods))
    totals = {m: {} for m in methods}
    bad = []
    for path in files:
        name = str(path.relative_to(args.root))
        cells, n = [], 0
        for m in methods:
            if m == "ilp" and n > args.ilp_max:
                cells.append("-")
                continue
            status, n, placed, lb, seconds, note = run(path, m, args.time_limit, args.emulate_max)
            totals[m][status] = totals[m].get(status, 0) + 1
            if name.startswith("infeasible/") and status == "feasible" or "FAILED" in note:
                bad.append((name, m, status, note))
            cells.append(status if status == "refused" else
                         f"{status} {placed}/{n}" + (f" lb {lb}" if status != "feasible" else "") + f" {seconds:.1f}s")
        print(f"| {name} | {n} | " + " | ".join(cells) + " |", flush=True)
    print()
    for m in methods:
        print(f"- {m}: " + ", ".join(f"{k} {v}" for k, v in sorted(totals[m].items())))
    print(f"- infeasible instances called feasible or schedules the emulator rejects: {bad or 'none'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
