"""Display formatting shared by the reports (display only; JSON keeps integer ns)."""
from __future__ import annotations

__all__ = ["fmt_ns", "UNBOUNDED_TEXT"]

UNBOUNDED_TEXT = "unbounded"


def fmt_ns(value: int, unbounded: int | None = None) -> str:
    """Compact duration in the largest unit that fits, at most four significant digits: '20.08ms'."""
    if unbounded is not None and value == unbounded:
        return UNBOUNDED_TEXT
    sign, value = ("-", -value) if value < 0 else ("", value)
    for unit, scale in (("s", 10**9), ("ms", 10**6), ("us", 1000)):
        if value >= scale:
            number = value / scale
            digits = 2 if number < 10 else (1 if number < 100 else 0)
            return f"{sign}{number:.{digits}f}{unit}"
    return f"{sign}{value}ns"
