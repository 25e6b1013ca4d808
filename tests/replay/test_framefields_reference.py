"""The Cython capture kernel and its plain-Python twin agree on records, header fields and flow numbers."""
import struct

import numpy as np
from hypothesis import given, strategies as st

from reference import framefields_ref as ref
from replay.capturegen import pcap_bytes, pcapng_bytes, spb_bytes
from tsnplan._ext.framefields import assign_flows, frame_fields, N_FIELDS, scan_pcap, scan_pcapng

ETHERTYPES = [0x0800, 0x86DD, 0x8892, 0x88A4, 0x88F7, 0x88B8, 0x88BA, 0x88B5, 0xB62C, 0x0806, 0x0042, 0xF1C1]
PORTS = [2222, 502, 4840, 319, 320, 34964, 80]
PAYLOADS = [  # protocol heads the kernel keys on
    struct.pack("<HHH", 2, 0x0000, 0) + struct.pack("<HHII", 0x8002, 8, 0x12345678, 7),     # EtherNet/IP CPF
    struct.pack("<HHHI", 1, 0x00A1, 4, 0xCAFE),
    struct.pack("!HHHBB", 1, 0, 6, 17, 3),                                                  # Modbus MBAP
    b"MSGF\x20\x00\x00\x00", b"HELF", b"XYZF",                                            # OPC UA binary
    b"\x91\x01\x05\x00", b"\xb1\x04\x03\x00abc", b"\x91\x03" + bytes(8), b"\x11\x07",   # UADP
    b"TSNP\x00\x00\x00\x03\x00\x01",                                                      # tsnplan
    struct.pack("<H", 0x1000 | 24) + struct.pack("<BBIHH", 12, 0, 0x1000, 0x8002, 0) + b"\x00\x00" * 2
    + struct.pack("<BBIHH", 4, 0, 0x10001000, 2, 0),                                       # EtherCAT LRW + FPRD
]
SCENARIOS = [(0x0800, 17, 2222, PAYLOADS[0]), (0x0800, 17, 2222, PAYLOADS[1]), (0x0800, 6, 502, PAYLOADS[2]),
             (0x0800, 6, 4840, PAYLOADS[3]), (0x0800, 17, 4840, PAYLOADS[6]), (0x88B5, 0, 0, PAYLOADS[10]),
             (0x88A4, 0, 0, PAYLOADS[11]), (0xB62C, 0, 0, PAYLOADS[7])]


