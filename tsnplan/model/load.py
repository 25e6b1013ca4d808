"""Offered load per egress port (and per shared medium) from streams on their routes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsnplan.model.compile import CompiledProblem

__all__ = ["PortLoad", "port_load", "stream_port_utilisation"]


@dataclass(frozen=True, slots=True)
class PortLoad:
    """Bits per second each port (and each shared medium) must carry, and the share of its rate."""

    port_bps: np.ndarray          # float64 per port
    port_utilisation: np.ndarray  # port_bps / rate, per port; for T1S, the whole segment's share
    port_streams: np.ndarray      # number of streams per port


def stream_port_utilisation(problem: CompiledProblem) -> np.ndarray:
    """Per hop: the fraction of its port's rate the stream alone uses."""
    frame_bits = np.add.reduceat(problem.frame_wire_bytes * 8, problem.frame_ptr[:-1]) if problem.n_streams else np.zeros(0)
    stream_bps = frame_bits * 1e9 / problem.stream_period_ns
    hops_per_stream = np.diff(problem.hop_ptr)
    hop_bps = np.repeat(stream_bps, hops_per_stream)
    return hop_bps / problem.port_rate_bps[problem.hop_port]


def port_load(problem: CompiledProblem) -> PortLoad:
    from tsnplan._ext.linkload import port_bits_per_hyper

    stream_bits = np.add.reduceat(problem.frame_wire_bytes * 8, problem.frame_ptr[:-1]) \
        if problem.n_streams else np.zeros(0, dtype=np.int64)
    port_bps = np.zeros(problem.n_ports)
    port_bits_per_hyper(problem.hop_ptr, problem.hop_port, np.ascontiguousarray(stream_bits, dtype=np.int64),
                        problem.stream_period_ns, port_bps)
    port_streams = np.bincount(problem.hop_port, minlength=problem.n_ports)
    resource_bps = np.zeros(int(problem.port_resource.max()) + 1 if problem.n_ports else 0)
    np.add.at(resource_bps, problem.port_resource, port_bps)
    utilisation = resource_bps[problem.port_resource] / problem.port_rate_bps
    return PortLoad(port_bps, utilisation, port_streams)
