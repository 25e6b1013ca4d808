"""Offered load per egress port (and per shared medium) from streams on their routes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsnplan.model.compile import CompiledProblem

__all__ = ["PortLoad", "port_load", "stream_port_utilisation", "ports_by_load", "overloaded_ports", "OVERLOADED"]

#: Above this share of its rate a port cannot carry its streams.
OVERLOADED = 1.0


@dataclass(frozen=True, slots=True)
class PortLoad:
    """Bits per second each port (and each shared medium) must carry, and the share of its rate."""

    port_bps: np.ndarray          # float64 per port
    port_utilisation: np.ndarray  # port_bps / rate, per port; for T1S, the whole segment's share
    port_streams: np.ndarray      # number of streams per port


def _stream_bits(problem: CompiledProblem) -> np.ndarray:
    """int64 per stream: the wire bits of all its frames in one period."""
    if not problem.n_streams:
        return np.zeros(0, dtype=np.int64)
    return np.add.reduceat(problem.frame_wire_bytes * 8, problem.frame_ptr[:-1])


def stream_port_utilisation(problem: CompiledProblem) -> np.ndarray:
    """Per hop: the fraction of its port's rate the stream alone uses."""
    stream_bps = _stream_bits(problem) * 1e9 / problem.stream_period_ns
    hop_bps = np.repeat(stream_bps, np.diff(problem.hop_ptr))
    return hop_bps / problem.port_rate_bps[problem.hop_port]


def port_load(problem: CompiledProblem) -> PortLoad:
    from tsnplan._ext.linkload import port_bits_per_hyper

    port_bps = np.zeros(problem.n_ports)
    port_bits_per_hyper(problem.hop_ptr, problem.hop_port, np.ascontiguousarray(_stream_bits(problem), dtype=np.int64),
                        problem.stream_period_ns, port_bps)
    port_streams = np.bincount(problem.hop_port, minlength=problem.n_ports)
    resource_bps = np.zeros(int(problem.port_resource.max()) + 1 if problem.n_ports else 0)
    np.add.at(resource_bps, problem.port_resource, port_bps)
    utilisation = resource_bps[problem.port_resource] / problem.port_rate_bps
    return PortLoad(port_bps, utilisation, port_streams)


def ports_by_load(problem: CompiledProblem, load: PortLoad) -> list[int]:
    """Port indices, heaviest first (ties by name), without T1S pass-through ports: the frame is
    already on the bus there, and the member's own port carries the whole segment's share."""
    ports = problem.network.ports
    keep = [p for p in range(problem.n_ports) if not ports[problem.port_names[p]].passthrough]
    return sorted(keep, key=lambda p: (-float(load.port_utilisation[p]), problem.port_names[p]))


def overloaded_ports(problem: CompiledProblem, load: PortLoad) -> list[int]:
    """The ports of ``ports_by_load`` whose offered load exceeds their rate: no schedule can exist."""
    return [p for p in ports_by_load(problem, load) if load.port_utilisation[p] > OVERLOADED]
