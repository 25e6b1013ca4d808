"""Reading typed fields out of a YAML mapping while collecting problems instead of stopping."""
from __future__ import annotations

import difflib
from typing import Callable

from tsnplan.errors import Problem

__all__ = ["FieldReader", "suggest"]


def suggest(word: str, choices) -> str | None:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f"did you mean {close[0]!r}?" if close else None


class FieldReader:
    """Reads fields of one entry; each bad field adds one ``Problem`` and yields ``None``."""

    def __init__(self, file: str, entry: str, mapping: dict, problems: list[Problem], line: int | None = None):
        self.file, self.entry, self.mapping, self.problems = file, entry, mapping, problems
        self.line = line if line is not None else getattr(mapping, "line", None)

    def problem(self, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.file, self.entry, message, self.line, hint))

    def repeated_keys(self, mapping) -> None:
        """YAML keeps the last of two equal keys silently; say so instead."""
        for key, line in getattr(mapping, "duplicates", ()):
            self.problems.append(Problem(self.file, self.entry, f"field {key!r} appears twice", line))

    def unknown_keys(self, allowed: set[str]) -> None:
        for key in self.mapping:
            if key not in allowed:
                self.problem(f"unknown field {key!r}", suggest(key, allowed))

    def get(self, key: str, parse: Callable | None = None, default=None, required: bool = False):
        if key not in self.mapping or self.mapping[key] is None:
            if required:
                self.problem(f"missing field {key!r}")
            return default
        value = self.mapping[key]
        if parse is None:
            return value
        try:
            return parse(value)
        except (ValueError, TypeError, KeyError) as exc:
            self.problem(f"{key}: {exc}")
            return None

    def text(self, key: str, default=None, required: bool = False):
        def parse(value):
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise ValueError(f"expected a name, got {type(value).__name__}")
            return str(value)
        return self.get(key, parse, default, required)

    def integer(self, key: str, default=None, lo: int = 0, hi: int = 2**31, required: bool = False):
        def parse(value):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"expected a whole number, got {value!r}")
            if not lo <= value <= hi:
                raise ValueError(f"{value} is outside {lo}..{hi}")
            return value
        return self.get(key, parse, default, required)

    def flag(self, key: str, default: bool = False):
        def parse(value):
            if not isinstance(value, bool):
                raise ValueError(f"expected true or false, got {value!r}")
            return value
        return self.get(key, parse, default)

    def choice(self, key: str, enum, default=None, required: bool = False):
        def parse(value):
            try:
                return enum(str(value))
            except ValueError:
                options = [e.value for e in enum]
                hint = suggest(value, options) or "one of " + ", ".join(options)
                raise ValueError(f"unknown value {value!r} ({hint})") from None
        return self.get(key, parse, default, required)
