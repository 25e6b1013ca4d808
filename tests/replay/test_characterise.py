"""Generated captures (periodic flows with set jitter, lost cycles and duplicates, written as pcap or
pcapng at ns or us resolution) are characterised within one timestamp resolution of the truth."""
import struct

import numpy as np
from hypothesis import given, strategies as st

from replay.capturegen import pcap_bytes, pcapng_bytes
from tsnplan.replay.characterise import characterise, snap_period
from tsnplan.replay.flows import read_captures

T0 = 1_700_000_000_000_000_000


def pn_frame(frame_id: int) -> bytes:
    return bytes.fromhex("01005e000001020000000001") + struct.pack("!HH", 0x8892, frame_id) + bytes(44)


@st.composite
def flows(draw):
    period = draw(st.integers(50, 20_000)) * 1000
    n = draw(st.integers(40, 160))
    jitter = draw(st.integers(0, min(n * 50, period // 8)))
    lost = draw(st.sets(st.integers(1, n - 2), max_size=n // 5))
    dups = draw(st.sets(st.integers(0, n - 1), max_size=n // 5)) - lost
    offsets = draw(st.lists(st.integers(-jitter, jitter), min_size=n, max_size=n))
    phase = draw(st.integers(0, period - 1))
    return period, n, lost, dups, offsets, phase


def _truth(flow):
    period, n, lost, dups, offsets, phase = flow
    kept = [c for c in range(n) if c not in lost]
    times = [T0 + phase + c * period + offsets[c] for c in kept] + [T0 + phase + c * period + offsets[c] for c in dups]
    dev = [offsets[c] for c in kept]
    return sorted(times), dict(period=period, lost=len(lost), dups=len(dups), jitter=max(dev) - min(dev))


@given(st.lists(flows(), min_size=1, max_size=2), st.sampled_from(["pcap-ns", "pcap-us", "pcapng-9", "pcapng-6"]))
def test_generated_flows_characterised_within_resolution(tmp_path_factory, generated, fmt):
    res = 1 if fmt in ("pcap-ns", "pcapng-9") else 1000
    packets, truths = [], []
    for k, flow in enumerate(generated):
        times, truth = _truth(flow)
        truths.append(truth)
        packets += [(t, pn_frame(0xC000 + k)) for t in times]
    packets.sort(key=lambda p: p[0])
    path = tmp_path_factory.mktemp("gen") / ("c." + fmt.split("-")[0])
    if fmt.startswith("pcap-"):
        recs = [((t // 10**9, (t % 10**9) // res), f) for t, f in packets]
        path.write_bytes(pcap_bytes(recs, nano=res == 1))
    else:
        path.write_bytes(pcapng_bytes([("eth0", 1, 9 if res == 1 else 6)], [(0, t // res, f) for t, f in packets]))
    capture = read_captures([path])
    assert not capture.problems and len(capture.flows) == len(generated)
    for flow, frames in zip(capture.flows, capture.flow_frames()):
        truth = truths[flow.sub - 0xC000]
        stats = characterise(capture.ts[frames], capture.size[frames], res)
        assert stats.cyclic and stats.locked
        assert abs(stats.period_ns - truth["period"]) <= res
        assert abs(stats.jitter_ns - truth["jitter"]) <= res
        assert stats.lost_cycles == truth["lost"] and stats.duplicates == truth["dups"]


def test_snap_prefers_round_cycle_times():
    assert snap_period(7_999_380.0, 6_500.0) == 8_000_000
    assert snap_period(1_218_760.0, 20.0) == 1_218_750          # 39 x 31.25 us
    assert snap_period(1_234_567.4, 0.4) == 1_234_567


def test_acyclic_arrival_curve():
    ts = np.array([0, 10, 20, 1_000_000, 2_000_000], np.int64)
    sizes = np.array([100, 100, 100, 100, 100], np.int32)
    stats = characterise(ts, sizes, 1)
    assert not stats.cyclic
    assert stats.rate_bps == 500 * 8 * 10**9 // 2_000_000
    # three frames back to back exceed the rate by almost their whole size: the burst
    assert 290 <= stats.burst_bytes <= 300


def test_capture_years_apart_stays_small():
    """Two bursts of one 8 ms cycle 12 years apart (as in some concatenated test traces): no cycle
    table over the silence, the flow is a free-running cycle with its phase restarted once."""
    period = 8_000_000
    ts = np.array([k * period for k in range(10)] + [12 * 365 * 86400 * 10**9 + k * period for k in range(10)], np.int64)
    stats = characterise(ts, np.full(20, 60, np.int32), 1000)
    assert stats.cyclic and not stats.locked and stats.period_ns == period and stats.outliers == 1
