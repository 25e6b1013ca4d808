"""Report of a schedule: status, per-port utilisation and GCL entries, gate timelines, per-stream latency."""
from __future__ import annotations

from rich.markup import escape

import numpy as np

from tsnplan.model.compile import CompiledProblem
from tsnplan.schedule.result import ScheduleResult
from tsnplan.report.format import fmt_ns
from tsnplan.units import format_time_ns

__all__ = ["render_schedule", "schedule_to_report_json", "port_summary", "render_verdict"]

TIMELINE_WIDTH = 64           # cells of a gate timeline on a wide terminal
MAX_STREAM_ROWS = 30
MAX_PORT_ROWS = 12


def port_summary(problem: CompiledProblem, result: ScheduleResult) -> list[dict]:
    """Per port with windows: busy share of the hyperperiod (ppm), windows and GCL entries."""
    port = problem.hop_port[result.window_hop] if len(result.window_hop) else np.zeros(0, np.int64)
    busy = np.bincount(port, weights=result.window_end_ns - result.window_start_ns, minlength=problem.n_ports)
    windows = np.bincount(port, minlength=problem.n_ports)
    entries = np.diff(result.gcl.ptr) if result.gcl is not None else np.zeros(problem.n_ports, np.int64)
    rows = []
    for q in np.flatnonzero(windows):
        rows.append({"port": problem.port_names[q], "utilisation_ppm": int(busy[q]) * 1_000_000 // result.hyperperiod_ns,
                     "windows": int(windows[q]), "gcl_entries": int(entries[q]),
                     "gcl_max": int(problem.port_gcl_max[q])})
    rows.sort(key=lambda r: (-r["utilisation_ppm"], r["port"]))
    return rows


def schedule_to_report_json(problem: CompiledProblem, result: ScheduleResult) -> dict:
    """The schedule.json document plus a ``summary`` of ports; no wall-clock time, so equal inputs
    give equal bytes (the solve time is in the terminal report)."""
    from tsnplan.io.schedule_json import schedule_to_json

    doc = schedule_to_json(problem, result)
    doc["summary"] = {"ports": port_summary(problem, result)}
    if "proof" in result.extra:
        doc["proof"] = result.extra["proof"]
    return doc


def _timeline(problem, result, port: int, width: int) -> str:
    H = result.hyperperiod_ns
    cells = [" "] * width
    sel = np.flatnonzero(problem.hop_port[result.window_hop] == port)
    for w in sel:
        a = int(result.window_start_ns[w]) * width // H
        b = max(a + 1, -(-int(result.window_end_ns[w]) * width // H))
        for i in range(a, min(b, width)):
            cells[i] = str(int(problem.hop_class[result.window_hop[w]]))     # the class on this port
    return "".join(cells)


def _stream_slack(problem: CompiledProblem, result: ScheduleResult) -> list[tuple[int, str, int, int]]:
    """(slack, id, index, worst latency) of each stream whose listeners all have a latency, least
    slack first; one pass over the listener arrays, not three numpy calls per stream."""
    ptr = problem.listener_ptr
    listened = np.flatnonzero(np.diff(ptr) > 0)
    if not len(listened):
        return []
    lat, starts = result.listener_latency_ns, ptr[listened]   # no empty segment: reduceat is exact
    met = np.minimum.reduceat(lat, starts) >= 0
    ok, worst = listened[met], np.maximum.reduceat(lat, starts)[met]
    slack = problem.stream_deadline_ns[ok] - worst
    ids = problem.stream_ids
    return sorted(zip(slack.tolist(), [ids[s] for s in ok.tolist()], ok.tolist(), worst.tolist()))


def render_schedule(problem: CompiledProblem, result: ScheduleResult, console, output: str | None = None,
                    top: int = 6) -> None:
    from rich import box
    from rich.table import Table

    colour = {"feasible": "green", "partial": "yellow"}.get(result.status.value, "red")
    gated = {sid for sid, flag in zip(problem.stream_ids, problem.stream_scheduled.tolist()) if flag}
    placed = len(gated - set(result.unscheduled))
    others = len(problem.stream_ids) - len(gated)
    console.print(f"[{colour}]{result.status.value}[/{colour}]: {escape(problem.network.name)}: {placed}/"
                  f"{len(gated)} scheduled streams placed" + (f" ({others} unscheduled)" if others else "")
                  + f", hyperperiod {format_time_ns(result.hyperperiod_ns)}, "
                  f"method {result.method}, {result.solve_seconds:.3f} s"
                  + (f" -> {output}" if output else ""))
    rows = port_summary(problem, result)
    table = Table(title=f"busiest ports ({min(len(rows), MAX_PORT_ROWS)} of {len(rows)} with scheduled windows)",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("port", "utilisation", "windows", "GCL entries"):
        table.add_column(col, justify="left" if col == "port" else "right")
    for r in rows[:MAX_PORT_ROWS]:
        table.add_row(r["port"], f"{r['utilisation_ppm'] / 10_000:.2f} %", str(r["windows"]),
                      f"{r['gcl_entries']}/{r['gcl_max'] if r['gcl_max'] < 1 << 29 else '-'}")
    console.print(table)
    if rows and top > 0:
        names = [r["port"] for r in rows[:top]]
        label = max(len(n) for n in names)
        width = max(16, min(TIMELINE_WIDTH, console.width - label - 5))
        console.print(f"gate timeline of the busiest ports (one cell = "
                      f"{format_time_ns(result.hyperperiod_ns // width)}, digit = open traffic class)")
        for name in names:
            console.print(f"  {name:>{label}} |{_timeline(problem, result, problem.port_index[name], width)}|",
                          markup=False)
    streams = Table(title="streams (least slack first)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("stream", "period", "deadline", "worst latency", "slack"):
        streams.add_column(col, justify="left" if col == "stream" else "right")
    entries = _stream_slack(problem, result)
    for slack, sid, s, worst in entries[:MAX_STREAM_ROWS]:
        streams.add_row(sid, format_time_ns(int(problem.stream_period_ns[s])),
                        format_time_ns(int(problem.stream_deadline_ns[s])), fmt_ns(worst), fmt_ns(slack))
    console.print(streams)
    if len(entries) > MAX_STREAM_ROWS:
        console.print(f"  ... {len(entries) - MAX_STREAM_ROWS} more streams (see --json)")
    for e in result.explanations[:MAX_STREAM_ROWS]:
        console.print(f"[red]not scheduled[/red] {escape(e.stream)}: {escape(e.reason)}", highlight=False)
        if e.suggestion:
            console.print(f"    would help: {e.suggestion}", highlight=False)
    if len(result.explanations) > MAX_STREAM_ROWS:
        console.print(f"  ... {len(result.explanations) - MAX_STREAM_ROWS} more streams not scheduled (see --json)")
    for w in result.warnings:
        console.print(f"[yellow]warning[/yellow]: {w}")


def render_verdict(verdict, duration_ns: int, seed: int, console) -> None:
    """The outcome of ``schedule --verify-by-emulation``."""
    head = f"verified by emulation ({fmt_ns(duration_ns)}, seed {seed}): "
    if verdict.ok:
        console.print(head + "[green]no frame lost or late beyond what the 5G tail explains[/green]")
        return
    console.print(head + f"[bold red]{verdict.unexplained_lost} frames lost, {verdict.unexplained_late} late[/bold red]")
    for line in verdict.problems()[:20]:
        console.print(f"  {line}")
