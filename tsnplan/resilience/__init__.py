"""Self-healing analysis: which streams survive every single (or double) failure, and how fast.

``analyse_failures`` gives every stream its policy (FRER, protection or rerouting), times the
plant from its schedule, evaluates every failure scenario on an executor and, on request, proves
a sample of scenarios by emulation.
"""
from __future__ import annotations

from concurrent.futures import Executor

from tsnplan.errors import LimitError, UsageError
from tsnplan.model.compile import CompiledProblem, compile_problem, hyperperiod_ns
from tsnplan.resilience.failures import Failure, FailureKind, enumerate_failures
from tsnplan.resilience.impact import Context, build_context
from tsnplan.resilience.policies import (FrerCheck, FrerConfig, Policy, RecoveryTiming, apply_policy,
                                         check_frer, stream_policies)
from tsnplan.resilience.result import (HealResult, HealSettings, Outcome, ProofResult, ScenarioResult,
                                       StreamImpact, rank_weakest)
from tsnplan.resilience.sweep import Progress, sweep
from tsnplan.resilience.timing import hop_timing

__all__ = [
    "analyse_failures", "prepare_problem", "Policy", "RecoveryTiming", "FrerConfig", "FailureKind",
    "Failure", "HealResult", "ScenarioResult", "StreamImpact", "Outcome", "ProofResult",
    "enumerate_failures", "DEFAULT_FAIL_AT_NS", "SETTLE_NS", "AUTO",
]

#: The failure strikes 10 ms into the run (steady state for every period up to 10 ms), one ns off
#: the millisecond grid so that no frame boundary of a round-valued schedule coincides with it.
DEFAULT_FAIL_AT_NS = 10_000_001
#: The run continues this long after the slowest recovery, so frames after recovery are seen.
SETTLE_NS = 10_000_000
#: ``schedule=AUTO``: synthesise a schedule with ``tsnplan.schedule`` for the prepared problem.
AUTO = "auto"


def prepare_problem(source, policy: Policy | str = Policy.REROUTE) -> CompiledProblem:
    """The compiled problem with every stream's policy applied (a ``Plant`` or ``CompiledProblem``).

    FRER and protected streams get a second, disjoint route; FRER frames carry the R-TAG.
    """
    if isinstance(source, CompiledProblem):
        network, streams, timing, percentile = source.network, source.streams, source.timing, source.percentile
    else:
        network, streams, timing = source.network, source.streams, source.timing
        percentile = None
    healed = apply_policy(streams, policy)
    if isinstance(source, CompiledProblem) and healed.streams == streams.streams:
        return source
    kwargs = {"timing": timing} if percentile is None else {"timing": timing, "percentile": percentile}
    return compile_problem(network, healed, **kwargs)


def _synthesise(problem: CompiledProblem):
    from tsnplan.schedule import schedule as synthesise   # noqa: PLC0415  (the scheduler is optional here)
    return synthesise(problem, method="heuristic")


def _cycle_ns(problem: CompiledProblem, schedule) -> int:
    if schedule is not None:
        return int(schedule.gcl.cycle_ns) if schedule.gcl is not None else int(schedule.hyperperiod_ns)
    periods = problem.stream_period_ns[problem.stream_scheduled.astype(bool)]
    try:
        return hyperperiod_ns(periods) if len(periods) else 1
    except LimitError:
        return 1


def _frer_checks(problem: CompiledProblem, ctx: Context, policies, config: FrerConfig) -> tuple[FrerCheck, ...]:
    timing = ctx.timing
    checks = []
    for s, sid in enumerate(problem.stream_ids):
        if policies[s] is not Policy.FRER:
            continue
        lo, hi = int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])
        diffs = [abs(a - b) for l in range(lo, hi) if len(ctx.chains[l]) == 2
                 for a, b in zip(*(timing.row_latency_ns(s, c[-1]) for c in ctx.chains[l]))]
        if not diffs:
            continue
        starts = sorted(timing.clear_ns[ctx.chains[lo][0][0]])
        cycle = timing.cycle_ns[s]
        gaps = [b - a for a, b in zip(starts, starts[1:])] + [starts[0] + cycle - starts[-1]]
        checks.append(check_frer(sid, max(diffs), max(1, min(gaps)), config))
    return tuple(checks)


