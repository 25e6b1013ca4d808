"""Tails of measured 5G delay distributions: peaks over threshold with a generalised Pareto fit.

An empirical quantile needs about 10 / (1 - p) samples (domain.md §4.5 item 3): 100 000 samples
support 99.99 %, not 99.999 %. Beyond that the table would interpolate towards the sample
maximum, a single sample. Instead the exceedances over a threshold (the 99 % point of a table,
the top tenth of a sample file) are fitted with a generalised Pareto distribution (GPD) and
the quantiles the data cannot support are read from the fit, with how many samples back them.

- Built-in tables carry only percentiles, bin counts and the maximum: their GPD is the
  grouped-data maximum-likelihood fit (900, 90 and 9 exceedances between the 99, 99.9, 99.99 %
  points and the maximum, plus the maximum itself as one sample). The parameters are stored
  (``TABLE_TAILS``) so loading needs no optimiser; tests/fiveg refits them with scipy.
- Sample files are fitted when loaded (scipy.stats.genpareto, location 0 on the excesses).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Tail", "gpd_quantile_ns", "fit_samples", "grouped_fit", "TAIL_PERCENTILES", "SUPPORT_SAMPLES",
           "MIN_EXCEEDANCES"]

#: percentiles read from the fitted tail where the data does not support them
TAIL_PERCENTILES = (99.9, 99.99, 99.999, 99.9999)
#: samples beyond a percentile an empirical figure needs
SUPPORT_SAMPLES = 10.0
#: fewer exceedances than this are not fitted
MIN_EXCEEDANCES = 20


@dataclass(frozen=True, slots=True)
class Tail:
    """GPD of the excess over ``threshold_ns``, which ``threshold_pct`` % of the delays stay below."""

    shape: float            # xi: > 0 heavy, 0 exponential, < 0 bounded
    scale_ns: float         # sigma
    threshold_pct: float
    threshold_ns: int
    exceedances: int        # samples above the threshold the fit used

    def quantile_ns(self, percentile: float) -> int:
        return gpd_quantile_ns(self, percentile)


def gpd_quantile_ns(tail: Tail, percentile: float) -> int:
    """Delay at ``percentile`` (above the threshold's) from the fitted tail, rounded up."""
    zeta = 1.0 - tail.threshold_pct / 100.0
    ratio = zeta / max(1e-300, 1.0 - percentile / 100.0)
    if abs(tail.shape) < 1e-9:
        excess = tail.scale_ns * math.log(ratio)
    else:
        excess = tail.scale_ns / tail.shape * (ratio ** tail.shape - 1.0)
    return tail.threshold_ns + int(math.ceil(max(0.0, excess)))


def fit_samples(ordered: list[int]) -> Tail | None:
    """GPD on the excesses over the sample quantile that leaves the top tenth (at most 5 000,
    at least ``MIN_EXCEEDANCES``); None when there are too few samples."""
    n = len(ordered)
    k = min(5000, n // 10)
    if k < MIN_EXCEEDANCES:
        return None
    from scipy.stats import genpareto

    threshold = ordered[n - k - 1]
    excess = [x - threshold for x in ordered[n - k:]]
    shape, _, scale = genpareto.fit(excess, floc=0)
    return Tail(float(shape), float(scale), 100.0 * (n - k) / n, int(threshold), k)


def grouped_fit(threshold_ns: int, edges_ns: list[int], counts: list[int], maximum_ns: int) -> tuple[float, float]:
    """(shape, scale) maximising the likelihood of binned exceedances: ``counts[i]`` excesses in
    [edges[i-1], edges[i]) (from the threshold), the last bin up to the maximum, which is one
    more sample. Used to derive ``TABLE_TAILS``; needs scipy."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.stats import genpareto

    ys = np.array([e - threshold_ns for e in edges_ns] + [maximum_ns - threshold_ns], dtype=float)
    weights = np.array(counts, dtype=float)

    def nll(theta):
        scale, shape = math.exp(theta[0]), theta[1]
        bins = np.diff(np.concatenate([[0.0], genpareto.cdf(ys, shape, scale=scale)]))
        top = genpareto.logpdf(ys[-1], shape, scale=scale)
        if (bins <= 0).any() or not np.isfinite(top):
            return 1e300
        return -(weights @ np.log(bins) + top)

    starts = [(math.log(ys[0] / 2), s) for s in (-0.3, 0.0, 0.3, 0.8)]
    best = min((minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 10000})
                for x0 in starts), key=lambda r: r.fun)
    return float(best.x[1]), float(math.exp(best.x[0]))
