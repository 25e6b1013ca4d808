"""Every real capture in ../shared/traces is read completely; counts, timestamps and lengths agree with
scapy's raw readers (an independent implementation); cyclic streams agree with characterisation.json."""
import json

import numpy as np
import pytest
from scapy.utils import RawPcapReader

from replay.capturegen import traces_dir
from tsnplan.replay.characterise import characterise
from tsnplan.replay.flows import read_captures
from tsnplan.replay.reader import CaptureReader

TRACES = traces_dir()
pytestmark = pytest.mark.skipif(not TRACES.is_dir(), reason="the shared traces folder is not here")
CHARACTERISATION = json.loads((TRACES / "characterisation.json").read_text()) if TRACES.is_dir() else {"files": []}
FILES = sorted(f["file"] for f in CHARACTERISATION["files"])
_PROTO = {"PROFINET": "profinet-rt", "EtherCAT": "ethercat", "PTP": "ptp", "GOOSE": "goose", "CIP-IO": "enip-io",
          "Modbus": "modbus"}


def scapy_records(path):
    """(timestamp ns, wire length, frame bytes) of every record, from scapy's raw reader."""
    out = []
    with RawPcapReader(str(path)) as reader:
        nano = getattr(reader, "nano", False)
        for data, meta in reader:
            if hasattr(meta, "tshigh"):
                ts = ((meta.tshigh << 32) | meta.tslow) * 10**9 // meta.tsresol
            else:
                ts = meta.sec * 10**9 + meta.usec * (1 if nano else 1000)
            out.append((ts, meta.wirelen, bytes(data)))
    return out


def test_sixty_files_listed():
    assert len(FILES) == 60


@pytest.mark.parametrize("name", FILES)
def test_trace_read_like_scapy(name):
    path = TRACES / name
    expected = scapy_records(path)
    reader = CaptureReader(path)
    got = []
    for chunk in reader:
        for i in range(len(chunk)):
            off, cap = int(chunk.off[i]), int(chunk.caplen[i])
            got.append((int(chunk.ts[i]), int(chunk.wirelen[i]), chunk.buf[off:off + cap].tobytes()))
    assert reader.error is None
    assert reader.frames == len(expected) == next(f["packets"] for f in CHARACTERISATION["files"] if f["file"] == name)
    assert got == expected


def _proto(name):
    return next((v for k, v in _PROTO.items() if name.startswith(k)), None)


def test_cyclic_streams_match_characterisation():
    """Every stream of characterisation.json with >= 20 frames is found with exactly its frame count and
    inter-arrival mean and standard deviation; those with a dominant inter-arrival share >= 80 % are
    cyclic here with a period within 2 % of their median inter-arrival time."""
    checked_cyclic = 0
    for entry in CHARACTERISATION["files"]:
        streams = [s for s in entry["streams"] if s["n_pkts"] >= 20]
        if not streams:
            continue
        capture = read_captures([TRACES / entry["file"]])
        ours = []
        for flow, frames in zip(capture.flows, capture.flow_frames()):
            stats = characterise(capture.ts[frames], capture.size[frames], capture.interfaces[flow.interface].resolution_ns)
            ours.append((flow.protocol, stats))
        for s in streams:
            match = [st for proto, st in ours if proto == _proto(s["proto"]) and st.frames == s["n_pkts"] and st.iat
                     and abs(st.iat["mean"] / 1000 - s["mean_us"]) < 0.01 and abs(st.iat["stdev"] / 1000 - s["stdev_us"]) < 0.01]
            assert match, (entry["file"], s["kind"], s["src"])
            if s["dominant_share"] >= 0.8:
                st = match[0]
                assert st.cyclic, (entry["file"], s["kind"])
                assert abs(st.period_ns / 1000 - s["median_us"]) <= 0.02 * s["median_us"], (entry["file"], s["kind"])
                checked_cyclic += 1
    assert checked_cyclic >= 50


def test_profinet_8ms_cycle():
    """SOURCES.md: PROFINET RT at 8 ms with about 40 us of (inter-arrival) jitter."""
    capture = read_captures([TRACES / "profinet/profinet_io_cm_mixed_1.pcap"])
    flows = {f.sub: frames for f, frames in zip(capture.flows, capture.flow_frames()) if f.protocol == "profinet-rt"}
    stats = characterise(capture.ts[flows[0xC000]], capture.size[flows[0xC000]], 1000)
    assert stats.period_ns == 8_000_000 and stats.lost_cycles == 0 and stats.duplicates == 0
    assert round(stats.iat["stdev"] / 1000, 3) == 40.469
    assert stats.iat["min"] == 7_892_000 and stats.iat["max"] == 8_126_000


def test_ethercat_2ms_cycle():
    capture = read_captures([TRACES / "ethercat/soem-sdinfo-akd.pcapng"])
    sizes = [(len(frames), f) for f, frames in zip(capture.flows, capture.flow_frames())]
    n, flow = max(sizes, key=lambda x: x[0])
    frames = capture.flow_frames()[flow.index]
    stats = characterise(capture.ts[frames], capture.size[frames], 1000)
    assert n == 3000 and stats.period_ns == 2_000_000 and stats.locked
    assert np.isclose(stats.iat["stdev"] / 1000, 65.014, atol=0.001)


@pytest.mark.parametrize("name, contains, kind, period", [
    ("ethercat/ICS-Ethercat-001.pcap", "ethercat-cyclic", "isochronous", "60ms"),      # LRD/LWR process data
    ("ethercat/soem-sdinfo-akd.pcapng", "ethercat-dg", "cyclic-synchronous", "2ms"),
    ("profinet/profinet_io_cm_mixed_1.pcap", "profinet-rt-c000", "cyclic-synchronous", "8ms"),
    ("profinet/profinet_io_cm_mixed_1.pcap", "profinet-rt-ff40", "network-control", "8100ms"),  # PTCP
    ("ptp/ptp_ethernet.pcap", "ptp-sync", "network-control", "1s"),
    ("vlan_pcp/Sample_File_GOOSE.pcap", "goose-3001", "alarms-events", None),
    ("modbus/modbus.pcap", "modbus-u1-fc3", "configuration-diagnostics", None),
])
def test_inferred_types_from_protocol_and_period(tmp_path, cli, name, contains, kind, period):
    from tsnplan.io.yaml_input import read_yaml
    out = tmp_path / "s.yaml"
    status, _, err = cli("replay", TRACES / name, "--infer", "-o", out)
    assert status == 0, err
    streams = [s for s in read_yaml(out)["streams"] if contains in s["id"] and period in (None, s["period"])]
    assert len(streams) >= 1 and all(s["type"] == kind for s in streams)
