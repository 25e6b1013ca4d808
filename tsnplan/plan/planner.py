"""The upgrade planner: diagnose, build candidates, solve, verify, cut, repeat.

Each round asks the exact model for its next cheapest action sets (one per worker, each cut at
once so the next differs), verifies them with the pipeline on an executor and keeps the first
verified one in cost order; a failed set stays cut. The search ends when the best plan and the
requested alternatives are verified, the model is infeasible (the catalogue is exhausted), or
``max_rounds`` is reached. Instances above ``EXACT_MAX_ROUTE_VARS`` go to the greedy heuristic.
"""
from __future__ import annotations

import re
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Callable

from tsnplan.model.media.ethernet import wire_bytes
from tsnplan.model.network import Network
from tsnplan.plan.actions import Action, apply_actions, base_document, catalogue_actions, network_of
from tsnplan.plan.catalogue import Catalogue
from tsnplan.plan.hardware import equipment
from tsnplan.plan.verify import Verdict, evaluate, verify_actions

__all__ = ["PlanSettings", "Plan", "PlanResult", "plan_upgrade", "EXACT_MAX_ROUTE_VARS"]

#: Up to this many candidate cables the exact model routes as the pipeline does (one variant per
#: subset of cables built); above it, routes are free among the candidates (a relaxation).
MAX_VARIANT_CABLES = 6
#: Rounds spent looking for alternatives once the best plan is verified.
ALTERNATIVE_ROUNDS = 20
#: Above this many route variables the exact model is not tried (the heuristic runs instead).
EXACT_MAX_ROUTE_VARS = 200_000

Progress = Callable[[str, int, int | None], None]     # (phase, verified so far, best cost or None)


@dataclass(frozen=True)
class PlanSettings:
    budget: int | None = None
    objective: str = "cost"
    alternatives: int = 0
    max_rounds: int = 200
    batch: int = 1
    route_limit: int = 12
    solve_time_limit_s: float | None = 120.0
    heal: bool = True
    method: str = "auto"           # auto | exact | heuristic


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    verdict: Verdict

    @property
    def cost(self) -> int:
        return sum(a.cost for a in self.actions)

    @property
    def downtime_s(self) -> int:
        return sum(a.downtime_s for a in self.actions)

    def breakdown(self) -> dict[str, int]:
        return {part: sum(getattr(a, part) for a in self.actions)
                for part in ("equipment", "cable", "labour", "downtime_cost")}


@dataclass
class PlanResult:
    status: str                            # verified | no-plan | interrupted
    method: str                            # exact | heuristic | none (the as-is plant already meets the demand)
    exact: bool                            # the best plan is proven cheapest
    diagnosis: Verdict
    plans: list[Plan] = field(default_factory=list)
    candidates: int = 0
    rounds: int = 0
    verified: int = 0
    rejected: list[Verdict] = field(default_factory=list)
    impossible: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    base_doc: dict = field(default_factory=dict)

    @property
    def best(self) -> Plan | None:
        return self.plans[0] if self.plans else None


def _demands(full: Network, streams, route_limit: int):
    from tsnplan.plan.routes import candidate_routes
    from tsnplan.plan.solve import Demand

    demands, complete = [], True
    for stream in streams:
        choices, whole = candidate_routes(full, stream, route_limit)
        complete &= whole
        frames = tuple(wire_bytes(p, rtag=stream.rtag) for p in stream.frame_payloads())
        demands.append(Demand(stream, tuple(tuple(c) for c in choices), frames,
                              sum(frames) * 8 * 1e9 / stream.period_ns))
    return demands, complete


