"""Run the whole pipeline on the embedded default plant (or another example plant)."""
from __future__ import annotations

from tsnplan.errors import ExitStatus
from tsnplan.io.plant import load_plant
from tsnplan.model.load import port_load
from tsnplan.report.console import print_json
from tsnplan.report.show import render_show, show_to_json
from tsnplan.topologies import DEFAULT_PLANT, plant_files, plant_names


def add_arguments(parser) -> None:
    parser.add_argument("--plant", default=DEFAULT_PLANT, choices=plant_names(),
                        help=f"example plant to run (default {DEFAULT_PLANT})")


def run(args, console) -> ExitStatus:
    network_file, streams_file = plant_files(args.plant)
    plant = load_plant(network_file, streams_file)
    problem = plant.compile()
    load = port_load(problem)
    if args.json:
        print_json({"format": "tsnplan-demo/1", "plant": args.plant, "show": show_to_json(plant, problem, load)})
        return ExitStatus.OK
    console.rule(f"tsnplan demo: {args.plant}")
    console.print(f"[green]valid[/green]: {network_file.name} + {streams_file.name}")
    render_show(plant, problem, load, console, top=8)
    return ExitStatus.OK
