"""Emulation results: per-listener statistics accumulated chunk by chunk, so memory stays flat.

Latencies go into a log-linear histogram (exact below 2048 ns, then 11 significant bits, i.e. a
bucket is at most 1/1024 of its value wide); min, max, mean and counts are exact, p99 is the upper
edge of its bucket (never above the maximum).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ListenerStats", "EmulationResult", "LatencyAccumulator", "SIGNIFICANT_BITS", "POLICE_REASONS"]

#: why an 802.1Qci stream gate dropped a frame (kernel order)
POLICE_REASONS = ("gate-closed", "octets-exceeded")

SIGNIFICANT_BITS = 11
_LISTENER_SHIFT = 48


def _bucket_keys(latency_ns: np.ndarray) -> np.ndarray:
    bits = np.frexp(latency_ns.astype(np.float64))[1].astype(np.int64)
    shift = np.maximum(bits - SIGNIFICANT_BITS, 0)
    return (shift << SIGNIFICANT_BITS) + (latency_ns >> shift)


def _bucket_upper(key: int) -> int:
    shift, mantissa = key >> SIGNIFICANT_BITS, key & ((1 << SIGNIFICANT_BITS) - 1)
    if shift == 0:
        return key
    return ((mantissa + 1) << shift) - 1


@dataclass(frozen=True, slots=True)
class ListenerStats:
    stream: str
    listener: str
    deadline_ns: int
    sent: int
    received: int
    lost: int
    duplicates_eliminated: int
    rogue: int                    # discarded by FRER as outside the history window
    deadline_misses: int
    min_ns: int | None
    mean_ns: int | None
    p99_ns: int | None
    max_ns: int | None
    histogram: tuple[tuple[int, int], ...] = ()   # (bucket upper edge ns, frames)
    message_min_ns: int | None = None   # least latency of a period's last frame (None: as min_ns)

    @property
    def jitter_ns(self) -> int:
        """Latency variation of the stream's messages (docs/formats.md, "Latency and jitter"): the
        worst latency minus the least latency of a period's last frame, so the serialisation of a
        multi-frame message does not count as jitter."""
        if self.min_ns is None:
            return 0
        return self.max_ns - (self.min_ns if self.message_min_ns is None else self.message_min_ns)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.deadline_misses == 0


@dataclass(frozen=True, eq=False)
class EmulationResult:
    duration_ns: int
    seed: int
    events: int
    frame_hops: int
    listeners: tuple[ListenerStats, ...]
    dropped: dict[str, int] = field(default_factory=dict)    # frame copies dropped per stream
    failures: tuple[str, ...] = ()
    captured: int = 0
    pcap: str | None = None
    wall_seconds: float = 0.0
    not_admitted: tuple[str, ...] = ()   # streams the schedule could not place: not sent
    policed: dict[str, dict[str, int]] = field(default_factory=dict)  # 802.1Qci drops per stream and reason

    @property
    def ok(self) -> bool:
        """Every listener got every frame in time, and every stream was sent: a stream the
        schedule has no window for is not carried, which no verdict may pass over."""
        return not self.not_admitted and all(s.ok for s in self.listeners)

    def stream(self, stream_id: str) -> list[ListenerStats]:
        return [s for s in self.listeners if s.stream == stream_id]


class LatencyAccumulator:
    """Per-listener counts, sums, extremes, deadline misses and latency histograms."""

    def __init__(self, listener_stream: np.ndarray, stream_deadline_ns: np.ndarray):
        n = len(listener_stream)
        self.deadline = stream_deadline_ns[listener_stream].astype(np.int64)
        self.count = np.zeros(n, np.int64)
        self.total = np.zeros(n, np.int64)
        self.min = np.full(n, np.iinfo(np.int64).max, np.int64)
        self.max = np.full(n, -1, np.int64)
        self.misses = np.zeros(n, np.int64)
        self.last_min = np.full(n, np.iinfo(np.int64).max, np.int64)
        self.keys = np.zeros(0, np.int64)
        self.counts = np.zeros(0, np.int64)

    def add(self, listener: np.ndarray, latency_ns: np.ndarray, last: np.ndarray | None = None) -> None:
        """``last``: which records carry the last frame of their period's message (None: all)."""
        if not len(listener):
            return
        n = len(self.count)
        listener = listener.astype(np.int64)
        last = np.ones(len(listener), bool) if last is None else last.astype(bool)
        np.minimum.at(self.last_min, listener[last], latency_ns[last])
        self.count += np.bincount(listener, minlength=n)
        self.total += np.bincount(listener, weights=latency_ns, minlength=n).astype(np.int64)
        np.minimum.at(self.min, listener, latency_ns)
        np.maximum.at(self.max, listener, latency_ns)
        self.misses += np.bincount(listener, weights=latency_ns > self.deadline[listener], minlength=n).astype(np.int64)
        keys = (listener << _LISTENER_SHIFT) | _bucket_keys(latency_ns)
        merged_keys = np.concatenate([self.keys, keys])
        merged_counts = np.concatenate([self.counts, np.ones(len(keys), np.int64)])
        self.keys, inverse = np.unique(merged_keys, return_inverse=True)
        self.counts = np.bincount(inverse, weights=merged_counts).astype(np.int64)

    def message_min(self, l: int) -> int | None:
        """Least latency of a last frame at listener ``l``; None when none arrived."""
        value = int(self.last_min[l])
        return None if value == np.iinfo(np.int64).max else value

    def listener_summary(self, l: int) -> tuple:
        """(min, mean, p99, max, histogram) of listener ``l``; Nones when it received nothing."""
        n = int(self.count[l])
        if n == 0:
            return None, None, None, None, ()
        lo = np.searchsorted(self.keys, l << _LISTENER_SHIFT)
        hi = np.searchsorted(self.keys, (l + 1) << _LISTENER_SHIFT)
        keys = self.keys[lo:hi] & ((1 << _LISTENER_SHIFT) - 1)
        counts = self.counts[lo:hi]
        target = -(-99 * n // 100)
        at = int(np.searchsorted(np.cumsum(counts), target))
        top = int(self.max[l])
        p99 = min(_bucket_upper(int(keys[at])), top)
        histogram = tuple((min(_bucket_upper(int(k)), top), int(c)) for k, c in zip(keys, counts))
        mean = (int(self.total[l]) + n // 2) // n
        return int(self.min[l]), mean, p99, top, histogram
