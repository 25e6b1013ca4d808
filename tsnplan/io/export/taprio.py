"""Linux ``tc qdisc ... taprio`` commands, one per port with a gate control list.

Priorities 0-7 map to traffic classes 0-7, one hardware queue per class; ``base-time 0`` lies in
the past, so the kernel starts the cycle at the next multiple of the cycle time (tc-taprio(8)).
The device of each port comes from ``TSNPLAN_DEV_<src>__<dst>`` (non-alphanumerics as ``_``) and
defaults to ``<dst>``, the neighbour the port faces.
"""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["write", "taprio_commands"]


def _var(port: str) -> str:
    src, dst = port.split("->")
    return "TSNPLAN_DEV_" + re.sub(r"[^A-Za-z0-9]", "_", src) + "__" + re.sub(r"[^A-Za-z0-9]", "_", dst)


def taprio_commands(doc: dict) -> list[str]:
    lines = ["#!/bin/sh", f"# taprio schedules of {doc.get('network', '')} (tsnplan, hyperperiod "
             f"{doc['hyperperiod_ns']} ns); run on each bridge for its own ports", "set -e"]
    for port, entry in doc["ports"].items():
        gcl = entry["gcl"]
        if len(gcl["entries"]) == 1:
            continue
        src, dst = port.split("->")
        var = _var(port)
        lines.append(f"# {port}: {len(gcl['entries'])} entries")
        sched = " ".join(f"sched-entry S {int(e['gates']):02x} {int(e['duration_ns'])}" for e in gcl["entries"])
        lines.append(f'[ "$(hostname)" = "{src}" ] || [ -n "${{{var}:-}}" ] && '
                     f'tc qdisc replace dev "${{{var}:-{dst}}}" parent root handle 100 taprio num_tc 8 '
                     f"map 0 1 2 3 4 5 6 7 0 0 0 0 0 0 0 0 queues 1@0 1@1 1@2 1@3 1@4 1@5 1@6 1@7 "
                     f"base-time {int(gcl['base_time_ns'])} {sched} clockid CLOCK_TAI")
    return lines


def write(doc: dict, out: Path, source: str) -> list[Path]:
    out.write_text("\n".join(taprio_commands(doc)) + "\n", encoding="utf-8")
    return [out]
