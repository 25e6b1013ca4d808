"""Real frame bytes for emulated traffic: one scapy-built template per stream frame, patched per packet.

Layout: Ethernet (destination 01:1b:19-style multicast derived from the stream index, source from
the talker index) / 802.1Q (the stream's PCP and VLAN) / [802.1CB R-TAG, EtherType 0xF1C1, when the
stream uses FRER] / tsnplan payload (EtherType 0x88B5, IEEE 802 local experimental: magic, stream
index, frame index, sequence number), zero-padded so the frame (without FCS) has the emulated MAC
size minus the 4 B FCS. Templates are built once; ``frame_bytes`` only writes the sequence numbers
into a copy, so scapy never runs per packet.
"""
from __future__ import annotations

import struct

from scapy.fields import IntField, LongField, ShortField, StrFixedLenField, XShortEnumField, XShortField
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Packet, Raw, bind_layers

__all__ = ["RTag", "TsnPayload", "FrameTemplates", "ETH_P_RTAG", "ETH_P_TSNPLAN", "BACKGROUND_STREAM"]

ETH_P_RTAG = 0xF1C1
ETH_P_TSNPLAN = 0x88B5
FCS_BYTES = 4
BACKGROUND_STREAM = 0xFFFFFFFF
BACKGROUND_VLAN = 1


class RTag(Packet):
    """IEEE 802.1CB redundancy tag (domain reference §3.1): reserved, 16-bit sequence, next type."""

    name = "802.1CB R-TAG"
    fields_desc = [XShortField("reserved", 0),
                   ShortField("seq", 0),
                   XShortEnumField("type", ETH_P_TSNPLAN, {ETH_P_TSNPLAN: "tsnplan"})]


class TsnPayload(Packet):
    """What an emulated frame carries: which stream, which frame of its period, which sequence."""

    name = "tsnplan payload"
    fields_desc = [StrFixedLenField("magic", b"TSNP", 4),
                   IntField("stream", 0),
                   ShortField("frame", 0),
                   LongField("seq", 0)]


bind_layers(Ether, RTag, type=ETH_P_RTAG)
bind_layers(Dot1Q, RTag, type=ETH_P_RTAG)
bind_layers(Dot1Q, TsnPayload, type=ETH_P_TSNPLAN)
bind_layers(RTag, TsnPayload, type=ETH_P_TSNPLAN)

_HEADER = len(Ether(dst="01:00:00:00:00:00", src="02:00:00:00:00:00") / Dot1Q())
_PAYLOAD = len(TsnPayload())
_RTAG = len(RTag())


def _mac(prefix: int, index: int) -> str:
    return ":".join(f"{b:02x}" for b in (prefix,) + tuple((index >> s) & 0xFF for s in (32, 24, 16, 8, 0)))


class FrameTemplates:
    """Templates for every frame of every stream of a problem, plus one background frame."""

    def __init__(self, problem, background_frame_bytes: int = 1522):
        self._templates: list[list[bytes]] = []
        self._rtag = []
        stream_of = problem.streams.by_id()
        for s, stream_id in enumerate(problem.stream_ids):
            stream = stream_of[stream_id]
            rtag = int(problem.stream_redundancy[s]) == 1
            frames = []
            lo, hi = int(problem.frame_ptr[s]), int(problem.frame_ptr[s + 1])
            for f in range(hi - lo):
                size = int(problem.frame_mac_bytes[lo + f]) - FCS_BYTES
                frames.append(self._build(s, f, int(problem.stream_pcp[s]), stream.vlan,
                                          problem.node_names.index(stream.talker), rtag, size))
            self._templates.append(frames)
            self._rtag.append(rtag)
        self._background = self._build(BACKGROUND_STREAM, 0, 0, BACKGROUND_VLAN, 0xFFFF, False,
                                       background_frame_bytes - FCS_BYTES)

    @staticmethod
    def _build(stream: int, frame: int, pcp: int, vlan: int, talker: int, rtag: bool, size: int) -> bytes:
        pkt = Ether(dst=_mac(0x01, stream & 0xFFFFFFFF), src=_mac(0x02, talker)) / Dot1Q(prio=pcp, vlan=vlan)
        if rtag:
            pkt = pkt / RTag()
        pkt = pkt / TsnPayload(stream=stream & 0xFFFFFFFF, frame=frame)
        pad = size - len(pkt)
        if pad > 0:
            pkt = pkt / Raw(b"\x00" * pad)
        return bytes(pkt)

    def frame_bytes(self, stream: int, frame: int, seq: int) -> bytes:
        """The frame of ``stream`` (index; -1 = background) carrying sequence ``seq``."""
        if stream < 0:
            data = bytearray(self._background)
            struct.pack_into("!Q", data, _HEADER + _PAYLOAD - 8, seq & 0xFFFFFFFFFFFFFFFF)
            return bytes(data)
        data = bytearray(self._templates[stream][frame])
        offset = _HEADER
        if self._rtag[stream]:
            struct.pack_into("!H", data, offset + 2, seq & 0xFFFF)
            offset += _RTAG
        struct.pack_into("!Q", data, offset + _PAYLOAD - 8, seq)
        return bytes(data)
