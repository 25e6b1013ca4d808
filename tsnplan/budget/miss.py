"""Per-frame miss probability of streams over stochastic (5G) hops, and what a miss costs.

A 5G delay above the planning quantile plus the slack of the window after it makes the frame
late for that window. With an 802.1Qci stream gate (tsnplan/schedule/psfp.py) the gate drops it:
the miss costs one frame. Without a schedule the bound simply does not hold for that frame. A
schedule that has windows after a 5G hop but no stream gate lets the late frame take the next
window, which delays every later frame of its queue: that is reported as a warning.
"""
from __future__ import annotations

import numpy as np

from tsnplan.budget.fiveg import profile_cdf
from tsnplan.budget.hops import listener_paths
from tsnplan.model.compile import NO_HOP, NO_PROFILE, CompiledProblem, fiveg_hop_profiles

__all__ = ["miss_probabilities", "profile_support", "DROPPED", "LATE", "CASCADE"]

DROPPED = "dropped by its 802.1Qci stream gate: one frame lost"
LATE = "late: the frame exceeds the percentile bound"
CASCADE = "late for its window with no stream gate: it takes the next window and delays every later frame of its queue"


def miss_probabilities(problem: CompiledProblem, schedule, percentile: float,
                       stochastic: np.ndarray) -> tuple[np.ndarray, tuple[str, ...], list[str]]:
    """(per-listener miss probability per frame, its consequence, warnings) for listeners with
    ``stochastic`` paths; 0 and "" elsewhere. With stream gates the probability is, per frame,
    the union over the route's gated 5G hops of P(delay > quantile + the gate's slack), the
    worst frame and instance counted."""
    p = problem
    n = len(p.listener_node)
    prob = np.zeros(n, dtype=np.float64)
    consequence = [""] * n
    warnings: list[str] = []
    gates = getattr(schedule, "stream_gates", None) if schedule is not None else None
    hop_miss = _gate_miss(p, schedule, gates, percentile) if gates is not None and len(gates) else {}
    cascading = []
    stream_of_listener = np.repeat(np.arange(p.n_streams), np.diff(p.listener_ptr))
    for l in np.flatnonzero(stochastic):
        s = int(stream_of_listener[l])
        path = listener_paths(p, int(l))[0]
        fiveg = [h for h in path if p.hop_profile[h] != NO_PROFILE]
        scheduled = schedule is not None and schedule.window_ptr[s + 1] > schedule.window_ptr[s]
        if scheduled and fiveg and all(h in hop_miss for h in fiveg):
            prob[l] = min(1.0, _union_worst([hop_miss[h] for h in fiveg]))
            consequence[l] = DROPPED
        elif scheduled:
            prob[l] = (100.0 - percentile) / 100.0
            consequence[l] = CASCADE
            cascading.append(p.stream_ids[s])
        else:
            prob[l] = (100.0 - percentile) / 100.0
            consequence[l] = LATE
    if cascading:
        names = sorted(set(cascading))
        warnings.append(f"{len(names)} scheduled streams cross a 5G hop without an 802.1Qci stream gate in the "
                        f"schedule (written before tsnplan had them): one late frame delays every later one "
                        f"({', '.join(names[:5])}); schedule again to add the gates")
    return prob, tuple(consequence), warnings


def _union_worst(per_hop: list[dict]) -> float:
    """Worst (frame, instance) of the sum over hops of the miss probability."""
    keys = set().union(*per_hop)
    return max(sum(m.get(k, 0.0) for m in per_hop) for k in keys)


def _gate_miss(p: CompiledProblem, schedule, gates, percentile: float) -> dict[int, dict]:
    """hop -> {(frame, instance): P(5G delay > the plan's quantile + slack of the gate)}."""
    out: dict[int, dict] = {}
    starts = {}
    for s in np.unique(gates.stream):
        sl = schedule.stream_windows(int(s))
        for h, f, k, end in zip(schedule.window_hop[sl].tolist(), schedule.window_frame[sl].tolist(),
                                schedule.window_instance[sl].tolist(), schedule.window_end_ns[sl].tolist()):
            starts[(h, f, k)] = end
    for i in range(len(gates)):
        h, f, k = int(gates.hop[i]), int(gates.frame[i]), int(gates.instance[i])
        parent = int(p.hop_parent[h])
        if parent == NO_HOP or (parent, f, k) not in starts:
            continue
        nominal = starts[(parent, f, k)] + int(p.hop_prop_ns[parent]) + int(p.hop_proc_ns[h])
        slack = max(0, int(gates.close_ns[i]) - nominal)
        profile = p.profiles[int(p.hop_profile[h])]
        miss = 1.0 - profile_cdf(profile, profile.quantile_ns(p.percentile) + slack)
        out.setdefault(h, {})[(f, k)] = max(0.0, miss)
    return out


def profile_support(problem: CompiledProblem, percentile: float) -> list:
    """``Support`` of every 5G delay profile a stream crosses, at ``percentile`` (sorted by name)."""
    p = problem
    seen = {}
    for h in np.flatnonzero(p.hop_profile != NO_PROFILE):
        port = int(p.hop_port[h])
        node = p.node_names[p.port_src[port]]
        parent_port = int(p.hop_port[p.hop_parent[h]])
        for part in fiveg_hop_profiles(p.network, node, p.port_names[parent_port], p.port_names[port]):
            seen.setdefault(part.name, part)
    return [seen[name].support(percentile) for name in sorted(seen)]
