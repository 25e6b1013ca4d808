"""Which traffic class a port's gates open for each stream window: read from the gate control
list itself (the entry covering the window's start), so the exports follow whatever class the
schedule gave the stream on that port, whichever PCP-to-class rule produced it."""
from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from tsnplan.io.export.classes import priority_map
from tsnplan.io.export.devices import Device, DevicePort

__all__ = ["window_classes", "scheduled_classes", "stream_pcp"]


def _gates_at(port: DevicePort, begins: list[int], t: int) -> int:
    return port.entries[bisect_right(begins, t % port.cycle_ns) - 1][1]


def window_classes(doc: dict, devices: list[Device]) -> dict[tuple[str, str], set[int]]:
    """(stream, port) -> the classes open during the stream's windows on that port."""
    ports = {p.key: p for d in devices for p in d.ports}
    begins = {k: [0, *accumulate(d for d, _ in p.entries)] for k, p in ports.items()}
    out: dict[tuple[str, str], set[int]] = {}
    for sid, s in doc["streams"].items():
        for w in s["windows"]:
            port = ports.get(w["port"])
            if port is None:
                continue
            gates = _gates_at(port, begins[port.key], int(w["start_ns"]))
            out.setdefault((sid, port.key), set()).update(c for c in range(8) if gates >> c & 1)
    return out


def scheduled_classes(doc: dict, devices: list[Device]) -> dict[str, set[int]]:
    """port -> the classes its gates open for scheduled windows."""
    out: dict[str, set[int]] = {}
    for (_, key), classes in window_classes(doc, devices).items():
        out.setdefault(key, set()).update(classes)
    return out


def stream_pcp(doc: dict, devices: list[Device]) -> dict[str, int]:
    """stream -> a PCP that Table 8-5 maps to the class its windows use on every port of its route
    (the lowest such PCP; schedule.json's class taken as an 8-queue class when none fits)."""
    queues = {p.key: d.queues for d in devices for p in d.ports}
    by_stream: dict[str, list[tuple[int, set[int]]]] = {}
    for (sid, key), classes in window_classes(doc, devices).items():
        by_stream.setdefault(sid, []).append((queues[key], classes))
    out = {}
    for sid, s in doc["streams"].items():
        fits = [pcp for pcp in range(8)
                if all(priority_map(q)[pcp] in classes for q, classes in by_stream.get(sid, []))]
        table = priority_map(8)
        tc = int(s["traffic_class"])
        out[sid] = fits[0] if fits else (table.index(tc) if tc in table else 0)
    return out
