"""End-to-end percentile of paths with several stochastic 5G hops (domain.md §4.5).

Each delay profile becomes a probability mass on a common grid, every bin holding its upper edge
(so the result bounds the true quantile from above); the kernel convolves the profiles of each
distinct combination once, assuming the hops' delays are independent. The union bound needs no
such assumption and is always reported beside it.
"""
from __future__ import annotations

import bisect

import numpy as np

from tsnplan._ext import budget as _kernel
from tsnplan.model.compile import INDEX, TIME
from tsnplan.model.media.fiveg import DelayProfile

__all__ = ["GRID_BINS", "MIN_GRID_NS", "grid_step_ns", "profile_cdf", "profile_pmf", "convolve_combinations"]

GRID_BINS = 2000          # bins across the widest profile
MIN_GRID_NS = 100


def grid_step_ns(profiles: list[DelayProfile]) -> int:
    widest = max(p.max_ns for p in profiles)
    return max(MIN_GRID_NS, -(-widest // GRID_BINS))


def profile_cdf(profile: DelayProfile, delay_ns: int) -> float:
    """P(delay <= delay_ns) of the piecewise-linear quantile table."""
    delays = [d for _, d in profile.points]
    i = bisect.bisect_right(delays, delay_ns)
    if i == 0:
        return 0.0
    if i == len(delays):
        return 1.0
    (p0, d0), (p1, d1) = profile.points[i - 1], profile.points[i]
    return (p0 + (p1 - p0) * (delay_ns - d0) / (d1 - d0)) / 100.0


def profile_pmf(profile: DelayProfile, step_ns: int) -> tuple[int, np.ndarray]:
    """(first grid index, masses): bin k holds P((k-1)*step < delay <= k*step)."""
    first = profile.min_ns // step_ns
    last = -(-profile.max_ns // step_ns)
    edges = [profile_cdf(profile, k * step_ns) for k in range(first, last + 1)]
    if first == last:
        return first, np.ones(1)
    masses = np.diff(np.array(edges))
    masses[0] += edges[0]
    return first + 1, masses


def convolve_combinations(profiles: tuple[DelayProfile, ...], combos: list[tuple[int, ...]],
                          levels: list[float]) -> tuple[list[int], list[int], int]:
    """Upper bounds of the quantile at ``levels[i]`` (a probability) and of the median of the sum
    of the delays of ``combos[i]`` (profile indices); returns (quantiles_ns, medians_ns, step_ns)."""
    used = sorted({p for combo in combos for p in combo})
    step = grid_step_ns([profiles[p] for p in used])
    pmfs = {p: profile_pmf(profiles[p], step) for p in used}
    order = {p: i for i, p in enumerate(used)}
    pmf_ptr = np.cumsum([0] + [len(pmfs[p][1]) for p in used]).astype(TIME)
    pmf = np.ascontiguousarray(np.concatenate([pmfs[p][1] for p in used]), dtype=np.float64)
    first = np.array([pmfs[p][0] for p in used], dtype=TIME)
    combo_ptr = np.cumsum([0] + [len(c) for c in combos]).astype(TIME)
    combo_profile = np.array([order[p] for c in combos for p in c], dtype=INDEX)
    longest = max(sum(len(pmfs[p][1]) for p in c) for c in combos)
    work_a, work_b = np.zeros(longest), np.zeros(longest)
    q_bins = np.zeros(len(combos), dtype=TIME)
    m_bins = np.zeros(len(combos), dtype=TIME)
    _kernel.convolve_quantiles(combo_ptr, combo_profile, pmf_ptr, pmf, first,
                               np.array(levels, dtype=np.float64), work_a, work_b, q_bins, m_bins)
    return (q_bins * step).tolist(), (m_bins * step).tolist(), step
