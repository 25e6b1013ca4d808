"""The devices a schedule configures: each node's egress ports with interface names and capabilities.

A schedule.json names ports ``"<node>-><neighbour>"``; a device needs an interface name, a queue
count and what its hardware can hold. They come, in order of precedence, from the device map
(``--interfaces map.yaml``), the plant (``--network NET``) and documented defaults:

- kind: the map's ``kind``, else the node's kind in the plant, else ``bridge`` for a node that
  forwards some stream (inside a path) and ``end-station`` for the others;
- interface of the port towards neighbour N: ``interfaces: {N: NAME}``, else ``eth<i>`` with i the
  neighbour's position among the node's neighbours in sorted order;
- queues: the map, else the plant, else 8; ``list_max`` (gate-control-list entries): the map, else
  the plant's ``gcl_max_entries``, else 1024; ``cycle_max``: 2147483647 ns (Linux taprio's limit);
  ``interval_max``: 4294967295 ns (uint32); ``preemption`` (802.1Qbu/802.3br): the map, else the
  plant's ``qbu`` feature, else false; ``txtime_delay``: 300 us; ``modes`` (the taprio modes the
  hardware runs): all of software, txtime-assist, full-offload.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.model.media.t1s import PlcaConfig

__all__ = ["Device", "DevicePort", "build_devices", "read_device_map", "check_name", "SAFE_NAME"]

KINDS = ("bridge", "end-station", "5g-bridge", "t1s-segment")
CYCLE_MAX_NS = 2**31 - 1
INTERVAL_MAX_NS = 2**32 - 1
DEFAULTS = {"queues": 8, "list_max": 1024, "cycle_max": CYCLE_MAX_NS, "interval_max": INTERVAL_MAX_NS,
            "preemption": False, "txtime_delay": 300_000,
            "modes": ("software", "txtime-assist", "full-offload")}
_DEVICE_KEYS = {"kind", "interfaces", *DEFAULTS}
#: Names that may become file names and interface names: no path separators, no shell syntax.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_IFNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,14}")


@dataclass(frozen=True)
class DevicePort:
    """One egress port: its schedule.json key, the neighbour it faces and its interface."""

    key: str
    neighbour: str
    interface: str
    rate_bps: int
    cycle_ns: int
    base_time_ns: int
    entries: tuple[tuple[int, int], ...]         # (duration_ns, gates)
    plca: tuple[int, ...] | None = None  # (node id, node count, TO timer, burst count, burst timer)


@dataclass(frozen=True)
class Device:
    node: str
    kind: str
    queues: int
    list_max: int
    cycle_max: int
    interval_max: int
    preemption: bool
    txtime_delay: int
    ports: tuple[DevicePort, ...] = field(default=())
    modes: tuple[str, ...] = DEFAULTS["modes"]

    @property
    def is_bridge(self) -> bool:
        return self.kind in ("bridge", "5g-bridge")


def check_name(name: str, file: str, what: str) -> str:
    """``name`` if it is safe as a file name; an ``InputError`` otherwise."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise InputError([Problem(file, what, f"{name!r} cannot name a per-device file "
                                              "(letters, digits, '.', '_' and '-' only, not first)")])
    return name


