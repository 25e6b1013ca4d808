"""`tsnplan diff`: node, link and stream differences of two networks."""
from __future__ import annotations

from rich import box
from rich.table import Table

from tsnplan.report.format import fmt_ns

__all__ = ["render_diff"]


def _ns(v):
    return "-" if v is None else fmt_ns(v)


def render_diff(diff, console) -> None:
    a, b = diff.names
    console.rule(f"[bold]tsnplan diff[/bold]: {a} -> {b}")
    console.print(f"nodes added: {', '.join(diff.nodes_added) or 'none'}; removed: {', '.join(diff.nodes_removed) or 'none'}")
    console.print(f"links added: {', '.join(diff.links_added) or 'none'}; removed: {', '.join(diff.links_removed) or 'none'}")
    table = Table(box=box.SIMPLE, title="changed nodes and links")
    for col in ("element", "field", a, b):
        table.add_column(col)
    for kind, changed in (("node", diff.nodes_changed), ("link", diff.links_changed)):
        for element, fields in changed.items():
            for field, (old, new) in fields.items():
                table.add_row(f"{kind} {element}", field, str(old), str(new))
    console.print(table)
    if diff.streams:
        table = Table(box=box.SIMPLE, title="streams: worst latency and slack")
        for col in ("stream", f"latency {a}", f"latency {b}", f"slack {a}", f"slack {b}"):
            table.add_column(col, justify="left" if col == "stream" else "right")
        for sid, f in diff.streams.items():
            table.add_row(sid, _ns(f["latency_a_ns"]), _ns(f["latency_b_ns"]), _ns(f["slack_a_ns"]), _ns(f["slack_b_ns"]))
        console.print(table)
