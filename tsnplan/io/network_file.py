"""Network YAML → ``Network``, collecting every problem (docs/formats.md, "Network file")."""
from __future__ import annotations

from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.fields import FieldReader, suggest
from tsnplan.io.files import read_text
from tsnplan.io.ids import RULE, clip, id_problem
from tsnplan.io.yaml_input import MAX_FILE_BYTES
from tsnplan.model.media.ethernet import MEDIUM_SPECS, NS_PER_M, Medium
from tsnplan.model.media.fiveg import BUILTIN_PROFILES, DelayProfile, FiveGProfile, profile_from_samples
from tsnplan.model.media.t1l import T1L_MAX_LINK_DELAY_NS, t1l_propagation_ns
from tsnplan.model.media.t1s import PlcaConfig
from tsnplan.model.network import DEFAULT_SYNC_ERROR_NS, Feature, Link, Network, Node, NodeKind
from tsnplan.units import format_rate_bps, parse_length_m, parse_rate_bps, parse_time_ns

__all__ = ["network_from_doc", "NODE_DEFAULTS"]

#: Built-in defaults per node kind; a file's ``defaults:`` section overrides them.
NODE_DEFAULTS: dict[NodeKind, dict] = {
    NodeKind.END_STATION: {"processing": 0, "queues": 8},
    NodeKind.BRIDGE: {"processing": 4000, "queues": 8, "gcl_max_entries": 1024,
                      "gcl_granularity": 1, "features": ["qbv"]},
    NodeKind.BRIDGE_5G: {"processing": 0, "queues": 8, "gcl_max_entries": 1024,
                         "gcl_granularity": 1, "profile": "urllc-mmw", "features": ["qbv"]},
    NodeKind.T1S_SEGMENT: {},
}

_NODE_KEYS = {"kind", "processing", "queues", "features", "gcl_max_entries", "gcl_granularity",
              "cut_through", "profile", "ds_tt_residence", "nw_tt_residence", "hold_and_forward",
              "plca", "description", "id", "processing_min", "release_jitter", "implicit_guard"}
_LINK_KEYS = {"ends", "medium", "rate", "length", "propagation", "phy_latency", "plca_id", "description"}
_PLCA_KEYS = {"node_count", "to_timer", "burst_count", "burst_timer"}
#: Largest processing, residence, propagation or PHY delay of one node or link (10 s): with at
#: most 2^20 hops a route's delays sum far below 2^63 ns, so no int64 sum can wrap.
MAX_DELAY_NS = 10 * 10**9


def _top_level(doc, file: str, problems: list[Problem]):
    if not isinstance(doc, dict):
        problems.append(Problem(file, "", f"expected a mapping with 'nodes' and 'links', got a {type(doc).__name__}"))
        return None
    for key, line in getattr(doc, "duplicates", []):
        problems.append(Problem(file, "", f"key {key!r} appears twice", line))
    top = FieldReader(file, "", doc, problems)
    top.unknown_keys({"network", "description", "sync_error", "defaults", "profiles", "nodes", "links", "streams"})
    return top


def network_from_doc(doc, file: str, base_dir: Path = Path(".")) -> tuple[Network | None, list[Problem]]:
    """The network of a parsed file (None if anything is wrong) and every problem found;
    ``base_dir`` resolves 5G sample files."""
    problems: list[Problem] = []
    top = _top_level(doc, file, problems)
    if top is None:
        return None, problems
    name = top.text("network", default=Path(file).stem)
    sync_error = top.get("sync_error", _delay, default=DEFAULT_SYNC_ERROR_NS)
    sync_error = DEFAULT_SYNC_ERROR_NS if sync_error is None else sync_error
    if name is not None and (len(name) > 128 or not name.isprintable()):
        top.problem(f"network: the name {clip(name)!r} is not one printable line of at most 128 characters")
    defaults = _read_defaults(doc.get("defaults"), file, problems)
    user_profiles = _read_profiles(doc.get("profiles"), file, base_dir, problems)
    declared: set[str] = set()
    nodes = _read_nodes(doc.get("nodes"), file, defaults, user_profiles, problems, declared)
    links = _read_links(doc.get("links"), file, nodes, defaults.get("link", {}), problems, declared)
    _check_segments(nodes, links, file, problems)
    if problems:
        return None, problems
    return Network(name, list(nodes.values()), links, file, user_profiles, sync_error), problems


