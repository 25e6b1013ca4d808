"""Migration order: the plan's actions in phases, each within the downtime limit.

Bridges are replaced first (faster links need their ports), then links are upgraded, then cables
are pulled; first-fit in that order fills each phase up to the limit. For every phase the report
names the streams that stop while its elements are down, and the state after it is checked with
the pipeline carrying the streams the as-is plant carried (schedule and budget, no N-1; the
equipment rules the as-is plant broke already are not asked of an intermediate state, nor FRER
survival of the injected failure before the second route exists).
"""
from __future__ import annotations

from dataclasses import dataclass

from tsnplan.plan.actions import apply_actions, network_of
from tsnplan.plan.hardware import equipment
from tsnplan.plan.verify import evaluate

__all__ = ["Phase", "migration_phases", "MAX_CHECKED_PHASES"]

_ORDER = {"replace-bridge": 0, "upgrade-link": 1}
#: Intermediate states are verified for at most this many phases.
MAX_CHECKED_PHASES = 12


@dataclass(frozen=True, slots=True)
class Phase:
    number: int
    actions: tuple[str, ...]
    downtime_s: int
    stopped: tuple[str, ...]          # streams interrupted while the phase's elements are down
    carries_as_is: bool | None        # None: not checked
    problems: tuple[str, ...] = ()


def _group(actions, limit_s):
    phases, current, used = [], [], 0
    for action in sorted(actions, key=lambda a: (_ORDER.get(a.kind, 2), a.id)):
        if current and limit_s is not None and used + action.downtime_s > limit_s:
            phases.append(current)
            current, used = [], 0
        current.append(action)
        used += action.downtime_s
    if current:
        phases.append(current)
    return phases


def _stopped(doc, streams, actions) -> tuple[str, ...]:
    from tsnplan.model.routing import route_streams

    network = network_of(doc, "intermediate network")
    routes = route_streams(network, [s for s in streams if all(network.has_node(n) for n in (s.talker, *s.listeners))])
    touched_nodes = {a.nodes[0] for a in actions if a.kind == "replace-bridge"}
    touched_links = {frozenset(a.nodes) for a in actions if a.kind != "replace-bridge"}
    out = []
    for sid, paths in routes.paths.items():
        for path in paths:
            if touched_nodes & set(path) or touched_links & {frozenset(e) for e in zip(path, path[1:])}:
                out.append(sid)
                break
    return tuple(sorted(out))


def migration_phases(base_doc, streams_doc, streams_file, catalogue, plan_actions, diagnosis) -> list[Phase]:
    from tsnplan.io.streams_file import streams_from_doc

    carried = {f.stream for f in diagnosis.streams if f.slack_ns is not None and f.slack_ns >= 0}
    as_is_doc = {**streams_doc, "streams": [s for s in streams_doc.get("streams", []) if str(s.get("id")) in carried]} \
        if isinstance(streams_doc, dict) else streams_doc
    base = network_of(base_doc, "base network")
    all_streams, _ = streams_from_doc(streams_doc, streams_file, base)
    phases, done, doc = [], [], base_doc
    groups = _group(plan_actions, catalogue.max_phase_downtime_s)
    for number, group in enumerate(groups, 1):
        stopped = tuple(s for s in _stopped(doc, list(all_streams), group) if s in carried or not carried)
        done += group
        doc = apply_actions(base_doc, done, catalogue)
        ok, problems = None, ()
        if carried and number <= MAX_CHECKED_PHASES and number < len(groups):
            verdict = evaluate(doc, as_is_doc, streams_file, catalogue, equipment(base, catalogue, done), heal=False)
            relevant = [r for r in verdict.causes if r[0] not in ("headroom", "feature", "equipment", "emulation")]
            ok, problems = not relevant, tuple(r[2] for r in relevant[:5])
        elif number == len(groups):
            ok = True          # the final state is the verified plan
        phases.append(Phase(number, tuple(a.id for a in group), sum(a.downtime_s for a in group), stopped, ok,
                            problems))
    return phases