def _int(value, what: str, lo: int, hi: int) -> int:
    from tsnplan.units import parse_time_ns

    if isinstance(value, str) and what in ("cycle_max", "interval_max", "txtime_delay"):
        value = parse_time_ns(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{what} must be an integer in {lo}..{hi}, got {value!r}")
    return value


def _device_settings(entry, file: str, where: str, problems: list[Problem]) -> dict:
    out: dict = {}
    if not isinstance(entry, dict):
        problems.append(Problem(file, where, "must be a mapping"))
        return out
    for key, value in entry.items():
        try:
            if key not in _DEVICE_KEYS:
                raise ValueError(f"unknown key {key!r} (known: {', '.join(sorted(_DEVICE_KEYS))})")
            if key == "kind":
                if value not in KINDS:
                    raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {value!r}")
                out[key] = value
            elif key == "modes":
                if not isinstance(value, list) or not value or any(m not in DEFAULTS["modes"] for m in value):
                    raise ValueError(f"modes must list some of {', '.join(DEFAULTS['modes'])}, got {value!r}")
                out[key] = tuple(value)
            elif key == "preemption":
                if not isinstance(value, bool):
                    raise ValueError(f"preemption must be true or false, got {value!r}")
                out[key] = value
            elif key == "interfaces":
                if not isinstance(value, dict):
                    raise ValueError("interfaces must map neighbour ids to interface names")
                for neighbour, name in value.items():
                    if not isinstance(name, str) or not _IFNAME.fullmatch(name):
                        raise ValueError(f"interface name {name!r} (towards {neighbour!r}) is not a Linux "
                                         "interface name (1-15 letters, digits, '.', '_', '@', '-')")
                out[key] = {str(k): v for k, v in value.items()}
            elif key == "queues":
                out[key] = _int(value, key, 1, 8)
            else:
                out[key] = _int(value, key, 1, 2**32 - 1)
        except ValueError as exc:
            problems.append(Problem(file, f"{where}.{key}" if isinstance(key, str) else where, str(exc),
                                    getattr(entry, "line", None)))
    return out


def read_device_map(path: str | Path) -> tuple[dict, dict]:
    """``(defaults, devices)`` of a device map file: ``{defaults: {...}, devices: {node: {...}}}``."""
    from tsnplan.io.yaml_input import read_yaml

    file = str(path)
    doc = read_yaml(path)
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise InputError([Problem(file, "", "a device map is a mapping with 'defaults' and 'devices'")])
    for key in doc:
        if key not in ("defaults", "devices"):
            problems.append(Problem(file, str(key), "unknown key (known: defaults, devices)"))
    defaults = _device_settings(doc.get("defaults", {}), file, "defaults", problems)
    if "interfaces" in defaults or "kind" in defaults:
        problems.append(Problem(file, "defaults", "'interfaces' and 'kind' belong to a device"))
    raw = doc.get("devices", {})
    devices = {}
    if not isinstance(raw, dict):
        problems.append(Problem(file, "devices", "must map node ids to device settings"))
    else:
        for node, entry in raw.items():
            devices[str(node)] = _device_settings(entry, file, f"devices.{node}", problems)
    if problems:
        raise InputError(problems)
    return defaults, devices


def _split(key: str, file: str) -> tuple[str, str]:
    parts = key.split("->") if isinstance(key, str) else []
    if len(parts) != 2 or not all(parts):
        raise InputError([Problem(file, f"port {key!r}", "a port key is '<node>-><neighbour>'")])
    return parts[0], parts[1]


def _entries(port: dict, key: str, file: str) -> tuple[int, int, tuple[tuple[int, int], ...]]:
    try:
        gcl = port["gcl"]
        cycle, base = gcl["cycle_ns"], gcl.get("base_time_ns", 0)
        entries = tuple((e["duration_ns"], e["gates"]) for e in gcl["entries"])
        for v in (cycle, base, *(x for e in entries for x in e)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v >= 2**63:
                raise ValueError(f"{v!r} is not a non-negative integer")
        if cycle <= 0 or sum(d for d, _ in entries) != cycle or any(d <= 0 or g > 255 for d, g in entries):
            raise ValueError("entries must be positive, gates 0-255, and sum to cycle_ns")
        rate = port.get("rate_bps", 0)
        if isinstance(rate, bool) or not isinstance(rate, int) or rate <= 0:
            raise ValueError(f"rate_bps {rate!r} is not a positive integer")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError([Problem(file, f"port {key!r}", f"bad gate control list: {exc}")]) from None
    return cycle, base, entries


def _inferred_kinds(doc: dict) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for s in doc.get("streams", {}).values():
        paths = s.get("paths", []) if isinstance(s, dict) else []
        for path in (paths if isinstance(paths, list) else []):
            if isinstance(path, list):
                for node in path[1:-1]:
                    kinds[str(node)] = "bridge"
    return kinds


def build_devices(doc: dict, file: str, network=None, device_map: tuple[dict, dict] | None = None) -> list[Device]:
    """Every node with an egress port in the schedule, as a ``Device``, in sorted node order."""
    defaults, mapped = device_map or ({}, {})
    by_node: dict[str, list[tuple[str, str, dict]]] = {}
    for key, port in doc["ports"].items():
        src, dst = _split(key, file)
        if not isinstance(port, dict):
            raise InputError([Problem(file, f"port {key!r}", "must be a mapping")])
        by_node.setdefault(src, []).append((key, dst, port))
    inferred = _inferred_kinds(doc)
    devices = []
    for node in sorted(by_node):
        record = network.node(node) if network is not None and network.has_node(node) else None
        own = mapped.get(node, {})
        plant = {}
        if record is not None:
            plant = {"kind": record.kind.value, "queues": record.queues,
                     "list_max": record.gcl_max_entries,
                     "preemption": any(f.value == "qbu" for f in record.features)}
        settings = {**DEFAULTS, **{k: v for k, v in plant.items() if k != "kind"}, **defaults, **own}
        kind = own.get("kind") or plant.get("kind") or inferred.get(node, "end-station")
        neighbours = sorted(network.neighbours(node)) if record is not None else sorted(d for _, d, _ in by_node[node])
        names = own.get("interfaces", {})
        ports = []
        for key, dst, port in sorted(by_node[node], key=lambda t: t[1]):
            cycle, base, entries = _entries(port, key, file)
            index = neighbours.index(dst) if dst in neighbours else len(neighbours)
            ports.append(DevicePort(key, dst, names.get(dst, f"eth{index}"), port["rate_bps"], cycle, base,
                                    entries, _plca(network, node, dst)))
        unknown = set(names) - {p.neighbour for p in ports}
        if unknown:
            raise InputError([Problem("device map", f"devices.{node}.interfaces",
                                      f"{sorted(unknown)} are not neighbours {node!r} sends to")])
        interfaces = [p.interface for p in ports]
        if len(set(interfaces)) != len(interfaces):
            raise InputError([Problem(file, f"node {node!r}", f"two ports share an interface name ({interfaces}); "
                                                              "name them in the device map")])
        devices.append(Device(node, kind, settings["queues"], settings["list_max"], settings["cycle_max"],
                              settings["interval_max"], settings["preemption"], settings["txtime_delay"],
                              tuple(ports), settings["modes"]))
    return devices


def _plca(network, node: str, dst: str):
    """PLCA settings of a 10BASE-T1S member's port onto its segment (None for other ports)."""
    if network is None or not network.has_node(dst) or network.node(dst).kind.value != "t1s-segment":
        return None
    segment = network.node(dst)
    link = network.link(node, dst)
    plca = segment.plca or PlcaConfig()
    members = network.segment_members(dst)
    count = plca.node_count or len(members)
    return (int(link.plca_id if link.plca_id is not None else members.index(node)), int(count),
            int(plca.to_timer_bt), int(plca.burst_count), int(plca.burst_timer_bt))
