"""Ethernet frame sizes and transmission times (IEEE 802.3; domain reference §1).

All times round up to whole nanoseconds, never down, so a window computed here is never too short.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Medium", "MediumSpec", "MEDIUM_SPECS", "MAX_PAYLOAD_BYTES", "MIN_FRAME_BYTES",
    "VLAN_TAG_BYTES", "RTAG_BYTES", "WIRE_OVERHEAD_BYTES", "frame_bytes", "wire_bytes",
    "tx_time_ns", "ceil_div", "NS_PER_M",
]

MAX_PAYLOAD_BYTES = 1500
MIN_FRAME_BYTES = 64          # DA..FCS, padded up to this
HEADER_BYTES = 18             # DA 6 + SA 6 + EtherType 2 + FCS 4
VLAN_TAG_BYTES = 4
RTAG_BYTES = 6                # 802.1CB R-TAG
WIRE_OVERHEAD_BYTES = 20      # preamble + SFD 8, inter-frame gap 12
NS_PER_M = 5                  # planner default: 2e8 m/s for copper and fibre


class Medium(str, Enum):
    COPPER = "copper"
    FIBRE = "fibre"
    T1L = "10base-t1l"
    T1_100 = "100base-t1"
    T1_1000 = "1000base-t1"
    T1S = "t1s"
    RADIO_5G = "5g"


@dataclass(frozen=True, slots=True)
class MediumSpec:
    """What a medium allows: its rates, its reach and the PHY latency per traversal."""

    default_rate_bps: int
    rates_bps: tuple[int, ...]
    reach_m: int
    phy_ns: int


_ETHERNET_RATES = (10**7, 10**8, 10**9, 2_500_000_000, 10**10)

MEDIUM_SPECS: dict[Medium, MediumSpec] = {
    Medium.COPPER: MediumSpec(10**9, _ETHERNET_RATES, 100, 0),
    Medium.FIBRE: MediumSpec(10**9, _ETHERNET_RATES, 40_000, 0),
    Medium.T1L: MediumSpec(10**7, (10**7,), 1000, 2000),
    Medium.T1_100: MediumSpec(10**8, (10**8,), 40, 1000),
    Medium.T1_1000: MediumSpec(10**9, (10**9,), 40, 1000),
    Medium.T1S: MediumSpec(10**7, (10**7,), 25, 2000),
    Medium.RADIO_5G: MediumSpec(10**9, _ETHERNET_RATES, 10_000, 0),
}


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def frame_bytes(payload_bytes: int, *, tagged: bool = True, rtag: bool = False) -> int:
    """MAC frame size (DA..FCS) for a payload, padded to the 64 B minimum."""
    size = HEADER_BYTES + payload_bytes + (VLAN_TAG_BYTES if tagged else 0) + (RTAG_BYTES if rtag else 0)
    return max(MIN_FRAME_BYTES, size)


def wire_bytes(payload_bytes: int, *, tagged: bool = True, rtag: bool = False) -> int:
    """Bytes a frame occupies on the wire, preamble, SFD and inter-frame gap included."""
    return frame_bytes(payload_bytes, tagged=tagged, rtag=rtag) + WIRE_OVERHEAD_BYTES


def tx_time_ns(n_bytes: int, rate_bps: int) -> int:
    """Serialisation time of ``n_bytes`` at ``rate_bps``, rounded up to whole ns."""
    return ceil_div(n_bytes * 8 * 1_000_000_000, rate_bps)
