"""Small plants for the resilience tests, built from model records (no files)."""
from __future__ import annotations

import pytest

from tsnplan.io.plant import Plant, load_plant
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.network import Link, Network, Node, NodeKind
from tsnplan.model.streams import Redundancy, Stream, StreamSet
from tsnplan.topologies import plant_files


def ladder_network(rings: int, size: int, stations: int = 0) -> Network:
    """Rings of ``size`` bridges, ring i joined to ring i+1 at bridges 0 and size/2."""
    bridge = lambda r, k: f"sw-{r:02d}-{k:02d}"   # noqa: E731
    nodes = [Node(bridge(r, k), NodeKind.BRIDGE, processing_ns=4000) for r in range(rings) for k in range(size)]
    pairs = [(bridge(r, k), bridge(r, (k + 1) % size)) for r in range(rings) for k in range(size)]
    if rings > 1:
        pairs += [(bridge(r, k), bridge((r + 1) % rings, k)) for r in range(rings) for k in (0, size // 2)]
    for r in range(rings):
        for k in range(size):
            for j in range(stations):
                name = f"es-{r:02d}-{k:02d}-{j}"
                nodes.append(Node(name, NodeKind.END_STATION))
                pairs.append((name, bridge(r, k)))
    links = [Link(a, b, Medium.COPPER, 1_000_000_000, 10, 50) for a, b in pairs]
    return Network(f"ladder-{rings}x{size}", nodes, links)


def stream(sid, talker, listeners, period_ns=1_000_000, redundancy=Redundancy.NONE, deadline_ns=None):
    return Stream(sid, talker, tuple(listeners), period_ns, 64, deadline_ns or period_ns, redundancy=redundancy)


@pytest.fixture(scope="session")
def body_shop() -> Plant:
    return load_plant(*plant_files("body-shop-cell"))


@pytest.fixture(scope="session")
def agv_hall() -> Plant:
    return load_plant(*plant_files("agv-hall"))


@pytest.fixture
def ring_plant() -> Plant:
    """Four bridges in a ring, two stations on opposite bridges, a dual-homed station on sw-00-00
    and sw-00-02, and a stream whose end points share a bridge (its single point of failure)."""
    network = ladder_network(1, 4, stations=1)
    dual = Node("dual", NodeKind.END_STATION)
    links = network.links + [Link("dual", "sw-00-00", Medium.COPPER, 1_000_000_000, 10, 50),
                             Link("dual", "sw-00-02", Medium.COPPER, 1_000_000_000, 10, 50)]
    network = Network("ring", network.nodes + [dual], links)
    streams = StreamSet((
        stream("across", "es-00-00-0", ["es-00-02-0"]),
        stream("frer", "es-00-01-0", ["es-00-03-0"], redundancy=Redundancy.FRER),
        stream("from-dual", "dual", ["es-00-01-0"], period_ns=500_000, redundancy=Redundancy.PROTECT),
        stream("local", "es-00-01-0", ["dual"], redundancy=Redundancy.FRER),
    ))
    return Plant(network, streams)


@pytest.fixture(scope="session")
def ladder():
    return ladder_network
