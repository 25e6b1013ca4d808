"""Show two networks side by side: nodes, links, media, rates, features; with STREAMS, latency and slack deltas."""
from __future__ import annotations

from dataclasses import asdict

from tsnplan.errors import ExitStatus
from tsnplan.report.console import print_json


def add_arguments(parser) -> None:
    parser.add_argument("network_a", metavar="NET_A", help="first network YAML (e.g. as-is)")
    parser.add_argument("network_b", metavar="NET_B", help="second network YAML (e.g. to-be)")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="streams to compare on both networks")


def run(args, console) -> ExitStatus:
    from tsnplan.io.plant import load_plant
    from tsnplan.plan.compare import compare_networks
    from tsnplan.report.diff import render_diff

    plant_a = load_plant(args.network_a, args.streams, check=args.streams is not None)
    plant_b = load_plant(args.network_b, args.streams, check=args.streams is not None)
    with_streams = args.streams is not None
    diff = compare_networks(plant_a.network, plant_b.network, plant_a if with_streams else None,
                            plant_b if with_streams else None)
    if args.json:
        print_json({"format": "tsnplan-diff/1", **asdict(diff)})
    else:
        render_diff(diff, console)
    return ExitStatus.OK
