"""`tsnplan heal`: scenarios, weakest points, FRER evidence and the emulation proof."""
from __future__ import annotations

from collections import Counter

from rich import box
from rich.markup import escape
from rich.table import Table

from tsnplan.resilience.policies import Policy
from tsnplan.resilience.result import HealResult, Outcome, rank_weakest
from tsnplan.report.format import fmt_ns
from tsnplan.units import format_time_ns

__all__ = ["render_heal", "heal_to_json", "FORMAT"]

FORMAT = "tsnplan-heal/1"


def _scenario_json(scenario) -> dict:
    impacts = scenario.impacts
    doc = {
        "failure": scenario.failure.name,
        "affected": scenario.affected,
        "survived": scenario.survived,
        "lost": scenario.lost,
        "isolated": scenario.isolated,
        "recovery_ns": {i.stream: i.recovery_ns for i in impacts},
        "frames_lost": {i.stream: i.frames_lost for i in impacts},
        "deadline_misses": {i.stream: i.deadline_misses for i in impacts},
        "latency_after_ns": {i.stream: i.latency_after_ns for i in impacts},
    }
    reasons = {i.stream: i.reason for i in impacts if i.reason}
    if reasons:
        doc["reasons"] = reasons
    paths = {i.stream: [list(p) for p in i.paths_after] for i in impacts if i.paths_after}
    if paths:
        doc["paths_after"] = paths
    return doc


def _frer_evidence(result: HealResult) -> dict[str, dict]:
    """Per FRER stream: single failures that touch it, and the most frames it lost in one while
    its end points stayed connected."""
    evidence = {sid: {"scenarios": 0, "frames_lost_max": 0, "isolated_in": 0}
                for sid, p in result.stream_policy.items() if p is Policy.FRER}
    for scenario in result.single_failures():
        for impact in scenario.impacts:
            if impact.stream not in evidence:
                continue
            entry = evidence[impact.stream]
            if impact.outcome is Outcome.ISOLATED:
                entry["isolated_in"] += 1
                continue
            entry["scenarios"] += 1
            entry["frames_lost_max"] = max(entry["frames_lost_max"], impact.frames_lost)
    return evidence


def heal_to_json(result: HealResult) -> dict:
    settings, timing = result.settings, result.settings.timing
    checks = {c.stream: c for c in result.frer_checks}
    evidence = _frer_evidence(result)
    frer = {}
    for sid, entry in evidence.items():
        check = checks.get(sid)
        frer[sid] = dict(entry, **({} if check is None else {
            "delay_difference_ns": check.delay_difference_ns, "min_gap_ns": check.min_gap_ns,
            "history_required": check.history_required, "recovery_ok": check.ok, "reason": check.reason}))
    doc = {
        "format": FORMAT,
        "network": result.network,
        "policy": settings.default_policy.value,
        "met": result.met,
        "not_carried": list(result.not_carried),
        "settings": {
            "failures": settings.failures, "k": settings.k, "fail_at_ns": settings.fail_at_ns,
            "duration_ns": settings.duration_ns, "cycle_ns": settings.cycle_ns,
            "timing": "schedule" if settings.scheduled else "unloaded",
            "detection_ns": timing.detection_ns, "hold_off_ns": timing.hold_off_ns,
            "config_delay_ns": timing.config_delay_ns,
            "frer": {"algorithm": timing.frer.algorithm, "history_length": timing.frer.history_length,
                     "reset_timeout_ns": timing.frer.reset_timeout_ns},
        },
        "streams": {sid: {"policy": p.value, "redundancy_issue": result.redundancy_issues.get(sid)}
                    for sid, p in result.stream_policy.items()},
        "scenarios": [_scenario_json(s) for s in result.scenarios],
        "weakest": [{"failure": w.failure, "lost": w.lost, "isolated": w.isolated,
                     "missing_deadline": w.missing_deadline, "frames_lost": w.frames_lost,
                     "worst_recovery_ns": w.worst_recovery_ns, "affected": w.affected} for w in result.weakest],
        "frer": frer,
        "emulation": None if result.proof is None else _proof_json(result.proof),
        "warnings": list(result.warnings),
    }
    return doc


def _proof_json(proof) -> dict:
    return {"scenarios": list(proof.scenarios), "tolerance_ns": proof.tolerance_ns, "agrees": proof.agrees,
            "pcap": proof.pcap,
            "rows": [{"failure": r.failure, "stream": r.stream, "listener": r.listener, "policy": r.policy.value,
                      "frames_lost": r.frames_lost, "frames_lost_emulated": r.frames_lost_emulated,
                      "recovery_ns": r.recovery_ns, "recovery_emulated_ns": r.recovery_emulated_ns,
                      "duplicates_eliminated": r.duplicates_eliminated,
                      "deadline_misses": {"before": r.misses_before, "during": r.misses_during,
                                          "after": r.misses_after, "analytical": r.misses_analytical},
                      "agrees": r.agrees, "note": r.note} for r in proof.rows]}


