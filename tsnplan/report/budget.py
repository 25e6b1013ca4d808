"""`tsnplan budget`: per-stream bounds, a per-hop breakdown, the streams closest to failing."""
from __future__ import annotations

from rich.markup import escape
from rich import box
from rich.table import Table
from rich.text import Text

from tsnplan.report.format import fmt_ns
from tsnplan.budget import UNBOUNDED, BudgetResult
from tsnplan.budget.result import HOP_TERMS

__all__ = ["render_budget", "budget_to_json", "FORMAT"]

FORMAT = "tsnplan-budget/1"
_BAR_WIDTH = 24
_SHORT = {"processing_ns": "proc", "radio_ns": "5G", "access_ns": "access", "queuing_ns": "queue",
          "transmission_ns": "tx", "propagation_ns": "prop"}
_TERM_STYLE = {"processing_ns": "cyan", "radio_ns": "magenta", "access_ns": "yellow", "queuing_ns": "red",
               "transmission_ns": "green", "propagation_ns": "blue"}


def _ns(value: int) -> str:
    return fmt_ns(value, UNBOUNDED)


def budget_to_json(result: BudgetResult, stream: str | None = None) -> dict:
    problem = result.problem
    streams = {}
    for s, stream_id in enumerate(problem.stream_ids):
        if stream is not None and stream_id != stream:
            continue
        listeners = {}
        for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])):
            latency = int(result.listener_latency_ns[l])
            entry = {
                "latency_ns": None if latency == UNBOUNDED else latency,
                "percentile": result.percentile if result.listener_stochastic[l] else None,
                "jitter_ns": None if result.listener_jitter_ns[l] == UNBOUNDED else int(result.listener_jitter_ns[l]),
                "meets": bool(result.listener_meets[l]),
                "composition": result.listener_composition[l].value,
                "union_bound_ns": None if result.listener_union_ns[l] == UNBOUNDED else int(result.listener_union_ns[l]),
                "typical_ns": None if latency == UNBOUNDED else int(result.listener_typical_ns[l]),
                "slack_ns": None if latency == UNBOUNDED else int(problem.stream_deadline_ns[s]) - latency,
                "sync_ns": int(result.listener_sync_ns[l]) if result.listener_sync_ns is not None else 0,
                "hops": [_hop_json(hop) for hop in result.hops(l, 0)],
            }
            if result.listener_stochastic[l] and result.listener_miss_probability is not None:
                entry["miss_probability"] = float(result.listener_miss_probability[l])
                entry["miss_consequence"] = result.listener_miss_consequence[l]
            if problem.listener_hop_alt[l] >= 0:
                failure = int(result.listener_failure_ns[l])
                entry["single_failure_latency_ns"] = None if failure == UNBOUNDED else failure
                entry["meets_single_failure"] = failure != UNBOUNDED and failure <= int(problem.stream_deadline_ns[s])
                entry["second_route_hops"] = [_hop_json(hop) for hop in result.hops(l, 1)]
            listeners[result.listener_name(l)] = entry
        jitter_req = int(problem.stream_jitter_ns[s])
        streams[stream_id] = {"deadline_ns": int(problem.stream_deadline_ns[s]),
                              "jitter_requirement_ns": None if jitter_req < 0 else jitter_req,
                              "basis": result.stream_basis[s].value, "listeners": listeners}
    return {"format": FORMAT, "network": problem.network.name, "percentile": result.percentile,
            "sync_error_ns": result.sync_error_ns, "all_met": result.all_met,
            "warnings": list(result.warnings),
            "fiveg_support": [{"profile": s.profile, "percentile": s.percentile, "samples": s.samples,
                               "samples_beyond": s.samples_beyond, "method": s.method, "supported": not s.warning}
                              for s in result.fiveg_support],
            "streams": streams}


def _hop_json(hop) -> dict:
    out = {"port": hop.port, "medium": hop.medium}
    out.update({name: getattr(hop, name) for name in
                ("transmission_ns", "propagation_ns", "processing_ns", "queuing_ns", "access_ns", "radio_ns")})
    out["stochastic"] = hop.stochastic
    if hop.access_ns:
        out["access_typical_ns"] = hop.access_typical_ns
    return out


def _sorted_listeners(result: BudgetResult) -> list[int]:
    slack = result.listener_slack_ns()
    return sorted(range(len(slack)), key=lambda l: (int(slack[l]), result.listener_name(l), l))


