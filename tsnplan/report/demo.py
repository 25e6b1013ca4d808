"""`tsnplan demo`: one screen per pipeline step, each with the figures that matter."""
from __future__ import annotations

from rich.markup import escape

from tsnplan.report.budget import budget_to_json, render_budget
from tsnplan.report.emulate import emulation_to_json, render_emulation
from tsnplan.report.schedule import render_schedule, schedule_to_report_json

__all__ = ["render_demo", "demo_to_json"]


def demo_to_json(plant_name: str, result) -> dict:
    return {
        "format": "tsnplan-demo/1",
        "plant": plant_name,
        "ok": result.ok,
        "failure": result.failure.label if result.failure else None,
        "frer_streams": list(result.frer_streams),
        "frer_frames_lost": result.frer_losses,
        "late_frames": result.late_frames,
        "verdict": result.verdict.to_json(),
        "schedule": schedule_to_report_json(result.problem, result.schedule),
        "budget": budget_to_json(result.budget),
        "emulation": emulation_to_json(result.emulation),
    }


def render_demo(plant_name: str, plant, result, console) -> None:
    network = plant.network
    console.rule(f"[bold]tsnplan demo[/bold]: {plant_name}")
    console.print(f"1. [green]valid[/green]: {escape(network.name)}: {len(network.nodes)} nodes, "
                  f"{len(network.links)} links, {len(plant.streams)} streams")
    console.rule("2. schedule (802.1Qbv)")
    render_schedule(result.problem, result.schedule, console, top=3)
    console.rule("3. latency and jitter budget")
    render_budget(result.budget, console, top=5)
    failure = result.failure.label if result.failure else "none"
    console.rule(f"4. emulation with a failure: {failure}")
    render_emulation(result.emulation, console, top=12)
    console.rule("summary")
    losses = result.frer_losses
    if result.frer_streams:
        console.print(f"802.1CB streams: {len(result.frer_streams)}; frames lost under the failure: "
                      + ("[green]none[/green]" if not losses else f"[bold red]{losses}[/bold red]"))
    verdict = result.verdict
    explained = sum(v.lost for v in verdict.listeners if v.explained_by == "failure")
    if explained:
        console.print(f"{explained} frames of streams without 802.1CB whose route crosses the failed link were lost "
                      "(expected: `tsnplan heal` shows which streams survive which failure)")
    for line in verdict.problems():
        console.print(f"[bold red]not explained by the failure[/bold red]: {line}")
    if result.late_frames:
        console.print(f"[bold red]{result.late_frames} frames arrived after their deadline[/bold red]")
    console.print("[green]the plan holds[/green]" if result.ok else "[bold red]the plan does not hold[/bold red]")
