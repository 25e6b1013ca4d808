"""TSNsched's JSON network → a ``Plant`` whose flows keep their given hops.

The format (ACassimiro/TSNsched, GPL-3.0; its README and ``JSONParser.java`` were read, nothing is
copied): ``switches`` (``defaultTimeToTravel``, ``defaultPortSpeed`` and ``ports``, each
``connectsTo`` a node, with ``timeToTravel``, ``portSpeed``, ``guardBandSize``, ...), ``devices``
(``defaultPacketPeriodicity``, ``defaultPacketSize``, ``defaultHardConstraintTime``, ...) and
``flows`` (``sourceDevice``, ``endDevices``, ``hops`` as ``currentNodeName``/``nextNodeName``
pairs, optional per-flow overrides). Times are microseconds, sizes bytes and speeds byte/µs
unless a ``...Unit`` field names another unit of TSNsched's own lists; every time must come out
as whole nanoseconds.

Mapping (docs/formats.md, "TSNsched networks"): switches are 802.1Qbv bridges, devices end
stations; a switch port towards X and the port of X back (if X is a switch) make one full-duplex
link (rate = ``portSpeed``, propagation = ``timeToTravel``; the two must agree); a flow is one
stream, multicast when it has several end devices, sending one tagged frame of ``packetSize``
bytes (DA..FCS; payload = size - 22) per period over the tree its hops describe, which schedulers
never change. ``hardConstraintTime`` is the deadline, cut to the period when longer; ``priorityValue``
0-7 the PCP. Gate-list details TSNsched optimises itself (guard bands, slot lengths, cycle start,
schedule type, first sending time) are read and checked but left to tsnplan's own rules.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.fields import suggest
from tsnplan.io.ids import RULE, clip, id_problem
from tsnplan.io.problem_list import ProblemList, TooManyProblems
from tsnplan.model.compile import MAX_HYPERPERIOD_NS, TIMING_TAS
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.network import Feature, Link, Network, Node, NodeKind
from tsnplan.model.routing import Routes
from tsnplan.model.streams import Stream, StreamSet
from tsnplan.model.traffic_types import TrafficType

__all__ = ["load_tsnsched", "is_tsnsched_network", "is_tsnsched_output", "FRAME_HEADER"]

#: bytes of a tagged frame outside its payload: DA, SA, VLAN tag, EtherType, FCS
FRAME_HEADER = 22
MIN_FRAME, MAX_FRAME = 64, 9216
MAX_RATE_BPS = 10**12
DEFAULT_PCP = 5
#: route nodes over all flows and listeners (a long chain with many listeners would not fit in memory)
MAX_ROUTE_NODES = 5_000_000
_SUGGEST_MAX = 2000           # difflib over more names per typo would take minutes on a hostile file

# TSNsched's unit names (TimeUnits, SizeUnits), upper-cased: value in ns, in bytes
_TIME_UNITS = {"US": 1000, "MICROSECOND": 1000, "MS": 10**6, "MILLISECOND": 10**6, "S": 10**9, "SECOND": 10**9}
_SIZE_UNITS = {"B": 1, "BYTE": 1, "KBIT": Fraction(1000, 8), "KILOBIT": Fraction(1000, 8),
               "MBIT": Fraction(10**6, 8), "MEGABIT": Fraction(10**6, 8), "GBIT": Fraction(10**9, 8),
               "GIGABIT": Fraction(10**9, 8), "KBYTE": 1000, "KILOBYTE": 1000, "MBYTE": 10**6,
               "MEGABYTE": 10**6, "GBYTE": 10**9, "GIGABYTE": 10**9}

_TOP_KEYS = {"switches", "devices", "flows"}
_SWITCH_KEYS = {"name", "ports", "defaultTimeToTravel", "defaultPortSpeed", "defaultGuardBandSize",
                "defaultScheduleType", "defaultSlotArrangementMode", "defaultTimeToTravelUnit",
                "defaultPortSpeedSizeUnit", "defaultPortSpeedTimeUnit", "defaultGuardBandSizeUnit", "scheduleType"}
_PORT_KEYS = {"name", "connectsTo", "timeToTravel", "portSpeed", "guardBandSize", "maximumSlotDuration",
              "cycleStart", "scheduleType", "bufferSize", "slotArrangementMode", "timeToTravelUnit",
              "portSpeedSizeUnit", "portSpeedTimeUnit", "guardBandSizeUnit", "maximumSlotDurationUnit",
              "cycleStartUnit"}
_DEVICE_KEYS = {"name", "defaultFirstSendingTime", "defaultPacketPeriodicity", "defaultHardConstraintTime",
                "defaultPacketSize"} | {k + "Unit" for k in ("defaultFirstSendingTime", "defaultPacketPeriodicity",
                                                           "defaultHardConstraintTime", "defaultPacketSize")}
_FLOW_KEYS = {"name", "type", "sourceDevice", "endDevices", "hops", "packetPeriodicity", "packetSize",
              "hardConstraintTime", "maximumJitter", "firstSendingTime", "fixedPriority", "priorityValue"} | {
    k + "Unit" for k in ("packetPeriodicity", "packetSize", "hardConstraintTime", "maximumJitter", "firstSendingTime")}
_HOP_KEYS = {"currentNodeName", "nextNodeName"}
_FLOW_TYPES = {"UNICAST", "PUBLISH_SUBSCRIBE", "PUBLISH-SUBSCRIBE", "PUBLISHSUBSCRIBE"}


def is_tsnsched_network(doc) -> bool:
    return isinstance(doc, dict) and "switches" in doc and "flows" in doc and "devices" in doc


def is_tsnsched_output(doc) -> bool:
    """TSNsched's ``output.json``: switches and flows, no devices, flows with solved times."""
    flows = doc.get("flows") if isinstance(doc, dict) and "switches" in doc and "devices" not in doc else None
    return isinstance(flows, list) and any(isinstance(f, dict) and ("averageLatency" in f or "firstSendingTime" in f)
                                           for f in flows)


