"""argparse types for option values with a range, so a bad value is a one-line usage error
naming the option's range (never a crash later in the run)."""
from __future__ import annotations

import argparse

from tsnplan.units import parse_time_ns

__all__ = ["whole", "duration", "MAX_EMULATED_NS"]

#: Longest emulated run an option may ask for: one hour of plant time.
MAX_EMULATED_NS = 3600 * 10**9


def whole(lo: int, hi: int | None = None, what: str = "a whole number"):
    """A type accepting integers in ``lo..hi`` (no upper bound when ``hi`` is None)."""
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            span = f"at least {lo}" if hi is None else f"{lo}..{hi}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {value}")
        return value
    parse.__name__ = what
    return parse


def duration(lo: int = 0, hi: int | None = None):
    """A type accepting a time like '250ms' in ``lo..hi`` ns."""
    def parse(text: str) -> int:
        try:
            value = parse_time_ns(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo} ns, got {text!r}")
        if hi is not None and value > hi:
            raise argparse.ArgumentTypeError(f"must be at most {hi // 10**9} s, got {text!r}")
        return value
    parse.__name__ = "duration"
    return parse
