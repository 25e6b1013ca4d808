"""Per-stream YANG of a device: 802.1CB stream identification and FRER, 802.1Qci PSFP stream gates.

Streams are identified by destination MAC and VLAN (802.1CB null stream identification). A
schedule.json carries no addresses, so they are derived as the emulator's frames carry them
(``tsnplan/emulate/frames.py``): destination ``01`` followed by the stream's index (5 bytes,
big-endian), the stream's VLAN (from the stream file; else 100, its default), tagged; the stream
handle is that index too.
The index is the stream's position in the plant's stream file (``export --streams``; the
emulator's index when every stream has a route), else its position in schedule.json, which
leaves out unscheduled streams and then differs from the emulator's frames.

- FRER (``replica_paths``): the node where a stream's two routes part generates the sequence
  and R-tags it on both egress ports; the node where they meet again recovers it (vector
  algorithm) out-facing on its port towards the listener, after identifying both copies on their
  ingress ports. A route pair meeting only at the listener is recovered in-facing on its two
  interfaces.
- PSFP (``stream_gates``, on the ports after a 5G bridge, i.e. the 5G bridge's own ports): a
  stream filter per (stream, port) with a stream gate open from each ``open_ns`` to ``close_ns``
  (``interval-octet-max`` = ``max_octets``), closed otherwise, cycle = the hyperperiod.
"""
from __future__ import annotations

from tsnplan.io.export.devices import Device

__all__ = ["stream_handles", "destination_mac", "frer_config", "psfp_config", "VLAN"]

VLAN = 100
_OP = "ieee802-dot1q-psfp:set-gate-and-ipv"


def stream_handles(doc: dict, order: list[str] | None = None) -> dict[str, int]:
    """stream -> handle: its position in ``order`` (the stream file), else in the document."""
    position = {sid: i for i, sid in enumerate(order if order is not None else doc["streams"])}
    return {sid: position[sid] for sid in doc["streams"] if sid in position}


def destination_mac(handle: int) -> str:
    """``01-xx-xx-xx-xx-xx`` (ieee802-types mac-address, upper case as the module asks)."""
    return "-".join(f"{b:02X}" for b in (1, *((handle >> s) & 0xFF for s in (32, 24, 16, 8, 0))))


def _identity(index: int, handle: int, facing: str, direction: str, ports: list[str], vlan: int) -> dict:
    return {"index": index, "handle": handle, facing: {direction: ports},
            "null-stream-identification": {"destination-mac": destination_mac(handle), "tagged": "tagged",
                                           "vlan": vlan}}


def _frer_roles(doc: dict, node: str):
    """(stream, 'split'|'merge', previous nodes, next nodes) of ``node``, the listeners' route pairs
    of one stream joined."""
    roles: dict[tuple[str, str], tuple[list[str], list[str]]] = {}

    def add(sid: str, role: str, before: list[str], after: list[str]) -> None:
        have = roles.setdefault((sid, role), ([], []))
        for mine, new in zip(have, (before, after)):
            mine.extend(n for n in new if n not in mine)

    for sid, s in doc["streams"].items():
        for primary, replica in zip(s.get("paths") or [], s.get("replica_paths") or []):
            if not replica or primary == replica:
                continue
            i = 0
            while i < min(len(primary), len(replica)) and primary[i] == replica[i]:
                i += 1
            j = 0
            while j < min(len(primary), len(replica)) and primary[-1 - j] == replica[-1 - j]:
                j += 1
            if primary[i - 1] == node:
                add(sid, "split", [primary[i - 2]] if i >= 2 else [], [primary[i], replica[i]])
            if primary[-j] == node:
                add(sid, "merge", [primary[-j - 1], replica[-j - 1]], [primary[-j + 1]] if j > 1 else [])
    return [(sid, role, before, after) for (sid, role), (before, after) in roles.items()]


