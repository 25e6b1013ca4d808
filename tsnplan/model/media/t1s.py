"""10BASE-T1S multidrop segments with PLCA (IEEE 802.3cg clauses 147/148; domain reference §5.2).

A PLCA cycle starts with the coordinator's beacon; each node in id order then gets one transmit
opportunity (TO). A node with data sends one frame (plus ``burst_count`` more); a silent node lets
its TO timer expire. The worst-case wait for a node's own TO is one beacon, every TO timer and the
largest frames (and bursts) of every other node.
"""
from __future__ import annotations

from dataclasses import dataclass

from tsnplan.model.media.ethernet import WIRE_OVERHEAD_BYTES

__all__ = ["PlcaConfig", "BIT_TIME_NS", "BEACON_BT", "frame_time_ns", "access_wait_ns", "cycle_ns"]

BIT_TIME_NS = 100        # 10 Mb/s
BEACON_BT = 20


@dataclass(frozen=True, slots=True)
class PlcaConfig:
    """PLCA settings of a segment; times are in bit times (BT = 100 ns) as in the registers."""

    node_count: int | None = None   # None: the number of members
    to_timer_bt: int = 32
    burst_count: int = 0
    burst_timer_bt: int = 128


def frame_time_ns(mac_frame_bytes: int) -> int:
    """W(L) = 8 * (L + preamble/SFD + IFG) bit times."""
    return 8 * (mac_frame_bytes + WIRE_OVERHEAD_BYTES) * BIT_TIME_NS


def access_wait_ns(plca: PlcaConfig, node_count: int, own_index: int,
                   max_frame_bytes: list[int]) -> int:
    """Worst-case wait for the own transmit opportunity.

    ``max_frame_bytes[j]`` is the largest MAC frame of member j (0 for a silent member);
    ``own_index`` is the member whose wait is computed. Every other member may send
    ``1 + burst_count`` frames, separated by the burst timer, before the own TO comes round.
    """
    wait = BEACON_BT * BIT_TIME_NS + node_count * plca.to_timer_bt * BIT_TIME_NS
    for j, size in enumerate(max_frame_bytes):
        if j == own_index or size <= 0:
            continue
        wait += (1 + plca.burst_count) * frame_time_ns(size)
        wait += plca.burst_count * plca.burst_timer_bt * BIT_TIME_NS
    return wait


def cycle_ns(plca: PlcaConfig, node_count: int, max_frame_bytes: list[int]) -> int:
    """Longest PLCA cycle: every member sends its largest frames (C_max in domain.md §5.2)."""
    return access_wait_ns(plca, node_count, -1, max_frame_bytes)
