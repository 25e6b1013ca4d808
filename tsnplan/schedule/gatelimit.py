"""Gate-list entry limits after an exact method.

The MILP and CP-SAT models do not count GCL entries (a relaxation: entries depend on which
windows end up adjacent), so their placement may overflow a bridge's list. ``fit_gate_lists``
leaves streams out until every list fits, on an overflowing port first the stream with the most
windows in one port cycle (it adds the most entries; ties: the highest index), then lets the list
scheduler, which counts entries, place the left-out streams around the others where it can.
"""
from __future__ import annotations

import numpy as np

from tsnplan.schedule.assemble import expand_windows
from tsnplan.schedule.gcl import build_gcl
from tsnplan.schedule.layout import Layout

__all__ = ["fit_gate_lists", "drop_beyond_limits", "refill"]


def drop_beyond_limits(layout: Layout, hf: np.ndarray, placed: np.ndarray) -> dict[int, str]:
    """Unset ``placed`` of streams until every gate list fits; the streams left out and their port."""
    p = layout.problem
    dropped: dict[int, str] = {}
    while True:
        hop, _, _, start, end, _ = expand_windows(layout, hf, placed)
        over = np.flatnonzero(np.diff(build_gcl(layout, hop, start, end).ptr) > p.port_gcl_max)
        if not len(over):
            return dropped
        port = int(over[0])
        on = hop[(p.hop_port[hop] == port) & (start < layout.port_cycle[port])]
        windows = np.bincount(np.searchsorted(p.hop_ptr, on, side="right") - 1, minlength=p.n_streams)
        victim = int(np.flatnonzero(windows == windows.max()).max())
        placed[victim] = False
        dropped[victim] = p.port_names[port]


def refill(layout: Layout, hf: np.ndarray, placed: np.ndarray, streams) -> list[int]:
    """Place ``streams`` with the list scheduler around the placed ones (their starts into ``hf``)."""
    from tsnplan.schedule.heuristic import place, stream_order

    todo = [int(s) for s in streams if not placed[s]]
    if not todo:
        return []
    got = place(layout, stream_order(layout, np.array(todo)), np.flatnonzero(placed), hf)
    new = [s for s in todo if got.placed[s]]
    for s in new:
        lo, hi = int(layout.hf_ptr[s]), int(layout.hf_ptr[s + 1])
        hf[lo:hi] = got.hf_start[lo:hi]
        placed[s] = True
    return new


def fit_gate_lists(layout: Layout, hf: np.ndarray, placed: np.ndarray, retry=()) -> dict[int, str]:
    """Leave out streams until every gate list fits, then place them (and ``retry``) again where the
    list scheduler can; the streams still left out for a list, and its port."""
    over = drop_beyond_limits(layout, hf, placed)
    if over or len(retry):
        refill(layout, hf, placed, sorted(set(over) | {int(s) for s in retry}))
        # the kernel bounds entries over the hyperperiod, not per port cycle: check the lists again
        over.update(drop_beyond_limits(layout, hf, placed))
    return {s: port for s, port in over.items() if not placed[s]}
