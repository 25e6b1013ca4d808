"""argparse types for option values with a range, so a bad value is a one-line usage error
naming the option's range (never a crash later in the run)."""
from __future__ import annotations

import argparse

__all__ = ["whole", "MAX_EMULATED_NS"]

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

