"""802.1Qbv schedule synthesis: ``schedule(problem) -> ScheduleResult``, verified before it returns.

Methods: ``heuristic`` (Cython list scheduler with re-ordering and re-routing, any size), ``ilp``
(exact MILP with HiGHS via pulp, small and medium instances), ``auto`` (the heuristic, then the
ILP when streams are left over and the instance is small enough). Incremental changes:
``tsnplan.schedule.incremental``.

>>> from tsnplan.io.plant import load_plant
>>> plant = load_plant("topologies/body-shop-cell/network.yaml", "topologies/body-shop-cell/streams.yaml")
>>> schedule(plant.compile()).status.value
'feasible'
"""
from __future__ import annotations

import time

from tsnplan.errors import UsageError
from tsnplan.model.compile import CompiledProblem
from tsnplan.schedule.layout import ScheduleOptions
from tsnplan.schedule.result import Explanation, Gcl, ScheduleResult, ScheduleStatus

__all__ = ["schedule", "ScheduleOptions", "ScheduleResult", "ScheduleStatus", "Explanation", "Gcl",
           "METHODS", "AUTO_ILP_MAX_STREAMS"]

METHODS = ("auto", "heuristic", "ilp")
#: ``auto`` tries the exact method after the heuristic only up to this many scheduled streams.
AUTO_ILP_MAX_STREAMS = 60
AUTO_ILP_TIME_S = 20.0


def schedule(problem: CompiledProblem, method: str = "auto", time_limit_s: float | None = None,
             options: ScheduleOptions | None = None) -> ScheduleResult:
    """Synthesise gate schedules for every scheduled stream of ``problem``.

    Streams that cannot be placed are listed with an ``Explanation`` (status ``partial``); a time
    limit that stops the exact method before an answer gives ``unknown``, never ``infeasible``.
    When the heuristic re-routes streams, ``result.extra["problem"]`` holds the compiled problem
    (with the new routes) that the result's hop indices refer to.
    """
    if method not in METHODS:
        raise UsageError(f"unknown scheduling method {method!r}; choose one of {', '.join(METHODS)}")
    options = options or ScheduleOptions()
    t0 = time.perf_counter()
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    if method == "ilp":
        from tsnplan.schedule.ilp import ilp_schedule
        return ilp_schedule(problem, options, time_limit_s)
    from tsnplan.schedule.assemble import assemble
    from tsnplan.schedule.explain import explain
    from tsnplan.schedule.heuristic import heuristic_placement

    best = heuristic_placement(problem, options, deadline)
    failed = best.failed()
    if method == "auto" and failed and len(best.layout.scheduled) <= AUTO_ILP_MAX_STREAMS:
        from tsnplan.schedule.ilp import ilp_schedule
        limit = AUTO_ILP_TIME_S if deadline is None else max(0.0, deadline - time.monotonic())
        exact = ilp_schedule(problem, options, limit)
        if exact.status is ScheduleStatus.FEASIBLE or exact.status is ScheduleStatus.INFEASIBLE and not failed:
            return exact
    result = assemble(best.layout, best.hf_start, best.placed, explain(best.layout, failed),
                      "heuristic", time.perf_counter() - t0)
    if best.layout.problem is not problem:
        result.extra["problem"] = best.layout.problem
    return result
