"""Rules beyond one frame per window: PLCA room on T1S, 5G arrival intervals, per-port GCL cycles,
and schedule files whose routes differ from the default ones."""
import math
import re
from pathlib import Path

import numpy as np

from tsnplan.model.tolerance import tolerance_spread_ns
import pytest

from tsnplan.cli import main
from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import read_schedule, write_schedule
from tsnplan.model.media.ethernet import Medium
from tsnplan.schedule import schedule
from tsnplan.schedule.layout import ScheduleOptions, arrival_spread_ns, build_layout, t1s_access_ns
from tsnplan.schedule.verify import verify

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"


def _compile(net, streams):
    return load_plant(net, streams).compile()


def _tx(problem, s, f, port):
    return -(-int(problem.frame_wire_bytes[problem.frame_ptr[s] + f]) * 8_000_000_000 // int(problem.port_rate_bps[port]))


def test_t1s_windows_hold_the_plca_wait():
    problem = _compile(TOPOLOGIES / "process-plant/network.yaml", TOPOLOGIES / "process-plant/streams.yaml")
    result = schedule(problem, method="heuristic")
    wait = t1s_access_ns(problem)
    seen = 0
    for w in range(len(result.window_hop)):
        h = int(result.window_hop[w])
        port = int(problem.hop_port[h])
        s = int(np.searchsorted(problem.hop_ptr, h, side="right") - 1)
        length = int(result.window_end_ns[w] - result.window_start_ns[w])
        if problem.network.ports[problem.port_names[port]].link.medium is Medium.T1S:
            assert wait[port] > 0 and length == _tx(problem, s, int(result.window_frame[w]), port) + wait[port]
            seen += 1
        else:
            assert wait[port] == 0
    assert seen > 0
    # a shortened T1S window is refused by the checker
    short = result.window_end_ns.copy()
    t1s = [w for w in range(len(short)) if wait[problem.hop_port[result.window_hop[w]]] > 0]
    short[t1s[0]] -= 100
    bad = type(result)(**{**{k: getattr(result, k) for k in result.__dataclass_fields__}, "window_end_ns": short})
    assert any("transmission takes" in m for m in verify(problem, bad, sync_error_ns=1000))


def _agv_hall(folder: Path, hold: bool) -> tuple[Path, Path]:
    """agv-hall with hold-and-forward in its 5G bridge set to ``hold`` (whatever the plant ships)."""
    text = re.sub(r",\s*hold_and_forward: \w+", "", (TOPOLOGIES / "agv-hall/network.yaml").read_text())
    assert "kind: 5g-bridge," in text
    net = folder / f"network-{'held' if hold else 'free'}.yaml"
    net.write_text(text.replace("kind: 5g-bridge,", f"kind: 5g-bridge, hold_and_forward: {str(hold).lower()},"))
    return net, TOPOLOGIES / "agv-hall/streams.yaml"


@pytest.fixture(scope="module")
def agv_hold(tmp_path_factory):
    return _agv_hall(tmp_path_factory.mktemp("agv-hold"), True)


@pytest.fixture(scope="module")
def agv_free(tmp_path_factory):
    return _agv_hall(tmp_path_factory.mktemp("agv-free"), False)


def test_5g_arrival_interval_isolates_the_queue_after_the_bridge(agv_hold, agv_free):
    plain = load_plant(*agv_free).compile(99.99999)
    held = load_plant(*agv_hold).compile(99.99999)
    spread = arrival_spread_ns(plain)
    fiveg = np.flatnonzero(plain.hop_profile >= 0)
    wired = tolerance_spread_ns(plain)      # faster cables and forwarding (model/tolerance.py)
    assert len(fiveg) and (spread[fiveg] > wired[fiveg]).all() and (spread[plain.hop_profile < 0] == wired[plain.hop_profile < 0]).all()
    assert (arrival_spread_ns(held) == tolerance_spread_ns(held)).all()
    # planned at 99.99999 %, without hold-and-forward the uplink streams' intervals (2.1 ms ..
    # 20 ms) overlap in the NW-TT port's queues: not every stream fits; with it every stream does
    loose = schedule(plain, method="heuristic")
    assert loose.unscheduled and all(s.startswith(("agv-", "arm-status")) for s in loose.unscheduled)
    assert schedule(held, method="heuristic").status.value == "feasible"
    layout = build_layout(plain, ScheduleOptions())
    assert (layout.hop_early == spread).all()


def test_gcl_cycles_per_port_keep_the_entry_limit(agv_hold, tmp_path):
    problem = _compile(*agv_hold)
    result = schedule(problem, method="heuristic")
    assert result.status.value == "feasible"
    gcl = result.gcl
    assert gcl.cycle_ns == result.hyperperiod_ns
    for q in range(problem.n_ports):
        periods = {int(problem.stream_period_ns[s]) for s in range(problem.n_streams)
                   if problem.stream_scheduled[s] and q in problem.hop_port[problem.hop_ptr[s]:problem.hop_ptr[s + 1]]}
        assert gcl.cycle(q) == (math.lcm(*periods) if periods else result.hyperperiod_ns)
        assert len(gcl.port_entries(q)) <= problem.port_gcl_max[q]
        assert sum(d for d, _ in gcl.entries(q)) == result.hyperperiod_ns
    assert min(gcl.cycle(q) for q in range(problem.n_ports)) < result.hyperperiod_ns
    write_schedule(tmp_path / "s.json", problem, result)
    back = read_schedule(tmp_path / "s.json", problem)
    assert (back.gcl.port_cycle_ns == gcl.port_cycle_ns).all()
    assert verify(problem, back, sync_error_ns=1000) == []


NET = """network: detour
defaults:
  bridge: {processing: 2us, queues: 8, gcl_max_entries: 64, features: [qbv]}
nodes:
  sw-1: {kind: bridge}
  sw-2: {kind: bridge}
  sw-3: {kind: bridge}
  a: {kind: end-station}
  b: {kind: end-station}
links:
  - {ends: [a, sw-1], rate: 1G, length: 5m}
  - {ends: [b, sw-2], rate: 1G, length: 5m}
  - {ends: [sw-1, sw-2], rate: 10M, length: 10m}
  - {ends: [sw-1, sw-3], rate: 1G, length: 10m}
  - {ends: [sw-3, sw-2], rate: 1G, length: 10m}
"""
STREAMS = """streams:
  - {id: s-1, talker: a, listeners: [b], type: cyclic-synchronous, period: 2ms, payload: 1400B, deadline: 2ms}
  - {id: s-2, talker: a, listeners: [b], type: cyclic-synchronous, period: 2ms, payload: 1400B, deadline: 2ms}
"""


def test_rerouted_schedule_reads_back_with_its_routes(tmp_path):
    """Two 1.1 ms frames per 2 ms cannot share the 10 Mb/s shortcut: one goes round by sw-3."""
    net, streams = tmp_path / "network.yaml", tmp_path / "streams.yaml"
    net.write_text(NET)
    streams.write_text(STREAMS)
    problem = _compile(net, streams)
    result = schedule(problem, method="heuristic")
    assert result.status.value == "feasible" and "problem" in result.extra
    routed = result.extra["problem"]
    write_schedule(tmp_path / "s.json", routed, result)
    back = read_schedule(tmp_path / "s.json", problem)
    again = back.extra["problem"]
    assert again.routes.paths == routed.routes.paths != problem.routes.paths
    assert verify(again, back, sync_error_ns=1000) == []
    assert (back.listener_latency_ns == result.listener_latency_ns).all()
    sched = str(tmp_path / "s.json")
    assert main(["budget", str(net), str(streams), "--schedule", sched], env={}) == 0
    assert main(["emulate", str(net), str(streams), "--schedule", sched, "--duration", "10ms"], env={}) == 0
