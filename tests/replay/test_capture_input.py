"""pcap/pcapng variants are read exactly; corrupt, truncated, empty and hostile captures exit 2 naming the
file, the frame number and the byte offset, with the frames before the damage kept and reported."""
import json
import struct

import pytest
from hypothesis import given, strategies as st

from replay.capturegen import pcap_bytes, pcapng_bytes, spb_bytes, ticks_to_ns
from tsnplan.replay.flows import read_captures

FRAME = bytes.fromhex("01005e000001") + bytes.fromhex("020000000001") + b"\x88\x92\xc0\x00" + bytes(44)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("nano", [False, True])
@pytest.mark.parametrize("big", [False, True])
def test_pcap_byte_orders_and_resolutions(tmp_path, nano, big):
    recs = [((1_700_000_000 + i, 123_456 + i), FRAME) for i in range(5)]
    cap = read_captures([write(tmp_path, "a.pcap", pcap_bytes(recs, nano=nano, big=big))])
    assert not cap.problems
    scale = 1 if nano else 1000
    assert cap.ts.tolist() == [(1_700_000_000 + i) * 10**9 + (123_456 + i) * scale for i in range(5)]
    assert cap.flows[0].protocol == "profinet-rt" and cap.flows[0].sub == 0xC000
    assert cap.interfaces[0].resolution_ns == (1 if nano else 1000)


@pytest.mark.parametrize("big", [False, True])
def test_pcapng_interfaces_with_own_resolutions(tmp_path, big):
    interfaces = [("a->b", 1, 9), ("eth1", 1, 6), ("bin", 1, 0x94), ("default", 1, None)]
    ticks = [1_700_000_000_123_456_789, 1_700_000_000_123_456, (1_700_000_000 << 20) + 12345, 1_700_000_000_654_321]
    packets = [(i, t, FRAME) for i, t in enumerate(ticks)]
    cap = read_captures([write(tmp_path, "a.pcapng", pcapng_bytes(interfaces, packets, big=big))])
    assert not cap.problems
    assert cap.ts.tolist() == [ticks_to_ns(t, r if r is not None else 6) for t, (_, _, r) in zip(ticks, interfaces)]
    assert cap.ts[0] == 1_700_000_000_123_456_789            # nanoseconds kept exactly in int64
    assert [i.name for i in cap.interfaces] == ["a->b", "eth1", "bin", "default"]
    assert [i.resolution_ns for i in cap.interfaces] == [1, 1000, 953, 1000]
    assert len(cap.flows) == 4                                  # one flow per interface


def _cli_problem(cli, path):
    status, out, err = cli("replay", path, "--infer", "--json")
    assert status == 2, (out, err)
    return json.loads(out), err


GOOD = [((100, 0), FRAME), ((100, 1000), FRAME), ((100, 2000), FRAME)]


@pytest.mark.parametrize("case, data, needle", [
    ("empty", b"", "capture is empty"),
    ("not-a-capture", b"hello world, not a capture\n", "not a pcap or pcapng file"),
    ("header-only", pcap_bytes([]), "capture holds no frames"),
    ("short-header", pcap_bytes([])[:10], "truncated pcap file header"),
    ("unknown-linktype", pcap_bytes(GOOD, linktype=999), "unknown link type 999"),
    ("huge-caplen", pcap_bytes(GOOD) + struct.pack("<IIII", 100, 3000, 0xFFFFFF00, 60) + FRAME,
     f"frame 4: captured length 4294967040 is above the 262144-byte limit (byte offset {24 + 3 * 76})"),
    ("beyond-file", pcap_bytes(GOOD) + struct.pack("<IIII", 100, 3000, 5000, 5000) + FRAME,
     f"frame 4: truncated: the record needs 5016 bytes, the file ends after 76 (byte offset {24 + 3 * 76})"),
    ("cut-header", pcap_bytes(GOOD) + b"\x01\x02\x03", "frame 4: truncated record header: 3 of 16 bytes"),
])
def test_bad_pcap(tmp_path, cli, case, data, needle):
    path = write(tmp_path, f"{case}.pcap", data)
    doc, err = _cli_problem(cli, path)
    assert needle in err and str(path) in err
    if case in ("huge-caplen", "beyond-file", "cut-header"):
        assert doc["frames"] == [3] and sum(f["stats"]["frames"] for f in doc["flows"]) == 3   # kept, reported


def _ng(packets, interfaces=(("eth0", 1, 9),)):
    return pcapng_bytes(list(interfaces), packets)


