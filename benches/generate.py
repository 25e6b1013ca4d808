"""Seeded synthetic plants for benchmarks: N bridges (ring of rings or mesh), end stations, M streams.

    python benches/generate.py --bridges 500 --streams 20000 --out /tmp/plant-500

writes network.yaml and streams.yaml. The same arguments and seed give byte-identical files.
A ring of rings is a core ring (one bridge per 50) with access rings of ten bridges, each coupled
to two core bridges; a mesh is a grid with a few long shortcuts. Streams are harmonic
(500 us - 8 ms), small (48-256 B) and mostly cyclic; routes follow tsnplan's shortest paths, so
core links may carry many streams.
"""
from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

__all__ = ["generate", "write_plant", "TOPOLOGIES"]

TOPOLOGIES = ("ring-of-rings", "mesh")
_PERIODS = ("500us", "1ms", "2ms", "4ms", "8ms")
_TYPES = (("isochronous", 0.15), ("cyclic-synchronous", 0.55), ("cyclic-asynchronous", 0.2),
          ("alarms-events", 0.05), ("best-effort", 0.05))


def _bridge_links(n_bridges: int, topology: str, rng: random.Random) -> list[tuple[int, int]]:
    """Bridge pairs: a core ring with access rings of ten coupled to it at both ends, or a grid."""
    if topology == "ring-of-rings":
        core = max(3, n_bridges // 50)
        links = set()

        def ring(members):
            for a, b in zip(members, members[1:] + members[:1]):
                if a != b:
                    links.add((min(a, b), max(a, b)))
        ring(list(range(min(core, n_bridges))))
        for index, head in enumerate(range(core, n_bridges, 10)):
            members = list(range(head, min(head + 10, n_bridges)))
            ring(members)
            links.add((index % core, members[0]))                 # dual coupling to the core
            links.add(((index + 1) % core, members[-1]))
        return sorted(links)
    side = math.ceil(math.sqrt(n_bridges))
    links = set()
    for b in range(n_bridges):
        row, col = divmod(b, side)
        if col + 1 < side and b + 1 < n_bridges:
            links.add((b, b + 1))
        if b + side < n_bridges:
            links.add((b, b + side))
    for _ in range(n_bridges // 10):                    # a few long shortcuts
        a, b = rng.randrange(n_bridges), rng.randrange(n_bridges)
        if a != b:
            links.add((min(a, b), max(a, b)))
    return sorted(links)


def generate(n_bridges: int, n_streams: int, *, topology: str = "ring-of-rings", stations_per_bridge: int = 4,
             seed: int = 1) -> tuple[str, str]:
    """(network YAML text, streams YAML text) of a synthetic plant."""
    if topology not in TOPOLOGIES:
        raise ValueError(f"topology must be one of {', '.join(TOPOLOGIES)}")
    rng = random.Random(seed)
    width = len(str(n_bridges - 1))
    bridge = [f"sw-{b:0{width}d}" for b in range(n_bridges)]
    stations = [f"es-{b:0{width}d}-{k}" for b in range(n_bridges) for k in range(stations_per_bridge)]
    net = [f"# Synthetic {topology} plant: {n_bridges} bridges, {len(stations)} end stations (seed {seed}).",
           f"network: synthetic-{topology}-{n_bridges}",
           "defaults:",
           "  bridge: {processing: 4us, queues: 8, gcl_max_entries: 1024, features: [qbv, frer]}",
           "nodes:"]
    net += [f"  {name}: {{kind: bridge}}" for name in bridge]
    net += [f"  {name}: {{kind: end-station}}" for name in stations]
    net.append("links:")
    for a, b in _bridge_links(n_bridges, topology, rng):
        net.append(f"  - {{ends: [{bridge[a]}, {bridge[b]}], medium: fibre, rate: 1G, length: {rng.randint(20, 400)}m}}")
    for index, name in enumerate(stations):
        net.append(f"  - {{ends: [{name}, {bridge[index // stations_per_bridge]}], rate: 1G, length: {rng.randint(2, 60)}m}}")

    types = [t for t, _ in _TYPES]
    weights = [w for _, w in _TYPES]
    out = [f"# {n_streams} synthetic streams (seed {seed}).", "streams:"]
    for s in range(n_streams):
        talker = rng.choice(stations)
        listeners = [rng.choice(stations)]
        if rng.random() < 0.05:
            listeners += rng.sample(stations, 2)
        listeners = [l for l in dict.fromkeys(listeners) if l != talker] or [stations[(stations.index(talker) + 1) % len(stations)]]
        kind = rng.choices(types, weights)[0]
        period = rng.choice(_PERIODS) if kind != "alarms-events" else "64ms"
        out.append(f"  - {{id: s{s:05d}, talker: {talker}, listeners: [{', '.join(listeners)}], type: {kind}, "
                   f"period: {period}, payload: {rng.randrange(48, 257, 8)}B}}")
    return "\n".join(net) + "\n", "\n".join(out) + "\n"


def write_plant(folder: str | Path, n_bridges: int, n_streams: int, **options) -> tuple[Path, Path]:
    """Write network.yaml and streams.yaml into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    network_text, streams_text = generate(n_bridges, n_streams, **options)
    network, streams = folder / "network.yaml", folder / "streams.yaml"
    network.write_text(network_text)
    streams.write_text(streams_text)
    return network, streams


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bridges", type=int, default=500)
    parser.add_argument("--streams", type=int, default=20_000)
    parser.add_argument("--topology", choices=TOPOLOGIES, default="ring-of-rings")
    parser.add_argument("--stations-per-bridge", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="folder for network.yaml and streams.yaml")
    args = parser.parse_args(argv)
    for path in write_plant(args.out, args.bridges, args.streams, topology=args.topology,
                            stations_per_bridge=args.stations_per_bridge, seed=args.seed):
        print(path)


if __name__ == "__main__":
    main()
