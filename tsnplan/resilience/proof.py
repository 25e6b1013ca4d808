"""Proof by emulation: replay failure scenarios in the packet emulator with the policy acting.

Each scenario runs for the analysis' own run length with the failure injected at its time;
protected streams switch ``detection + hold_off`` after it (the emulator's protection switch),
rerouted streams move, at the analysis' switch time, to their new route with the verified
incremental schedule (``tsnplan.schedule.incremental.add_streams``), whose gate lists the
emulator installs on the ports where they differ at that same time. Per affected listener the
emulated frames lost, recovery, duplicates eliminated and deadline misses (split by release time
into before the failure, during the outage and after recovery) are compared with the analysis:
frames lost must be equal, recovery within one detection interval, deadline misses equal.

Emulated recovery is the release time of the first frame delivered after the failure, minus the
failure time, for a listener that lost frames (0 otherwise): it lies within one period after the
analytical switch time, hence the tolerance. Best-effort streams are released by the emulator at
a seeded random phase the analysis does not know, and a 5G hop's delay is sampled beyond the
planning percentile now and then: such figures are shown but not held against the analysis.
"""
from __future__ import annotations

import numpy as np

from tsnplan.errors import UsageError
from tsnplan.emulate import Failure as EmulatedFailure
from tsnplan.emulate import Reroute, Scenario, run_emulation
from tsnplan.emulate.verdict import allowed_misses
from tsnplan.resilience.impact import Context
from tsnplan.resilience.policies import Policy
from tsnplan.resilience.result import Outcome, ProofResult, ProofScenario

__all__ = ["prove", "pick_scenarios"]


def pick_scenarios(results, n: int) -> list:
    """Single failures where healing acts most (most affected streams still connected) first."""
    singles = [r for r in results if r.failure.size == 1]
    singles.sort(key=lambda r: (-(len(r.affected) - len(r.isolated)), -len(r.affected), r.failure.name))
    return singles if n < 0 else singles[:n]


def _emulated_failures(failure, at_ns: int) -> tuple[EmulatedFailure, ...]:
    return (tuple(EmulatedFailure("link", f"{a}--{b}", at_ns) for a, b in failure.links)
            + tuple(EmulatedFailure("node", n, at_ns) for n in failure.nodes))


def _capture_ports(ctx: Context, scenario, reroutes) -> tuple[str, ...]:
    """Ports of every route (old, backup, new) of the affected streams: the switch-over shows."""
    p = ctx.problem
    ports = set()
    for impact in scenario.impacts:
        s = p.stream_index[impact.stream]
        ports.update(p.port_names[int(q)] for q in p.hop_port[int(p.hop_ptr[s]):int(p.hop_ptr[s + 1])])
        for path in impact.paths_after:
            ports.update(f"{a}->{b}" for a, b in zip(path, path[1:]) if f"{a}->{b}" in p.port_index)
    return tuple(sorted(ports))


def _run(ctx: Context, schedule, scenario, seed: int, pcap: str | None):
    """Emulate one scenario; returns the emulation result and delivery records per (stream, listener)."""
    at = ctx.fail_at_ns
    recovery = ctx.recovery
    rerouted = {i.stream: i.paths_after for i in scenario.impacts
                if i.policy is Policy.REROUTE and i.paths_after and i.outcome is Outcome.SURVIVED}
    reroutes = ()
    if rerouted:
        new_problem, new_schedule = ctx.rescheduler.full_schedule(rerouted)
        switch = recovery.switch_at_ns(Policy.REROUTE, at, ctx.cycle_ns)
        reroutes = tuple(Reroute(switch, sid, new_problem, new_schedule) for sid in sorted(rerouted))
    run = Scenario(duration_ns=ctx.end_ns, failures=_emulated_failures(scenario.failure, at), reroutes=reroutes,
                   protection_switch_ns=recovery.detection_ns + recovery.hold_off_ns,
                   frer_history=min(64, recovery.frer.history_length), frer_reset_ns=recovery.frer.reset_timeout_ns,
                   capture_ports=_capture_ports(ctx, scenario, reroutes) if pcap else ())
    chunks = []
    result = run_emulation(ctx.problem, schedule, run, seed=seed, pcap=pcap, record_sink=chunks.append)
    records = {}
    if chunks:
        merged = {k: np.concatenate([c[k] for c in chunks]) for k in ("stream", "listener", "send_ns", "recv_ns")}
        order = np.lexsort((merged["send_ns"], merged["listener"]))
        for key in merged:
            merged[key] = merged[key][order]
        listeners, starts = np.unique(merged["listener"], return_index=True)
        bounds = list(starts) + [len(order)]
        for i, l in enumerate(listeners.tolist()):
            sl = slice(bounds[i], bounds[i + 1])
            records[l] = (merged["send_ns"][sl], merged["recv_ns"][sl])
    return result, records


