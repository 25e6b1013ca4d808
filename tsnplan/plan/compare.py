"""Two networks side by side: what differs in nodes, links, media, rates and features, and what
that does to given streams' worst latency and slack (each network scheduled and budgeted)."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NetworkDiff", "compare_networks"]

_NODE_FIELDS = ("kind", "processing_ns", "queues", "features", "gcl_max_entries", "cut_through", "profile")
_LINK_FIELDS = ("medium", "rate_bps", "length_m")


@dataclass(frozen=True)
class NetworkDiff:
    names: tuple[str, str]
    nodes_added: tuple[str, ...]
    nodes_removed: tuple[str, ...]
    nodes_changed: dict[str, dict[str, tuple]]      # node -> field -> (a, b)
    links_added: tuple[str, ...]
    links_removed: tuple[str, ...]
    links_changed: dict[str, dict[str, tuple]]
    streams: dict[str, dict]                        # stream -> latency/slack in a and b (ns, None: not carried)


def _value(v):
    return sorted(f.value for f in v) if isinstance(v, frozenset) else (v.value if hasattr(v, "value") else v)


def _changes(a, b, fields) -> dict[str, tuple]:
    return {f: (_value(getattr(a, f)), _value(getattr(b, f))) for f in fields
            if _value(getattr(a, f)) != _value(getattr(b, f))}


def _figures(plant) -> dict[str, tuple[int | None, int | None]]:
    from tsnplan.budget import compute_budget
    from tsnplan.schedule import schedule

    problem = plant.compile()
    result = schedule(problem)
    problem = result.extra.get("problem", problem)
    budget = compute_budget(problem, result)
    slack = budget.listener_slack_ns()
    out = {}
    for s, sid in enumerate(problem.stream_ids):
        ls = range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1]))
        lat = [int(budget.listener_latency_ns[l]) for l in ls]
        out[sid] = (None, None) if not lat or min(lat) < 0 else (max(lat), min(int(slack[l]) for l in ls))
    return out


def _link_name(key) -> str:
    return "--".join(sorted(key))


def compare_networks(a, b, plant_a=None, plant_b=None) -> NetworkDiff:
    """Differences from network ``a`` to ``b``; with plants, per-stream latency and slack too."""
    ids_a, ids_b = set(a.node_ids), set(b.node_ids)
    links_a = {frozenset((l.a, l.b)): l for l in a.links}
    links_b = {frozenset((l.a, l.b)): l for l in b.links}
    streams = {}
    if plant_a is not None and plant_b is not None:
        fa, fb = _figures(plant_a), _figures(plant_b)
        for sid in sorted(set(fa) | set(fb)):
            (la, sa), (lb, sb) = fa.get(sid, (None, None)), fb.get(sid, (None, None))
            streams[sid] = {"latency_a_ns": la, "latency_b_ns": lb, "slack_a_ns": sa, "slack_b_ns": sb}
    return NetworkDiff(
        (a.name, b.name), tuple(sorted(ids_b - ids_a)), tuple(sorted(ids_a - ids_b)),
        {n: c for n in sorted(ids_a & ids_b) if (c := _changes(a.node(n), b.node(n), _NODE_FIELDS))},
        tuple(sorted(_link_name(k) for k in set(links_b) - set(links_a))),
        tuple(sorted(_link_name(k) for k in set(links_a) - set(links_b))),
        {_link_name(k): c for k in sorted(set(links_a) & set(links_b), key=_link_name)
         if (c := _changes(links_a[k], links_b[k], _LINK_FIELDS))},
        streams)
