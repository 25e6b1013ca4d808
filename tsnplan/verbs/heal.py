"""Single-failure (N-1) analysis: which streams survive every link and bridge failure, and how fast."""
from __future__ import annotations

from tsnplan.errors import ExitStatus, UsageError
from tsnplan.io.plant import load_plant
from tsnplan.report.console import print_json, progress_enabled
from tsnplan.report.heal import heal_to_json, render_heal
from tsnplan.resilience import AUTO, FrerConfig, Policy, RecoveryTiming, analyse_failures, prepare_problem
from tsnplan.resilience.policies import CFM_DETECTION_NS, DEFAULT_CONFIG_DELAY_NS
from tsnplan.units import parse_time_ns
from tsnplan.verbs._types import MAX_EMULATED_NS, whole


def _time(text: str) -> int:
    try:
        return parse_time_ns(text)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"not a time: {text!r} ({exc})") from None


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="network YAML file or tsnkit instance directory")
    parser.add_argument("streams", metavar="STREAMS", nargs="?", help="stream YAML file")
    parser.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.REROUTE.value,
                        help="policy of streams that request no redundancy (default reroute)")
    parser.add_argument("--failures", choices=["links", "nodes", "all"], default="all",
                        help="which elements fail (default all: every link and bridge)")
    parser.add_argument("--k", type=int, choices=[1, 2], default=1, help="2: also every pair of failures")
    parser.add_argument("--emulate", type=whole(-1), default=0, metavar="N",
                        help="prove the N most harmful scenarios by emulation (-1: all)")
    parser.add_argument("--pcap", metavar="PATH", help="capture the first emulated scenario (switch-over) to a pcapng")
    parser.add_argument("--workers", type=whole(1, 1024), default=None, metavar="W", help="worker processes (default: all cores)")
    parser.add_argument("--cluster", metavar="ADDRESS", help="evaluate scenarios on a Dask cluster, e.g. tcp://host:8786")
    parser.add_argument("--schedule", metavar="FILE", help="use this schedule.json (made with the same policy; `tsnplan schedule` fits --policy reroute)")
    parser.add_argument("--unloaded", action="store_true",
                        help="no schedule: time streams as if alone in the network (estimates)")
    parser.add_argument("--detection", type=_time, default=CFM_DETECTION_NS, metavar="TIME",
                        help="failure detection time (default 11.667ms: CFM, 3.33ms CCM interval x 3.5)")
    parser.add_argument("--hold-off", type=_time, default=0, metavar="TIME", help="protection hold-off (default 0)")
    parser.add_argument("--config-delay", type=_time, default=DEFAULT_CONFIG_DELAY_NS, metavar="TIME",
                        help="reroute: time to compute and install new GCLs (default 50ms)")
    parser.add_argument("--frer-recovery", choices=["vector", "match"], default="vector")
    parser.add_argument("--frer-history", type=whole(2, 65535), default=2, metavar="N",
                        help="sequence history length (2-65535 as 802.1CB; emulation uses at most 64; default 2)")
    parser.add_argument("--frer-reset", type=_time, default=1_000_000_000, metavar="TIME",
                        help="sequence recovery reset timeout (default 1s)")
    parser.add_argument("--fail-at", type=_time, default=None, metavar="TIME", help="failure time in the run")
    parser.add_argument("--duration", type=_time, default=None, metavar="TIME", help="length of the run")
    parser.add_argument("--top", type=whole(0), default=30, help="scenarios to list (default 30, worst first)")
    parser.add_argument("--seed", type=whole(0, 2**64 - 1, "a seed 0..2^64-1"), default=0)


def _schedule(args, plant):
    if args.unloaded and args.schedule:
        raise UsageError("--unloaded and --schedule exclude each other")
    if args.unloaded:
        return None
    if args.schedule:
        from tsnplan.io.schedule_json import read_schedule
        return read_schedule(args.schedule, prepare_problem(plant, args.policy))
    return AUTO


def run(args, console) -> ExitStatus:
    if args.duration is not None and not 0 < args.duration <= MAX_EMULATED_NS:
        raise UsageError(f"--duration must be positive and at most {MAX_EMULATED_NS // 10**9} s")
    if args.pcap:
        from tsnplan.io.output import check_writable
        check_writable(args.pcap)
    plant = load_plant(args.network, args.streams)
    recovery = RecoveryTiming(detection_ns=args.detection, hold_off_ns=args.hold_off,
                              config_delay_ns=args.config_delay,
                              frer=FrerConfig(args.frer_recovery, args.frer_history, args.frer_reset))
    options = dict(policy=args.policy, failures=args.failures, k=args.k, schedule=_schedule(args, plant),
                   recovery=recovery, workers=args.workers, duration_ns=args.duration, emulate=args.emulate,
                   pcap=args.pcap, seed=args.seed)
    if args.fail_at is not None:
        options["fail_at_ns"] = args.fail_at
    if args.cluster:
        from tsnplan.plan.cluster import cluster_executor
        with cluster_executor(args.cluster) as executor:
            return _run(args, console, plant, {**options, "executor": executor})
    return _run(args, console, plant, options)


def _run(args, console, plant, options) -> ExitStatus:
    if args.json or not progress_enabled(console):
        from tsnplan.report.progress import StderrProgress
        with StderrProgress("failure scenarios, then emulation") as progress:
            result = analyse_failures(plant, progress=progress.update, emulation_progress=progress.update, **options)
    else:
        from rich.progress import Progress
        with Progress(console=console, transient=True) as bar:
            sweep_task = bar.add_task("failure scenarios", total=None)
            proof_task = bar.add_task("emulation", total=None, visible=args.emulate != 0)
            result = analyse_failures(
                plant, progress=lambda done, total: bar.update(sweep_task, completed=done, total=total),
                emulation_progress=lambda done, total: bar.update(proof_task, completed=done, total=total),
                **options)
    if args.json:
        print_json(heal_to_json(result))
    else:
        render_heal(result, console, top=args.top)
    return ExitStatus.OK if result.met else ExitStatus.NOT_MET
