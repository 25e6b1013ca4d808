"""The exact upgrade model: the cheapest set of actions under which every stream has a route.

A MILP (pulp + HiGHS): one binary per action; per stream and listener one binary per candidate
route (or route pair for redundant streams) on the fully upgraded graph. A chosen route needs
its cables, 802.1Qbv on the bridges it crosses for scheduled streams and 802.1CB where FRER
routes split and merge; its unloaded latency (transmission at the upgraded rates, the bridges'
processing, propagation) must fit the deadline; every port keeps its load below the headroom at
its upgraded rate; a bridge has ports for its new cables and supports its links' rates. Actions
of one group exclude each other, the total stays within the budget.

Every condition is necessary for a verified plan (the latency is a lower bound of the pipeline's
worst case), so the model relaxes the pipeline: the first verified solution in cost order is
optimal when route enumeration was complete. ``add_cut`` excludes one action set exactly.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tsnplan.model.media.ethernet import tx_time_ns
from tsnplan.model.network import Network
from tsnplan.plan.actions import Action
from tsnplan.plan.catalogue import Catalogue
from tsnplan.plan.hardware import Equipment, feature_needs
from tsnplan.plan.routes import RouteChoice

__all__ = ["Demand", "UpgradeModel", "index_actions", "path_latency", "best_latency"]


@dataclass(frozen=True, slots=True)
class Demand:
    """What the model needs of one stream: its routes per listener and its traffic."""

    stream: object                     # model.streams.Stream
    choices: tuple[tuple[RouteChoice, ...], ...]
    frame_wire_bytes: tuple[int, ...]
    bits_per_s: float
    by_variant: tuple[tuple[int | None, ...], ...] | None = None   # per listener: choice index per variant


def index_actions(actions):
    """(bridge -> replacements, link ends -> rate upgrades, link ends -> cable)."""
    replace, upgrade, cables = defaultdict(list), defaultdict(list), {}
    for a in actions:
        if a.kind == "replace-bridge":
            replace[a.nodes[0]].append(a)
        elif a.kind == "upgrade-link":
            upgrade[frozenset(a.nodes)].append(a)
        else:
            cables[frozenset(a.nodes)] = a
    return replace, upgrade, cables


def path_latency(path, frames, base, full, catalogue, gear, replace, upgrade, cables) -> tuple[int, dict]:
    """Unloaded latency of a path in the base network and what each action takes off it.

    Store and forward: all frames of a period cross the first hop, the last frame every later
    hop (none into a cut-through bridge); plus propagation, PHY and the bridges' processing.
    Actions of one group exclude each other, so the sum over chosen actions is exact.
    """
    fixed, savings = 0, defaultdict(int)
    for i, (u, v) in enumerate(zip(path, path[1:])):
        key = frozenset((u, v))
        link = full.link(u, v) if full.has_link(u, v) else base.link(u, v)
        rate0 = base.link(u, v).rate_bps if base.has_link(u, v) else link.rate_bps
        own = frames[-1] if i else sum(frames)
        tx0 = 0 if full.node(v).cut_through and v in gear else tx_time_ns(own, rate0)
        fixed += tx0 + link.propagation_ns + link.phy_ns
        if tx0:
            same_ends = [cables[key]] if key in cables and base.has_link(u, v) else []
            for a in list(upgrade.get(key, ())) + same_ends:
                savings[a.id] += tx0 - tx_time_ns(own, a.rate_bps)
        if i:
            fixed += full.node(u).processing_ns
            for r in replace.get(u, ()):
                savings[r.id] += full.node(u).processing_ns - catalogue.models[r.model].processing_ns
    return fixed, savings


def best_latency(fixed: int, savings: dict, groups: dict[str, str]) -> int:
    """The lowest latency the actions can reach: the best action of each group."""
    best: dict[str, int] = {}
    for a, s in savings.items():
        best[groups[a]] = max(best.get(groups[a], 0), s)
    return fixed - sum(best.values())


class UpgradeModel:
    """Built once; ``solve()`` returns the cheapest action ids not yet cut, or None."""

    def __init__(self, base: Network, full: Network, catalogue: Catalogue, actions: list[Action],
                 demands: list[Demand], gear: dict[str, Equipment], budget: int | None,
                 objective: str = "cost", max_utilisation: float = 1.0, variants=None):
        import pulp

        from tsnplan.schedule.milp import variable

        self.actions = actions
        self.model = m = pulp.LpProblem("tsnplan_plan", pulp.LpMinimize)
        self.x = {a.id: variable(m, f"x{i}", cat="Binary") for i, a in enumerate(actions)}
        by_group = defaultdict(list)
        for a in actions:
            by_group[a.group].append(a)
        for group in by_group.values():
            if len(group) > 1:
                m += pulp.lpSum(self.x[a.id] for a in group) <= 1
        cost = pulp.lpSum(a.cost * self.x[a.id] for a in actions)
        downtime = pulp.lpSum(a.downtime_s * self.x[a.id] for a in actions)
        if objective == "downtime":
            m += downtime * (1 + sum(a.cost for a in actions)) + cost
        else:
            m += cost * (1 + sum(a.downtime_s for a in actions)) + downtime
        if budget is not None:
            m += cost <= budget
        replace, upgrade, cables = index_actions(actions)
        groups = {a.id: a.group for a in actions}
        self.catalogue, self.replace, self.cables, self.variants, self.full = catalogue, replace, cables, variants, full
        self._feature_constraints(m, catalogue, gear, replace, cables, upgrade, base)
        w = None
        if variants is not None:
            # Routing as the pipeline does it: one binary per set of cables built, routes fixed by it.
            w = [variable(m, f"w{k}", cat="Binary") for k in range(len(variants))]
        self.w = w
        if w is not None:
            m += pulp.lpSum(w) == 1
            for k, built in enumerate(variants):
                if built is None:           # holds a cable on no route: the same routes as without it, dearer
                    m += w[k] == 0
            for c in cables.values():
                m += self.x[c.id] == pulp.lpSum(w[k] for k, built in enumerate(variants) if built and c.id in built)
        port_load = defaultdict(list)        # (u, v) -> [(bits, z)]
        for d, demand in enumerate(demands):
            stream = demand.stream
            z_port: dict[tuple[str, str], object] = {}
            for l, choices in enumerate(demand.choices):
                ys = []
                if w is not None:
                    for k, r in enumerate(demand.by_variant[l]):
                        if r is None:
                            m += w[k] == 0      # the pipeline's routing leaves this listener without its routes
                for r, choice in enumerate(choices):
                    if w is None:
                        y = variable(m, f"y{d}_{l}_{r}", cat="Binary")
                    else:
                        y = pulp.lpSum(w[k] for k, i in enumerate(demand.by_variant[l]) if i == r)
                    ys.append(y)
                    self._route_constraints(m, y, stream, choice, demand, base, full, catalogue, gear,
                                            replace, upgrade, cables, groups)
                    for path in choice.paths:
                        for u, v in zip(path, path[1:]):
                            z = z_port.get((u, v))
                            if z is None:
                                z = z_port[(u, v)] = variable(m, f"z{d}_{len(z_port)}", lowBound=0, upBound=1)
                                port_load[(u, v)].append((demand.bits_per_s, z))
                            m += z >= y
                if w is None:
                    m += pulp.lpSum(ys) == 1        # no choices: the model is infeasible, as it must be
        for (u, v), loads in port_load.items():
            key = frozenset((u, v))
            if base.has_link(u, v):
                rate0 = base.link(u, v).rate_bps
                options = upgrade[key] + ([cables[key]] if key in cables else [])
                capacity = rate0 + pulp.lpSum((a.rate_bps - rate0) * self.x[a.id] for a in options)
            else:
                capacity = full.link(u, v).rate_bps * self.x[cables[key].id]
            m += pulp.lpSum(bits * z for bits, z in loads) <= max_utilisation * capacity
        self.cost_expr = cost

    def _feature_constraints(self, m, catalogue, gear, replace, cables, upgrade, base) -> None:
        """Ports for the new cables and rates on every bridge."""
        import pulp

        at = defaultdict(list)
        for key, a in cables.items():
            for n in a.nodes:
                at[n].append(a)
        for bridge, new in at.items():
            kit = gear.get(bridge)
            if kit is None:
                continue
            retired = [a for a in new if self._retires(a, catalogue, bridge)]
            used = len(base.neighbours(bridge))
            free = kit.ports - used
            m += (pulp.lpSum(self.x[a.id] for a in new) - pulp.lpSum(self.x[a.id] for a in retired)
                  <= free + pulp.lpSum((catalogue.models[r.model].ports - kit.ports) * self.x[r.id]
                                       for r in replace[bridge]))
        for key, options in list(upgrade.items()) + [(k, [a]) for k, a in cables.items()]:
            for a in options:
                for n in a.nodes:
                    kit = gear.get(n)
                    if kit is None or a.rate_bps <= kit.max_rate_bps:
                        continue
                    able = [r for r in replace[n] if catalogue.models[r.model].rates_bps[-1] >= a.rate_bps]
                    m += self.x[a.id] <= pulp.lpSum(self.x[r.id] for r in able)

    @staticmethod
    def _retires(action: Action, catalogue: Catalogue, bridge: str) -> bool:
        cable = next(c for c in catalogue.cables if (c.a, c.b) == action.nodes)
        return cable.replaces is not None and bridge in cable.replaces

    def _route_constraints(self, m, y, stream, choice, demand, base, full, catalogue, gear, replace, upgrade,
                           cables, groups) -> None:
        import pulp

        x = self.x
        retired = {frozenset(c.replaces): a for a in (cables.values()) for c in catalogue.cables
                   if (c.a, c.b) == a.nodes and c.replaces is not None and set(c.replaces) != set(a.nodes)}
        firsts = [choice.paths[0]]
        seconds = [choice.paths[1]] if len(choice.paths) > 1 else None
        for node, feature in feature_needs(stream, firsts, seconds):
            kit = gear.get(node)
            if kit is None or feature in kit.features:
                continue
            able = [r for r in replace[node] if feature in catalogue.models[r.model].features]
            m += y <= pulp.lpSum(x[r.id] for r in able)
        for path in choice.paths:
            for key in zip(path, path[1:]):
                key = frozenset(key)
                if key in retired:
                    m += y <= 1 - x[retired[key].id]
                if key in cables and not base.has_link(*key):
                    m += y <= x[cables[key].id]
            fixed, savings = path_latency(path, demand.frame_wire_bytes, base, full, catalogue, gear, replace,
                                          upgrade, cables)
            deadline = stream.deadline_ns
            if best_latency(fixed, savings, groups) > deadline:
                m += y == 0
            elif fixed > deadline:
                big = fixed - deadline + sum(-s for s in savings.values() if s < 0)
                m += fixed - pulp.lpSum(s * x[a] for a, s in savings.items()) <= deadline + big * (1 - y)

    def add_cut(self, ids: frozenset[str]) -> None:
        """Exclude exactly this action set."""
        import pulp

        self.model += (pulp.lpSum(1 - self.x[i] for i in ids)
                       + pulp.lpSum(v for k, v in self.x.items() if k not in ids) >= 1)

    def add_gcl_cut(self, bridge: str, peer: str, entries: int, ids: frozenset[str]) -> bool:
        """Learned from a refused plan: with the same cables built (hence the same routes and the
        same windows on the bridge's port), ``bridge`` needs a model whose gate control list holds
        more than ``entries``; whatever the cables when the port leads to a single-homed end station
        (every route to it crosses the port). False when no catalogue model has a longer list."""
        import pulp

        able = [r for r in self.replace.get(bridge, ()) if self.catalogue.models[r.model].gcl_max_entries > entries]
        if not able:
            return False
        built = frozenset(i for i in ids if any(c.id == i for c in self.cables.values()))
        far = self.full.node(peer) if self.full.has_node(peer) else None
        stub = far is not None and far.kind.value == "end-station" and len(self.full.neighbours(peer)) == 1
        if self.w is not None and not stub:
            k = next(k for k, v in enumerate(self.variants) if v == built)
            self.model += pulp.lpSum(self.x[r.id] for r in able) >= self.w[k]
        else:
            self.model += pulp.lpSum(self.x[r.id] for r in able) >= 1
        return True

    def solve(self, time_limit_s: float | None = None) -> tuple[str, frozenset[str] | None]:
        """("optimal" | "infeasible" | "limit", chosen action ids)."""
        import pulp

        from tsnplan.schedule.milp import quiet_stdout, solver

        with quiet_stdout():
            code = self.model.solve(solver(time_limit_s))
        state = pulp.LpStatus[code]
        if state == "Infeasible":
            return "infeasible", None
        values = [v.varValue for v in self.x.values()]
        if state != "Optimal" or any(v is None for v in values):
            return ("limit", None) if state != "Optimal" else ("infeasible", None)
        return "optimal", frozenset(k for k, v in self.x.items() if v.varValue > 0.5)
