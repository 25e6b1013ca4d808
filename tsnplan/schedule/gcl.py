"""Windows → per-port gate control lists (802.1Qbv), base time 0, one cycle per port.

A port's cycle is the lcm of the periods of the streams crossing it (``Layout.port_cycle``, a
divisor of the hyperperiod): its windows repeat with it, so the list holds one cycle's windows
and a port with fast streams stays within the bridge's entry limit however long the hyperperiod.

During a window only its hop's traffic class is open (``hop_class``). Outside windows the classes
the port gates are closed and its other classes are open, except during a guard band of one
maximum-size frame (1522 B + preamble + IFG at the port rate) before every window, where every
gate is closed: an unscheduled frame that starts before the guard always ends before the window,
so no length-aware (taprio-style) check is assumed in the bridge; a node that declares
``implicit_guard`` has that check, and its ports get no guard band (``layout.implicit_guard``).
Adjacent windows of one class merge into one entry. The kernel bounds the entry count with the
same rules (``listsched.pyx``).
"""
from __future__ import annotations

import numpy as np

from tsnplan.schedule.layout import Layout
from tsnplan.schedule.result import Gcl

__all__ = ["build_gcl"]


def _port_entries(starts, ends, classes, hyper: int, guard: int, open_mask: int) -> list[list[int]]:
    entries: list[list[int]] = []

    def gap(length: int, wrap_guard: int | None = None) -> None:
        if length <= 0:
            return
        g = guard if wrap_guard is None else wrap_guard
        if guard > 0 and length > g:
            entries.append([length - g, open_mask])
            if g > 0:
                entries.append([g, 0])
        else:
            entries.append([length, 0 if guard > 0 else open_mask])

    prev_end, prev_cls = 0, -1
    for a, b, c in zip(starts, ends, classes):
        if a == prev_end and c == prev_cls and entries:
            entries[-1][0] += b - a
        else:
            gap(a - prev_end)
            entries.append([b - a, 1 << c])
        prev_end, prev_cls = b, c
    tail = hyper - prev_end
    gap(tail, max(0, min(tail, guard - int(starts[0]))) if guard > 0 else None)
    merged: list[list[int]] = []
    for d, g in entries:
        if merged and merged[-1][1] == g:
            merged[-1][0] += d
        else:
            merged.append([d, g])
    return merged


def build_gcl(layout: Layout, hop: np.ndarray, start: np.ndarray, end: np.ndarray) -> Gcl:
    """Gate control lists of every port from the windows ``(hop, start, end)`` of one hyperperiod."""
    p = layout.problem
    port = p.hop_port[hop]
    cls = layout.hop_cls[hop]
    order = np.lexsort((start, port))
    port, start, end, cls = port[order], start[order], end[order], cls[order]
    bounds = np.searchsorted(port, np.arange(p.n_ports + 1))
    ptr, durations, gates = [0], [], []
    cycles = np.where(bounds[1:] > bounds[:-1], layout.port_cycle, layout.hyper).astype(np.int64)
    for q in range(p.n_ports):
        lo, hi = int(bounds[q]), int(bounds[q + 1])
        all_open = (1 << int(p.port_queues[q])) - 1
        cycle = int(cycles[q])
        if lo == hi:
            entries = [[cycle, all_open]]
        else:
            first = slice(lo, lo + int(np.searchsorted(start[lo:hi], cycle)))
            entries = _port_entries(start[first].tolist(), end[first].tolist(), cls[first].tolist(),
                                    cycle, int(layout.port_guard[q]), int(layout.port_unsched_mask[q]))
        for d, g in entries:
            durations.append(d)
            gates.append(g)
        ptr.append(len(durations))
    return Gcl(cycle_ns=layout.hyper, base_time_ns=0, ptr=np.array(ptr, dtype=np.int64),
               duration_ns=np.array(durations, dtype=np.int64), gates=np.array(gates, dtype=np.int32),
               port_cycle_ns=cycles)
