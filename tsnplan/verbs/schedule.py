"""Synthesise 802.1Qbv gate schedules and write schedule.json; exit 1 when not every stream fits."""
from __future__ import annotations

import argparse

from tsnplan.errors import ExitStatus, UsageError
from tsnplan.io.checks import warn_or_refuse
from tsnplan.io.plant import load_plant
from tsnplan.report.console import print_json, progress_enabled
from tsnplan.units import parse_time_ns
from tsnplan.verbs._types import MAX_EMULATED_NS, whole


def _time(text: str) -> int:
    try:
        return parse_time_ns(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("the time limit must be positive")
    return value


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="network YAML file or tsnkit instance directory")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="stream YAML file")
    parser.add_argument("--strict", action="store_true",
                        help="refuse (exit 2) what is otherwise a warning, e.g. redundancy without a disjoint route")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the schedule here (schedule.json)")
    parser.add_argument("--method", choices=("auto", "heuristic", "ilp", "cpsat"), default="auto",
                        help="auto (default): heuristic, then CP-SAT (whole model or neighbourhood repair) "
                             "when it leaves streams; cpsat: always that")
    parser.add_argument("--workers", type=int, choices=(1, 2), default=1,
                        help="CP-SAT search workers; 2 is faster but not reproducible (default 1)")
    parser.add_argument("--time-limit", type=_seconds, metavar="S", help="stop searching after S seconds")
    parser.add_argument("--sync-error", type=_time, metavar="T",
                        help="gPTP precision added to every hop (default 1us; 0 for tsnkit instances)")
    parser.add_argument("--max-wait", type=_time, default=0, metavar="T",
                        help="let frames wait up to T in a queue (default 0: no-wait)")
    parser.add_argument("--no-reroute", action="store_true", help="never move a stream off its shortest route")
    parser.add_argument("--top", type=whole(0), default=6, metavar="N", help="gate timelines of the N busiest ports")
    parser.add_argument("--verify-by-emulation", nargs="?", const=1_000_000_000, type=_time, metavar="T",
                        help="emulate the schedule for T (default 1s) with no failure; exit 1 on any lost "
                             "or late frame the 5G tail's stated probability does not explain")
    parser.add_argument("--seed", type=whole(0, 2**64 - 1, "a seed 0..2^64-1"), default=0,
                        help="random seed of CP-SAT, its repair and --verify-by-emulation (same seed, same output)")


def run(args, console) -> ExitStatus:
    from tsnplan.io.schedule_json import write_schedule
    from tsnplan.report.schedule import render_schedule, render_verdict, schedule_to_report_json
    from tsnplan.schedule import ScheduleOptions, ScheduleStatus, schedule

    if args.output and args.output != "-":
        from tsnplan.io.output import check_writable
        check_writable(args.output)
    plant = load_plant(args.network, args.streams)
    problem = plant.compile()
    warn_or_refuse(problem, args.strict)
    options = ScheduleOptions(sync_error_ns=args.sync_error, max_wait_ns=args.max_wait,
                              reroute=not args.no_reroute)
    if args.json or not progress_enabled(console):
        from tsnplan.report.progress import StderrProgress
        with StderrProgress(f"scheduling {problem.n_streams} streams ({args.method})"):
            result = schedule(problem, method=args.method, time_limit_s=args.time_limit, options=options,
                              seed=args.seed, workers=args.workers)
    else:
        with console.status(f"scheduling {problem.n_streams} streams ({args.method}) ..."):
            result = schedule(problem, method=args.method, time_limit_s=args.time_limit, options=options,
                              seed=args.seed, workers=args.workers)
    problem = result.extra.get("problem", problem)
    if args.output:
        write_schedule(args.output, problem, result)
    verdict = None
    if args.verify_by_emulation is not None:
        if not 0 < args.verify_by_emulation <= MAX_EMULATED_NS:
            raise UsageError(f"--verify-by-emulation needs a positive duration of at most {MAX_EMULATED_NS // 10**9} s")
        from tsnplan.emulate.verdict import verify_by_emulation
        _, _, verdict = verify_by_emulation(problem, result, args.verify_by_emulation, args.seed)
    feasible = result.status is ScheduleStatus.FEASIBLE
    status = ExitStatus.OK if feasible and (verdict is None or verdict.ok) else ExitStatus.NOT_MET
    if args.output == "-":          # the schedule is the output: no report on stdout beside it
        return status
    if args.json:
        doc = schedule_to_report_json(problem, result)
        if verdict is not None:
            doc["verification"] = {"duration_ns": args.verify_by_emulation, "seed": args.seed, **verdict.to_json()}
        print_json(doc)
    else:
        render_schedule(problem, result, console, output=args.output, top=args.top)
        if verdict is not None:
            render_verdict(verdict, args.verify_by_emulation, args.seed, console)
    return status
