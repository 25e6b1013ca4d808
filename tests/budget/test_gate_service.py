"""The service an unscheduled queue gets from a gate list: effective intervals and rate-latency curve,
against brute force over every nanosecond of small cycles."""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from tsnplan.budget.gate_service import RATE_FRACTIONS, effective_open, exact_delay_ns, latency_at_rates


@st.composite
def gate_lists(draw):
    n = draw(st.integers(1, 6))
    durations = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n))
    gates = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    tc = draw(st.integers(0, 3))
    blocked = draw(st.integers(0, 15)) & ~(1 << tc)
    lower = ((1 << tc) - 1) & ~blocked
    return durations, gates, tc, blocked, lower, draw(st.integers(0, 5)), draw(st.integers(0, 5))


def _brute_effective(durations, gates, tc, blocked, lower, tail, head):
    """Per ns of the cycle: 1 where the class surely gets service (twin of ``effective_open``)."""
    state = np.repeat(gates, durations)
    usable = ((state >> tc) & 1 == 1) & ((state & blocked) == 0)
    cycle = len(state)
    out = np.zeros(cycle, dtype=np.int64)
    if usable.all():
        return None
    for a in range(cycle):
        if usable[a] and not usable[a - 1]:
            b = a
            while usable[b % cycle]:
                b += 1
            lo = a + (head if state[a - 1] & lower else 0)
            for t in range(lo, b - tail):
                out[t % cycle] = 1
    return out


@given(gate_lists())
def test_effective_open_matches_brute_force(case):
    durations, gates, tc, blocked, lower, tail, head = case
    got = effective_open(np.array(durations), np.array(gates), tc, blocked, lower, tail, head)
    want = _brute_effective(durations, gates, tc, blocked, lower, tail, head)
    if want is None:
        assert got is None
        return
    cycle = sum(durations)
    # effective_open measures from the first closed entry; place its intervals back on the cycle
    usable = [((g >> tc) & 1) and not (g & blocked) for g in gates]
    shift = sum(durations[:usable.index(False)])
    mask = np.zeros(cycle, dtype=np.int64)
    for s, length in zip(*got):
        for t in range(s, s + length):
            mask[(t + shift) % cycle] = 1
    assert mask.tolist() == want.tolist()


@given(gate_lists())
def test_rate_latency_curves_are_below_the_exact_service(case):
    durations, gates, tc, blocked, lower, tail, head = case
    got = effective_open(np.array(durations), np.array(gates), tc, blocked, lower, tail, head)
    if got is None:
        return
    cycle = sum(durations)
    mask = np.zeros(cycle, dtype=np.int64)
    for s, length in zip(*got):
        mask[s:s + length] = 1
    open_ns = int(mask.sum())
    curves = latency_at_rates(*got, cycle)
    assert len(curves) == (len(RATE_FRACTIONS) if open_ns else 0)
    prefix = np.concatenate([[0], np.cumsum(np.concatenate([mask] * 3))])
    for (num, den, latency), (fn, fd) in zip(curves, RATE_FRACTIONS):
        assert (num, den) == (open_ns * fn, cycle * fd)
        tight = latency == 0
        for t in range(cycle):
            for d in range(0, 2 * cycle + 1):
                served = int(prefix[t + d] - prefix[t])
                assert served * den >= num * d - latency          # the curve is a lower bound
                tight |= served * den == num * d - latency
        assert tight                                              # and the least latency for its rate


@st.composite
def queues(draw):
    durations, gates, tc, blocked, lower, tail, head = draw(gate_lists())
    got = effective_open(np.array(durations), np.array(gates), tc, blocked, lower, tail, head)
    cycle = sum(durations)
    if got is None or got[1].sum() * 2 < cycle:
        assume(cycle >= 3)
        got = (np.array([0]), np.array([cycle - 1 - draw(st.integers(0, cycle // 3))]))
    open_ns = int(got[1].sum())
    # port 1 bit/ns; higher classes and the queue share at most 3/4 of the long-term service
    budget = 750_000_000 * open_ns // cycle
    higher = draw(st.integers(0, budget // 2))
    rate = draw(st.integers(1, budget - higher))
    return got, cycle, draw(st.integers(0, 3 * cycle)), rate, higher


@given(queues())
def test_exact_delay_is_safe_and_no_worse_than_rate_latency(case):
    (starts, lengths), cycle, fixed, rate, higher = case
    port = 10**9
    num, den, latency = latency_at_rates(starts, lengths, cycle)[0]
    avail = port * num // den - higher
    rl_delay = -(-(port * latency // den + fixed * 10**9) // avail)      # rate-latency bound, ns
    busy = -(-(fixed * 10**9 + port * latency // den) // (avail - rate))
    got = exact_delay_ns(starts, lengths, cycle, port, fixed, rate, higher, busy, busy + rl_delay + cycle)
    assert got is not None
    assert got <= rl_delay + 1
    # brute force on whole ns: least service over every window start, first s reaching each level
    mask = np.zeros(cycle, dtype=np.int64)
    for s, length in zip(starts, lengths):
        mask[s:s + length] = 1
    span = busy + rl_delay + 2 * cycle
    prefix = np.concatenate([[0], np.cumsum(np.tile(mask, span // cycle + 3))])
    least = np.array([min(int(prefix[t0 + s] - prefix[t0]) for t0 in range(cycle)) for s in range(span)])
    leftover = port * least - higher * np.arange(span)
    reach = np.maximum.accumulate(leftover)
    worst = 0
    for t in range(busy + 1):
        need = fixed * 10**9 + rate * t
        s = int(np.searchsorted(reach, need, side="left"))
        assert s < span
        worst = max(worst, s - t)
    assert got >= worst


def test_exact_delay_at_plant_magnitudes():
    # agv-hall's sw-cell-a->plc-a for hmi-a-diag: a 4 ms cycle, 1 Gb/s, the longest closed stretch
    # (across the cycle's end) 34 708 ns; one 1442 B frame: it waits that stretch, then goes out
    # (products of these magnitudes exceed 64 bits)
    starts, lengths = np.array([22096, 1014700, 2014700, 3014700]), np.array([965292, 972688, 972688, 972688])
    assert exact_delay_ns(starts, lengths, 4_000_000, 10**9, 11536, 23072, 0, 46592, 4093183) == 34708 + 11536
