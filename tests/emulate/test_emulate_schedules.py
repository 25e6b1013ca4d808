"""Acceptance: the emulator, as an independent judge, replays the scheduler's schedules exactly."""
import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scapy.layers.l2 import Dot1Q
from scapy.utils import PcapNgReader

from schedulable import schedulable_files
from tsnplan.cli import main
from tsnplan.emulate import Scenario, build_inputs, run_emulation
from tsnplan.emulate.frames import RTag, TsnPayload
from tsnplan.io.plant import load_plant
from tsnplan.model.media.ethernet import Medium
from tsnplan.schedule import schedule
from tsnplan.topologies import plant_files, plant_names

TX_START = 1
TSNKIT = Path(__file__).parents[1] / "data" / "tsnkit"
INSTANCES = [*plant_names(), *(f"tsnkit/{d.name}" for d in sorted(TSNKIT.iterdir()) if d.is_dir())]


def _plant(name, directory=None):
    """An example plant by name (as ``tests/schedulable.py`` gives it), or a tsnkit sample instance
    as ``tsnkit/<dir>``."""
    files = (TSNKIT / name.removeprefix("tsnkit/"),) if name.startswith("tsnkit/") else \
        schedulable_files(name, directory) if directory else plant_files(name)
    problem = load_plant(*files).compile()
    result = schedule(problem)
    return result.extra.get("problem", problem), result