def _compare(ctx: Context, scenario, result, records, tolerance_ns: int) -> list[ProofScenario]:
    p = ctx.problem
    at = ctx.fail_at_ns
    stats = {(x.stream, x.listener): x for x in result.listeners}
    rows = []
    for impact in scenario.impacts:
        s = p.stream_index[impact.stream]
        scheduled = ctx.timing.scheduled[s]
        stochastic = bool((p.hop_profile[int(p.hop_ptr[s]):int(p.hop_ptr[s + 1])] >= 0).any())
        for k, li in enumerate(impact.listeners):
            emu = stats.get((impact.stream, li.listener))
            if emu is None:
                continue
            sends, recvs = records.get(int(p.listener_ptr[s]) + k, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
            late = (recvs - sends) > impact.deadline_ns
            switch = at + li.recovery_ns if li.recovery_ns is not None else ctx.end_ns
            before = int(np.count_nonzero(late & (sends < at)))
            during = int(np.count_nonzero(late & (sends >= at) & (sends < switch)))
            after = int(np.count_nonzero(late & (sends >= switch)))
            later = sends[sends >= at]
            if not len(later):
                emu_recovery = None         # nothing delivered after the failure
            else:
                emu_recovery = 0 if emu.lost == 0 else int(later[0]) - at
            ana_misses = li.misses_before + li.misses_after
            notes = []
            if scheduled and emu.lost != li.frames_lost:
                notes.append("frames lost differ")
            unseen = emu_recovery is None and li.delivered_after == 0     # no frame left to show it
            if not unseen and scheduled and ((li.recovery_ns is None) != (emu_recovery is None) or (
                    li.recovery_ns is not None and abs(emu_recovery - li.recovery_ns) > tolerance_ns)):
                notes.append("recovery differs")
            if ana_misses != emu.deadline_misses and scheduled and not stochastic:
                notes.append("deadline misses differ")
            if not scheduled:
                notes.append("not compared: best effort, released at a random phase")
            elif stochastic and ana_misses != emu.deadline_misses:
                notes.append("misses not compared: 5G delay sampled beyond the planning percentile")
            agrees = not any(n.endswith("differ") or n.endswith("differs") for n in notes)
            rows.append(ProofScenario(
                failure=scenario.failure.name, stream=impact.stream, listener=li.listener, policy=impact.policy,
                frames_lost=li.frames_lost, frames_lost_emulated=emu.lost, recovery_ns=li.recovery_ns,
                recovery_emulated_ns=emu_recovery, duplicates_eliminated=emu.duplicates_eliminated,
                misses_before=before, misses_during=during, misses_after=after, misses_analytical=ana_misses,
                agrees=agrees, note="; ".join(notes)))
    affected = set(scenario.affected)
    for x in result.listeners:      # a stream the failure does not touch must not notice it
        if x.stream in affected or not (x.lost or x.deadline_misses):
            continue
        s = p.stream_index[x.stream]
        if (p.hop_profile[int(p.hop_ptr[s]):int(p.hop_ptr[s + 1])] >= 0).any() and \
                x.lost + x.deadline_misses <= allowed_misses(x.sent, (100.0 - p.percentile) / 100.0):
            continue                # a 5G miss within the planning percentile
        rows.append(ProofScenario(scenario.failure.name, x.stream, x.listener,
                                  _policy(ctx, x.stream), 0, x.lost, 0, None, x.duplicates_eliminated,
                                  0, 0, 0, 0, False,
                                  f"unaffected stream: {x.lost} frames lost, {x.deadline_misses} late"))
    return rows


def _policy(ctx: Context, stream: str) -> Policy:
    return ctx.policies[ctx.problem.stream_index[stream]]


def prove(ctx: Context, schedule, results, n: int, *, pcap: str | None = None, seed: int = 0,
          progress=None) -> ProofResult:
    """Emulate ``n`` scenarios (``-1``: every single failure) and compare with the analysis."""
    if schedule is None:
        raise UsageError("the emulation proof needs a schedule (drop --unloaded)")
    chosen = pick_scenarios(results, n)
    rows = []
    tolerance = ctx.recovery.detection_ns
    for i, scenario in enumerate(chosen):
        result, records = _run(ctx, schedule, scenario, seed, pcap if i == 0 else None)
        rows += _compare(ctx, scenario, result, records, tolerance)
        if progress:
            progress(i + 1, len(chosen))
    return ProofResult(tuple(s.failure.name for s in chosen), tuple(rows), tolerance,
                       pcap if chosen and pcap else None)