@st.composite
def frames(draw):
    """Ethernet frames with plausible headers (tags, R-TAG, IPv4/IPv6, UDP/TCP, protocol payloads),
    truncated anywhere, or raw random bytes."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.binary(max_size=80))
    head = draw(st.binary(min_size=12, max_size=12))
    tags = b"".join(struct.pack("!HH", draw(st.sampled_from([0x8100, 0x88A8, 0x9100])), draw(st.integers(0, 0xFFFF)))
                    for _ in range(draw(st.integers(0, 3))))
    scenario = draw(st.sampled_from(SCENARIOS + [None] * 4))
    et = scenario[0] if scenario else draw(st.sampled_from(ETHERTYPES))
    rtag = struct.pack("!HHH", 0xF1C1, 0, draw(st.integers(0, 0xFFFF))) if draw(st.booleans()) else b""
    body = b""
    if et == 0x0800:
        proto = scenario[1] if scenario else draw(st.sampled_from([6, 17, 1]))
        body = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, draw(st.sampled_from([0, 0x2000, 0x0001])), 64, proto, 0,
                           draw(st.binary(min_size=4, max_size=4)), draw(st.binary(min_size=4, max_size=4)))
        ports = struct.pack("!HH", draw(st.sampled_from(PORTS)), scenario[2] if scenario else draw(st.sampled_from(PORTS)))
        body += ports + (struct.pack("!HH", 8, 0) if proto == 17 else struct.pack("!IIBBHHH", 0, 0, 0x50, 0, 0, 0, 0))
    elif et == 0x86DD:
        nxt = draw(st.sampled_from([17, 6, 0, 60]))
        body = struct.pack("!IHBB", 0x60000000, 0, nxt, 64) + draw(st.binary(min_size=32, max_size=32))
        if nxt in (0, 60):
            body += struct.pack("!BB6x", 17, 0)
        body += struct.pack("!HHHH", draw(st.sampled_from(PORTS)), draw(st.sampled_from([319, 4840, 2222])), 8, 0)
    payload = (scenario[3] + b"\x01" * 12 if scenario
               else draw(st.one_of(st.binary(max_size=60), st.sampled_from(PAYLOADS).map(lambda p: p + b"\x01" * 12))))
    frame = head + tags + rtag + struct.pack("!H", et) + body + payload
    return frame[:draw(st.integers(0, len(frame)))] if draw(st.booleans()) else frame


@given(st.lists(frames(), min_size=1, max_size=12), st.sampled_from([1, 113, 0, 108]), st.integers(0, 5))
def test_frame_fields_agree(data, linktype, if_base):
    buf = np.frombuffer(b"".join(data) + b"\x00", np.uint8)[:-1] if data else np.zeros(0, np.uint8)
    off = np.cumsum([0] + [len(d) for d in data[:-1]]).astype(np.int64)
    cap = np.array([len(d) for d in data], np.int32)
    ifid = np.zeros(len(data), np.int32)
    rows = np.empty((len(data), N_FIELDS), np.int64)
    frame_fields(np.ascontiguousarray(buf), off, cap, ifid, np.array([linktype], np.int32), if_base, rows)
    expected = ref.frame_fields(data, [0] * len(data), [linktype], if_base)
    for got, want in zip(rows.tolist(), expected):
        assert got == [v - (1 << 64) if v >= 1 << 63 else v for v in want]


@given(st.lists(st.integers(1, 40), min_size=1, max_size=300))
def test_assign_flows_agree(keys):
    rows = np.zeros((len(keys), N_FIELDS), np.int64)
    rows[:, -1] = keys
    table_k, table_f = np.zeros(1024, np.int64), np.zeros(1024, np.int32)
    flow, first = np.empty(len(keys), np.int32), np.empty(len(keys), np.int32)
    n = assign_flows(rows, table_k, table_f, 0, flow, first)
    known = {}
    assert flow.tolist() == ref.assign_flows(keys, known)
    assert n == len(known)
    assert first[:n].tolist() == [keys.index(k) for k in known]


records = st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 999_999), st.binary(max_size=40)), max_size=8)


@given(records, st.booleans(), st.booleans(), st.integers(0, 40), st.integers(1, 5))
def test_scan_pcap_agrees(recs, nano, big, cut, capacity):
    data = pcap_bytes([((s, f), d) for s, f, d in recs], nano=nano, big=big)[24:]
    data = data[:len(data) - cut] if cut < len(data) else data
    buf = np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)
    arrays = [np.empty(capacity, np.int64), np.empty(capacity, np.int64), np.empty(capacity, np.int32),
              np.empty(capacity, np.int32)]
    n, pos, status = scan_pcap(buf, 0, big, 1 if nano else 1000, 30, *arrays)
    want, want_pos, want_status = ref.scan_pcap(data, 0, big, 1 if nano else 1000, 30, capacity)
    assert (n, pos, status) == (len(want), want_pos, want_status)
    assert list(zip(*(a[:n].tolist() for a in arrays))) == want


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2**50), st.binary(max_size=30)), max_size=6),
       st.lists(st.sampled_from([6, 9, 3, 0x86, 0x94, 12]), min_size=3, max_size=3), st.booleans(),
       st.integers(0, 30), st.lists(st.integers(0, 255), max_size=3), st.integers(0, 2))
def test_scan_pcapng_agrees(packets, resolutions, big, cut, corrupt, simple):
    whole = pcapng_bytes([(f"if{i}", 1, r) for i, r in enumerate(resolutions)], packets, big=big)
    whole += b"".join(spb_bytes(bytes(range(10 + k)), big=big) for k in range(simple))
    # skip the section header and the interface blocks, as the reader does after parsing them
    e = ">" if big else "<"
    pos = 0
    for _ in range(4):
        pos += struct.unpack_from(e + "I", whole, pos + 4)[0]
    data = bytearray(whole[pos:len(whole) - cut] if cut < len(whole) - pos else whole[pos:])
    for i, byte in enumerate(corrupt):
        if data:
            data[(i * 37) % len(data)] = byte
    data = bytes(data)
    interfaces = []
    for r in resolutions:
        if r & 0x80:
            interfaces.append((1, 1, r & 0x7F, 0))
        else:
            interfaces.append((10 ** (9 - r), 1, -1, 0) if r <= 9 else (1, 10 ** (r - 9), -1, 0))
    tables = [np.array([i[k] for i in interfaces], t) for k, t in enumerate((np.int64, np.int64, np.int32, np.int64))]
    out = [np.empty(4, np.int64), np.empty(4, np.int64), np.empty(4, np.int32), np.empty(4, np.int32),
           np.empty(4, np.int32)]
    buf = np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)
    n, end, status, last = scan_pcapng(buf, 0, big, 1 << 20, *tables, *out, 77)
    want, want_pos, want_status, want_last = ref.scan_pcapng(data, 0, big, 1 << 20, interfaces, 4, 77)
    assert (n, end, status, last) == (len(want), want_pos, want_status, want_last)
    assert list(zip(*(a[:n].tolist() for a in out))) == want
