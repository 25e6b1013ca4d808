"""The shipped plants as the scheduled pipeline runs on them.

The brownfield line's as-is switches lack 802.1Qbv (the starting point of its upgrade scenario),
so its scheduled streams cannot be scheduled there (``tests/schedule/test_features.py``). Tests
of the scheduled pipeline (schedule, emulate, export) use it with TSN firmware on the line
switches: the same 100 Mb/s line of four-queue bridges, ``qbv`` everywhere, so Table 8-5 at four
queues stays covered. Every other plant is used as shipped.
"""
from __future__ import annotations

from pathlib import Path

from tsnplan.io.plant import load_plant
from tsnplan.io.yaml_input import read_yaml
from tsnplan.plan.actions import plain, to_yaml

TOPOLOGIES = Path(__file__).resolve().parents[1] / "topologies"
PLANTS = sorted(p.name for p in TOPOLOGIES.iterdir() if (p / "network.yaml").exists())
#: plants whose as-is bridges lack qbv, and the features the tests give them
FIRMWARE = {"brownfield-line": ["qbv"]}


def schedulable_files(name: str, directory: Path) -> tuple[Path, Path]:
    """(network, streams) of a shipped plant, the network with ``FIRMWARE`` written into ``directory``."""
    network, streams = TOPOLOGIES / name / "network.yaml", TOPOLOGIES / name / "streams.yaml"
    if name not in FIRMWARE:
        return network, streams
    doc = plain(read_yaml(network))
    doc["defaults"]["bridge"]["features"] = FIRMWARE[name]
    out = Path(directory) / f"{name}-network.yaml"
    out.write_text(to_yaml(doc, f"{name} with {FIRMWARE[name]} on every bridge (tests/schedulable.py)"))
    return out, streams


def schedulable_plant(name: str, directory: Path):
    return load_plant(*schedulable_files(name, directory))
