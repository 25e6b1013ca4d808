"""The budget kernels agree exactly with their pure-Python reference on random small inputs."""
import numpy as np
from hypothesis import given, strategies as st

from reference import budget_ref
from tsnplan._ext import budget as kernel

I64, I32, I8 = np.int64, np.int32, np.int8


@st.composite
def hop_forests(draw):
    """Streams with hop trees (parents before children), frames and ports."""
    n_ports = draw(st.integers(1, 6))
    rates = draw(st.lists(st.sampled_from([10**7, 10**8, 10**9, 10**10]), min_size=n_ports, max_size=n_ports))
    n_streams = draw(st.integers(0, 6))
    hop_ptr, frame_ptr, parents, ports, frames = [0], [0], [], [], []
    for _ in range(n_streams):
        n = draw(st.integers(1, 6))
        base = hop_ptr[-1]
        for i in range(n):
            parents.append(-1 if i == 0 else base + draw(st.integers(0, i - 1)))
            ports.append(draw(st.integers(0, n_ports - 1)))
        hop_ptr.append(base + n)
        frames += draw(st.lists(st.integers(84, 1542), min_size=1, max_size=4))
        frame_ptr.append(len(frames))
    n_hops = hop_ptr[-1]
    small = st.integers(0, 50_000)
    return dict(
        hop_ptr=hop_ptr, hop_port=ports, hop_parent=parents, frame_ptr=frame_ptr, frame_wire_bytes=frames,
        port_rate_bps=rates,
        hop_prop_ns=draw(st.lists(small, min_size=n_hops, max_size=n_hops)),
        hop_wait_ns=draw(st.lists(small, min_size=n_hops, max_size=n_hops)),
        hop_cut_through=draw(st.lists(st.integers(0, 1), min_size=n_hops, max_size=n_hops)),
    )


@given(hop_forests())
def test_path_budget_matches_reference(case):
    n_hops = case["hop_ptr"][-1]
    hops = np.diff(case["hop_ptr"])
    frames = np.diff(case["frame_ptr"])
    size = int((hops * frames).max()) if len(hops) else 0
    end, ready = np.zeros(n_hops, I64), np.zeros(n_hops, I64)
    kernel.path_budget(np.array(case["hop_ptr"], I64), np.array(case["hop_port"], I32),
                       np.array(case["hop_parent"], I32), np.array(case["frame_ptr"], I64),
                       np.array(case["frame_wire_bytes"], I64), np.array(case["port_rate_bps"], I64),
                       np.array(case["hop_prop_ns"], I64), np.array(case["hop_wait_ns"], I64),
                       np.array(case["hop_cut_through"], I8), 26, np.zeros(size, I64), np.zeros(size, I64),
                       end, ready)
    ref_end, ref_ready = budget_ref.path_budget(**case, cut_through_bytes=26)
    assert end.tolist() == ref_end
    assert ready.tolist() == ref_ready


