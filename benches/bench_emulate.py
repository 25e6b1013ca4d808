"""Emulation speed: a 1000-stream plant for 1 s with 30 % background, and the kernel against the
pure-Python reference engine on the same inputs, measured in the same run.

    python benches/bench_emulate.py          # prints events/s, frame-hops/s, speed-up, memory
    pytest benches/bench_emulate.py          # pytest-benchmark timing of the 1 s run
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from plants import write_mesh_plant  # noqa: E402
from reference.evloop_ref import ReferenceLoop  # noqa: E402
from tsnplan._ext.evloop import DONE, EventLoop  # noqa: E402
from tsnplan.emulate import Scenario, build_inputs, run_emulation  # noqa: E402
from tsnplan.io.plant import load_plant  # noqa: E402
from tsnplan.schedule import schedule  # noqa: E402

BRIDGES, STREAMS, LOAD, SEED = 50, 1000, 0.3, 1
REFERENCE_NS = 5_000_000     # the Python engine runs 5 ms of the same plant


def bench_plant():
    directory = Path(tempfile.mkdtemp(prefix="bench-emulate-"))
    problem = load_plant(*write_mesh_plant(directory, BRIDGES, STREAMS, seed=SEED)).compile()
    result = schedule(problem, method="heuristic")
    return result.extra.get("problem", problem), result


def measure(problem, result, duration_ns: int) -> tuple[float, object]:
    started = time.perf_counter()
    emulated = run_emulation(problem, result, Scenario(duration_ns, background_load=LOAD), seed=SEED)
    return time.perf_counter() - started, emulated


def reference_rate(problem, result) -> tuple[float, float]:
    """(events/s of the Python engine, events/s of the kernel) on the same REFERENCE_NS inputs."""
    arrays, _ = build_inputs(problem, result, Scenario(REFERENCE_NS, background_load=LOAD), SEED)
    ref = ReferenceLoop(arrays, SEED, trace_level=0)
    started = time.perf_counter()
    ref.run(int(arrays["stop_ns"]))
    python = ref.events / (time.perf_counter() - started)
    started = time.perf_counter()
    loop = EventLoop(arrays, SEED)
    while loop.run(int(arrays["stop_ns"])) != DONE:
        loop.take_records()
    assert loop.n_events == ref.events
    return python, loop.n_events / (time.perf_counter() - started)


def test_emulate_1000_streams_1s(benchmark):
    problem, result = bench_plant()
    emulated = benchmark.pedantic(lambda: measure(problem, result, 1_000_000_000)[1], rounds=1, iterations=1)
    assert emulated.frame_hops > 0


def main() -> None:
    problem, result = bench_plant()
    print(f"plant: {BRIDGES} bridges, {problem.n_streams} streams ({result.status.value}), "
          f"background {LOAD:.0%}, seed {SEED}")
    for duration_ns in (250_000_000, 1_000_000_000):
        wall, emulated = measure(problem, result, duration_ns)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{duration_ns / 1e9:.2f} s emulated in {wall:.2f} s: {emulated.events:,} events "
              f"({emulated.events / wall / 1e6:.2f} M events/s), {emulated.frame_hops:,} frame-hops "
              f"({emulated.frame_hops / wall / 1e6:.2f} M/s), peak RSS {rss_mib:.0f} MiB, ok={emulated.ok}")
    python, kernel = reference_rate(problem, result)
    print(f"reference engine {python / 1e3:.0f} k events/s vs kernel {kernel / 1e6:.2f} M events/s "
          f"on {REFERENCE_NS / 1e6:.0f} ms: speed-up {kernel / python:.0f}x")


if __name__ == "__main__":
    main()
