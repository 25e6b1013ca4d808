"""Judge captured frames against a schedule: every frame inside its window, outside it (by how much),
a missing cycle, a duplicate, or a flow the plan does not know.

A flow is matched to a stream by the map (``streams:``), by the stream index an emulated frame
carries, by its name being a stream id, or by its talker, listener and VLAN (map ``nodes:``). It is
judged on the windows of the port it was captured at when the capture interface is named like a
port (``a->b``), otherwise on its talker's first-hop windows. The capture clock and the schedule's
clock differ by an unknown offset: the phase is fitted per flow (the median offset of the frames
from their windows, trying every instance alignment of the hyperperiod), then each frame is
judged in integer ns, with the interface's timestamp resolution as tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tsnplan.model.compile import NO_HOP
from tsnplan.replay.analysis import FlowSummary
from tsnplan.replay.mapping import NodeMap

__all__ = ["FrameVerdict", "FlowVerdict", "judge_capture", "match_stream", "INSIDE", "EARLY", "LATE",
           "DUPLICATE", "MISSING"]

INSIDE, EARLY, LATE, DUPLICATE, MISSING = "inside", "early", "late", "duplicate", "missing"
MAX_ALIGNMENTS = 256
BY_NODES = "talker, listener and VLAN"
MAX_LISTED = 1000               # missing cycles listed per flow (all are counted)
WORST_SHOWN = 5


@dataclass(frozen=True, slots=True)
class FrameVerdict:
    verdict: str
    time_ns: int | None          # capture timestamp (None for a missing cycle)
    frame: int | None            # frame number in its file (as Wireshark numbers it)
    file: str
    cycle: int                   # cycle number from the flow's first frame
    offset_ns: int               # early: how far before the window; late: how far after; else 0

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "time_ns": self.time_ns, "frame": self.frame, "file": self.file,
                "cycle": self.cycle, "offset_ns": self.offset_ns}


@dataclass(frozen=True)
class FlowVerdict:
    flow: str
    interface: str
    stream: str | None
    port: str | None
    matched_by: str
    frames: int
    inside: int = 0
    early: int = 0
    late: int = 0
    duplicates: int = 0
    missing: int = 0
    phase_ns: int | None = None
    unscheduled: bool = False       # the plan gives the stream no windows: nothing to judge in time
    talker_shift_ns: int = 0        # first-hop window start minus the capture port's (instance 0)
    notes: tuple[str, ...] = ()
    flagged: tuple[FrameVerdict, ...] = field(default=(), repr=False)   # every frame not inside

    @property
    def conforms(self) -> bool:
        return self.stream is not None and not (self.early or self.late or self.duplicates or self.missing
                                                or self.notes)

    @property
    def verdict(self) -> str:
        if self.stream is None:
            return "unknown"
        if self.unscheduled and self.conforms:
            return "unscheduled"
        return "conforms" if self.conforms else "violates"

    def worst(self, n: int = WORST_SHOWN) -> list[FrameVerdict]:
        return sorted(self.flagged, key=lambda v: (-v.offset_ns, v.verdict, v.cycle))[:n]

    def to_json(self) -> dict:
        return {"flow": self.flow, "interface": self.interface, "stream": self.stream, "port": self.port,
                "matched_by": self.matched_by, "verdict": self.verdict, "frames": self.frames,
                "inside": self.inside, "early": self.early, "late": self.late, "duplicates": self.duplicates,
                "missing": self.missing, "phase_ns": self.phase_ns, "notes": list(self.notes),
                "worst": [v.to_json() for v in self.worst()]}


def match_stream(summary: FlowSummary, problem, nodes: NodeMap) -> tuple[str | None, str]:
    """(stream id or None, how it was matched)."""
    ids = problem.stream_index
    if summary.group in nodes.streams:
        target = nodes.streams[summary.group]
        return (target, "map") if target in ids else (None, f"map names {target!r}, not a stream of the plan")
    flow = summary.flow
    if flow.protocol == "tsnplan" and 0 <= flow.sub < len(problem.stream_ids):
        return problem.stream_ids[flow.sub], "stream index"
    if summary.group in ids:
        return summary.group, "stream id"
    streams = problem.streams.by_id()
    found = [sid for sid in problem.stream_ids
             if streams[sid].talker == summary.talker and summary.listener in streams[sid].listeners
             and (flow.vid < 1 or streams[sid].vlan == flow.vid)]
    if len(found) == 1:
        return found[0], BY_NODES
    return None, "no stream of the plan" if not found else f"{len(found)} streams match its talker and listener"


def _windows(problem, schedule, s: int, port: int, period: int) -> tuple[np.ndarray, np.ndarray, int] | None:
    """(start, length, cycle) of the stream's windows on ``port``: [instance, window] matrices
    (replicas and fragments of one instance side by side, by start) over the hyperperiod, or over
    one period when every instance repeats the first (then ``cycle`` is the period, else the
    hyperperiod); None without windows there."""
    sl = schedule.stream_windows(s)
    pick = problem.hop_port[schedule.window_hop[sl]] == port
    inst = schedule.window_instance[sl][pick].astype(np.int64)
    if inst.size == 0:
        return None
    starts = schedule.window_start_ns[sl][pick].astype(np.int64)
    ends = schedule.window_end_ns[sl][pick].astype(np.int64)
    order = np.lexsort((starts, inst))
    inst, starts, ends = inst[order], starts[order], ends[order]
    k = int(inst.max()) + 1
    counts = np.bincount(inst, minlength=k)
    m = int(counts.max())
    first = np.searchsorted(inst, np.arange(k))
    # an instance with fewer windows repeats its last one; one without windows uses the first instance's
    rows = first[:, None] + np.minimum(np.arange(m)[None, :], np.maximum(counts, 1)[:, None] - 1)
    rows = np.where((counts == 0)[:, None], np.arange(m)[None, :].clip(max=counts[inst[0]] - 1), rows)
    start, length = starts[rows], ends[rows] - starts[rows]
    hyper = int(schedule.hyperperiod_ns)
    if k > 1 and np.array_equal(start - np.arange(k)[:, None] * period, np.broadcast_to(start[:1], start.shape)) \
            and np.array_equal(length, np.broadcast_to(length[:1], length.shape)):
        return start[:1], length[:1], period
    return start, length, hyper


def _capture_port(problem, s: int, interface: str) -> int | None:
    if interface in problem.port_index:
        return problem.port_index[interface]
    for h in range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])):
        if problem.hop_parent[h] == NO_HOP:
            return int(problem.hop_port[h])
    return None


def _distance(dev: np.ndarray, length: np.ndarray, tol: int) -> np.ndarray:
    """How far outside its window [start, end) each deviation lies (0 inside), tolerance included."""
    return np.maximum(0, -tol - dev) + np.maximum(0, dev - (length - 1) - tol)


def _align(ts: np.ndarray, period: int, hyper: int, start: np.ndarray, length: np.ndarray, tol: int):
    """Fit the phase. Returns (offset, cycle per frame, window start per frame and window,
    window length per frame and window): the alignment of cycles to hyperperiod instances and
    the clock offset that put the most frames inside a window."""
    k = start.shape[0]
    rel = ts - ts[0]
    cycle = (rel + period // 2) // period
    reference = int(np.median(rel - cycle * period))
    cycle = (rel - reference + period // 2) // period
    best = None
    for k0 in range(min(k, MAX_ALIGNMENTS)):
        index = (cycle + k0) % k
        expected = start[index] + (((cycle + k0) // k) * hyper)[:, None]
        for j in range(start.shape[1]):
            offset = int(np.sort(ts - expected[:, j])[(len(ts) - 1) // 2])
            dist = _distance(ts[:, None] - offset - expected, length[index], tol).min(axis=1)
            score = int((dist == 0).sum())
            if best is None or score > best[0]:
                best = (score, offset, cycle + k0, expected, length[index])
    return best[1:]


def judge_flow(summary: FlowSummary, capture, problem, schedule, stream: str, matched_by: str,
               tolerance_ns: int = 0) -> FlowVerdict:
    s = problem.stream_index[stream]
    port = _capture_port(problem, s, summary.interface)
    base = dict(flow=summary.group, interface=summary.interface, stream=stream, matched_by=matched_by,
                frames=summary.stats.frames, port=problem.port_names[port] if port is not None else None)
    notes = []
    flow, planned = summary.flow, problem.streams.by_id()[stream]
    if flow.pcp >= 0 and flow.pcp != int(problem.stream_pcp[s]):
        notes.append(f"PCP {flow.pcp}, the plan says {int(problem.stream_pcp[s])}")
    if flow.vid >= 1 and flow.vid != planned.vlan:
        notes.append(f"VLAN {flow.vid}, the plan says {planned.vlan}")
    if port is None:
        return FlowVerdict(**base, notes=tuple(notes + ["the stream has no route"]))
    if stream in set(schedule.unscheduled):
        notes.append("the schedule left this stream out (not admitted)")
    if schedule.window_ptr[s + 1] == schedule.window_ptr[s]:
        return FlowVerdict(**base, inside=summary.stats.frames, notes=tuple(notes), unscheduled=True)
    period = int(problem.stream_period_ns[s])
    windows = _windows(problem, schedule, s, port, period)
    if windows is None:
        return FlowVerdict(**base, notes=tuple(notes + [f"no windows on {problem.port_names[port]}"]))
    start, length, hyper = windows
    frames_idx = summary.frames
    ts = capture.ts[frames_idx]
    tol = tolerance_ns + capture.interfaces[summary.flow.interface].resolution_ns - 1
    offset, cycle, expected, spans = _align(ts, period, hyper, start, length, tol)
    dev = ts[:, None] - offset - expected
    dist = _distance(dev, spans, tol)
    window = np.where(dist == 0, np.abs(dev) - (1 << 62), dist).argmin(axis=1)   # inside: the nearest start
    rows = np.arange(len(ts))
    dev, dist, spans = dev[rows, window], dist[rows, window], spans[rows, window]
    files = capture.files
    numbers = capture.number[frames_idx].tolist()
    file_of = capture.file[frames_idx].tolist()
    m = start.shape[1]
    slot = (cycle - cycle.min()) * m + window
    order = np.argsort(slot, kind="stable")
    repeat = np.zeros(len(ts), bool)
    repeat[order[1:]] = slot[order[1:]] == slot[order[:-1]]        # a second frame for one window
    early = ~repeat & (dist > 0) & (dev < 0)
    late = ~repeat & (dist > 0) & (dev >= 0)
    counts = dict(inside=int((~repeat & (dist == 0)).sum()), early=int(early.sum()), late=int(late.sum()),
                  duplicates=int(repeat.sum()))
    flagged = []
    for i in np.flatnonzero(repeat | (dist > 0)).tolist():
        kind = DUPLICATE if repeat[i] else EARLY if early[i] else LATE
        flagged.append(FrameVerdict(kind, int(ts[i]), numbers[i], files[file_of[i]], int(cycle[i]),
                                    0 if repeat[i] else int(dist[i])))
    missing, listed = _missing(slot, cycle, start, hyper, offset, int(ts.min()) - tol, int(ts.max()) + tol)
    flagged += [FrameVerdict(MISSING, None, None, "", c, 0) for c in listed]
    first_hop = _capture_port(problem, s, "")
    talker = _windows(problem, schedule, s, first_hop, period) if first_hop != port else None
    shift = int(talker[0][0, 0] - start[0, 0]) if talker is not None else 0
    return FlowVerdict(**base, **counts, missing=missing, phase_ns=offset, notes=tuple(notes),
                       flagged=tuple(flagged), talker_shift_ns=shift)


def _missing(slot, cycle, start, hyper, offset, lo, hi) -> tuple[int, list[int]]:
    """Cycles with a window no frame used, among windows expected within the captured span: their
    count and the first ``MAX_LISTED`` of them. Cycles without any frame are counted from the gaps,
    so a capture spanning years costs no more than its frames."""
    k, m = start.shape
    first = int(cycle.min())
    present = np.unique(cycle)
    used = np.zeros((present.size, m), bool)
    used[np.searchsorted(present, slot // m + first), slot % m] = True
    when = offset + start[present % k] + (present // k * hyper)[:, None]
    partial = present[(~used & (when >= lo) & (when <= hi)).any(axis=1)]
    gaps = np.diff(present) - 1
    listed = partial.tolist()
    for c, gap in zip(present[:-1][gaps > 0].tolist(), gaps[gaps > 0].tolist()):
        if len(listed) >= MAX_LISTED:
            break
        listed += range(c + 1, c + 1 + min(gap, MAX_LISTED))
    return int(partial.size + gaps.sum()), sorted(listed)[:MAX_LISTED]


def matches(summaries: list[FlowSummary], problem, nodes: NodeMap) -> list[tuple[str | None, str]]:
    """(stream, how) per flow. Matching by talker and listener alone can hit several flows between
    two nodes (cyclic I/O and the acyclic traffic beside it): per stream and capture interface only
    the flow closest to the plan keeps the match (cyclic at the planned period, then most frames)."""
    found = [match_stream(s, problem, nodes) for s in summaries]
    best: dict[tuple[str, str], int] = {}

    def score(i: int) -> tuple:
        st, period = summaries[i].stats, int(problem.stream_period_ns[problem.stream_index[found[i][0]]])
        return (bool(st.cyclic and st.period_ns == period), bool(st.cyclic), st.frames, -i)
    for i, (stream, how) in enumerate(found):
        if stream is not None and how == BY_NODES:
            key = (stream, summaries[i].interface)
            if key not in best or score(i) > score(best[key]):
                best[key] = i
    return [(None, f"another flow between its nodes matches {stream} better")
            if how == BY_NODES and best[(stream, summaries[i].interface)] != i else (stream, how)
            for i, (stream, how) in enumerate(found)]


def judge_capture(summaries: list[FlowSummary], capture, problem, schedule, nodes: NodeMap,
                  tolerance_ns: int = 0) -> list[FlowVerdict]:
    """A verdict for every flow of the capture."""
    out = []
    for summary, (stream, how) in zip(summaries, matches(summaries, problem, nodes)):
        if stream is None:
            out.append(FlowVerdict(summary.group, summary.interface, None, None, how, summary.stats.frames))
            continue
        out.append(judge_flow(summary, capture, problem, schedule, stream, how, tolerance_ns))
    return out
