"""Greedy upgrade search with local improvement, for instances too big for the exact model.

Each round reads the verifier's causes and adds, per cause, the cheapest action that addresses
it: a bridge model with the missing feature, ports or rate; the next faster rate on an
overloaded port; the best latency saving per unit of cost on a late stream's route; the cheapest
cable near a stream without a second route; a cable too slow for its load is dropped. Once verified, actions are dropped (dearest first)
while the plan stays verified. The result is verified but not proven cheapest, and says so.
"""
from __future__ import annotations

import re

__all__ = ["greedy_plan", "LOCAL_SEARCH_TRIES"]

#: Drop attempts of the local improvement (each one is a verification).
LOCAL_SEARCH_TRIES = 8
_LACKS = re.compile(r"bridge (\S+) lacks (\w+)")
_PORT = re.compile(r"port (\S+)->(\S+)")


def _pick(verdict, chosen, actions, catalogue_models, routes) -> list:
    taken = {a.id for a in chosen.values()}
    free = [a for a in actions if a.id not in taken and (a.group not in chosen or a.kind != "replace-bridge"
                                                           or a.cost > chosen[a.group].cost)]
    picks = {}

    def take(options):
        options = sorted(options, key=lambda a: (a.cost, a.id))
        if options and options[0].group not in picks:
            picks[options[0].group] = options[0]

    for kind, where, text in verdict.causes:
        if kind == "feature" and (m := _LACKS.search(text)):
            take([a for a in free if a.kind == "replace-bridge" and a.nodes[0] == m.group(1)
                  and m.group(2) in {f.value for f in catalogue_models[a.model].features}])
        elif kind == "equipment":
            take([a for a in free if a.kind == "replace-bridge" and a.nodes[0] == where.removeprefix("bridge ")])
        elif kind in ("capacity", "headroom") and (m := _PORT.search(text)):
            key = frozenset((m.group(1), m.group(2)))
            current = chosen.get(f"link {min(key)}--{max(key)}")
            take([a for a in free if a.kind == "upgrade-link" and frozenset(a.nodes) == key
                  and (current is None or a.rate_bps > current.rate_bps)])
        elif kind in ("deadline", "schedule", "n-1", "emulation") and where in routes:
            path = max(routes[where], key=len)
            on = {frozenset(e) for e in zip(path, path[1:])}
            gain = []
            for a in free:
                if a.kind == "upgrade-link" and frozenset(a.nodes) in on:
                    gain.append((a.rate_bps / 1e8, a))
                elif a.kind == "replace-bridge" and a.nodes[0] in path[1:-1]:
                    gain.append((1, a))
            if gain:
                take([max(gain, key=lambda g: (g[0] / max(1, g[1].cost), g[1].id))[1]])
        elif kind in ("redundancy", "route"):
            nodes = set(p for paths in routes.get(where, ()) for path in paths for p in path) if where in routes else set()
            near = [a for a in free if a.kind not in ("replace-bridge", "upgrade-link") and set(a.nodes) & nodes]
            take(near or [a for a in free if a.kind not in ("replace-bridge", "upgrade-link")])
    if not picks:
        # Nothing aimed at a cause is left: the cheapest action at a node the causes name, or on
        # the route of a stream they name.
        named = set()
        for _, where, text in verdict.causes:
            named.update(re.findall(r"[\w.]+(?:-[\w.]+)*", text))
            for paths in [routes.get(where, ())]:
                named.update(n for path in paths for n in path)
        take([a for a in free if set(a.nodes) & named and a.group not in chosen])
    return list(picks.values())


def _routes(verifier, chosen) -> dict:
    from tsnplan.model.routing import route_streams
    from tsnplan.plan.actions import apply_actions, network_of
    from tsnplan.io.streams_file import streams_from_doc

    base_doc, streams_doc, streams_file, catalogue = verifier.args
    network = network_of(apply_actions(base_doc, list(chosen.values()), catalogue), "to-be network")
    streams, problems = streams_from_doc(streams_doc, streams_file, network)
    return {} if problems else route_streams(network, list(streams)).paths


def greedy_plan(actions, diagnosis, verifier, budget, settings, result, progress) -> None:
    from tsnplan.plan.planner import Plan

    catalogue = verifier.args[3]
    chosen: dict = {}
    verdict = diagnosis
    try:
        while not verdict.ok and result.rounds < settings.max_rounds:
            picks = _pick(verdict, chosen, actions, catalogue.models, _routes(verifier, chosen))
            if not picks:
                # Stuck on a cable that cannot be made faster: drop the cables the causes name.
                named = " ".join(verdict.reasons)
                drop = [g for g, a in chosen.items() if a.kind not in ("replace-bridge", "upgrade-link")
                        and (f"{a.nodes[0]}->{a.nodes[1]}" in named or f"{a.nodes[1]}->{a.nodes[0]}" in named)]
                if not drop:
                    break
                for g in drop:
                    del chosen[g]
            for a in picks:
                chosen[a.group] = a
            verdict = verifier([tuple(sorted(chosen.values(), key=lambda a: a.id))])[0]
            result.rounds += 1
            if progress:
                progress("greedy", result.rounds, None)
        if not verdict.ok:
            result.rejected.append(verdict)
            return
        result.verified += 1
        for a in sorted(chosen.values(), key=lambda a: (-a.cost, a.id))[:LOCAL_SEARCH_TRIES]:
            trial = tuple(sorted((b for b in chosen.values() if b.id != a.id), key=lambda b: b.id))
            again = verifier([trial])[0]
            result.rounds += 1
            if again.ok:
                del chosen[a.group]
                verdict = again
                result.verified += 1
    except KeyboardInterrupt:
        result.notes.append("interrupted: the best plan verified so far")
        if not verdict.ok:
            raise
    plan = Plan(tuple(sorted(chosen.values(), key=lambda a: a.id)), verdict)
    if budget is not None and plan.cost > budget:
        result.notes.append(f"the greedy plan costs {plan.cost}, above the budget {budget}")
        return
    result.plans.append(plan)
