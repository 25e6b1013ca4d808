"""`tsnplan emulate`: per-stream table with losses and deadline misses highlighted, one latency histogram."""
from __future__ import annotations

from tsnplan.emulate.result import EmulationResult, ListenerStats
from tsnplan.report.format import fmt_ns

__all__ = ["render_emulation", "emulation_to_json", "FORMAT", "phase_sweep_to_json", "render_phase_sweep"]

FORMAT = "tsnplan-emulation/1"
_HIST_BINS = 16
_BAR_WIDTH = 40


def _ns(value: int | None) -> str:
    return "-" if value is None else fmt_ns(value)


def _listener_json(s: ListenerStats) -> dict:
    latency = None if s.min_ns is None else {"min": s.min_ns, "mean": s.mean_ns, "p99": s.p99_ns, "max": s.max_ns}
    return {"sent": s.sent, "received": s.received, "lost": s.lost,
            "duplicates_eliminated": s.duplicates_eliminated, "rogue_discarded": s.rogue,
            "deadline_ns": s.deadline_ns, "deadline_misses": s.deadline_misses, "jitter_ns": s.jitter_ns,
            "latency_ns": latency}


def emulation_to_json(result: EmulationResult) -> dict:
    """FORMATS §4 ``tsnplan-emulation/1``; no wall-clock figures, so equal seeds give equal bytes."""
    streams: dict[str, dict] = {}
    for s in result.listeners:
        entry = streams.setdefault(s.stream, {"listeners": {}, "dropped_copies": result.dropped.get(s.stream, 0)})
        entry["listeners"][s.listener] = _listener_json(s)
        if s.stream in result.policed:
            entry["policed"] = dict(result.policed[s.stream])
    return {"format": FORMAT, "duration_ns": result.duration_ns, "seed": result.seed, "events": result.events,
            "frame_hops": result.frame_hops, "failures": list(result.failures), "ok": result.ok,
            "captured_frames": result.captured, "pcap": result.pcap,
            "not_admitted": list(result.not_admitted), "streams": streams}


def _histogram(stats: ListenerStats, console) -> None:
    from rich.table import Table
    from rich.text import Text

    if not stats.histogram:
        console.print(f"[dim]{stats.stream} -> {stats.listener}: no frames received[/dim]")
        return
    low, high = stats.min_ns, stats.max_ns
    width = max(1, -(-(high - low + 1) // _HIST_BINS))
    bins = [0] * _HIST_BINS
    for edge, count in stats.histogram:
        bins[min(_HIST_BINS - 1, (edge - low) // width)] += count
    while len(bins) > 1 and bins[-1] == 0:
        bins.pop()
    peak = max(bins)
    table = Table(title=f"latency of {stats.stream} at {stats.listener} ({stats.received} frames)",
                  show_edge=False, box=None)
    table.add_column("from", justify="right")
    table.add_column("frames", justify="right")
    table.add_column("")
    for i, count in enumerate(bins):
        start = low + i * width
        style = "red" if start > stats.deadline_ns else "green"
        table.add_row(_ns(start), str(count), Text("█" * max(1 if count else 0, count * _BAR_WIDTH // peak), style))
    console.print(table)


def render_emulation(result: EmulationResult, console, stream: str | None = None, top: int = 40) -> None:
    """Per-listener rows, problems first; then the histogram of ``stream`` (default: the worst one)."""
    from rich import box            # rich's tables only when rendering: --json does without them
    from rich.table import Table
    from rich.text import Text

    bad = [s for s in result.listeners if not s.ok]
    rows = bad + [s for s in result.listeners if s.ok]
    table = Table(title=f"emulated {_ns(result.duration_ns)}, seed {result.seed}: "
                        f"{result.events:,} events, {result.frame_hops:,} frame-hops",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("stream -> listener", overflow="fold", min_width=22)
    for column in ("recv", "lost", "late", "dup", "max", "jitter", "deadline"):
        table.add_column(column, justify="right")
    for s in rows[:top]:
        style = "red" if not s.ok else None
        table.add_row(f"{s.stream} -> {s.listener}", str(s.received),
                      Text(str(s.lost), "bold red" if s.lost else ""),
                      Text(str(s.deadline_misses), "bold red" if s.deadline_misses else ""),
                      str(s.duplicates_eliminated), _ns(s.max_ns), _ns(s.jitter_ns), _ns(s.deadline_ns), style=style)
    console.print(table)
    if len(rows) > top:
        console.print(f"[dim]... {len(rows) - top} more listeners (all within their deadline)[/dim]")
    if result.failures:
        console.print("failures: " + ", ".join(result.failures))
    if result.not_admitted:
        console.print("[yellow]not admitted[/yellow] (no window in the schedule, not sent): "
                      + ", ".join(result.not_admitted))
    if result.policed:
        console.print("policed by 802.1Qci stream gates (one frame each, not the frames after it): " + ", ".join(
            f"{sid} {n} {reason}" for sid, reasons in sorted(result.policed.items()) for reason, n in reasons.items()))
    if result.pcap:
        console.print(f"capture: {result.captured:,} frames written to {result.pcap}")
    chosen = [s for s in result.listeners if s.stream == stream] if stream else \
        sorted([s for s in result.listeners if s.max_ns is not None],
               key=lambda s: (s.ok, -(s.max_ns / max(1, s.deadline_ns))))[:1]
    for stats in chosen:
        _histogram(stats, console)
    lost = sum(s.lost for s in result.listeners)
    late = sum(s.deadline_misses for s in result.listeners)
    if lost or late or result.not_admitted:
        console.print(f"[bold red]requirements not met[/bold red]: {lost} frames lost, {late} deadline misses, "
                      f"{len(result.not_admitted)} streams not carried")
    else:
        console.print("[green]every frame arrived within its deadline[/green]")


def phase_sweep_to_json(sweep) -> dict:
    """``tsnplan-phase-sweep/1``: per listener the worst latency over every phase set and its run."""
    deadline = {(s.stream, s.listener): s.deadline_ns for s in sweep.runs[0].listeners} if sweep.runs else {}
    return {"format": "tsnplan-phase-sweep/1", "runs": len(sweep.runs), "ok": sweep.ok,
            "lost": sweep.lost, "late": sweep.late, "phase_sets": [dict(sorted(p.items())) for p in sweep.phase_sets],
            "listeners": [{"stream": k[0], "listener": k[1], "max_ns": v[0], "run": v[1],
                           "deadline_ns": deadline.get(k)} for k, v in sorted(sweep.worst.items())]}


def render_phase_sweep(sweep, console, top: int = 40) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=f"phase sweep: {len(sweep.runs)} runs", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    for column in ("stream -> listener", "worst", "run", "deadline"):
        table.add_column(column, justify="left" if column.startswith("stream") else "right", overflow="fold")
    deadline = {(s.stream, s.listener): s.deadline_ns for s in sweep.runs[0].listeners} if sweep.runs else {}
    rows = sorted(sweep.worst.items(), key=lambda kv: -kv[1][0] / max(1, deadline.get(kv[0], 1)))
    for (stream, listener), (worst, run) in rows[:top]:
        table.add_row(f"{stream} -> {listener}", _ns(worst), str(run), _ns(deadline.get((stream, listener))))
    console.print(table)
    if sweep.lost or sweep.late:
        console.print(f"[bold red]over all runs: {sweep.lost} frames lost, {sweep.late} deadline misses[/bold red]")
    else:
        console.print("[green]no frame lost or late in any run[/green]")
