"""Reading an input file as text with the checks every loader needs, each a clear ``Problem``."""
from __future__ import annotations

from pathlib import Path

from tsnplan.errors import InputError, LimitError, Problem

__all__ = ["read_text"]


def read_text(path: str | Path, *, what: str, max_bytes: int, encoding: str = "utf-8") -> str:
    """The file's text; refuses directories, oversized, empty, binary and non-UTF-8 files.

    ``what`` names the expected content in messages ("YAML text", "CSV text", "a JSON schedule").
    """
    path = Path(path)
    name = str(path)
    try:
        if path.is_dir():
            raise InputError([Problem(name, "", f"is a directory, expected {what}")])
        if path.stat().st_size > max_bytes:
            raise LimitError([Problem(name, "", f"file is larger than {max_bytes // 2**20} MiB")])
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    if not data.strip():
        raise InputError([Problem(name, "", "file is empty")])
    if b"\x00" in data:
        raise InputError([Problem(name, "", f"file is binary, expected {what}")])
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError([Problem(name, "", f"not UTF-8 text (byte {exc.start})", line)]) from None