@st.composite
def calculus_cases(draw):
    forest = draw(hop_forests())
    n_ports = len(forest["port_rate_bps"])
    n_hops = forest["hop_ptr"][-1]
    n_streams = len(forest["hop_ptr"]) - 1
    n_queues = draw(st.integers(0, 2 * n_ports))
    n_curves = draw(st.integers(1, 3))
    queue_port = sorted(draw(st.lists(st.integers(0, n_ports - 1), min_size=n_queues, max_size=n_queues)))
    hop_queue = [draw(st.integers(-1, n_queues - 1)) for _ in range(n_hops)]
    bits = st.integers(0, 200_000)
    return dict(
        hop_ptr=forest["hop_ptr"], hop_parent=forest["hop_parent"], hop_queue=hop_queue,
        hop_extra_ns=draw(st.lists(st.integers(0, 100_000), min_size=n_hops, max_size=n_hops)),
        hop_min_ns=draw(st.lists(st.integers(0, 20_000), min_size=n_hops, max_size=n_hops)),
        stream_active=draw(st.lists(st.integers(0, 1), min_size=n_streams, max_size=n_streams)),
        stream_burst_bits=draw(st.lists(st.integers(672, 100_000), min_size=n_streams, max_size=n_streams)),
        stream_rate_bps=draw(st.lists(st.integers(1, 3 * 10**8), min_size=n_streams, max_size=n_streams)),
        queue_port=queue_port,
        queue_block_bits=draw(st.lists(bits, min_size=n_queues, max_size=n_queues)),
        queue_idle_bps=draw(st.lists(st.one_of(st.just(0), st.integers(1, 10**9)), min_size=n_queues, max_size=n_queues)),
        queue_cbs_ns=draw(st.lists(st.integers(0, 50_000), min_size=n_queues, max_size=n_queues)),
        queue_avail_bps=[forest["port_rate_bps"][p] * draw(st.integers(1, 10)) // 10
                         for p in queue_port for _ in range(n_curves)],
        queue_gate_bits=draw(st.lists(bits, min_size=n_queues * n_curves, max_size=n_queues * n_curves)),
        queue_sched_bits=draw(st.lists(bits, min_size=n_queues, max_size=n_queues)),
        queue_sched_bps=draw(st.lists(st.integers(0, 10**8), min_size=n_queues, max_size=n_queues)),
        max_iterations=draw(st.integers(1, 30)),
    )


@given(calculus_cases())
def test_calculus_bounds_matches_reference(case):
    n_hops, n_queues = case["hop_ptr"][-1], len(case["queue_port"])
    burst, delay = np.zeros(n_hops, I64), np.zeros(n_queues, I64)
    arrays = {k: np.array(v, I32 if k in ("hop_parent", "hop_queue", "queue_port") else
                          I8 if k == "stream_active" else I64)
              for k, v in case.items() if k != "max_iterations"}
    used = kernel.calculus_bounds(*arrays.values(), burst, np.zeros(n_queues, I64), np.zeros(n_queues, I64),
                                  delay, case["max_iterations"])
    ref_used, ref_burst, ref_delay = budget_ref.calculus_bounds(**case)
    assert used == ref_used
    assert delay.tolist() == ref_delay
    if used > 0:
        assert burst.tolist() == ref_burst


@st.composite
def convolution_cases(draw):
    n_profiles = draw(st.integers(1, 4))
    pmfs, firsts = [], []
    for _ in range(n_profiles):
        weights = draw(st.lists(st.integers(0, 100), min_size=1, max_size=30).filter(lambda w: sum(w) > 0))
        pmfs.append([w / sum(weights) for w in weights])
        firsts.append(draw(st.integers(0, 50)))
    combos = draw(st.lists(st.lists(st.integers(0, n_profiles - 1), min_size=1, max_size=4), min_size=1, max_size=5))
    levels = draw(st.lists(st.floats(0.5, 1.0), min_size=len(combos), max_size=len(combos)))
    return pmfs, firsts, combos, levels


@given(convolution_cases())
def test_convolve_quantiles_matches_reference(case):
    pmfs, firsts, combos, levels = case
    longest = max(sum(len(pmfs[p]) for p in c) for c in combos)
    q, m = np.zeros(len(combos), I64), np.zeros(len(combos), I64)
    kernel.convolve_quantiles(np.cumsum([0] + [len(c) for c in combos]).astype(I64),
                              np.array([p for c in combos for p in c], I32),
                              np.cumsum([0] + [len(p) for p in pmfs]).astype(I64),
                              np.array([x for p in pmfs for x in p], np.float64), np.array(firsts, I64),
                              np.array(levels, np.float64), np.zeros(longest), np.zeros(longest), q, m)
    ref_q, ref_m = budget_ref.convolve_quantiles(combos, pmfs, firsts, levels)
    assert q.tolist() == ref_q
    assert m.tolist() == ref_m
