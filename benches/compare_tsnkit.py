"""tsnplan against tsnkit's methods (by default its list scheduler ls and its dt heuristic) on tsnkit's own instances.

tsnkit (GPL) is only *run* here, from a scratch venv, never imported into tsnplan:

    python benches/compare_tsnkit.py [--venv /tmp/tsnkit-venv] [--work /tmp/tsnkit-compare] [--quick]
                                     [--only TEXT[,TEXT...]] [--timeout S] [--dense] [--method M] [--time-limit S]
                                     [--tsnkit-methods ls,dt | all] [--json FILE]

For every seeded instance (tsnkit's generator: line/ring/tree/mesh, 8-16 switches, 10-1000 flows,
plus dense ones with period spec 4, size spec 3, deadline spec 2-3) it times the whole processes
``python -m tsnkit.algorithms.<method> TASK TOPO OUT/ 1 <method>`` (one worker) and ``tsnplan schedule
DIR -o schedule.json`` (the CLI, with start-up), checks every tsnplan schedule with tsnplan's verifier
(inside ``schedule``) and every schedule (tsnplan's via ``tsnplan export --to tsnkit``, tsnkit's as
written) with tsnkit's simulator, and prints one table row per instance. A process that exceeds
``--timeout`` (default 600 s) is stopped with its process group and counts as not solved ("t/o").

``--tsnkit-methods`` takes a comma list of tsnkit's algorithm modules or ``all`` (the 17 of tsnkit
0.3.0). A cell is ``yes`` when the method wrote a schedule, ``no`` when it ended without one
(reported unschedulable, unknown, or an error on the instance), ``t/o``, or ``n/r`` when it could
not run here: a missing solver runtime or module, or Gurobi's size-limited licence (its models
exceed the limit from 60 dense flows on). Such a method is not started again later in the run, and
the reasons are listed under the table; the CPLEX front ends are checked once with docplex first.

``--dense`` runs the high-load sweep instead (12 instances: ring and mesh with 8-16 switches and
100-560 flows, line and tree with 100 and 300 flows; periods 100-800 us,
frames 200-1500 B, deadlines of spec 3; the column ``util`` is the busiest talker link's offered
load). There an instance counts as *resolved* by tsnplan when it is scheduled or proven
infeasible with a certificate (``infeasible`` in schedule.json), by tsnkit when a method writes a
schedule; tsnplan runs ``--method`` (default auto) with ``--time-limit`` (default: 90 % of the timeout).
``--json FILE`` also writes every row (per method: outcome, seconds, reason, simulator verdict).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

TOPOLOGIES = {0: "line", 1: "ring", 2: "tree", 3: "mesh"}
TIMEOUT_S = 600
ALL_METHODS = ("ls", "dt", "ls_tb", "ls_pl", "i_ilp", "at", "cg", "cp_wa", "i_omt", "jrs_mc", "jrs_nw",
               "jrs_nw_l", "jrs_wa", "smt_fr", "smt_nw", "smt_pr", "smt_wa")
CANNOT_RUN = (  # (text in the method's output, reason): the environment, not the instance
    ("size-limited license", "Gurobi size-limited licence (model too large)"),
    ("no CPLEX runtime", "no CPLEX runtime"),
    ("'cpoptimizer' does not exists", "no CPLEX runtime (cpoptimizer)"),
    ("No module named", None),  # reason: the missing module, filled in below
)
CPLEX_METHODS = {"jrs_nw_l": "mp", "cp_wa": "cp"}  # docplex front ends that need IBM's runtime to solve

CPLEX_CHECK = """
import shutil
from docplex.mp.environment import Environment
from docplex.cp.config import context
print("mp" if Environment().has_cplex else "", "cp" if shutil.which(context.solver.local.execfile) else "")
"""

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
    """Run cmd in its own process group; past the timeout the whole group is killed: (proc or None, s)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, float(TIMEOUT_S)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), time.perf_counter() - t0


