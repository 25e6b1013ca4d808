"""Deployable configuration from a schedule.json alone (it carries ports, gates, windows and paths).

``export_schedule(path, to, out)`` reads and sanity-checks the document, then writes ``taprio``
(a shell script of ``tc qdisc ... taprio`` commands), ``yang`` (802.1Qcw-style JSON) or ``tsnkit``
(``GCL.csv``, ``OFFSET.csv``, ``ROUTE.csv``, ``QUEUE.csv``, ``DELAY.csv`` in a directory).
"""
from __future__ import annotations

from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.schedule_json import load_schedule_doc

__all__ = ["export_schedule"]

def export_schedule(path: str | Path, to: str, out: str | Path) -> list[Path]:
    """Write the ``to`` format of the schedule in ``path`` to ``out``; returns the files written."""
    from tsnplan.io.export import taprio, tsnkit, yang

    doc = load_schedule_doc(path)
    writer = {"taprio": taprio.write, "yang": yang.write, "tsnkit": tsnkit.write}[to]
    try:
        return writer(doc, Path(out), str(path))
    except OSError as exc:
        raise InputError([Problem(str(out), "", f"cannot write: {exc.strerror or exc}")]) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError([Problem(str(path), "", f"malformed schedule: {exc}")]) from None
