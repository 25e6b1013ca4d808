"""IEEE 802.1Q/802.1DC YANG configuration of a device's gate schedules, JSON (RFC 7951) and XML (RFC 7950).

Per device, one ``ietf-interfaces`` document, ``type`` ethernetCsmacd, interfaces named from the
device map. A bridge's ports are ``ieee802-dot1q-bridge`` bridge-ports with the Table 8-5
traffic-class table and the ``ieee802-dot1q-sched-bridge`` gate-parameter-table (802.1Qcw-2023);
an end station's interfaces carry the ``ieee802-dot1dc-sched-if`` gate-parameter-table
(802.1DC-2024). Each table holds the capability leaves the modules' ``must`` conditions compare
against (``supported-list-max``, ``supported-cycle-max``, ``supported-interval-max``, from the
device map), the cycle time as a reduced fraction of seconds and the base time of ``--base-time``.

The whole-plant form (one JSON file, every port as an interface named ``<src>-><dst>``, all as
bridge ports) is kept for the single-file ``OUT`` of earlier versions.
"""
from __future__ import annotations

import hashlib
import json
import math
import xml.etree.ElementTree as ET

from tsnplan.io.export.classes import priority_map
from tsnplan.io.export import yang_streams
from tsnplan.io.export.devices import Device, DevicePort

__all__ = ["device_document", "plant_document", "to_json", "to_xml", "NAMESPACES"]

NAMESPACES = {
    "ietf-interfaces": "urn:ietf:params:xml:ns:yang:ietf-interfaces",
    "iana-if-type": "urn:ietf:params:xml:ns:yang:iana-if-type",
    "ieee802-dot1q-bridge": "urn:ieee:std:802.1Q:yang:ieee802-dot1q-bridge",
    "ieee802-dot1q-sched": "urn:ieee:std:802.1Q:yang:ieee802-dot1q-sched",
    "ieee802-dot1q-sched-bridge": "urn:ieee:std:802.1Q:yang:ieee802-dot1q-sched-bridge",
    "ieee802-dot1dc-sched-if": "urn:ieee:std:802.1Q:yang:ieee802-dot1dc-sched-if",
    "ieee802-dot1cb-stream-identification": "urn:ieee:std:802.1Q:yang:ieee802-dot1cb-stream-identification",
    "ieee802-dot1cb-frer": "urn:ieee:std:802.1Q:yang:ieee802-dot1cb-frer",
    "ieee802-dot1q-psfp": "urn:ieee:std:802.1Q:yang:ieee802-dot1q-psfp",
    "ieee802-dot1q-psfp-bridge": "urn:ieee:std:802.1Q:yang:ieee802-dot1q-psfp-bridge",
}
NETCONF = "urn:ietf:params:xml:ns:netconf:base:1.0"
_SET_GATE_STATES = "ieee802-dot1q-sched:set-gate-states"
_UINT32 = 2**32 - 1


def rational(ns: int) -> dict:
    """``ns`` nanoseconds as a reduced fraction of seconds (numerator and denominator uint32)."""
    g = math.gcd(ns, 1_000_000_000)
    num, den = ns // g, 1_000_000_000 // g
    if num > _UINT32:
        raise ValueError(f"{ns} ns does not fit a uint32 fraction of seconds")
    return {"numerator": num, "denominator": den}


