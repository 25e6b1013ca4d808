"""Report of a plant that passed validation."""
from __future__ import annotations

from collections import Counter

from tsnplan.io.plant import Plant

__all__ = ["render_validate", "validate_to_json"]


def validate_to_json(plant: Plant) -> dict:
    kinds = Counter(n.kind.value for n in plant.network.nodes)
    return {"format": "tsnplan-validate/1", "network": plant.network.name, "valid": True,
            "nodes": dict(sorted(kinds.items())), "links": len(plant.network.links),
            "streams": len(plant.streams), "problems": []}


def render_validate(plant: Plant, console) -> None:
    kinds = Counter(n.kind.value for n in plant.network.nodes)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    console.print(f"[green]valid[/green]: {plant.network.name}: {summary}, "
                  f"{len(plant.network.links)} links, {len(plant.streams)} streams")
