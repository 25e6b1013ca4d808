"""A list of problems that stops its loader after ``limit`` of them.

A hostile file with millions of bad entries then costs the first problems and a note, not
millions of messages and the memory to hold them.
"""
from __future__ import annotations

from tsnplan.errors import InputError, Problem

__all__ = ["ProblemList", "TooManyProblems", "MAX_PROBLEMS"]

MAX_PROBLEMS = 200


class TooManyProblems(Exception):
    """Raised by ``ProblemList.append`` at the limit; the loader turns it into ``ProblemList.error()``."""


class ProblemList(list):
    def __init__(self, file: str, limit: int = MAX_PROBLEMS):
        super().__init__()
        self.file, self.limit = file, limit

    def append(self, problem: Problem) -> None:
        super().append(problem)
        if len(self) >= self.limit:
            raise TooManyProblems

    def error(self) -> InputError:
        return InputError([*self, Problem(self.file, "", f"stopped after {self.limit} problems; fix these first")])