def _ns(value) -> str:
    """Exact when short ('500us'), else to the microsecond ('11.667ms')."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    exact = format_time_ns(int(value))
    return exact if len(exact) <= 7 else fmt_ns(int(value))


def render_heal(result: HealResult, console, top: int = 30) -> None:
    settings, timing = result.settings, result.settings.timing
    counts = Counter(p.value for p in result.stream_policy.values())
    console.print(f"[bold]{escape(result.network)}[/bold]: {len(result.scenarios)} failure scenarios "
                  f"({settings.failures}, k={settings.k}); policies "
                  + ", ".join(f"{n} {p}" for p, n in sorted(counts.items())))
    console.print(f"failure at {_ns(settings.fail_at_ns)} of a {_ns(settings.duration_ns)} run; detection "
                  f"{_ns(timing.detection_ns)}, reroute config delay {_ns(timing.config_delay_ns)} "
                  f"(GCL cycle {_ns(settings.cycle_ns)}); timing from "
                  + ("the schedule" if settings.scheduled else "[yellow]unloaded estimates (no schedule)[/yellow]"))
    if len(result.scenarios) <= top:
        shown, title = result.scenarios, f"Failure scenarios ({len(result.scenarios)})"
    else:
        rank = {w.failure: i for i, w in enumerate(rank_weakest(result.scenarios))}
        shown = sorted(result.scenarios, key=lambda s: rank[s.failure.name])[:top]
        title = f"Failure scenarios (worst {top} of {len(result.scenarios)}; --top to see more)"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("failure", "affected", "lost", "isolated", "recovery", "frames lost", "late"):
        table.add_column(col, justify="left" if col == "failure" else "right", no_wrap=col == "failure")
    for s in shown:
        style = "bold red" if s.unhealed or s.missing_deadline else ("yellow" if s.isolated else None)
        table.add_row(s.failure.name, str(len(s.affected)), str(len(s.unhealed)), str(len(s.isolated)),
                      _ns(s.worst_recovery_ns), str(s.frames_lost), str(s.deadline_misses), style=style)
    console.print(table)
    weak = Table(title="Weakest points", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("failure", "streams lost", "of them isolated", "late", "frames lost", "worst recovery"):
        weak.add_column(col, justify="left" if col == "failure" else "right", no_wrap=col == "failure")
    for w in result.weakest[:10]:
        weak.add_row(w.failure, str(w.lost), str(w.isolated), str(w.missing_deadline), str(w.frames_lost),
                     _ns(w.worst_recovery_ns))
    console.print(weak)
    if result.redundancy_issues:
        issues = Table(title="Redundancy not met (single point of failure)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        issues.add_column("stream"); issues.add_column("why")
        for sid, why in result.redundancy_issues.items():
            issues.add_row(sid, why)
        console.print(issues)
    _render_frer(result, console)
    if result.proof is not None:
        _render_proof(result.proof, console)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(warning)}")
    singles = result.single_failures()
    unhealed = sorted({sid for s in singles for sid in s.unhealed})
    late = sorted({sid for s in singles for sid in s.missing_deadline})
    if result.met:
        console.print("[green]N-1 met[/green]: every stream whose end points stay connected survives every "
                      "single failure within its deadline")
    else:
        if result.not_carried:
            console.print("[bold red]not carried even without a failure[/bold red]: "
                          + escape(", ".join(result.not_carried)))
        if unhealed:
            console.print(f"[bold red]lost under a single failure[/bold red]: {', '.join(unhealed)}")
        if late:
            console.print(f"[bold red]late under a single failure[/bold red]: {', '.join(late)}")
        if result.proof is not None and not result.proof.agrees:
            console.print("[bold red]emulation disagrees with the analysis[/bold red]")


def _render_frer(result: HealResult, console) -> None:
    evidence = _frer_evidence(result)
    if not evidence:
        return
    checks = {c.stream: c for c in result.frer_checks}
    table = Table(title="FRER streams under single failures", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("stream", "scenarios", "max frames lost", "cut off in", "replica delay diff", "recovery check"):
        table.add_column(col, justify="left" if col in ("stream", "recovery check") else "right")
    for sid, e in evidence.items():
        check = checks.get(sid)
        verdict = "-" if check is None else ("ok" if check.ok else f"[red]{check.reason}[/red]")
        style = "red" if e["frames_lost_max"] else None
        table.add_row(sid, str(e["scenarios"]), str(e["frames_lost_max"]), str(e["isolated_in"]),
                      _ns(None if check is None else check.delay_difference_ns), verdict, style=style)
    console.print(table)
    clean = [sid for sid, e in evidence.items() if e["scenarios"] and not e["frames_lost_max"]]
    if clean:
        console.print(f"[green]{len(clean)} FRER streams lost no frame[/green] in any single failure that "
                      "left their end points connected")


def _render_proof(proof, console) -> None:
    table = Table(title=f"Emulation proof ({len(proof.scenarios)} scenarios)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("failure", "stream", "listener", "lost (ana/emu)", "recovery (ana/emu)", "dups eliminated",
                "misses before/during/after", "agrees"):
        table.add_column(col, justify="left" if col in ("failure", "stream", "listener") else "right")
    for r in proof.rows:
        table.add_row(r.failure, r.stream, r.listener, f"{r.frames_lost}/{r.frames_lost_emulated}",
                      f"{_ns(r.recovery_ns)}/{_ns(r.recovery_emulated_ns)}", str(r.duplicates_eliminated),
                      f"{r.misses_before}/{r.misses_during}/{r.misses_after}",
                      "yes" if r.agrees else f"[red]no[/red] {r.note}")
    console.print(table)
    verdict = "[green]agree[/green]" if proof.agrees else "[bold red]disagree[/bold red]"
    console.print(f"analysis and emulation {verdict} (frames lost exactly, recovery within "
                  f"{_ns(proof.tolerance_ns)})" + (f"; pcap: {proof.pcap}" if proof.pcap else ""))
