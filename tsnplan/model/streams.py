"""Streams: what the network must carry, with their timing requirements.

A stream is one talker sending ``payload_bytes`` every ``period_ns`` to one or more listeners.
Payloads above one MTU become several frames when the stream allows fragmentation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from tsnplan.model.media.ethernet import MAX_PAYLOAD_BYTES, RTAG_BYTES, ceil_div
from tsnplan.model.traffic_types import TrafficType

__all__ = ["Redundancy", "Stream", "StreamSet"]


class Redundancy(str, Enum):
    NONE = "none"
    FRER = "frer"
    PROTECT = "protect"
    REROUTE = "reroute"


@dataclass(frozen=True, slots=True)
class Stream:
    id: str
    talker: str
    listeners: tuple[str, ...]
    period_ns: int
    payload_bytes: int
    deadline_ns: int
    traffic_type: TrafficType = TrafficType.CYCLIC_SYNC
    pcp: int = 5
    scheduled: bool = True
    fragment: bool = False
    jitter_ns: int | None = None        # allowed jitter; None = no requirement
    redundancy: Redundancy = Redundancy.NONE
    vlan: int = 100
    line: int | None = field(default=None, compare=False)
    frame_payload_limit: int = MAX_PAYLOAD_BYTES   # tsnkit instances: the whole size, one frame per period
    arrival_ns: int | None = None       # TAS benchmark: delivered at the latest this long after the period starts

    @property
    def rtag(self) -> bool:
        return self.redundancy is Redundancy.FRER

    @property
    def max_frame_payload(self) -> int:
        return self.frame_payload_limit - (RTAG_BYTES if self.rtag else 0)

    @property
    def n_frames(self) -> int:
        return max(1, ceil_div(self.payload_bytes, self.max_frame_payload))

    def frame_payloads(self) -> tuple[int, ...]:
        """Payload of each frame of one period: full frames, then the remainder."""
        n = self.n_frames
        full = self.max_frame_payload
        return tuple([full] * (n - 1) + [self.payload_bytes - full * (n - 1)])


@dataclass(frozen=True, slots=True)
class StreamSet:
    """The streams of a plant, sorted by id, with the file they came from."""

    streams: tuple[Stream, ...]
    source: str = ""
    _index: dict[str, Stream] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {s.id: s for s in self.streams})

    def __iter__(self):
        return iter(self.streams)

    def __len__(self) -> int:
        return len(self.streams)

    def by_id(self) -> dict[str, Stream]:
        """Id -> stream, built once (hot paths look streams up per stream); do not modify it."""
        return self._index