def simulate(python: Path, task: Path, config_prefix: str) -> str:
    """tsnkit's simulator on the schedule CSVs starting with config_prefix: "OK" or what went wrong."""
    try:
        sim = subprocess.run([str(python), "-c", SIMULATE, str(task), config_prefix],
                             capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"simulator stopped after {TIMEOUT_S:g} s"
    return sim.stdout.strip().splitlines()[-1] if sim.stdout.strip() else sim.stderr.strip()[-200:]


def missing_cplex(python: Path, methods: list[str]) -> dict[str, dict]:
    """Methods whose CPLEX runtime is absent, as could-not-run rows: docplex only finds out after
    building the whole model (23 s on 60 flows), so ask docplex once instead of timing out per instance."""
    wanted = [m for m in methods if m in CPLEX_METHODS]
    if not wanted:
        return {}
    found = subprocess.run([str(python), "-c", CPLEX_CHECK], capture_output=True, text=True).stdout.split()
    what = {"mp": "no CPLEX runtime", "cp": "no CPLEX runtime (cpoptimizer)"}
    return {m: {"outcome": "could not run", "seconds": 0.0, "simulator": "",
                "reason": f"{what[CPLEX_METHODS[m]]} (docplex finds none; not run)"}
            for m in wanted if CPLEX_METHODS[m] not in found}


def cannot_run_reason(output: str) -> str | None:
    """Why a method could not run in this environment, from its output; None if it ran."""
    for text, reason in CANNOT_RUN:
        if text in output:
            return reason or "missing module " + re.search(r"No module named '([^']+)'", output).group(1)
    return None


def run_tsnkit(python: Path, algo: str, task: Path, topo: Path, out: Path) -> dict:
    """One tsnkit method, one worker: outcome resolved / no schedule / timeout / could not run."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{algo}-*.csv"):
        old.unlink()
    proc, seconds = timed([str(python), "-m", f"tsnkit.algorithms.{algo}", str(task), str(topo), str(out) + "/",
                           "1", algo])
    row = {"seconds": round(seconds, 2), "reason": "", "simulator": ""}
    if proc is None:
        return row | {"outcome": "timeout"}
    output = proc.stdout + proc.stderr
    if any(out.glob(f"{algo}-GCL.csv")):
        return row | {"outcome": "resolved", "simulator": simulate(python, task, str(out) + f"/{algo}-")}
    reason = cannot_run_reason(output)
    if reason:
        return row | {"outcome": "could not run", "reason": reason}
    flags = re.findall(rf"^\|[^|]*\|\s*{algo}\s*\|\s*(\w+)", proc.stdout, re.M)
    flag = flags[-1] if flags else f"exit {proc.returncode}"
    lines = [line for line in output.splitlines() if line.startswith("[!]") or "Error" in line]
    return row | {"outcome": "no schedule", "reason": flag + (f": {lines[-1][:120]}" if flag != "fail" and lines else "")}


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
    return True, seconds, simulate(python, task, str(out / "tsnkit") + "/")


def ensure_instance(python: Path, inst: Path, seed, n, sw, period, size, deadline, topo):
    """Generate the instance with tsnkit's generator unless it exists: (task CSV, topology CSV)."""
    if not any(inst.glob("*_task.csv")):
        inst.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(python), "-c", GENERATE, str(seed), str(n), str(sw), str(period), str(size),
                        str(deadline), str(topo), str(inst) + "/"], check=True, capture_output=True)
        for extra in inst.glob("*.csv"):
            if not extra.name.endswith(("_task.csv", "_topo.csv")):
                extra.unlink()
    return next(inst.glob("*_task.csv")), next(inst.glob("*_topo.csv"))


def selected(specs: list[tuple], only: str | None) -> list[tuple]:
    """The instances whose name contains one of the comma-separated texts of --only, in that order."""
    if not only:
        return specs
    chosen = [spec for text in only.split(",") for spec in specs if text and text in spec[0]]
    return [spec for i, spec in enumerate(chosen) if spec not in chosen[:i]]


def tsnkit_methods(spec: str) -> list[str]:
    """The comma list (or ``all``) of --tsnkit-methods, checked against tsnkit's modules."""
    methods = list(ALL_METHODS) if spec == "all" else [m.strip() for m in spec.split(",") if m.strip()]
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown or not methods:
        raise SystemExit(f"--tsnkit-methods: unknown {unknown}; choose from {', '.join(ALL_METHODS)} or all")
    return methods


def cell(result: dict) -> str:
    """A table cell for one process: yes/no with seconds, t/o, n/r."""
    if result["outcome"] == "timeout":
        return "t/o"
    if result["outcome"] == "could not run":
        return "n/r"
    return f"{'yes' if result['outcome'] == 'resolved' else 'no'} {result['seconds']:5.1f}s"


def rejected_tsnplan(rows: list[dict]) -> list[str]:
    """Instances where tsnplan wrote a schedule that tsnkit's simulator did not accept."""
    return [r["instance"] for r in rows if r["tsnplan"]["resolved"] and not r["tsnplan"]["verdict"].endswith("OK")
            and "simulator stopped" not in r["tsnplan"]["verdict"] and "proven infeasible" not in r["tsnplan"]["verdict"]]


