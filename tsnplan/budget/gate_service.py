"""Service an unscheduled queue gets from its port's gate control list as written (802.1Qbv).

A frame starts only if its gate stays open for its whole transmission, so a backlogged class may
idle for up to one of its (or a higher class's) largest frames before its gate closes, and a
lower class's frame that started before the gate opened may still be on the wire after. Inside
each maximal interval where the class's gate is open and no scheduled class's gate is, the
port is therefore busy with this class or higher ones except for that *tail* at the end and,
when a lower class's gate was open just before, that *head* at the start. What remains are the
effective open intervals; the service is the exact minimum of their length over every window of
every length, bounded below by rate-latency curves: the one with the long-term rate ``C * O / P``
(``O`` effective open time per cycle ``P``) and the least latency that keeps it below, and a few
with lower rates and shorter latencies (``latency_at_rates``), which suit large bursts behind
clustered windows better; the calculus uses whichever gives the least delay.
"""
from __future__ import annotations

import numpy as np

__all__ = ["effective_open", "latency_at_rates", "exact_delay_ns", "RATE_FRACTIONS", "MAX_PAIR_INTERVALS",
           "MAX_EXACT_INTERVALS"]

#: rates tried, as fractions of the long-term rate O / P (1 first: always used)
RATE_FRACTIONS = ((1, 1), (7, 8), (3, 4), (1, 2), (1, 4))
#: beyond this many intervals per cycle only the long-term rate is used (the search is quadratic)
MAX_PAIR_INTERVALS = 2048
#: beyond this many intervals per cycle the exact delay is not tried (its arrays grow as n**4)
MAX_EXACT_INTERVALS = 32


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


def latency_at_rates(starts: np.ndarray, lengths: np.ndarray, cycle_ns: int,
                     fractions=RATE_FRACTIONS) -> list[tuple[int, int, int]]:
    """Rate-latency lower bounds ``(num, den, latency numerator)``: for rate fraction ``f = fn / fd``
    of the long-term ``O / P`` the intervals are open ``>= (num * d - L) / den`` ns in any window
    of ``d`` ns (``num = O * fn``, ``den = P * fd``, ``L`` the latency numerator; empty if never open).

    With phi(x) = x - open(0, x) / rho, open(t, t + d) = rho * (d - (phi(t + d) - phi(t))), so the
    least latency for rate ``rho`` is the sup over windows of ``d - open(d) / rho``. For
    ``rho <= O / P`` a window longer than the cycle never adds to it, and its sup lies at a window
    from an interval's end to a (later) interval's start, so every such pair is tried."""
    open_ns = int(lengths.sum())
    if open_ns == 0:
        return []
    if len(starts) > MAX_PAIR_INTERVALS:
        fractions = fractions[:1]
    if 8 * cycle_ns * cycle_ns >= 2 ** 63:          # products below would overflow int64
        starts, lengths = starts.astype(object), lengths.astype(object)
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    close = starts + lengths                                                   # an interval ends
    gap = (starts[None, :] - close[:, None]) % cycle_ns                       # to each interval start
    opened = (before[None, :] - (before + lengths)[:, None]) % open_ns         # open time in between
    out = []
    for fn, fd in fractions:
        num, den = open_ns * fn, cycle_ns * fd
        latency = max(0, int((gap * num - opened * den).max()))
        out.append((num, den, latency))
    return out


def exact_delay_ns(starts: np.ndarray, lengths: np.ndarray, cycle_ns: int, port_bps: int, fixed_bits: int,
                   rate_bps: int, higher_bps: int, busy_ns: int, horizon_ns: int) -> int | None:
    """Delay bound of a token bucket (``fixed_bits`` = its burst + higher classes' bursts + one
    blocking frame, ``rate_bps``) behind higher classes of ``higher_bps`` in the effective intervals,
    from the service itself rather than a rate-latency curve below it; None when out of reach.

    The least service in any window of ``s`` ns is E(s) = min over interval ends c of open(c, c+s),
    linear between the points where c + s meets an interval edge (``E`` is taken linear between
    those points, which lies below the concave pieces of the minimum: a lower bound). The
    leftover G(s) = C * E(s) - higher * s; a bit that arrives ``t`` after the class's backlog began
    leaves by the first ``s`` with G(s) >= fixed + rate * t. The sup of ``s - t`` lies at ``t = 0`` or
    just above a local maximum of G, for ``t`` up to ``busy_ns`` (a bound on the backlogged period,
    beyond which the service exceeds the arrivals); ``horizon_ns`` (the busy period plus a delay
    bound) is how far the service is laid out.
    """
    n = len(starts)
    if n == 0 or n > MAX_EXACT_INTERVALS or rate_bps <= 0 or port_bps * horizon_ns >= 2 ** 62:
        return None
    close = starts + lengths
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    open_ns = int(lengths.sum())
    cycles = horizon_ns // cycle_ns + 2
    base = np.unique(np.concatenate([((starts[None, :] - close[:, None]) % cycle_ns).ravel(),
                                     ((close[None, :] - close[:, None]) % cycle_ns).ravel(), [cycle_ns]]))
    rest = base[:, None] + close[None, :]                     # [grid, interval end c]: window end c + s
    inside = np.clip(rest[..., None] % cycle_ns - starts, 0, lengths).sum(axis=-1)
    opened = (rest // cycle_ns) * open_ns + inside - (before + lengths)[None, :]
    e_base = opened.min(axis=1)                               # E(s) on one cycle; E(s + P) = E(s) + O
    k = np.arange(cycles)[:, None]
    s = (base[None, :] + cycle_ns * k).ravel()
    served = (e_base[None, :] + open_ns * k).ravel()
    keep = np.concatenate([[True], s[1:] != s[:-1]])        # base ends with P: drop repeated points
    s, served = s[keep], served[keep]
    g = port_bps * served - higher_bps * s                    # bit * 1e9 (bit/s times ns)
    fixed = fixed_bits * 1_000_000_000
    peak = np.maximum.accumulate(g)
    top = fixed + rate_bps * busy_ns
    levels = np.unique(np.concatenate([[fixed], peak[(peak >= fixed) & (peak <= top)], [top]]))
    i = np.searchsorted(peak, levels, side="right")           # first grid point above each level
    if (i >= len(s)).any():
        return None
    prev = np.maximum(i - 1, 0)
    rise = np.maximum(g[i] - g[prev], 1).astype(object)       # g[prev] <= level < g[i] for i > 0
    step = (levels - g[prev]).astype(object) * (s[i] - s[prev]).astype(object)   # beyond int64: exact ints
    first = np.where(i == 0, s[0], s[prev] + -(-step // rise))
    t = (levels - fixed) // rate_bps                          # ns after the backlog began (floor: later d)
    return int((first - t).max())
