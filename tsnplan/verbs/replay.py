"""Learn streams from packet captures, judge captured traffic against a schedule, replay it through the emulated plant.

    tsnplan replay CAPTURE... --infer [-o streams.yaml] [--map map.yaml]
    tsnplan replay CAPTURE... NET [STREAMS] --schedule schedule.json [--map map.yaml]
    tsnplan replay CAPTURE... NET [STREAMS] --schedule schedule.json --emulate [--fail a--b@1s] [--pcap out.pcapng]

Arguments are captures (pcap or pcapng, recognised by their first bytes or their suffix) followed by
the plant. Exit 0: everything conforms (or was inferred); 1: a flow does not conform, a flow the
plan does not know, or a listener missed frames or deadlines in the replay; 2: bad input, including
a truncated or corrupt capture (the frames before the damage are still reported).
"""
from __future__ import annotations

import sys
from pathlib import Path

from tsnplan.errors import ExitStatus, InputError, UsageError
from tsnplan.io.files import open_regular
from tsnplan.report.console import print_json
from tsnplan.units import parse_time_ns
from tsnplan.verbs._types import whole

_CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".ntar")
_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE",
                        help="CAPTURE... [NET [STREAMS]]: pcap/pcapng captures first, then the plant's network "
                             "file (or tsnkit directory) and stream file")
    parser.add_argument("--infer", action="store_true", help="write the streams the captures demand")
    parser.add_argument("-o", "--output", metavar="FILE", help="with --infer: write the streams YAML here")
    parser.add_argument("--map", metavar="MAP", help="YAML: nodes (MAC -> node id) and streams (flow -> stream id)")
    parser.add_argument("--schedule", metavar="SCHEDULE", help="schedule.json to judge the captured frames against")
    parser.add_argument("--tolerance", default="0ns", metavar="T",
                        help="extra slack around each window (the timestamp resolution is always allowed)")
    parser.add_argument("--ignore-unknown", action="store_true",
                        help="flows the plan does not know are listed but do not fail the run")
    parser.add_argument("--emulate", action="store_true", help="replay the captured frames through the emulated plant")
    parser.add_argument("--fail", action="append", default=[], metavar="LINK@T|NODE@T",
                        help="with --emulate: fail a link (a--b@250ms) or node; repeatable")
    parser.add_argument("--pcap", metavar="FILE", help="with --emulate: write what the listeners received (pcapng)")
    parser.add_argument("--seed", type=whole(0, 2**64 - 1, "a seed 0..2^64-1"), default=0, help="random seed of the emulation")
    parser.add_argument("--junit-xml", metavar="FILE", help="write the verdicts as JUnit XML")


def _is_capture(path: str) -> bool:
    p = Path(path)
    if p.suffix.lower() in _CAPTURE_SUFFIXES:
        return True
    try:
        with open_regular(p, what="a capture") as handle:     # a FIFO or device is never waited on
            return handle.read(4) in _MAGICS
    except (InputError, OSError):
        return False


def split_inputs(inputs: list[str]) -> tuple[list[str], str | None, str | None]:
    captures = []
    for i, item in enumerate(inputs):
        if not _is_capture(item):
            rest = inputs[i:]
            break
        captures.append(item)
    else:
        rest = []
    if not captures:
        raise UsageError("replay: give at least one capture file (pcap or pcapng) first")
    if len(rest) > 2 or any(_is_capture(r) for r in rest):
        raise UsageError("replay: expected CAPTURE... [NET [STREAMS]] (captures first)")
    return captures, (rest[0] if rest else None), (rest[1] if len(rest) > 1 else None)


def run(args, console) -> ExitStatus:
    from tsnplan.replay.infer import streams_yaml
    from tsnplan.replay.run import run_replay
    from tsnplan.report.replay import render_replay, replay_junit_xml, replay_to_json

    captures, network, streams = split_inputs(args.inputs)
    if not args.infer and not args.schedule:
        raise UsageError("replay: give --infer, or NET and --schedule")
    if args.schedule and network is None:
        raise UsageError("replay: --schedule needs the plant (NET [STREAMS]) after the captures")
    if args.emulate and not args.schedule:
        raise UsageError("replay: --emulate needs NET and --schedule")
    if (args.fail or args.pcap) and not args.emulate:
        raise UsageError("replay: --fail and --pcap need --emulate")
    if args.output and not args.infer:
        raise UsageError("replay: -o needs --infer")
    try:
        tolerance = parse_time_ns(args.tolerance)
    except ValueError as exc:
        raise UsageError(f"--tolerance: {exc}") from None
    if args.emulate:
        from tsnplan.emulate import parse_failure
        failures = [parse_failure(f) for f in args.fail]
    else:
        failures = []
    result = run_replay(captures, network if args.schedule else None, streams, args.schedule, args.map,
                        infer=args.infer, emulate=args.emulate, failures=failures, pcap=args.pcap,
                        tolerance_ns=tolerance, seed=args.seed, ignore_unknown=args.ignore_unknown)
    if args.infer:
        text = streams_yaml(result.streams, result.capture.files)
        if args.output:
            Path(args.output).write_text(text)
        elif not args.json:
            sys.stdout.write(text)          # the file as is: no wrapping or markup
    if args.junit_xml:
        Path(args.junit_xml).write_bytes(replay_junit_xml(result))
    if args.json:
        print_json(replay_to_json(result))
    elif args.output or not args.infer:
        render_replay(result, console)
    if result.problems:      # the frames before the damage are reported above; now where it is
        if not args.json:
            raise InputError(result.problems)
        for problem in result.problems:     # --json: the document above already lists them
            print(str(problem), file=sys.stderr)
        return ExitStatus.BAD_INPUT
    return ExitStatus.OK if result.ok else ExitStatus.NOT_MET
