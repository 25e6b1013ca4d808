"""802.1Qbv schedule synthesis: ``schedule(problem) -> ScheduleResult``, verified before it returns.

Methods: ``heuristic`` (Cython list scheduler with re-ordering and re-routing, any size), ``ilp``
(exact MILP with HiGHS via pulp, small and medium instances), ``cpsat`` (OR-Tools CP-SAT: a whole
exact model, or large-neighbourhood repair of the heuristic's placement when the model would be
too big; where routes may change, repair also chooses among k shortest routes per stream),
``auto`` (the heuristic, then CP-SAT when streams are left over; the ILP on small instances when
OR-Tools is not installed). Incremental changes: ``tsnplan.schedule.incremental``.

Before searching, ``schedule.bounds`` checks necessary conditions; when one fails the result is
``infeasible`` with its certificate in ``extra["proof"]`` (and the best partial schedule found).
``infeasible`` never comes without a certificate; ``partial`` carries the best lower bound on the
streams no schedule can place, and the gap to it.

>>> from tsnplan.io.plant import load_plant
>>> plant = load_plant("topologies/body-shop-cell/network.yaml", "topologies/body-shop-cell/streams.yaml")
>>> schedule(plant.compile()).status.value
'feasible'
"""
from __future__ import annotations

import time
from dataclasses import replace

from tsnplan.errors import UsageError
from tsnplan.model.compile import CompiledProblem
from tsnplan.schedule.layout import ScheduleOptions
from tsnplan.schedule.result import Explanation, Gcl, ScheduleResult, ScheduleStatus

__all__ = ["schedule", "ScheduleOptions", "ScheduleResult", "ScheduleStatus", "Explanation", "Gcl",
           "METHODS", "AUTO_ILP_MAX_STREAMS"]

METHODS = ("auto", "heuristic", "ilp", "cpsat")
#: ``auto`` tries the ILP after the heuristic only up to this many streams (when OR-Tools is missing).
AUTO_ILP_MAX_STREAMS = 60
AUTO_ILP_TIME_S = 20.0
#: CP-SAT's budget in ``auto`` and ``cpsat`` without ``--time-limit``.
EXACT_TIME_S = 20.0
WHOLE_SHARE = 0.6       # of CP-SAT's budget to the whole model, the rest to repair rounds after it
REROUTE_SHARE = 0.25    # where routes may change: to re-routing repair before the whole model, and again after it
EXACT_SHARE = 0.8       # of --time-limit, the rest for the heuristic, checks and output


def schedule(problem: CompiledProblem, method: str = "auto", time_limit_s: float | None = None,
             options: ScheduleOptions | None = None, seed: int = 0, workers: int = 1) -> ScheduleResult:
    """Synthesise gate schedules for every scheduled stream of ``problem``.

    Streams that cannot be placed are listed with an ``Explanation``. When the heuristic re-routes
    streams, ``result.extra["problem"]`` holds the compiled problem (with the new routes) that the
    result's hop indices refer to. ``seed`` and ``workers`` steer CP-SAT: one worker (default) gives
    the same schedule for the same seed; two search in parallel, not reproducibly.
    """
    if method not in METHODS:
        raise UsageError(f"unknown scheduling method {method!r}; choose one of {', '.join(METHODS)}")
    options = options or ScheduleOptions()
    t0 = time.perf_counter()
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    from tsnplan.schedule.bounds import check_bounds, drop_ungated
    from tsnplan.schedule.layout import build_layout

    bounds = check_bounds(build_layout(problem, options), options.reroute)
    if method == "ilp":
        from tsnplan.schedule.ilp import ilp_schedule
        return _finish(ilp_schedule(problem, options, time_limit_s), problem, options, bounds, None)
    if method == "cpsat":
        from tsnplan.schedule import cpsat
        if not cpsat.available():
            raise UsageError("--method cpsat needs OR-Tools 9.9 or newer: pip install 'tsnplan[cpsat]'")
    from tsnplan.schedule.assemble import assemble
    from tsnplan.schedule.explain import explain
    from tsnplan.schedule.heuristic import heuristic_placement

    best = heuristic_placement(problem, options, deadline)
    failed = best.failed()
    exact = None
    if failed and (method == "cpsat" or method == "auto" and not bounds.certificates):
        from tsnplan.schedule import cpsat
        if cpsat.available() and options.max_wait_ns == 0:
            exact = _cpsat(best, options, time_limit_s, deadline, seed, workers)
        elif method == "auto" and len(best.layout.scheduled) <= AUTO_ILP_MAX_STREAMS:
            from tsnplan.schedule.ilp import ilp_schedule
            limit = AUTO_ILP_TIME_S if deadline is None else max(0.0, deadline - time.monotonic())
            ilp = ilp_schedule(problem, options, limit)
            if ilp.status is ScheduleStatus.FEASIBLE or ilp.status is ScheduleStatus.INFEASIBLE and not failed:
                return _finish(ilp, problem, options, bounds, None)
    if exact is not None and int(exact.placed.sum()) > best.n_placed():
        from tsnplan.schedule.gatelimit import fit_gate_lists
        layout, hf, placed = exact.layout, exact.hf_start.copy(), exact.placed.copy()
        over = fit_gate_lists(layout, hf, placed)
        if int(placed.sum()) > best.n_placed():
            todo = [int(s) for s in layout.scheduled if not placed[s] and int(s) not in over]
            reasons = drop_ungated(layout.problem, placed, explain(layout, _blocked(best, todo)) + _gcl_reasons(layout, over))
            result = assemble(layout, hf, placed, reasons, "cpsat", time.perf_counter() - t0)
            return _finish(result, problem, options, bounds, exact, layout.problem, over)
    placed = best.placed.copy()
    reasons = drop_ungated(best.layout.problem, placed, explain(best.layout, failed))
    result = assemble(best.layout, best.hf_start, placed, reasons, "heuristic", time.perf_counter() - t0)
    if best.layout.problem is not problem:
        result.extra["problem"] = best.layout.problem
    return _finish(result, problem, options, bounds, exact, best.layout.problem)


