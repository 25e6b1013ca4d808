"""Optimality: on small generated scenarios no verified upgrade is cheaper than the planner's.

Every subset of the catalogue's actions that is cheaper than the returned plan (or every subset,
when the planner finds none) is applied and judged by the pipeline (``verify_actions``), with no
help from the planner's model: none may pass.
"""
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan.plants import line_plant, stream
from tsnplan.plan import PlanSettings, plan_upgrade, planner
from tsnplan.plan.actions import base_document, catalogue_actions, network_of
from tsnplan.plan.catalogue import catalogue_from_doc
from tsnplan.plan.verify import verify_actions

MAX_ACTIONS = 16


@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 3))
    network = line_plant(n, qbv=draw(st.sets(st.integers(0, n - 1))))
    streams = []
    for i in range(draw(st.integers(1, 2))):
        talker, listener = draw(st.sampled_from([("t", "l"), ("l", "t"), ("m", "l")]))
        deadline = draw(st.sampled_from(["50us", "90us", "150us", "250us"]))
        streams.append(stream(f"s{i}", talker, listener, deadline, payload=draw(st.sampled_from(["100B", "700B", "1400B"])),
                              period=draw(st.sampled_from(["250us", "1ms"]))))
    bridges = [f"b{i}" for i in range(n)]
    catalogue = {
        "constraints": {"max_utilisation": draw(st.sampled_from(["50%", "100%"]))},
        "labour": {"replace-bridge": {"cost": draw(st.integers(0, 300)), "downtime": "20min"}},
        "models": {"fast": {"ports": 4, "rates": ["100M", "1G"], "features": ["qbv"], "processing": "2us",
                            "price": draw(st.integers(200, 2000))},
                   "basic": {"ports": 3, "rates": ["100M"], "features": ["qbv"], "processing": "8us",
                             "price": draw(st.integers(100, 1000))}},
        "replace": [{"bridges": draw(st.lists(st.sampled_from(bridges), min_size=1, unique=True)),
                     "models": draw(st.lists(st.sampled_from(["fast", "basic"]), min_size=1, unique=True))}],
        "link_upgrades": [{"links": "all", "rate": "1G", "per_metre": draw(st.integers(0, 20)),
                           "per_port": draw(st.integers(0, 200))}],
    }
    if draw(st.booleans()):
        catalogue["spare_ports"] = {bridges[-1]: 1}
        catalogue["cables"] = [{"ends": ["t", bridges[-1]], "length": "30m", "rate": "1G",
                                "per_metre": draw(st.integers(1, 30))}]
    return network, {"streams": streams}, catalogue


def _subsets(actions):
    """Every subset with at most one action per group."""
    for k in range(len(actions) + 1):
        for combo in combinations(actions, k):
            if len({a.group for a in combo}) == k:
                yield combo


@settings(max_examples=5, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_no_verified_subset_is_cheaper(monkeypatch, scenario):
    network_doc, streams_doc, cat_doc = scenario
    base = network_of(network_doc, "net")
    catalogue = catalogue_from_doc(cat_doc, "cat", base)
    actions = catalogue_actions(catalogue, base)
    assert len(actions) <= MAX_ACTIONS
    result = plan_upgrade(network_doc, streams_doc, "streams", catalogue, PlanSettings(max_rounds=10_000))
    with monkeypatch.context() as patch:          # free routes among the candidates instead of cable variants
        patch.setattr(planner, "MAX_VARIANT_CABLES", -1)
        free = plan_upgrade(network_doc, streams_doc, "streams", catalogue, PlanSettings(max_rounds=10_000))
    assert (free.best is None) == (result.best is None)
    assert free.best is None or free.best.cost == result.best.cost
    base_doc = base_document(network_doc, catalogue)
    if result.best is not None:
        assert result.exact
        assert verify_actions(base_doc, streams_doc, "streams", catalogue, result.best.actions).ok
    bound = result.best.cost if result.best is not None else None
    for combo in _subsets(actions):
        if bound is not None and sum(a.cost for a in combo) >= bound:
            continue
        verdict = verify_actions(base_doc, streams_doc, "streams", catalogue, combo)
        assert not verdict.ok, f"{[a.id for a in combo]} is verified and cheaper than {bound}"
