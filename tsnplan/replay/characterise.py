"""Cycle statistics of one flow: period, jitter, sizes, bursts, lost cycles, duplicates; or, for
traffic without a cycle, its rate and burst (a token-bucket arrival curve).

Period: the median inter-arrival time, taken again over the gaps above half of it (so duplicates
and extra frames do not pull it down; missing frames only lengthen a minority of gaps), numbers
every frame with its cycle, and fits a line through (cycle, time) by least squares. Configured
cycle times are round numbers, so the fit is snapped to the coarsest grain (1 s ... 1 ns) that
lies within the fit's worst-case error (4 x the largest residual / cycles spanned); a capture
without jitter gives the exact period. Every later figure is integer arithmetic on the timestamps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FlowStats", "characterise", "snap_period", "MIN_CYCLIC_FRAMES"]

MIN_CYCLIC_FRAMES = 6
_GRAINS_NS = (1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 500_000, 250_000, 125_000, 100_000,
              31_250, 10_000, 1_000, 100, 10, 1)


@dataclass(frozen=True, slots=True)
class FlowStats:
    frames: int
    first_ns: int
    last_ns: int
    size_min: int
    size_max: int
    size_mean: float
    cyclic: bool
    locked: bool = False                  # frames keep one cycle lattice (False: free-running, phase resets)
    period_ns: int | None = None
    jitter_ns: int | None = None          # peak-to-peak deviation from the fitted ideal cycle
    max_deviation_ns: int | None = None   # largest |deviation| from the median phase
    phase_ns: int | None = None           # first cycle's ideal time (capture clock)
    cycles: int | None = None             # cycles spanned, first to last
    lost_cycles: int | None = None
    duplicates: int | None = None         # frames beyond the first in a cycle
    max_per_cycle: int | None = None      # burst: most frames in one cycle
    outliers: int | None = None           # frames more than a quarter period off their cycle
    iat: dict | None = None               # inter-arrival: min, p1, p50, p99, max, mean, stdev (ns)
    rate_bps: int | None = None           # acyclic: long-term rate
    burst_bytes: int | None = None        # acyclic: token-bucket depth at that rate

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}


def snap_period(fit_ns: float, error_ns: float) -> int:
    """The coarsest round cycle time within ``error_ns`` of the fitted period."""
    for grain in _GRAINS_NS:
        candidate = int(round(fit_ns / grain)) * grain
        if candidate > 0 and abs(candidate - fit_ns) <= error_ns:
            return candidate
    return max(1, int(round(fit_ns)))


def _lower_median(values: np.ndarray) -> int:
    return int(np.partition(values, (len(values) - 1) // 2)[(len(values) - 1) // 2])


def _iat(diffs: np.ndarray) -> dict:
    if diffs.size == 0:
        return {}
    pct = np.percentile(diffs, [1, 50, 99], method="nearest")
    return {"min": int(diffs.min()), "p1": int(pct[0]), "p50": int(pct[1]), "p99": int(pct[2]),
            "max": int(diffs.max()), "mean": float(diffs.mean()), "stdev": float(diffs.std())}


def _cycles(rel: np.ndarray, period: float) -> np.ndarray:
    return np.floor(rel / period + 0.5).astype(np.int64)


def _fit(rel: np.ndarray, cycle: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept of rel over cycle."""
    x = cycle.astype(np.float64)
    xm, ym = x.mean(), rel.astype(np.float64).mean()
    var = ((x - xm) ** 2).sum()
    if var == 0:
        return 0.0, ym
    slope = ((x - xm) * (rel - ym)).sum() / var
    return float(slope), float(ym - slope * xm)


def characterise(ts: np.ndarray, sizes: np.ndarray, resolution_ns: int = 1) -> FlowStats:
    """Statistics of frames at times ``ts`` (int64 ns, any order) with ``sizes`` bytes."""
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    sizes = sizes[order]
    n = int(ts.shape[0])
    base = dict(frames=n, first_ns=int(ts[0]), last_ns=int(ts[-1]), size_min=int(sizes.min()),
                size_max=int(sizes.max()), size_mean=float(sizes.mean()))
    diffs = np.diff(ts)
    periodic = None
    if n >= MIN_CYCLIC_FRAMES:
        periodic = _periodic(ts, diffs, resolution_ns) or _free_running(diffs, resolution_ns)
    if periodic is None:
        return FlowStats(**base, cyclic=False, iat=_iat(diffs), **_arrival_curve(ts, sizes))
    return FlowStats(**base, cyclic=True, iat=_iat(diffs), **periodic)


