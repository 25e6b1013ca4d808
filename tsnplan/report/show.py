"""`tsnplan show`: the plant at a glance, overloaded links highlighted.

Load is the offered load of every stream on its shortest route, so an overloaded port means no
schedule can exist; ports leaving a 10BASE-T1S segment are left out (the frame is already on the
bus, the member's own port carries it and shows the whole segment's share).
"""
from __future__ import annotations

from collections import Counter, defaultdict

from rich.markup import escape
from rich.table import Table

from tsnplan.model.load import OVERLOADED, overloaded_ports, ports_by_load
from tsnplan.units import format_rate_bps, format_time_ns

__all__ = ["render_show", "show_to_json", "BUSY"]

BUSY = 0.75        # highlighted as a warning


def _media(network) -> dict[str, dict]:
    media: dict[str, dict] = defaultdict(lambda: {"links": 0, "length_m": 0, "rates_bps": set()})
    for link in network.links:
        entry = media[link.medium.value]
        entry["links"] += 1
        entry["length_m"] += link.length_m
        entry["rates_bps"].add(link.rate_bps)
    return {m: {**e, "rates_bps": sorted(e["rates_bps"])} for m, e in sorted(media.items())}


def _streams_per_type(streams) -> dict[str, dict]:
    per_type: dict[str, dict] = {}
    for stream in streams:
        entry = per_type.setdefault(stream.traffic_type.value, {"streams": 0, "scheduled": 0, "periods_ns": set()})
        entry["streams"] += 1
        entry["scheduled"] += int(stream.scheduled)
        entry["periods_ns"].add(stream.period_ns)
    return {t: {"streams": e["streams"], "scheduled": e["scheduled"],
                "period_min_ns": min(e["periods_ns"]), "period_max_ns": max(e["periods_ns"])}
            for t, e in sorted(per_type.items())}


def show_to_json(plant, problem, load) -> dict:
    network = plant.network
    order = ports_by_load(problem, load)
    return {
        "format": "tsnplan-show/1",
        "network": network.name,
        "source": network.source,
        "timing": plant.timing,
        "node_counts": dict(sorted(Counter(n.kind.value for n in network.nodes).items())),
        "nodes": {n.id: {"kind": n.kind.value} for n in network.nodes},
        "media": _media(network),
        "links": [{"ends": [l.a, l.b], "medium": l.medium.value, "rate_bps": l.rate_bps,
                   "length_m": l.length_m, "propagation_ns": l.propagation_ns} for l in network.links],
        "streams": len(plant.streams),
        "streams_per_type": {t: e["streams"] for t, e in _streams_per_type(plant.streams).items()},
        "traffic_types": _streams_per_type(plant.streams),
        "unrouted": list(problem.unrouted),
        "ports": {problem.port_names[p]: {
            "medium": network.ports[problem.port_names[p]].link.medium.value,
            "rate_bps": int(problem.port_rate_bps[p]),
            "load_bps": round(float(load.port_bps[p]), 3),
            "utilisation": round(float(load.port_utilisation[p]), 6),
            "streams": int(load.port_streams[p])} for p in order},
        "overloaded": [problem.port_names[p] for p in overloaded_ports(problem, load)],
    }


def _length(metres: int) -> str:
    return f"{metres / 1000:g} km" if metres >= 10_000 else f"{metres} m"


def render_show(plant, problem, load, console, top: int = 20) -> None:
    network = plant.network
    timing = "  [dim]tsnkit timing[/dim]" if plant.timing == "tsnkit" else ""
    console.print(f"[bold]{escape(network.name)}[/bold]  ({escape(str(network.source))}){timing}", soft_wrap=True)
    console.print(f"{len(network.nodes)} nodes, {len(network.links)} links, "
                  f"{len(plant.streams)} streams", soft_wrap=True)

    nodes = Table(title="Nodes", title_justify="left")
    nodes.add_column("kind")
    nodes.add_column("count", justify="right")
    for kind, count in sorted(Counter(n.kind.value for n in network.nodes).items()):
        nodes.add_row(kind, str(count))
    media = Table(title="Links per medium", title_justify="left")
    for col in ("medium", "rates", "links", "length"):
        media.add_column(col, justify="left" if col in ("medium", "rates") else "right")
    for medium, entry in _media(network).items():
        media.add_row(medium, ", ".join(format_rate_bps(r) for r in entry["rates_bps"]), str(entry["links"]),
                      _length(entry["length_m"]))
    console.print(nodes, media)

    types = Table(title="Streams per traffic type", title_justify="left")
    for col in ("type", "streams", "scheduled", "periods"):
        types.add_column(col, justify="left" if col in ("type", "periods") else "right")
    for kind, entry in _streams_per_type(plant.streams).items():
        lo, hi = format_time_ns(entry["period_min_ns"]), format_time_ns(entry["period_max_ns"])
        types.add_row(kind, str(entry["streams"]), str(entry["scheduled"]), lo if lo == hi else f"{lo} - {hi}")
    if plant.streams:
        console.print(types)
    if problem.unrouted:
        listed = ", ".join(problem.unrouted[:10]) + (" ..." if len(problem.unrouted) > 10 else "")
        console.print(f"[yellow]{len(problem.unrouted)} streams have no route[/yellow]: {listed}", soft_wrap=True)

    order = ports_by_load(problem, load)
    shown = order[:max(0, top)]
    table = Table(title=f"Link load (top {len(shown)} of {len(order)} ports, shortest routes)", title_justify="left")
    for col in ("port", "medium", "rate", "streams", "load", "utilisation"):
        table.add_column(col, justify="left" if col in ("port", "medium") else "right",
                         overflow="fold" if col == "port" else "ellipsis")
    for p in shown:
        port = network.ports[problem.port_names[p]]
        share = float(load.port_utilisation[p])
        style = "bold red" if share > OVERLOADED else ("yellow" if share > BUSY else None)
        table.add_row(port.name, port.link.medium.value, format_rate_bps(port.rate_bps),
                      str(int(load.port_streams[p])), f"{load.port_bps[p] / 1e6:.3f} Mb/s", f"{share:.1%}",
                      style=style)
    console.print(table)
    overloaded = len(overloaded_ports(problem, load))
    if overloaded:
        ports = "1 port is" if overloaded == 1 else f"{overloaded} ports are"
        console.print(f"[bold red]{ports} overloaded[/bold red] (offered load above the rate)")
    elif order:
        console.print(f"no port is overloaded (busiest {float(load.port_utilisation[order[0]]):.1%})")
