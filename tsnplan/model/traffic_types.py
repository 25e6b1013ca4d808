"""IEC/IEEE 60802 traffic types and their default priority (PCP) and handling.

The PCP per type is the planner mapping of domain.md §6.2 (the final 60802 table is not public);
a stream may override it. ``scheduled`` says whether the type gets 802.1Qbv windows or is bounded
by network calculus as unscheduled traffic. The PCP-to-traffic-class map is 802.1Q-2022 Table 8-5.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

__all__ = ["TrafficType", "TypeDefaults", "TYPE_DEFAULTS", "traffic_class", "traffic_classes", "shaping_of"]


class TrafficType(str, Enum):
    ISOCHRONOUS = "isochronous"
    CYCLIC_SYNC = "cyclic-synchronous"
    CYCLIC_ASYNC = "cyclic-asynchronous"
    NETWORK_CONTROL = "network-control"
    ALARMS_EVENTS = "alarms-events"
    CONFIG_DIAGNOSTICS = "configuration-diagnostics"
    VIDEO = "video"
    AUDIO = "audio"
    BEST_EFFORT = "best-effort"


@dataclass(frozen=True, slots=True)
class TypeDefaults:
    pcp: int
    scheduled: bool
    fragment: bool      # may a payload larger than one MTU be split into several frames?


TYPE_DEFAULTS: dict[TrafficType, TypeDefaults] = {
    TrafficType.ISOCHRONOUS: TypeDefaults(6, True, False),
    TrafficType.CYCLIC_SYNC: TypeDefaults(5, True, False),
    TrafficType.CYCLIC_ASYNC: TypeDefaults(4, True, True),
    TrafficType.NETWORK_CONTROL: TypeDefaults(7, False, False),
    TrafficType.ALARMS_EVENTS: TypeDefaults(3, False, True),
    TrafficType.CONFIG_DIAGNOSTICS: TypeDefaults(2, False, True),
    TrafficType.VIDEO: TypeDefaults(1, False, True),
    TrafficType.AUDIO: TypeDefaults(1, False, True),
    TrafficType.BEST_EFFORT: TypeDefaults(0, False, True),
}

# 802.1Q-2022 Table 8-5: traffic class of each PCP for 1..8 queues.
_PCP_TO_TC = {
    1: (0, 0, 0, 0, 0, 0, 0, 0),
    2: (0, 0, 0, 0, 1, 1, 1, 1),
    3: (0, 0, 0, 0, 1, 1, 2, 2),
    4: (0, 0, 1, 1, 2, 2, 3, 3),
    5: (0, 0, 1, 1, 2, 2, 3, 4),
    6: (1, 0, 2, 2, 3, 3, 4, 5),
    7: (1, 0, 2, 3, 4, 4, 5, 6),
    8: (1, 0, 2, 3, 4, 5, 6, 7),
}


_TABLE = np.array([_PCP_TO_TC[q] for q in range(1, 9)], dtype=np.int8)


def traffic_class(pcp: int, queues: int) -> int:
    """Traffic class (queue) of a PCP on a port with ``queues`` queues: the one map every layer uses."""
    return _PCP_TO_TC[max(1, min(8, queues))][pcp]


def traffic_classes(pcp: np.ndarray, queues: np.ndarray) -> np.ndarray:
    """``traffic_class`` element-wise (int8), for per-hop arrays."""
    q = np.clip(np.asarray(queues, dtype=np.int64), 1, 8) - 1
    return _TABLE[q, np.asarray(pcp, dtype=np.int64)].astype(np.int8)


def shaping_of(traffic_type: TrafficType) -> str:
    """'scheduled' for types that get Qbv windows by default, else 'priority'."""
    return "scheduled" if TYPE_DEFAULTS[traffic_type].scheduled else "priority"
