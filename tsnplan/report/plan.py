"""`tsnplan plan`: the plan (actions, cost), before/after per stream and port, migration phases; JSON."""
from __future__ import annotations

from rich import box
from rich.table import Table

from tsnplan.report.format import fmt_ns

__all__ = ["plan_to_json", "render_plan", "FORMAT"]

FORMAT = "tsnplan-plan/1"


def _action_json(a) -> dict:
    return {"id": a.id, "kind": a.kind, "where": list(a.nodes), "model": a.model, "rate_bps": a.rate_bps,
            "length_m": a.length_m, "equipment": a.equipment, "cable": a.cable, "labour": a.labour,
            "downtime_s": a.downtime_s, "downtime_cost": a.downtime_cost, "cost": a.cost}


def _streams(verdict) -> dict:
    return {f.stream: {"deadline_ns": f.deadline_ns, "latency_ns": f.latency_ns, "slack_ns": f.slack_ns,
                       "hops": f.hops} for f in verdict.streams}


def _plan_json(plan) -> dict:
    v = plan.verdict
    return {"cost": plan.cost, "breakdown": plan.breakdown(), "downtime_s": plan.downtime_s,
            "actions": [_action_json(a) for a in plan.actions], "min_slack_ns": v.min_slack_ns,
            "streams": _streams(v), "port_utilisation": v.port_utilisation, "gcl_entries": v.gcl_entries,
            "n1": {"scenarios": v.n1_scenarios, "redundant_streams_failing": list(v.n1_failed)}}


def plan_to_json(result, catalogue, phases) -> dict:
    from tsnplan.plan.diagnose import cause_summary

    d = result.diagnosis
    return {
        "format": FORMAT, "catalogue": catalogue.name, "currency": catalogue.currency,
        "status": result.status, "method": result.method, "proven_cheapest": bool(result.exact and result.plans),
        "candidates": result.candidates, "rounds": result.rounds, "verified": result.verified,
        "rejected": len(result.rejected), "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
        "diagnosis": {"ok": d.ok, "causes": cause_summary(d), "reasons": list(d.reasons),
                      "streams": _streams(d), "port_utilisation": d.port_utilisation},
        "plan": _plan_json(result.best) if result.best else None,
        "alternatives": [_plan_json(p) for p in result.plans[1:]],
        "phases": [{"phase": p.number, "actions": list(p.actions), "downtime_s": p.downtime_s,
                    "stopped_streams": list(p.stopped), "carries_as_is": p.carries_as_is,
                    "problems": list(p.problems)} for p in phases],
        "unmet": list(result.impossible), "notes": list(result.notes),
    }


def _money(value: int, currency: str) -> str:
    return f"{value:,} {currency}"


def render_plan(result, catalogue, phases, console, top: int = 20) -> None:
    from tsnplan.plan.diagnose import cause_summary

    d = result.diagnosis
    console.rule(f"[bold]tsnplan plan[/bold]: {catalogue.name}")
    causes = ", ".join(f"{n} {k}" for k, n in cause_summary(d).items()) or "none"
    console.print(f"as-is plant under the new demand: {'meets it' if d.ok else 'fails'} ({causes})")
    for reason in d.reasons[:8]:
        console.print(f"  - {reason}", markup=False)
    if len(d.reasons) > 8:
        console.print(f"  ... and {len(d.reasons) - 8} more")
    method = {"exact": "exact MILP" + ("" if result.exact else " (route enumeration capped)"),
              "heuristic": "greedy + local search (not proven cheapest)", "none": "no search"}[result.method]
    console.print(f"search: {method}; {result.candidates} candidate actions, {result.rounds} rounds, "
                  f"{result.verified} verified, {len(result.rejected)} refused by verification")
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    best = result.best
    if best is None:
        console.print("[bold red]no plan[/bold red]")
        for text in result.impossible:
            console.print(f"  {text}", markup=False)
        return
    table = Table(box=box.SIMPLE, title="actions")
    for col in ("action", "equipment", "cable", "labour", "downtime"):
        table.add_column(col, justify="left" if col == "action" else "right")
    for a in best.actions:
        table.add_row(a.id, str(a.equipment), str(a.cable), str(a.labour), f"{a.downtime_s // 60} min")
    console.print(table)
    parts = best.breakdown()
    console.print(f"total {_money(best.cost, catalogue.currency)}: equipment {parts['equipment']:,}, cable "
                  f"{parts['cable']:,}, labour {parts['labour']:,}, downtime {parts['downtime_cost']:,} "
                  f"({best.downtime_s // 60} min)" + (" — [green]proven cheapest[/green]" if result.exact else ""))
    before = {f.stream: f for f in d.streams}
    rows = sorted(best.verdict.streams, key=lambda f: (f.slack_ns if f.slack_ns is not None else 0, f.stream))
    table = Table(box=box.SIMPLE, title=f"before / after: streams (tightest {top})")
    for col in ("stream", "deadline", "latency before", "latency after", "slack after"):
        table.add_column(col, justify="left" if col == "stream" else "right")
    for f in rows[:top]:
        b = before.get(f.stream)
        table.add_row(f.stream, fmt_ns(f.deadline_ns), fmt_ns(b.latency_ns) if b and b.latency_ns is not None else "-",
                      fmt_ns(f.latency_ns) if f.latency_ns is not None else "-",
                      fmt_ns(f.slack_ns) if f.slack_ns is not None else "-")
    console.print(table)
    after = best.verdict.port_utilisation
    ports = sorted(set(after) | set(d.port_utilisation), key=lambda p: (-max(after.get(p, 0), d.port_utilisation.get(p, 0)), p))
    table = Table(box=box.SIMPLE, title=f"before / after: busiest ports (headroom {catalogue.max_utilisation:.0%})")
    for col in ("port", "before", "after", "GCL entries"):
        table.add_column(col, justify="left" if col == "port" else "right")
    for p in ports[:top // 2]:
        table.add_row(p, f"{d.port_utilisation[p]:.1%}" if p in d.port_utilisation else "-",
                      f"{after[p]:.1%}" if p in after else "-", str(best.verdict.gcl_entries.get(p, "-")))
    console.print(table)
    if best.verdict.n1_scenarios:
        console.print(f"N-1: {best.verdict.n1_scenarios} single failures, redundant streams restored in all")
    if phases:
        console.rule("migration")
        for p in phases:
            state = {True: "[green]as-is streams carried[/green]", False: "[red]as-is streams not all carried[/red]",
                     None: "not checked"}[p.carries_as_is]
            console.print(f"phase {p.number} ({p.downtime_s // 60} min): " + "; ".join(p.actions), markup=False)
            console.print(f"  stops meanwhile: {', '.join(p.stopped) or 'nothing'}; afterwards: {state}")
    for alt in result.plans[1:]:
        console.print(f"alternative: {_money(alt.cost, catalogue.currency)}, min slack "
                      f"{fmt_ns(alt.verdict.min_slack_ns or 0)}: " + "; ".join(a.id for a in alt.actions), markup=False)