def _suggest(word, names) -> str | None:
    return suggest(str(word)[:100], names) if len(names) <= _SUGGEST_MAX else None


class _Entry:
    """Reads the fields of one JSON object; each bad field is one ``Problem`` and reads as ``None``."""

    def __init__(self, file: str, entry: str, obj: dict, problems: list[Problem], allowed: set[str]):
        self.file, self.entry, self.obj, self.problems = file, entry, obj, problems
        for key in obj:
            if key not in allowed:
                self.problem(f"unknown field {clip(str(key))!r}", _suggest(key, allowed))

    def problem(self, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.file, self.entry, message, hint=hint))

    def _number(self, key: str, units: dict, unit: str, default_unit: str):
        value = self.obj.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"{key}: expected a number, got {clip(repr(value), 40)}")
            return None
        try:
            number = Fraction(str(value))
        except (ValueError, OverflowError):         # inf, nan
            self.problem(f"{key}: expected a finite number, got {value!r}")
            return None
        if number < 0:
            self.problem(f"{key}: must not be negative, got {value!r}")
            return None
        name = self.obj.get(unit, default_unit)
        factor = units.get(name.upper()) if isinstance(name, str) else None
        if factor is None:
            self.problem(f"{unit}: unknown unit {clip(repr(name), 40)}",
                         "TSNsched's units: " + ", ".join(u.lower() for u in units))
            return None
        return number * factor

    def time_ns(self, key: str, *, hi: int = MAX_HYPERPERIOD_NS):
        """A time (µs unless ``<key>Unit`` says otherwise) as whole ns, 0..``hi``; None if absent or bad."""
        if key not in self.obj:
            return None
        ns = self._number(key, _TIME_UNITS, key + "Unit", "us")
        if ns is None:
            return None
        if ns > hi or ns.denominator != 1:
            self.problem(f"{key}: {self.obj[key]!r} is not a whole number of ns up to {hi // 10**9} s")
            return None
        return int(ns)

    def size_bytes(self, key: str):
        if key not in self.obj:
            return None
        size = self._number(key, _SIZE_UNITS, key + "Unit", "B")
        if size is None:
            return None
        if size.denominator != 1 or not MIN_FRAME <= size <= MAX_FRAME:
            self.problem(f"{key}: a frame is {MIN_FRAME}-{MAX_FRAME} whole bytes, got {self.obj[key]!r}")
            return None
        return int(size)

    def speed_bps(self, key: str, size_unit: str, time_unit: str):
        """A port speed (byte/µs unless the two unit fields say otherwise) as whole bit/s."""
        if key not in self.obj:
            return None
        per_time = self._number(key, _SIZE_UNITS, size_unit, "B")
        if per_time is None:
            return None
        scale = self._time_unit(time_unit)
        if scale is None:
            return None
        bps = per_time * 8 * 10**9 / scale
        if bps.denominator != 1 or not 0 < bps <= MAX_RATE_BPS:
            self.problem(f"{key}: {self.obj[key]!r} is not a whole number of bit/s up to 1 Tb/s")
            return None
        return int(bps)

    def _time_unit(self, unit: str):
        name = self.obj.get(unit, "us")
        factor = _TIME_UNITS.get(name.upper()) if isinstance(name, str) else None
        if factor is None:
            self.problem(f"{unit}: unknown unit {clip(repr(name), 40)}",
                         "TSNsched's units: " + ", ".join(u.lower() for u in _TIME_UNITS))
        return factor

    def name(self, key: str, known: dict):
        value = self.obj.get(key)
        if not isinstance(value, str):
            self.problem(f"{key}: expected a name, got {clip(repr(value), 40)}")
            return None
        if value not in known:
            self.problem(f"{key}: unknown node {clip(value)!r}", _suggest(value, known))
            return None
        return value