def _read_defaults(section, file, problems) -> dict:
    if section is None:
        return {}
    if not isinstance(section, dict):
        problems.append(Problem(file, "defaults", "expected a mapping of node kinds and 'link'"))
        return {}
    known = {k.value for k in NodeKind} | {"link"}
    result = {}
    for key, value in section.items():
        if key not in known:
            problems.append(Problem(file, "defaults", f"unknown section {key!r}", getattr(section, "line", None),
                                    suggest(key, known)))
        elif not isinstance(value, dict):
            problems.append(Problem(file, f"defaults.{key}", "expected a mapping", getattr(section, "line", None)))
        else:
            allowed = _LINK_KEYS - {"ends", "description"} if key == "link" else _NODE_KEYS - {"id", "kind", "description"}
            FieldReader(file, f"defaults.{key}", value, problems, getattr(value, "line", None)).unknown_keys(allowed)
            result[key] = value
    return result


def _read_profiles(section, file, base_dir: Path, problems) -> dict[str, FiveGProfile]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        problems.append(Problem(file, "profiles", "expected a mapping of profile names"))
        return {}
    profiles = {}
    for name, spec in section.items():
        entry = f"profile {clip(str(name))!r}"
        reader = FieldReader(file, entry, spec if isinstance(spec, dict) else {}, problems,
                             getattr(spec, "line", getattr(section, "line", None)))
        if not isinstance(spec, dict):
            reader.problem("expected a mapping with 'percentiles' or 'samples' (or 'downlink'/'uplink')")
            continue
        if str(name) in BUILTIN_PROFILES:
            reader.problem("redefines a built-in profile", "choose another name")
            continue
        bad = id_problem(str(name))
        if bad is not None:
            problems.append(Problem(file, f"profile {clip(str(name))!r}", f"invalid profile name: {bad}",
                                    reader.line, RULE))
            continue
        directions = {}
        for direction in ("downlink", "uplink"):
            part = spec.get(direction, spec)
            table = _read_table(f"{name}/{direction}", part, reader, base_dir)
            if table is None:
                break
            directions[direction] = table
        else:
            profiles[str(name)] = FiveGProfile(str(name), directions["downlink"], directions["uplink"],
                                               str(spec.get("description", "user profile")))
    return profiles


def _read_table(name: str, part, reader: FieldReader, base_dir: Path) -> DelayProfile | None:
    if not isinstance(part, dict) or not ({"percentiles", "samples"} & set(part)):
        reader.problem(f"{name}: expected 'percentiles' or 'samples'")
        return None
    try:
        if "samples" in part:
            text = read_text(base_dir / str(part["samples"]), what="delay samples, one per line",
                             max_bytes=MAX_FILE_BYTES)
            return profile_from_samples(name, [_delay(v) for v in text.split()])
        table = part["percentiles"]
        if not isinstance(table, dict):
            raise ValueError("percentiles must map a percentile to a delay, e.g. {50: 2ms, 100: 8ms}")
        points = sorted((float(p), _delay(d)) for p, d in table.items())
        return DelayProfile(name, tuple(points))
    except InputError as exc:
        for problem in exc.problems:
            reader.problem(f"{name}: sample file {problem.file}: {problem.message}")
    except (ValueError, TypeError) as exc:
        reader.problem(f"{name}: {exc}")
    return None


