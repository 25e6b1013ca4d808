"""IEEE 802.1Qcw-style YANG instance data (JSON encoding, RFC 7951) of every port's gate schedule.

Modules: ``ietf-interfaces`` with the ``ieee802-dot1q-bridge`` bridge-port augmented by
``ieee802-dot1q-sched-bridge`` (gate-parameter-table). One interface per egress port, named
``<src>-><dst>`` as in schedule.json; cycle time as the rational seconds the model asks for.
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["write", "yang_document"]

_SCHED = "ieee802-dot1q-sched-bridge"


def yang_document(doc: dict) -> dict:
    interfaces = []
    for port, entry in doc["ports"].items():
        gcl = entry["gcl"]
        control = [{"index": i, "operation-name": "ieee802-dot1q-sched:set-gate-states",
                    "time-interval-value": int(e["duration_ns"]), "gate-states-value": int(e["gates"])}
                   for i, e in enumerate(gcl["entries"])]
        interfaces.append({
            "name": port,
            "ieee802-dot1q-bridge:bridge-port": {
                f"{_SCHED}:gate-parameter-table": {
                    "gate-enabled": len(control) > 1,
                    "admin-gate-states": 255,
                    "admin-control-list": {"gate-control-entry": control},
                    "admin-cycle-time": {"numerator": int(gcl["cycle_ns"]), "denominator": 1_000_000_000},
                    "admin-cycle-time-extension": 0,
                    "admin-base-time": {"seconds": str(int(gcl["base_time_ns"]) // 1_000_000_000),
                                        "nanoseconds": int(gcl["base_time_ns"]) % 1_000_000_000},
                    "config-change": True,
                }}})
    return {"ietf-interfaces:interfaces": {"interface": interfaces}}


def write(doc: dict, out: Path, source: str) -> list[Path]:
    out.write_text(json.dumps(yang_document(doc), indent=1) + "\n", encoding="utf-8")
    return [out]
