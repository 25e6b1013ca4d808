"""INET export: NED names valid and links complete; the gates in omnetpp.ini, played as INET's
PeriodicGate plays them, give back every port's gate control list."""
from __future__ import annotations

import re

import pytest

from export.conftest import PLANTS, net_of
from tsnplan.io.export.devices import build_devices
from tsnplan.io.export.inet import gate_durations, ned_names


def play(is_open: bool, durations: list[int], cycle: int) -> list[tuple[int, bool]]:
    """(start, state) spans over one cycle, as INET's PeriodicGate (trailing 0 joins the wrap)."""
    if not durations:
        return [(0, is_open)]
    assert len(durations) % 2 == 0 and sum(durations) == cycle
    spans, t = [], 0
    for d in durations:
        if d:
            spans.append((t, is_open))
        t += d
        is_open = not is_open
    return spans


def rebuild(gates: dict[int, tuple[bool, list[int]]], cycle: int) -> list[tuple[int, int]]:
    edges = sorted({0} | {s for k, (o, d) in gates.items() for s, _ in play(o, d, cycle)})
    out = []
    for a, b in zip(edges, edges[1:] + [cycle]):
        mask = 0
        for k, (o, d) in gates.items():
            state = [st for s, st in play(o, d, cycle) if s <= a][-1]
            mask |= int(state) << k
        if out and out[-1][1] == mask:
            out[-1] = (out[-1][0] + b - a, mask)
        else:
            out.append((b - a, mask))
    return out


def test_names_are_ned_identifiers_and_unique():
    names = ned_names(["sw-1", "sw_1", "5gs", "a.b", "plc$(x)"])
    assert len(set(names.values())) == 5
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in names.values())


@pytest.mark.parametrize("name", PLANTS)
def test_gates_give_back_the_schedule(cli, scheduled, tmp_path, name):
    plant, _, path, doc = scheduled[name]
    status, _, err = cli("export", path, "--to", "inet", tmp_path / "inet", "--network", net_of(name))
    assert status == 0, err
    ned = next((tmp_path / "inet").glob("*.ned")).read_text()
    ini = (tmp_path / "inet" / "omnetpp.ini").read_text()
    assert ned.count("<--> EthernetLink") == len(plant.network.links)
    values = dict(line.split(" = ", 1) for line in ini.splitlines() if " = " in line)
    names = ned_names(sorted({n for k in doc["ports"] for n in k.split("->")}))
    for d in build_devices(doc, str(path), plant.network):
        for i, p in enumerate(d.ports):
            where = f"*.{names[d.node]}.eth[{i}].macLayer.queue"
            assert int(values[f"{where}.numTrafficClasses"]) == d.queues
            gates = {}
            for k in range(d.queues):
                g = f"{where}.transmissionGate[{k}]"
                durations = [int(x[:-2]) for x in re.findall(r"\d+ns", values[f"{g}.durations"])]
                gates[k] = (values[f"{g}.initiallyOpen"] == "true", durations)
            merged = []
            for dur, mask in p.entries:
                if merged and merged[-1][1] == mask:
                    merged[-1] = (merged[-1][0] + dur, mask)
                else:
                    merged.append((dur, mask))
            assert rebuild(gates, p.cycle_ns) == merged, p.key
    senders = [line for line in ini.splitlines() if line.endswith('"UdpSourceApp"')]
    assert len(senders) == sum(len({tuple(x)[-1] for x in s["paths"]}) for s in doc["streams"].values())


def test_a_gate_that_never_changes_has_no_durations():
    assert gate_durations([(1000, 0b10)], 1) == (True, [])
    assert gate_durations([(1000, 0b10), (500, 0)], 1) == (True, [1000, 500])
    assert gate_durations([(10, 2), (20, 0), (30, 2)], 1) == (True, [10, 20, 30, 0])