def _records(doc: dict, key: str, file: str, problems: list[Problem], what: str) -> list[dict]:
    items = doc.get(key)
    if not isinstance(items, list):
        problems.append(Problem(file, key, f"expected a list of {what}, got {type(items).__name__}"))
        return []
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            out.append(item)
        else:
            problems.append(Problem(file, f"{key}[{i}]", f"expected an object ({what[:-1]}), got {type(item).__name__}"))
    return out


def _named(items: list[dict], key: str, kind: str, file: str, problems: list[Problem], taken: dict) -> dict[str, dict]:
    """``items`` by their ``name``: ids checked, duplicates (also across kinds) refused."""
    out = {}
    for i, item in enumerate(items):
        name = item.get("name")
        if not isinstance(name, str):
            problems.append(Problem(file, f"{key}[{i}]", f"name: expected a name, got {clip(repr(name), 40)}"))
            continue
        bad = id_problem(name)
        if bad is not None:
            problems.append(Problem(file, f"{kind} {clip(name)!r}", f"invalid name: {bad}", hint=RULE))
        elif name in taken:
            problems.append(Problem(file, f"{kind} {name!r}", f"the name is used twice (also a {taken[name]})"))
        else:
            taken[name] = kind
            out[name] = item
    return out


def _network(doc: dict, file: str, problems: list[Problem]) -> tuple[Network | None, dict[str, str]]:
    kinds: dict[str, str] = {}
    switches = _named(_records(doc, "switches", file, problems, "switches"), "switches", "switch", file, problems, kinds)
    devices = _named(_records(doc, "devices", file, problems, "devices"), "devices", "device", file, problems, kinds)
    directed: dict[tuple[str, str], tuple[int, int]] = {}
    for name, sw in switches.items():
        entry = _Entry(file, f"switch {name}", sw, problems, _SWITCH_KEYS)
        default_speed = entry.speed_bps("defaultPortSpeed", "defaultPortSpeedSizeUnit", "defaultPortSpeedTimeUnit")
        default_travel = entry.time_ns("defaultTimeToTravel", hi=10**10)
        entry.time_ns("defaultGuardBandSize")
        ports = sw.get("ports", [])
        if not isinstance(ports, list):
            entry.problem(f"ports: expected a list, got {type(ports).__name__}")
            continue
        for i, port in enumerate(ports):
            if not isinstance(port, dict):
                entry.problem(f"ports[{i}]: expected an object, got {type(port).__name__}")
                continue
            where = port.get("name") if isinstance(port.get("name"), str) else f"ports[{i}]"
            p = _Entry(file, f"switch {name} port {clip(where, 40)}", port, problems, _PORT_KEYS)
            to = p.name("connectsTo", kinds)
            speed = p.speed_bps("portSpeed", "portSpeedSizeUnit", "portSpeedTimeUnit")
            travel = p.time_ns("timeToTravel", hi=10**10)
            for key in ("maximumSlotDuration", "cycleStart", "guardBandSize"):
                p.time_ns(key)
            if to is None or to == name:     # TSNsched's generator writes a port to the switch itself: no hop uses it
                continue
            speed = speed if "portSpeed" in port else default_speed
            travel = travel if "timeToTravel" in port else (default_travel or 0)
            if speed is None:
                if "portSpeed" not in port and "defaultPortSpeed" not in sw:
                    p.problem("no portSpeed and no defaultPortSpeed on its switch")
                continue
            if (name, to) in directed:
                p.problem(f"a second port of {name} to {to}")
            directed[name, to] = (speed, travel)
    links = []
    for (a, b), spec in sorted(directed.items()):
        back = directed.get((b, a))
        if back is not None and back != spec:
            if a < b:
                problems.append(Problem(file, f"link {a}--{b}", f"the ports of the two ends differ (rate, timeToTravel): "
                                        f"{spec[0]} bit/s, {spec[1]} ns from {a}; {back[0]} bit/s, {back[1]} ns from {b}"))
        elif back is None or a < b:
            links.append(Link(a, b, Medium.COPPER, spec[0], 0, spec[1]))
    nodes = [Node(n, NodeKind.BRIDGE, features=frozenset({Feature.QBV})) for n in switches]
    nodes += [Node(n, NodeKind.END_STATION) for n in devices]
    if problems:
        return None, kinds
    return Network(Path(file).stem, nodes, links, file), kinds


