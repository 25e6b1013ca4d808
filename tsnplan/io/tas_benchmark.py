"""Tübingen TAS benchmark instances (one JSON file each) → a ``Plant`` with the instance's fixed paths.

The format (uni-tue-kn/TAS_Benchmark, Apache-2.0; read, not copied): ``nodes`` (``name``,
``isBridge``, ``processingDelay`` ns, optional ``gclEntries``), ``links/ports`` (one directed link =
one egress port: ``source``, ``destination``, ``propagationDelay`` ns, ``transmissionRate`` in
byte/ns, ``egressQueues``, optional ``gclEntries``) and ``streams`` (``period``, ``framesPerPeriod``,
``maxFrameSize`` in wire bytes with preamble and inter-frame gap, ``maxLatency``/``deadline`` ns,
``talker``, ``listeners``, ``path`` as link names, ``priority``, ``earliestOffset``/``latestOffset``).

Mapping: a directed link and its reverse become one full-duplex link (they must agree in rate and
propagation); a bridge's gate-list limit is the smallest ``gclEntries`` of its node or egress
links; a stream sends ``framesPerPeriod`` tagged frames of ``maxFrameSize`` wire bytes (payload =
size - 42) on the given path, which schedulers never change; ``maxLatency`` is its deadline.
``deadline`` is an arrival time after the period's start (``Stream.arrival_ns``): every listener
has the frame at the latest then, in every period (``deadline == period`` is the default rule that
every window lies inside its period). Offset windows narrower than the period are refused (the
planner chooses offsets freely in the period). The benchmark assumes perfect
synchronisation, so the plant's timing is ``tas``: IEEE framing with no sync error by default.
"""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.files import read_text
from tsnplan.model.compile import TIMING_TAS
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.network import Feature, Link, Network, Node, NodeKind
from tsnplan.model.routing import Routes
from tsnplan.model.streams import Stream, StreamSet
from tsnplan.model.traffic_types import TrafficType

__all__ = ["load_tas_instance", "is_tas_instance", "WIRE_OVERHEAD"]

MAX_BYTES = 64 * 2**20
#: wire bytes of a tagged frame beyond its payload: 18 B header + FCS, 4 B VLAN tag, 20 B preamble/SFD/IFG
WIRE_OVERHEAD = 42
MIN_WIRE = 84


def is_tas_instance(doc) -> bool:
    return isinstance(doc, dict) and "links/ports" in doc and "streams" in doc and "nodes" in doc


def _int(value, what: str, problems: list, file: str, entry: str, lo: int = 0) -> int | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and float(value) == int(value)
    if not ok or int(value) < lo or int(value) > 10**13:
        problems.append(Problem(file, entry, f"{what}: expected a whole number >= {lo}, got {value!r}"))
        return None
    return int(value)


def _records(doc, key: str, file: str, problems: list) -> list[dict]:
    items = doc.get(key)
    if not isinstance(items, list):
        problems.append(Problem(file, key, "expected a list"))
        return []
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
            out.append(item)
        else:
            problems.append(Problem(file, f"{key}[{i}]", "expected an object with a name"))
    return out


def _network(doc, file: str, problems: list) -> tuple[Network | None, dict[str, tuple[str, str]]]:
    nodes = {n["name"]: n for n in _records(doc, "nodes", file, problems)}
    directed: dict[tuple[str, str], tuple[int, int, int]] = {}
    link_ends: dict[str, tuple[str, str]] = {}
    gcl: dict[str, int] = {}
    queues: dict[str, int] = {}
    for link in _records(doc, "links/ports", file, problems):
        entry = f"link {link['name']}"
        a, b = link.get("source"), link.get("destination")
        if a not in nodes or b not in nodes:
            problems.append(Problem(file, entry, f"source {a!r} or destination {b!r} is not a node"))
            continue
        rate = link.get("transmissionRate")
        try:
            rate_bps = Fraction(str(rate)) * 8 * 10**9
        except (ValueError, ZeroDivisionError):
            rate_bps = Fraction(0)
        if rate_bps <= 0 or rate_bps.denominator != 1:
            problems.append(Problem(file, entry, f"transmissionRate: expected byte/ns like 0.125, got {rate!r}"))
            continue
        prop = _int(link.get("propagationDelay"), "propagationDelay", problems, file, entry)
        q = _int(link.get("egressQueues", 8), "egressQueues", problems, file, entry, lo=1)
        entries = link.get("gclEntries")
        if entries is not None:
            entries = _int(entries, "gclEntries", problems, file, entry, lo=2)
            if entries is not None:
                gcl[a] = min(gcl.get(a, entries), entries)
        if prop is None or q is None:
            continue
        if (a, b) in directed:
            problems.append(Problem(file, entry, f"a second link from {a} to {b}"))
        directed[a, b] = (int(rate_bps), prop, q)
        queues[a] = min(queues.get(a, 8), q)
        link_ends[link["name"]] = (a, b)
    links = []
    for (a, b), spec in sorted(directed.items()):
        back = directed.get((b, a))
        if back is None:
            problems.append(Problem(file, f"link {a}->{b}", f"has no reverse link {b}->{a}; tsnplan links are full duplex"))
        elif a < b:
            if back[:2] != spec[:2]:
                problems.append(Problem(file, f"link {a}->{b}", "differs from its reverse in rate or propagation"))
            else:
                links.append(Link(a, b, Medium.COPPER, spec[0], 0, spec[1]))
    records = []
    for name, n in sorted(nodes.items()):
        proc = _int(n.get("processingDelay", 0), "processingDelay", problems, file, f"node {name}")
        node_gcl = n.get("gclEntries")
        if node_gcl not in (None, 0):
            node_gcl = _int(node_gcl, "gclEntries", problems, file, f"node {name}", lo=2)
            if node_gcl is not None:
                gcl[name] = min(gcl.get(name, node_gcl), node_gcl)
        if n.get("isBridge") is True:
            records.append(Node(name, NodeKind.BRIDGE, processing_ns=proc or 0, queues=queues.get(name, 8),
                                features=frozenset({Feature.QBV}), gcl_max_entries=gcl.get(name, 1024)))
        elif n.get("isBridge") is False:
            records.append(Node(name, NodeKind.END_STATION, processing_ns=proc or 0, queues=queues.get(name, 8)))
        else:
            problems.append(Problem(file, f"node {name}", f"isBridge: expected true or false, got {n.get('isBridge')!r}"))
    if problems:
        return None, link_ends
    return Network(str(doc.get("name") or Path(file).stem), records, links, file), link_ends