def _blocked(best, unplaced: list[int]):
    """The heuristic's blocking port and owner for the streams still unplaced after CP-SAT."""
    from tsnplan._ext.listsched import ST_NO_SLOT

    why = {item[0]: item for item in best.failed()}
    return [why.get(s, (s, ST_NO_SLOT, -1, -1)) for s in unplaced]


def _cpsat(best, options: ScheduleOptions, time_limit_s: float | None, deadline: float | None, seed: int,
           workers: int):
    """A whole CP-SAT model when it is small enough (then repair rounds on its answer while
    streams remain and it is not proven optimal), else neighbourhood repair; hinted by ``best``.
    Where routes may change, repair that re-routes jointly comes first and last, the whole model
    (on the routes it chose) in between: see ``_cpsat_rerouting``.

    The budget is a fixed share of the time limit in CP-SAT's deterministic time, not what the
    wall clock left, so that one worker gives the same answer on every run; the wall-clock
    deadline (``--time-limit`` less a reserve for assembling the result) still holds."""
    from tsnplan.schedule.repair import MAX_WHOLE_INTERVALS, lns_repair, model_size, whole_model

    layout = best.layout
    limit = EXACT_TIME_S if time_limit_s is None else EXACT_SHARE * time_limit_s
    placed = best.placed.copy()
    wall = None if deadline is None else deadline - (1 - EXACT_SHARE) * time_limit_s / 2
    views = _views(layout, options)
    if views is not None:
        return _cpsat_rerouting(best, views, options, limit, seed, workers, wall)
    if model_size(layout) > MAX_WHOLE_INTERVALS:
        return lns_repair(layout, best.hf_start, placed, limit, seed, workers, wall)
    exact = whole_model(layout, best.hf_start, placed, WHOLE_SHARE * limit, seed, workers, wall)
    if exact.placed.sum() < len(layout.scheduled) and exact.upper_bound != int(exact.placed.sum()):
        more = lns_repair(layout, exact.hf_start, exact.placed.copy(), (1 - WHOLE_SHARE) * limit, seed, workers, wall)
        exact.hf_start, exact.placed, exact.rounds = more.hf_start, more.placed, more.rounds
    return exact


