"""Network-calculus bounds for unscheduled classes (domain.md §2.2-2.3, §7).

Every unscheduled stream is a token bucket (burst: one period's frames, rate: their bits per
period). Each egress port serves its classes by strict priority, or by a credit-based shaper for
the SR classes (PCP 3 and 2) on bridges with the ``cbs`` feature. Scheduled traffic takes the
service away: with a schedule, its windows plus a guard band are closed intervals of the gates of
every unscheduled class, turned into a rate-latency curve; without one, each scheduled frame with
its guard band counts as higher-priority traffic once per period. A lower-priority frame blocks
once (non-preemptive), or only its never-preemptable part where the port preempts (802.1Qbu).
Bursts grow along the path by rate x delay variation; the kernel iterates to a fixed point.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from tsnplan._ext import budget as _kernel
from tsnplan.budget.hops import HopTerms, stream_max_wire_bytes
from tsnplan.errors import InternalError
from tsnplan.model.compile import INDEX, TIME, CompiledProblem
from tsnplan.model.media.ethernet import WIRE_OVERHEAD_BYTES
from tsnplan.model.network import Feature
from tsnplan.schedule.result import ScheduleResult

__all__ = ["CalculusResult", "calculus_bounds", "NON_PREEMPTABLE_BYTES", "SR_CLASS_INTERVAL_NS",
           "MAX_RESERVATION", "MAX_ITERATIONS"]

#: Largest MAC frame that can never be preempted (addFragSize 0, domain.md §2.3), on the wire.
NON_PREEMPTABLE_BYTES = 123 + WIRE_OVERHEAD_BYTES
#: SRP class measurement interval per PCP: SR class A (PCP 3) and B (PCP 2).
SR_CLASS_INTERVAL_NS = {3: 125_000, 2: 250_000}
#: 802.1Q caps the bandwidth reserved for SR classes at 75 % of the port.
MAX_RESERVATION = Fraction(3, 4)
MAX_ITERATIONS = 200
NS = 1_000_000_000


@dataclass(frozen=True, eq=False)
class CalculusResult:
    hop_queue: np.ndarray          # int32[H] queue of the hop, -1 for none
    hop_delay_ns: np.ndarray       # int64[H] delay bound of the hop's queue (own frames included), -1 unbounded
    hop_burst_bits: np.ndarray     # int64[H] burst of the stream arriving at the hop
    queue_port: np.ndarray         # int32[Q]
    queue_class: np.ndarray        # int8[Q]
    queue_shaper: np.ndarray       # int8[Q] 0 strict priority, 1 CBS
    queue_delay_ns: np.ndarray     # int64[Q]
    port_guard_ns: np.ndarray      # int64[P] guard band before every scheduled window
    iterations: int                # -1: the bursts did not settle, every queue is unbounded
    gated_by_schedule: bool        # True: TAS closed intervals from a schedule, else scheduled load as a token bucket


def calculus_bounds(problem: CompiledProblem, terms: HopTerms, active: np.ndarray,
                    schedule: ScheduleResult | None, own_tx_ns: np.ndarray) -> CalculusResult:
    """Bounds for the hops of the ``active`` streams (int8[S]); other streams only shape the service.
    ``own_tx_ns`` is each hop's serialisation of its stream's frames, the least delay of its queue."""
    n_hops, n_ports = problem.n_hops, problem.n_ports
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    hop_active = active[stream_of_hop] == 1
    hop_class = problem.hop_class.astype(np.int64)
    hop_port = problem.hop_port.astype(np.int64)
    max_wire = stream_max_wire_bytes(problem)
    hop_max = max_wire[stream_of_hop]

    # largest unscheduled frame per (port, class), and which classes carry scheduled streams
    frame_max = np.zeros((n_ports, 8), dtype=TIME)
    np.maximum.at(frame_max, (hop_port[hop_active], hop_class[hop_active]), hop_max[hop_active])
    sched_class = np.zeros((n_ports, 8), dtype=bool)
    sched_class[hop_port[~hop_active], hop_class[~hop_active]] = True
    lower_max = np.zeros((n_ports, 8), dtype=TIME)
    lower_max[:, 1:] = np.maximum.accumulate(frame_max, axis=1)[:, :-1]
    network = problem.network
    qbu = np.array([Feature.QBU in network.node(network.ports[n].src).features for n in problem.port_names], dtype=bool)
    cbs = np.array([Feature.CBS in network.node(network.ports[n].src).features for n in problem.port_names], dtype=bool)
    rate = problem.port_rate_bps
    guard_bytes = frame_max.max(axis=1) if n_ports else np.zeros(0, dtype=TIME)
    guard_bytes = np.where(qbu, np.minimum(guard_bytes, NON_PREEMPTABLE_BYTES), guard_bytes)
    guard_ns = -(-(guard_bytes * 8 * NS) // rate)

    # queues: (port, class) of active hops with an egress queue, grouped by port, highest class first
    queued = hop_active & (terms.queueless == 0)
    keys = hop_port * 8 + (7 - hop_class)
    unique, inverse = np.unique(keys[queued], return_inverse=True)
    hop_queue = np.full(n_hops, -1, dtype=INDEX)
    hop_queue[queued] = inverse
    queue_port = (unique // 8).astype(INDEX)
    queue_class = (7 - unique % 8).astype(np.int8)
    express = (queue_class == 7) | sched_class[queue_port, queue_class]
    block_bytes = lower_max[queue_port, queue_class]
    block_bytes = np.where(qbu[queue_port] & express, np.minimum(block_bytes, NON_PREEMPTABLE_BYTES), block_bytes)

    stream_bits = np.add.reduceat(problem.frame_wire_bytes * 8, problem.frame_ptr[:-1]) \
        if problem.n_streams else np.zeros(0, dtype=TIME)
    stream_rate = -(-(stream_bits * NS) // problem.stream_period_ns)
    idle, cbs_ns, shaper = _cbs_queues(problem, queue_port, queue_class, hop_queue, stream_of_hop, max_wire,
                                       lower_max, cbs)

    avail = rate.astype(TIME).copy()
    gate_bits = np.zeros(n_ports, dtype=TIME)
    sched_bits = np.zeros(n_ports, dtype=TIME)
    sched_bps = np.zeros(n_ports, dtype=TIME)
    gated = schedule is not None
    if gated:
        _gate_service(problem, schedule, guard_ns, avail, gate_bits)
    else:
        frames = np.diff(problem.frame_ptr)[stream_of_hop]
        bits = (stream_bits[stream_of_hop] + 8 * frames * guard_bytes[hop_port]) * (~hop_active)
        np.add.at(sched_bits, hop_port, bits)
        np.add.at(sched_bps, hop_port, -(-(bits * NS) // problem.stream_period_ns[stream_of_hop]))

    extra = np.where(terms.radio_hold == 1, 0, terms.radio_ns - terms.radio_min_ns) + terms.access_ns
    hop_burst = np.zeros(n_hops, dtype=TIME)
    q_burst = np.zeros(len(unique), dtype=TIME)
    q_rate = np.zeros(len(unique), dtype=TIME)
    q_delay = np.zeros(len(unique), dtype=TIME)
    iterations = _kernel.calculus_bounds(
        problem.hop_ptr, problem.hop_parent, hop_queue, np.ascontiguousarray(extra, dtype=TIME),
        np.ascontiguousarray(own_tx_ns, dtype=TIME),
        np.ascontiguousarray(active, dtype=np.int8), np.ascontiguousarray(stream_bits, dtype=TIME),
        np.ascontiguousarray(stream_rate, dtype=TIME), queue_port,
        np.ascontiguousarray(block_bytes * 8, dtype=TIME), idle, cbs_ns,
        avail, gate_bits, sched_bits, sched_bps, hop_burst, q_burst, q_rate, q_delay, MAX_ITERATIONS)
    if iterations == 0:
        raise InternalError("budget: the calculus kernel ran no iteration")
    hop_delay = np.zeros(n_hops, dtype=TIME)
    hop_delay[hop_queue >= 0] = q_delay[hop_queue[hop_queue >= 0]]
    return CalculusResult(hop_queue, hop_delay, hop_burst, queue_port, queue_class, shaper, q_delay,
                          guard_ns.astype(TIME), int(iterations), gated)


def _cbs_queues(problem, queue_port, queue_class, hop_queue, stream_of_hop, max_wire, lower_max, cbs):
    """Idle slope (SRP reservation: max frame x frames per class measurement interval, capped at
    75 % of the port) and latency hiCredit/idleSlope (domain.md §7.3) of each CBS queue."""
    n_queues = len(queue_port)
    idle = np.zeros(n_queues, dtype=TIME)
    cbs_ns = np.zeros(n_queues, dtype=TIME)
    shaper = np.zeros(n_queues, dtype=np.int8)
    if not cbs.any():
        return idle, cbs_ns, shaper
    reserved = [Fraction(0)] * n_queues
    frame_bits = [0] * n_queues
    pcp = problem.stream_pcp
    n_frames = np.diff(problem.frame_ptr)
    for h in np.flatnonzero(hop_queue >= 0):
        q = int(hop_queue[h])
        s = int(stream_of_hop[h])
        interval = SR_CLASS_INTERVAL_NS.get(int(pcp[s]))
        if not cbs[queue_port[q]] or interval is None:
            continue
        shaper[q] = 1
        per_interval = max(1, -(-int(n_frames[s]) * interval // int(problem.stream_period_ns[s])))
        reserved[q] += Fraction(int(max_wire[s]) * 8 * per_interval * NS, interval)
        frame_bits[q] = max(frame_bits[q], int(max_wire[s]) * 8)
    for p in np.unique(queue_port[shaper == 1]):
        port_rate = int(problem.port_rate_bps[p])
        higher_slope, higher_terms = Fraction(0), Fraction(0)
        for q in np.flatnonzero(queue_port == p):          # highest class first
            if not shaper[q]:
                continue
            slope = min(reserved[q], MAX_RESERVATION * port_rate)
            idle[q] = int(slope)
            lower_bits = int(lower_max[p, queue_class[q]]) * 8
            hi_credit = slope * (lower_bits + higher_terms) / (port_rate - higher_slope)
            cbs_ns[q] = -(-(hi_credit * NS) // slope) if slope else 0
            higher_slope += slope
            higher_terms += Fraction(frame_bits[q]) * (port_rate - slope) / port_rate
    return idle, cbs_ns, shaper


def _gate_service(problem, schedule, guard_ns, avail, gate_bits) -> None:
    """Rate-latency curve left by the closed intervals (scheduled windows + guard band) of each port.

    With O the open time of a cycle P, the rate is C*O/P and the latency max(phi) - min(phi) for
    phi(x) = x - open(0, x) * P/O, which is periodic, so the exact worst window is found in one pass.
    """
    cycle = int(schedule.hyperperiod_ns)
    hop_port = problem.hop_port[schedule.window_hop]
    by_port: dict[int, list[tuple[int, int]]] = {}
    guard = guard_ns[hop_port]
    starts = (schedule.window_start_ns - guard) % cycle
    for p, start, length in zip(hop_port.tolist(), starts.tolist(),
                                (schedule.window_end_ns - schedule.window_start_ns + guard).tolist()):
        by_port.setdefault(p, []).append((start, length))
    for p, intervals in by_port.items():
        closed = _merge_closed(intervals, cycle)
        open_ns = cycle - sum(e - s for s, e in closed)
        rate = int(problem.port_rate_bps[p])
        if open_ns <= 0:
            avail[p] = 0
            continue
        phi_hi, phi_lo, opened, x = None, None, 0, 0
        for s, e in closed:
            opened += s - x
            low = s * open_ns - opened * cycle          # phi * O at the start of a closed interval
            high = e * open_ns - opened * cycle         # ... and at its end
            phi_lo = low if phi_lo is None else min(phi_lo, low)
            phi_hi = high if phi_hi is None else max(phi_hi, high)
            x = e
        avail[p] = rate * open_ns // cycle
        gate_bits[p] = -(-(rate * (phi_hi - phi_lo)) // (cycle * NS))


def _merge_closed(intervals: list[tuple[int, int]], cycle: int) -> list[tuple[int, int]]:
    """Closed intervals (start mod cycle, length) as sorted, disjoint [s, e) pieces of [0, cycle)."""
    pieces = []
    for start, length in intervals:
        end = start + min(length, cycle)
        if end <= cycle:
            pieces.append((start, end))
        else:
            pieces.append((start, cycle))
            pieces.append((0, end - cycle))
    pieces.sort()
    merged: list[list[int]] = []
    for s, e in pieces:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]
