"""Scaling tables: run ``python benches/scaling.py [SECTION ...]`` (default: every section).

Each section is a function printing one rich table on seeded synthetic plants, built by the bench
modules' own generators (generate.py, plants.py, bench_budget.chain_problem, bench_emulate,
bench_heal); add a section by adding it to ``SECTIONS``. Times are the best of ``--repeat`` runs,
measured with time.perf_counter; every section first prints the 1-minute load average, so a busy
machine shows. Sections: loading, scheduling, budget, emulation, heal, startup (about 7 minutes in
all on two cores).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))

from generate import write_plant  # noqa: E402
from plants import write_mesh_plant  # noqa: E402

from tsnplan.io.checks import check_plant  # noqa: E402
from tsnplan.io.network_file import network_from_doc  # noqa: E402
from tsnplan.io.plant import Plant, load_plant  # noqa: E402
from tsnplan.io.streams_file import streams_from_doc  # noqa: E402
from tsnplan.io.yaml_input import read_yaml  # noqa: E402

LOADING_SIZES = [(10, 100), (50, 1_000), (100, 4_000), (200, 10_000), (500, 20_000), (1_000, 50_000)]
SCHEDULING_STREAMS = [1_000, 3_000, 10_000]     # heuristic on the 32-bridge mesh of plants.py
SCHEDULING_BRIDGES = 32
ILP_CASE = (8, 50)                               # bridges, streams: the exact method (bench_schedule)
ILP_LIMIT_S = 60
BUDGET_STREAMS = [2_000, 20_000]                 # bench_budget.chain_problem: 8-12 hops per stream
EMULATION_DURATIONS_NS = [250_000_000, 1_000_000_000]
HEAL_WORKERS = [1, 2]


def _best(repeat: int, fn, *args):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def _load_note(console: Console, name: str) -> None:
    one, five, _ = os.getloadavg()
    console.print(f"[{name}] load average {one:.2f} (1 min), {five:.2f} (5 min) on "
                  f"{len(os.sched_getaffinity(0))} CPUs", style="dim")


def loading(console: Console, repeat: int, workdir: Path) -> None:
    """load_plant (YAML, model, routing, compile, checks) on ring-of-rings plants, with its parts."""
    _load_note(console, "loading")
    table = Table(title="Loading: load_plant on ring-of-rings plants (seed 1), best of "
                        f"{repeat}, seconds", title_justify="left")
    for col in ("bridges", "streams", "nodes", "hops", "yaml", "model", "compile", "checks", "load_plant"):
        table.add_column(col, justify="right")
    for n_bridges, n_streams in LOADING_SIZES:
        network, streams = write_plant(workdir / f"{n_bridges}-{n_streams}", n_bridges, n_streams)
        t_yaml, (net_doc, stream_doc) = _best(repeat, lambda: (read_yaml(network), read_yaml(streams)))
        def build_model():
            net = network_from_doc(net_doc, str(network))[0]
            return net, streams_from_doc(stream_doc, str(streams), net)[0]
        t_model, (net, stream_set) = _best(repeat, build_model)
        # a fresh Plant per run: Plant.compile caches its problem, so a second call would time a lookup
        t_compile, problem = _best(repeat, lambda: Plant(net, stream_set).compile())
        t_check, _ = _best(repeat, check_plant, problem, stream_set)
        t_load, _ = _best(repeat, load_plant, network, streams)
        table.add_row(str(n_bridges), f"{n_streams:,}", f"{net.graph.number_of_nodes():,}", f"{problem.n_hops:,}",
                      f"{t_yaml:.3f}", f"{t_model:.3f}", f"{t_compile:.3f}", f"{t_check:.3f}", f"[bold]{t_load:.3f}[/bold]")
        console.print(f"  {n_bridges} bridges, {n_streams} streams: {t_load:.3f} s", style="dim")
    console.print(table)


def scheduling(console: Console, repeat: int, workdir: Path) -> None:
    """The heuristic on the 32-bridge mesh at growing stream counts, the exact method on ~50 streams,
    and the whole CLI (start-up, load, schedule, verify, write schedule.json) on the largest case."""
    from tsnplan.schedule import schedule
    from tsnplan.schedule.verify import verify
    _load_note(console, "scheduling")
    table = Table(title=f"Scheduling: plants.write_mesh_plant (seed 1), best of {repeat}, seconds",
                  title_justify="left")
    for col in ("method", "bridges", "streams", "scheduled", "placed", "status", "verify", "verify s",
                "schedule()", "CLI"):
        table.add_column(col, justify="right")
    cases = [("heuristic", SCHEDULING_BRIDGES, n) for n in SCHEDULING_STREAMS] + [("ilp", *ILP_CASE)]
    for method, n_bridges, n_streams in cases:
        folder = workdir / f"mesh-{n_bridges}-{n_streams}"
        folder.mkdir(parents=True, exist_ok=True)
        network, streams = write_mesh_plant(folder, n_bridges, n_streams)
        problem = load_plant(network, streams).compile()
        limit = ILP_LIMIT_S if method == "ilp" else None
        t_sched, result = _best(repeat, lambda: schedule(problem, method=method, time_limit_s=limit))
        used = result.extra.get("problem", problem)            # the heuristic may re-route streams
        t_verify, problems = _best(1, lambda: verify(used, result, sync_error_ns=result.extra.get("sync_error_ns", 0),
                                                      quantum=result.extra.get("quantum_ns")))
        n_sched = int(np.count_nonzero(problem.stream_scheduled))
        placed = n_sched - len(result.unscheduled)
        cli = ""
        if method == "heuristic" and n_streams == max(SCHEDULING_STREAMS):
            command = [sys.executable, "-m", "tsnplan", "schedule", str(network), str(streams),
                       "-o", str(folder / "schedule.json")]
            t_cli, proc = _best(repeat, lambda: subprocess.run(command, capture_output=True, text=True))
            if proc.returncode not in (0, 1):
                raise RuntimeError(f"{' '.join(command)} failed: {proc.stderr.strip()[-300:]}")
            cli = f"[bold]{t_cli:.2f}[/bold] (exit {proc.returncode})"
        table.add_row(method, str(n_bridges), f"{n_streams:,}", f"{n_sched:,}", f"{placed:,}", result.status.value,
                      "ok" if not problems else f"{len(problems)} problems", f"{t_verify:.2f}",
                      f"[bold]{t_sched:.2f}[/bold]", cli)
        console.print(f"  {method}, {n_streams} streams: {t_sched:.2f} s, {placed}/{n_sched} placed", style="dim")
    console.print(table)


def budget(console: Console, repeat: int, workdir: Path) -> None:
    """compute_budget on chains of 8-12 hops, and the path kernel against the pure-Python reference."""
    from bench_budget import _kernel_inputs, _reference_paths, chain_problem

    from tsnplan.budget import compute_budget
    from tsnplan.budget.calculus import calculus_bounds
    from tsnplan.budget.compose import _own_transmission_ns, path_budget
    _load_note(console, "budget")
    table = Table(title=f"Budget: bench_budget.chain_problem (seed 1), best of {repeat}; the path kernel "
                        f"best of {10 * repeat}", title_justify="left")
    for col in ("streams", "hops", "hops/stream", "compute_budget s", "calculus ms", "path kernel ms",
                "reference s", "speed-up"):
        table.add_column(col, justify="right")
    for n_streams in BUDGET_STREAMS:
        problem = chain_problem(n_streams)
        hops = np.diff(problem.hop_ptr)
        compute_budget(problem)                               # warm up (imports, page faults)
        t_budget, _ = _best(repeat, compute_budget, problem)
        terms, wait = _kernel_inputs(problem)
        t_kernel, (end, _) = _best(10 * repeat, path_budget, problem, wait, terms.cut_through)
        t_ref, (ref_end, _) = _best(repeat, _reference_paths, problem, wait, terms.cut_through)
        if end.tolist() != ref_end:
            raise RuntimeError("path kernel and reference disagree")
        active = (problem.stream_scheduled == 0).astype(np.int8)
        own_tx = _own_transmission_ns(problem)
        t_calc, _ = _best(repeat, calculus_bounds, problem, terms, active, None, own_tx)
        table.add_row(f"{n_streams:,}", f"{int(hops.sum()):,}", f"{hops.min()}-{hops.max()}",
                      f"[bold]{t_budget:.3f}[/bold]", f"{1000 * t_calc:.1f}", f"{1000 * t_kernel:.2f}",
                      f"{t_ref:.3f}", f"[bold]{t_ref / t_kernel:.0f}x[/bold]")
        console.print(f"  {n_streams} streams: compute_budget {t_budget:.3f} s, path kernel "
                      f"{t_ref / t_kernel:.0f}x the reference", style="dim")
    console.print(table)


def _vm_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _emulate_child(conn, problem, result, duration_ns: int) -> None:
    """Forked child: one emulation run; sends (wall s, events, frame-hops, ok, VmRSS before, VmHWM after)."""
    from bench_emulate import measure
    before = _vm_kib("VmRSS")
    wall, emulated = measure(problem, result, duration_ns)
    conn.send((wall, emulated.events, emulated.frame_hops, emulated.ok, before, _vm_kib("VmHWM")))
    conn.close()


def emulation(console: Console, repeat: int, workdir: Path) -> None:
    """The 1000-stream plant of bench_emulate with 30 % background at two emulated durations (each
    run in a fresh forked process, so its peak RSS is its own), and the kernel against the
    pure-Python reference engine on the same 5 ms of the same inputs."""
    from bench_emulate import BRIDGES, LOAD, REFERENCE_NS, SEED, bench_plant, reference_rate
    _load_note(console, "emulation")
    problem, result = bench_plant()
    fork = multiprocessing.get_context("fork")
    table = Table(title=f"Emulation: {BRIDGES}-bridge mesh, {problem.n_streams} streams ({result.status.value}), "
                        f"{LOAD:.0%} background, seed {SEED}, best of {repeat}", title_justify="left")
    for col in ("engine", "emulated", "wall s", "events", "M ev/s", "frame-hops", "M hops/s", "peak MiB",
                "growth MiB", "ok"):
        table.add_column(col, justify="right")
    for duration_ns in EMULATION_DURATIONS_NS:
        runs = []
        for _ in range(repeat):
            receive, send = fork.Pipe(duplex=False)
            child = fork.Process(target=_emulate_child, args=(send, problem, result, duration_ns))
            child.start()
            runs.append(receive.recv())
            child.join()
        wall, events, hops, ok, before, peak = min(runs)          # the fastest run
        peak = max(r[5] for r in runs)
        growth = max(r[5] - r[4] for r in runs)
        table.add_row("kernel", f"{duration_ns / 1e9:g} s", f"{wall:.2f}", f"{events:,}",
                      f"[bold]{events / wall / 1e6:.2f}[/bold]", f"{hops:,}", f"{hops / wall / 1e6:.2f}",
                      f"{peak / 1024:.0f}", f"{growth / 1024:.0f}", str(ok))
        console.print(f"  {duration_ns / 1e9:g} s emulated: {events / wall / 1e6:.2f} M events/s", style="dim")
    rates = [reference_rate(problem, result) for _ in range(repeat)]
    python, kernel = max(r[0] for r in rates), max(r[1] for r in rates)
    table.add_row("reference", f"{REFERENCE_NS / 1e6:g} ms", "", "", f"{python / 1e6:.3f}", "", "", "", "", "")
    table.add_row("kernel", f"{REFERENCE_NS / 1e6:g} ms", "", "", f"{kernel / 1e6:.2f}", "", "", "", "", "")
    table.caption = (f"kernel vs pure-Python reference on the same {REFERENCE_NS / 1e6:g} ms: "
                     f"{kernel / python:.0f}x (events/s, best of {repeat} each). peak = VmHWM of the run's "
                     "forked process, growth = VmHWM - VmRSS at the fork")
    console.print(table)


def heal(console: Console, repeat: int, workdir: Path) -> None:
    """N-1 (every link and bridge) on bench_heal's 100-bridge, 2000-stream plant with 1 and 2 worker
    processes; scheduling the plant is outside the timed region (as in bench_heal)."""
    from bench_heal import BRIDGES, prepared

    from tsnplan.resilience import analyse_failures
    _load_note(console, "heal")
    t0 = time.perf_counter()
    problem, result = prepared(workdir / "heal")
    t_prep = time.perf_counter() - t0
    rounds = min(repeat, 2)
    table = Table(title=f"Heal: N-1 reroute on a {BRIDGES}-bridge ring of rings, {problem.n_streams} streams "
                        f"({problem.n_hops:,} hops, {result.status.value}), best of {rounds}", title_justify="left")
    for col in ("workers", "scenarios", "seconds", "ms/scenario", "vs 1 worker", "stream losses", "isolations"):
        table.add_column(col, justify="right")
    single = None
    for workers in HEAL_WORKERS:
        seconds, out = _best(rounds, lambda: analyse_failures(problem, "reroute", schedule=result, workers=workers))
        single = single or seconds
        n = len(out.scenarios)
        table.add_row(str(workers), str(n), f"[bold]{seconds:.1f}[/bold]", f"{1000 * seconds / n:.1f}",
                      f"{single / seconds:.2f}x", str(sum(len(s.unhealed) for s in out.scenarios)),
                      str(sum(len(s.isolated) for s in out.scenarios)))
        console.print(f"  {workers} worker(s): {n} scenarios in {seconds:.1f} s", style="dim")
    table.caption = f"load + prepare + schedule (not timed above): {t_prep:.1f} s"
    console.print(table)


def _wall(cmd: list[str], repeat: int) -> tuple[float, str]:
    """Best wall time of a whole process, and its last stdout line."""
    best, last = float("inf"), ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
        best = min(best, time.perf_counter() - t0)
        last = (out.stdout.strip().splitlines() or [""])[-1][:60]
    return best, last


# ``tsnplan emulate`` with its engine timed inside the same process: the share outside the
# engine then compares two figures of one run, whatever else loads the machine meanwhile.
ENGINE_TIMED_CLI = """
import sys, time
import tsnplan.verbs.emulate as verb
from tsnplan.cli import main
engine, spent = verb.run_emulation, [0.0]
def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
        return engine(*args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - start
verb.run_emulation = timed
sys.argv = ["tsnplan", *sys.argv[1:]]
try:
    code = main()
finally:
    sys.stderr.write(f"engine-seconds {spent[0]:.6f}\\n")
sys.exit(code)
"""


def _wall_and_engine(cmd: list[str], repeat: int) -> tuple[float, float]:
    """(wall, engine) seconds of the fastest of ``repeat`` whole ``emulate`` processes."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
        wall = time.perf_counter() - t0
        engine = float(out.stderr.rsplit("engine-seconds", 1)[-1].split()[0])
        best = min(best, (wall, engine))
    return best


def startup(console: Console, repeat: int, workdir: Path) -> None:
    """Whole-process start-up of the CLI verbs on the 1000-stream emulation plant, against the
    interpreter alone and the imports every verb needs; ``emulate`` runs 1 s of emulated time and
    reports the engine's own wall time in the same process, so the share outside the engine shows."""
    from bench_emulate import BRIDGES, SEED, STREAMS
    _load_note(console, "startup")
    (workdir / "startup").mkdir(parents=True, exist_ok=True)
    net, streams = write_mesh_plant(workdir / "startup", BRIDGES, STREAMS, seed=SEED)
    sched = workdir / "startup" / "schedule.json"
    py = [sys.executable]
    cli = py + ["-m", "tsnplan"]
    subprocess.run(cli + ["schedule", str(net), str(streams), "-o", str(sched), "--method", "heuristic"],
                   capture_output=True, check=False)
    rows = [("python -c pass", py + ["-c", "pass"]),
            ("python -c 'import numpy, networkx'", py + ["-c", "import numpy, networkx"]),
            ("tsnplan --help", cli + ["--help"]),
            (f"tsnplan validate ({STREAMS} streams)", cli + ["validate", str(net), str(streams)]),
            (f"tsnplan schedule ({STREAMS} streams)", cli + ["schedule", str(net), str(streams), "-o",
                                                           str(workdir / "startup" / "s2.json"), "--method", "heuristic"]),
            (f"tsnplan emulate 1 s ({STREAMS} streams)", py + ["-c", ENGINE_TIMED_CLI, "emulate", str(net), str(streams),
                                                             "--schedule", str(sched), "--duration", "1s", "--json"])]
    table = Table(title=f"Start-up: whole processes, best of {repeat}", title_justify="left")
    for col in ("command", "wall s", "note"):
        table.add_column(col, justify="left" if col != "wall s" else "right")
    for label, cmd in rows:
        note = ""
        if label.startswith("tsnplan emulate"):
            seconds, engine = _wall_and_engine(cmd, repeat)
            note = f"engine {engine:.2f} s (same process), outside it {(seconds - engine) / seconds:.0%}"
        else:
            seconds, _ = _wall(cmd, repeat)
        table.add_row(label, f"{seconds:.2f}", note)
    console.print(table)


SECTIONS = {"loading": loading, "scheduling": scheduling, "budget": budget, "emulation": emulation, "heal": heal, "startup": startup}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"one of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r} (choose from {', '.join(SECTIONS)})")
    console = Console(width=None if sys.stdout.isatty() else 120)
    failed = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sections or SECTIONS:
            try:
                SECTIONS[name](console, args.repeat, Path(folder))
            except Exception:                    # one broken section must not hide the others' tables
                console.print_exception()
                failed.append(name)
    if failed:
        sys.exit(f"sections failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
