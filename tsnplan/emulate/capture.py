"""pcapng output with nanosecond timestamps, one interface per capture point (an egress port).

scapy's writer keeps microseconds, so the few block types needed are written here directly
(pcapng: SHB, one IDB per port with ``if_name`` and ``if_tsresol`` = 9, then EPBs). Packets are
written as they come, so memory stays flat however long the run is. They go to a temporary file
beside the target, renamed onto it by ``close()``; ``abort()`` (an error, Ctrl-C, SIGTERM) removes
it, so a capture cut short never looks like a complete one.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

from tsnplan.io.output import atomic_path

__all__ = ["PcapngWriter", "LINKTYPE_ETHERNET"]

LINKTYPE_ETHERNET = 1
_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_OPT_END, _OPT_COMMENT, _IF_NAME, _IF_TSRESOL, _SHB_USERAPPL = 0, 1, 2, 9, 4


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def _block(kind: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


class PcapngWriter:
    """Write Ethernet frames captured at named ports; ``write(port, time_ns, frame)``."""

    def __init__(self, path: str | Path, ports: list[str], comment: str = ""):
        self._target = atomic_path(path)
        tmp = self._target.__enter__()
        try:
            self._file = open(tmp, "wb")
            self._start(ports, comment)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _start(self, ports: list[str], comment: str) -> None:
        self._ifid = {name: i for i, name in enumerate(ports)}
        self.packets = 0
        options = _option(_SHB_USERAPPL, b"tsnplan emulate")
        if comment:
            options += _option(_OPT_COMMENT, comment.encode())
        self._file.write(_block(_SHB, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + options
                                + _option(_OPT_END, b"")))
        for name in ports:
            options = _option(_IF_NAME, name.encode()) + _option(_IF_TSRESOL, bytes([9])) + _option(_OPT_END, b"")
            self._file.write(_block(_IDB, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, 262144) + options))

    def write(self, port: str, time_ns: int, frame: bytes) -> None:
        body = struct.pack("<IIIII", self._ifid[port], time_ns >> 32, time_ns & 0xFFFFFFFF,
                           len(frame), len(frame)) + frame
        self._file.write(_block(_EPB, body))
        self.packets += 1

    def close(self) -> None:
        """Complete: the file takes the target's name."""
        self._file.close()
        self._target.__exit__(None, None, None)

    def abort(self) -> None:
        """Cut short: nothing is left behind."""
        self._file.close()
        os.unlink(self._file.name)

    def __enter__(self) -> "PcapngWriter":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.abort() if kind is not None else self.close()
