"""One exception tree and one exit-code enum, so the CLI has a single boundary.

Bad input is an ``InputError`` carrying every ``Problem`` found; infeasibility is never an
exception (it is a result with an explanation).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "ExitStatus", "Problem", "TsnplanError", "InputError", "UsageError", "LimitError",
    "InternalError", "printable",
]


class ExitStatus(IntEnum):
    OK = 0
    NOT_MET = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: ``file:line: entry: message (hint)``."""

    file: str
    entry: str
    message: str
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        file, entry, message = printable(self.file, 200), printable(self.entry, 120), printable(self.message, 400)
        where = file if self.line is None else f"{file}:{self.line}"
        text = f"{where}: {entry}: {message}" if entry else f"{where}: {message}"
        return f"{text} ({printable(self.hint, 200)})" if self.hint else text


def printable(text: str, limit: int) -> str:
    """One printable line of at most about ``limit`` characters: a hostile name (50 MB, a newline,
    an ANSI escape) is neither echoed whole nor passed to the terminal raw."""
    text = str(text)
    clipped = text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
    if clipped.isprintable():
        return clipped
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in clipped)


class TsnplanError(Exception):
    """Base of every error the CLI turns into an exit code."""

    exit_status = ExitStatus.BAD_INPUT


class InputError(TsnplanError):
    """A file or value is wrong; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(TsnplanError):
    """A bad option or option combination on the command line."""


class LimitError(InputError):
    """A declared resource cap was hit (file size, nesting, number magnitude, hyperperiod)."""


class InternalError(TsnplanError):
    """An invariant broke (kernel status, verify failure): a bug in tsnplan."""

    exit_status = ExitStatus.NOT_MET
