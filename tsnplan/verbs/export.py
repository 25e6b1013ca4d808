"""Turn schedule.json into deployable configuration: tc/ethtool/ptp4l, IEEE YANG, tsnkit CSVs, INET.

Options and positionals may come in any order (``export s.json --to taprio OUT`` as before).
"""
from __future__ import annotations

import sys

from tsnplan.errors import ExitStatus, UsageError
from tsnplan.report.console import print_json

FORMATS = ("taprio", "yang", "tsnkit", "inet")


def _intermixed(base):
    """The verb's parser, reading options and positionals in any order: ``OUT`` is optional (``--out DIR``
    replaces it) yet may follow the options, as in ``export s.json --to taprio OUT``."""
    class Intermixed(base):
        _inner = False

        def parse_known_args(self, args=None, namespace=None):
            if self._inner:
                return super().parse_known_args(args, namespace)
            self._inner = True
            try:
                return self.parse_known_intermixed_args(args, namespace)
            finally:
                self._inner = False
    return Intermixed


def _base_time_ns(text: str, parse_time_ns) -> int:
    """TAI time: integer ns, seconds like ``1800000000s`` or ``1800000000.25s``, or a duration with unit."""
    from decimal import Decimal, InvalidOperation

    try:
        if text.endswith("s") and text[:-1].replace(".", "", 1).isdigit():
            value = Decimal(text[:-1]) * 1_000_000_000
            if value != value.to_integral_value():
                raise ValueError(f"{text!r} is not a whole number of nanoseconds")
            value = int(value)
        else:
            value = int(text) if text.isdigit() else parse_time_ns(text)
        if not 0 <= value < 2**63:
            raise ValueError(f"{text!r} is outside 0 .. 2^63-1 ns")
    except (ValueError, InvalidOperation) as exc:
        raise UsageError(f"export: --base-time: {exc}") from None
    return value


def add_arguments(parser) -> None:
    parser.add_argument("--to", required=True, choices=FORMATS, help="output format")
    parser.__class__ = _intermixed(type(parser))
    parser.add_argument("schedule", metavar="SCHEDULE", help="schedule.json written by `tsnplan schedule`")
    parser.add_argument("out", metavar="OUT", nargs="?",
                        help="one output: a file (taprio: shell script, yang: JSON; '-' = stdout) or a directory "
                             "(tsnkit, inet)")
    parser.add_argument("--out", dest="out_dir", metavar="DIR", help="one file per device in DIR, named by node")
    parser.add_argument("--network", metavar="NET", help="the plant's network file: node kinds, queues, features, PLCA")
    parser.add_argument("--streams", metavar="STREAMS",
                        help="the plant's stream file (with --network): stream handles and MAC addresses as the "
                             "emulator's frames carry them (yang), cbs shapers of the SR classes (taprio)")
    parser.add_argument("--interfaces", metavar="MAP", help="device map YAML: interface names, queues, capabilities")
    parser.add_argument("--mode", choices=("software", "txtime-assist", "full-offload"), default="software",
                        help="taprio offload (default software)")
    parser.add_argument("--base-time", metavar="T", default="0",
                        help="schedule start in TAI (ns or with unit, e.g. 1800000000s); rounded up to the hyperperiod")
    parser.add_argument("--short-entries", choices=("merge", "refuse"), default="merge",
                        help="entries shorter than a 60-byte frame, which the kernel refuses (default merge)")
    parser.add_argument("--long-lists", choices=("refuse", "skip"), default="refuse",
                        help="ports with more entries than tc can carry (default refuse)")


def run(args, console) -> ExitStatus:
    from tsnplan.io.export import ExportOptions, export_schedule
    from tsnplan.units import parse_time_ns

    if (args.out is None) == (args.out_dir is None):
        raise UsageError("export: give either OUT (one output) or --out DIR (one file per device)")
    base = _base_time_ns(args.base_time, parse_time_ns)
    network = device_map = plant = None
    if args.streams and not args.network:
        raise UsageError("export: --streams needs --network")
    if args.network:
        from tsnplan.io.plant import load_plant
        loaded = load_plant(args.network, args.streams) if args.streams else load_plant(args.network)
        network = loaded.network
        plant = loaded if args.streams else None
    if args.interfaces:
        from tsnplan.io.export.devices import read_device_map
        device_map = read_device_map(args.interfaces)
    result = export_schedule(args.schedule, args.to, args.out, out_dir=args.out_dir, network=network,
                             device_map=device_map, plant=plant,
                             options=ExportOptions(args.mode, base, args.short_entries, args.long_lists))
    if args.json:
        print_json({"format": "tsnplan-export/1", "to": args.to, "files": [str(p) for p in result.files],
                    "notes": result.notes, **({"document": result.stdout} if result.stdout is not None else {})})
        return ExitStatus.OK
    if result.stdout is not None:           # OUT '-': the document alone on stdout, notes on stderr
        sys.stdout.write(result.stdout)
        for note in result.notes:
            sys.stderr.write(f"note: {note}\n")
        return ExitStatus.OK
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    for path in result.files:
        console.print(f"wrote {path}", markup=False, highlight=False)
    return ExitStatus.OK
