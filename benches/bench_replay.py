"""Capture reader + flow classifier throughput, side by side with scapy in the same run.

``python benches/bench_replay.py [--size 1G] [--scapy-frames 100000]`` prints one table: packets per
second of ``tsnplan.replay.flows.read_captures`` (kernel reader + classifier, flow table only) on the
whole traces folder and on a generated capture of ``--size`` bytes written to /tmp (frames taken from
the traces folder, timestamps advanced, never committed), against scapy's ``PcapReader`` (dissects
every packet) and ``RawPcapReader`` (bytes only) on the same inputs; then the peak resident memory of
a reader run on a quarter and on the whole generated capture (separate processes), which shows memory
flat in capture size. ``pytest benches/bench_replay.py`` runs the traces-folder case under
pytest-benchmark.
"""
from __future__ import annotations

import argparse
import glob
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TRACES = Path(os.environ.get("TSNPLAN_TRACES", "/work/shared/traces"))


def trace_files() -> list[str]:
    return sorted(f for f in glob.glob(str(TRACES / "*" / "*")) if f.endswith((".pcap", ".pcapng")))


def ethernet_frames() -> list[bytes]:
    """Every frame of the traces folder on an Ethernet link, as the generator's material."""
    from tsnplan.replay.reader import CaptureReader
    frames = []
    for path in trace_files():
        reader = CaptureReader(path)
        for chunk in reader:
            if reader.interfaces[0].linktype != 1:
                break
            for off, cap in zip(chunk.off.tolist(), chunk.caplen.tolist()):
                frames.append(chunk.buf[off:off + cap].tobytes())
    return frames


def generate(path: Path, size: int) -> int:
    """A nanosecond pcap of about ``size`` bytes: the traces' frames over and over, 1 us apart. One
    block of records is built once; each repetition only rewrites its timestamps (numpy view)."""
    frames = ethernet_frames()
    block = bytearray()
    ts_offsets = []
    for frame in frames:
        ts_offsets.append(len(block))
        block += struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame
    ts_offsets = np.array(ts_offsets, np.int64)
    n_block = len(frames)
    packets = 0
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1))
        written = 24
        rep = 0
        while written < size:
            ns = (rep * n_block + np.arange(n_block, dtype=np.int64)) * 1000
            buf = np.frombuffer(block, np.uint8).copy()
            view = buf.view(np.uint8)
            sec, frac = (ns // 10**9).astype("<u4"), (ns % 10**9).astype("<u4")
            for k, values in ((0, sec), (4, frac)):
                idx = ts_offsets[:, None] + k + np.arange(4)
                view[idx] = values.view(np.uint8).reshape(-1, 4)
            out.write(buf.tobytes())
            written += len(block)
            packets += n_block
            rep += 1
    return packets


def rate_tsnplan(paths: list[str], repeat: int = 3) -> tuple[int, float]:
    from tsnplan.replay.flows import read_captures
    best = float("inf")
    frames = 0
    for _ in range(repeat):
        start = time.perf_counter()
        capture = read_captures(paths, keep_frames=False)
        best = min(best, time.perf_counter() - start)
        frames = sum(capture.frame_counts)
    return frames, best


def rate_scapy(paths: list[str], limit: int | None, raw: bool) -> tuple[int, float]:
    from scapy.utils import PcapReader, RawPcapReader
    opener = RawPcapReader if raw else PcapReader
    n = 0
    start = time.perf_counter()
    for path in paths:
        with opener(path) as reader:
            for _ in reader:
                n += 1
                if limit is not None and n >= limit:
                    return n, time.perf_counter() - start
    return n, time.perf_counter() - start


def peak_rss_mib(path: Path, limit_bytes: int | None) -> float:
    """Peak RSS of a fresh process reading the first ``limit_bytes`` of ``path`` (a copy cut there)."""
    target = path
    if limit_bytes is not None:
        target = path.with_suffix(".part.pcap")
        with open(path, "rb") as src, open(target, "wb") as dst:
            remaining = limit_bytes
            while remaining > 0:
                data = src.read(min(remaining, 64 << 20))
                if not data:
                    break
                dst.write(data)
                remaining -= len(data)
    # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec
    code = ("import sys; from tsnplan.replay.flows import read_captures; "
            "c = read_captures([sys.argv[1]], keep_frames=False); "
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 1024)")
    out = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, check=True)
    if target != path:
        target.unlink()
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="generated capture size (e.g. 256M, 1G)")
    parser.add_argument("--scapy-frames", type=int, default=100_000, help="frames scapy reads of the large capture")
    parser.add_argument("--out", default="/tmp/tsnplan-bench-replay.pcap")
    args = parser.parse_args()
    size = int(float(args.size[:-1]) * {"K": 2**10, "M": 2**20, "G": 2**30}[args.size[-1].upper()]) \
        if args.size[-1].isalpha() else int(args.size)
    from rich.console import Console
    from rich.table import Table
    console = Console(width=150)
    console.print(f"load average {os.getloadavg()[0]:.2f}, python {sys.version.split()[0]}")
    traces = trace_files()
    big = Path(args.out)
    start = time.perf_counter()
    generated = generate(big, size)
    console.print(f"generated {big} ({big.stat().st_size / 2**30:.2f} GiB, {generated} packets) "
                  f"in {time.perf_counter() - start:.1f} s")
    table = Table(title="reader + classifier, packets per second")
    for col in ("input", "packets", "tsnplan", "scapy PcapReader", "x", "scapy RawPcapReader", "x"):
        table.add_column(col, justify="right")
    for label, paths, scapy_limit in (("traces folder (60 files)", traces, None),
                                      (f"generated {big.stat().st_size / 2**30:.2f} GiB", [str(big)], args.scapy_frames)):
        n, t = rate_tsnplan(paths, repeat=3 if label.startswith("traces") else 1)
        ns, ts = rate_scapy(paths, scapy_limit, raw=False)
        nr, tr = rate_scapy(paths, scapy_limit, raw=True)
        ours, theirs, raw = n / t, ns / ts, nr / tr
        table.add_row(label, f"{n:,}", f"{ours:,.0f}", f"{theirs:,.0f} ({ns:,})", f"{ours / theirs:.0f}x",
                      f"{raw:,.0f} ({nr:,})", f"{ours / raw:.1f}x")
    console.print(table)
    quarter, whole = peak_rss_mib(big, big.stat().st_size // 4), peak_rss_mib(big, None)
    console.print(f"peak RSS reading {big.stat().st_size / 4 / 2**30:.2f} GiB: {quarter:.0f} MiB; "
                  f"reading {big.stat().st_size / 2**30:.2f} GiB: {whole:.0f} MiB")
    big.unlink()


def test_reader_traces_folder(benchmark):
    from tsnplan.replay.flows import read_captures
    traces = trace_files()
    if not traces:
        import pytest
        pytest.skip("traces folder not present")
    capture = benchmark(read_captures, traces, keep_frames=False)
    assert sum(capture.frame_counts) == 125_882


if __name__ == "__main__":
    main()
