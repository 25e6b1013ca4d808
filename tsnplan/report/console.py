"""The one place consoles are made: colour only on a terminal, ``NO_COLOR`` honoured."""
from __future__ import annotations

import json
import os
import sys

from rich.console import Console

__all__ = ["make_console", "make_error_console", "print_json", "progress_enabled"]


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
    out.write(json.dumps(document, indent=2, ensure_ascii=False))
    out.write("\n")


def progress_enabled(console: Console) -> bool:
    """Progress bars only on a terminal (and never with --json)."""
    return console.is_terminal
