"""The one place consoles are made: colour only on a terminal, ``NO_COLOR`` honoured."""
from __future__ import annotations

import json
import os
import sys

from rich.console import Console

__all__ = ["dumps_readable", "make_console", "make_error_console", "print_json", "progress_enabled"]


def make_console(env: dict | None = None, file=None) -> Console:
    env = os.environ if env is None else env
    return Console(file=file or sys.stdout, no_color="NO_COLOR" in env, highlight=False,
                   soft_wrap=False, emoji=False)


def make_error_console(env: dict | None = None, file=None) -> Console:
    env = os.environ if env is None else env
    return Console(file=file or sys.stderr, stderr=file is None, no_color="NO_COLOR" in env,
                   highlight=False, soft_wrap=True, emoji=False)


def print_json(document: dict, file=None) -> None:
    """One JSON document on stdout, keys in insertion order, deterministic."""
    out = file or sys.stdout
    out.write(dumps_readable(document))
    out.write("\n")


def dumps_readable(value, levels: int = 2, indent: str = "") -> str:
    """JSON indented for its first ``levels`` levels, each deeper value on one line: one stream
    or port per line stays readable and diffable, and the C encoder writes the lines (a fully
    indented dump goes through the pure-Python encoder, several times slower on large reports)."""
    if levels == 0 or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps_readable(v, levels - 1, inner)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    items = [inner + dumps_readable(v, levels - 1, inner) for v in value]
    return "[\n" + ",\n".join(items) + f"\n{indent}]"


def progress_enabled(console: Console) -> bool:
    """Progress bars only on a terminal (and never with --json)."""
    return console.is_terminal
