"""Packet-level emulation of a plant with its schedule: latency, jitter, loss per stream; pcap capture.

Failures: ``--fail a--b@250ms`` fails the link between a and b, ``--fail sw-3@1s`` fails a node
(every link it touches); ``--fail a--b@10ms..20ms`` restores it at 20 ms.
"""
from __future__ import annotations

from tsnplan.emulate import Scenario, parse_cbs, parse_failure, run_emulation
from tsnplan.emulate.scenario import listener_ports
from tsnplan.errors import ExitStatus, UsageError
from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import read_schedule
from tsnplan.report.console import print_json, progress_enabled
from tsnplan.report.emulate import emulation_to_json, render_emulation
from tsnplan.units import parse_percent, parse_time_ns
from tsnplan.verbs._types import MAX_EMULATED_NS, whole


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="network YAML file or tsnkit instance directory")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="stream YAML file")
    parser.add_argument("--schedule", metavar="SCHEDULE",
                        help="schedule.json: talkers release at its windows, gates follow its GCLs "
                             "(without it every stream is released once per period, gates open)")
    parser.add_argument("--duration", default="1s", help="emulated time (default 1s)")
    parser.add_argument("--fail", action="append", default=[], metavar="LINK@T|NODE@T",
                        help="fail a link (a--b@250ms) or a node (sw-3@1s); add ..T2 to restore at T2; repeatable")
    parser.add_argument("--background", default="0%", metavar="LOAD",
                        help="best-effort background traffic on every port, share of its rate (e.g. 30%%)")
    parser.add_argument("--capture", action="append", default=[], metavar="PORT",
                        help="capture frames leaving this port (a->b); repeatable (default with --pcap: "
                             "the ports that deliver to listeners)")
    parser.add_argument("--pcap", metavar="FILE", help="write the captured frames to this pcapng file")
    parser.add_argument("--seed", type=whole(0, 2**64 - 1, "a seed 0..2^64-1"), default=0, help="random seed (5G delays, background, phases)")
    parser.add_argument("--cbs", action="append", default=[], metavar="CLASS:SHARE",
                        help="idle slope of a traffic class on bridges with feature cbs, overriding the "
                             "SRP reservation the budget assumes (3:25%%; 3:0%% turns it off)")
    parser.add_argument("--no-preemption", action="store_true", help="turn 802.1Qbu frame preemption off")
    parser.add_argument("--frer-history", type=whole(2, 64), default=32,
                        help="802.1CB recovery history length (2-64, the emulator's limit; default 32)")
    parser.add_argument("--protection-switch", default="0ns", metavar="T",
                        help="PROTECT streams move to their backup route this long after a failure")
    parser.add_argument("--stream", metavar="ID", help="show the latency histogram of this stream")
    parser.add_argument("--vary", action="store_true",
                        help="clock offsets, cable and forwarding delays and talker releases drawn within "
                             "the plant's declared tolerances (sync_error, processing_min, release_jitter)")
    parser.add_argument("--phase-sweep", type=int, metavar="N",
                        help="run 2N emulations with the unscheduled streams released at N systematic "
                             "phases, in step and staggered; report each listener's worst latency")


def _time(option: str, text: str) -> int:
    try:
        return parse_time_ns(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _phase_sweep(args, problem, schedule, scenario, console) -> ExitStatus:
    from tsnplan.emulate.phases import sweep_phases
    from tsnplan.report.emulate import phase_sweep_to_json, render_phase_sweep

    if not 1 <= args.phase_sweep <= 1000:
        raise UsageError("--phase-sweep must be 1-1000")
    if args.pcap:
        raise UsageError("--phase-sweep writes no capture (drop --pcap)")
    sweep = sweep_phases(problem, schedule, scenario, args.phase_sweep, args.seed)
    if args.json:
        print_json(phase_sweep_to_json(sweep))
    else:
        render_phase_sweep(sweep, console)
    return ExitStatus.OK if sweep.ok else ExitStatus.NOT_MET


def run(args, console) -> ExitStatus:
    duration = _time("--duration", args.duration)
    if not 0 < duration <= MAX_EMULATED_NS:
        raise UsageError(f"--duration must be positive and at most {MAX_EMULATED_NS // 10**9} s, got {args.duration!r}")
    if args.pcap:
        from tsnplan.io.output import check_writable
        check_writable(args.pcap)
    try:
        background = parse_percent(args.background)
    except ValueError as exc:
        raise UsageError(f"--background: {exc}") from None
    if args.capture and not args.pcap:
        raise UsageError("--capture needs --pcap FILE to write to")
    plant = load_plant(args.network, args.streams)
    problem = plant.compile()
    if args.stream is not None and args.stream not in problem.stream_index:
        raise UsageError(f"--stream: {args.stream!r} is not a stream of the plant")
    schedule = read_schedule(args.schedule, problem) if args.schedule else None
    if schedule is not None:
        problem = schedule.extra.get("problem", problem)   # the file's routes (re-routed streams)
    capture = tuple(args.capture) or (listener_ports(problem) if args.pcap else ())
    scenario = Scenario(duration_ns=duration, failures=tuple(parse_failure(f) for f in args.fail),
                        background_load=background, capture_ports=capture, preemption=not args.no_preemption,
                        cbs_idle_slope=dict(parse_cbs(c) for c in args.cbs), frer_history=args.frer_history,
                        protection_switch_ns=_time("--protection-switch", args.protection_switch),
                        vary=args.vary)
    if args.phase_sweep is not None:
        return _phase_sweep(args, problem, schedule, scenario, console)
    if args.json or not progress_enabled(console):
        from tsnplan.report.progress import StderrProgress
        with StderrProgress("emulating") as progress:
            result = run_emulation(problem, schedule, scenario, args.seed, pcap=args.pcap, progress=progress.update)
    else:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
        with Progress(TextColumn("emulating"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("emulate", total=duration)
            result = run_emulation(problem, schedule, scenario, args.seed, pcap=args.pcap,
                                   progress=lambda done, total: bar.update(task, completed=done))
    if args.json:
        print_json(emulation_to_json(result))
    else:
        render_emulation(result, console, args.stream)
    return ExitStatus.OK if result.ok else ExitStatus.NOT_MET
