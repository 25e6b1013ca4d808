"""Routing honours 802.1Qbv: a scheduled stream goes around bridges without it when it can, and
keeps its shortest route (the scheduler then states the gap) when it cannot."""
from emulate.plants import compile_docs, stream
from tsnplan.schedule import ScheduleOptions, ScheduleStatus, schedule

BRIDGE = {"kind": "bridge", "features": ["qbv"], "processing": "2us"}
OPTIONS = ScheduleOptions(sync_error_ns=0)


def _link(a: str, b: str) -> dict:
    return {"ends": [a, b], "rate": "1G", "length": "10m"}


def ring(closed: bool = True) -> dict:
    """a - sw-1 - sw-2 (no Qbv) - sw-3 - b, and the longer way sw-1 - sw-4 - sw-5 - sw-3 when closed."""
    nodes = {"sw-1": BRIDGE, "sw-2": {**BRIDGE, "features": []}, "sw-3": BRIDGE, "sw-4": BRIDGE, "sw-5": BRIDGE,
             "a": {"kind": "end-station"}, "b": {"kind": "end-station"}}
    links = [_link("sw-1", "sw-2"), _link("sw-2", "sw-3"), _link("sw-1", "sw-4"), _link("sw-4", "sw-5"),
             _link("a", "sw-1"), _link("b", "sw-3")]
    return {"nodes": nodes, "links": links + ([_link("sw-5", "sw-3")] if closed else [])}


def test_scheduled_stream_goes_around_a_bridge_without_qbv():
    problem = compile_docs(ring(), [stream("s1", "a", ["b"], period="1ms", payload="100B"),
                                    stream("bg", "a", ["b"], period="1ms", payload="100B", scheduled=False)])
    assert problem.routes.paths["s1"] == (("a", "sw-1", "sw-4", "sw-5", "sw-3", "b"),)
    assert problem.routes.paths["bg"] == (("a", "sw-1", "sw-2", "sw-3", "b"),)     # unscheduled: shortest
    result = schedule(problem, method="heuristic", options=OPTIONS)
    assert result.status is ScheduleStatus.FEASIBLE and not result.unscheduled


def test_no_way_around_keeps_the_shortest_route_and_says_why():
    problem = compile_docs(ring(closed=False), [stream("s1", "a", ["b"], period="1ms", payload="100B")])
    assert problem.routes.paths["s1"] == (("a", "sw-1", "sw-2", "sw-3", "b"),)
    result = schedule(problem, method="heuristic", options=OPTIONS)
    assert result.unscheduled == ("s1",)
    assert "sw-2" in result.explanations[0].reason and "802.1Qbv" in result.explanations[0].reason
