"""Credit-based shapers (802.1Qav) a plant runs: which queues, at which idle slope.

On a bridge with the ``cbs`` feature, the queue of an SR class (PCP 3: class A, PCP 2: class B)
carrying unscheduled streams is shaped with the SRP reservation as its idle slope: each stream's
largest frame times its frames per class measurement interval, summed over the queue and capped
at 75 % of the port (domain.md §7.3). Budget and emulator both take their shapers from here, so
the bound and the second judge look at the same network. Ports without an egress queue to shape
(a 10BASE-T1S station, the radio side of a 5G bridge) are left alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from tsnplan.model.compile import TIME, CompiledProblem
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.network import Feature

__all__ = ["CbsShaping", "cbs_shaping", "queueless_ports", "SR_CLASS_INTERVAL_NS", "MAX_RESERVATION"]

#: SRP class measurement interval per PCP: SR class A (PCP 3) and B (PCP 2).
SR_CLASS_INTERVAL_NS = {3: 125_000, 2: 250_000}
#: 802.1Q caps the bandwidth reserved for SR classes at 75 % of the port.
MAX_RESERVATION = Fraction(3, 4)
NS = 1_000_000_000


@dataclass(frozen=True, eq=False)
class CbsShaping:
    idle_slope_bps: np.ndarray     # int64[P, 8] idle slope per (port, class); 0: strict priority
    max_frame_bits: np.ndarray     # int64[P, 8] largest shaped frame (wire bits) of the class


def queueless_ports(problem: CompiledProblem) -> np.ndarray:
    """int8[P] 1: no egress queue to analyse or shape (T1S station, radio side of a 5G bridge)."""
    ports = [problem.network.ports[name] for name in problem.port_names]
    return np.array([(p.link.medium is Medium.T1S and not p.passthrough) or p.link.medium is Medium.RADIO_5G
                     for p in ports], dtype=np.int8)


def cbs_shaping(problem: CompiledProblem) -> CbsShaping:
    """The shapers of every unscheduled SR-class queue on ``cbs`` bridges (idle slope floored to bit/s)."""
    n_ports = problem.n_ports
    slope = np.zeros((n_ports, 8), dtype=TIME)
    frame_bits = np.zeros((n_ports, 8), dtype=TIME)
    network = problem.network
    cbs = np.array([Feature.CBS in network.node(network.ports[n].src).features for n in problem.port_names],
                   dtype=bool)
    if not cbs.any() or not problem.n_streams:
        return CbsShaping(slope, frame_bits)
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    max_wire = np.maximum.reduceat(problem.frame_wire_bytes, problem.frame_ptr[:-1])
    n_frames = np.diff(problem.frame_ptr)
    queued = ~queueless_ports(problem).astype(bool) & cbs
    reserved: dict[tuple[int, int], Fraction] = {}
    for h in range(problem.n_hops):
        s, p = int(stream_of_hop[h]), int(problem.hop_port[h])
        interval = SR_CLASS_INTERVAL_NS.get(int(problem.stream_pcp[s]))
        if problem.stream_scheduled[s] or not queued[p] or interval is None:
            continue
        c = int(problem.hop_class[h])
        per_interval = max(1, -(-int(n_frames[s]) * interval // int(problem.stream_period_ns[s])))
        reserved[p, c] = reserved.get((p, c), Fraction(0)) + Fraction(int(max_wire[s]) * 8 * per_interval * NS,
                                                                       interval)
        frame_bits[p, c] = max(int(frame_bits[p, c]), int(max_wire[s]) * 8)
    for (p, c), bps in reserved.items():
        slope[p, c] = int(min(bps, MAX_RESERVATION * int(problem.port_rate_bps[p])))
    return CbsShaping(slope, frame_bits)
