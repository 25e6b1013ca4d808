"""Split captured frames into flows by protocol, reading each frame's header fields in the kernel.

A flow is what one sender repeats: PROFINET RT by FrameID, EtherCAT by its datagram signature
(commands, addresses, lengths), PTP by message type, domain and source port, EtherNet/IP class-1
I/O by connection id, Modbus/TCP by socket pair, unit and function, OPC UA binary by message type,
UADP by publisher id, GOOSE/SV by APPID, tsnplan's emulated frames by stream index; anything else
by MACs, EtherType, VLAN and PCP, IP addresses and ports. Every flow is also split by capture
interface, so one stream seen at two ports is two flows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tsnplan._ext.framefields import FIELDS, N_FIELDS, PROTOCOLS, assign_flows, frame_fields
from tsnplan.errors import Problem
from tsnplan.replay.reader import CaptureReader, Interface

__all__ = ["Flow", "Capture", "read_captures", "COL", "mac_text"]

COL = {name: i for i, name in enumerate(FIELDS)}
_TABLE_MIN = 1 << 12


def mac_text(value: int) -> str:
    return ":".join(f"{(value >> s) & 0xFF:02x}" for s in (40, 32, 24, 16, 8, 0))


@dataclass(frozen=True, slots=True)
class Flow:
    """What identifies one flow; ``fields`` is the kernel row of its first frame."""

    index: int
    interface: int                 # global interface index (Capture.interfaces)
    fields: tuple[int, ...]

    def __getattr__(self, name):
        try:
            return self.fields[COL[name]]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def protocol(self) -> str:
        return PROTOCOLS[self.fields[COL["proto"]]]


@dataclass
class Capture:
    """Every frame of one or more files as flat arrays, sorted by time within each file."""

    files: list[str]
    interfaces: list[Interface]
    flows: list[Flow]
    flow: np.ndarray        # int32 per frame
    ts: np.ndarray          # int64 ns
    size: np.ndarray        # int32: frame length on the wire (without FCS), as captured
    number: np.ndarray      # int64: frame number within its file (1-based)
    file: np.ndarray        # int16: index into files
    rtag: np.ndarray        # int32: 802.1CB sequence number, -1 without R-TAG
    problems: list[Problem] = field(default_factory=list)
    frame_counts: list[int] = field(default_factory=list)

    @property
    def n_frames(self) -> int:
        return int(self.flow.shape[0])

    def flow_frames(self) -> list[np.ndarray]:
        """Per flow, the indices of its frames in capture order."""
        order = np.argsort(self.flow, kind="stable")
        bounds = np.searchsorted(self.flow[order], np.arange(len(self.flows) + 1))
        return [order[bounds[f]:bounds[f + 1]] for f in range(len(self.flows))]


class _FlowTable:
    """Key -> dense flow number, kept across buffers and files (open addressing in the kernel)."""

    def __init__(self):
        self.keys = np.zeros(_TABLE_MIN, np.int64)
        self.ids = np.zeros(_TABLE_MIN, np.int32)
        self.n = 0
        self.flow_keys: list[int] = []

    def reserve(self, extra: int) -> None:
        size = self.keys.shape[0]
        if 2 * (self.n + extra) <= size:
            return
        while 2 * (self.n + extra) > size:
            size *= 2
        self.keys = np.zeros(size, np.int64)
        self.ids = np.zeros(size, np.int32)
        rows = np.zeros((self.n, N_FIELDS), np.int64)
        rows[:, COL["key"]] = self.flow_keys
        assign_flows(rows, self.keys, self.ids, 0, np.empty(self.n, np.int32), np.empty(self.n, np.int32))

    def assign(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = rows.shape[0]
        self.reserve(n)
        flow = np.empty(n, np.int32)
        first = np.empty(n, np.int32)
        before = self.n
        self.n = assign_flows(rows, self.keys, self.ids, self.n, flow, first)
        new_rows = first[:self.n - before]
        self.flow_keys.extend(rows[new_rows, COL["key"]].tolist())
        return flow, new_rows


def read_captures(paths: list[str | Path], keep_frames: bool = True) -> Capture:
    """Read and classify every frame of ``paths``; a malformed file stops at its problem, which is
    recorded in ``problems`` with the frames before it kept. ``keep_frames=False`` keeps only the
    flow table and per-flow counts (flat memory, for very large captures)."""
    table = _FlowTable()
    interfaces: list[Interface] = []
    flows: list[Flow] = []
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("flow", "ts", "size", "number", "file", "rtag")}
    problems, counts = [], []
    for file_index, path in enumerate(paths):
        reader = CaptureReader(path)
        if_base = len(interfaces)
        for chunk in reader:
            interfaces[if_base:] = reader.interfaces
            linktypes = np.array([i.linktype for i in reader.interfaces], np.int32)
            rows = np.empty((len(chunk), N_FIELDS), np.int64)
            frame_fields(chunk.buf, chunk.off, chunk.caplen, chunk.ifid, linktypes, if_base, rows)
            flow, new_rows = table.assign(rows)
            for r in new_rows.tolist():
                flows.append(Flow(len(flows), if_base + int(chunk.ifid[r]), tuple(rows[r].tolist())))
            if keep_frames:
                parts["flow"].append(flow)
                parts["ts"].append(chunk.ts)
                parts["size"].append(chunk.wirelen)
                parts["number"].append(np.arange(chunk.first_frame, chunk.first_frame + len(chunk), dtype=np.int64))
                parts["file"].append(np.full(len(chunk), file_index, np.int16))
                parts["rtag"].append(rows[:, COL["rtag"]].astype(np.int32))
        interfaces[if_base:] = reader.interfaces
        counts.append(reader.frames)
        if reader.error is not None:
            problems.append(reader.error)
        elif reader.frames == 0:
            problems.append(Problem(str(path), "", "capture holds no frames"))
    dtypes = dict(flow=np.int32, ts=np.int64, size=np.int32, number=np.int64, file=np.int16, rtag=np.int32)
    arrays = {k: (np.concatenate(v) if v else np.empty(0, dtypes[k])) for k, v in parts.items()}
    return Capture([str(p) for p in paths], interfaces, flows, problems=problems, frame_counts=counts, **arrays)
