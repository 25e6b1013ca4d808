"""Suurballe pairs (model/disjoint.py): valid, node-disjoint, no parent cycle on zero-cost arcs."""
import itertools

import pytest

from tsnplan.model.disjoint import disjoint_pair


def _check_pair(network, pair, a, b):
    for path in (pair.first, pair.second):
        assert path[0] == a and path[-1] == b
        assert all(network.graph.has_edge(u, v) for u, v in zip(path, path[1:]))
        assert len(set(path)) == len(path)
    assert not set(pair.first[1:-1]) & set(pair.second[1:-1])


def test_issue_6_residual_tie_break_made_a_parent_cycle(ladder):
    # the tie-break re-parented a settled node over a zero-cost arc: _walk looped until memory ran out
    network = ladder(4, 6)
    _check_pair(network, disjoint_pair(network, "sw-01-01", "sw-03-00"), "sw-01-01", "sw-03-00")


@pytest.mark.parametrize("rings,size", [(3, 4), (4, 6)])
def test_every_bridge_pair_of_a_ladder_has_a_disjoint_pair(ladder, rings, size):
    network = ladder(rings, size)
    for a, b in itertools.combinations(sorted(network.graph.nodes), 2):
        _check_pair(network, disjoint_pair(network, a, b), a, b)
