"""From classified frames to named flows with their statistics, talkers and listeners.

A flow seen on several capture interfaces (one stream captured at two ports) forms one group: the
group's name is what ``--infer`` uses as the stream id and what the map's ``streams:`` refers to.
Nodes are named from the map (MAC -> node id); a capture interface called ``a->b`` (as the
emulator writes them) names the node ``b`` the frames were delivered to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tsnplan.replay.characterise import FlowStats, characterise
from tsnplan.replay.flows import COL, Capture, Flow
from tsnplan.replay.mapping import NodeMap

__all__ = ["FlowSummary", "summarise", "flow_detail", "first_copies", "PTP_TYPES"]

PTP_TYPES = {0: "sync", 1: "delay-req", 2: "pdelay-req", 3: "pdelay-resp", 8: "follow-up", 9: "delay-resp",
             10: "pdelay-resp-follow-up", 11: "announce", 12: "signaling", 13: "management"}
_OPCUA_TYPES = {0x48454C: "hel", 0x41434B: "ack", 0x4F504E: "opn", 0x4D5347: "msg", 0x434C4F: "clo",
                0x455252: "err", 0x524845: "rhe"}
_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True, eq=False)
class FlowSummary:
    flow: Flow
    group: str                 # name shared by the flow's copies on other interfaces
    interface: str             # capture interface name ("" for classic pcap)
    frames: np.ndarray         # indices into the capture's frame arrays, in time order
    stats: FlowStats
    talker: str
    listener: str | None


def node_name(mac: int, nodes: NodeMap) -> str:
    return nodes.nodes.get(mac) or "mac-" + f"{mac:012x}"


def _ip_name(address: int, ethertype: int) -> str:
    """Frames without MACs (loopback captures) are named by IPv4 address (IPv6: a 32-bit digest)."""
    if ethertype == 0x0800:
        return "ip-" + "-".join(str(address >> s & 0xFF) for s in (24, 16, 8, 0))
    return f"ip6-{address:08x}"


def flow_detail(flow: Flow) -> str:
    """What distinguishes the flow within its protocol, short and readable."""
    proto, sub, aux = flow.protocol, flow.sub, flow.aux
    if proto in ("profinet-rt", "goose", "sv"):
        return f"{sub:04x}"
    if proto == "ethercat":
        kind = "cyclic" if aux & 1 else ("mailbox" if aux & 2 else "dg")
        return f"{kind}-{sub & 0xFFFFFF:06x}"
    if proto == "ptp":
        return PTP_TYPES.get(aux, f"type{aux}")
    if proto == "enip-io":
        return f"{sub:08x}"
    if proto == "modbus":
        return f"u{sub >> 8}-fc{sub & 0xFF}"
    if proto == "opcua":
        return _OPCUA_TYPES.get(sub, f"{sub:06x}")
    if proto == "opcua-uadp":
        return f"pub{sub}"
    if proto == "tsnplan":
        return f"{sub}"
    parts = [f"{flow.etype:04x}" if flow.etype else "llc"]
    if flow.vid >= 0:
        parts.append(f"v{flow.vid}")
    if flow.l4:
        parts.append(f"{'udp' if flow.l4 == 17 else 'tcp' if flow.l4 == 6 else 'ip'}{flow.sport}-{flow.dport}")
    return "-".join(parts)


def first_copies(seq: np.ndarray) -> np.ndarray:
    """Indices of the first frame of each 802.1CB sequence number (replicas eliminated, as a
    listener's sequence recovery does); the 16-bit numbers are unwrapped first."""
    seq = seq.astype(np.int64)
    step = (np.diff(seq) + 32768) % 65536 - 32768
    unwrapped = np.concatenate(([0], np.cumsum(step)))
    _, index = np.unique(unwrapped, return_index=True)
    return np.sort(index)


def _group_key(flow: Flow) -> tuple:
    return tuple(v for i, v in enumerate(flow.fields) if i not in (COL["key"], COL["rtag"]))


def summarise(capture: Capture, nodes: NodeMap | None = None) -> list[FlowSummary]:
    """Every flow with its statistics, in order of first appearance."""
    nodes = nodes or NodeMap()
    groups: dict[tuple, str] = {}
    used: set[str] = set()
    out = []
    for flow, frames in zip(capture.flows, capture.flow_frames()):
        frames = frames[np.argsort(capture.ts[frames], kind="stable")]
        iface = capture.interfaces[flow.interface]
        first = first_copies(capture.rtag[frames]) if flow.rtag >= 0 else slice(None)
        stats = characterise(capture.ts[frames][first], capture.size[frames][first], iface.resolution_ns)
        talker = node_name(flow.src, nodes) if flow.src or not flow.ipsrc else _ip_name(flow.ipsrc, flow.etype)
        _, arrow, into = iface.name.partition("->")
        listener = (into if arrow and into else node_name(flow.dst, nodes) if flow.dst
                    else _ip_name(flow.ipdst, flow.etype) if flow.ipdst else None)
        key = _group_key(flow)
        if key not in groups:
            base = _ID_CHARS.sub("-", f"{talker}-{flow.protocol}-{flow_detail(flow)}").strip("-")
            name, k = base, 2
            while name in used:
                name, k = f"{base}-{k}", k + 1
            used.add(name)
            groups[key] = name
        out.append(FlowSummary(flow, groups[key], iface.name, frames, stats, talker, listener))
    return out