def _epb(iface, frame):
    body = struct.pack("<IIIII", iface, 0, 0, len(frame), len(frame)) + frame + bytes(-len(frame) % 4)
    return struct.pack("<II", 6, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


NG = _ng([(0, 1000 * i, FRAME) for i in range(3)])


@pytest.mark.parametrize("case, data, needle", [
    ("bad-block-length", NG + struct.pack("<II", 6, 13) + bytes(20), "frame 4: bad block length 13 (block type 0x6)"),
    ("huge-block-length", NG + struct.pack("<II", 6, 0xFFFFFFF0) + bytes(20), "bad block length 4294967280"),
    ("trailer", NG[:-4] + struct.pack("<I", 999), "frame 3: block length 92 differs from its trailing copy 999"),
    ("undeclared-interface", NG + _epb(5, FRAME), "frame 4: packet on interface 5, but only 1 interface(s)"),
    ("cut", NG[:-10], "frame 3: truncated: the record needs 92 bytes, the file ends after 82"),
    ("unknown-linktype", _ng([(0, 0, FRAME)], [("x", 4242, 9)]), "interface 0: unknown link type 4242"),
    ("bad-idb-length", NG[:32] + struct.pack("<II", 1, 8) + NG[40:], "bad block length 8 (interface block)"),
    ("bad-bom", NG[:8] + b"\x00\x00\x00\x00" + NG[12:], "unknown byte-order magic"),
])
def test_bad_pcapng(tmp_path, cli, case, data, needle):
    path = write(tmp_path, f"{case}.pcapng", data)
    doc, err = _cli_problem(cli, path)
    assert needle in err and str(path) in err, err


def test_frames_before_damage_are_analysed(tmp_path):
    data = pcap_bytes([((100 + i // 1000, (i % 1000) * 1000), FRAME) for i in range(50)])
    cap = read_captures([write(tmp_path, "cut.pcap", data[:-30])])
    assert cap.frame_counts == [49] and len(cap.problems) == 1
    assert "frame 50" in str(cap.problems[0]) and f"byte offset {24 + 49 * 76}" in str(cap.problems[0])


@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=6), st.integers(0, 400),
       st.booleans())
def test_fuzzed_captures_never_crash(tmp_path_factory, edits, cut, ng):
    """Random byte edits and truncations: the reader returns the frames it could read and at most one
    problem per file (naming it), never an exception."""
    base = bytearray(NG if ng else pcap_bytes(GOOD))
    for pos, value in edits:
        base[pos % len(base)] = value
    data = bytes(base[:max(0, len(base) - cut)])
    path = tmp_path_factory.mktemp("fuzz") / ("f.pcapng" if ng else "f.pcap")
    path.write_bytes(data)
    cap = read_captures([path])
    assert len(cap.problems) <= 1
    assert cap.n_frames == sum(cap.frame_counts)
    assert all(str(path) in str(p) for p in cap.problems)


def test_pcapng_sections_keep_their_interfaces_apart(tmp_path):
    first = pcapng_bytes([("a", 1, 9)], [(0, 1000, FRAME)])
    second = pcapng_bytes([("b", 1, 6), ("c", 1, 9)], [(1, 2000, FRAME), (0, 3, FRAME)], big=True)
    cap = read_captures([write(tmp_path, "two.pcapng", first + second)])
    assert not cap.problems and [i.name for i in cap.interfaces] == ["a", "b", "c"]
    assert cap.ts.tolist() == [1000, 2000, 3000]
    assert [cap.interfaces[f.interface].name for f in cap.flows] == ["a", "c", "b"]


def test_huge_snaplen_in_header_is_harmless(tmp_path):
    """A hostile header snaplen does not size anything: only each record's own length is checked."""
    cap = read_captures([write(tmp_path, "snap.pcap", pcap_bytes(GOOD, snaplen=0xFFFFFFFF))])
    assert not cap.problems and cap.n_frames == 3


@given(st.integers(1, 700), st.integers(1, 5), st.booleans())
def test_buffer_boundaries_do_not_matter(tmp_path_factory, buffer_bytes, max_records, ng):
    """Records and blocks split across read buffers (and record arrays filling up) read the same."""
    from tsnplan.replay.reader import CaptureReader
    if ng:
        data = pcapng_bytes([("a", 1, 9), ("b", 113, 6)], [(i % 2, 10**6 * i, FRAME[:20 + i]) for i in range(9)]) + \
            spb_bytes(FRAME) + pcapng_bytes([("c", 1, 0x94)], [(0, 5 << 20, FRAME)], big=True)
    else:
        data = pcap_bytes([((i, 7), FRAME[:30 + i]) for i in range(9)], big=True)
    path = tmp_path_factory.mktemp("buf") / "b.cap"
    path.write_bytes(data)

    def records(reader):
        out = []
        for chunk in reader:
            out += [(int(t), int(w), int(i), chunk.buf[o:o + c].tobytes())
                    for t, w, i, o, c in zip(chunk.ts, chunk.wirelen, chunk.ifid, chunk.off, chunk.caplen)]
        return out
    small = CaptureReader(path, buffer_bytes=buffer_bytes, max_records=max_records)
    assert records(small) == records(CaptureReader(path)) and small.error is None
    assert [i.name for i in small.interfaces] == (["a", "b", "c"] if ng else [""])


@pytest.mark.parametrize("seed", range(12))
def test_cli_on_mutated_captures(tmp_path, cli, seed):
    """Seeded random damage through the whole command: exit 0 (still readable) or 2, never a traceback."""
    import numpy as np
    rng = np.random.default_rng(seed)
    data = bytearray(NG if seed % 2 else pcap_bytes(GOOD))
    for pos in rng.integers(0, len(data), size=int(rng.integers(1, 6))).tolist():
        data[pos] = int(rng.integers(0, 256))
    path = write(tmp_path, "m.pcapng" if seed % 2 else "m.pcap", bytes(data[:len(data) - int(rng.integers(0, 40))]))
    status, out, err = cli("replay", path, "--infer", "--json")
    assert status in (0, 2)
    doc = json.loads(out)
    assert (status == 2) == bool(doc["problems"])


def test_simple_packet_block_takes_the_previous_time(tmp_path):
    data = pcapng_bytes([("a", 1, 9)], [(0, 123_456_789, FRAME)]) + spb_bytes(FRAME) + spb_bytes(FRAME[:40])
    cap = read_captures([write(tmp_path, "spb.pcapng", data)])
    assert not cap.problems and cap.ts.tolist() == [123_456_789] * 3 and cap.size.tolist() == [60, 60, 40]
