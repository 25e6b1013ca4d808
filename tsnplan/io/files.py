"""Reading an input file as text with the checks every loader needs, each a clear ``Problem``.

This is the one reader of input files: it opens only regular files (a FIFO, ``/dev/zero`` or a
terminal would never end) and reads at most ``max_bytes`` + 1 bytes whatever the size claims.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from tsnplan.errors import InputError, LimitError, Problem

__all__ = ["read_text", "read_bytes", "open_regular"]


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str | Path, *, what: str):
    """A binary file object for ``path`` if it is a regular file (opening never waits for a FIFO's
    writer); else an ``InputError``. For readers that stream a file instead of reading it whole."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError([Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError([Problem(name, "", f"is {_kind(mode)}, expected {what} in a regular file")])
    return os.fdopen(fd, "rb")


def read_bytes(path: str | Path, *, what: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is an ``InputError``."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if isinstance(exc, IsADirectoryError):
            raise InputError([Problem(name, "", f"is a directory, expected {what}")]) from None
        raise InputError([Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError([Problem(name, "", f"is {_kind(mode)}, expected {what} in a regular file")])
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 22, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise InputError([Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise LimitError([Problem(name, "", f"file is larger than {max_bytes // 2**20} MiB")])
    return b"".join(chunks)


def read_text(path: str | Path, *, what: str, max_bytes: int, encoding: str = "utf-8") -> str:
    """The file's text; refuses non-regular, oversized, empty, binary and non-UTF-8 files.

    ``what`` names the expected content in messages ("YAML text", "CSV text", "a JSON schedule").
    """
    name = str(path)
    data = read_bytes(path, what=what, max_bytes=max_bytes)
    if not data.strip():
        raise InputError([Problem(name, "", "file is empty")])
    if b"\x00" in data:
        raise InputError([Problem(name, "", f"file is binary, expected {what}")])
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError([Problem(name, "", f"not UTF-8 text (byte {exc.start})", line)]) from None