def _variant_demands(base_doc, catalogue, cables, streams):
    """Demands whose route choices are the pipeline's routes in every cable variant."""
    from itertools import combinations

    from tsnplan.model.routing import route_streams
    from tsnplan.plan.routes import RouteChoice
    from tsnplan.plan.solve import Demand

    variants = [combo for k in range(len(cables) + 1) for combo in combinations(cables, k)]
    routed = [route_streams(network_of(apply_actions(base_doc, combo, catalogue), "variant"), list(streams))
              for combo in variants]
    demands = []
    for stream in streams:
        choices, by_variant = [], []
        for l in range(len(stream.listeners)):
            index: dict = {}
            picks = []
            for routes in routed:
                choice = None
                if stream.id in routes.paths:
                    path = routes.paths[stream.id][l]
                    second = routes.replicas.get(stream.id)
                    if stream.redundancy.value in ("frer", "protect"):
                        choice = RouteChoice((path, second[l])) if second and second[l] else None
                    else:
                        choice = RouteChoice((path,))
                if choice is not None and choice not in index:
                    index[choice] = len(index)
                picks.append(None if choice is None else index[choice])
            choices.append(tuple(index))
            by_variant.append(tuple(picks))
        frames = tuple(wire_bytes(p, rtag=stream.rtag) for p in stream.frame_payloads())
        demands.append(Demand(stream, tuple(choices), frames, sum(frames) * 8 * 1e9 / stream.period_ns,
                              tuple(by_variant)))
    return [frozenset(a.id for a in combo) for combo in variants], demands


def _useful(actions: list[Action], demands) -> list[Action]:
    """Actions on some candidate route (others cannot change any stream's verdict)."""
    nodes, links = set(), set()
    for d in demands:
        for choices in d.choices:
            for choice in choices:
                for path in choice.paths:
                    nodes.update(path)
                    links.update(frozenset(e) for e in zip(path, path[1:]))
    return [a for a in actions if (a.nodes[0] in nodes if a.kind == "replace-bridge" else frozenset(a.nodes) in links)]


def plan_upgrade(as_is_doc, streams_doc, streams_file: str, catalogue: Catalogue,
                 settings: PlanSettings = PlanSettings(), executor: Executor | None = None,
                 progress: Progress | None = None) -> PlanResult:
    """The cheapest verified upgrade (and alternatives) of the as-is network for the streams."""
    from tsnplan.io.streams_file import streams_from_doc

    t0 = time.perf_counter()
    base_doc = base_document(as_is_doc, catalogue)
    base = network_of(base_doc, catalogue.source + " (as-is network with additions)")
    gear0 = equipment(base, catalogue)
    if progress:
        progress("diagnose", 0, None)
    diagnosis = evaluate(base_doc, streams_doc, streams_file, catalogue, gear0, heal=settings.heal)
    result = PlanResult("no-plan", "none", True, diagnosis, base_doc=base_doc)
    result.seconds["diagnose"] = time.perf_counter() - t0
    budget = settings.budget if settings.budget is not None else catalogue.budget
    if diagnosis.ok:
        result.status = "verified"
        result.plans.append(Plan((), diagnosis))
        result.notes.append("the as-is plant already meets the demand: nothing to buy")
        return result
    t1 = time.perf_counter()
    actions = catalogue_actions(catalogue, base)
    cables = [a for a in actions if a.kind not in ("replace-bridge", "upgrade-link")]
    full = network_of(apply_actions(base_doc, cables, catalogue, union=True), "fully upgraded network")
    streams, problems = streams_from_doc(streams_doc, streams_file, full)
    if problems:
        from tsnplan.errors import InputError
        raise InputError(problems)
    variants = None
    if len(cables) <= MAX_VARIANT_CABLES:
        variants, demands = _variant_demands(base_doc, catalogue, cables, streams)
        complete = True
    else:
        demands, complete = _demands(full, streams, settings.route_limit)
    actions = _useful(actions, demands)
    if variants is not None:
        kept = {a.id for a in actions}
        variants = [v if v <= kept else None for v in variants]
    result.candidates = len(actions)
    n_route_vars = sum(len(c) for d in demands for c in d.choices)
    if not complete:
        result.notes.append(f"more than {settings.route_limit} routes exist for some streams: the exact model "
                            "saw the shortest ones only")
    by_id = {a.id: a for a in actions}
    use_exact = settings.method == "exact" or (settings.method == "auto" and n_route_vars <= EXACT_MAX_ROUTE_VARS)
    verifier = _Verifier(base_doc, streams_doc, streams_file, catalogue, settings.heal, executor)
    if use_exact:
        from tsnplan.plan.solve import UpgradeModel

        model = UpgradeModel(base, full, catalogue, actions, demands, gear0, budget, settings.objective,
                             catalogue.max_utilisation, variants)
        result.method, result.exact = "exact", complete
        result.seconds["build"] = time.perf_counter() - t1
        _exact_loop(model, by_id, verifier, settings, result, progress)
    else:
        from tsnplan.plan.heuristic import greedy_plan

        result.method, result.exact = "heuristic", False
        why = ("asked for" if settings.method == "heuristic" else
               f"{n_route_vars} route variables exceed the exact model's limit of {EXACT_MAX_ROUTE_VARS}")
        result.notes.append(f"heuristic search ({why}): greedy with local improvement, not proven cheapest")
        greedy_plan(actions, diagnosis, verifier, budget, settings, result, progress)
    result.seconds["verify"] = verifier.seconds
    result.seconds["solve"] = time.perf_counter() - t1 - verifier.seconds - result.seconds.get("build", 0.0)
    if result.plans:
        result.status = "verified"
    else:
        from tsnplan.plan.diagnose import unmet_requirements

        limited = result.rounds >= settings.max_rounds
        result.impossible = unmet_requirements(base, full, catalogue, actions, demands, gear0, diagnosis, budget,
                                               result, limited)
    return result


