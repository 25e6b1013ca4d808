"""Upgrade catalogue YAML -> ``Catalogue``: what may change in a plant and what each change costs.

The catalogue is read against the *base* network: the as-is network plus the catalogue's
``additions`` (equipment that comes with the new demand and is always installed). Every problem
is collected (unknown node, negative cost, a model with fewer ports than the bridge it would
replace, unknown units) and raised as one ``InputError`` (docs/formats.md, "Upgrade catalogue").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.fields import FieldReader, suggest
from tsnplan.model.media.ethernet import MEDIUM_SPECS, Medium
from tsnplan.model.network import Feature, Network, NodeKind
from tsnplan.units import format_rate_bps, parse_length_m, parse_percent, parse_rate_bps, parse_time_ns

__all__ = ["Catalogue", "BridgeModel", "Labour", "Replacement", "LinkUpgrade", "Cable",
           "catalogue_from_doc", "parse_money", "parse_downtime_s", "LABOUR_KINDS"]

#: Kinds of change with their own labour cost and line downtime.
LABOUR_KINDS = ("replace-bridge", "upgrade-link", "new-cable", "5g", "t1l", "t1s")
_CABLE_KINDS = ("new-cable", "5g", "t1l", "t1s")
_TOP_KEYS = {"catalogue", "description", "currency", "budget", "constraints", "labour", "models", "replace",
             "spare_ports", "link_upgrades", "cables", "additions"}
_MODEL_KEYS = {"ports", "rates", "features", "queues", "gcl_max_entries", "processing", "price", "description"}
_CABLE_KEYS = {"ends", "medium", "rate", "length", "per_metre", "per_port", "kind", "replaces", "plca_id",
               "description"}
_MONEY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKM]?)\s*$")
_DOWNTIME = {"s": 1, "min": 60, "h": 3600}


def parse_money(value) -> int:
    """``1200``, ``"250k"``, ``"1.5M"`` -> whole currency units; negative amounts are refused."""
    if isinstance(value, bool):
        raise ValueError(f"expected an amount like 1200 or '250k', got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"negative cost {value}")
        return round(value)
    match = _MONEY.match(str(value))
    if not match:
        if str(value).strip().startswith("-"):
            raise ValueError(f"negative cost {value!r}")
        raise ValueError(f"expected an amount like 1200 or '250k', got {value!r}")
    scale = {"": 1, "k": 1000, "K": 1000, "M": 1_000_000}[match.group(2)]
    return round(float(match.group(1)) * scale)


def parse_downtime_s(value) -> int:
    """``"45min"``, ``"2h"``, ``"30s"`` or whole seconds -> seconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$", str(value))
    if not match or match.group(2) not in _DOWNTIME:
        raise ValueError(f"unknown downtime {value!r} (use s, min or h, e.g. '45min')")
    return round(float(match.group(1)) * _DOWNTIME[match.group(2)])


@dataclass(frozen=True, slots=True)
class Labour:
    cost: int
    downtime_s: int


@dataclass(frozen=True, slots=True)
class BridgeModel:
    name: str
    ports: int
    rates_bps: tuple[int, ...]
    features: frozenset[Feature]
    queues: int
    gcl_max_entries: int
    processing_ns: int
    price: int


@dataclass(frozen=True, slots=True)
class Replacement:
    bridge: str
    model: str


@dataclass(frozen=True, slots=True)
class LinkUpgrade:
    a: str
    b: str
    rate_bps: int
    per_metre: int
    per_port: int


@dataclass(frozen=True, slots=True)
class Cable:
    """A cable route that may be pulled (or a radio / SPE attachment); ``replaces`` is a link it retires."""

    a: str
    b: str
    medium: Medium
    rate_bps: int
    length_m: int
    per_metre: int
    per_port: int
    kind: str
    replaces: tuple[str, str] | None = None
    plca_id: int | None = None


@dataclass(frozen=True)
class Catalogue:
    name: str
    source: str
    currency: str = "EUR"
    budget: int | None = None
    max_utilisation: float = 1.0
    max_phase_downtime_s: int | None = None
    frozen: frozenset[str] = frozenset()
    downtime_cost_per_hour: int = 0
    labour: dict[str, Labour] = field(default_factory=dict)
    models: dict[str, BridgeModel] = field(default_factory=dict)
    replacements: tuple[Replacement, ...] = ()
    spare_ports: dict[str, int] = field(default_factory=dict)
    upgrades: tuple[LinkUpgrade, ...] = ()
    cables: tuple[Cable, ...] = ()
    additions: dict = field(default_factory=dict)     # {"nodes": ..., "links": [...]} in network-file syntax
    additions_cost: int = 0

    def labour_of(self, kind: str) -> Labour:
        return self.labour.get(kind, Labour(0, 0))


