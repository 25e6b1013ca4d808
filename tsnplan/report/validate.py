"""Report of `tsnplan validate`: a one-line summary of a valid plant, or its problems as JSON."""
from __future__ import annotations

from collections import Counter

from rich.markup import escape

from tsnplan.errors import Problem, printable
from tsnplan.io.plant import Plant

__all__ = ["render_validate", "validate_to_json", "problems_to_json"]


def validate_to_json(plant: Plant, warnings: list[Problem] = ()) -> dict:
    kinds = Counter(n.kind.value for n in plant.network.nodes)
    return {"format": "tsnplan-validate/1", "network": plant.network.name, "valid": True,
            "timing": plant.timing, "nodes": dict(sorted(kinds.items())), "links": len(plant.network.links),
            "streams": len(plant.streams), "problems": [],
            "warnings": [{"file": printable(p.file, 1000), "line": p.line, "entry": printable(p.entry, 1000),
                          "message": printable(p.message, 2000), "hint": p.hint} for p in warnings]}


def problems_to_json(problems: list[Problem], verb: str | None) -> dict:
    """The ``--json`` document of any verb that stopped on bad input (exit 2).

    ``validate`` keeps its own format with ``valid: false``, so a script reads one shape either
    way; other verbs say ``tsnplan-problems/1``.
    """
    listed = [{"file": printable(p.file, 1000), "line": p.line, "entry": printable(p.entry, 1000),
               "message": printable(p.message, 2000), "hint": p.hint} for p in problems]
    if verb == "validate":
        return {"format": "tsnplan-validate/1", "valid": False, "problems": listed}
    return {"format": "tsnplan-problems/1", "verb": verb, "problems": listed}


def render_validate(plant: Plant, console) -> None:
    kinds = Counter(n.kind.value for n in plant.network.nodes)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "no nodes"
    timing = " (tsnkit timing)" if plant.timing == "tsnkit" else ""
    console.print(f"[green]valid[/green]: {escape(plant.network.name)}{timing}: {summary}, "
                  f"{len(plant.network.links)} links, {len(plant.streams)} streams", soft_wrap=True)
