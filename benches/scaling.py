"""Scaling tables: run ``python benches/scaling.py [SECTION ...]`` (default: every section).

Each section is a function printing one rich table of size -> seconds on seeded synthetic plants
(benches/generate.py); add a section by adding it to ``SECTIONS``. Times are the best of
``--repeat`` runs, measured with time.perf_counter.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))

from generate import write_plant  # noqa: E402

from tsnplan.io.checks import check_plant  # noqa: E402
from tsnplan.io.network_file import network_from_doc  # noqa: E402
from tsnplan.io.plant import Plant, load_plant  # noqa: E402
from tsnplan.io.streams_file import streams_from_doc  # noqa: E402
from tsnplan.io.yaml_input import read_yaml  # noqa: E402

LOADING_SIZES = [(10, 100), (50, 1_000), (100, 4_000), (200, 10_000), (500, 20_000), (1_000, 50_000)]


def _best(repeat: int, fn, *args):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def loading(console: Console, repeat: int, workdir: Path) -> None:
    """load_plant (YAML, model, routing, compile, checks) on ring-of-rings plants, with its parts."""
    table = Table(title="Loading: load_plant on ring-of-rings plants (seed 1), best of "
                        f"{repeat}, seconds", title_justify="left")
    for col in ("bridges", "streams", "nodes", "hops", "yaml", "model", "compile", "checks", "load_plant"):
        table.add_column(col, justify="right")
    for n_bridges, n_streams in LOADING_SIZES:
        network, streams = write_plant(workdir / f"{n_bridges}-{n_streams}", n_bridges, n_streams)
        t_yaml, (net_doc, stream_doc) = _best(repeat, lambda: (read_yaml(network), read_yaml(streams)))
        def build_model():
            net = network_from_doc(net_doc, str(network))[0]
            return net, streams_from_doc(stream_doc, str(streams), net)[0]
        t_model, (net, stream_set) = _best(repeat, build_model)
        plant = Plant(net, stream_set)
        t_compile, problem = _best(repeat, plant.compile)
        t_check, _ = _best(repeat, check_plant, problem, stream_set)
        t_load, _ = _best(repeat, load_plant, network, streams)
        table.add_row(str(n_bridges), f"{n_streams:,}", f"{net.graph.number_of_nodes():,}", f"{problem.n_hops:,}",
                      f"{t_yaml:.3f}", f"{t_model:.3f}", f"{t_compile:.3f}", f"{t_check:.3f}", f"[bold]{t_load:.3f}[/bold]")
        console.print(f"  {n_bridges} bridges, {n_streams} streams: {t_load:.3f} s", style="dim")
    console.print(table)


SECTIONS = {"loading": loading}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"one of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r} (choose from {', '.join(SECTIONS)})")
    console = Console(width=None if sys.stdout.isatty() else 120)
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sections or SECTIONS:
            SECTIONS[name](console, args.repeat, Path(folder))


if __name__ == "__main__":
    main()