def _streams(doc, file: str, network: Network, link_ends: dict, problems: list) -> tuple[StreamSet, Routes]:
    streams, paths = [], {}
    for s in _records(doc, "streams", file, problems):
        entry = f"stream {s['name']}"
        before = len(problems)
        period = _int(s.get("period"), "period", problems, file, entry, lo=1)
        frames = _int(s.get("framesPerPeriod", 1), "framesPerPeriod", problems, file, entry, lo=1)
        size = _int(s.get("maxFrameSize"), "maxFrameSize", problems, file, entry, lo=MIN_WIRE)
        latency = _int(s.get("maxLatency", period), "maxLatency", problems, file, entry, lo=1)
        deadline = _int(s.get("deadline", period), "deadline", problems, file, entry, lo=1)
        talker, listeners = s.get("talker"), s.get("listeners")
        if s.get("type", "TT") != "TT":
            problems.append(Problem(file, entry, f"type {s.get('type')!r}: only time-triggered (TT) streams are scheduled"))
        if period is not None and deadline is not None and deadline > period:
            problems.append(Problem(file, entry, f"deadline {deadline} ns is after the period's end ({period} ns)"))
        if not isinstance(listeners, list) or len(listeners) != 1 or not all(isinstance(x, str) for x in listeners):
            problems.append(Problem(file, entry, "listeners: expected exactly one listener (the path is one route)"))
        if period is not None and (s.get("earliestOffset", 0) != 0 or s.get("latestOffset", period) != period):
            problems.append(Problem(file, entry, "an offset window narrower than the period is not supported"))
        path = s.get("path")
        nodes = [talker]
        if not isinstance(path, list) or not path:
            problems.append(Problem(file, entry, "path: expected a list of link names"))
        else:
            for name in path:
                ends = link_ends.get(name) if isinstance(name, str) else None
                if ends is None or ends[0] != nodes[-1]:
                    problems.append(Problem(file, entry, f"path: link {name!r} does not continue the path at {nodes[-1]}"))
                    break
                nodes.append(ends[1])
        if len(problems) > before:
            continue
        if nodes[-1] != listeners[0]:
            problems.append(Problem(file, entry, f"path ends at {nodes[-1]}, not at the listener {listeners[0]}"))
            continue
        payload = size - WIRE_OVERHEAD
        prio = s.get("priority", 5)
        streams.append(Stream(s["name"], talker, tuple(listeners), period, payload * frames, latency,
                              TrafficType.CYCLIC_SYNC, pcp=prio if prio in range(8) else 5,
                              frame_payload_limit=payload, arrival_ns=deadline if deadline < period else None))
        paths[s["name"]] = (tuple(nodes),)
    streams.sort(key=lambda st: st.id)
    return StreamSet(tuple(streams), file), Routes(paths, {}, fixed=True)


def load_tas_instance(path: str | Path, doc: dict | None = None, *, check: bool = True):
    """Read one TAS benchmark instance; one ``InputError`` lists every problem."""
    from tsnplan.io.plant import Plant

    file = str(path)
    if doc is None:
        try:
            doc = json.loads(read_text(path, what="a TAS benchmark JSON instance", max_bytes=MAX_BYTES))
        except json.JSONDecodeError as exc:
            raise InputError([Problem(file, "", f"not valid JSON: {exc.msg}", exc.lineno)]) from None
    if not is_tas_instance(doc):
        raise InputError([Problem(file, "", "not a TAS benchmark instance: expected nodes, links/ports and streams")])
    problems: list[Problem] = []
    network, link_ends = _network(doc, file, problems)
    if network is None:
        raise InputError(problems)
    streams, routes = _streams(doc, file, network, link_ends, problems)
    if problems:
        raise InputError(problems)
    return Plant(network, streams, timing=TIMING_TAS, routes=routes).checked(check)
