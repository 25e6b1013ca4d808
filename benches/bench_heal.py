"""N-1 self-healing analysis on a generated 100-bridge, 2000-stream plant.

Run: ``pytest benches/bench_heal.py --benchmark-only -s`` (prints the time per scenario), or
``python benches/bench_heal.py [--workers 2]`` for a one-off table.
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import pytest
import yaml

from tsnplan.io.plant import load_plant

RINGS, RING_SIZE, STATIONS_PER_BRIDGE, N_STREAMS, SEED = 10, 10, 4, 2000, 7


def generate_plant(directory: Path, rings: int = RINGS, ring_size: int = RING_SIZE,
                   stations: int = STATIONS_PER_BRIDGE, n_streams: int = N_STREAMS, seed: int = SEED):
    """A ladder of cell rings (1 Gb/s): ring i is joined to ring i+1 at two of its bridges, so
    every bridge pair has two node-disjoint routes; single-homed stations; mostly cell-local
    streams, a fifth across cells; a tenth FRER, a tenth protected, the rest without request."""
    rng = random.Random(seed)
    bridge = lambda r, k: f"sw-{r:02d}-{k:02d}"   # noqa: E731
    nodes = {bridge(r, k): {"kind": "bridge"} for r in range(rings) for k in range(ring_size)}
    links = [{"ends": [bridge(r, k), bridge(r, (k + 1) % ring_size)], "medium": "fibre", "length": "50m"}
             for r in range(rings) for k in range(ring_size)]
    links += [{"ends": [bridge(r, k), bridge((r + 1) % rings, k)], "medium": "fibre", "length": "100m"}
              for r in range(rings) for k in (0, ring_size // 2)]
    hosts = {}
    for r in range(rings):
        for k in range(ring_size):
            for j in range(stations):
                name = f"es-{r:02d}-{k:02d}-{j}"
                nodes[name] = {"kind": "end-station"}
                links.append({"ends": [name, bridge(r, k)], "length": "10m"})
                hosts.setdefault(r, []).append(name)
    streams = []
    for i in range(n_streams):
        r = rng.randrange(rings)
        talker = rng.choice(hosts[r])
        other = r if rng.random() < 0.8 else rng.randrange(rings)
        listener = rng.choice([h for h in hosts[other] if h != talker])
        period = rng.choice([500_000, 1_000_000, 2_000_000, 4_000_000])
        redundancy = rng.choices(["none", "frer", "protect"], [8, 1, 1])[0]
        streams.append({"id": f"s{i:04d}", "talker": talker, "listeners": [listener], "type": "cyclic-synchronous",
                        "period": period, "payload": rng.choice([40, 64, 100, 200]), "deadline": period,
                        "redundancy": redundancy})
    directory.mkdir(parents=True, exist_ok=True)
    net = {"network": f"ladder-{rings}x{ring_size}", "defaults": {"bridge": {"processing": "4us"}},
           "nodes": nodes, "links": links}
    (directory / "network.yaml").write_text(yaml.safe_dump(net, sort_keys=False))
    (directory / "streams.yaml").write_text(yaml.safe_dump({"streams": streams}, sort_keys=False))
    return load_plant(directory / "network.yaml", directory / "streams.yaml")