@pytest.mark.parametrize("name", INSTANCES)
def test_every_scheduled_frame_runs_exactly_on_its_windows(name, tmp_path):
    """Exactly at the window's start, except on a 10BASE-T1S member: there anywhere the frame
    still fits once its PLCA transmit opportunity comes (the window leaves room for the wait)."""
    problem, result = _plant(name, tmp_path)
    scenario = Scenario(duration_ns=2 * result.hyperperiod_ns)
    rows, records = defaultdict(list), defaultdict(list)
    emulated = run_emulation(problem, result, scenario, seed=1,
                             trace_sink=lambda r: [rows[k].append(v) for k, v in r.items()],
                             record_sink=lambda r: [records[k].append(v) for k, v in r.items()])
    trace = {k: np.concatenate(v) for k, v in rows.items()}
    _, maps = build_inputs(problem, result, scenario, 1)
    hyper = result.hyperperiod_ns
    windows = {}
    for s in range(problem.n_streams):
        for w in range(int(result.window_ptr[s]), int(result.window_ptr[s + 1])):
            h = int(result.window_hop[w])
            key = (s, int(problem.hop_port[h]), int(problem.hop_replica[h]), int(result.window_frame[w]),
                   int(result.window_instance[w]))
            windows[key] = (int(result.window_start_ns[w]), int(result.window_end_ns[w]))
    n_frames = np.diff(problem.frame_ptr)
    t1s = {q for q, n in enumerate(problem.port_names) if problem.network.ports[n].link.medium is Medium.T1S}
    checked = 0
    for t, kind, port, s, seq, hop in zip(*(trace[k].tolist() for k in ("time_ns", "kind", "port", "stream", "seq", "hop"))):
        if kind != TX_START or s < 0 or result.window_ptr[s] == result.window_ptr[s + 1]:
            continue
        period = int(problem.stream_period_ns[s])
        frame, instance = seq % n_frames[s], seq // n_frames[s]
        key = (s, port, maps.hop_replica[hop], frame, instance % (hyper // period))
        start, end = (x + (instance // (hyper // period)) * hyper for x in windows[key])
        if port in t1s:
            tx = -(-int(problem.frame_wire_bytes[problem.frame_ptr[s] + frame]) * 8_000_000_000
                   // int(problem.port_rate_bps[port]))
            assert start <= t <= end - tx, (problem.stream_ids[s], key)
        else:
            assert t == start, (problem.stream_ids[s], key)
        checked += 1
    assert checked > 0
    budget = {}
    for s in range(problem.n_streams):
        for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])):
            budget[l] = int(result.listener_latency_ns[l])
    latency = np.concatenate(records["recv_ns"]) - np.concatenate(records["send_ns"])
    listener = np.concatenate(records["listener"])
    bound = np.array([budget[l] for l in listener.tolist()])
    assert np.all((bound < 0) | (latency <= bound))
    assert emulated.ok


def test_pcap_holds_the_emulated_frames(tmp_path):
    problem, result = _plant("body-shop-cell")
    port = "sw-2->rc-1"
    pcap = tmp_path / "cap.pcapng"
    rows = defaultdict(list)
    emulated = run_emulation(problem, result, Scenario(4_000_000, capture_ports=(port,)), seed=1, pcap=str(pcap))
    run_emulation(problem, result, Scenario(4_000_000), seed=1,
                  trace_sink=lambda r: [rows[k].append(v) for k, v in r.items()])
    trace = {k: np.concatenate(v) for k, v in rows.items()}
    mine = (trace["kind"] == TX_START) & (trace["port"] == problem.port_index[port])
    packets = list(PcapNgReader(str(pcap)))
    assert emulated.captured == len(packets) == int(mine.sum())
    by_stream = problem.streams.by_id()
    rtags = 0
    for pkt, t, s, seq in zip(packets, trace["time_ns"][mine], trace["stream"][mine], trace["seq"][mine]):
        assert int(pkt.time * 10**9) == t
        stream = by_stream[problem.stream_ids[s]]
        assert (pkt[Dot1Q].prio, pkt[Dot1Q].vlan) == (int(problem.stream_pcp[s]), stream.vlan)
        assert (pkt[TsnPayload].stream, pkt[TsnPayload].seq) == (s, seq)
        if stream.rtag:
            assert pkt[RTag].seq == seq & 0xFFFF
            rtags += 1
        assert len(pkt) + 4 == int(problem.frame_mac_bytes[problem.frame_ptr[s]])
    assert rtags > 0


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_reads_the_pcap(tmp_path):
    problem, result = _plant("body-shop-cell")
    pcap = tmp_path / "cap.pcapng"
    run_emulation(problem, result, Scenario(4_000_000, capture_ports=("sw-2->rc-1",)), seed=1, pcap=str(pcap))
    out = subprocess.run(["tshark", "-r", str(pcap), "-T", "fields", "-e", "frame.time_epoch",
                          "-e", "frame.interface_name", "-e", "vlan.priority", "-e", "vlan.id", "-e", "vlan.etype"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    fields = [line.split("\t") for line in out]
    packets = list(PcapNgReader(str(pcap)))
    assert len(fields) == len(packets)
    for (stamp, iface, prio, vlan, etype), pkt in zip(fields, packets):
        assert int(stamp.replace(".", "")) == int(pkt.time * 10**9)   # nanosecond digits
        assert iface == "sw-2->rc-1"
        assert (int(prio), int(vlan)) == (pkt[Dot1Q].prio, pkt[Dot1Q].vlan)
        assert int(etype, 16) == pkt[Dot1Q].type
    assert any(int(f[4], 16) == 0xF1C1 for f in fields)


def test_cli_json_and_exit_codes(tmp_path, capsys):
    net, streams = plant_files("body-shop-cell")
    sched = tmp_path / "schedule.json"
    assert main(["schedule", str(net), str(streams), "-o", str(sched)], env={}) == 0
    capsys.readouterr()
    base = ["emulate", str(net), str(streams), "--schedule", str(sched), "--duration", "20ms", "--json"]
    assert main(base, env={}) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "tsnplan-emulation/1" and doc["duration_ns"] == 20_000_000
    motion = doc["streams"]["motion-1a"]["listeners"]["drive-1a"]
    assert motion["lost"] == 0 and motion["latency_ns"]["min"] == motion["latency_ns"]["max"]
    assert main(base + ["--fail", "rc-1--sw-2@5ms"], env={}) == 1
    capsys.readouterr()
    assert main(base + ["--fail", "nowhere--sw-2@5ms"], env={}) == 2
    assert main(base + ["--fail", "rc-1--sw-2"], env={}) == 2
    assert main(base[:-1] + ["--pcap", str(tmp_path / "x.pcapng")], env={}) == 0
    assert "every frame arrived" in capsys.readouterr().out