def render_budget(result: BudgetResult, console, stream: str | None = None, top: int = 10) -> None:
    problem = result.problem
    console.print(f"[bold]Latency budget[/bold] {escape(problem.network.name)}: {problem.n_streams} streams, "
                  f"percentile {result.percentile:g} % where a 5G hop is on the path")
    for warning in result.warnings:
        console.print(f"[yellow]note[/yellow]: {warning}", markup=True)
    table = Table(title="Streams (worst case; * = percentile bound over a stochastic hop)", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("stream -> listener", "basis", "latency", "jitter", "deadline", "slack", "ok"):
        table.add_column(col, justify="left" if col in ("stream -> listener", "basis", "ok") else "right",
                         overflow="fold", min_width=22 if col == "stream -> listener" else None)
    slack = result.listener_slack_ns()
    for l in range(len(result.listener_latency_ns)):
        s = result.stream_of_listener(l)
        if stream is not None and problem.stream_ids[s] != stream:
            continue
        latency = int(result.listener_latency_ns[l])
        mark = "*" if result.listener_stochastic[l] else ""
        ok = bool(result.listener_meets[l])
        table.add_row(f"{problem.stream_ids[s]} -> {result.listener_name(l)}", result.stream_basis[s].value,
                      _ns(latency) + mark, _ns(int(result.listener_jitter_ns[l])),
                      _ns(int(problem.stream_deadline_ns[s])), "-" if latency == UNBOUNDED else _ns(int(slack[l])),
                      Text("pass", style="green") if ok else Text("FAIL", style="bold red"))
    console.print(table)
    if stream is not None:
        s = problem.stream_index[stream]
        for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])):
            _render_breakdown(result, l, console)
    else:
        _render_closest(result, console, top)
    failing = result.n_failing
    console.print(f"[bold red]{failing} listeners miss their deadline or jitter[/bold red]" if failing
                  else "[green]every stream meets its deadline and jitter[/green]")


def _render_breakdown(result: BudgetResult, l: int, console) -> None:
    hops = result.hops(l, 0)
    total = sum(h.total_ns for h in hops) or 1
    s = result.stream_of_listener(l)
    console.print(f"\n[bold]{result.problem.stream_ids[s]} -> {result.listener_name(l)}[/bold]: "
                  f"{result.listener_composition[l].value}, union bound {_ns(int(result.listener_union_ns[l]))}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("hop", overflow="fold")
    for name in HOP_TERMS:
        table.add_column(_SHORT[name], justify="right")
    table.add_column("share", no_wrap=True)
    for hop in hops:
        bar = Text()
        for name in HOP_TERMS:
            width = round(_BAR_WIDTH * getattr(hop, name) / total)
            bar.append("█" * width, style=_TERM_STYLE[name])
        table.add_row(hop.port + (" *" if hop.stochastic else ""),
                      *(_ns(getattr(hop, n)) for n in HOP_TERMS), bar)
    console.print(table)
    if result.listener_sync_ns is not None and result.listener_sync_ns[l]:
        console.print(f"plus the sync error {_ns(int(result.listener_sync_ns[l]))} (talker and last bridge clocks)")
    legend = Text("bar: ")
    for name in HOP_TERMS:
        legend.append("█ ", style=_TERM_STYLE[name]).append(_SHORT[name] + "  ")
    console.print(legend)
    if result.listener_stochastic[l] and result.listener_miss_probability is not None:
        console.print(f"per-frame miss probability {result.listener_miss_probability[l]:.3g}: "
                      f"{result.listener_miss_consequence[l]}")


def _render_closest(result: BudgetResult, console, top: int) -> None:
    order = _sorted_listeners(result)[:top]
    if not order:
        return
    table = Table(title=f"Closest to failing (lowest slack, top {len(order)})", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("stream", "listener", "slack", "largest term"):
        table.add_column(col)
    slack = result.listener_slack_ns()
    for l in order:
        s = result.stream_of_listener(l)
        hops = result.hops(l, 0)
        sums = {name: sum(getattr(h, name) for h in hops) for name in HOP_TERMS}
        dominant = max(HOP_TERMS, key=lambda n: (sums[n], n))
        value = "unbounded" if result.listener_latency_ns[l] == UNBOUNDED else _ns(int(slack[l]))
        table.add_row(result.problem.stream_ids[s], result.listener_name(l), value,
                      f"{dominant.removesuffix('_ns')} {_ns(sums[dominant])}")
    console.print(table)

