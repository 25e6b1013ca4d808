"""Writing an output file: atomically, never beside a stray ``.tmp``, ``-`` meaning stdout.

The text goes to a fresh temporary file in the target's directory (``tempfile``: an existing
``FILE.tmp`` is never touched) and replaces the target only when complete; on any error or
interrupt the temporary file is removed. Problems are ``InputError``s naming the path.
"""
from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path

from tsnplan.errors import InputError, Problem

__all__ = ["write_atomic", "check_writable", "atomic_path"]

_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def check_writable(path: str | Path) -> Path:
    """``path`` as a ``Path`` if a file can be created there; else an ``InputError`` saying why.
    Called before long work so a bad ``-o``/``--pcap`` fails in a second, not after the run."""
    path = Path(path)
    name = str(path)
    if path.is_dir():
        raise InputError([Problem(name, "", "is a directory; give a file name")])
    parent = path.parent
    if not parent.is_dir():
        raise InputError([Problem(name, "", f"cannot write: the directory {str(parent)!r} does not exist")])
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError([Problem(name, "", f"cannot write: the directory {str(parent)!r} is not writable")])
    if path.exists() and not path.is_file():
        raise InputError([Problem(name, "", "exists and is not a regular file")])
    return path


class atomic_path:
    """Context manager: a temporary path beside ``path`` to write to, moved onto ``path`` on
    success and removed on failure (also on KeyboardInterrupt)."""

    def __init__(self, path: str | Path):
        self.path = check_writable(path)

    def __enter__(self) -> Path:
        """Ctrl-C and SIGTERM wait while the file is made: one arriving between its creation and
        ``self.tmp`` being known would leave the file behind (``__exit__`` does not run then)."""
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            os.close(fd)
        except OSError as exc:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            raise InputError([Problem(str(self.path), "", f"cannot write: {exc.strerror or exc}")]) from None
        self.tmp = Path(tmp)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)     # a signal held meanwhile arrives here
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        return self.tmp

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self.tmp.unlink(missing_ok=True)
            return
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)
            os.replace(self.tmp, self.path)
        except OSError as error:
            self.tmp.unlink(missing_ok=True)
            raise InputError([Problem(str(self.path), "", f"cannot write: {error.strerror or error}")]) from None


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; ``-`` writes it to stdout."""
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp:
        try:
            tmp.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError([Problem(str(path), "", f"cannot write: {exc.strerror or exc}")]) from None
