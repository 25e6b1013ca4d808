"""Read the planner's three inputs: the as-is network document, the to-be streams, the catalogue.

The catalogue is checked against the as-is network *with* its additions (the new cell's nodes are
valid names in it), and the streams against the fully upgraded network later; every problem of a
file is reported at once, as by the other loaders.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tsnplan.errors import InputError, Problem, UsageError
from tsnplan.io.yaml_input import read_yaml
from tsnplan.plan.actions import apply_actions, base_document, network_of
from tsnplan.plan.catalogue import Catalogue, catalogue_from_doc

__all__ = ["PlanInputs", "read_plan_inputs", "read_network_doc", "planned_plant"]


@dataclass(frozen=True)
class PlanInputs:
    network_doc: dict
    streams_doc: dict
    streams_file: str
    catalogue: Catalogue


def read_network_doc(path: str | Path):
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: the planner edits network YAML files, not tsnkit instance directories")
    doc = read_yaml(path)
    network_of(doc, str(path), path.parent)       # the as-is network must be valid as it stands
    return doc


def read_plan_inputs(net_path, streams_path, catalogue_path) -> PlanInputs:
    network_doc = read_network_doc(net_path)
    streams_doc = read_yaml(streams_path)
    cat_doc = read_yaml(catalogue_path)
    additions = cat_doc.get("additions") if isinstance(cat_doc, dict) else None
    if additions is not None and not (isinstance(additions, dict)
                                      and isinstance(additions.get("nodes", {}), (dict, list))
                                      and isinstance(additions.get("links", []), list)):
        raise InputError([Problem(str(catalogue_path), "additions", "expected {nodes: {...}, links: [...]} "
                                  "in network-file syntax", getattr(additions, "line", None))])
    seed = Catalogue("", str(catalogue_path), additions={k: additions[k] for k in ("nodes", "links")
                                                         if additions and k in additions})
    base = network_of(base_document(network_doc, seed), f"{catalogue_path} (additions)", Path(net_path).parent)
    catalogue = catalogue_from_doc(cat_doc, str(catalogue_path), base)
    return PlanInputs(network_doc, streams_doc, str(streams_path), catalogue)


def planned_plant(result, inputs: PlanInputs):
    """The plant as the best plan leaves it: the to-be network with the new demand, as verified."""
    from tsnplan.io.plant import Plant
    from tsnplan.io.streams_file import streams_from_doc

    network = network_of(apply_actions(result.base_doc, result.best.actions, inputs.catalogue), "to-be network")
    streams, problems = streams_from_doc(inputs.streams_doc, inputs.streams_file, network)
    if problems:
        raise InputError(problems)
    return Plant(network, streams)
