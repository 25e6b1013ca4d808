"""Priority -> traffic class of a device, from 802.1Q-2022 Table 8-5 (the one place exports ask for it)."""
from __future__ import annotations

from tsnplan.model.traffic_types import traffic_class

__all__ = ["priority_map"]


def priority_map(queues: int) -> list[int]:
    """Traffic class of priorities 0-7 on a device with ``queues`` queues."""
    return [traffic_class(pcp, queues) for pcp in range(8)]
