"""Judge a network document with the real pipeline: the verdict on a plan, and the as-is diagnosis.

``evaluate`` reads the document with the ordinary network reader, loads the streams against it,
then runs the plant checks, ``pipeline.run_pipeline`` (schedule, budget, a short emulation with a
failure), the equipment checks of ``plan.hardware``, the utilisation headroom and the N-1 sweep
of ``resilience.analyse_failures`` when some stream asks for redundancy: every stream with ``frer``
or ``protect`` redundancy must survive every single failure within its deadline (``tsnplan heal``
also reports how rerouted streams without redundancy fare). It never stops at the
first failure, so the as-is plant's evaluation is also its diagnosis. Arguments and result are
plain data, so evaluations run on any ``concurrent.futures`` executor (processes, Dask).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from tsnplan.errors import InputError
from tsnplan.plan.actions import apply_actions, network_of
from tsnplan.plan.catalogue import Catalogue

__all__ = ["Verdict", "StreamFigures", "evaluate", "verify_actions", "EMULATION_NS"]

#: Emulated time of a verification run (with one failure half-way).
EMULATION_NS = 20_000_000


@dataclass(frozen=True, slots=True)
class StreamFigures:
    stream: str
    deadline_ns: int
    latency_ns: int | None          # worst over listeners; None: not carried
    slack_ns: int | None
    hops: int


@dataclass(frozen=True)
class Verdict:
    """What the pipeline says of one network: ``ok`` and, if not, every reason found."""

    actions: frozenset[str]
    ok: bool
    reasons: tuple[str, ...]
    causes: tuple[tuple[str, str, str], ...]         # (kind, element or stream, text), for diagnosis
    streams: tuple[StreamFigures, ...] = ()
    port_utilisation: dict[str, float] = field(default_factory=dict)
    gcl_entries: dict[str, int] = field(default_factory=dict)
    n1_scenarios: int = 0
    n1_failed: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def min_slack_ns(self) -> int | None:
        slacks = [s.slack_ns for s in self.streams if s.slack_ns is not None]
        return min(slacks) if slacks else None


def verify_actions(base_doc: dict, streams_doc, streams_file: str, catalogue: Catalogue, actions,
                   heal: bool = True) -> Verdict:
    """Apply ``actions`` to the base document and evaluate the result (executor entry point)."""
    from tsnplan.plan.hardware import equipment

    gear = equipment(network_of(base_doc, "base network"), catalogue, actions)
    doc = apply_actions(base_doc, actions, catalogue)
    return evaluate(doc, streams_doc, streams_file, catalogue, gear, frozenset(a.id for a in actions), heal=heal)


def evaluate(doc: dict, streams_doc, streams_file: str, catalogue: Catalogue, gear, action_ids=frozenset(),
             heal: bool = True) -> Verdict:
    """Every reason the pipeline and the equipment checks find against ``doc``; ``gear`` is the
    bridges' equipment (``hardware.equipment``) after the actions."""
    from tsnplan.io.checks import check_plant
    from tsnplan.io.plant import Plant
    from tsnplan.io.streams_file import streams_from_doc

    t0 = time.perf_counter()
    causes: list[tuple[str, str, str]] = []
    try:
        network = network_of(doc, "to-be network")
    except InputError as exc:
        return Verdict(action_ids, False, tuple(str(p) for p in exc.problems),
                       tuple(("network", "", str(p)) for p in exc.problems), seconds=time.perf_counter() - t0)
    streams, problems = streams_from_doc(streams_doc, streams_file, network)
    if problems:
        return Verdict(action_ids, False, tuple(str(p) for p in problems),
                       tuple(("streams", p.entry, p.message) for p in problems), seconds=time.perf_counter() - t0)
    plant = Plant(network, streams)
    problem = plant.compile()
    for p in check_plant(problem, streams):
        kind = "capacity" if "of port" in p.message else "classes" if "traffic class" in p.message else "route"
        causes.append((kind, p.entry.removeprefix("stream ").strip("'"), p.message))
    from tsnplan.model.load import port_load
    from tsnplan.plan.hardware import hardware_violations

    for text in hardware_violations(network, problem, gear):
        causes.append(("feature" if text.startswith("stream") else "equipment", text.split(":")[0], text))
    load = port_load(problem)
    utilisation = {problem.port_names[p]: round(float(load.port_utilisation[p]), 4) for p in range(problem.n_ports)
                   if load.port_streams[p]}
    for port, share in sorted(utilisation.items()):
        if share > catalogue.max_utilisation + 1e-9:
            causes.append(("headroom", f"port {port}",
                           f"port {port} at {share:.0%}, above the {catalogue.max_utilisation:.0%} headroom"))
    figures, gcl_entries, n1, n1_failed = (), {}, 0, ()
    if not any(c[0] in ("capacity", "route") for c in causes):
        figures, gcl_entries = _pipeline(plant, causes)
        if heal and any(s.redundancy.value in ("frer", "protect") for s in streams):
            n1, n1_failed = _n1(plant, causes)
    reasons = tuple(c[2] for c in causes)
    return Verdict(action_ids, not causes, reasons, tuple(causes), figures, utilisation, gcl_entries, n1,
                   n1_failed, time.perf_counter() - t0)


