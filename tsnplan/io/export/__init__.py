"""Deployable configuration from a schedule.json alone (it carries ports, gates, windows and paths).

``export_schedule(path, to, out)`` reads and sanity-checks the document, then writes ``taprio``
(a shell script of ``tc qdisc ... taprio`` commands), ``yang`` (802.1Qcw-style JSON) or ``tsnkit``
(``GCL.csv``, ``OFFSET.csv``, ``ROUTE.csv``, ``QUEUE.csv``, ``DELAY.csv`` in a directory).
"""
from __future__ import annotations

import json
from pathlib import Path

from tsnplan.errors import InputError, Problem

__all__ = ["export_schedule", "load_schedule_doc"]

MAX_BYTES = 256 * 2**20


def load_schedule_doc(path: str | Path) -> dict:
    path = Path(path)
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError([Problem(name, "", f"file is larger than {MAX_BYTES // 2**20} MiB")])
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InputError([Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError([Problem(name, "", f"not a JSON schedule: {str(exc).splitlines()[0]}")]) from None
    if not isinstance(doc, dict) or doc.get("format") != "tsnplan-schedule/1":
        raise InputError([Problem(name, "", "not a tsnplan-schedule/1 document (write one with `tsnplan schedule -o`)")])
    for key, kind in (("hyperperiod_ns", int), ("ports", dict), ("streams", dict)):
        if not isinstance(doc.get(key), kind):
            raise InputError([Problem(name, key, f"missing or not a {kind.__name__}")])
    return doc


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