def _tree(flow: _Entry, kinds: dict[str, str], talker: str, listeners: tuple[str, ...],
          links: set[frozenset], budget: list[int]) -> tuple | None:
    """One node path per listener from the flow's hops, which must form a tree from the talker."""
    hops = flow.obj.get("hops")
    if not isinstance(hops, list) or not hops:
        flow.problem("hops: expected a list of {currentNodeName, nextNodeName}")
        return None
    parent: dict[str, str] = {}
    before = len(flow.problems)
    for i, hop in enumerate(hops):
        if not isinstance(hop, dict):
            flow.problem(f"hops[{i}]: expected an object, got {type(hop).__name__}")
            continue
        h = _Entry(flow.file, f"{flow.entry} hops[{i}]", hop, flow.problems, _HOP_KEYS)
        a, b = h.name("currentNodeName", kinds), h.name("nextNodeName", kinds)
        if a is None or b is None:
            continue
        if frozenset((a, b)) not in links:
            h.problem(f"no port connects {a} to {b}")
        elif b in parent or b == talker:
            h.problem(f"reaches {b} a second time (the hops must form a tree from {talker})")
        elif kinds[a] == "device" and a != talker:
            h.problem(f"leaves the device {a}, which is not the source")
        elif kinds[b] == "device" and b not in listeners:
            h.problem(f"ends at {b}, which is not one of the endDevices")
        else:
            parent[b] = a
    if len(flow.problems) > before:
        return None
    paths = []
    for listener in listeners:
        path = [listener]
        while path[-1] != talker and path[-1] in parent and len(path) <= len(parent):
            path.append(parent[path[-1]])
        budget[0] -= len(path)
        if budget[0] < 0:
            flow.problem(f"the routes of all flows to all their end devices pass more than {MAX_ROUTE_NODES:,} nodes")
            return None
        if path[-1] != talker:
            flow.problem(f"the hops do not lead from {talker} to {listener}")
            return None
        paths.append(tuple(reversed(path)))
    used = {n for p in paths for n in p}
    stray = sorted(set(parent) - used)
    if stray:
        flow.problem(f"hops reach {', '.join(stray[:5])}, which lead to no end device")
        return None
    return tuple(paths)


def _device_defaults(doc: dict, file: str, kinds: dict, problems: list[Problem]) -> dict[str, tuple]:
    """Per device: its default (period ns, frame bytes, deadline ns), each None when absent or bad."""
    out = {}
    for d in doc["devices"]:
        name = d.get("name") if isinstance(d, dict) else None
        if isinstance(name, str) and kinds.get(name) == "device" and name not in out:
            entry = _Entry(file, f"device {name}", d, problems, _DEVICE_KEYS)
            out[name] = (entry.time_ns("defaultPacketPeriodicity"), entry.size_bytes("defaultPacketSize"),
                         entry.time_ns("defaultHardConstraintTime"))
            entry.time_ns("defaultFirstSendingTime")
    return out