def _gate_table(device: Device, port: DevicePort, base_time_ns: int, problems: list[str]) -> dict:
    where = f"{device.node}: port {port.key} ({port.interface})"
    entries = port.entries
    all_open = (1 << device.queues) - 1
    if len(entries) > device.list_max:
        problems.append(f"{where}: {len(entries)} entries, the device holds {device.list_max} (supported-list-max)")
    if port.cycle_ns > device.cycle_max:
        problems.append(f"{where}: cycle {port.cycle_ns} ns exceeds supported-cycle-max {device.cycle_max} ns")
    if any(d > device.interval_max for d, _ in entries):
        problems.append(f"{where}: an interval exceeds supported-interval-max {device.interval_max} ns")
    if any(g & ~all_open for _, g in entries):
        problems.append(f"{where}: the schedule opens traffic classes above {device.queues - 1}, "
                        f"the device has {device.queues} queues")
    base = base_time_ns + port.base_time_ns
    try:
        cycle, cycle_max = rational(port.cycle_ns), rational(device.cycle_max)
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
        return {}
    return {
        "gate-enabled": len(entries) > 1,
        "admin-gate-states": all_open,
        "admin-control-list": {"gate-control-entry": [
            {"index": i, "operation-name": _SET_GATE_STATES, "time-interval-value": d, "gate-states-value": g}
            for i, (d, g) in enumerate(entries)]},
        "admin-cycle-time": cycle,
        "admin-cycle-time-extension": 0,
        "admin-base-time": {"seconds": str(base // 1_000_000_000), "nanoseconds": base % 1_000_000_000},
        "config-change": True,
        "supported-list-max": device.list_max,
        "supported-cycle-max": cycle_max,
        "supported-interval-max": device.interval_max,
    }


def _traffic_class_table(queues: int) -> dict:
    return {"traffic-class-map": [
        {"priority": p, "available-traffic-class": [{"num-traffic-class": queues, "traffic-class": tc}]}
        for p, tc in enumerate(priority_map(queues))]}


def device_document(device: Device, base_time_ns: int, problems: list[str], doc: dict | None = None,
                    stream_order: list[str] | None = None, vlans: dict[str, int] | None = None) -> dict:
    """The configuration document of one device (RFC 7951 JSON as a dict); with the schedule ``doc``
    also its FRER, stream identification and PSFP (``yang_streams``). A 5G bridge gets only the
    latter: its gates are the 5G system's own."""
    interfaces = []
    for port in device.ports:
        entry = {"name": port.interface, "type": "iana-if-type:ethernetCsmacd"}
        if device.kind == "5g-bridge":
            interfaces.append(entry)
            continue
        table = _gate_table(device, port, base_time_ns, problems)
        if device.is_bridge:
            entry["ieee802-dot1q-bridge:bridge-port"] = {
                "traffic-class": _traffic_class_table(device.queues),
                "ieee802-dot1q-sched-bridge:gate-parameter-table": table}
        else:
            entry["ieee802-dot1dc-sched-if:gate-parameter-table"] = table
        interfaces.append(entry)
    out: dict = {"ietf-interfaces:interfaces": {"interface": interfaces}}
    if doc is None:
        return out
    handles = yang_streams.stream_handles(doc, stream_order)
    identities, frer = yang_streams.frer_config(doc, device, handles, vlans or {}, problems)
    policed, psfp = yang_streams.psfp_config(doc, device, handles, vlans or {}, base_time_ns, rational, problems)
    for i, entry in enumerate(policed):
        entry["index"] = len(identities) + i
    identities += policed
    if identities:
        out["ieee802-dot1cb-stream-identification:stream-identity"] = identities
    if frer:
        out["ieee802-dot1cb-frer:frer"] = frer
    if psfp:
        out["ieee802-dot1q-bridge:bridges"] = {"bridge": [{
            "name": device.node, "address": _bridge_address(device.node),
            "bridge-type": "ieee802-dot1q-bridge:customer-vlan-bridge",
            "component": [{"name": "c0", "type": "ieee802-dot1q-bridge:c-vlan-component", **psfp}]}]}
    return out


def _bridge_address(node: str) -> str:
    """A locally administered MAC address from the node id (the schedule carries none)."""
    digest = hashlib.sha256(node.encode()).digest()
    return "-".join(f"{b:02X}" for b in (0x02, *digest[:5]))


def plant_document(devices: list[Device], base_time_ns: int, problems: list[str]) -> dict:
    """Every port of every device in one document, interfaces named ``<src>-><dst>`` (legacy form)."""
    interfaces = []
    for device in devices:
        for port in device.ports:
            interfaces.append({"name": port.key, "type": "iana-if-type:ethernetCsmacd",
                               "ieee802-dot1q-bridge:bridge-port": {
                                   "traffic-class": _traffic_class_table(device.queues),
                                   "ieee802-dot1q-sched-bridge:gate-parameter-table":
                                       _gate_table(device, port, base_time_ns, problems)}})
    return {"ietf-interfaces:interfaces": {"interface": interfaces}}


def to_json(doc: dict) -> str:
    return json.dumps(doc, indent=1) + "\n"


def to_xml(doc: dict) -> str:
    """The XML encoding of a document: module-qualified names become namespaces, identities get
    their prefix declared. One top-level container is the root element (wrap it in a NETCONF
    ``<config>`` to send it); several go into a NETCONF ``<config>`` element."""
    holder = ET.Element("config", {"xmlns": NETCONF})
    for name, value in doc.items():
        _xml(holder, name, value, None)
    tops = list(holder)
    root = tops[0] if len(tops) == 1 else holder
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="unicode", xml_declaration=False) + "\n"


def _xml(parent, name: str, value, parent_module: str | None) -> None:
    module = parent_module
    if ":" in name:
        module, name = name.split(":", 1)
    for item in value if isinstance(value, list) else [value]:
        node = ET.SubElement(parent, name)
        if module != parent_module:
            node.set("xmlns", NAMESPACES[module])
        if isinstance(item, dict):
            for k, v in item.items():
                _xml(node, k, v, module)
        elif isinstance(item, bool):
            node.text = "true" if item else "false"
        elif isinstance(item, str) and item.split(":", 1)[0] in _PREFIX:
            prefix, ident = item.split(":", 1)
            node.set(f"xmlns:{_PREFIX[prefix]}", NAMESPACES[prefix])
            node.text = f"{_PREFIX[prefix]}:{ident}"
        else:
            node.text = str(item)


_PREFIX = {"iana-if-type": "ianaift", "ieee802-dot1q-sched": "sched", "ieee802-dot1q-psfp": "psfp",
           "ieee802-dot1q-bridge": "dot1q"}
