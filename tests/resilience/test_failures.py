from itertools import combinations

import pytest

from tsnplan.errors import UsageError
from tsnplan.resilience.failures import Failure, enumerate_failures, network_elements


def test_single_failures_cover_every_link_and_bridge(body_shop):
    failures = enumerate_failures(body_shop.network, "all", 1)
    assert len(failures) == len(body_shop.network.links) + 6
    assert failures[0].name == "link camera--sw-4"
    assert failures[-1].name == "node sw-6"
    assert len(enumerate_failures(body_shop.network, "links")) == len(body_shop.network.links)
    assert [f.name for f in enumerate_failures(body_shop.network, "nodes")] == [f"node sw-{i}" for i in range(1, 7)]


def test_pairs_skip_a_link_failing_with_its_own_node(body_shop):
    singles = enumerate_failures(body_shop.network, "all", 1)
    pairs = enumerate_failures(body_shop.network, "all", 2)[len(singles):]
    incident = sum(1 for a, b in combinations(singles, 2)
                   if any(n in (x, y) for n in a.nodes + b.nodes for x, y in a.links + b.links))
    assert len(pairs) == len(list(combinations(singles, 2))) - incident
    assert Failure(links=(("sw-1", "sw-2"),), nodes=("sw-2",)) not in pairs
    assert Failure(links=(("sw-1", "sw-2"), ("sw-4", "sw-5"))) in pairs


def test_element_ids_follow_names(body_shop):
    elements = network_elements(body_shop.network)
    failure = Failure(links=(("sw-1", "sw-2"),), nodes=("sw-4",))
    assert [elements.names[i] for i in elements.ids_of(failure)] == ["link sw-1--sw-2", "node sw-4"]


def test_only_one_or_two_failures(body_shop):
    with pytest.raises(UsageError):
        enumerate_failures(body_shop.network, "all", 3)
