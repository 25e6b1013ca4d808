"""Summarise a plant: nodes, links and media, streams per traffic type, and per-link load."""
from __future__ import annotations

from tsnplan.errors import ExitStatus
from tsnplan.io.plant import load_plant
from tsnplan.model.load import port_load
from tsnplan.report.console import print_json
from tsnplan.report.show import render_show, show_to_json


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="network YAML file or tsnkit instance directory")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="stream YAML file")
    parser.add_argument("--top", type=int, default=20, help="links to list in the load table (default 20)")


def run(args, console) -> ExitStatus:
    plant = load_plant(args.network, args.streams, check=False)
    problem = plant.compile()
    load = port_load(problem)
    if args.json:
        print_json(show_to_json(plant, problem, load))
    else:
        render_show(plant, problem, load, console, top=args.top)
    return ExitStatus.NOT_MET if (load.port_utilisation > 1.0).any() else ExitStatus.OK
