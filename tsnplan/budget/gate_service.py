"""Service an unscheduled queue gets from its port's gate control list as written (802.1Qbv).

A frame starts only if its gate stays open for its whole transmission, so a backlogged class may
idle for up to one of its (or a higher class's) largest frames before its gate closes, and a
lower class's frame that started before the gate opened may still be on the wire after. Inside
each maximal interval where the class's gate is open and no scheduled class's gate is, the
port is therefore busy with this class or higher ones except for that *tail* at the end and,
when a lower class's gate was open just before, that *head* at the start. What remains are the
effective open intervals; the service is the exact minimum of their length over every window of
every length, bounded below by the rate-latency curve with the long-term rate ``C * O / P``
(``O`` effective open time per cycle ``P``) and the least latency that keeps it below.
"""
from __future__ import annotations

import numpy as np

__all__ = ["effective_open", "rate_latency"]


def effective_open(duration_ns: np.ndarray, gates: np.ndarray, tc: int, blocked_mask: int, lower_mask: int,
                   tail_ns: int, head_ns: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Effective open intervals ``(start, length)`` of class ``tc`` over one cycle of the list,
    sorted by start, times relative to the list's start; None when the gate never closes.

    ``blocked_mask``: classes whose open gate takes the time (scheduled classes); ``lower_mask``:
    lower unscheduled classes, whose frame may overrun the start (``head_ns``); ``tail_ns``: the
    largest frame of the class or a higher one, which may not fit at the end."""
    dur = np.asarray(duration_ns, dtype=np.int64)
    g = np.asarray(gates, dtype=np.int64)
    usable = (((g >> tc) & 1) == 1) & ((g & blocked_mask) == 0)
    if usable.all():
        return None
    begin = np.concatenate([[0], np.cumsum(dur)])
    k = int(np.flatnonzero(~usable)[0])            # rotate so the list starts with a closed entry
    order = np.roll(np.arange(len(dur)), -k)
    use, lower = usable[order], (g[order] & lower_mask) != 0
    start = (begin[order] - begin[k]) % int(begin[-1])
    edges = np.diff(np.concatenate([[0], use.astype(np.int8), [0]]))
    first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)   # runs [first, last)
    a = start[first]
    b = np.where(last < len(dur), start[np.minimum(last, len(dur) - 1)], int(begin[-1]))
    head = np.where(lower[first - 1], head_ns, 0)
    length = np.maximum(0, b - a - tail_ns - head)
    keep = length > 0
    return (a + head)[keep], length[keep]


def rate_latency(starts: np.ndarray, lengths: np.ndarray, cycle_ns: int) -> tuple[int, int]:
    """(open ns per cycle O, latency numerator L) such that in any window of ``d`` ns the intervals
    are open at least ``O / P * d - L / P`` ns (P = ``cycle_ns``; L / O is the latency in ns).

    With phi(x) = x - open(0, x) * P / O, periodic, open(t, t + d) = O / P * (d - (phi(t + d) -
    phi(t))), so the exact latency is max(phi) - min(phi): maxima where intervals open, minima
    where they close."""
    open_ns = int(lengths.sum())
    if open_ns == 0:
        return 0, 0
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    hi = starts * open_ns - before * cycle_ns
    lo = (starts + lengths) * open_ns - (before + lengths) * cycle_ns
    return open_ns, int(hi.max() - lo.min())