def _cpsat_rerouting(best, views, options: ScheduleOptions, limit: float, seed: int, workers: int, wall):
    """Repair with other routes (``REROUTE_SHARE`` of the budget), the whole model on the routes
    it chose (the rest but the last ``REROUTE_SHARE``), and repair with other routes again.
    Proves nothing: routes could still change."""
    from tsnplan.schedule.repair import MAX_WHOLE_INTERVALS, lns_repair, model_size, whole_model

    layout = best.layout
    if model_size(layout) > MAX_WHOLE_INTERVALS:
        return lns_repair(layout, best.hf_start, best.placed.copy(), limit, seed, workers, wall, views)
    exact = lns_repair(layout, best.hf_start, best.placed.copy(), REROUTE_SHARE * limit, seed, workers, wall, views)

    def done() -> bool:
        return bool(exact.placed.sum() == len(layout.scheduled)) or wall is not None and time.monotonic() >= wall
    if not done():
        exact = whole_model(exact.layout, exact.hf_start, exact.placed.copy(), (1 - 2 * REROUTE_SHARE) * limit, seed,
                            workers, wall)
    if not done():
        views = _views(exact.layout, options)
        if views is not None:
            exact = lns_repair(exact.layout, exact.hf_start, exact.placed.copy(), REROUTE_SHARE * limit, seed, workers,
                               wall, views)
    exact.upper_bound = None
    return exact


def _views(layout, options: ScheduleOptions):
    """Other routes for repair to choose from, when the plant lets streams move (else None)."""
    from tsnplan.schedule.alternatives import route_views
    from tsnplan.schedule.bounds import movable_streams

    movable = movable_streams(layout.problem, options.reroute)
    return route_views(layout, options, movable) if movable.any() else None


def _gcl_reasons(layout, over: dict[int, str]) -> list[Explanation]:
    p = layout.problem
    return [Explanation(p.stream_ids[s], f"CP-SAT does not bound gate-list length; with this stream the GCL of {port} "
                        f"exceeds the bridge's {int(p.port_gcl_max[p.port_index[port]])} entries", (port,),
                        "a bridge with a longer gate control list") for s, port in sorted(over.items())]


def _finish(result: ScheduleResult, problem: CompiledProblem, options: ScheduleOptions, bounds, exact,
            solved: CompiledProblem | None = None, over_gcl: dict | None = None) -> ScheduleResult:
    """Status and proof: ``infeasible`` only with a certificate, ``partial`` with a lower bound and gap."""
    from tsnplan.schedule.bounds import Certificate, movable_streams

    if solved is not None and solved is not problem:
        result.extra["problem"] = solved
    n_sched = int(problem.stream_scheduled.astype(bool).sum())
    unplaced = len(set(result.unscheduled) & {problem.stream_ids[s] for s in range(problem.n_streams)
                                               if problem.stream_scheduled[s]})
    certs, lb = list(bounds.certificates), bounds.unplaceable_lb
    routes_fixed = not movable_streams(problem, options.reroute).any()
    if routes_fixed and exact is not None and exact.upper_bound is not None:
        if n_sched - exact.upper_bound > 0 and not certs:
            certs.append(Certificate(
                "exact", problem.network.name,
                f"CP-SAT proved that at most {exact.upper_bound} of the {n_sched} scheduled streams fit together "
                "on their routes without waiting", result.unscheduled, n_sched, exact.upper_bound))
        lb = max(lb, n_sched - exact.upper_bound)
    if routes_fixed and result.method == "ilp" and result.status is ScheduleStatus.INFEASIBLE and not certs:
        certs.append(Certificate(
            "exact", problem.network.name, "the exact model (ILP, HiGHS) proved that not every scheduled stream "
            "fits on its route without waiting", result.unscheduled, n_sched, n_sched - 1))
        lb = max(lb, 1)
    lb = min(lb, unplaced)
    if not unplaced:
        status = result.status
    elif certs:
        status = ScheduleStatus.INFEASIBLE
    elif result.status is ScheduleStatus.UNKNOWN:
        status = ScheduleStatus.UNKNOWN
    else:
        status = ScheduleStatus.PARTIAL
    warnings = list(result.warnings)
    if certs and unplaced:
        warnings += [f"infeasible: {c.message}" for c in certs]
    elif unplaced:
        warnings.append(f"partial: {unplaced} streams unplaced; " + (
            f"at least {lb} of them cannot be placed by any schedule (gap {unplaced - lb})" if lb else
            f"no proof that any of them cannot be placed (gap {unplaced}): a longer --time-limit may place more"))
    if over_gcl:
        warnings.append(f"{len(over_gcl)} streams left out after CP-SAT: gate lists over the bridges' entry limits")
    out = replace(result, status=status, warnings=tuple(warnings))
    out.extra["proof"] = {"certificates": [c.to_json() for c in certs] if unplaced else [],
                          "unplaceable_lower_bound": int(lb), "unplaced": int(unplaced), "gap": int(unplaced - lb)}
    return out