def _mapping(value, reader: FieldReader, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.problem(f"{what}: expected a mapping")
        return {}
    return value


def _node_list(value, reader: FieldReader, network: Network, what: str, kinds=None) -> list[str]:
    if value == "all":
        return [n.id for n in network.nodes if kinds is None or n.kind in kinds]
    if not isinstance(value, list):
        reader.problem(f"{what}: expected a list of node ids or 'all'")
        return []
    out = []
    for item in value:
        name = str(item)
        if not network.has_node(name):
            reader.problem(f"{what}: unknown node {name!r}", suggest(name, network.node_ids))
        elif kinds is not None and network.node(name).kind not in kinds:
            reader.problem(f"{what}: {name!r} is a {network.node(name).kind.value}, not a bridge")
        else:
            out.append(name)
    return out


def _ends(value, reader: FieldReader, network: Network, extra: set[str] = frozenset()) -> tuple[str, str] | None:
    if not (isinstance(value, list) and len(value) == 2):
        reader.problem("'ends' must list exactly two node ids")
        return None
    a, b = str(value[0]), str(value[1])
    ok = True
    for end in (a, b):
        if not network.has_node(end) and end not in extra:
            reader.problem(f"unknown node {end!r}", suggest(end, network.node_ids))
            ok = False
    if a == b:
        reader.problem("a link cannot connect a node to itself")
        ok = False
    return (a, b) if ok else None


def catalogue_from_doc(doc, file: str, network: Network) -> Catalogue:
    """Check a catalogue document against the base network; one ``InputError`` lists every problem."""
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise InputError([Problem(file, "", f"expected a mapping with 'models', 'replace', 'cables' ..., got a {type(doc).__name__}")])
    top = FieldReader(file, "", doc, problems)
    top.repeated_keys(doc)
    top.unknown_keys(_TOP_KEYS)
    constraints = _mapping(doc.get("constraints"), top, "constraints")
    cons = FieldReader(file, "constraints", constraints, problems, getattr(constraints, "line", None))
    cons.unknown_keys({"max_utilisation", "max_phase_downtime", "frozen", "downtime_cost_per_hour"})
    frozen = _node_list(constraints.get("frozen", []), cons, network, "frozen")
    labour = _read_labour(doc.get("labour"), file, problems)
    models = _read_models(doc.get("models"), file, problems)
    replacements = _read_replacements(doc.get("replace"), file, network, models, problems)
    spare = _read_spare_ports(doc.get("spare_ports"), file, network, problems)
    upgrades = _read_upgrades(doc.get("link_upgrades"), file, network, problems)
    cables = _read_cables(doc.get("cables"), file, network, problems)
    additions = _mapping(doc.get("additions"), top, "additions")
    add_reader = FieldReader(file, "additions", additions, problems, getattr(additions, "line", None))
    add_reader.unknown_keys({"nodes", "links", "cost", "description"})
    catalogue = Catalogue(
        name=top.text("catalogue", default=Path(file).stem), source=file,
        currency=top.text("currency", default="EUR"),
        budget=top.get("budget", parse_money),
        max_utilisation=cons.get("max_utilisation", parse_percent, default=1.0) or 1.0,
        max_phase_downtime_s=cons.get("max_phase_downtime", parse_downtime_s),
        frozen=frozenset(frozen),
        downtime_cost_per_hour=cons.get("downtime_cost_per_hour", parse_money, default=0) or 0,
        labour=labour, models=models, replacements=tuple(replacements), spare_ports=spare,
        upgrades=tuple(upgrades), cables=tuple(cables),
        additions={k: additions[k] for k in ("nodes", "links") if k in additions},
        additions_cost=add_reader.get("cost", parse_money, default=0) or 0,
    )
    if problems:
        raise InputError(problems)
    return catalogue


def _read_labour(section, file, problems) -> dict[str, Labour]:
    out = {}
    reader = FieldReader(file, "labour", section if isinstance(section, dict) else {}, problems)
    if section is not None and not isinstance(section, dict):
        reader.problem("expected a mapping of change kinds like {replace-bridge: {cost: 400, downtime: 45min}}")
        return out
    for kind, spec in (section or {}).items():
        entry = FieldReader(file, f"labour {kind!r}", spec if isinstance(spec, dict) else {}, problems,
                            getattr(spec, "line", getattr(section, "line", None)))
        if kind not in LABOUR_KINDS:
            entry.problem("unknown kind of change", suggest(kind, LABOUR_KINDS) or "one of " + ", ".join(LABOUR_KINDS))
            continue
        if not isinstance(spec, dict):
            entry.problem("expected a mapping like {cost: 400, downtime: 45min}")
            continue
        entry.unknown_keys({"cost", "downtime"})
        cost = entry.get("cost", parse_money, default=0)
        downtime = entry.get("downtime", parse_downtime_s, default=0)
        if cost is not None and downtime is not None:
            out[str(kind)] = Labour(cost, downtime)
    return out


def _rates(value) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("expected a list of rates like [100M, 1G]")
    return tuple(sorted(parse_rate_bps(v) for v in value))


def _features(value) -> frozenset[Feature]:
    if not isinstance(value, list):
        raise ValueError("expected a list like [qbv, frer]")
    out = set()
    for item in value:
        try:
            out.add(Feature(str(item)))
        except ValueError:
            raise ValueError(f"unknown feature {item!r} ({suggest(item, [f.value for f in Feature]) or 'one of qbv, qbu, cbs, frer'})") from None
    return frozenset(out)


def _read_models(section, file, problems) -> dict[str, BridgeModel]:
    models = {}
    if section is not None and not isinstance(section, dict):
        problems.append(Problem(file, "models", "expected a mapping of model names"))
        return models
    for name, spec in (section or {}).items():
        line = getattr(spec, "line", getattr(section, "line", None))
        reader = FieldReader(file, f"model {name!r}", spec if isinstance(spec, dict) else {}, problems, line)
        if not isinstance(spec, dict):
            reader.problem("expected a mapping like {ports: 8, rates: [1G], price: 1800}")
            continue
        before = len(problems)
        reader.repeated_keys(spec)
        reader.unknown_keys(_MODEL_KEYS)
        model = BridgeModel(
            name=str(name), ports=reader.integer("ports", lo=1, hi=1024, required=True),
            rates_bps=reader.get("rates", _rates, required=True),
            features=reader.get("features", _features, default=frozenset()),
            queues=reader.integer("queues", default=8, lo=1, hi=8),
            gcl_max_entries=reader.integer("gcl_max_entries", default=1024, lo=2, hi=2**20),
            processing_ns=reader.get("processing", parse_time_ns, default=4000),
            price=reader.get("price", parse_money, required=True))
        if len(problems) == before:
            models[str(name)] = model
    return models


def _list_entries(section, file, key: str, problems, shape: str, example: str | None = None):
    """The mappings of a list section, each with its reader; a section or entry of the wrong
    shape is one problem (``expected a list of SHAPE`` / ``expected a mapping like EXAMPLE``)."""
    if section is None:
        return
    if not isinstance(section, list):
        problems.append(Problem(file, key, f"expected a list of {shape}"))
        return
    for index, spec in enumerate(section):
        reader = FieldReader(file, f"{key}[{index}]", spec if isinstance(spec, dict) else {}, problems,
                             getattr(spec, "line", None))
        if not isinstance(spec, dict):
            reader.problem(f"expected a mapping like {example or shape}")
            continue
        yield spec, reader


def _read_replacements(section, file, network: Network, models, problems) -> list[Replacement]:
    out: list[Replacement] = []
    bridges_kind = {NodeKind.BRIDGE}
    for spec, reader in _list_entries(section, file, "replace", problems, "{bridges: [...], models: [...]}",
                                      "{bridges: [sw-1], models: [tsn-8]}"):
        reader.unknown_keys({"bridges", "models", "description"})
        bridges = _node_list(spec.get("bridges"), reader, network, "bridges", bridges_kind)
        names = spec.get("models")
        if not isinstance(names, list) or not names:
            reader.problem("models: expected a list of model names")
            continue
        for model_name in map(str, names):
            model = models.get(model_name)
            if model is None:
                reader.problem(f"models: unknown model {model_name!r}", suggest(model_name, models))
                continue
            for bridge in bridges:
                degree = len(network.neighbours(bridge))
                if model.ports < degree:
                    reader.problem(f"model {model_name!r} has {model.ports} ports; bridge {bridge!r} has {degree} links")
                    continue
                slow = [l for l in (network.link(bridge, n) for n in network.neighbours(bridge))
                        if l.rate_bps > model.rates_bps[-1]]
                if slow:
                    reader.problem(f"model {model_name!r} tops out at {format_rate_bps(model.rates_bps[-1])}; "
                                   f"link {slow[0].key} runs at {format_rate_bps(slow[0].rate_bps)}")
                    continue
                out.append(Replacement(bridge, model_name))
    return sorted(set(out), key=lambda r: (r.bridge, r.model))


def _read_spare_ports(section, file, network: Network, problems) -> dict[str, int]:
    out = {}
    reader = FieldReader(file, "spare_ports", section if isinstance(section, dict) else {}, problems)
    if section is not None and not isinstance(section, dict):
        reader.problem("expected a mapping {bridge: free ports}")
        return out
    for node, count in (section or {}).items():
        if not network.has_node(str(node)):
            reader.problem(f"unknown node {node!r}", suggest(node, network.node_ids))
        elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
            reader.problem(f"{node}: expected a whole number of free ports, got {count!r}")
        else:
            out[str(node)] = count
    return out


def _read_upgrades(section, file, network: Network, problems) -> list[LinkUpgrade]:
    out: list[LinkUpgrade] = []
    for spec, reader in _list_entries(section, file, "link_upgrades", problems,
                                      "{links: all, rate: 1G, per_metre: 2}"):
        reader.unknown_keys({"links", "rate", "per_metre", "per_port", "description"})
        rate = reader.get("rate", parse_rate_bps, required=True)
        per_metre = reader.get("per_metre", parse_money, default=0)
        per_port = reader.get("per_port", parse_money, default=0)
        targets = spec.get("links", "all")
        if targets == "all":
            links = [(l.a, l.b) for l in network.links]
        elif isinstance(targets, list):
            links = []
            for item in targets:
                ends = _ends(item, reader, network)
                if ends is not None and not network.has_link(*ends):
                    reader.problem(f"no link {ends[0]}--{ends[1]} in the network")
                elif ends is not None:
                    links.append(ends)
        else:
            reader.problem("links: expected 'all' or a list of [a, b] pairs")
            continue
        if None in (rate, per_metre, per_port):
            continue
        for a, b in links:
            link = network.link(a, b)
            if rate > link.rate_bps and rate in MEDIUM_SPECS[link.medium].rates_bps:
                out.append(LinkUpgrade(link.a, link.b, rate, per_metre, per_port))
    return sorted(set(out), key=lambda u: (u.a, u.b, u.rate_bps))


def _read_cables(section, file, network: Network, problems) -> list[Cable]:
    out: list[Cable] = []
    for spec, reader in _list_entries(section, file, "cables", problems, "cable routes {ends: [a, b], length: 40m}",
                                      "{ends: [a, b], length: 40m}"):
        before = len(problems)
        reader.unknown_keys(_CABLE_KEYS)
        ends = _ends(spec.get("ends"), reader, network)
        medium = reader.choice("medium", Medium, default=Medium.COPPER)
        kind = reader.text("kind", default="new-cable")
        if kind is not None and kind not in _CABLE_KINDS:
            reader.problem(f"kind: unknown kind {kind!r}", suggest(kind, _CABLE_KINDS))
        length = reader.get("length", parse_length_m, required=medium is not Medium.RADIO_5G, default=0)
        rate = reader.get("rate", parse_rate_bps, default=MEDIUM_SPECS[medium].default_rate_bps if medium else None)
        if medium is not None and rate is not None and rate not in MEDIUM_SPECS[medium].rates_bps:
            reader.problem(f"rate {format_rate_bps(rate)} is not available on {medium.value}")
        if medium is not None and length is not None and length > MEDIUM_SPECS[medium].reach_m:
            reader.problem(f"{length} m is longer than the {MEDIUM_SPECS[medium].reach_m} m reach of {medium.value}")
        replaces = None
        if spec.get("replaces") is not None:
            replaces = _ends(spec.get("replaces"), reader, network)
            if replaces is not None and not network.has_link(*replaces):
                reader.problem(f"replaces: no link {replaces[0]}--{replaces[1]} in the network")
        if ends is not None and network.has_link(*ends) and (replaces is None or set(replaces) != set(ends)):
            reader.problem(f"link {ends[0]}--{ends[1]} exists already (use link_upgrades)")
        per_metre = reader.get("per_metre", parse_money, default=0)
        per_port = reader.get("per_port", parse_money, default=0)
        plca_id = reader.integer("plca_id", default=None, lo=0, hi=254)
        if len(problems) == before:
            out.append(Cable(ends[0], ends[1], medium, rate, length, per_metre, per_port, kind, replaces, plca_id))
    return out
