"""When each frame of each stream leaves each hop: from a schedule, or unloaded when there is none.

The loss and latency analytics need, per hop and per (instance, frame) row, the absolute time at
which the frame has completely crossed the hop's link (window end plus propagation: its *clear*
time), and per instance the release time (the start of its first transmission). Rows of one
stream repeat every ``cycle_ns``: the hyperperiod for scheduled streams, the period otherwise.

Without a windowed schedule a stream is timed as if it were alone in the network (store and
forward, no queueing, no medium access wait): a lower bound, flagged as an estimate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsnplan.errors import UsageError
from tsnplan.model.compile import NO_HOP, CompiledProblem

__all__ = ["HopTiming", "hop_timing", "unloaded_clear_ns"]


@dataclass(frozen=True, eq=False)
class HopTiming:
    """Per stream ``cycle_ns`` and release per instance; per hop the clear time of each row.

    Rows of a hop are ordered (instance, frame), the same order for every hop of the stream, so
    the clear times of two hops of one stream compare row by row.
    """

    cycle_ns: tuple[int, ...]                  # per stream
    release_ns: tuple[tuple[int, ...], ...]    # per stream, per instance
    n_frames: tuple[int, ...]                  # per stream
    clear_ns: tuple[tuple[int, ...], ...]      # per hop, per row
    scheduled: tuple[bool, ...]                # per stream: times come from a schedule

    def latency_ns(self, s: int, hop: int) -> int:
        """Worst latency over the rows of stream ``s`` of the route ending at ``hop``."""
        nf = self.n_frames[s]
        return max(c - self.release_ns[s][j // nf] for j, c in enumerate(self.clear_ns[hop]))

    def row_latency_ns(self, s: int, hop: int) -> list[int]:
        nf = self.n_frames[s]
        return [c - self.release_ns[s][j // nf] for j, c in enumerate(self.clear_ns[hop])]


def _tx_ns(problem: CompiledProblem) -> np.ndarray:
    """Transmission time of every (hop, frame) pair: int64[H, max frames], rounded up."""
    nf = np.diff(problem.frame_ptr)
    max_frames = int(nf.max()) if len(nf) else 1
    hops_per_stream = np.diff(problem.hop_ptr)
    stream_of_hop = np.repeat(np.arange(problem.n_streams), hops_per_stream)
    rate = problem.port_rate_bps[problem.hop_port]
    out = np.zeros((problem.n_hops, max_frames), dtype=np.int64)
    for f in range(max_frames):
        has = nf[stream_of_hop] > f
        frame = problem.frame_ptr[stream_of_hop] + f
        bits = np.where(has, problem.frame_wire_bytes[np.minimum(frame, len(problem.frame_wire_bytes) - 1)] * 8, 0)
        out[:, f] = -(-(bits * 1_000_000_000) // rate)
    return out


def unloaded_clear_ns(problem: CompiledProblem) -> list[list[int]]:
    """Clear time of every frame on every hop for a release at 0, frames sent back to back."""
    tx = _tx_ns(problem)
    nf = np.diff(problem.frame_ptr).tolist()
    parent = problem.hop_parent.tolist()
    prop = problem.hop_prop_ns.tolist()
    proc = problem.hop_proc_ns.tolist()
    hop_ptr = problem.hop_ptr.tolist()
    clear: list[list[int]] = [None] * problem.n_hops
    for s in range(problem.n_streams):
        for h in range(hop_ptr[s], hop_ptr[s + 1]):
            p = parent[h]
            busy_until = 0
            row = []
            for f in range(nf[s]):
                ready = (clear[p][f] if p != NO_HOP else 0) + proc[h]
                end = max(ready, busy_until) + int(tx[h, f])
                busy_until = end
                row.append(end + prop[h])
            clear[h] = row
    return clear


def hop_timing(problem: CompiledProblem, schedule=None) -> HopTiming:
    """Timing of every hop: windows of ``schedule`` (a ``ScheduleResult``) where it placed the
    stream, unloaded timing elsewhere."""
    unloaded = unloaded_clear_ns(problem)
    nf = np.diff(problem.frame_ptr).tolist()
    hop_ptr = problem.hop_ptr.tolist()
    prop = problem.hop_prop_ns.tolist()
    parent = problem.hop_parent.tolist()
    cycle, release, clear, scheduled = [], [], list(unloaded), []
    for s in range(problem.n_streams):
        windows = _stream_windows(schedule, s) if schedule is not None else None
        if not windows:
            cycle.append(int(problem.stream_period_ns[s]))
            release.append((0,))
            scheduled.append(False)
            continue
        instances = sorted({k for _, _, k, _, _ in windows})
        index = {k: i for i, k in enumerate(instances)}
        n_rows = len(instances) * nf[s]
        first_start = [None] * len(instances)
        rows = {h: [None] * n_rows for h in range(hop_ptr[s], hop_ptr[s + 1])}
        for hop, frame, inst, start, end in windows:
            i = index[inst]
            rows[hop][i * nf[s] + frame] = end + prop[hop]
            if parent[hop] == NO_HOP and (first_start[i] is None or start < first_start[i]):
                first_start[i] = start
        for h, row in rows.items():
            if None in row:
                raise UsageError(f"the schedule has no window for every frame of stream {problem.stream_ids[s]} "
                                 f"on port {problem.port_names[int(problem.hop_port[h])]}: it was made for "
                                 "other routes (schedule the plant with the same redundancy policy)")
            clear[h] = row
        cycle.append(int(schedule.hyperperiod_ns))
        release.append(tuple(first_start))
        scheduled.append(True)
    return HopTiming(tuple(cycle), tuple(release), tuple(nf), tuple(tuple(r) for r in clear), tuple(scheduled))


def _stream_windows(schedule, s: int) -> list[tuple[int, int, int, int, int]]:
    sl = schedule.stream_windows(s)
    return list(zip(schedule.window_hop[sl].tolist(), schedule.window_frame[sl].tolist(),
                    schedule.window_instance[sl].tolist(), schedule.window_start_ns[sl].tolist(),
                    schedule.window_end_ns[sl].tolist()))
