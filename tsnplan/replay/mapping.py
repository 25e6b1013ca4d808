"""The map file: which plant node a MAC address belongs to, and which planned stream a captured flow is.

```yaml
nodes:                      # MAC -> node id of the plant
  "00:a0:45:6d:d3:43": plc-1
streams:                    # flow name (as `replay --infer` names it) -> stream id of the plan
  plc-1-profinet-rt-c000: cell-io-1
```
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tsnplan.errors import InputError, Problem

__all__ = ["NodeMap", "read_map", "parse_mac"]

_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")


def parse_mac(text: str) -> int:
    if not isinstance(text, str) or not _MAC.match(text):
        raise ValueError(f"{text!r} is not a MAC address (write 00:a0:45:6d:d3:43)")
    return int(re.sub("[:-]", "", text), 16)


@dataclass(frozen=True)
class NodeMap:
    nodes: dict[int, str] = field(default_factory=dict)      # MAC (48-bit int) -> node id
    streams: dict[str, str] = field(default_factory=dict)    # flow name -> stream id


def read_map(path: str | Path | None) -> NodeMap:
    """Read and check a map file; every problem is reported at once."""
    if path is None:
        return NodeMap()
    from tsnplan.io.yaml_input import read_yaml
    doc = read_yaml(path)
    name = str(path)
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise InputError([Problem(name, "", "expected a mapping with 'nodes:' and/or 'streams:'")])
    for key in doc:
        if key not in ("nodes", "streams"):
            problems.append(Problem(name, str(key), "unknown section (expected 'nodes' or 'streams')"))
    nodes, streams = {}, {}
    for section, target in (("nodes", nodes), ("streams", streams)):
        entries = doc.get(section) or {}
        if not isinstance(entries, dict):
            problems.append(Problem(name, section, "expected a mapping"))
            continue
        for key, line in getattr(entries, "duplicates", ()):
            problems.append(Problem(name, f"{section}.{key}", "appears twice", line))
        for key, value in entries.items():
            line = getattr(entries, "line", None)
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                problems.append(Problem(name, f"{section}.{key}", "expected a node or stream id", line))
                continue
            if section == "nodes":
                try:
                    target[parse_mac(str(key))] = str(value)
                except ValueError as exc:
                    problems.append(Problem(name, f"nodes.{key}", str(exc), line))
            else:
                target[str(key)] = str(value)
    if problems:
        raise InputError(problems)
    return NodeMap(nodes, streams)