def _node_entries(section, file, problems):
    """Nodes as a mapping ``id: {...}`` or a list of ``{id: ..., ...}``."""
    if isinstance(section, dict):
        for key, line in getattr(section, "duplicates", []):
            problems.append(Problem(file, f"node {key!r}", "duplicate node id", line))
        for node_id, spec in section.items():
            yield node_id, spec, getattr(spec, "line", getattr(section, "line", None))
    elif isinstance(section, list):
        seen = set()
        for index, spec in enumerate(section):
            node_id = spec.get("id") if isinstance(spec, dict) else None
            line = getattr(spec, "line", None)
            if node_id is None:
                problems.append(Problem(file, f"nodes[{index}]", "missing field 'id'", line))
                continue
            if node_id in seen:
                problems.append(Problem(file, f"node {node_id!r}", "duplicate node id", line))
                continue
            seen.add(node_id)
            yield node_id, spec, line
    else:
        problems.append(Problem(file, "nodes", "missing or not a mapping of node ids"))


def _read_nodes(section, file, defaults, user_profiles, problems, declared: set[str]) -> dict[str, Node]:
    """Valid nodes by id; ``declared`` also collects the ids of nodes that had problems."""
    nodes: dict[str, Node] = {}
    for node_id, spec, line in _node_entries(section, file, problems):
        if isinstance(node_id, bool) or not isinstance(node_id, (str, int)):
            problems.append(Problem(file, f"node {clip(repr(node_id))}", "node ids must be names", line))
            continue
        raw, node_id = node_id, str(node_id)
        if node_id in declared:      # 1 and '1' are the same name
            problems.append(Problem(file, f"node {clip(node_id)!r}", f"duplicate node id ({raw!r} is "
                                    "already declared as a number or a string)", line))
            continue
        declared.add(node_id)
        bad = id_problem(node_id)
        if bad is not None:
            problems.append(Problem(file, f"node {clip(node_id)!r}", f"invalid node id: {bad}", line, RULE))
            continue
        if not isinstance(spec, dict):
            problems.append(Problem(file, f"node {node_id!r}", "expected a mapping like {kind: bridge}", line))
            continue
        node = _read_node(node_id, spec, line, file, defaults, user_profiles, problems)
        if node is not None:
            nodes[node_id] = node
    return nodes


def _read_node(node_id, spec, line, file, defaults, user_profiles, problems) -> Node | None:
    reader = FieldReader(file, f"node {node_id!r}", spec, problems, line)
    reader.repeated_keys(spec)
    reader.unknown_keys(_NODE_KEYS)
    kind = reader.choice("kind", NodeKind, required=True)
    if kind is None:
        return None
    merged = {**NODE_DEFAULTS[kind], **defaults.get(kind.value, {}), **spec}
    values = FieldReader(file, f"node {node_id!r}", merged, problems, line)
    features = values.get("features", _features, default=frozenset())
    profile = values.text("profile")
    if kind is NodeKind.BRIDGE_5G and profile not in BUILTIN_PROFILES and profile not in user_profiles:
        choices = list(BUILTIN_PROFILES) + list(user_profiles)
        values.problem(f"unknown 5G profile {profile!r}", suggest(profile, choices))
    plca = _read_plca(merged.get("plca"), values) if kind is NodeKind.T1S_SEGMENT else None
    node = Node(
        id=node_id, kind=kind,
        processing_ns=values.get("processing", _delay, default=0),
        queues=values.integer("queues", default=8, lo=1, hi=8),
        features=features or frozenset(),
        gcl_max_entries=values.integer("gcl_max_entries", default=1024, lo=2, hi=2**20),
        gcl_granularity_ns=values.get("gcl_granularity", _positive_time, default=1),
        cut_through=values.flag("cut_through"),
        implicit_guard=values.flag("implicit_guard"),
        profile=profile if kind is NodeKind.BRIDGE_5G else None,
        ds_tt_residence_ns=values.get("ds_tt_residence", _delay, default=0),
        nw_tt_residence_ns=values.get("nw_tt_residence", _delay, default=0),
        hold_and_forward=values.flag("hold_and_forward"),
        processing_min_ns=values.get("processing_min", _delay, default=None),
        release_jitter_ns=values.get("release_jitter", _delay, default=0) or 0,
        plca=plca, line=line,
    )
    return node  # even with bad fields: its kind still lets the links to it be checked