def _pipeline(plant, causes):
    from tsnplan.pipeline import run_pipeline
    from tsnplan.schedule import ScheduleStatus

    result = run_pipeline(plant, duration_ns=EMULATION_NS)
    problem, sched, budget = result.problem, result.schedule, result.budget
    if sched.status is not ScheduleStatus.FEASIBLE:
        for e in sched.explanations:
            causes.append(("schedule", e.stream, f"stream {e.stream}: not scheduled: {e.reason}"))
        if not sched.explanations:
            causes.append(("schedule", "", f"schedule {sched.status.value}"))
    slack = budget.listener_slack_ns()
    figures = []
    for s, sid in enumerate(problem.stream_ids):
        lo, hi = int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])
        lat = [int(budget.listener_latency_ns[l]) for l in range(lo, hi)]
        worst = None if any(v < 0 for v in lat) or not lat else max(lat)
        least = None if worst is None else min(int(slack[l]) for l in range(lo, hi))
        hops = max((len(p) - 1 for p in problem.routes.paths.get(sid, ())), default=0)
        figures.append(StreamFigures(sid, int(problem.stream_deadline_ns[s]), worst, least, hops))
        if not all(bool(budget.listener_meets[l]) for l in range(lo, hi)):
            text = (f"stream {sid}: worst latency {worst} ns over the {int(problem.stream_deadline_ns[s])} ns deadline"
                    if worst is not None else f"stream {sid}: latency unbounded")
            causes.append(("deadline", sid, text))
    if result.late_frames:
        causes.append(("emulation", "", f"emulation: {result.late_frames} frames late"))
    for sid, lost in result.frer_losses.items():
        causes.append(("emulation", sid, f"emulation: stream {sid} lost {lost} 802.1CB frames under the failure"))
    entries = {}
    if sched.gcl is not None:
        for p, name in enumerate(problem.port_names):
            n = int(sched.gcl.ptr[p + 1] - sched.gcl.ptr[p])
            if n > 1:
                entries[name] = n
    return tuple(figures), entries


def _n1(plant, causes):
    from tsnplan.resilience import analyse_failures

    result = analyse_failures(plant, workers=1)
    redundant = {s.id for s in plant.streams if s.redundancy.value in ("frer", "protect")}
    failed = set()
    for sid, why in result.redundancy_issues.items():
        causes.append(("redundancy", sid, f"stream {sid}: {why}"))
        failed.add(sid)
    for scenario in result.single_failures():
        for sid in scenario.unhealed + scenario.missing_deadline:
            if sid in redundant and sid not in failed:
                causes.append(("n-1", sid, f"stream {sid}: not restored within its deadline after {scenario.failure.name}"))
                failed.add(sid)
    return len(result.scenarios), tuple(sorted(failed))