def _periodic(ts: np.ndarray, diffs: np.ndarray, resolution_ns: int) -> dict | None:
    positive = diffs[diffs > 0]
    if positive.size < MIN_CYCLIC_FRAMES - 1:
        return None
    guess = _lower_median(positive)
    for _ in range(2):
        wide = positive[positive * 2 > guess]
        if wide.size == 0:
            return None
        guess = _lower_median(wide)
    near = positive[(positive * 4 > guess * 3) & (positive * 4 < guess * 5)]
    if near.size * 2 < positive.size:
        return None
    rel = ts - ts[0]
    period = float(near.mean())
    angle = (rel % period) * (2 * np.pi / period)
    intercept = float(np.angle(np.exp(1j * angle).mean())) * period / (2 * np.pi)
    for _ in range(3):
        cycle = _cycles(rel - intercept, period)
        inlier = np.abs(rel - intercept - cycle * period) * 4 <= period
        if inlier.sum() < MIN_CYCLIC_FRAMES:
            return None
        slope, intercept = _fit(rel[inlier], cycle[inlier])
        if slope <= 0:
            return None
        period = slope
    cycle = _cycles(rel - intercept, period)
    resid = rel - intercept - cycle * period
    inlier = np.abs(resid) * 4 <= period
    if inlier.sum() < MIN_CYCLIC_FRAMES:
        return None
    span = int(cycle[inlier].max() - cycle[inlier].min())
    if span < MIN_CYCLIC_FRAMES - 1:
        return None
    period_ns = snap_period(period, 4.0 * (float(np.abs(resid[inlier]).max()) + resolution_ns) / span)
    # integer arithmetic from here: cycle numbers against the snapped period, median phase
    reference = int(round(intercept))
    cyc = _int_cycles(rel, period_ns, reference)
    phase = reference + _lower_median(rel - reference - cyc * period_ns)
    cyc = _int_cycles(rel, period_ns, phase)
    dev = rel - phase - cyc * period_ns
    good = np.abs(dev) * 4 <= period_ns
    if good.sum() * 4 < len(ts) * 3:
        return None
    first = int(cyc.min())
    cyc -= first
    cycles = int(cyc.max()) + 1
    distinct = int(np.unique(cyc).size)
    if distinct * 2 < cycles:          # mostly silent (e.g. captures years apart): not one cycle
        return None
    counts = np.bincount(cyc)
    return dict(locked=True, period_ns=period_ns, jitter_ns=int(dev[good].max() - dev[good].min()),
                max_deviation_ns=int(np.abs(dev[good]).max()), phase_ns=int(ts[0]) + phase + first * period_ns,
                cycles=cycles, lost_cycles=cycles - distinct, duplicates=int(len(ts) - distinct),
                max_per_cycle=int(counts.max()), outliers=int((~good).sum()))


def _free_running(diffs: np.ndarray, resolution_ns: int) -> dict | None:
    """A cycle whose phase restarts now and then (a polling loop): at least three quarters of the
    gaps within 10 % of the median gap. Jitter is then the spread of those gaps."""
    positive = diffs[diffs > 0]
    if positive.size < MIN_CYCLIC_FRAMES - 1:
        return None
    median = _lower_median(positive)
    near = diffs[(diffs * 10 >= median * 9) & (diffs * 10 <= median * 11)]
    if near.size * 4 < diffs.size * 3:
        return None
    period_ns = snap_period(float(near.mean()), 4.0 * (float(near.std()) + resolution_ns) / np.sqrt(near.size))
    steps = (diffs + period_ns // 2) // period_ns
    return dict(locked=False, period_ns=period_ns, jitter_ns=int(near.max() - near.min()),
                max_deviation_ns=int(np.abs(near - period_ns).max()),
                cycles=int(steps.sum()) + 1, lost_cycles=int(np.maximum(steps - 1, 0).sum()),
                duplicates=int((steps == 0).sum()), outliers=int(diffs.size - near.size))


def _int_cycles(rel: np.ndarray, period_ns: int, phase: int) -> np.ndarray:
    """Nearest cycle number of each time, exactly: floor((rel - phase + P/2) / P)."""
    return (rel - phase + period_ns // 2) // period_ns


def _arrival_curve(ts: np.ndarray, sizes: np.ndarray) -> dict:
    """Long-term rate and the smallest burst b with bits(t1..t2) <= rate*(t2-t1) + b for all t1<=t2."""
    span = int(ts[-1] - ts[0])
    bits = sizes.astype(np.int64) * 8
    if span <= 0:
        return dict(rate_bps=None, burst_bytes=int(sizes.sum()))
    rate = int(bits.sum()) * 1_000_000_000 // span
    cum = np.cumsum(bits).astype(np.float64)
    served = (ts - ts[0]).astype(np.float64) * rate / 1e9
    after = cum - served                     # bits arrived up to j, minus service up to t_j
    before = np.concatenate(([0.0], cum[:-1])) - served
    burst_bits = float((after - np.minimum.accumulate(before)).max())
    return dict(rate_bps=rate, burst_bytes=int(np.ceil(burst_bits / 8)))
