"""Network-calculus bounds for unscheduled classes (domain.md §2.2-2.3, §7).

Every unscheduled stream is a token bucket (burst: one period's frames, rate: their bits per
period). Each egress port serves its classes by strict priority, or by a credit-based shaper for
the SR classes (PCP 3 and 2) on bridges with the ``cbs`` feature. Scheduled traffic takes the
service away. With a schedule, each unscheduled queue gets the service its gate control list as
written leaves it (``gate_service``: windows, guard bands, the frame that does not fit before a
gate closes): the kernel iterates with rate-latency curves below it, then each strict-priority
queue's delay is recomputed from that service itself for the bursts the kernel settled on. Without one, the worst list the scheduler may produce is
assumed: every scheduled frame in a window of its own, each with a guard band of one maximum
frame (``MAX_FRAME_WIRE_BYTES`` at the port rate) and one unusable tail of the queue's largest
frame (or a higher class's) before it, counted as higher-priority traffic once per period. A
lower-priority frame blocks once (unscheduled classes are never express, so preemption does not
shorten it). Bursts grow along the path by rate x delay variation; the kernel iterates to a
fixed point.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from tsnplan._ext import budget as _kernel
from tsnplan.budget.gate_service import RATE_FRACTIONS, effective_open, exact_delay_ns, latency_at_rates
from tsnplan.budget.hops import HopTerms, stream_max_wire_bytes
from tsnplan.errors import InternalError
from tsnplan.model.compile import INDEX, TIME, CompiledProblem
from tsnplan.model.gating import port_gated_mask
from tsnplan.model.shaping import cbs_shaping
from tsnplan.schedule.gcl import build_gcl
from tsnplan.schedule.layout import MAX_FRAME_WIRE_BYTES, ScheduleOptions, build_layout
from tsnplan.schedule.result import Gcl, ScheduleResult

__all__ = ["CalculusResult", "calculus_bounds", "MAX_ITERATIONS"]

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
    iterations: int                # -1: the bursts did not settle, every queue is unbounded
    gated_by_schedule: bool        # True: the schedule's gate lists, else scheduled load as a token bucket


def _tx_ns(n_bytes, rate):
    return -(-(np.asarray(n_bytes, dtype=TIME) * 8 * NS) // rate)


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

    # largest unscheduled frame per (port, class); of lower classes; of this class or higher ones
    frame_max = np.zeros((n_ports, 8), dtype=TIME)
    np.maximum.at(frame_max, (hop_port[hop_active], hop_class[hop_active]), hop_max[hop_active])
    lower_max = np.zeros((n_ports, 8), dtype=TIME)
    lower_max[:, 1:] = np.maximum.accumulate(frame_max, axis=1)[:, :-1]
    upper_max = np.maximum.accumulate(frame_max[:, ::-1], axis=1)[:, ::-1]
    rate = problem.port_rate_bps

    # queues: (port, class) of active hops with an egress queue, grouped by port, highest class first
    queued = hop_active & (terms.queueless == 0)
    keys = hop_port * 8 + (7 - hop_class)
    unique, inverse = np.unique(keys[queued], return_inverse=True)
    hop_queue = np.full(n_hops, -1, dtype=INDEX)
    hop_queue[queued] = inverse
    queue_port = (unique // 8).astype(INDEX)
    queue_class = (7 - unique % 8).astype(np.int8)
    block_bytes = lower_max[queue_port, queue_class]
    q_rate = rate[queue_port].astype(TIME)
    tail_ns = _tx_ns(upper_max[queue_port, queue_class], q_rate)
    head_ns = _tx_ns(block_bytes, q_rate)

    stream_bits = np.add.reduceat(problem.frame_wire_bytes * 8, problem.frame_ptr[:-1]) \
        if problem.n_streams else np.zeros(0, dtype=TIME)
    stream_rate = -(-(stream_bits * NS) // problem.stream_period_ns)
    idle, cbs_ns, shaper = _cbs_queues(problem, queue_port, queue_class, lower_max)

    n_queues = len(unique)
    sched_bits = np.zeros(n_queues, dtype=TIME)
    sched_bps = np.zeros(n_queues, dtype=TIME)
    gated = schedule is not None
    curves = len(RATE_FRACTIONS) if gated else 1
    avail = np.repeat(q_rate, curves)                       # [Q * curves] rate-latency curves per queue
    gate_bits = np.zeros(n_queues * curves, dtype=TIME)
    service: dict[int, tuple] = {}
    if gated:
        service = _gate_service(problem, _gate_lists(problem, schedule), queue_port, queue_class, tail_ns, head_ns,
                                avail.reshape(n_queues, curves), gate_bits.reshape(n_queues, curves))
    else:
        _worst_gcl_load(problem, active, own_tx_ns, queue_port, tail_ns, sched_bits, sched_bps)

    extra = np.where(terms.radio_hold == 1, 0, terms.radio_ns - terms.radio_min_ns) + terms.access_ns
    hop_burst = np.zeros(n_hops, dtype=TIME)
    q_burst = np.zeros(n_queues, dtype=TIME)
    q_arrival = np.zeros(n_queues, dtype=TIME)
    q_delay = np.zeros(n_queues, dtype=TIME)
    iterations = _kernel.calculus_bounds(
        problem.hop_ptr, problem.hop_parent, hop_queue, np.ascontiguousarray(extra, dtype=TIME),
        np.ascontiguousarray(own_tx_ns, dtype=TIME),
        np.ascontiguousarray(active, dtype=np.int8), np.ascontiguousarray(stream_bits, dtype=TIME),
        np.ascontiguousarray(stream_rate, dtype=TIME), queue_port,
        np.ascontiguousarray(block_bytes * 8, dtype=TIME), idle, cbs_ns,
        avail, gate_bits, sched_bits, sched_bps, hop_burst, q_burst, q_arrival, q_delay, MAX_ITERATIONS)
    if iterations == 0:
        raise InternalError("budget: the calculus kernel ran no iteration")
    if iterations > 0:
        _refine(problem, service, queue_port, shaper, block_bytes * 8, q_burst, q_arrival,
                avail.reshape(n_queues, curves)[:, 0], gate_bits.reshape(n_queues, curves)[:, 0], q_delay)
    hop_delay = np.zeros(n_hops, dtype=TIME)
    hop_delay[hop_queue >= 0] = q_delay[hop_queue[hop_queue >= 0]]
    return CalculusResult(hop_queue, hop_delay, hop_burst, queue_port, queue_class, shaper, q_delay,
                          int(iterations), gated)


def _worst_gcl_load(problem, active, own_tx_ns, queue_port, tail_ns, sched_bits, sched_bps) -> None:
    """Scheduled traffic of each queue's port as a token bucket, for the worst gate list: per
    scheduled frame its transmission, a guard band and the queue's unusable tail, once per period.
    Each hop's share is rounded up on its own, so the sums never fall short."""
    if not len(queue_port):
        return
    quantum = int(problem.time_quantum_ns)
    for g in np.unique(problem.port_gcl_granularity_ns):
        quantum = math.lcm(quantum, int(g))
    rate = problem.port_rate_bps.astype(TIME)
    guard = -(-_tx_ns(MAX_FRAME_WIRE_BYTES, rate) // quantum) * quantum
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    sched = np.flatnonzero(active[stream_of_hop] == 0)
    port = problem.hop_port[sched].astype(np.int64)
    frames = np.diff(problem.frame_ptr)[stream_of_hop[sched]]
    period = problem.stream_period_ns[stream_of_hop[sched]]
    c = rate[port]
    fixed_ns = own_tx_ns[sched] + frames * guard[port]
    per_port = np.zeros((4, problem.n_ports), dtype=TIME)
    np.add.at(per_port[0], port, -(-(fixed_ns * c) // NS))                 # bits: frames + guards
    np.add.at(per_port[1], port, -(-(fixed_ns * c) // period))             # their rate, bit/s
    np.add.at(per_port[2], port, frames)                                   # tails per period
    np.add.at(per_port[3], port, -(-(frames * NS) // period))              # tails per second (ceil)
    qp = queue_port.astype(np.int64)
    tail_bits = -(-(tail_ns * rate[qp]) // NS)
    sched_bits[:] = per_port[0, qp] + per_port[2, qp] * tail_bits
    sched_bps[:] = per_port[1, qp] + per_port[3, qp] * tail_bits


def _cbs_queues(problem, queue_port, queue_class, lower_max):
    """Idle slope (``model.shaping``: the SRP reservation the emulator shapes with too) and latency
    hiCredit/idleSlope (domain.md §7.3) of each CBS queue."""
    n_queues = len(queue_port)
    shaping = cbs_shaping(problem)
    idle = shaping.idle_slope_bps[queue_port, queue_class].astype(TIME)
    frame_bits = shaping.max_frame_bits[queue_port, queue_class]
    shaper = (idle > 0).astype(np.int8)
    cbs_ns = np.zeros(n_queues, dtype=TIME)
    for p in np.unique(queue_port[shaper == 1]):
        port_rate = int(problem.port_rate_bps[p])
        higher_slope, higher_terms = 0, Fraction(0)
        for q in np.flatnonzero(queue_port == p):          # highest class first
            if not shaper[q]:
                continue
            slope = int(idle[q])
            lower_bits = int(lower_max[p, queue_class[q]]) * 8
            hi_credit = Fraction(slope) * (lower_bits + higher_terms) / (port_rate - higher_slope)
            cbs_ns[q] = -(-(hi_credit * NS) // slope)
            higher_slope += slope
            higher_terms += Fraction(int(frame_bits[q])) * (port_rate - slope) / port_rate
    return idle, cbs_ns, shaper


def _gate_lists(problem, schedule: ScheduleResult) -> Gcl:
    """The schedule's gate lists; for one given without (windows only), the lists the scheduler writes."""
    if schedule.gcl is not None:
        return schedule.gcl
    layout = build_layout(problem, ScheduleOptions())
    return build_gcl(layout, schedule.window_hop.astype(np.int64), schedule.window_start_ns, schedule.window_end_ns)


def _refine(problem, service, queue_port, shaper, block_bits, q_burst, q_arrival, avail, gate_bits, q_delay) -> None:
    """Lower each strict-priority queue's delay to the bound its gate service itself gives
    (``gate_service.exact_delay_ns``) for the arrival curves the kernel settled on; those came
    from the larger rate-latency delays, so they still bound the arrivals."""
    for q, (starts, lengths, cycle) in service.items():
        if shaper[q] or q_delay[q] < 0:
            continue
        p = int(queue_port[q])
        higher = np.flatnonzero((queue_port == p) & (np.arange(len(queue_port)) < q))
        fixed = int(q_burst[higher].sum()) + int(block_bits[q]) + int(q_burst[q])
        r_h, rate = int(q_arrival[higher].sum()), int(q_arrival[q])
        left = int(avail[q]) - r_h - rate
        if left <= 0:
            continue
        busy = -(-(int(gate_bits[q]) + fixed) * NS // left)
        bound = exact_delay_ns(starts, lengths, cycle, int(problem.port_rate_bps[p]), fixed, rate, r_h,
                               busy, busy + int(q_delay[q]) + cycle)
        if bound is not None and bound < q_delay[q]:
            q_delay[q] = bound


def _gate_service(problem, gcl: Gcl, queue_port, queue_class, tail_ns, head_ns, avail, gate_bits) -> dict:
    """Rate-latency service of each unscheduled queue from its port's gate control list
    (``gate_service``); returns the effective intervals of the queues whose gate ever closes."""
    service = {}
    gated = port_gated_mask(problem).astype(np.int64)
    for q in range(len(queue_port)):
        p, c = int(queue_port[q]), int(queue_class[q])
        lo, hi = int(gcl.ptr[p]), int(gcl.ptr[p + 1])
        cycle = gcl.cycle(p)
        lower = ((1 << c) - 1) & ~int(gated[p])
        intervals = effective_open(gcl.duration_ns[lo:hi], gcl.gates[lo:hi], c, int(gated[p]), lower,
                                   int(tail_ns[q]), int(head_ns[q]))
        if intervals is None:
            continue
        service[q] = (*intervals, cycle)
        port_rate = int(problem.port_rate_bps[p])
        found = latency_at_rates(*intervals, cycle)
        if not found:
            avail[q] = 0
            continue
        found += [found[0]] * (avail.shape[1] - len(found))
        for k, (num, den, latency) in enumerate(found):
            avail[q, k] = port_rate * num // den
            gate_bits[q, k] = -(-(port_rate * latency) // (den * NS))
    return service
