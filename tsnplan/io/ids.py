"""The character set of node and stream ids, checked once at load.

Ids reach shell scripts, file names, port names (``a->b``), failure specs (``a--b@1s``) and the
terminal, so they are limited to ASCII letters, digits, ``_``, ``.`` and single ``-`` between
other characters, 1 to ``MAX_ID_LENGTH`` characters, first character a letter, digit or ``_``.
That excludes every shell metacharacter, whitespace and control character, rich markup brackets,
``->`` and ``--``.
"""
from __future__ import annotations

import re

__all__ = ["MAX_ID_LENGTH", "id_problem", "clip"]

MAX_ID_LENGTH = 64
_SAFE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.]|-(?=[A-Za-z0-9_.]))*\Z")
RULE = (f"ids are 1-{MAX_ID_LENGTH} characters: letters, digits, '_', '.' and single '-' between them "
        "(docs/formats.md, \"Ids\")")


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a safe id, or None when it is."""
    if not value:
        return "is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"is {len(value)} characters long"
    if _SAFE.match(value):
        return None
    bad = next((c for c in value if not (c.isascii() and (c.isalnum() or c in "_.-"))), None)
    if bad is not None:
        return f"contains {bad!r}"
    if "--" in value:
        return "contains '--'"
    return "starts or ends with '-'"


def clip(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters for a message (a 50 MB name is not echoed whole)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
