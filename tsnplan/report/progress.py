"""Progress of long work on stderr when no progress bar is shown (stdout not a terminal, --json).

A background thread writes one line every ``every`` seconds once the work has run ``after``
seconds: the label, the elapsed time and, when the work reports it, the share done. Short runs
print nothing, so scripted use and tests stay quiet; a three-minute schedule or a long emulation
in CI says that it is alive and how far it got.
"""
from __future__ import annotations

import sys
import threading
import time

__all__ = ["StderrProgress"]


class StderrProgress:
    """``with StderrProgress("emulating") as p: work(progress=p.update)``."""

    def __init__(self, label: str, *, stream=None, after: float = 2.0, every: float = 5.0):
        self.label, self.stream, self.after, self.every = label, stream or sys.stderr, after, every
        self.done: int | None = None
        self.total: int | None = None
        self._stop = threading.Event()
        self._printed = False

    def update(self, done: int, total: int | None = None) -> None:
        """A progress callback: ``done`` of ``total`` units."""
        self.done, self.total = done, total

    def _line(self, elapsed: float) -> str:
        share = f", {100 * self.done // self.total}%" if self.done is not None and self.total else ""
        return f"{self.label}: {elapsed:.0f} s{share}"

    def _run(self, started: float) -> None:
        if self._stop.wait(self.after):
            return
        while True:
            try:
                print(self._line(time.monotonic() - started), file=self.stream, flush=True)
            except (OSError, ValueError):
                return
            self._printed = True
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> "StderrProgress":
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, args=(self._started,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self._printed and exc[0] is None:
            print(f"{self.label}: done in {time.monotonic() - self._started:.0f} s", file=self.stream, flush=True)
