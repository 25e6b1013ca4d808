"""One exception tree and one exit-code enum, so the CLI has a single boundary.

Bad input is an ``InputError`` carrying every ``Problem`` found; infeasibility is never an
exception (it is a result with an explanation).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "ExitStatus", "Problem", "TsnplanError", "InputError", "UsageError", "LimitError",
    "InternalError",
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
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.entry}: {self.message}" if self.entry else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


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
