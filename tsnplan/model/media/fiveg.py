"""Delay profiles of a 5G system seen as one logical TSN bridge (TS 23.501 §5.27; domain §4).

5G delay has no useful hard maximum, so a profile is a quantile table: (percentile, delay) points
with linear interpolation between them. ``quantile_ns`` answers the planner ("the 99.999 % delay"),
``inverse_cdf_ns`` lets the emulator draw samples from a uniform number. Where the measurements
cannot support a percentile, its point comes from a generalised Pareto tail fitted to them
(``tail.py``); ``support`` says how many samples back a percentile and warns where too few do.

Built-in profiles:
- measured one-way delays (DETERMINISTIC6G public histograms, CC BY-ND 4.0; percentiles from
  domain.md §4.4), with a downlink and an uplink table each:
  ``fr1-shopfloor`` (SA 3.7 GHz, industrial shop floor), ``urllc-28ghz`` (pre-commercial URLLC
  28 GHz), ``urllc-mmw`` (SA mmW 26.7-27.5 GHz, 2025);
- standardised 5QI packet delay budgets (TS 23.501 Table 5.7.4-1) as ``5qi-<n>``: the PDB is the
  (1 - PER) quantile, the shape below it is a documented assumption (minimum 20 % and median 40 %
  of the PDB) since the standard gives only the bound; beyond the PDB frames count as lost.
User profiles come from a percentile table or a file of delay samples (one per line, with unit).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from tsnplan.model.media.tail import SUPPORT_SAMPLES, TAIL_PERCENTILES, Tail, fit_samples

__all__ = ["DelayProfile", "FiveGProfile", "BUILTIN_PROFILES", "FIVEQI", "profile_from_samples",
           "DEFAULT_PERCENTILE", "Support", "TABLE_TAILS", "MEASURED_SAMPLES", "MEASURED_MS"]

DEFAULT_PERCENTILE = 99.999


@dataclass(frozen=True, slots=True)
class DelayProfile:
    """A one-way delay distribution as sorted (percentile, delay_ns) points from 0 to 100."""

    name: str
    points: tuple[tuple[float, int], ...]
    samples: int | None = None     # measurements behind the table (None: a given table or standard)
    tail: Tail | None = None       # fitted tail the points beyond the data's support come from

    def __post_init__(self) -> None:
        percentiles = [p for p, _ in self.points]
        delays = [d for _, d in self.points]
        if len(self.points) < 2 or percentiles[0] != 0.0 or percentiles[-1] != 100.0:
            raise ValueError("a delay profile needs points at percentiles 0 and 100")
        if percentiles != sorted(percentiles) or delays != sorted(delays):
            raise ValueError("percentiles and delays must both increase")

    @property
    def min_ns(self) -> int:
        return self.points[0][1]

    @property
    def max_ns(self) -> int:
        return self.points[-1][1]

    def quantile_ns(self, percentile: float) -> int:
        """Delay not exceeded with probability ``percentile`` %, rounded up to whole ns."""
        if not 0.0 <= percentile <= 100.0:
            raise ValueError(f"percentile {percentile} is outside 0-100")
        percentiles = [p for p, _ in self.points]
        i = bisect.bisect_left(percentiles, percentile)
        if percentiles[i] == percentile:
            return self.points[i][1]
        (p0, d0), (p1, d1) = self.points[i - 1], self.points[i]
        value = d0 + (d1 - d0) * (percentile - p0) / (p1 - p0)
        return int(-(-value // 1))

    def inverse_cdf_ns(self, u: float) -> int:
        """Sample for a uniform ``u`` in [0, 1)."""
        return self.quantile_ns(min(100.0, max(0.0, u * 100.0)))

    def support(self, percentile: float) -> "Support":
        """How much data backs the ``percentile`` point, and a warning where it cannot."""
        if self.samples is None:
            finite = [p for p, _ in self.points if p < 100.0]
            if percentile > finite[-1] and not any(p == percentile for p, _ in self.points):
                return Support(self.name, percentile, None, None, "table",
                               f"{self.name}: {percentile:g} % lies beyond the table's last point "
                               f"({finite[-1]:g} %): interpolated towards its maximum")
            return Support(self.name, percentile, None, None, "table", "")
        beyond = self.samples * (1.0 - percentile / 100.0)
        if beyond >= SUPPORT_SAMPLES:
            return Support(self.name, percentile, self.samples, beyond, "empirical", "")
        if self.tail is None:
            return Support(self.name, percentile, self.samples, beyond, "empirical",
                           f"{self.name}: {self.samples} samples cannot support {percentile:g} % "
                           f"({beyond:.2g} beyond it, {SUPPORT_SAMPLES:g} needed) and are too few to fit a tail")
        t = self.tail
        how = (f"{self.name}: {percentile:g} % from a generalised Pareto tail (shape {t.shape:.3g}) fitted to the "
               f"{t.exceedances} samples above the {t.threshold_pct:g} % point; {beyond:.2g} of {self.samples} "
               f"samples lie beyond it ({SUPPORT_SAMPLES:g} needed for an empirical figure)")
        if beyond < 1.0:
            how += " - the data cannot support this percentile, the figure is an extrapolation"
        elif self.max_ns > t.quantile_ns(TAIL_PERCENTILES[-1]) + 1:
            how += f"; the largest sample ({self.max_ns / 1e6:g} ms) lies beyond the fit: the tail may be heavier"
        return Support(self.name, percentile, self.samples, beyond, "fitted-tail", how)


@dataclass(frozen=True, slots=True)
class Support:
    """What backs a percentile of a profile: ``samples_beyond`` = samples x (1 - p), the
    effective tail sample count; ``warning`` is empty when the data supports it."""

    profile: str
    percentile: float
    samples: int | None
    samples_beyond: float | None
    method: str          # "empirical", "fitted-tail" or "table"
    warning: str


@dataclass(frozen=True, slots=True)
class FiveGProfile:
    """Downlink (network side to device side) and uplink delay of a 5G system."""

    name: str
    downlink: DelayProfile
    uplink: DelayProfile
    description: str = ""


#: samples per measured table (DETERMINISTIC6G histograms, domain.md §4.4)
MEASURED_SAMPLES = 100_000

#: (shape, scale ns) of the GPD above each measured table's 99 % point: the grouped-data maximum-
#: likelihood fit (tail.grouped_fit) of its 900 / 90 / 9 exceedances and its maximum; tests refit them.
TABLE_TAILS: dict[str, tuple[float, float]] = {
    "fr1-shopfloor/dl": (0.62005, 117857.4), "fr1-shopfloor/ul": (-0.11408, 842860.3),
    "urllc-28ghz/dl": (0.048760, 258893.7), "urllc-28ghz/ul": (1.15601, 868.648),
    "urllc-mmw/dl": (-0.34482, 2029669.4), "urllc-mmw/ul": (0.25391, 61851.78),
}


def _with_tail(name: str, points: list[tuple[float, int]], samples: int, tail: Tail | None) -> DelayProfile:
    """``points`` (0 to 100) where ``samples`` support them, the fitted tail beyond up to 99.9999 %;
    the 100 % point (nothing is drawn beyond it) is the larger of the sample maximum and that."""
    if tail is None:
        return DelayProfile(name, tuple(points), samples, None)
    supported = 100.0 * (1.0 - SUPPORT_SAMPLES / samples)
    kept = [(p, d) for p, d in points if p <= max(supported, tail.threshold_pct) and p < 100.0]
    for p in TAIL_PERCENTILES:
        if p > kept[-1][0]:
            kept.append((p, max(kept[-1][1] + 1, tail.quantile_ns(p))))
    kept.append((100.0, max(points[-1][1], kept[-1][1] + 1)))
    return DelayProfile(name, tuple(kept), samples, tail)


def _ms_table(name: str, values_ms: tuple[float, ...]) -> DelayProfile:
    """min, p50, p90, p99, p99.9, p99.99, max in ms → a profile with its fitted tail."""
    percentiles = (0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0)
    points = [(p, int(round(v * 1_000_000))) for p, v in zip(percentiles, values_ms)]
    shape, scale = TABLE_TAILS[name]
    exceed = MEASURED_SAMPLES // 100
    return _with_tail(name, points, MEASURED_SAMPLES, Tail(shape, scale, 99.0, points[3][1], exceed))


def _measured(name: str, description: str, dl: tuple[float, ...], ul: tuple[float, ...]) -> FiveGProfile:
    return FiveGProfile(name, _ms_table(f"{name}/dl", dl), _ms_table(f"{name}/ul", ul), description)


#: 5QI -> (packet delay budget in ms, packet error rate), TS 23.501 Table 5.7.4-1.
FIVEQI: dict[int, tuple[float, float]] = {
    1: (100, 1e-2), 2: (150, 1e-3), 3: (50, 1e-3), 4: (300, 1e-6), 5: (100, 1e-6), 6: (300, 1e-6),
    7: (100, 1e-3), 8: (300, 1e-6), 9: (300, 1e-6), 65: (75, 1e-2), 66: (100, 1e-2),
    67: (100, 1e-3), 69: (60, 1e-6), 70: (200, 1e-6), 79: (50, 1e-2), 80: (10, 1e-6),
    82: (10, 1e-4), 83: (10, 1e-4), 84: (30, 1e-5), 85: (5, 1e-5), 86: (5, 1e-4), 87: (5, 1e-3),
    88: (10, 1e-3), 89: (15, 1e-4), 90: (20, 1e-4),
}


def _fiveqi_profile(qi: int) -> FiveGProfile:
    pdb_ms, per = FIVEQI[qi]
    pdb_ns = int(pdb_ms * 1_000_000)
    reliable = 100.0 * (1.0 - per)
    points = ((0.0, pdb_ns // 5), (50.0, 2 * pdb_ns // 5), (reliable, pdb_ns), (100.0, pdb_ns * 3 // 2))
    table = DelayProfile(f"5qi-{qi}", points)
    return FiveGProfile(f"5qi-{qi}", table, table,
                        f"5QI {qi}: PDB {pdb_ms:g} ms at PER {per:g} (shape below the PDB assumed)")


#: measured tables: name -> (description, downlink, uplink), each min, p50, p90, p99, p99.9, p99.99, max in ms
MEASURED_MS: dict[str, tuple[str, tuple[float, ...], tuple[float, ...]]] = {
    "fr1-shopfloor": ("SA 3.7 GHz 100 MHz, industrial shop floor, PROFINET 100 B / 10 ms",
                      (3.0, 5.4, 8.2, 10.9, 11.5, 14.7, 17.1), (3.7, 6.5, 7.7, 10.0, 11.7, 13.1, 14.0)),
    "urllc-28ghz": ("pre-commercial URLLC SA, 28 GHz 100 MHz, UDP 32 B / 7 ms",
                    (0.56, 0.78, 0.95, 1.09, 1.72, 2.44, 3.33), (0.51, 0.69, 0.84, 0.93, 0.94, 1.11, 2.0)),
    "urllc-mmw": ("SA mmW 26.7-27.5 GHz 8x100 MHz, PROFINET 100 B / 10 ms (2025)",
                  (1.08, 1.57, 1.85, 2.41, 5.69, 6.81, 8.07), (2.10, 2.49, 2.88, 2.88, 3.08, 3.27, 21.6)),
}

BUILTIN_PROFILES: dict[str, FiveGProfile] = {
    **{name: _measured(name, desc, dl, ul) for name, (desc, dl, ul) in MEASURED_MS.items()},
    **{f"5qi-{qi}": _fiveqi_profile(qi) for qi in FIVEQI},
}


def profile_from_samples(name: str, samples_ns: list[int]) -> DelayProfile:
    """Profile from measured delays: the empirical percentiles at 0, 1, ..., 99, 99.9, 99.99, 100
    where at least ``SUPPORT_SAMPLES`` samples lie beyond them, a fitted tail beyond (with at
    least ``MIN_EXCEEDANCES`` in the top tenth), else the empirical points with a ``support`` warning."""
    if len(samples_ns) < 2:
        raise ValueError("a sample file needs at least two delays")
    ordered = sorted(samples_ns)
    n = len(ordered)
    percentiles = [float(p) for p in range(0, 100)] + [99.9, 99.99, 100.0]
    points = []
    for p in percentiles:
        index = min(n - 1, int(-(-(p / 100.0) * n // 1)) - 1) if p > 0 else 0
        points.append((p, ordered[max(0, index)]))
    deduped: list[tuple[float, int]] = []
    for p, d in points:
        if deduped and deduped[-1][0] == p:
            continue
        deduped.append((p, max(d, deduped[-1][1]) if deduped else d))
    return _with_tail(name, deduped, n, fit_samples(ordered))
