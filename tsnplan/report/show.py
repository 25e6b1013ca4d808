"""`tsnplan show`: the plant at a glance, overloaded links highlighted."""
from __future__ import annotations

from collections import Counter

import numpy as np
from rich.table import Table

from tsnplan.units import format_rate_bps

__all__ = ["render_show", "show_to_json"]


def _port_rows(problem, load):
    order = sorted(range(problem.n_ports), key=lambda p: (-load.port_utilisation[p], problem.port_names[p]))
    network = problem.network
    for p in order:
        port = network.ports[problem.port_names[p]]
        yield p, port


def show_to_json(plant, problem, load) -> dict:
    network = plant.network
    return {
        "format": "tsnplan-show/1",
        "network": network.name,
        "nodes": {n.id: {"kind": n.kind.value} for n in network.nodes},
        "links": [{"ends": [l.a, l.b], "medium": l.medium.value, "rate_bps": l.rate_bps,
                   "length_m": l.length_m, "propagation_ns": l.propagation_ns} for l in network.links],
        "streams_per_type": dict(sorted(Counter(s.traffic_type.value for s in plant.streams).items())),
        "unrouted": list(problem.unrouted),
        "ports": {port.name: {"load_bps": round(float(load.port_bps[p]), 3),
                              "utilisation": round(float(load.port_utilisation[p]), 6),
                              "streams": int(load.port_streams[p])}
                  for p, port in _port_rows(problem, load)},
    }


def render_show(plant, problem, load, console, top: int = 20) -> None:
    network = plant.network
    kinds = Counter(n.kind.value for n in network.nodes)
    media = Counter((l.medium.value, format_rate_bps(l.rate_bps)) for l in network.links)
    console.print(f"[bold]{network.name}[/bold]  ({network.source})")
    nodes = Table(title="Nodes", title_justify="left")
    nodes.add_column("kind"); nodes.add_column("count", justify="right")
    for kind, count in sorted(kinds.items()):
        nodes.add_row(kind, str(count))
    links = Table(title="Links", title_justify="left")
    for col in ("medium", "rate", "links"):
        links.add_column(col, justify="right" if col == "links" else "left")
    for (medium, rate), count in sorted(media.items()):
        links.add_row(medium, rate, str(count))
    console.print(nodes, links)
    types = Table(title="Streams per traffic type", title_justify="left")
    for col in ("type", "streams", "scheduled"):
        types.add_column(col)
    by_type = Counter(s.traffic_type.value for s in plant.streams)
    scheduled = Counter(s.traffic_type.value for s in plant.streams if s.scheduled)
    for kind, count in sorted(by_type.items()):
        types.add_row(kind, str(count), str(scheduled.get(kind, 0)))
    console.print(types)
    if problem.unrouted:
        console.print(f"[yellow]{len(problem.unrouted)} streams have no route[/yellow]: {', '.join(problem.unrouted[:10])}")
    table = Table(title=f"Link load (top {top} of {problem.n_ports} ports, shortest paths)", title_justify="left")
    for col in ("port", "medium", "rate", "streams", "load", "utilisation"):
        table.add_column(col, justify="left" if col in ("port", "medium") else "right")
    for i, (p, port) in enumerate(_port_rows(problem, load)):
        if i >= top:
            break
        share = float(load.port_utilisation[p])
        style = "bold red" if share > 1.0 else ("yellow" if share > 0.75 else None)
        table.add_row(port.name, port.link.medium.value, format_rate_bps(port.rate_bps), str(int(load.port_streams[p])),
                      f"{load.port_bps[p] / 1e6:.3f} Mb/s", f"{share:.1%}", style=style)
    console.print(table)
    overloaded = int(np.count_nonzero(load.port_utilisation > 1.0))
    if overloaded:
        console.print(f"[bold red]{overloaded} ports are overloaded[/bold red]")
