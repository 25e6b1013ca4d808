"""Talker launch offsets: when each scheduled frame must leave its talker, for ``SO_TXTIME`` (etf).

One CSV per talker: ``stream, interface, traffic_class, frame, instance, offset_ns, period_ns``.
A row with ``instance`` -1 repeats every period: instance k leaves at ``base_time + offset_ns +
k * period_ns`` (TAI). Schedules whose instances differ list each instance k with its own
``offset_ns`` in the hyperperiod, repeating every hyperperiod. ``base_time`` is the export's
``--base-time``, the same as the taprio base time. Replicas (FRER) have a row per port.
"""
from __future__ import annotations

import csv
import io

from tsnplan.io.export.devices import Device

__all__ = ["launch_rows", "launch_csv"]

HEADER = ("stream", "interface", "traffic_class", "frame", "instance", "offset_ns", "period_ns")


def launch_rows(doc: dict, device: Device, classes: dict[tuple[str, str], set[int]]) -> list[tuple]:
    """Rows of ``device``'s streams; ``classes``: (stream, port) -> the class its gates open."""
    by_key = {p.key: p for p in device.ports}
    rows = []
    for sid, s in doc["streams"].items():
        paths = s.get("paths") or []
        if not paths or not paths[0] or str(paths[0][0]) != device.node:
            continue
        for w in s.get("windows", []):
            port = by_key.get(w.get("port"))
            if port is None:
                continue
            tc = min(classes.get((sid, port.key), {int(s["traffic_class"])}))
            rows.append((sid, port.interface, tc, int(w.get("frame", 0)),
                         int(w.get("instance", -1)), int(w["start_ns"]), int(s["period_ns"])))
    rows.sort(key=lambda r: (r[5], r[0], r[3]))
    return rows


def launch_csv(rows: list[tuple]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue()
