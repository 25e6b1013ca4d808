"""Turn schedule.json into deployable configuration: tc taprio commands, 802.1Qcw YANG JSON, tsnkit CSVs."""
from __future__ import annotations

from tsnplan.errors import ExitStatus
from tsnplan.report.console import print_json

FORMATS = ("taprio", "yang", "tsnkit")


def add_arguments(parser) -> None:
    parser.add_argument("schedule", metavar="SCHEDULE", help="schedule.json written by `tsnplan schedule`")
    parser.add_argument("--to", required=True, choices=FORMATS, help="output format")
    parser.add_argument("out", metavar="OUT", help="output file (taprio: shell script, yang: JSON) or directory (tsnkit)")


def run(args, console) -> ExitStatus:
    from tsnplan.io.export import export_schedule

    written = export_schedule(args.schedule, args.to, args.out)
    if args.json:
        print_json({"format": "tsnplan-export/1", "to": args.to, "files": [str(p) for p in written]})
    else:
        for path in written:
            console.print(f"wrote {path}", markup=False, highlight=False)
    return ExitStatus.OK
