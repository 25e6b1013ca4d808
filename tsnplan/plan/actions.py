"""Upgrade actions and their effect on the network document.

An action is one purchasable change (replace a bridge by a model, raise a link's rate, pull a
cable). The to-be network is made by editing the as-is network *document* and reading it back
with the ordinary network reader, so the planner's to-be network is exactly what
``--write-network`` writes and what every other verb reads.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from tsnplan.errors import InputError
from tsnplan.model.network import Network
from tsnplan.plan.catalogue import Catalogue
from tsnplan.units import format_rate_bps, format_time_ns, parse_rate_bps

__all__ = ["Action", "catalogue_actions", "plain", "base_document", "apply_actions", "network_of", "to_yaml"]


@dataclass(frozen=True, slots=True)
class Action:
    """One change with its cost parts; actions sharing a ``group`` exclude each other."""

    id: str
    kind: str                       # labour kind (catalogue.LABOUR_KINDS)
    group: str
    nodes: tuple[str, ...]          # nodes it touches (the bridge, or the link's ends)
    model: str | None = None
    rate_bps: int | None = None
    length_m: int = 0
    equipment: int = 0
    cable: int = 0
    labour: int = 0
    downtime_s: int = 0
    downtime_cost: int = 0

    @property
    def cost(self) -> int:
        return self.equipment + self.cable + self.labour + self.downtime_cost

    @property
    def link(self) -> tuple[str, str] | None:
        return self.nodes if self.kind != "replace-bridge" else None


def _link_id(a: str, b: str) -> str:
    return f"{min(a, b)}--{max(a, b)}"


def catalogue_actions(catalogue: Catalogue, network: Network) -> list[Action]:
    """Every action the catalogue allows on the base network, frozen nodes left out, sorted by id."""
    per_hour = catalogue.downtime_cost_per_hour
    frozen = catalogue.frozen

    def labour(kind):
        work = catalogue.labour_of(kind)
        return dict(labour=work.cost, downtime_s=work.downtime_s, downtime_cost=-(-work.downtime_s * per_hour // 3600))

    actions = []
    for rep in catalogue.replacements:
        if rep.bridge in frozen:
            continue
        model = catalogue.models[rep.model]
        actions.append(Action(f"replace {rep.bridge} by {rep.model}", "replace-bridge", f"node {rep.bridge}",
                              (rep.bridge,), model=rep.model, equipment=model.price, **labour("replace-bridge")))
    for up in catalogue.upgrades:
        if up.a in frozen or up.b in frozen:
            continue
        link = network.link(up.a, up.b)
        actions.append(Action(f"upgrade {_link_id(up.a, up.b)} to {format_rate_bps(up.rate_bps)}", "upgrade-link",
                              f"link {_link_id(up.a, up.b)}", (link.a, link.b), rate_bps=up.rate_bps,
                              length_m=link.length_m, equipment=2 * up.per_port, cable=up.per_metre * link.length_m,
                              **labour("upgrade-link")))
    for cable in catalogue.cables:
        if cable.a in frozen or cable.b in frozen:
            continue
        actions.append(Action(f"{cable.kind} {_link_id(cable.a, cable.b)}", cable.kind,
                              f"cable {_link_id(cable.a, cable.b)}", (cable.a, cable.b), rate_bps=cable.rate_bps,
                              length_m=cable.length_m, equipment=2 * cable.per_port,
                              cable=cable.per_metre * cable.length_m, **labour(cable.kind)))
    return sorted(actions, key=lambda a: a.id)


def plain(value):
    """A parsed YAML document as plain dicts and lists (line-number mappings dropped)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _node_specs(doc: dict) -> dict[str, dict]:
    """Node id -> its (mutable) spec, whether ``nodes`` is a mapping or a list."""
    nodes = doc.get("nodes")
    if isinstance(nodes, dict):
        for key, spec in nodes.items():
            if spec is None:
                nodes[key] = {}
        return {str(k): v for k, v in nodes.items()}
    return {str(spec["id"]): spec for spec in nodes}


def base_document(as_is_doc, catalogue: Catalogue) -> dict:
    """The as-is network document plus the catalogue's additions (streams sections dropped)."""
    doc = plain(as_is_doc)
    doc.pop("streams", None)
    additions = plain(catalogue.additions)
    if additions.get("nodes"):
        nodes = doc.setdefault("nodes", {})
        added = additions["nodes"]
        if isinstance(nodes, dict):
            nodes.update(added if isinstance(added, dict) else {str(n["id"]): {k: v for k, v in n.items() if k != "id"} for n in added})
        else:
            nodes.extend(added if isinstance(added, list) else [{"id": k, **v} for k, v in added.items()])
    doc.setdefault("links", []).extend(additions.get("links", []))
    return doc


def _rate_text(rate: int):
    text = format_rate_bps(rate)
    return text if parse_rate_bps(text) == rate else rate


def apply_actions(doc: dict, actions, catalogue: Catalogue, union: bool = False) -> dict:
    """A copy of ``doc`` with the actions made; ``union``: every cable is added and no link is
    retired (the graph on which candidate routes are enumerated)."""
    doc = copy.deepcopy(doc)
    specs = _node_specs(doc)
    links = doc["links"]

    def find(a, b):
        for spec in links:
            ends = [str(e) for e in spec.get("ends", [])]
            if set(ends) == {a, b}:
                return spec
        raise KeyError(f"{a}--{b}")

    for action in sorted(actions, key=lambda a: a.id):
        if action.kind == "replace-bridge":
            model = catalogue.models[action.model]
            spec = specs[action.nodes[0]]
            spec.update(processing=format_time_ns(model.processing_ns), queues=model.queues,
                        gcl_max_entries=model.gcl_max_entries, features=sorted(f.value for f in model.features),
                        description=f"{model.name} (replaces the as-is bridge)")
        elif action.kind == "upgrade-link":
            find(*action.nodes)["rate"] = _rate_text(action.rate_bps)
        else:
            cable = next(c for c in catalogue.cables if (c.a, c.b) == action.nodes)
            if union and any(set(map(str, l.get("ends", []))) == {cable.a, cable.b} for l in links):
                continue
            if cable.replaces is not None and not union:
                links.remove(find(*cable.replaces))
            entry = {"ends": [cable.a, cable.b], "medium": cable.medium.value, "rate": _rate_text(cable.rate_bps),
                     "length": f"{cable.length_m}m"}
            if cable.plca_id is not None:
                entry["plca_id"] = cable.plca_id
            links.append(entry)
    return doc


def network_of(doc: dict, file: str, base_dir: Path = Path(".")) -> Network:
    """Read a network document with the ordinary reader; its problems raise one ``InputError``."""
    from tsnplan.io.network_file import network_from_doc

    network, problems = network_from_doc(doc, file, base_dir)
    if problems:
        raise InputError(problems)
    return network


def to_yaml(doc: dict, comment: str) -> str:
    """A network document as YAML text that the network reader reads back unchanged."""
    import yaml

    return f"# {comment}\n" + yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=110)
