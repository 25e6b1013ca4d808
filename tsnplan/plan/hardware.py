"""What the equipment can do after a set of actions, and the checks the pipeline does not make.

The scheduler and the budget take the network as given; whether a bridge has the ports for a
new cable, supports a link's rate, or implements 802.1Qbv for the scheduled streams crossing it
(802.1CB where FRER streams split and merge) is the planner's question. Both the exact model
(``solve``) and the verifier (``verify``) use these definitions.
"""
from __future__ import annotations

from dataclasses import dataclass

from tsnplan.model.features import split_merge
from tsnplan.model.network import Feature, Network, NodeKind
from tsnplan.model.streams import Stream
from tsnplan.plan.catalogue import Catalogue

__all__ = ["Equipment", "equipment", "split_merge", "feature_needs", "hardware_violations"]


@dataclass(frozen=True, slots=True)
class Equipment:
    ports: int
    max_rate_bps: int
    features: frozenset[Feature]


def equipment(base: Network, catalogue: Catalogue, actions=()) -> dict[str, Equipment]:
    """Per bridge of the base network: ports, fastest rate and features, after ``actions``.

    An as-is bridge has the ports it uses plus its spare ports and runs as fast as its fastest
    link; a replaced bridge has its model's figures.
    """
    out = {}
    for node in base.nodes:
        if node.kind is not NodeKind.BRIDGE:
            continue
        links = [base.link(node.id, n) for n in base.neighbours(node.id)]
        out[node.id] = Equipment(len(links) + catalogue.spare_ports.get(node.id, 0),
                                 max((l.rate_bps for l in links), default=0), node.features)
    for action in actions:
        if action.kind == "replace-bridge":
            model = catalogue.models[action.model]
            out[action.nodes[0]] = Equipment(model.ports, model.rates_bps[-1], model.features)
    return out


def feature_needs(stream: Stream, paths, replicas=None) -> list[tuple[str, Feature]]:
    """(node, feature) pairs a stream needs on its routes: 802.1Qbv on every forwarding node of a
    scheduled stream, 802.1CB where an FRER stream's routes split and merge."""
    needs = []
    if stream.scheduled:
        for path in list(paths) + [p for p in (replicas or ()) if p]:
            needs += [(n, Feature.QBV) for n in path[1:-1]]
    if stream.rtag:
        for first, second in zip(paths, replicas or ()):
            if second:
                needs += [(n, Feature.FRER) for n in split_merge(first, second)]
    return sorted(set(needs))


def hardware_violations(network: Network, plant_problem, gear: dict[str, Equipment]) -> list[str]:
    """Ports, rates and features the to-be network asks of its bridges and they lack."""
    out = []
    for bridge, kit in sorted(gear.items()):
        if not network.has_node(bridge):
            continue
        degree = len(network.neighbours(bridge))
        if degree > kit.ports:
            out.append(f"bridge {bridge}: {degree} links but {kit.ports} ports")
        fast = [network.link(bridge, n) for n in network.neighbours(bridge)
                if network.link(bridge, n).rate_bps > kit.max_rate_bps]
        if fast:
            out.append(f"bridge {bridge}: link {fast[0].key} at {fast[0].rate_bps // 1_000_000} Mb/s exceeds its ports")
    routes = plant_problem.routes
    for stream in plant_problem.streams:
        if stream.id not in routes.paths:
            continue
        for node, feature in feature_needs(stream, routes.paths[stream.id], routes.replicas.get(stream.id)):
            kit = gear.get(node)
            if kit is not None and feature not in kit.features:
                out.append(f"stream {stream.id}: bridge {node} lacks {feature.value}")
    return out
