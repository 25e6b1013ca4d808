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
