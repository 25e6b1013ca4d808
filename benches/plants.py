"""Seeded synthetic plants for the benches: a mesh of bridges with end stations and many streams."""
from __future__ import annotations

import random
from pathlib import Path


def write_mesh_plant(directory: Path, bridges: int, streams: int, seed: int = 1, stations_per_bridge: int = 4) -> tuple[Path, Path]:
    """A ring of ``bridges`` with chords to the 4th and the opposite bridge, 1G links, and ``streams`` unicast streams."""
    rng = random.Random(seed)
    nodes = [f"  sw-{i}: {{kind: bridge}}" for i in range(bridges)]
    pairs = sorted({tuple(sorted((i, (i + d) % bridges))) for d in (1, 4, bridges // 2) for i in range(bridges)})
    links = [f"  - {{ends: [sw-{a}, sw-{b}], rate: 1G, length: 20m}}" for a, b in pairs if a != b]
    stations = []
    for i in range(bridges):
        for j in range(stations_per_bridge):
            stations.append(f"es-{i}-{j}")
            nodes.append(f"  es-{i}-{j}: {{kind: end-station}}")
            links.append(f"  - {{ends: [es-{i}-{j}, sw-{i}], rate: 1G, length: 5m}}")
    net = directory / "network.yaml"
    net.write_text(f"network: mesh-{bridges}\ndefaults:\n  bridge: {{processing: 2us, queues: 8, gcl_max_entries: 100000}}\n"
                   "nodes:\n" + "\n".join(nodes) + "\nlinks:\n" + "\n".join(links) + "\n")
    lines = []
    for k in range(streams):
        a, b = rng.sample(stations, 2)
        period = rng.choice([1000, 2000, 4000])
        lines.append(f"  - {{id: f{k:05d}, talker: {a}, listeners: [{b}], type: cyclic-synchronous, "
                     f"period: {period}us, payload: {rng.choice([64, 128, 256])}B, deadline: {period}us}}")
    st = directory / "streams.yaml"
    st.write_text("streams:\n" + "\n".join(lines) + "\n")
    return net, st
