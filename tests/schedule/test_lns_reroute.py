"""Joint re-routing in CP-SAT neighbourhood repair: a stream that fits only on its second-shortest
route gets it, the route reaches schedule.json, verify and the emulator, the answer is the same on
every run, and fixed routes or bridges without 802.1Qbv are never re-routed onto."""
from dataclasses import replace

import pytest

from emulate.plants import compile_docs, stream
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.io.schedule_json import dump_schedule, read_schedule, schedule_to_json, write_schedule
from tsnplan.model.compile import compile_problem
from tsnplan.schedule import ScheduleOptions, ScheduleStatus, _views, incremental, schedule
from tsnplan.schedule.layout import build_layout
from tsnplan.schedule.verify import verify

pytest.importorskip("ortools", reason="OR-Tools (extra 'cpsat') is not installed")

OPTIONS = ScheduleOptions(sync_error_ns=0)


def triangle(detour_features=("qbv",)) -> dict:
    """sw-1 -- sw-3 direct at 10 Mb/s, or through sw-2 at 1 Gb/s; talkers on sw-1, listeners on sw-3."""
    bridge = {"kind": "bridge", "features": ["qbv"], "processing": "2us"}
    nodes = {"sw-1": bridge, "sw-2": {**bridge, "features": list(detour_features)}, "sw-3": bridge}
    nodes.update({n: {"kind": "end-station"} for n in ("a", "b", "c", "d")})
    links = [{"ends": ["sw-1", "sw-3"], "rate": "10M", "length": "10m"},
             {"ends": ["sw-1", "sw-2"], "rate": "1G", "length": "10m"},
             {"ends": ["sw-2", "sw-3"], "rate": "1G", "length": "10m"},
             *({"ends": [station, bridge], "rate": "1G", "length": "5m"}
               for station, bridge in (("a", "sw-1"), ("c", "sw-1"), ("b", "sw-3"), ("d", "sw-3")))]
    return {"nodes": nodes, "links": links}


def two_streams(net: dict):
    """Each frame holds the 10 Mb/s link for 833 us of its 1 ms period: only one fits there."""
    return compile_docs(net, [stream("s1", "a", ["b"], period="1ms", payload="1000B"),
                              stream("s2", "c", ["d"], period="1ms", payload="1000B")])


@pytest.fixture
def no_heuristic_reroute(monkeypatch):
    """The list scheduler's own re-routing off, so only CP-SAT repair can move a stream."""
    monkeypatch.setattr(incremental, "reroute_failed", lambda best, options, deadline=None: best)


def _path(problem, sid):
    return problem.routes.paths[sid][0]


def test_second_shortest_route_places_the_stream(no_heuristic_reroute):
    problem = two_streams(triangle())
    assert _path(problem, "s1")[1:-1] == _path(problem, "s2")[1:-1] == ("sw-1", "sw-3")   # shortest: direct
    heuristic = schedule(problem, method="heuristic", options=OPTIONS)
    assert len(heuristic.unscheduled) == 1
    result = schedule(problem, method="cpsat", options=OPTIONS, time_limit_s=5)
    assert result.status is ScheduleStatus.FEASIBLE
    moved = result.extra["problem"]
    paths = {sid: _path(moved, sid) for sid in ("s1", "s2")}
    assert sorted(p[1:-1] for p in paths.values()) == [("sw-1", "sw-2", "sw-3"), ("sw-1", "sw-3")]
    assert verify(moved, result, sync_error_ns=0) == []


def test_rerouted_schedule_reaches_file_and_emulator(no_heuristic_reroute, tmp_path):
    problem = two_streams(triangle())
    result = schedule(problem, method="cpsat", options=OPTIONS, time_limit_s=5)
    moved = result.extra["problem"]
    write_schedule(tmp_path / "schedule.json", moved, result)
    again = read_schedule(tmp_path / "schedule.json", problem)       # the file's routes win over the plant's
    carried = again.extra["problem"]
    assert {sid: _path(carried, sid) for sid in ("s1", "s2")} == {sid: _path(moved, sid) for sid in ("s1", "s2")}
    emulated = run_emulation(carried, again, Scenario(duration_ns=20_000_000), seed=1)
    for stats in emulated.listeners:
        assert stats.sent >= 19 and stats.received == stats.sent and stats.lost == 0
        assert stats.max_ns <= 1_000_000


def test_rerouting_is_deterministic(no_heuristic_reroute):
    problem = two_streams(triangle())
    docs = [dump_schedule(schedule_to_json(r.extra["problem"], r)) for r in
            (schedule(problem, method="cpsat", options=OPTIONS, time_limit_s=5, seed=2) for _ in range(2))]
    assert docs[0] == docs[1]


def test_fixed_routes_are_never_rerouted(no_heuristic_reroute):
    problem = two_streams(triangle())
    fixed = compile_problem(problem.network, problem.streams, replace(problem.routes, fixed=True))
    assert _views(build_layout(fixed, OPTIONS), OPTIONS) is None
    result = schedule(fixed, method="cpsat", options=OPTIONS, time_limit_s=5)
    assert len(result.unscheduled) == 1
    assert "problem" not in result.extra


def test_no_route_through_a_bridge_without_qbv(no_heuristic_reroute):
    problem = two_streams(triangle(detour_features=()))
    assert _views(build_layout(problem, OPTIONS), OPTIONS) is None
    result = schedule(problem, method="cpsat", options=OPTIONS, time_limit_s=5)
    assert len(result.unscheduled) == 1


def test_no_reroute_option_keeps_routes(no_heuristic_reroute):
    problem = two_streams(triangle())
    options = replace(OPTIONS, reroute=False)
    assert _views(build_layout(problem, options), options) is None
    assert len(schedule(problem, method="cpsat", options=options, time_limit_s=5).unscheduled) == 1


def test_candidate_routes_keep_the_end_station_ports():
    net = triangle()
    net["links"].append({"ends": ["a", "sw-2"], "rate": "1G", "length": "5m"})     # a is dual-homed
    problem = two_streams(net)
    views = _views(build_layout(problem, OPTIONS), OPTIONS)
    s1 = problem.stream_index["s1"]
    routes = [views.paths[j]["s1"][0] for j in views.choices(s1)]
    assert len(routes) == 2 and len(set(routes)) == 2
    first = _path(problem, "s1")[:2]
    assert all(r[:2] == first and r[-2:] == ("sw-3", "b") for r in routes)


def test_neighbourhood_repair_alone_reroutes(no_heuristic_reroute, monkeypatch):
    from tsnplan.schedule import repair
    monkeypatch.setattr(repair, "MAX_WHOLE_INTERVALS", 0)        # too big for a whole model: repair only
    problem = two_streams(triangle())
    result = schedule(problem, method="cpsat", options=OPTIONS, time_limit_s=5)
    assert result.status is ScheduleStatus.FEASIBLE
    assert verify(result.extra["problem"], result, sync_error_ns=0) == []
