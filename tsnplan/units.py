"""Quantities with units ("500us", "1G", "64B", "40m") to integers: ns, bit/s, bytes, metres.

Below the parsers every time is an ``int`` of nanoseconds. Fractions are allowed in the text
("1.5ms") but the result must be a whole number of the base unit, so "0.5ns" is refused rather
than rounded silently.
"""
from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

__all__ = [
    "parse_time_ns", "parse_rate_bps", "parse_size_bytes", "parse_length_m", "parse_percent",
    "format_time_ns", "format_rate_bps", "MAX_QUANTITY",
]

#: Largest magnitude accepted for any quantity (keeps int64 arithmetic far from overflow).
MAX_QUANTITY = 2**53

_NUMBER_UNIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]{1,3}))?\s*([A-Za-zµ/%]*)\s*$")

_TIME = {"": 1, "ns": 1, "us": 1000, "µs": 1000, "ms": 1_000_000, "s": 1_000_000_000}
_RATE = {"": 1, "bps": 1, "b/s": 1, "k": 1000, "kbps": 1000, "kb/s": 1000, "m": 10**6,
         "mbps": 10**6, "mb/s": 10**6, "g": 10**9, "gbps": 10**9, "gb/s": 10**9}
_SIZE = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20}
_LENGTH = {"": 1, "m": 1, "km": 1000, "cm": Fraction(1, 100)}
_TABLES = {id(t): t for t in (_TIME, _RATE, _SIZE, _LENGTH)}


def _parse(value: object, table: dict, what: str, examples: str, case_insensitive: bool) -> int:
    if isinstance(value, str):      # files repeat their quantities ("1ms", "64B") thousands of times
        return _parse_text(value, id(table), what, examples, case_insensitive)
    return _parse_value(value, table, what, examples, case_insensitive)


@lru_cache(maxsize=4096)
def _parse_text(value: str, table_id: int, what: str, examples: str, case_insensitive: bool) -> int:
    return _parse_value(value, _TABLES[table_id], what, examples, case_insensitive)


def _parse_value(value: object, table: dict, what: str, examples: str, case_insensitive: bool) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a {what} like {examples}, got {value!r}")
    if isinstance(value, int):
        number, unit = Fraction(value), ""
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a {what} like {examples}, got {value!r}")
        number, unit = Fraction(value), ""
    elif isinstance(value, str):
        match = _NUMBER_UNIT.match(value)
        if not match:
            raise ValueError(f"expected a {what} like {examples}, got {value!r}")
        mantissa, exponent, unit = match.groups()
        number = Fraction(mantissa) * (Fraction(10) ** int(exponent or 0))
    else:
        raise ValueError(f"expected a {what} like {examples}, got a {type(value).__name__}")
    key = unit.lower() if case_insensitive else unit
    if key not in table:
        units = ", ".join(sorted(k for k in table if k))
        raise ValueError(f"unknown unit {unit!r} in {value!r} (a {what} takes {units})")
    scaled = number * table[key]
    if scaled < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    if scaled > MAX_QUANTITY:
        raise ValueError(f"{what} {value!r} is too large")
    if scaled.denominator != 1:
        raise ValueError(f"{what} {value!r} is not a whole number of the base unit")
    return int(scaled)


def parse_time_ns(value: object) -> int:
    """``"500us"`` → 500000. Plain integers are nanoseconds."""
    return _parse(value, _TIME, "duration", "'500us', '1.5ms', '250ns'", case_insensitive=False)


def parse_rate_bps(value: object) -> int:
    """``"1G"`` → 1000000000. Plain integers are bit/s."""
    return _parse(value, _RATE, "rate", "'100M', '1G', '10G'", case_insensitive=True)


def parse_size_bytes(value: object) -> int:
    """``"64B"`` → 64. Plain integers are bytes."""
    return _parse(value, _SIZE, "size", "'64B', '1500B'", case_insensitive=True)


def parse_length_m(value: object) -> int:
    """``"40m"`` → 40. Plain integers are metres; ``"1km"`` → 1000."""
    return _parse(value, _LENGTH, "length", "'40m', '1km'", case_insensitive=True)


def parse_percent(value: object) -> float:
    """``"30%"`` or ``0.3`` → 0.3 (a fraction in [0, 1])."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = float(value.strip()[:-1])
        fraction = number / 100.0
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        fraction = float(value)
    else:
        raise ValueError(f"expected a percentage like '30%', got {value!r}")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"percentage {value!r} is outside 0-100 %")
    return fraction


def format_time_ns(ns: int) -> str:
    """Shortest exact text for a duration: 500000 → '500us'."""
    for unit, scale in (("s", 10**9), ("ms", 10**6), ("us", 1000)):
        if ns and ns % scale == 0:
            return f"{ns // scale}{unit}"
    return f"{ns}ns"


def format_rate_bps(bps: int) -> str:
    """Shortest exact text for a rate: 1000000000 → '1G'."""
    for unit, scale in (("G", 10**9), ("M", 10**6), ("k", 1000)):
        if bps and bps % scale == 0:
            return f"{bps // scale}{unit}"
    return f"{bps}bps"