def summary(rows: list[dict], methods: list[str]) -> None:
    """Counts per method and for tsnplan, tsnkit's best, the instances tsnkit resolves and tsnplan not."""
    for label, group in (("all", rows), ("dense", [r for r in rows if r["instance"].startswith(("dense-", "hl-"))])):
        if not group:
            continue
        counts = {m: sum(r["tsnkit"][m]["outcome"] == "resolved" for r in group) for m in methods}
        best = max(methods, key=lambda m: counts[m])
        union = sum(any(r["tsnkit"][m]["outcome"] == "resolved" for m in methods) for r in group)
        print(f"\nsolved ({label}): " + ", ".join(f"{m} {counts[m]}" for m in methods)
              + f", tsnplan {sum(r['tsnplan']['resolved'] for r in group)} of {len(group)}"
              + f"; tsnkit best {counts[best]} ({best}), any tsnkit method {union}", end="")
    missed = [r["instance"] for r in rows if not r["tsnplan"]["resolved"]
              and any(r["tsnkit"][m]["outcome"] == "resolved" for m in methods)]
    print(f"\ntsnkit solved but tsnplan not: {missed or 'none'}; "
          f"tsnplan schedules the simulator rejects: {rejected_tsnplan(rows) or 'none'}")
    rejected = [f"{r['instance']} {m}: {r['tsnkit'][m]['simulator']}" for r in rows for m in methods
                if r["tsnkit"][m]["outcome"] == "resolved" and r["tsnkit"][m]["simulator"] != "OK"]
    print(f"tsnkit schedules the simulator does not accept: {rejected or 'none'}")
    reasons = {}
    for r in rows:
        for m in methods:
            if r["tsnkit"][m]["outcome"] == "could not run":
                reasons.setdefault(m, r["tsnkit"][m]["reason"])
    for m, reason in reasons.items():
        print(f"could not run: {m}: {reason}")


def main(argv=None) -> int:
    global TIMEOUT_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default="/tmp/tsnkit-venv", type=Path)
    parser.add_argument("--work", default="/tmp/tsnkit-compare", type=Path)
    parser.add_argument("--quick", action="store_true", help="fewer and smaller instances")
    parser.add_argument("--only", help="run instances whose name contains this (comma list: any of these, in this order)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help=f"seconds allowed to each solver process (default {TIMEOUT_S})")
    parser.add_argument("--dense", action="store_true", help="the high-load sweep (see the module docstring)")
    parser.add_argument("--method", default="auto", help="tsnplan's --method (default auto)")
    parser.add_argument("--time-limit", type=float, help="tsnplan's --time-limit (default: the timeout less 10 %%)")
    parser.add_argument("--tsnkit-methods", default="ls,dt", help="comma list of tsnkit methods, or all (default ls,dt)")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    TIMEOUT_S = args.timeout
    methods = tsnkit_methods(args.tsnkit_methods)
    python = ensure_venv(args.venv)
    rows, unavailable = [], missing_cplex(python, methods)
    print(f"{'instance':28} " + " ".join(f"{m:>10}" for m in methods) + f" {'tsnplan':>10} "
          + (f"{'dt/tsnplan':>10} " if "dt" in methods else "") + " tsnkit simulator on tsnplan")
    limit = args.time_limit or (TIMEOUT_S * 0.9 if args.dense else None)
    for name, *spec in selected(dense_instances() if args.dense else instances(args.quick), args.only):
        task, net = ensure_instance(python, args.work / name, *spec)
        results = {}
        for m in methods:
            if m in unavailable:
                results[m] = unavailable[m] | {"seconds": 0.0}
                continue
            results[m] = run_tsnkit(python, m, task, net, args.work / "out" / name / m)
            if results[m]["outcome"] == "could not run":
                unavailable[m] = results[m] | {"reason": results[m]["reason"] + f" (first seen on {name}; not run again)"}
        tp_ok, tp_s, verdict = run_tsnplan(python, args.work / name, args.work / "out" / name / f"tsnplan-{args.method}",
                                           args.method, limit, proven_counts=args.dense)
        tp = {"resolved": tp_ok, "seconds": round(tp_s, 2), "outcome": "resolved" if tp_ok else "no schedule",
              "verdict": verdict}
        if tp_s >= TIMEOUT_S:
            tp["outcome"] = "timeout"
        shown = f"util {talker_utilisation(task):.2f}; {verdict}" if args.dense else verdict
        ratio = ""
        if "dt" in methods:
            dt_s = results["dt"]["seconds"] if results["dt"]["outcome"] != "timeout" else TIMEOUT_S
            ratio = f"{'>' if dt_s >= TIMEOUT_S else ''}{dt_s / tp_s:.1f}x"
            ratio = f"{ratio:>10} "
        print(f"{name:28} " + " ".join(f"{cell(results[m]):>10}" for m in methods)
              + f" {cell(tp):>10} {ratio} {shown}", flush=True)
        rows.append({"instance": name, "util": round(talker_utilisation(task), 3), "tsnkit": results, "tsnplan": tp})
        if args.json:
            args.json.write_text(json.dumps({"timeout_s": TIMEOUT_S, "tsnplan_method": args.method,
                                             "tsnplan_time_limit_s": limit, "rows": rows}, indent=1) + "\n")
    summary(rows, methods)
    return 1 if rejected_tsnplan(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
