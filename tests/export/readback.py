"""Reading exported files back into gate control lists, and verifying a schedule with them."""
from __future__ import annotations

import copy
import json
import shlex

from tsnplan.io.schedule_json import schedule_from_json
from tsnplan.schedule.verify import verify


def script_commands(text: str) -> list[list[str]]:
    """The argv of every ``run ...`` line of a generated script (continuation lines joined)."""
    joined = text.replace("\\\n", " ")
    return [shlex.split(line.strip())[1:] for line in joined.splitlines() if line.strip().startswith("run ")]


def taprio_gcls(text: str) -> dict[str, list[tuple[int, int]]]:
    """interface -> entries of the root qdisc (taprio list, or one all-open entry for mqprio)."""
    out = {}
    for argv in script_commands(text):
        if argv[:3] != ["tc", "qdisc", "replace"] or "root" not in argv:
            continue
        dev = argv[argv.index("dev") + 1]
        if "mqprio" in argv:
            out[dev] = None
            continue
        entries = [(int(argv[i + 3]), int(argv[i + 2], 16)) for i, w in enumerate(argv) if w == "sched-entry"]
        out[dev] = entries
    return out


def yang_gcls(document: dict) -> dict[str, tuple[int, list[tuple[int, int]]]]:
    """interface -> (cycle ns, entries) of a per-device YANG document."""
    out = {}
    for intf in document["ietf-interfaces:interfaces"]["interface"]:
        table = (intf.get("ieee802-dot1dc-sched-if:gate-parameter-table")
                 or intf["ieee802-dot1q-bridge:bridge-port"]["ieee802-dot1q-sched-bridge:gate-parameter-table"])
        cyc = table["admin-cycle-time"]
        cycle = cyc["numerator"] * 1_000_000_000 // cyc["denominator"]
        entries = [(e["time-interval-value"], e["gate-states-value"])
                   for e in table["admin-control-list"]["gate-control-entry"]]
        out[intf["name"]] = (cycle, entries)
    return out


def verify_with(problem, doc: dict, gcls: dict[str, list[tuple[int, int]]]) -> list[str]:
    """``verify`` of the schedule in ``doc`` with the given ports' gate control lists replaced."""
    doc = copy.deepcopy(doc)
    for key, entries in gcls.items():
        doc["ports"][key]["gcl"]["entries"] = [{"duration_ns": d, "gates": g} for d, g in entries]
    doc = json.loads(json.dumps(doc))
    result = schedule_from_json(doc, problem)
    return verify(result.extra.get("problem", problem), result)