def analyse_failures(source, policy: Policy | str = Policy.REROUTE, failures: FailureKind | str = "all",
                     k: int = 1, executor: Executor | None = None, progress: Progress | None = None, *,
                     schedule=AUTO, recovery: RecoveryTiming = RecoveryTiming(), workers: int | None = None,
                     fail_at_ns: int = DEFAULT_FAIL_AT_NS, duration_ns: int | None = None,
                     emulate: int = 0, pcap: str | None = None, seed: int = 0,
                     emulation_progress: Progress | None = None) -> HealResult:
    """N-1 (``k=1``) or N-2 analysis of a plant or compiled problem under the given policies.

    ``schedule``: ``AUTO`` synthesises one, ``None`` times streams unloaded (estimates), or a
    ``ScheduleResult`` of ``prepare_problem(source, policy)``. ``emulate``: number of scenarios to
    prove by emulation (the most harmful ones first; ``-1`` all of them).
    """
    policy = Policy(policy)
    problem = prepare_problem(source, policy)
    if isinstance(schedule, str) and schedule == AUTO:
        schedule = _synthesise(problem)
    if schedule is not None:
        problem = schedule.extra.get("problem", problem)    # the scheduler may have re-routed streams
    if schedule is not None and len(schedule.window_ptr) != problem.n_streams + 1:
        raise UsageError("the schedule was not made for this plant and policy (stream count differs)")
    policies_by_id = stream_policies(problem.streams)
    policies = tuple(policies_by_id[sid] for sid in problem.stream_ids)
    timing = hop_timing(problem, schedule)
    cycle = _cycle_ns(problem, schedule)
    in_use = set(policies)
    worst = max([recovery.switch_at_ns(p, fail_at_ns, cycle) for p in in_use] or [fail_at_ns])
    end_ns = duration_ns if duration_ns is not None else worst + SETTLE_NS
    if end_ns <= fail_at_ns:
        raise UsageError("the run must last beyond the failure time")
    rescheduler = _rescheduler(problem, schedule) if Policy.REROUTE in in_use and schedule is not None else None
    refused = set(schedule.unscheduled) if schedule is not None else set()
    carried = frozenset(sid for sid in problem.stream_ids if sid not in refused)
    ctx = build_context(problem, timing, policies, recovery, fail_at_ns, end_ns, cycle, rescheduler, carried)
    scenarios = enumerate_failures(problem.network, failures, k)
    results = sweep(ctx, scenarios, executor=executor, progress=progress, workers=workers)
    settings = HealSettings(policy, FailureKind(failures).value, k, fail_at_ns, end_ns, recovery, cycle,
                            schedule is not None)
    warnings = tuple(f"stream {sid} has no route and is not analysed" for sid in problem.unrouted)
    if refused:
        warnings += (f"{len(refused)} streams are not in the schedule, hence not carried and not analysed: "
                     + ", ".join(sorted(refused)[:10]) + (" ..." if len(refused) > 10 else ""),)
    frer = recovery.frer
    if emulate and Policy.FRER in in_use and (frer.algorithm == "match" or frer.history_length > 64):
        warnings += ("the emulator eliminates duplicates by vector recovery with a history of at most 64: "
                     "the configured sequence recovery is checked analytically only",)
    proof = None
    if emulate:
        from tsnplan.resilience.proof import prove   # noqa: PLC0415  (imports the emulator)
        proof = prove(ctx, schedule, results, emulate, pcap=pcap, seed=seed, progress=emulation_progress)
    singles = [r for r in results if r.failure.size == 1] if k == 1 else list(results)
    return HealResult(
        network=problem.network.name, settings=settings,
        stream_policy={sid: policies_by_id[sid] for sid in problem.stream_ids},
        scenarios=results,
        redundancy_issues={sid: why for sid, why in sorted(problem.routes.redundancy_issues.items())},
        frer_checks=_frer_checks(problem, ctx, policies, recovery.frer),
        proof=proof, warnings=warnings, weakest=rank_weakest(singles),
        not_carried=tuple(sorted(refused | set(problem.unrouted))),
    )


def _rescheduler(problem: CompiledProblem, schedule):
    from tsnplan.resilience.reschedule import IncrementalRescheduler   # noqa: PLC0415  (needs the scheduler)
    return IncrementalRescheduler(problem, schedule)
