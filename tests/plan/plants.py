"""Small plants and catalogues for the planner tests, written as documents and files."""
from __future__ import annotations

from pathlib import Path

import yaml


def line_plant(n_bridges: int = 3, rate: str = "100M", qbv=(), processing: str = "10us") -> dict:
    """talker - b0 - b1 - ... - b{n-1} - listener, plus a station ``m`` on b0."""
    nodes = {f"b{i}": {"kind": "bridge", "processing": processing, "features": ["qbv"] if i in qbv else []}
             for i in range(n_bridges)}
    nodes.update({"t": {"kind": "end-station"}, "l": {"kind": "end-station"}, "m": {"kind": "end-station"}})
    links = [{"ends": ["t", "b0"], "length": "2m", "rate": rate},
             {"ends": ["m", "b0"], "length": "2m", "rate": rate},
             {"ends": [f"b{n_bridges - 1}", "l"], "length": "2m", "rate": rate}]
    links += [{"ends": [f"b{i}", f"b{i + 1}"], "length": "10m", "rate": rate} for i in range(n_bridges - 1)]
    return {"network": "line", "nodes": nodes, "links": links}


def stream(sid, talker, listener, deadline, payload="200B", period="1ms", **extra) -> dict:
    return {"id": sid, "talker": talker, "listeners": [listener], "type": "cyclic-synchronous",
            "period": period, "payload": payload, "deadline": deadline, **extra}


def write(folder: Path, network: dict, streams: list[dict], catalogue: dict) -> tuple[Path, Path, Path]:
    paths = folder / "network.yaml", folder / "streams.yaml", folder / "upgrade.yaml"
    for path, doc in zip(paths, (network, {"streams": streams}, catalogue)):
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return paths