class _Verifier:
    """Verifies action sets with the pipeline, serially or on an executor, in submission order."""

    def __init__(self, base_doc, streams_doc, streams_file, catalogue, heal, executor):
        self.args = (base_doc, streams_doc, streams_file, catalogue)
        self.heal, self.executor, self.seconds = heal, executor, 0.0

    def __call__(self, sets: list[tuple[Action, ...]]) -> list[Verdict]:
        t0 = time.perf_counter()
        if self.executor is None or len(sets) == 1:
            out = [verify_actions(*self.args, s, heal=self.heal) for s in sets]
        else:
            futures = [self.executor.submit(verify_actions, *self.args, s, heal=self.heal) for s in sets]
            out = [f.result() for f in futures]
        self.seconds += time.perf_counter() - t0
        return out


def _exact_loop(model, by_id, verifier, settings: PlanSettings, result: PlanResult, progress) -> None:
    wanted = 1 + settings.alternatives
    try:
        found_at = None
        while len(result.plans) < wanted and result.rounds < settings.max_rounds:
            if found_at is not None and result.rounds - found_at >= ALTERNATIVE_ROUNDS:
                result.notes.append(f"{len(result.plans) - 1} alternatives on the cost/slack front within "
                                    f"{ALTERNATIVE_ROUNDS} further rounds")
                break
            batch = []
            for _ in range(max(1, settings.batch)):
                state, ids = model.solve(settings.solve_time_limit_s)
                if ids is None:
                    if state == "limit":
                        result.notes.append("the exact model hit its time limit")
                    break
                model.add_cut(ids)
                batch.append(tuple(by_id[i] for i in sorted(ids)))
            if not batch:
                break
            result.rounds += 1
            for actions, verdict in zip(batch, verifier(batch)):
                if verdict.ok:
                    plan = Plan(actions, verdict)
                    if not result.plans or _pareto(plan, result.plans):
                        result.plans.append(plan)
                        found_at = result.rounds if found_at is None else found_at
                    result.verified += 1
                else:
                    result.rejected.append(verdict)
                    if _learn(model, verdict, frozenset(a.id for a in actions)) and result.exact:
                        result.exact = False
                        result.notes.append("gate control list sizes learned from refused plans were added as cuts "
                                            "(they assume faster equipment does not shorten a port's list): not "
                                            "proven cheapest")
                if len(result.plans) >= wanted:
                    break
            if progress:
                progress("verify", result.verified, result.plans[0].cost if result.plans else None)
    except KeyboardInterrupt:
        result.notes.append("interrupted: the best plan verified so far, not proven cheapest")
        result.exact = False
        if not result.plans:
            raise


_GCL = re.compile(r"gate control list of (\S+?)->(\S+) would need more than (?:its )?(\d+) entries")


def _learn(model, verdict, ids) -> bool:
    """Cuts beyond the no-good one: gate control lists too short for the windows of their port."""
    learned = False
    for text in verdict.reasons:
        match = _GCL.search(text)
        if match:
            learned |= model.add_gcl_cut(match.group(1), match.group(2), int(match.group(3)), ids)
    return learned


def _pareto(plan: Plan, kept: list[Plan]) -> bool:
    """An alternative is kept when it buys more slack than every cheaper plan kept."""
    slack = plan.verdict.min_slack_ns
    return slack is not None and all(slack > (p.verdict.min_slack_ns or 0) for p in kept)
