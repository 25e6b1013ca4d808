"""Tiny plants for emulator tests, built from dicts through the real loaders."""
from __future__ import annotations

import numpy as np

from tsnplan.io.network_file import network_from_doc
from tsnplan.io.streams_file import streams_from_doc
from tsnplan.model.compile import compile_problem
from tsnplan.schedule.result import Gcl, ScheduleResult, ScheduleStatus


def compile_docs(net: dict, streams: list[dict]):
    network, problems = network_from_doc({"network": "tiny", **net}, "net.yaml")
    assert not problems, problems
    stream_set, problems = streams_from_doc({"streams": streams}, "streams.yaml", network)
    assert not problems, problems
    return compile_problem(network, stream_set)


def gcl_only_schedule(problem, cycle_ns: int, entries: dict[str, list[tuple[int, int]]]) -> ScheduleResult:
    """A schedule without windows (every stream released periodically) but with gate lists."""
    ptr, durations, gates = [0], [], []
    for name in problem.port_names:
        for d, g in entries.get(name, [(cycle_ns, 0xFF)]):
            durations.append(d)
            gates.append(g)
        ptr.append(len(durations))
    gcl = Gcl(cycle_ns, 0, np.array(ptr, np.int64), np.array(durations, np.int64), np.array(gates, np.int32))
    n = problem.n_streams
    return ScheduleResult(
        status=ScheduleStatus.FEASIBLE, method="test", hyperperiod_ns=cycle_ns,
        window_ptr=np.zeros(n + 1, np.int64), window_hop=np.zeros(0, np.int32), window_frame=np.zeros(0, np.int32),
        window_instance=np.zeros(0, np.int32), window_start_ns=np.zeros(0, np.int64),
        window_end_ns=np.zeros(0, np.int64), stream_class=problem.stream_class.copy(),
        listener_latency_ns=np.full(int(problem.listener_ptr[-1]), -1, np.int64), gcl=gcl)


def line(rate="1G", features=("qbv",), processing="2us") -> dict:
    """talker -- sw-1 -- sw-2 -- listener (and a second station on each bridge)."""
    return {
        "nodes": {"sw-1": {"kind": "bridge", "features": list(features), "processing": processing},
                  "sw-2": {"kind": "bridge", "features": list(features), "processing": processing},
                  "a": {"kind": "end-station"}, "b": {"kind": "end-station"},
                  "c": {"kind": "end-station"}, "d": {"kind": "end-station"}},
        "links": [{"ends": ["a", "sw-1"], "rate": rate, "length": "10m"},
                  {"ends": ["c", "sw-1"], "rate": rate, "length": "10m"},
                  {"ends": ["sw-1", "sw-2"], "rate": rate, "length": "50m"},
                  {"ends": ["b", "sw-2"], "rate": rate, "length": "10m"},
                  {"ends": ["d", "sw-2"], "rate": rate, "length": "10m"}],
    }


def ring() -> dict:
    """Three bridges in a ring with a station on sw-1 and one on sw-3 (two disjoint paths)."""
    nodes = {f"sw-{i}": {"kind": "bridge", "features": ["qbv", "frer"], "processing": "3us"} for i in (1, 2, 3)}
    nodes.update({"a": {"kind": "end-station"}, "b": {"kind": "end-station"}})
    links = [{"ends": ["sw-1", "sw-2"], "rate": "1G", "length": "20m"},
             {"ends": ["sw-2", "sw-3"], "rate": "1G", "length": "20m"},
             {"ends": ["sw-3", "sw-1"], "medium": "fibre", "rate": "1G", "length": "200m"},
             {"ends": ["a", "sw-1"], "rate": "1G", "length": "5m"},
             {"ends": ["b", "sw-3"], "rate": "1G", "length": "5m"}]
    return {"nodes": nodes, "links": links}


def release_schedule(problem, offsets: dict[str, int], cycle_ns: int | None = None,
                     entries: dict[str, list[tuple[int, int]]] | None = None) -> ScheduleResult:
    """Root-hop windows only: stream ``id`` starts every instance at ``offset + k * period``."""
    hyper = cycle_ns or int(np.lcm.reduce(problem.stream_period_ns))
    base = gcl_only_schedule(problem, hyper, entries or {})
    ptr, hops, frames, insts, starts, ends = [0], [], [], [], [], []
    for s, sid in enumerate(problem.stream_ids):
        if sid in offsets:
            period = int(problem.stream_period_ns[s])
            for h in range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])):
                if problem.hop_parent[h] != -1:
                    continue
                for f in range(int(problem.frame_ptr[s + 1] - problem.frame_ptr[s])):
                    for k in range(hyper // period):
                        hops.append(h); frames.append(f); insts.append(k)
                        starts.append(offsets[sid] + k * period); ends.append(offsets[sid] + k * period + 1)
        ptr.append(len(hops))
    return ScheduleResult(
        status=ScheduleStatus.FEASIBLE, method="test", hyperperiod_ns=hyper,
        window_ptr=np.array(ptr, np.int64), window_hop=np.array(hops, np.int32),
        window_frame=np.array(frames, np.int32), window_instance=np.array(insts, np.int32),
        window_start_ns=np.array(starts, np.int64), window_end_ns=np.array(ends, np.int64),
        stream_class=problem.stream_class.copy(), listener_latency_ns=base.listener_latency_ns, gcl=base.gcl)


def stream(sid, talker, listeners, period="100us", payload="64B", **extra) -> dict:
    return {"id": sid, "talker": talker, "listeners": list(listeners), "type": "cyclic-synchronous",
            "period": period, "payload": payload, "deadline": extra.pop("deadline", period), **extra}
