"""tsnplan against tsnkit's list scheduler (ls) and its dt heuristic on tsnkit's own generated instances.

tsnkit (GPL) is only *run* here, from a scratch venv, never imported into tsnplan:

    python benches/compare_tsnkit.py [--venv /tmp/tsnkit-venv] [--work /tmp/tsnkit-compare] [--quick]
                                     [--only TEXT] [--timeout S] [--dense] [--method M] [--time-limit S]

For every seeded instance (tsnkit's generator: line/ring/tree/mesh, 8-16 switches, 10-1000 flows,
plus dense ones with period spec 4, size spec 3, deadline spec 2-3) it times the whole processes
``python -m tsnkit.algorithms.{ls,dt}`` and ``tsnplan schedule DIR -o schedule.json`` (the CLI, with
start-up), checks every tsnplan schedule with tsnplan's verifier (inside ``schedule``) and with
tsnkit's simulator on the ``tsnplan export --to tsnkit`` CSVs, and prints one table row per instance.
A process that exceeds ``--timeout`` (default 600 s) is stopped and counts as not solved ("t/o").

``--dense`` runs the high-load sweep instead (12 instances: ring and mesh with 8-16 switches and
100-560 flows, line and tree with 100 and 300 flows; periods 100-800 us,
frames 200-1500 B, deadlines of spec 3; the column ``util`` is the busiest talker link's offered
load). There an instance counts as *resolved* by tsnplan when it is scheduled or proven
infeasible with a certificate (``infeasible`` in schedule.json), by tsnkit when ls or dt writes a
schedule; tsnplan runs ``--method`` (default auto) with ``--time-limit`` (default: 90 % of the timeout).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

TOPOLOGIES = {0: "line", 1: "ring", 2: "tree", 3: "mesh"}
TIMEOUT_S = 600

GENERATE = """
import random, sys, numpy as np
from tsnkit.data.generator import DatasetGenerator
seed, n, sw, period, size, deadline, topo, out = sys.argv[1:]
random.seed(int(seed)); np.random.seed(int(seed))
DatasetGenerator(1, int(n), int(sw), int(period), int(size), int(deadline), int(topo)).run(out)
"""

SIMULATE = """
import sys, pandas as pd
from tsnkit.simulation.tas import simulation
task, conf = sys.argv[1:]
log = simulation(task, conf, it=2, draw_results=False, disable_pbar=True)
tasks = pd.read_csv(task)
bad = []
for i, (sent, received) in enumerate(log):
    if len(received) < len(sent) // 2 or not received:
        bad.append(f"flow {i}: sent {len(sent)} received {len(received)}")
    elif max(r - s for s, r in zip(sent, received)) > tasks["deadline"][i]:
        bad.append(f"flow {i}: latency {max(r - s for s, r in zip(sent, received))} > deadline {tasks['deadline'][i]}")
