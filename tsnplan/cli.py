"""Command line: a switchboard. Parse, call one library function, render, return an exit status.

Each verb lives in ``tsnplan/verbs/<verb>.py`` with ``add_arguments(parser)`` and
``run(args, console) -> ExitStatus``; this module only wires them and is the single boundary
where errors become exit codes.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys

from tsnplan import __version__
from tsnplan.errors import ExitStatus, InputError, TsnplanError, UsageError, printable

__all__ = ["main", "VERBS"]

#: verb -> one-line help; the module tsnplan.verbs.<verb> implements it.
VERBS: dict[str, str] = {
    "demo": "the whole pipeline on the embedded default plant",
    "validate": "parse and check a network and its streams; list every problem",
    "show": "summarise nodes, links, media, streams and per-link load",
    "budget": "per-stream, per-hop latency and jitter budget across all media",
    "schedule": "synthesise 802.1Qbv gate schedules; write schedule.json",
    "export": "turn schedule.json into per-device tc/ethtool/ptp4l scripts, IEEE YANG or tsnkit CSVs",
    "emulate": "packet-level emulation: latency, jitter and loss per stream; failures; pcap capture",
    "heal": "single-failure (N-1) analysis: survival, recovery time and deadline misses per scenario",
    "replay": "learn streams from pcap captures, judge them against a schedule, replay them through the emulator",
    "plan": "upgrade planner: the cheapest verified set of changes from a catalogue for new demand",
    "diff": "two networks side by side: nodes, links, media, rates, features; stream latency deltas",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit(2) itself; route through our boundary
        if message.endswith("expected one argument"):   # e.g. --duration -1ms: argparse took -1ms for an option
            message += " (values cannot be negative; write --option=VALUE for a value that starts with '-')"
        raise UsageError(f"{self.prog}: {message}")


def _requested_verb(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """All verbs are listed, but only the requested one's module (and its imports) is loaded,
    so start-up stays short: ``tsnplan schedule`` never imports the emulator or the ILP solver."""
    parser = _Parser(prog="tsnplan", description="Plan and emulate time-sensitive industrial networks.")
    parser.add_argument("--version", action="version", version=f"tsnplan {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the Python traceback of an error")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    wanted = _requested_verb(argv or [])
    for verb, help_text in VERBS.items():
        if verb != wanted:
            sub.add_parser(verb, help=help_text)
            continue
        module = importlib.import_module(f"tsnplan.verbs.{verb}")
        verb_parser = sub.add_parser(verb, help=help_text, description=module.__doc__.splitlines()[0])
        verb_parser.add_argument("--json", action="store_true", help="print one JSON document instead of the report")
        verb_parser.add_argument("--traceback", action="store_true", help=argparse.SUPPRESS)
        module.add_arguments(verb_parser)
        verb_parser.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None, env: dict | None = None) -> int:
    """Run one verb; ``argv`` None means this process is the ``tsnplan`` program.

    As the program, everything still alive at the end is frozen out of the cyclic garbage
    collector: the interpreter's final collection would walk every imported module's objects
    (10-20 ms, a tenth of a tsnkit-sized run) just before the process ends anyway.
    """
    if argv is None:
        _terminate_as_interrupt()
    try:
        return _main(argv, env)
    finally:
        if argv is None:
            gc.freeze()


def _terminate_as_interrupt() -> None:
    """SIGTERM ends the program like Ctrl-C, so its clean-up runs (a capture cut short is removed);
    worker processes forked from it keep dying at once."""
    import signal

    program = os.getpid()

    def handler(signum, frame):
        if os.getpid() != program:
            os._exit(128 + signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _main(argv: list[str] | None, env: dict | None) -> int:
    from tsnplan.report.console import make_console, make_error_console

    env = os.environ if env is None else env
    errors = make_error_console(env)
    argv = sys.argv[1:] if argv is None else argv
    show_traceback = "--traceback" in argv
    args = None
    try:
        args = build_parser(argv).parse_args(argv)
        if args.verb is None:
            build_parser().print_help()
            return ExitStatus.BAD_INPUT
        return int(args.run(args, make_console(env)))
    except InputError as exc:
        if show_traceback:
            raise
        for problem in exc.problems:
            errors.print(str(problem), markup=False)
        if getattr(args, "json", False):  # the problems on stdout too, for scripts
            from tsnplan.report.console import print_json
            from tsnplan.report.validate import problems_to_json
            print_json(problems_to_json(exc.problems, args.verb))
        return ExitStatus.BAD_INPUT
    except TsnplanError as exc:
        if show_traceback:
            raise
        errors.print(f"error: {printable(str(exc), 2000)}", markup=False)
        return int(exc.exit_status)
    except KeyboardInterrupt:
        errors.print("interrupted", markup=False)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as exc:  # a bug: say so plainly, no traceback unless asked
        if show_traceback:
            raise
        errors.print(f"internal error: {type(exc).__name__}: {printable(str(exc), 400)} (rerun with --traceback)",
                     markup=False)
        return ExitStatus.NOT_MET
