"""Parse and check a network and its streams; every problem is listed with file, entry and reason."""
from __future__ import annotations

from tsnplan.errors import ExitStatus
from tsnplan.io.checks import plant_warnings, warn_or_refuse
from tsnplan.io.plant import load_plant
from tsnplan.report.validate import render_validate, validate_to_json
from tsnplan.report.console import print_json


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="network YAML file or tsnkit instance directory")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="stream YAML file")
    parser.add_argument("--strict", action="store_true",
                        help="refuse (exit 2) what is otherwise a warning, e.g. redundancy without a disjoint route")


def run(args, console) -> ExitStatus:
    from tsnplan.report.progress import StderrProgress

    with StderrProgress(f"reading and checking {args.network}"):
        plant = load_plant(args.network, args.streams)
    warn_or_refuse(plant.compile(), args.strict)
    if args.json:
        print_json(validate_to_json(plant, plant_warnings(plant.compile())))
    else:
        render_validate(plant, console)
    return ExitStatus.OK
