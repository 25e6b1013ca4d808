"""Declared tolerances a plan must hold under, and the emulator draws its variation from.

- clocks: every node's clock lies within +-sync_error/2 of true time (network ``sync_error``,
  gPTP precision, default 1 us), so two clocks differ by at most ``sync_error``;
- forwarding: a bridge forwards in ``processing_min`` .. ``processing`` (node fields; without
  ``processing_min`` always ``processing``);
- cables: the planner's propagation (5 ns/m, velocity factor 0.67) is the slowest cable of its
  medium; a faster one (velocity factor up to 0.80 for twisted pair, domain.md §1.4) takes down
  to ``CABLE_MIN_PERCENT`` of it;
- talkers: an end station sends up to its ``release_jitter`` after its scheduled release.

The scheduler counts the early side (``arrival_spread_ns``) in frame isolation and the late side
in window lengths and precedence; the emulator (``Scenario.vary``) draws within the same bounds.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CABLE_MIN_PERCENT", "plant_sync_error_ns", "min_processing_ns", "min_propagation_ns", "tolerance_spread_ns",
           "stream_release_jitter_ns"]

CABLE_MIN_PERCENT = 83


def plant_sync_error_ns(problem) -> int:
    """The plant's declared gPTP precision (network ``sync_error``); 0 for tsnkit and TAS benchmark instances."""
    return 0 if problem.timing in ("tsnkit", "tas") else int(problem.network.sync_error_ns)


def min_processing_ns(node) -> int:
    return node.processing_ns if node.processing_min_ns is None else min(node.processing_ns, node.processing_min_ns)


def min_propagation_ns(prop_ns):
    """Fastest cable of the medium for a planned propagation (array or int), rounded down."""
    return prop_ns * CABLE_MIN_PERCENT // 100


def stream_release_jitter_ns(problem) -> np.ndarray:
    """Per stream: its talker's declared release jitter (0 for tsnkit instances)."""
    if problem.timing == "tsnkit":
        return np.zeros(problem.n_streams, dtype=np.int64)
    talkers = [problem.streams.by_id()[sid].talker for sid in problem.stream_ids]
    return np.array([problem.network.node(t).release_jitter_ns for t in talkers], dtype=np.int64)


def tolerance_spread_ns(problem) -> np.ndarray:
    """Per hop: how much earlier than planned a frame may reach the hop's queue through a faster
    cable before it and faster forwarding in the node that sends it (5G bridges: their profile)."""
    p = problem
    out = np.zeros(p.n_hops, dtype=np.int64)
    has_parent = p.hop_parent >= 0
    parent = np.where(has_parent, p.hop_parent, 0)
    prop = p.hop_prop_ns[parent]
    out[has_parent] = (prop - min_propagation_ns(prop))[has_parent]
    for h in np.flatnonzero(has_parent & (p.hop_profile < 0)):
        node = p.network.node(p.node_names[p.port_src[p.hop_port[h]]])
        if node.processing_min_ns is not None:
            out[h] += node.processing_ns - min_processing_ns(node)
    return out
