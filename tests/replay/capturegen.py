"""Write small pcap / pcapng files for tests, independently of the reader (plain struct packing)."""
import os
import struct
from pathlib import Path

PCAP_US, PCAP_NS = 0xA1B2C3D4, 0xA1B23C4D


def pcap_bytes(records, *, nano=False, big=False, linktype=1, snaplen=65535):
    """``records``: (timestamp in the file's unit ticks as (sec, frac), frame bytes[, wire length])."""
    e = ">" if big else "<"
    out = [struct.pack(e + "IHHiIII", PCAP_NS if nano else PCAP_US, 2, 4, 0, 0, snaplen, linktype)]
    for rec in records:
        (sec, frac), data = rec[0], rec[1]
        wire = rec[2] if len(rec) > 2 else len(data)
        out.append(struct.pack(e + "IIII", sec, frac, len(data), wire) + data)
    return b"".join(out)


def _option(e, code, value):
    return struct.pack(e + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def _block(e, kind, body):
    body += b"\x00" * (-len(body) % 4)
    return struct.pack(e + "II", kind, len(body) + 12) + body + struct.pack(e + "I", len(body) + 12)


def pcapng_bytes(interfaces, packets, *, big=False):
    """``interfaces``: (name, linktype, tsresol byte or None); ``packets``: (interface, raw ticks, frame)."""
    e = ">" if big else "<"
    out = [_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + _option(e, 0, b""))]
    for name, linktype, tsresol in interfaces:
        options = _option(e, 2, name.encode())
        if tsresol is not None:
            options += _option(e, 9, bytes([tsresol]))
        out.append(_block(e, 1, struct.pack(e + "HHI", linktype, 0, 262144) + options + _option(e, 0, b"")))
    for iface, ticks, data in packets:
        body = struct.pack(e + "IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, len(data), len(data)) + data
        out.append(_block(e, 6, body))
    return b"".join(out)


def ns_to_ticks(ns, tsresol):
    """Raw pcapng ticks (floor) of a time in ns at an ``if_tsresol`` byte."""
    if tsresol & 0x80:
        return (ns << (tsresol & 0x7F)) // 10**9
    exponent = tsresol
    return ns * 10**exponent // 10**9


def ticks_to_ns(ticks, tsresol):
    if tsresol & 0x80:
        return ticks * 10**9 >> (tsresol & 0x7F)
    return ticks * 10**9 // 10**tsresol


def traces_dir() -> Path:
    """The shared real captures: $TSNPLAN_TRACES, else ../shared/traces beside the checkout, else
    /work/shared/traces."""
    if os.environ.get("TSNPLAN_TRACES"):
        return Path(os.environ["TSNPLAN_TRACES"])
    beside = Path(__file__).resolve().parents[3] / "shared" / "traces"
    return beside if beside.is_dir() else Path("/work/shared/traces")


def spb_bytes(frame, *, big=False):
    """A pcapng simple packet block (no interface id, no timestamp)."""
    e = ">" if big else "<"
    return _block(e, 3, struct.pack(e + "I", len(frame)) + frame)