def _streams(doc: dict, file: str, network: Network, kinds: dict, problems: list[Problem]):
    devices = _device_defaults(doc, file, kinds, problems)
    links = {frozenset((link.a, link.b)) for link in network.links}
    streams, paths, seen, budget = [], {}, set(), [MAX_ROUTE_NODES]
    for i, obj in enumerate(_records(doc, "flows", file, problems, "flows")):
        name = obj.get("name")
        if not isinstance(name, str) or id_problem(name) is not None:
            why = id_problem(name) if isinstance(name, str) else f"expected a name, got {clip(repr(name), 40)}"
            problems.append(Problem(file, f"flows[{i}]", f"name: {why}", hint=RULE if isinstance(name, str) else None))
            continue
        if name in seen:
            problems.append(Problem(file, f"flow {name}", "the name is used twice"))
            continue
        seen.add(name)
        flow = _Entry(file, f"flow {name}", obj, problems, _FLOW_KEYS)
        before = len(problems)
        kind = obj.get("type", "unicast")
        if not isinstance(kind, str) or kind.upper() not in _FLOW_TYPES:
            flow.problem(f"type: expected unicast or publish_subscribe, got {clip(repr(kind), 40)}")
        talker = flow.name("sourceDevice", devices)
        ends = obj.get("endDevices")
        if not isinstance(ends, list) or not ends or not all(isinstance(e, str) for e in ends):
            flow.problem("endDevices: expected a list of device names")
            ends = []
        for end in ends:
            if end not in devices:
                flow.problem(f"endDevices: unknown device {clip(end)!r}", _suggest(end, devices))
        if len(set(ends)) != len(ends) or talker in ends:
            flow.problem("endDevices: a device is listed twice or is the source")
        period, size, deadline = devices.get(talker, (None, None, None))
        period = flow.time_ns("packetPeriodicity") if "packetPeriodicity" in obj else period
        size = flow.size_bytes("packetSize") if "packetSize" in obj else size
        deadline = flow.time_ns("hardConstraintTime") if "hardConstraintTime" in obj else deadline
        jitter = flow.time_ns("maximumJitter")
        flow.time_ns("firstSendingTime")
        priority = obj.get("priorityValue", -1)
        if type(priority) is not int or priority not in range(-1, 8):
            flow.problem(f"priorityValue: expected -1 (any) or 0-7, got {clip(repr(priority), 40)}")
        fixed = obj.get("fixedPriority", True)
        if not isinstance(fixed, bool) and not (isinstance(fixed, str) and fixed.lower() in ("true", "false")):
            flow.problem(f"fixedPriority: expected true or false, got {clip(repr(obj.get('fixedPriority')), 40)}")
        if talker is not None and len(problems) == before:
            if not period:
                flow.problem(f"no packetPeriodicity, and {talker} has no defaultPacketPeriodicity above 0")
            if size is None:
                flow.problem(f"no packetSize, and {talker} has no defaultPacketSize")
        if len(problems) > before:
            continue
        tree = _tree(flow, kinds, talker, tuple(ends), links, budget)
        if tree is None:
            continue
        deadline = period if not deadline else min(deadline, period)
        payload = size - FRAME_HEADER
        streams.append(Stream(name, talker, tuple(ends), period, payload, deadline, TrafficType.CYCLIC_SYNC,
                              pcp=priority if priority in range(8) else DEFAULT_PCP, jitter_ns=jitter,
                              frame_payload_limit=payload))
        paths[name] = tree
    streams.sort(key=lambda s: s.id)
    return StreamSet(tuple(streams), file), Routes(paths, {}, fixed=True)


def load_tsnsched(path: str | Path, doc: dict, *, check: bool = True):
    """The plant of one parsed TSNsched network; one ``InputError`` lists every problem."""
    from tsnplan.io.plant import Plant

    file = str(path)
    problems = ProblemList(file)
    try:
        for key in doc:
            if key not in _TOP_KEYS:
                problems.append(Problem(file, "", f"unknown top-level field {clip(str(key))!r}",
                                        hint=_suggest(key, _TOP_KEYS)))
        network, kinds = _network(doc, file, problems)
        if network is None:
            raise InputError(problems or [Problem(file, "", "no network could be read")])
        streams, routes = _streams(doc, file, network, kinds, problems)
    except TooManyProblems:
        raise problems.error() from None
    if problems:
        raise InputError(problems)
    return Plant(network, streams, timing=TIMING_TAS, routes=routes).checked(check)
