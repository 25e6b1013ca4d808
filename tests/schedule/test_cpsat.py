"""CP-SAT backend and neighbourhood repair: verified schedules, never fewer streams than the heuristic,
deterministic for a seed, and ``auto`` without OR-Tools."""
import numpy as np
import pytest

from tsnplan.io.plant import load_plant
from tsnplan.model.compile import compile_problem
from tsnplan.model.streams import Stream, StreamSet
from tsnplan.model.traffic_types import TrafficType
from tsnplan.schedule import ScheduleOptions, ScheduleStatus, cpsat, repair, schedule
from tsnplan.schedule.verify import verify

from test_schedule import TOPOLOGIES

pytest.importorskip("ortools", reason="OR-Tools (extra 'cpsat') is not installed")


@pytest.fixture(scope="module")
def dense():
    """Streams from four talkers to two listeners with mixed periods: the heuristic leaves some out."""
    network = load_plant(TOPOLOGIES / "body-shop-cell" / "network.yaml").network
    talkers, listeners = ["rc-1", "rc-2", "rc-3", "plc-1"], ["plc-2", "rc-4"]
    streams = [Stream(f"s{i:02d}", talkers[i % 4], (listeners[i % 3 % 2],), 25_000 * (1 + i % 3), 300 + 97 * (i % 7),
                      25_000 * (1 + i % 3), TrafficType.CYCLIC_SYNC) for i in range(36)]
    return compile_problem(network, StreamSet(tuple(streams)))


def _windows(result):
    return result.window_hop.tolist(), result.window_start_ns.tolist()


def test_cpsat_places_at_least_the_heuristic_and_verifies(dense):
    options = ScheduleOptions(reroute=False)
    heuristic = schedule(dense, method="heuristic", options=options)
    exact = schedule(dense, method="cpsat", options=options, time_limit_s=5)
    assert heuristic.status is not ScheduleStatus.FEASIBLE
    assert len(exact.unscheduled) <= len(heuristic.unscheduled)
    assert verify(dense, exact, sync_error_ns=1000) == []
    proof = exact.extra["proof"]
    assert proof["unplaceable_lower_bound"] <= proof["unplaced"]


def test_cpsat_is_deterministic_for_a_seed(dense):
    options = ScheduleOptions(reroute=False)
    a = schedule(dense, method="cpsat", options=options, time_limit_s=2, seed=3)
    b = schedule(dense, method="cpsat", options=options, time_limit_s=2, seed=3)
    assert _windows(a) == _windows(b) and a.unscheduled == b.unscheduled


def test_neighbourhood_repair_never_loses_streams(dense, monkeypatch):
    monkeypatch.setattr(repair, "MAX_WHOLE_INTERVALS", 0)         # force repair instead of the whole model
    # repeatable only while CP-SAT's deterministic budget ends each round before the wall clock does:
    # a small deterministic budget per second keeps that true on a loaded machine
    monkeypatch.setattr(cpsat, "DET_PER_SECOND", 0.05)
    options = ScheduleOptions(reroute=False)
    heuristic = schedule(dense, method="heuristic", options=options)
    repaired = schedule(dense, method="cpsat", options=options, time_limit_s=3)
    assert len(repaired.unscheduled) <= len(heuristic.unscheduled)
    assert verify(dense, repaired, sync_error_ns=1000) == []
    again = schedule(dense, method="cpsat", options=options, time_limit_s=3)
    assert _windows(repaired) == _windows(again)


def test_auto_without_ortools_falls_back(dense, monkeypatch):
    monkeypatch.setattr(cpsat, "available", lambda: False)
    result = schedule(dense, method="auto", options=ScheduleOptions(reroute=False), time_limit_s=3)
    assert result.method in ("heuristic", "ilp")
    assert verify(dense, result, sync_error_ns=1000) == []


def test_proven_optimum_is_a_certificate(dense):
    small = compile_problem(dense.network, StreamSet(dense.streams.streams[:14]))
    result = schedule(small, method="cpsat", options=ScheduleOptions(reroute=False), time_limit_s=10)
    proof = result.extra["proof"]
    if result.status is ScheduleStatus.INFEASIBLE:
        assert proof["certificates"]
    else:
        assert result.status in (ScheduleStatus.FEASIBLE, ScheduleStatus.PARTIAL)
    assert np.all(result.listener_latency_ns[result.listener_latency_ns >= 0] <= np.repeat(
        small.stream_deadline_ns, np.diff(small.listener_ptr))[result.listener_latency_ns >= 0])
