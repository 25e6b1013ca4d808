"""tsnkit configuration CSVs, so tsnkit's own simulator (``tsnkit.simulation.tas``) can replay a schedule.

Columns as tsnkit writes them: ``GCL.csv`` (link, queue, start, end, cycle; one row per window in
the hyperperiod), ``OFFSET.csv`` (stream, frame, offset; tsnkit's "frame" is the instance, and
tsnplan's offsets repeat every period, so one row with frame 0), ``ROUTE.csv`` (stream, link),
``QUEUE.csv`` (stream, frame, link, queue), ``DELAY.csv`` (stream, frame, delay: worst latency).
Links are ``(a, b)`` of the tsnkit node numbers; streams are numbered by their tsnkit ids.
"""
from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["write"]


def _link(port: str) -> str:
    a, b = port.split("->")
    return f"({a}, {b})"


def _stream_number(sid: str, i: int) -> int:
    return int(sid) if sid.isdigit() else i


def write(doc: dict, out: Path, source: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    hyper = int(doc["hyperperiod_ns"])
    gcl, offset, route, queue, delay = [], [], [], [], []
    for i, (sid, s) in enumerate(doc["streams"].items()):
        n = _stream_number(sid, i)
        period, tc = int(s["period_ns"]), int(s["traffic_class"])
        windows = s["windows"]
        explicit = any("instance" in w for w in windows)
        first = min((w for w in windows if w.get("instance", 0) == 0), key=lambda w: w["start_ns"])
        offset.append((n, 0, int(first["start_ns"])))
        links = sorted({_link(w["port"]) for w in windows})
        route += [(n, link) for link in links]
        queue += [(n, 0, link, tc) for link in links]
        delay.append((n, 0, max(int(v) for v in s["latency_ns"].values())))
        for w in windows:
            reps = [0] if explicit else range(hyper // period)
            for k in reps:
                gcl.append((_link(w["port"]), tc, int(w["start_ns"]) + k * period, int(w["end_ns"]) + k * period, hyper))
    gcl.sort(key=lambda r: (r[0], r[2]))
    files = {"GCL.csv": (("link", "queue", "start", "end", "cycle"), gcl),
             "OFFSET.csv": (("stream", "frame", "offset"), offset),
             "ROUTE.csv": (("stream", "link"), route),
             "QUEUE.csv": (("stream", "frame", "link", "queue"), queue),
             "DELAY.csv": (("stream", "frame", "delay"), delay)}
    written = []
    for name, (header, rows) in files.items():
        path = out / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written
