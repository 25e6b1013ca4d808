"""Why no plan exists: the requirement that no catalogue entry can meet, in the user's terms.

Checked per stream on the fully upgraded graph with every action at its best: no route (or no
second disjoint route), a deadline no reachable route can make ("250 us deadline needs at most
3 hops at 1 Gb/s; the best reachable route has 5"), a feature no catalogue model offers on the
way. Otherwise the budget or the joint capacity is what fails, or every candidate set the model
proposed was refused by the verification (the last reasons are named).
"""
from __future__ import annotations

from tsnplan.model.media.ethernet import tx_time_ns
from tsnplan.plan.hardware import feature_needs
from tsnplan.plan.solve import best_latency, index_actions, path_latency
from tsnplan.units import format_rate_bps, format_time_ns

__all__ = ["unmet_requirements", "cause_summary"]


def cause_summary(verdict) -> dict[str, int]:
    """Number of causes per kind (deadline, feature, capacity, redundancy, ...)."""
    counts: dict[str, int] = {}
    for kind, _, _ in verdict.causes:
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def _hop_budget(path, frames, full, gear, catalogue, replace, upgrade) -> tuple[int, int]:
    """(fastest rate reachable on the path, best per-hop latency at that rate)."""
    rates = []
    for u, v in zip(path, path[1:]):
        options = [full.link(u, v).rate_bps] + [a.rate_bps for a in upgrade.get(frozenset((u, v)), ())]
        rates.append(max(options))
    rate = min(rates)
    procs = [min([full.node(n).processing_ns] + [catalogue.models[r.model].processing_ns for r in replace.get(n, ())])
             for n in path[1:-1]]
    return rate, tx_time_ns(frames[-1], rate) + (min(procs) if procs else 0)


def _stream_requirement(demand, full, catalogue, gear, replace, upgrade, cables, groups, base) -> str | None:
    stream = demand.stream
    from tsnplan.model.disjoint import disjoint_pair

    for l, choices in enumerate(demand.choices):
        listener = stream.listeners[l]
        if not choices:
            if stream.redundancy.value in ("frer", "protect"):
                pair = disjoint_pair(full, stream.talker, listener)
                where = pair.single_point or "no route"
                return (f"stream {stream.id}: needs two disjoint routes to {listener}; even with every catalogue "
                        f"cable all routes cross {where}")
            return f"stream {stream.id}: no route to {listener}, even with every catalogue cable"
        best = None
        missing = None
        for choice in choices:
            needs = feature_needs(stream, [choice.paths[0]], [choice.paths[1]] if len(choice.paths) > 1 else None)
            lacking = [(n, f) for n, f in needs if n in gear and f not in gear[n].features
                       and not any(f in catalogue.models[r.model].features for r in replace.get(n, ()))]
            if lacking:
                missing = missing or lacking[0]
                continue
            worst = max(best_latency(*path_latency(p, demand.frame_wire_bytes, base, full, catalogue, gear, replace,
                                                   upgrade, cables), groups) for p in choice.paths)
            if best is None or worst < best[0]:
                best = (worst, choice)
        if best is None and missing is not None:
            node, feature = missing
            return (f"stream {stream.id}: every route crosses bridge {node}, which lacks {feature.value}, and no "
                    f"catalogue model replaces it with {feature.value}")
        if best is not None and best[0] > stream.deadline_ns:
            path = max(best[1].paths, key=len)
            rate, per_hop = _hop_budget(path, demand.frame_wire_bytes, full, gear, catalogue, replace, upgrade)
            hops = len(path) - 1
            allowed = max(0, stream.deadline_ns // max(1, per_hop))
            return (f"stream {stream.id}: {format_time_ns(stream.deadline_ns)} deadline needs at most {allowed} hops "
                    f"at {format_rate_bps(rate)}b/s; the best reachable route has {hops} "
                    f"(at best {format_time_ns(best[0])} unloaded)")
    return None


def unmet_requirements(base, full, catalogue, actions, demands, gear, diagnosis, budget, result,
                       limited: bool = False) -> list[str]:
    """What no plan meets; ``limited``: the search stopped at its round limit, not at an
    infeasible model."""
    replace, upgrade, cables = index_actions(actions)
    groups = {a.id: a.group for a in actions}
    found = []
    for demand in demands:
        text = _stream_requirement(demand, full, catalogue, gear, replace, upgrade, cables, groups, base)
        if text:
            found.append(text)
    if found:
        return found
    if result.rejected:
        last = result.rejected[-1]
        head = (f"no verified plan within {result.rounds} rounds (--max-rounds)" if limited else
                "the catalogue is exhausted")
        return [f"{head}: {len(result.rejected)} candidate upgrade(s) failed verification; "
                f"the last one because: " + "; ".join(last.reasons[:3])]
    if budget is not None:
        from tsnplan.plan.solve import UpgradeModel
        free = UpgradeModel(base, full, catalogue, actions, demands, gear, None, "cost", catalogue.max_utilisation)
        _, ids = free.solve(60.0)
        if ids is not None:
            cost = sum(a.cost for a in actions if a.id in ids)
            return [f"budget {budget} {catalogue.currency} is below the cheapest candidate upgrade "
                    f"({cost} {catalogue.currency})"]
    return ["no combination of catalogue actions carries every stream within the port rates and the "
            f"{catalogue.max_utilisation:.0%} utilisation headroom"]
