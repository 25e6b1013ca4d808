"""tsnkit configuration CSVs, so tsnkit's own simulator (``tsnkit.simulation.tas``) can replay a schedule.

Columns as tsnkit writes them: ``GCL.csv`` (link, queue, start, end, cycle; one row per window in
the hyperperiod), ``OFFSET.csv`` (stream, frame, offset; tsnkit's "frame" is the instance, and
tsnplan's offsets repeat every period, so one row with frame 0), ``ROUTE.csv`` (stream, link),
``QUEUE.csv`` (stream, frame, link, queue), ``DELAY.csv`` (stream, frame, delay: worst latency),
and the instance the simulator replays: ``task.csv`` (stream, src, dst, size, period, deadline,
jitter; size is the first window's length in bytes at 1 Gb/s, jitter the deadline) and
``topo.csv`` (link, q_num, rate, t_proc, t_prop; t_proc 0, t_prop the port's propagation).

tsnkit evaluates its link and destination cells as Python, so nodes are numbered: ids that are all
integers keep their numbers, otherwise the sorted ids are numbered from 0 and ``nodes.csv``
(id, name) maps them back. Streams keep integer ids and are numbered in order otherwise
(``streams.csv``). Refused with the reason: links other than 1 Gb/s, times off tsnkit's 100 ns grid,
several frames or replicas (FRER) per stream, and more than ``MAX_GCL_ROWS`` GCL rows.
"""
from __future__ import annotations

import csv
import io

__all__ = ["tsnkit_files", "MAX_GCL_ROWS"]

SLOT_NS = 100
MAX_GCL_ROWS = 2_000_000


def _numbers(names) -> dict[str, int] | None:
    """name -> number, or None when every name already is a distinct non-negative integer."""
    if all(n.isdigit() and str(int(n)) == n for n in names):
        return None
    return {n: i for i, n in enumerate(sorted(names))}


def _csv(header, rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _refusals(doc: dict) -> list[str]:
    out = []
    for key, port in doc["ports"].items():
        if port.get("rate_bps") != 10**9:
            out.append(f"port {key}: {port.get('rate_bps')} bit/s; tsnkit models 1 Gb/s links only")
    hyper = doc["hyperperiod_ns"]
    rows = 0
    for sid, s in doc["streams"].items():
        for key in ("period_ns", "deadline_ns"):
            if s[key] % SLOT_NS:
                out.append(f"stream {sid}: {key} {s[key]} is off tsnkit's {SLOT_NS} ns grid")
        for w in s["windows"]:
            if w["start_ns"] % SLOT_NS or w["end_ns"] % SLOT_NS:
                out.append(f"stream {sid}: window on {w['port']} at [{w['start_ns']}, {w['end_ns']}) ns is "
                           f"off tsnkit's {SLOT_NS} ns grid")
                break
        if any(w.get("frame", 0) or w.get("replica", 0) for w in s["windows"]):
            out.append(f"stream {sid}: several frames or replicas per period; tsnkit sends one frame per period")
        rows += len(s["windows"]) * (1 if any("instance" in w for w in s["windows"]) else hyper // s["period_ns"])
    if rows > MAX_GCL_ROWS:
        out.append(f"{rows} GCL rows over the hyperperiod {hyper} ns; at most {MAX_GCL_ROWS} are written")
    return out


def tsnkit_files(doc: dict) -> tuple[dict[str, str], list[str]]:
    """``({file name: text}, problems)``; with problems, nothing is to be written."""
    problems = _refusals(doc)
    if problems:
        return {}, problems
    hyper = int(doc["hyperperiod_ns"])
    nodes = sorted({n for key in doc["ports"] for n in key.split("->")}
                   | {str(n) for s in doc["streams"].values() for p in s.get("paths", []) for n in p})
    node_no = _numbers(nodes)
    num = (lambda n: int(n)) if node_no is None else node_no.__getitem__
    stream_no = _numbers(list(doc["streams"]))

    def link(port: str) -> str:
        a, b = port.split("->")
        return f"({num(a)}, {num(b)})"

    gcl, offset, route, queue, delay, task = [], [], [], [], [], []
    for i, (sid, s) in enumerate(doc["streams"].items()):
        n = int(sid) if stream_no is None else stream_no[sid]
        period, tc = int(s["period_ns"]), int(s["traffic_class"])
        windows = s["windows"]
        explicit = any("instance" in w for w in windows)
        first = min((w for w in windows if w.get("instance", 0) == 0), key=lambda w: w["start_ns"])
        offset.append((n, 0, int(first["start_ns"])))
        links = sorted({link(w["port"]) for w in windows})
        route += [(n, lk) for lk in links]
        queue += [(n, 0, lk, tc) for lk in links]
        delay.append((n, 0, max(int(v) for v in s["latency_ns"].values())))
        paths = s["paths"]
        size = (int(first["end_ns"]) - int(first["start_ns"])) // 8
        task.append((n, num(str(paths[0][0])), "[" + ", ".join(str(num(str(p[-1]))) for p in paths) + "]",
                     size, period, int(s["deadline_ns"]), int(s["deadline_ns"])))
        for w in windows:
            for k in ([0] if explicit else range(hyper // period)):
                gcl.append((link(w["port"]), tc, int(w["start_ns"]) + k * period, int(w["end_ns"]) + k * period, hyper))
    gcl.sort(key=lambda r: (r[0], r[2]))
    topo = [(link(key), 8, 1, 0, int(port.get("propagation_ns", 0))) for key, port in doc["ports"].items()]
    files = {"GCL.csv": _csv(("link", "queue", "start", "end", "cycle"), gcl),
             "OFFSET.csv": _csv(("stream", "frame", "offset"), offset),
             "ROUTE.csv": _csv(("stream", "link"), route),
             "QUEUE.csv": _csv(("stream", "frame", "link", "queue"), queue),
             "DELAY.csv": _csv(("stream", "frame", "delay"), delay),
             "task.csv": _csv(("stream", "src", "dst", "size", "period", "deadline", "jitter"), task),
             "topo.csv": _csv(("link", "q_num", "rate", "t_proc", "t_prop"), topo)}
    if node_no is not None:
        files["nodes.csv"] = _csv(("id", "name"), [(i, name) for name, i in node_no.items()])
    if stream_no is not None:
        files["streams.csv"] = _csv(("id", "name"), [(i, name) for name, i in stream_no.items()])
    return files, []
