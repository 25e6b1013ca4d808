"""POSIX shell rendering for generated scripts: every interpolated word is quoted, every comment
is one line of printable ASCII, so no node id or port key from an input can become shell code."""
from __future__ import annotations

import re
import shlex

__all__ = ["command", "comment", "script", "quote"]

_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def comment(text: str) -> str:
    """A ``#`` comment line; newlines and control characters become ``?``."""
    return "# " + _UNPRINTABLE.sub("?", str(text))


def quote(word) -> str:
    return shlex.quote(str(word))


def command(argv: list, indent: str = "  ") -> str:
    """``run`` + the quoted words; each ``sched-entry`` goes on a continuation line of its own."""
    words = [quote(w) for w in argv]
    wrap_from = words.index("sched-entry") if "sched-entry" in words else None
    if wrap_from is None:
        return indent + "run " + " ".join(words)
    head = indent + "run " + " ".join(words[:wrap_from])
    return " \\\n".join([head] + [indent + "    " + w for w in _groups(words[wrap_from:])])


def _groups(words: list[str]) -> list[str]:
    out, cur = [], []
    for w in words:
        if w == "sched-entry" and cur:
            out.append(" ".join(cur))
            cur = []
        cur.append(w)
    if cur:
        out.append(" ".join(cur))
    return out


PRELUDE = r"""failed=0
run() {
  "$@" || { echo "tsnplan: failed: $*" >&2; failed=1; }
}
have() {
  if ip link show dev "$1" >/dev/null 2>&1; then return 0; fi
  echo "tsnplan: no interface $1 on this host, its settings are skipped" >&2
  return 1
}"""


def script(header: list[str], body: list[str]) -> str:
    """A script that applies every port it can: a missing interface is skipped, a failing command
    is reported and the rest still run; the exit status is 1 if any command failed."""
    return "\n".join(["#!/bin/sh", *(comment(h) for h in header), PRELUDE, *body, 'exit "$failed"']) + "\n"
