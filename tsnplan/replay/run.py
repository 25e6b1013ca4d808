"""One replay: read captures, summarise flows, then infer streams, judge conformance against a
schedule, and/or inject the captured frames into the emulated plant.

Emulation releases every matched stream exactly at its captured frame times (moved onto the
schedule's clock by the fitted phase when the flow was judged, else relative to the capture's
first frame); streams of the plan that the capture does not carry run as scheduled.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tsnplan.replay.analysis import FlowSummary, first_copies, summarise
from tsnplan.replay.characterise import FlowStats, characterise
from tsnplan.replay.conformance import FlowVerdict, judge_capture
from tsnplan.replay.flows import Capture, read_captures
from tsnplan.replay.infer import InferredStream, infer_streams
from tsnplan.replay.mapping import NodeMap, read_map

__all__ = ["ReplayResult", "run_replay", "ReplayAssertionError"]


class ReplayAssertionError(AssertionError):
    """A replay expectation failed; the message lists the offending flows and frames."""


@dataclass
class ReplayResult:
    capture: Capture
    flows: list[FlowSummary]
    streams: list[InferredStream] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    verdicts: list[FlowVerdict] | None = None
    emulation: object | None = None                 # EmulationResult
    talker_stats: dict[str, FlowStats] = field(default_factory=dict)   # replayed releases per stream
    ignore_unknown: bool = False

    @property
    def problems(self):
        return self.capture.problems

    def judged(self) -> list[FlowVerdict]:
        return [v for v in self.verdicts or [] if v.stream is not None or not self.ignore_unknown]

    @property
    def conforms(self) -> bool:
        return all(v.conforms for v in self.judged())

    @property
    def ok(self) -> bool:
        emulated = self.emulation is None or all(l.ok for l in self.emulation.listeners)
        return not self.problems and self.conforms and emulated

    # -- assertion helpers (pytest plugin) ---------------------------------------------------------
    def assert_read(self) -> None:
        if self.problems:
            raise ReplayAssertionError("capture problems: " + "; ".join(str(p) for p in self.problems))

    def assert_conforms(self, stream: str | None = None) -> None:
        """Every judged flow (or those of ``stream``) inside its windows: no early, late, duplicate
        or missing frame, no unknown flow."""
        if self.verdicts is None:
            raise ReplayAssertionError("no schedule was given, nothing was judged")
        bad = [v for v in self.judged() if (stream is None or v.stream == stream) and not v.conforms]
        if stream is not None and not any(v.stream == stream for v in self.verdicts):
            raise ReplayAssertionError(f"no captured flow matches stream {stream!r}")
        if bad:
            lines = []
            for v in bad:
                worst = ", ".join(f"frame {w.frame} {w.verdict} {w.offset_ns} ns" for w in v.worst(3))
                lines.append(f"{v.flow} -> {v.stream or '?'}: {v.verdict} ({worst or v.matched_by}"
                             f"{'; ' + '; '.join(v.notes) if v.notes else ''})")
            raise ReplayAssertionError("non-conforming flows:\n  " + "\n  ".join(lines))

    def assert_flagged(self, frames: set[int]) -> None:
        """Exactly these frame numbers are judged early or late."""
        got = {w.frame for v in self.judged() for w in v.flagged if w.frame is not None}
        if got != set(frames):
            raise ReplayAssertionError(f"flagged frames {sorted(got)}, expected {sorted(frames)}")

    def assert_delivered(self, stream: str | None = None, max_latency_ns: int | None = None) -> None:
        """Emulated listeners received every frame within the deadline (and ``max_latency_ns``)."""
        if self.emulation is None:
            raise ReplayAssertionError("the capture was not replayed through the emulator")
        bad = []
        for l in self.emulation.listeners:
            if stream is not None and l.stream != stream:
                continue
            if not l.ok or (max_latency_ns is not None and (l.max_ns or 0) > max_latency_ns):
                bad.append(f"{l.stream} -> {l.listener}: lost {l.lost}, misses {l.deadline_misses}, "
                           f"max {l.max_ns} ns")
        if bad:
            raise ReplayAssertionError("emulated delivery failed:\n  " + "\n  ".join(bad))

    def flow(self, name: str) -> FlowSummary:
        for s in self.flows:
            if s.group == name:
                return s
        raise KeyError(name)


def run_replay(captures: list[str | Path], network: str | Path | None = None, streams: str | Path | None = None,
               schedule: str | Path | None = None, map_file: str | Path | None = None, *, infer: bool = False,
               emulate: bool = False, failures=(), pcap: str | None = None, tolerance_ns: int = 0,
               seed: int = 0, ignore_unknown: bool = False) -> ReplayResult:
    """Raises ``InputError`` for bad plant, schedule or map files; problems of a capture (truncated,
    corrupt) are kept in ``result.problems`` with the frames before them analysed."""
    nodes = read_map(map_file)
    capture = read_captures(captures)
    summaries = summarise(capture, nodes)
    result = ReplayResult(capture, summaries, ignore_unknown=ignore_unknown)
    if infer:
        result.streams, result.skipped = infer_streams(summaries)
    if network is None:
        return result
    from tsnplan.io.plant import load_plant
    from tsnplan.io.schedule_json import read_schedule
    problem = load_plant(network, streams).compile()
    plan = read_schedule(schedule, problem) if schedule else None
    if plan is not None:
        problem = plan.extra.get("problem", problem)     # the file's routes (re-routed streams)
        result.verdicts = judge_capture(summaries, capture, problem, plan, nodes, tolerance_ns)
    if emulate:
        _emulate(result, problem, plan, nodes, failures, pcap, seed)
    return result


def _release_times(result: ReplayResult, problem, plan, nodes: NodeMap) -> dict[str, np.ndarray]:
    """Per matched stream, the captured times of its busiest flow on the schedule's clock."""
    from tsnplan.replay.conformance import matches
    capture = result.capture
    phases = {v.flow + "@" + v.interface: v.phase_ns - v.talker_shift_ns
              for v in result.verdicts or [] if v.phase_ns is not None}
    origin = int(capture.ts.min()) if capture.n_frames else 0
    chosen: dict[str, FlowSummary] = {}
    for summary, (stream, _) in zip(result.flows, matches(result.flows, problem, nodes)):
        if stream is not None and (stream not in chosen or summary.stats.frames > chosen[stream].stats.frames):
            chosen[stream] = summary
    hyper = int(plan.hyperperiod_ns) if plan is not None else 0
    out = {}
    for stream, summary in chosen.items():
        ts = capture.ts[summary.frames]
        if summary.flow.rtag >= 0:          # one release per sequence number, not per replica
            ts = ts[first_copies(capture.rtag[summary.frames])]
        phase = phases.get(summary.group + "@" + summary.interface)
        rel = ts - (phase if phase is not None else origin)
        if phase is not None and hyper and rel.min() < 0:
            rel = rel + (-(-int(-rel.min()) // hyper)) * hyper
        out[stream] = np.unique(rel[rel >= 0])
    return out


def _emulate(result: ReplayResult, problem, plan, nodes, failures, pcap, seed) -> None:
    from tsnplan.emulate import Scenario, parse_failure, run_emulation
    from tsnplan.emulate.scenario import listener_ports
    times = _release_times(result, problem, plan, nodes)
    last = max((int(t[-1]) for t in times.values() if len(t)), default=0)
    duration = last + int(problem.stream_period_ns.max()) if problem.n_streams else last + 1
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def record(records) -> None:
        chunks.append((records["stream"].copy(), records["seq"].copy(), records["send_ns"].copy()))

    scenario = Scenario(duration_ns=max(1, duration),
                        failures=tuple(parse_failure(f) if isinstance(f, str) else f for f in failures),
                        capture_ports=listener_ports(problem) if pcap else (),
                        release_times={k: tuple(v.tolist()) for k, v in times.items()})
    result.emulation = run_emulation(problem, plan, scenario, seed, pcap=pcap, record_sink=record)
    streams_of, seqs, sends = (np.concatenate([c[i] for c in chunks]) if chunks else np.empty(0, np.int64)
                               for i in range(3))
    for stream in times:
        s = problem.stream_index[stream]
        mine = streams_of == s
        _, first = np.unique(seqs[mine], return_index=True)     # one send per frame, whatever the copies
        sent = np.sort(sends[mine][first]).astype(np.int64)
        if sent.size:
            size = int(problem.frame_mac_bytes[problem.frame_ptr[s]])
            result.talker_stats[stream] = characterise(sent, np.full(sent.size, size, np.int32))
