"""What a stream asks of the bridges it crosses, and which bridges lack it.

A scheduled stream gets a window on every egress port of its hop tree, and a bridge's port runs
a gate list only with 802.1Qbv: a scheduled stream crossing a bridge without ``qbv`` cannot be
scheduled there. An 802.1CB (FRER) stream is replicated where its two routes part and its
duplicates eliminated where they meet; a bridge there needs ``frer``. The scheduler, the budget
and ``validate`` read these gaps, so no layer claims what the equipment cannot do.
"""
from __future__ import annotations

import numpy as np

from tsnplan.model.compile import CompiledProblem
from tsnplan.model.network import Feature, NodeKind

__all__ = ["qbv_gaps", "frer_gaps", "split_merge"]

_BRIDGES = (NodeKind.BRIDGE, NodeKind.BRIDGE_5G)


def qbv_gaps(problem: CompiledProblem) -> dict[int, tuple[str, ...]]:
    """Scheduled stream index -> the bridges without 802.1Qbv its hop tree leaves from (sorted)."""
    net = problem.network
    src = [net.node(problem.node_names[int(n)]) for n in problem.port_src]
    lacking = np.array([n.kind in _BRIDGES and Feature.QBV not in n.features for n in src], dtype=bool)
    if not lacking.any():
        return {}
    out = {}
    for s in np.flatnonzero(problem.stream_scheduled.astype(bool)):
        ports = problem.hop_port[int(problem.hop_ptr[s]):int(problem.hop_ptr[s + 1])]
        bad = sorted({src[int(q)].id for q in ports[lacking[ports]]})
        if bad:
            out[int(s)] = tuple(bad)
    return out


def split_merge(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, str]:
    """Where two routes of one listener part (last shared node from the talker) and meet again."""
    i = 0
    while i + 1 < min(len(first), len(second)) and first[i + 1] == second[i + 1]:
        i += 1
    j = 1
    while j + 1 <= min(len(first), len(second)) and first[-j - 1] == second[-j - 1]:
        j += 1
    return first[i], first[-j]


def frer_gaps(problem: CompiledProblem) -> dict[str, tuple[str, ...]]:
    """FRER stream id -> the bridges without 802.1CB where its routes part or meet (sorted)."""
    net = problem.network
    out = {}
    for stream in problem.streams:
        if not stream.rtag:
            continue
        pairs = zip(problem.routes.paths.get(stream.id, ()), problem.routes.replicas.get(stream.id, ()))
        nodes = {n for first, second in pairs if second for n in split_merge(first, second)}
        bad = sorted(n for n in nodes if net.node(n).kind in _BRIDGES and Feature.FRER not in net.node(n).features)
        if bad:
            out[stream.id] = tuple(bad)
    return out
