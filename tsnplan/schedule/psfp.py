"""802.1Qci per-stream filtering and policing for scheduled frames that cross a stochastic hop.

A 5G bridge delays a frame by a random amount; the plan budgets its planning quantile. A frame
delayed beyond it misses its window on the next port, and in a FIFO queue every later frame of
the queue would then take the window after its own: one late frame would delay the stream for
ever. A stream gate in front of that port prevents it: it is open from the frame's earliest
arrival to the last moment at which the frame still fits its window, and passes at most the
frame's octets per open interval (``IntervalOctetMax``). A frame outside it is dropped: one frame
is lost instead of every frame that follows.

Times are when the frame would enter the port's egress queue (after the forwarding node's
processing), absolute in the hyperperiod like windows (they may run past it; they repeat with it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsnplan.model.compile import NO_HOP, CompiledProblem
from tsnplan.model.media.ethernet import tx_time_ns
from tsnplan.schedule.result import ScheduleResult

__all__ = ["StreamGates", "stream_gates", "merged_intervals"]


@dataclass(frozen=True, eq=False)
class StreamGates:
    """One open interval per (stream, hop, frame, instance) window behind a stochastic hop."""

    stream: np.ndarray     # int32
    hop: np.ndarray        # int32: global hop index (the port whose queue the gate guards)
    frame: np.ndarray      # int32
    instance: np.ndarray   # int32
    open_ns: np.ndarray    # int64
    close_ns: np.ndarray   # int64: latest queue entry that still fits the window
    max_octets: np.ndarray  # int64: MAC bytes the interval passes

    def __len__(self) -> int:
        return len(self.stream)

    @staticmethod
    def empty() -> "StreamGates":
        i32, i64 = np.zeros(0, np.int32), np.zeros(0, np.int64)
        return StreamGates(i32, i32, i32, i32, i64, i64, i64)

    def of_stream(self, s: int) -> np.ndarray:
        return np.flatnonzero(self.stream == s)


def stream_gates(problem: CompiledProblem, result: ScheduleResult, spread_ns: np.ndarray,
                 sync_error_ns: int) -> StreamGates:
    """Gates for every window whose hop follows a stochastic forwarding delay (``hop_profile``).

    ``spread_ns`` per hop: how much earlier than nominal the frame may arrive (quantile minus
    minimum of the 5G delay; 0 with hold-and-forward). The interval opens at the earliest arrival
    less the sync error and closes at the window end less the frame's transmission.
    """
    p = problem
    out = {k: [] for k in ("stream", "hop", "frame", "instance", "open", "close", "octets")}
    for s in range(p.n_streams):
        sl = result.stream_windows(s)
        hops = result.window_hop[sl]
        if not len(hops) or not (p.hop_profile[hops] >= 0).any():
            continue
        frames, insts = result.window_frame[sl], result.window_instance[sl]
        starts, ends = result.window_start_ns[sl], result.window_end_ns[sl]
        index = {(int(h), int(f), int(k)): i for i, (h, f, k) in enumerate(zip(hops, frames, insts))}
        for i, h in enumerate(hops.tolist()):
            parent = int(p.hop_parent[h])
            if p.hop_profile[h] < 0 or parent == NO_HOP:
                continue
            f, k = int(frames[i]), int(insts[i])
            j = index.get((parent, f, k))
            if j is None:
                continue
            frame = int(p.frame_ptr[s]) + f
            tx = int(tx_time_ns(int(p.frame_wire_bytes[frame]), int(p.port_rate_bps[p.hop_port[h]])))
            nominal = int(ends[j]) + int(p.hop_prop_ns[parent]) + int(p.hop_proc_ns[h])
            out["stream"].append(s); out["hop"].append(h); out["frame"].append(f); out["instance"].append(k)
            out["open"].append(max(0, nominal - int(spread_ns[h]) - sync_error_ns))
            out["close"].append(max(int(ends[i]) - tx, int(starts[i])))
            out["octets"].append(int(p.frame_mac_bytes[frame]))
    if not out["stream"]:
        return StreamGates.empty()
    i32, i64 = np.int32, np.int64
    return StreamGates(np.array(out["stream"], i32), np.array(out["hop"], i32), np.array(out["frame"], i32),
                       np.array(out["instance"], i32), np.array(out["open"], i64), np.array(out["close"], i64),
                       np.array(out["octets"], i64))


def merged_intervals(opens, closes, octets, cycle_ns: int) -> list[tuple[int, int, int]]:
    """One gate list: intervals (open mod cycle, close, octets) sorted, overlapping ones merged
    (their octets added), as a bridge would hold one stream gate per stream and port."""
    items = sorted((int(o) % cycle_ns, int(o) % cycle_ns + int(c) - int(o), int(b))
                   for o, c, b in zip(opens, closes, octets))
    merged: list[list[int]] = []
    for o, c, b in items:
        if merged and o <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], c)
            merged[-1][2] += b
        else:
            merged.append([o, c, b])
    return [tuple(m) for m in merged]