def _delay(value) -> int:
    ns = parse_time_ns(value)
    if ns > MAX_DELAY_NS:
        raise ValueError(f"{value!r} is longer than the {MAX_DELAY_NS // 10**9} s any single delay may be")
    return ns


def _positive_time(value) -> int:
    ns = _delay(value)
    if ns == 0:
        raise ValueError("must be positive")
    return ns


def _features(value) -> frozenset[Feature]:
    if not isinstance(value, list):
        raise ValueError("expected a list like [qbv, qbu, frer]")
    result = set()
    for item in value:
        try:
            result.add(Feature(str(item)))
        except ValueError:
            hint = suggest(item, [f.value for f in Feature]) or "one of qbv, qbu, cbs, frer"
            raise ValueError(f"unknown feature {item!r} ({hint})") from None
    return frozenset(result)


def _read_plca(spec, reader: FieldReader) -> PlcaConfig:
    if spec is None:
        return PlcaConfig()
    if not isinstance(spec, dict):
        reader.problem("plca: expected a mapping like {to_timer: 32}")
        return PlcaConfig()
    sub = FieldReader(reader.file, reader.entry, spec, reader.problems, reader.line)
    for key in spec:
        if key not in _PLCA_KEYS:
            sub.problem(f"plca: unknown field {key!r}", suggest(key, _PLCA_KEYS))
    return PlcaConfig(
        node_count=sub.integer("node_count", default=None, lo=1, hi=255),
        to_timer_bt=sub.integer("to_timer", default=32, lo=1, hi=255),
        burst_count=sub.integer("burst_count", default=0, lo=0, hi=255),
        burst_timer_bt=sub.integer("burst_timer", default=128, lo=1, hi=255),
    )


def _infer_medium(a: Node, b: Node) -> Medium:
    kinds = {a.kind, b.kind}
    if NodeKind.T1S_SEGMENT in kinds:
        return Medium.T1S
    if NodeKind.BRIDGE_5G in kinds and NodeKind.END_STATION in kinds:
        return Medium.RADIO_5G
    return Medium.COPPER


def _read_links(section, file, nodes: dict[str, Node], link_defaults: dict, problems,
                declared: set[str] = frozenset()) -> list[Link]:
    """Links between known nodes; a link to a node declared with an unknown kind is dropped
    without a second problem (the node's own problem says what is wrong)."""
    if not isinstance(section, list):
        problems.append(Problem(file, "links", "missing or not a list of links"))
        return []
    links: list[Link] = []
    seen: dict[frozenset, int] = {}
    for index, spec in enumerate(section):
        line = getattr(spec, "line", None)
        if not isinstance(spec, dict):
            problems.append(Problem(file, f"links[{index}]", "expected a mapping like {ends: [a, b]}", line))
            continue
        ends = spec.get("ends")
        label = f"link {clip(str(ends[0]))}--{clip(str(ends[1]))}" if isinstance(ends, list) and len(ends) == 2 else f"links[{index}]"
        reader = FieldReader(file, label, {**link_defaults, **spec}, problems, line)
        before = len(problems)
        reader.repeated_keys(spec)
        reader.unknown_keys(_LINK_KEYS)
        if not (isinstance(ends, list) and len(ends) == 2 and all(isinstance(e, (str, int)) and not isinstance(e, bool) for e in ends)):
            reader.problem("'ends' must list exactly two node ids")
            continue
        a, b = str(ends[0]), str(ends[1])
        for end in (a, b):
            if end not in nodes and end not in declared:
                reader.problem(f"unknown node {clip(end)!r}", suggest(end, nodes) if len(end) <= 64 else None)
        if a == b:
            reader.problem("a link cannot connect a node to itself")
        if len(problems) > before or a not in nodes or b not in nodes:
            continue
        key = frozenset((a, b))
        if key in seen:
            reader.problem(f"duplicate link (also links[{seen[key]}])")
            continue
        seen[key] = index
        link = _read_link(a, b, nodes, reader)
        if link is not None and len(problems) == before:
            links.append(link)
    return links


