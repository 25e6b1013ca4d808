"""Streams a captured plant demands, in the project's streams format (docs/formats.md).

Traffic type from the protocol and the measured period: PROFINET IRT and EtherCAT process data are
isochronous, other cyclic I/O cyclic-synchronous (cyclic-asynchronous above 100 ms), PTP and PTCP
network-control, alarms and GOOSE alarms-events, mailbox, DCP, Modbus and OPC UA client/server
traffic configuration-diagnostics; emulated tsnplan frames take the type of their PCP. Acyclic
flows become a stream whose payload is their burst and whose period spreads that burst at their
long-term rate (the arrival curve ``rate * t + burst``).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from tsnplan.model.media.ethernet import HEADER_BYTES, MAX_PAYLOAD_BYTES, RTAG_BYTES, VLAN_TAG_BYTES
from tsnplan.model.traffic_types import TYPE_DEFAULTS, TrafficType
from tsnplan.replay.analysis import FlowSummary

__all__ = ["InferredStream", "infer_streams", "streams_yaml", "MIN_FRAMES"]

MIN_FRAMES = 3
FCS_BYTES = 4
MAX_FRAMES_PER_PERIOD = 1024
_SLOW_CYCLE_NS = 100_000_000
_BY_PCP = {6: TrafficType.ISOCHRONOUS, 5: TrafficType.CYCLIC_SYNC, 4: TrafficType.CYCLIC_ASYNC,
           7: TrafficType.NETWORK_CONTROL, 3: TrafficType.ALARMS_EVENTS, 2: TrafficType.CONFIG_DIAGNOSTICS,
           1: TrafficType.VIDEO, 0: TrafficType.BEST_EFFORT}


@dataclass(frozen=True)
class InferredStream:
    id: str
    talker: str
    listeners: tuple[str, ...]
    type: TrafficType
    period_ns: int
    payload_bytes: int
    pcp: int | None
    vlan: int | None
    frer: bool
    description: str

    def to_doc(self) -> dict:
        doc = {"id": self.id, "talker": self.talker, "listeners": list(self.listeners), "type": self.type.value,
               "period": time_text(self.period_ns), "payload": f"{self.payload_bytes}B"}
        if self.pcp is not None:
            doc["pcp"] = self.pcp
        if self.vlan is not None:
            doc["vlan"] = self.vlan
        if self.frer:
            doc["redundancy"] = "frer"
        if self.payload_bytes > MAX_PAYLOAD_BYTES - (RTAG_BYTES if self.frer else 0):
            doc["fragment"] = True
        doc["description"] = self.description
        return doc


def time_text(ns: int) -> str:
    for unit, scale in (("s", 10**9), ("ms", 10**6), ("us", 10**3)):
        if ns % scale == 0:
            return f"{ns // scale}{unit}"
    return f"{ns}ns"


def _type(s: FlowSummary) -> TrafficType:
    flow, stats = s.flow, s.stats
    proto, sub = flow.protocol, flow.sub
    if proto == "tsnplan" and flow.pcp >= 0:
        return _BY_PCP[flow.pcp]
    if proto == "ptp":
        return TrafficType.NETWORK_CONTROL
    if proto == "goose":
        return TrafficType.ALARMS_EVENTS
    if proto == "profinet-rt":
        if 0xFF00 <= sub <= 0xFF4F:
            return TrafficType.NETWORK_CONTROL
        if sub in (0xFC01, 0xFE01):
            return TrafficType.ALARMS_EVENTS
        if sub >= 0xFC00:
            return TrafficType.CONFIG_DIAGNOSTICS
        if 0x0100 <= sub < 0x8000 and stats.cyclic:
            return TrafficType.ISOCHRONOUS
    if proto == "ethercat" and stats.cyclic and flow.aux & 1:
        return TrafficType.ISOCHRONOUS
    if proto in ("modbus", "opcua") or (proto == "ethercat" and flow.aux & 2):
        return TrafficType.CONFIG_DIAGNOSTICS
    if stats.cyclic:
        return TrafficType.CYCLIC_SYNC if stats.period_ns <= _SLOW_CYCLE_NS else TrafficType.CYCLIC_ASYNC
    return TrafficType.BEST_EFFORT


def payload_of(frame_bytes: int, ntags: int, rtag: bool) -> int:
    """Payload of a captured frame (without FCS) as the model counts it: MAC size minus header,
    one VLAN tag (every planned frame is tagged) and the R-TAG."""
    mac = frame_bytes + FCS_BYTES
    return max(1, mac - HEADER_BYTES - VLAN_TAG_BYTES * max(ntags, 1) - (RTAG_BYTES if rtag else 0))


def infer_streams(summaries: list[FlowSummary]) -> tuple[list[InferredStream], list[tuple[str, str]]]:
    """Streams for every flow group, and (group, reason) for the groups left out."""
    groups: dict[str, list[FlowSummary]] = defaultdict(list)
    for s in summaries:
        groups[s.group].append(s)
    streams, skipped = [], []
    for name, members in groups.items():
        main = max(members, key=lambda m: (m.stats.frames, -m.flow.index))
        stats, flow = main.stats, main.flow
        listeners = tuple(sorted({m.listener for m in members if m.listener and m.listener != main.talker}))
        if stats.frames < MIN_FRAMES:
            skipped.append((name, f"{stats.frames} frame(s): too few to characterise"))
            continue
        if not listeners:
            skipped.append((name, "no listener other than the talker"))
            continue
        rtag = main.flow.rtag >= 0
        kind = _type(main)
        frame_payload = payload_of(stats.size_max, flow.ntags, rtag)
        if stats.cyclic:
            period, payload = stats.period_ns, frame_payload * max(1, stats.max_per_cycle or 1)
            what = (f"{flow.protocol} {stats.frames} frames, period {time_text(period)}, jitter "
                    f"{stats.jitter_ns} ns, {stats.lost_cycles} lost cycles, {stats.duplicates} duplicates")
        else:
            burst = max(frame_payload, stats.burst_bytes or frame_payload)
            burst = min(burst, MAX_PAYLOAD_BYTES * MAX_FRAMES_PER_PERIOD // 2)
            rate = stats.rate_bps or 1
            period = max(1000, -(-burst * 8 * 10**9 // rate) // 1000 * 1000)
            payload = burst
            what = f"{flow.protocol} {stats.frames} frames, acyclic: {rate} bit/s, burst {stats.burst_bytes} B"
        if payload > MAX_PAYLOAD_BYTES and not TYPE_DEFAULTS[kind].fragment:
            payload = frame_payload
        pcp = flow.pcp if flow.pcp >= 0 else None
        vlan = flow.vid if 1 <= flow.vid <= 4094 else None
        streams.append(InferredStream(name, main.talker, listeners, kind, period, payload, pcp, vlan, rtag,
                                      f"captured: {what}"))
    return streams, skipped


def streams_yaml(streams: list[InferredStream], sources: list[str]) -> str:
    """The streams file text: one stream per line, JSON-quoted strings (valid YAML), deterministic."""
    lines = ["# streams inferred by `tsnplan replay --infer` from " + ", ".join(sources), "streams:"]
    for stream in streams:
        items = ", ".join(f"{k}: {json.dumps(v)}" for k, v in stream.to_doc().items())
        lines.append(f"  - {{{items}}}")
    if not streams:
        lines[-1] = "streams: []"
    return "\n".join(lines) + "\n"
