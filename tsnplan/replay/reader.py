"""Stream the records of a pcap or pcapng file in fixed-size buffers, timestamps as int64 ns.

The kernel (ext/framefields.pyx) walks the records; this module reads the file in buffers of a
few MiB, parses the few blocks that describe interfaces (link type, name, ``if_tsresol``,
``if_tsoffset``) and turns a malformed record into a ``Problem`` that names the file, the frame
number and the byte offset. Frames before the problem are still delivered, so a truncated capture
can be analysed as far as it goes. Memory is the buffer plus one chunk of record arrays.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from tsnplan._ext.framefields import LINKTYPES, ST, scan_pcap, scan_pcapng
from tsnplan.errors import InputError, Problem
from tsnplan.io.files import open_regular

__all__ = ["Interface", "Chunk", "CaptureReader", "MAX_CAPLEN", "LINKTYPE_NAMES"]

MAX_CAPLEN = 262_144                 # libpcap's largest snapshot length
MAX_BLOCK = 16 * 2**20               # pcapng block size refused beyond this
BUFFER_BYTES = 4 * 2**20
MAX_RECORDS = 65_536
LINKTYPE_NAMES = {0: "BSD loopback", 1: "Ethernet", 108: "OpenBSD loopback", 113: "Linux cooked"}
_PCAP_MAGIC = {b"\xd4\xc3\xb2\xa1": (False, 1000), b"\xa1\xb2\xc3\xd4": (True, 1000),
               b"\x4d\x3c\xb2\xa1": (False, 1), b"\xa1\xb2\x3c\x4d": (True, 1)}
_SHB = b"\x0a\x0d\x0d\x0a"


@dataclass(frozen=True, slots=True)
class Interface:
    """One capture interface: where frames were seen, how they are framed, how fine the clock is."""

    file: str
    name: str
    linktype: int
    resolution_ns: int      # one tick of the interface's timestamps, at least 1 ns
    mul: int                # ticks -> ns: ticks * mul // div, or a binary shift
    div: int
    shift: int              # -1 for decimal resolutions
    offset_ns: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """Records of one buffer: ``buf[off[i]:off[i] + caplen[i]]`` is frame ``first_frame + i``."""

    buf: np.ndarray
    ts: np.ndarray
    off: np.ndarray
    caplen: np.ndarray
    wirelen: np.ndarray
    ifid: np.ndarray        # interface index within the file
    first_frame: int        # 1-based frame number of the first record, as Wireshark counts
    file_offset: int        # byte offset of buf[0] in the file

    def __len__(self) -> int:
        return len(self.ts)


def _decimal(exponent: int) -> tuple[int, int, int]:
    return (10 ** (9 - exponent), 1, -1) if exponent <= 9 else (1, 10 ** (exponent - 9), -1)


class CaptureReader:
    """``for chunk in CaptureReader(path)``; afterwards ``error`` holds the problem that stopped it
    (None when the whole file was read) and ``frames`` the number of records delivered."""

    def __init__(self, path: str | Path, buffer_bytes: int = BUFFER_BYTES, max_records: int = MAX_RECORDS):
        self.path = Path(path)
        self.name = str(path)
        self.buffer_bytes = buffer_bytes
        self.max_records = max_records
        self.interfaces: list[Interface] = []
        self.format = ""
        self.frames = 0
        self.error: Problem | None = None

    # -- errors -------------------------------------------------------------------------------
    def _fail(self, offset: int, message: str) -> None:
        self.error = Problem(self.name, f"frame {self.frames + 1}", f"{message} (byte offset {offset})")

    # -- iteration ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Chunk]:
        try:
            handle = open_regular(self.path, what="a pcap or pcapng capture")
        except InputError as exc:
            self.error = exc.problems[0]
            return
        with handle:
            head = handle.read(4)
            if len(head) == 0:
                self.error = Problem(self.name, "", "capture is empty (0 bytes)")
                return
            if head in _PCAP_MAGIC:
                self.format = "pcap"
                yield from self._pcap(handle, head)
            elif head == _SHB:
                self.format = "pcapng"
                yield from self._pcapng(handle, head)
            else:
                self.error = Problem(self.name, "", f"not a pcap or pcapng file (magic {head.hex()})")

    def _arrays(self):
        n = self.max_records
        return (np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int32), np.empty(n, np.int32),
                np.empty(n, np.int32))

    def _chunk(self, buf, arrays, n, base, if_offset: int = 0) -> Chunk:
        ts, off, cap, wire, ifid = (a[:n].copy() for a in arrays)
        ifid += if_offset                  # pcapng: interface numbers restart in every section
        chunk = Chunk(buf, ts, off, cap, wire, ifid, self.frames + 1, base)
        self.frames += n
        return chunk

    def _pcap(self, handle, magic: bytes) -> Iterator[Chunk]:
        swap, frac_ns = _PCAP_MAGIC[magic]
        header = magic + handle.read(20)
        if len(header) < 24:
            self._fail(len(header), "truncated pcap file header (24 bytes expected)")
            return
        e = ">" if swap else "<"
        _major, _minor, _zone, _sigfigs, _snaplen, link = struct.unpack(e + "HHiIII", header[4:])
        linktype = link & 0x0FFFFFFF
        if linktype not in LINKTYPES:
            self._fail(20, f"unknown link type {linktype} (supported: "
                           f"{', '.join(f'{k} {v}' for k, v in LINKTYPE_NAMES.items())})")
            return
        self.interfaces.append(Interface(self.name, "", linktype, frac_ns, frac_ns, 1, -1, 0))
        arrays = self._arrays()
        arrays[4][:] = 0
        carry, base = b"", 24
        while True:
            data = handle.read(self.buffer_bytes)
            buf = carry + data
            view = np.frombuffer(buf, np.uint8)
            pos = 0
            while True:
                n, pos, status = scan_pcap(view, pos, swap, frac_ns, MAX_CAPLEN, *arrays[:4])
                if n:
                    yield self._chunk(view, arrays, n, base)
                if status == ST["FULL"]:
                    continue
                if status == ST["TOO_BIG"]:
                    incl = struct.unpack_from(e + "I", buf, pos + 8)[0]
                    self._fail(base + pos, f"captured length {incl} is above the {MAX_CAPLEN}-byte limit")
                    return
                break
            carry, base = buf[pos:], base + pos
            if not data:
                if carry:
                    self._truncated(base, carry, 16, lambda c: 16 + struct.unpack_from(e + "I", c, 8)[0])
                return

    def _truncated(self, base: int, rest: bytes, header: int, needed) -> None:
        if len(rest) < header:
            self._fail(base, f"truncated record header: {len(rest)} of {header} bytes before the end of the file")
        else:
            self._fail(base, f"truncated: the record needs {needed(rest)} bytes, the file ends after {len(rest)}")

    def _pcapng(self, handle, magic: bytes) -> Iterator[Chunk]:
        carry, base = magic, 0
        swap = False
        last_ts = 0                          # a simple packet block takes the time of the one before
        local: list[Interface] = []
        arrays = self._arrays()
        while True:
            data = handle.read(self.buffer_bytes)
            buf = carry + data
            view = np.frombuffer(buf, np.uint8)
            pos = 0
            while True:
                tables = _if_tables(local)
                n, pos, status, last_ts = scan_pcapng(view, pos, swap, MAX_BLOCK, *tables, *arrays, last_ts)
                if n:
                    yield self._chunk(view, arrays, n, base, len(self.interfaces) - len(local))
                if status == ST["FULL"]:
                    continue
                if status == ST["BLOCK"]:
                    parsed = self._header_block(buf, pos, base, swap, local, bool(data))
                    if parsed is None:
                        if self.error is not None:
                            return
                        break                    # incomplete: read more
                    pos, swap = parsed
                    continue
                if status != ST["MORE"]:
                    self._bad_block(buf, pos, base, swap, status, len(local))
                    return
                break
            carry, base = buf[pos:], base + pos
            if not data:
                if carry:
                    e = ">" if swap else "<"
                    self._truncated(base, carry, 8, lambda c: struct.unpack_from(e + "I", c, 4)[0])
                return

    def _bad_block(self, buf, pos, base, swap, status, n_if) -> None:
        e = ">" if swap else "<"
        kind, length = struct.unpack_from(e + "II", buf, pos)
        if status == ST["BAD_LEN"]:
            self._fail(base + pos, f"bad block length {length} (block type {kind:#x})")
        elif status == ST["BAD_TRAILER"]:
            trailer = struct.unpack_from(e + "I", buf, pos + length - 4)[0]
            self._fail(base + pos, f"block length {length} differs from its trailing copy {trailer}")
        else:
            iface = struct.unpack_from(e + ("I" if kind == 6 else "H"), buf, pos + 8)[0]
            self._fail(base + pos, f"packet on interface {iface}, but only {n_if} interface(s) are described")

    def _header_block(self, buf: bytes, pos: int, base: int, swap: bool, local: list, more: bool):
        """Parse a section header or interface description at ``pos``; (next pos, byte order), or
        None when the block is incomplete (``error`` set when the file has no more bytes)."""
        if len(buf) - pos < 12:
            if not more:
                self._fail(base + pos, "truncated block header")
            return None
        if buf[pos:pos + 4] == _SHB:
            bom = buf[pos + 8:pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                swap = False
            elif bom == b"\x1a\x2b\x3c\x4d":
                swap = True
            else:
                self._fail(base + pos, f"section header with unknown byte-order magic {bom.hex()}")
                return None
            local.clear()
        e = ">" if swap else "<"
        length = struct.unpack_from(e + "I", buf, pos + 4)[0]
        if length < 12 or length % 4 or length > MAX_BLOCK or (buf[pos:pos + 4] == _SHB and length < 28) or \
                (buf[pos:pos + 4] != _SHB and length < 20):
            self._fail(base + pos, f"bad block length {length} ({'section' if buf[pos:pos + 4] == _SHB else 'interface'} block)")
            return None
        if len(buf) - pos < length:
            if not more:
                self._fail(base + pos, f"truncated: the block needs {length} bytes, the file ends after {len(buf) - pos}")
            return None
        if struct.unpack_from(e + "I", buf, pos + length - 4)[0] != length:
            self._fail(base + pos, f"block length {length} differs from its trailing copy")
            return None
        if buf[pos:pos + 4] != _SHB:
            iface = self._interface(buf[pos + 8:pos + length - 4], e, base + pos, len(local))
            if iface is None:
                return None
            local.append(iface)
            self.interfaces.append(iface)
        return pos + length, swap

    def _interface(self, body: bytes, e: str, offset: int, index: int) -> Interface | None:
        linktype = struct.unpack_from(e + "H", body, 0)[0]
        if linktype not in LINKTYPES:
            self._fail(offset, f"interface {index}: unknown link type {linktype} (supported: "
                               f"{', '.join(f'{k} {v}' for k, v in LINKTYPE_NAMES.items())})")
            return None
        name, exponent, binary, offset_s = f"if{index}", 6, False, 0
        p = 8
        while p + 4 <= len(body):
            code, size = struct.unpack_from(e + "HH", body, p)
            value = body[p + 4:p + 4 + size]
            if code == 0 or len(value) < size:
                break
            if code == 2:
                name = value.decode("utf-8", "replace")
            elif code == 9 and size >= 1:
                exponent, binary = value[0] & 0x7F, bool(value[0] & 0x80)
            elif code == 14 and size >= 8:
                offset_s = struct.unpack_from(e + "q", value)[0]
            p += 4 + size + (-size % 4)
        if binary:
            if exponent > 63:
                self._fail(offset, f"interface {index}: timestamp resolution 2^-{exponent} is not supported")
                return None
            mul, div, shift = 1, 1, exponent
            resolution = max(1, 10**9 >> exponent)
        else:
            if exponent > 18:
                self._fail(offset, f"interface {index}: timestamp resolution 10^-{exponent} is not supported")
                return None
            mul, div, shift = _decimal(exponent)
            resolution = max(1, 10 ** (9 - exponent)) if exponent <= 9 else 1
        return Interface(self.name, name, linktype, resolution, mul, div, shift,
                         max(-2**62, min(2**62, offset_s * 10**9)))


def _if_tables(local: list[Interface]):
    return (np.array([i.mul for i in local], np.int64), np.array([i.div for i in local], np.int64),
            np.array([i.shift for i in local], np.int32), np.array([i.offset_ns for i in local], np.int64))