def _read_link(a, b, nodes, reader: FieldReader) -> Link | None:
    medium = reader.choice("medium", Medium, default=_infer_medium(nodes[a], nodes[b]))
    if medium is None:
        return None
    spec = MEDIUM_SPECS[medium]
    rate = reader.get("rate", parse_rate_bps, default=spec.default_rate_bps)
    if rate is not None and rate not in spec.rates_bps:
        allowed = ", ".join(format_rate_bps(r) for r in spec.rates_bps)
        reader.problem(f"rate {format_rate_bps(rate)} is not available on {medium.value} (use {allowed})")
    length = reader.get("length", parse_length_m, default=1 if medium is not Medium.RADIO_5G else 0)
    if length is not None and length > spec.reach_m:
        reader.problem(f"{length} m is longer than the {spec.reach_m} m reach of {medium.value}")
    per_m = t1l_propagation_ns if medium is Medium.T1L else (lambda m: m * NS_PER_M)
    propagation = reader.get("propagation", _delay, default=per_m(length or 0))
    if medium is Medium.T1L and propagation is not None and propagation > T1L_MAX_LINK_DELAY_NS:
        reader.problem(f"propagation {propagation} ns exceeds the 10BASE-T1L link delay limit of {T1L_MAX_LINK_DELAY_NS} ns")
    phy = reader.get("phy_latency", _delay, default=spec.phy_ns)
    plca_id = reader.integer("plca_id", default=None, lo=0, hi=254)
    is_t1s = medium is Medium.T1S
    segment_ends = [n for n in (a, b) if nodes[n].kind is NodeKind.T1S_SEGMENT]
    if is_t1s and len(segment_ends) != 1:
        reader.problem("a t1s link must join one station to one t1s-segment node")
    if segment_ends and not is_t1s:
        reader.problem(f"links to a t1s-segment must use medium t1s, not {medium.value}")
    if is_t1s and plca_id is None:
        reader.problem("a station on a T1S segment needs a 'plca_id'")
    if not is_t1s and plca_id is not None:
        reader.problem(f"'plca_id' applies to t1s links only, not to {medium.value}")
    if medium is Medium.RADIO_5G and NodeKind.BRIDGE_5G not in (nodes[a].kind, nodes[b].kind):
        reader.problem("a 5g link must end at a 5g-bridge")
    if None in (rate, length, propagation, phy):
        return None
    return Link(a, b, medium, rate, length, propagation, phy, plca_id, reader.line)


def _check_segments(nodes: dict[str, Node], links: list[Link], file, problems) -> None:
    members: dict[str, list[Link]] = {n: [] for n, node in nodes.items() if node.kind is NodeKind.T1S_SEGMENT}
    for link in links:
        for end in (link.a, link.b):
            if end in members:
                members[end].append(link)
    for segment, seg_links in members.items():
        node = nodes[segment]
        ids: dict[int, str] = {}
        for link in seg_links:
            station = link.b if link.a == segment else link.a
            if link.plca_id in ids:
                problems.append(Problem(file, f"node {segment!r}", f"PLCA id {link.plca_id} is used by both "
                                        f"{ids[link.plca_id]!r} and {station!r}", link.line))
            ids[link.plca_id] = station
        count = node.plca.node_count if node.plca and node.plca.node_count else None
        if count is not None:
            if len(seg_links) > count:
                problems.append(Problem(file, f"node {segment!r}", f"{len(seg_links)} stations on a segment whose "
                                        f"PLCA node_count is {count}", node.line))
            too_high = sorted(i for i in ids if i >= count)
            if too_high:
                problems.append(Problem(file, f"node {segment!r}", f"PLCA id {too_high[0]} is not below node_count {count}", node.line))
        if seg_links and 0 not in ids:
            problems.append(Problem(file, f"node {segment!r}", "no station has PLCA id 0 (the coordinator)", node.line))
