"""Run the whole pipeline on the embedded default plant: validate, schedule, budget, emulate with a failure.

A plant whose as-is network cannot run its scheduled streams (bridges without 802.1Qbv: the
brownfield line) is planned first, and the pipeline runs on the verified to-be network with the
new demand, so the demo shows a plan that holds rather than a false "feasible".
"""
from __future__ import annotations

from pathlib import Path

from tsnplan.errors import ExitStatus, InputError, Problem, UsageError
from tsnplan.io.output import check_writable
from tsnplan.model.features import qbv_gaps
from tsnplan.io.plant import load_plant
from tsnplan.pipeline import run_pipeline
from tsnplan.report.console import print_json, progress_enabled
from tsnplan.report.demo import demo_to_json, render_demo
from tsnplan.topologies import DEFAULT_PLANT, plant_files, plant_names, upgrade_files
from tsnplan.units import parse_time_ns
from tsnplan.verbs._types import MAX_EMULATED_NS, whole


#: Plants whose upgrade scenario the demo plans (each verifies in its first round); the
#: process plant's takes three verification rounds, about 25 s: `tsnplan plan` runs it.
PLAN_IN_DEMO = ("brownfield-line", "agv-hall")


def add_arguments(parser) -> None:
    parser.add_argument("--plant", default=DEFAULT_PLANT, choices=plant_names(),
                        help=f"example plant to run (default {DEFAULT_PLANT})")
    parser.add_argument("--duration", default="200ms", help="emulated time (default 200ms)")
    parser.add_argument("--seed", type=whole(0, 2**64 - 1, "a seed 0..2^64-1"), default=0, help="random seed of the emulation")
    parser.add_argument("--out", metavar="DIR", help="write schedule.json and emulation.pcapng here")


def _out_dir(text: str) -> Path:
    """The --out folder, made if missing; refused at once when it cannot be."""
    path = Path(text)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError([Problem(text, "", "exists and is not a directory")]) from None
    except OSError as exc:
        raise InputError([Problem(text, "", f"cannot make the directory: {exc.strerror or exc}")]) from None
    check_writable(path / "schedule.json")
    return path


def run(args, console) -> ExitStatus:
    try:
        duration = parse_time_ns(args.duration)
    except ValueError as exc:
        raise UsageError(f"--duration: {exc}") from None
    if not 0 < duration <= MAX_EMULATED_NS:
        raise UsageError(f"--duration must be positive and at most {MAX_EMULATED_NS // 10**9} s, got {args.duration!r}")
    network_file, streams_file = plant_files(args.plant)
    plant = load_plant(network_file, streams_file)
    upgrade = _plan_upgrade(network_file, upgrade_files(args.plant)) if args.plant in PLAN_IN_DEMO else None
    gaps = qbv_gaps(plant.compile())
    on_plan = bool(gaps) and upgrade is not None and upgrade[2] is not None
    if on_plan:
        plant = upgrade[2]
    out_dir = _out_dir(args.out) if args.out else None
    if args.json or not progress_enabled(console):
        from tsnplan.report.progress import StderrProgress
        with StderrProgress("scheduling, budgeting and emulating"):
            result = run_pipeline(plant, duration_ns=duration, seed=args.seed, out_dir=out_dir)
    else:
        with console.status("scheduling, budgeting and emulating ..."):
            result = run_pipeline(plant, duration_ns=duration, seed=args.seed, out_dir=out_dir)
    if args.json:
        document = demo_to_json(args.plant, result)
        document["pipeline_network"] = "to-be" if on_plan else "as-is"
        if upgrade is not None:
            document["upgrade_plan"] = upgrade[0]
        print_json(document)
    else:
        if on_plan:
            console.print(f"The as-is plant cannot run its scheduled streams ({len(gaps)} cross bridges without "
                          "802.1Qbv; `tsnplan validate` lists them): the pipeline runs on the planned to-be "
                          "network with the new demand (section 5).", soft_wrap=True)
        render_demo(args.plant, plant, result, console)
        if upgrade is not None:
            console.rule("5. upgrade plan for the new demand (tsnplan plan)")
            upgrade[1](console)
    return ExitStatus.OK if result.ok else ExitStatus.NOT_MET


def _plan_upgrade(network_file, scenario):
    """The plant's upgrade scenario planned: (plan JSON, renderer, the verified to-be plant or None),
    or None without a scenario."""
    if scenario is None:
        return None
    from tsnplan.plan import plan_upgrade
    from tsnplan.plan.inputs import planned_plant, read_plan_inputs
    from tsnplan.plan.phases import migration_phases
    from tsnplan.report.plan import plan_to_json, render_plan

    inputs = read_plan_inputs(network_file, scenario[1], scenario[0])
    result = plan_upgrade(inputs.network_doc, inputs.streams_doc, inputs.streams_file, inputs.catalogue)
    phases = migration_phases(result.base_doc, inputs.streams_doc, inputs.streams_file, inputs.catalogue,
                              result.best.actions, result.diagnosis) if result.best and result.best.actions else []
    to_be = planned_plant(result, inputs) if result.best is not None else None
    return (plan_to_json(result, inputs.catalogue, phases),
            lambda console: render_plan(result, inputs.catalogue, phases, console, top=8), to_be)
