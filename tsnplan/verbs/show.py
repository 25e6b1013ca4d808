"""Summarise a plant: nodes, links and media, streams per traffic type, and per-link load."""
from __future__ import annotations

import argparse

from tsnplan.errors import ExitStatus
from tsnplan.io.plant import load_plant
from tsnplan.model.load import overloaded_ports, port_load
from tsnplan.report.console import print_json
from tsnplan.report.show import render_show, show_to_json


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of ports, got {text!r}")
    return int(text)


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="network YAML file or tsnkit instance directory")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="stream YAML file")
    parser.add_argument("--top", type=_count, default=20, help="ports to list in the load table (default 20)")


def run(args, console) -> ExitStatus:
    """Exit 1 when a port is overloaded: no schedule can carry that plant."""
    plant = load_plant(args.network, args.streams, check=False)
    problem = plant.compile()
    load = port_load(problem)
    if args.json:
        print_json(show_to_json(plant, problem, load))
    else:
        render_show(plant, problem, load, console, top=args.top)
    return ExitStatus.NOT_MET if overloaded_ports(problem, load) else ExitStatus.OK
