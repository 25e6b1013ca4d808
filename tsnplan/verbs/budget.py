"""Per-stream, per-hop latency and jitter budget across wired TSN, 5G and Single Pair Ethernet."""
from __future__ import annotations

from tsnplan.budget import compute_budget
from tsnplan.errors import ExitStatus, UsageError
from tsnplan.io.checks import warn_or_refuse
from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import read_schedule
from tsnplan.model.media.fiveg import DEFAULT_PERCENTILE
from tsnplan.report.budget import budget_to_json, render_budget
from tsnplan.report.console import print_json
from tsnplan.report.progress import StderrProgress
from tsnplan.verbs._types import whole


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="network YAML file or tsnkit instance directory")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="stream YAML file")
    parser.add_argument("--strict", action="store_true",
                        help="refuse (exit 2) what is otherwise a warning, e.g. redundancy without a disjoint route")
    parser.add_argument("--schedule", metavar="SCHEDULE", help="schedule.json: bound scheduled streams by its windows")
    parser.add_argument("--percentile", default=str(DEFAULT_PERCENTILE), metavar="P",
                        help=f"end-to-end percentile over stochastic 5G hops (default {DEFAULT_PERCENTILE})")
    parser.add_argument("--stream", metavar="ID", help="only this stream, with a per-hop breakdown")
    parser.add_argument("--top", type=whole(0), default=10, help="streams listed as closest to failing (default 10)")


def run(args, console) -> ExitStatus:
    try:
        percentile = float(args.percentile.strip().removesuffix("%"))
    except ValueError:
        percentile = -1.0
    if not 0.0 < percentile <= 100.0:
        raise UsageError(f"--percentile: expected a percentage in (0, 100] like 99.999, got {args.percentile!r}")
    with StderrProgress("loading, reading the schedule and bounding"):
        plant = load_plant(args.network, args.streams)
        problem = plant.compile(percentile=percentile)
        warn_or_refuse(problem, args.strict)
        if args.stream is not None and args.stream not in problem.stream_index:
            raise UsageError(f"--stream: {args.stream!r} is not a stream of the plant")
        schedule = read_schedule(args.schedule, problem) if args.schedule else None
        if schedule is not None:
            problem = schedule.extra.get("problem", problem)   # the file's routes (re-routed streams)
        result = compute_budget(problem, schedule, percentile)
    if args.json:
        print_json(budget_to_json(result, args.stream))
    else:
        render_budget(result, console, args.stream, args.top)
    return ExitStatus.OK if result.all_met else ExitStatus.NOT_MET
