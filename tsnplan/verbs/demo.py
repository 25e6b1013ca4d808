"""Run the whole pipeline on the embedded default plant: validate, schedule, budget, emulate with a failure."""
from __future__ import annotations

from pathlib import Path

from tsnplan.errors import ExitStatus, UsageError
from tsnplan.io.plant import load_plant
from tsnplan.pipeline import run_pipeline
from tsnplan.report.console import print_json, progress_enabled
from tsnplan.report.demo import demo_to_json, render_demo
from tsnplan.topologies import DEFAULT_PLANT, plant_files, plant_names
from tsnplan.units import parse_time_ns


def add_arguments(parser) -> None:
    parser.add_argument("--plant", default=DEFAULT_PLANT, choices=plant_names(),
                        help=f"example plant to run (default {DEFAULT_PLANT})")
    parser.add_argument("--duration", default="200ms", help="emulated time (default 200ms)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the emulation")
    parser.add_argument("--out", metavar="DIR", help="write schedule.json and emulation.pcapng here")


def run(args, console) -> ExitStatus:
    try:
        duration = parse_time_ns(args.duration)
    except ValueError as exc:
        raise UsageError(f"--duration: {exc}") from None
    if duration <= 0:
        raise UsageError("--duration must be positive")
    network_file, streams_file = plant_files(args.plant)
    plant = load_plant(network_file, streams_file)
    out_dir = Path(args.out) if args.out else None
    if args.json or not progress_enabled(console):
        result = run_pipeline(plant, duration_ns=duration, seed=args.seed, out_dir=out_dir)
    else:
        with console.status("scheduling, budgeting and emulating ..."):
            result = run_pipeline(plant, duration_ns=duration, seed=args.seed, out_dir=out_dir)
    if args.json:
        print_json(demo_to_json(args.plant, result))
    else:
        render_demo(args.plant, plant, result, console)
    return ExitStatus.OK if result.ok else ExitStatus.NOT_MET