print("OK" if not bad else "; ".join(bad[:3]))
"""


def instances(quick: bool):
    """(name, seed, flows, switches, period spec, size spec, deadline spec, topology)."""
    specs = []
    flows = [10, 100] if quick else [10, 100, 500, 1000]
    for topo in TOPOLOGIES:
        for n in flows:
            specs.append((f"{TOPOLOGIES[topo]}-{n}", 1, n, 8 if n < 500 else 16, 1, 2, 1, topo))
    for topo in TOPOLOGIES:
        for deadline in (2, 3):
            n = 40 if quick else 60
            specs.append((f"dense-{TOPOLOGIES[topo]}-{n}-d{deadline}", 2, n, 8, 4, 3, deadline, topo))
    return specs


def dense_instances():
    """(name, seed, flows, switches, period spec, size spec, deadline spec, topology) at high load."""
    specs = []
    for topo in TOPOLOGIES:
        sizes = ((8, 100), (8, 200), (12, 300), (16, 560)) if topo in (1, 3) else ((8, 100), (12, 300))
        for sw, n in sizes:
            specs.append((f"hl-{TOPOLOGIES[topo]}-{sw}sw-{n}", 3, n, sw, 4, 3, 3, topo))
    return specs


def talker_utilisation(task: Path) -> float:
    """Offered load of the busiest talker link (1 Gbit/s: bytes * 8 / period ns)."""
    import csv
    load: dict[str, float] = {}
    with open(task, newline="") as fh:
        for row in csv.DictReader(fh):
            load[row["src"]] = load.get(row["src"], 0.0) + int(row["size"]) * 8 / int(row["period"])
    return max(load.values()) if load else 0.0


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "tsnkit"], check=True)
    return python


def timed(cmd, cwd=None):
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, float(TIMEOUT_S)
    return proc, time.perf_counter() - t0


def run_tsnkit(python: Path, algo: str, task: Path, topo: Path, out: Path):
    out.mkdir(parents=True, exist_ok=True)
    proc, seconds = timed([str(python), "-m", f"tsnkit.algorithms.{algo}", str(task), str(topo), str(out) + "/", "1", algo])
    solved = proc is not None and any(out.glob(f"{algo}-GCL.csv"))
    return solved, seconds


def run_tsnplan(python: Path, inst: Path, out: Path, method: str = "auto", time_limit: float | None = None,
                proven_counts: bool = False):
    out.mkdir(parents=True, exist_ok=True)
    tsnplan = [sys.executable, "-m", "tsnplan"]
    limit = ["--time-limit", f"{time_limit:g}"] if time_limit else []
    proc, seconds = timed(tsnplan + ["schedule", str(inst), "-o", str(out / "schedule.json"), "--method", method] + limit)
    if proc is None:
        return False, seconds, "timeout"
    if proc.returncode == 2 or not (out / "schedule.json").exists():
        return False, seconds, (proc.stderr.strip().splitlines() or ["error"])[-1]
    doc = json.loads((out / "schedule.json").read_text())
    status = doc["status"]
    if status == "infeasible" and proven_counts:
        first = next((w for w in doc["warnings"] if w.startswith("infeasible: ")), "")
        return True, seconds, f"proven infeasible ({first[12:70]})"
    if status != "feasible":
        unplaced = len(doc["unscheduled"])
        return False, seconds, f"{status} ({unplaced} unplaced)"
    subprocess.run(tsnplan + ["export", str(out / "schedule.json"), "--to", "tsnkit", str(out / "tsnkit")],
                   check=True, capture_output=True)
    task = next(inst.glob("*_task.csv"))
    try:
        sim = subprocess.run([str(python), "-c", SIMULATE, str(task), str(out / "tsnkit") + "/"],
                             capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return True, seconds, f"simulator stopped after {TIMEOUT_S:g} s"
    verdict = sim.stdout.strip().splitlines()[-1] if sim.stdout.strip() else sim.stderr.strip()[-200:]
    return True, seconds, verdict


def main(argv=None) -> int:
    global TIMEOUT_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default="/tmp/tsnkit-venv", type=Path)
    parser.add_argument("--work", default="/tmp/tsnkit-compare", type=Path)
    parser.add_argument("--quick", action="store_true", help="fewer and smaller instances")
    parser.add_argument("--only", help="run instances whose name contains this")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help=f"seconds allowed to each solver process (default {TIMEOUT_S})")
    parser.add_argument("--dense", action="store_true", help="the high-load sweep (see the module docstring)")
    parser.add_argument("--method", default="auto", help="tsnplan's --method (default auto)")
    parser.add_argument("--time-limit", type=float, help="tsnplan's --time-limit (default: the timeout less 10 %%)")
    args = parser.parse_args(argv)
    TIMEOUT_S = args.timeout
    python = ensure_venv(args.venv)
    rows = []
    print(f"{'instance':28} {'ls':>10} {'dt':>10} {'tsnplan':>10} {'dt/tsnplan':>10}  tsnkit simulator on tsnplan")
    limit = args.time_limit or (TIMEOUT_S * 0.9 if args.dense else None)
    for name, seed, n, sw, period, size, deadline, topo in (dense_instances() if args.dense else instances(args.quick)):
        if args.only and args.only not in name:
            continue
        inst = args.work / name
        if not any(inst.glob("*_task.csv")):
            inst.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(python), "-c", GENERATE, str(seed), str(n), str(sw), str(period), str(size),
                            str(deadline), str(topo), str(inst) + "/"], check=True, capture_output=True)
            for extra in inst.glob("*.csv"):
                if not extra.name.endswith(("_task.csv", "_topo.csv")):
                    extra.unlink()
        task, net = next(inst.glob("*_task.csv")), next(inst.glob("*_topo.csv"))
        ls_ok, ls_s = run_tsnkit(python, "ls", task, net, args.work / "out" / name / "ls")
        dt_ok, dt_s = run_tsnkit(python, "dt", task, net, args.work / "out" / name / "dt")
        tp_ok, tp_s, verdict = run_tsnplan(python, inst, args.work / "out" / name / f"tsnplan-{args.method}",
                                           args.method, limit, proven_counts=args.dense)
        if args.dense:
            verdict = f"util {talker_utilisation(task):.2f}; {verdict}"
        cell = lambda ok, s: "t/o" if s >= TIMEOUT_S else f"{'yes' if ok else 'no'} {s:5.1f}s"
        ratio = f"{'>' if dt_s >= TIMEOUT_S else ''}{dt_s / tp_s:.1f}x"
        print(f"{name:28} {cell(ls_ok, ls_s):>10} {cell(dt_ok, dt_s):>10} {cell(tp_ok, tp_s):>10} "
              f"{ratio:>10}  {verdict}", flush=True)
        rows.append((name, ls_ok, dt_ok, tp_ok, verdict))
    missed = [r[0] for r in rows if (r[1] or r[2]) and not r[3]]
    invalid = [r[0] for r in rows if r[3] and not r[4].endswith("OK") and "simulator stopped" not in r[4]
               and "proven infeasible" not in r[4]]
    for label, group in (("all", rows), ("dense", [r for r in rows if r[0].startswith(("dense-", "hl-"))])):
        if group:
            print(f"\nsolved ({label}): ls {sum(r[1] for r in group)}, dt {sum(r[2] for r in group)}, "
                  f"tsnplan {sum(r[3] for r in group)} of {len(group)}", end="")
    print(f"\ntsnkit solved but tsnplan not: {missed or 'none'}; "
          f"tsnplan schedules the simulator rejects: {invalid or 'none'}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