def frer_config(doc: dict, device: Device, handles: dict[str, int], vlans: dict[str, int],
                problems: list[str]) -> tuple[list[dict], dict]:
    """(stream-identity entries, frer container) of ``device``; both empty without replicas.
    ``vlans``: stream -> VLAN from the stream file (VLAN 100 for a stream not in it)."""
    iface = {p.neighbour: p.interface for p in device.ports}
    identities, generation, recovery = [], [], []
    seq_id: dict[tuple[str, bool], dict] = {}

    def ports(nodes) -> list[str] | None:
        missing = [n for n in nodes if n not in iface]
        if missing:
            problems.append(f"{device.node}: no interface towards {', '.join(missing)} for FRER")
            return None
        return [iface[n] for n in nodes]

    def identify(port: str, out: bool, h: int, active: bool) -> None:
        entry = seq_id.setdefault((port, out), {"port": port, "direction-out-facing": out, "stream": [],
                                               "active": active, "encapsulation": {"r-tag": {}}})
        if entry["active"] != active:
            problems.append(f"{device.node}: port {port} both adds and removes R-tags ({doc['network']})")
        if h not in entry["stream"]:
            entry["stream"].append(h)

    for sid, role, before, after in _frer_roles(doc, device.node):
        if sid not in handles:
            problems.append(f"stream {sid} of the schedule is not in the stream file")
            continue
        h = handles[sid]
        index = len(identities)
        if role == "split":
            egress = ports(after)
            if egress is None:
                continue
            identities.append(_identity(index, h, "out-facing", "output-port", egress, vlans.get(sid, VLAN)))
            generation.append({"index": h, "stream": [h], "direction-out-facing": True})
            for port in egress:
                identify(port, True, h, True)
        else:
            ingress = ports(before)
            if ingress is None:
                continue
            for port in ingress:
                identify(port, False, h, False)
            egress = ports(after) if after else None
            if egress:
                identities.append(_identity(index, h, "out-facing", "output-port", egress, vlans.get(sid, VLAN)))
                recovery.append({"index": h, "stream": [h], "port": egress, "direction-out-facing": True,
                                 "algorithm": {"vector": {}}, "history-length": 2})
            else:
                identities.append(_identity(index, h, "in-facing", "input-port", ingress, vlans.get(sid, VLAN)))
                recovery.append({"index": h, "stream": [h], "port": ingress, "direction-out-facing": False,
                                 "algorithm": {"vector": {}}, "history-length": 2})
    frer = {}
    if generation:
        frer["sequence-generation"] = generation
    if recovery:
        frer["sequence-recovery"] = recovery
    if seq_id:
        frer["sequence-identification"] = [seq_id[k] for k in sorted(seq_id)]
    return identities, frer


def _gate_entries(intervals: list[tuple[int, int, int]], cycle: int) -> list[tuple[int, str, int | None]]:
    """(duration, state, octets) covering [0, cycle): open in each interval (taken modulo the
    cycle, wrapping ones split, overlapping ones joined with their octets added), closed between."""
    pieces = []
    for a, b, octets in intervals:
        a, length = a % cycle, min(b - a, cycle)
        if a + length <= cycle:
            pieces.append([a, a + length, octets])
        else:
            pieces += [[a, cycle, octets], [0, a + length - cycle, octets]]
    pieces.sort()
    joined: list[list[int]] = []
    for a, b, o in pieces:
        if joined and a <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], b)
            joined[-1][2] += o
        else:
            joined.append([a, b, o])
    out: list[tuple[int, str, int | None]] = []
    t = 0
    for a, b, o in joined:
        if a > t:
            out.append((a - t, "closed", None))
        out.append((b - a, "open", o))
        t = b
    if t < cycle:
        out.append((cycle - t, "closed", None))
    return out


def psfp_config(doc: dict, device: Device, handles: dict[str, int], vlans: dict[str, int], base_time_ns: int,
                rational, problems: list[str]) -> tuple[list[dict], dict]:
    """(stream-identity entries, PSFP parameters of the bridge component) of ``device``."""
    by_key = {p.key: p for p in device.ports}
    hyper = int(doc["hyperperiod_ns"])
    gates: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for sid, s in doc["streams"].items():
        for g in s.get("stream_gates") or []:
            if g["port"] in by_key:
                gates.setdefault((sid, g["port"]), []).append(
                    (int(g["open_ns"]), int(g["close_ns"]), int(g["max_octets"])))
    if not gates:
        return [], {}
    identities, filters, instances = [], [], []
    for n, ((sid, key), intervals) in enumerate(sorted(gates.items())):
        port = by_key[key]
        if sid not in handles:
            problems.append(f"stream {sid} of the schedule is not in the stream file")
            continue
        h = handles[sid]
        entries = _gate_entries(intervals, hyper)
        if len(entries) > device.list_max:
            problems.append(f"{device.node}: stream gate of {sid} on {key}: {len(entries)} entries, the device "
                            f"holds {device.list_max} (supported-list-max)")
        identities.append(_identity(n, h, "out-facing", "output-port", [port.interface], vlans.get(sid, VLAN)))
        filters.append({"stream-filter-instance-id": n, "stream-handle": h, "priority-spec": "wildcard",
                        "max-sdu-size": 0, "stream-gate-ref": n})
        control = []
        for i, (d, state, octets) in enumerate(entries):
            entry = {"index": i, "operation-name": _OP, "time-interval-value": d, "gate-state-value": state,
                     "ipv-spec": "null"}
            if octets is not None:
                entry["interval-octet-max"] = octets
            control.append(entry)
        instances.append({"stream-gate-instance-id": n, "gate-enable": True, "admin-gate-states": "closed",
                          "admin-ipv": "null", "admin-control-list": {"gate-control-entry": control},
                          "admin-cycle-time": rational(hyper), "admin-cycle-time-extension": 0,
                          "admin-base-time": {"seconds": str(base_time_ns // 1_000_000_000),
                                              "nanoseconds": base_time_ns % 1_000_000_000},
                          "config-change": True})
    psfp = {"ieee802-dot1q-psfp-bridge:stream-filters": {"stream-filter-instance-table": filters},
            "ieee802-dot1q-psfp-bridge:stream-gates": {
                "stream-gate-instance-table": instances, "supported-list-max": device.list_max,
                "supported-cycle-max": rational(device.cycle_max), "supported-interval-max": device.interval_max}}
    return identities, psfp
