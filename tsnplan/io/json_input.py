"""A network given as one JSON file: read it once, then tell by its keys which format it is.

Two formats are known (docs/formats.md): a Tübingen TAS benchmark instance (``nodes``,
``links/ports``, ``streams``) and a TSNsched network (``switches``, ``devices``, ``flows``).
Anything else, and any JSON ``json`` cannot read safely (NaN, 5000-digit numbers, nesting deeper
than the interpreter's recursion limit), is one ``Problem`` naming the file.
"""
from __future__ import annotations

import json
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.files import read_text

__all__ = ["read_json", "load_json_plant", "MAX_JSON_BYTES"]

MAX_JSON_BYTES = 64 * 2**20


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def read_json(path: str | Path, *, what: str, max_bytes: int = MAX_JSON_BYTES):
    """The parsed document of a JSON file of at most ``max_bytes``; else an ``InputError``."""
    name = str(path)
    text = read_text(path, what=what, max_bytes=max_bytes)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, "", f"not valid JSON: {exc.msg}", exc.lineno)]) from None
    except RecursionError:
        raise InputError([Problem(name, "", "not valid JSON: nested too deeply")]) from None
    except ValueError as exc:            # NaN/Infinity, numbers beyond int's digit limit
        reason = "a number has too many digits" if "digits" in str(exc) else str(exc).splitlines()[0]
        raise InputError([Problem(name, "", f"not valid JSON: {reason}")]) from None


def load_json_plant(path: str | Path, *, check: bool = True):
    """The plant of a TAS benchmark instance or a TSNsched network, recognised by its keys."""
    from tsnplan.io.tas_benchmark import is_tas_instance, load_tas_instance
    from tsnplan.io.tsnsched import is_tsnsched_network, is_tsnsched_output, load_tsnsched

    doc = read_json(path, what="a JSON network (TAS benchmark instance or TSNsched network)")
    if is_tas_instance(doc):
        return load_tas_instance(path, doc, check=check)
    if is_tsnsched_network(doc):
        return load_tsnsched(path, doc, check=check)
    name = str(path)
    if is_tsnsched_output(doc):
        raise InputError([Problem(name, "", "is a TSNsched output (a solved schedule: flows with firstSendingTime, "
                                  "port slots), not a network; give the input it was made from")])
    keys = ", ".join(sorted(map(str, doc))[:8]) if isinstance(doc, dict) else f"a JSON {type(doc).__name__}"
    raise InputError([Problem(name, "", f"not a known JSON network (found {keys or 'an empty object'})",
                              hint="a TAS benchmark instance has nodes, links/ports and streams; a TSNsched "
                              "network has switches, devices and flows (docs/formats.md)")])
