"""The service an unscheduled queue gets from a gate list: effective intervals and rate-latency curve,
against brute force over every nanosecond of small cycles."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tsnplan.budget.gate_service import RATE_FRACTIONS, effective_open, latency_at_rates


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
