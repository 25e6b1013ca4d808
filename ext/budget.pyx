# cython: language_level=3
"""Latency budget arithmetic over all streams at once. Caller: tsnplan.budget.compose (path_budget),
tsnplan.budget.calculus (calculus_bounds), tsnplan.budget.fiveg (convolve_quantiles).
Reference: tests/reference/budget_ref.py."""
from libc.stdint cimport uint64_t
from _types cimport time_t, idx_t, flag_t, ceil_div

cdef time_t NS_PER_S = 1000000000
cdef time_t UNBOUNDED = -1
# Beyond these a bound is reported as unbounded; they keep every product below 2**63.
cdef time_t BURST_CAP_BITS = 1 << 34
cdef time_t DELAY_CAP_NS = 1 << 32
cdef time_t SATURATED = 1 << 40


cdef inline time_t _mul_div_ceil(time_t a, time_t b, time_t c) noexcept nogil:
    """ceil(a * b / c) for a, b >= 0, 0 < c <= 1.8e10, b <= 4.2e9, without overflow; a quotient
    beyond every cap saturates at 2**40."""
    cdef time_t q = a // c
    if q > 1000000000 and b > 0:
        return SATURATED
    cdef uint64_t r = <uint64_t>(a % c)
    return q * b + <time_t>((r * <uint64_t>b + <uint64_t>c - 1) // <uint64_t>c)


def path_budget(const time_t[::1] hop_ptr,          # IN  CSR offsets, n_streams + 1
                const idx_t[::1] hop_port,          # IN  egress port of each hop
                const idx_t[::1] hop_parent,        # IN  previous hop or -1; parents precede children
                const time_t[::1] frame_ptr,        # IN  CSR offsets of the frames of each stream
                const time_t[::1] frame_wire_bytes, # IN  wire bytes of each frame
                const time_t[::1] port_rate_bps,    # IN  per port
                const time_t[::1] hop_prop_ns,      # IN  propagation + PHY after the hop
                const time_t[::1] hop_wait_ns,      # IN  delay before the hop may start: processing, 5G, access, queuing
                const flag_t[::1] hop_cut_through,  # IN  1: the hop may start once the parent's header arrived
                time_t cut_through_bytes,           # IN  bytes a cut-through bridge reads before forwarding
                time_t[::1] scratch_start,          # OUT scratch, at least max over streams of hops * frames
                time_t[::1] scratch_end,            # OUT scratch, same size
                time_t[::1] hop_end_ns,             # OUT end of the stream's last frame on the hop, from release
                time_t[::1] hop_first_ready_ns):    # OUT when the first frame may start on the hop
    """No-wait transmission of every stream's frames along its hop tree, released at time 0.

    Frames of one period leave back to back; frame f may start on a hop once it has been received
    (store-and-forward) or its header has (cut-through), plus the hop's wait."""
    cdef Py_ssize_t s, h, f, i, p, n_frames, f0
    cdef time_t ready, start, tx, end, rate, header_ns
    with nogil:
        for s in range(hop_ptr.shape[0] - 1):
            f0 = frame_ptr[s]
            n_frames = frame_ptr[s + 1] - f0
            for h in range(hop_ptr[s], hop_ptr[s + 1]):
                i = (h - hop_ptr[s]) * n_frames
                p = hop_parent[h]
                rate = port_rate_bps[hop_port[h]]
                header_ns = 0
                if p >= 0 and hop_cut_through[h]:
                    header_ns = ceil_div(cut_through_bytes * 8 * NS_PER_S, port_rate_bps[hop_port[p]])
                end = 0
                for f in range(n_frames):
                    if p < 0:
                        ready = hop_wait_ns[h]
                    elif hop_cut_through[h]:
                        ready = scratch_start[(p - hop_ptr[s]) * n_frames + f] + header_ns + hop_prop_ns[p] + hop_wait_ns[h]
                    else:
                        ready = scratch_end[(p - hop_ptr[s]) * n_frames + f] + hop_prop_ns[p] + hop_wait_ns[h]
                    if f == 0:
                        hop_first_ready_ns[h] = ready
                    start = ready if ready > end else end
                    tx = ceil_div(frame_wire_bytes[f0 + f] * 8 * NS_PER_S, rate)
                    end = start + tx
                    if p >= 0 and hop_cut_through[h] and end < scratch_end[(p - hop_ptr[s]) * n_frames + f] + hop_prop_ns[p]:
                        end = scratch_end[(p - hop_ptr[s]) * n_frames + f] + hop_prop_ns[p]
                    scratch_start[i + f] = start
                    scratch_end[i + f] = end
                hop_end_ns[h] = end
    return 0


def calculus_bounds(const time_t[::1] hop_ptr,              # IN  CSR offsets, n_streams + 1
                    const idx_t[::1] hop_parent,            # IN  previous hop or -1
                    const idx_t[::1] hop_queue,             # IN  queue the hop waits in, -1 for none
                    const time_t[::1] hop_extra_ns,         # IN  delay variation at the hop outside a queue
                    const time_t[::1] hop_min_ns,           # IN  least delay through the hop's queue (own frames)
                    const flag_t[::1] stream_active,        # IN  1: bounded by network calculus
                    const time_t[::1] stream_burst_bits,    # IN  token bucket burst at the talker
                    const time_t[::1] stream_rate_bps,      # IN  token bucket rate
                    const idx_t[::1] queue_port,            # IN  queues grouped by port, highest class first
                    const time_t[::1] queue_block_bits,     # IN  non-preemptive blocking by one lower frame
                    const time_t[::1] queue_idle_bps,       # IN  CBS idle slope, 0 for strict priority
                    const time_t[::1] queue_cbs_ns,         # IN  CBS latency hiCredit / idleSlope
                    const time_t[::1] queue_avail_bps,      # IN  [Q*K] K rate-latency curves of each queue's
                    const time_t[::1] queue_gate_bits,      # IN  [Q*K] gate service: rate, latency in bits
                    const time_t[::1] queue_sched_bits,     # IN  scheduled load (+ guard, tail) as a token bucket: burst
                    const time_t[::1] queue_sched_bps,      # IN  ... and rate (no schedule given)
                    time_t[::1] hop_burst_bits,             # OUT burst of the stream arriving at the hop
                    time_t[::1] queue_burst_bits,           # OUT aggregate burst per queue
                    time_t[::1] queue_rate_bps,             # OUT aggregate rate per queue
                    time_t[::1] queue_delay_ns,             # OUT delay bound per queue, -1 unbounded
                    int max_iterations):                    # IN
    """Token-bucket bounds for strict-priority and CBS queues behind TAS gates, with bursts growing
    by rate x delay variation (bound minus least delay) along each path; iterated to a fixed point because flows meet in
    cycles. Each queue's gate service is K rate-latency curves (all lower bounds of it); the least
    delay any of them gives counts. Returns the iterations used, or -1 if the bursts did not settle
    (then all unbounded)."""
    cdef Py_ssize_t s, h, p, q, j, k, first, n_queues = queue_port.shape[0]
    cdef Py_ssize_t n_curves = queue_avail_bps.shape[0] // n_queues if n_queues else 1
    cdef time_t burst, grow, var, b_h, r_h, avail, rate, num, delay, base, best
    cdef int it, changed, used = -1
    with nogil:
        for q in range(n_queues):
            queue_delay_ns[q] = 0
        for it in range(1, max_iterations + 1):
            for q in range(n_queues):
                queue_burst_bits[q] = 0
                queue_rate_bps[q] = 0
            for s in range(hop_ptr.shape[0] - 1):
                if not stream_active[s]:
                    continue
                for h in range(hop_ptr[s], hop_ptr[s + 1]):
                    p = hop_parent[h]
                    if p < 0:
                        burst = stream_burst_bits[s]
                    else:
                        burst = hop_burst_bits[p]
                        var = hop_extra_ns[p]
                        if hop_queue[p] >= 0:
                            if queue_delay_ns[hop_queue[p]] < 0:
                                var = DELAY_CAP_NS
                            elif queue_delay_ns[hop_queue[p]] > hop_min_ns[p]:
                                var = var + queue_delay_ns[hop_queue[p]] - hop_min_ns[p]
                        if var > DELAY_CAP_NS:
                            var = DELAY_CAP_NS
                        burst = burst + _mul_div_ceil(stream_rate_bps[s], var, NS_PER_S)
                        if burst > BURST_CAP_BITS:
                            burst = BURST_CAP_BITS
                    hop_burst_bits[h] = burst
                    q = hop_queue[h]
                    if q >= 0:
                        queue_burst_bits[q] = queue_burst_bits[q] + burst
                        if queue_burst_bits[q] > BURST_CAP_BITS:
                            queue_burst_bits[q] = BURST_CAP_BITS
                        queue_rate_bps[q] = queue_rate_bps[q] + stream_rate_bps[s]
            changed = 0
            first = 0
            for q in range(n_queues):
                if q == 0 or queue_port[q] != queue_port[q - 1]:
                    first = q
                p = queue_port[q]
                b_h = queue_sched_bits[q]
                r_h = queue_sched_bps[q]
                for j in range(first, q):
                    if queue_idle_bps[q] == 0 or queue_idle_bps[j] == 0:
                        b_h = b_h + queue_burst_bits[j]
                        r_h = r_h + queue_rate_bps[j]
                best = UNBOUNDED
                for k in range(q * n_curves, (q + 1) * n_curves):
                    avail = queue_avail_bps[k] - r_h
                    rate = avail
                    if queue_idle_bps[q] > 0 and queue_idle_bps[q] < rate:
                        rate = queue_idle_bps[q]
                    if rate <= queue_rate_bps[q] or b_h >= BURST_CAP_BITS or queue_burst_bits[q] >= BURST_CAP_BITS:
                        delay = UNBOUNDED
                    elif queue_idle_bps[q] > 0:
                        base = queue_gate_bits[k] + b_h
                        delay = _mul_div_ceil(base, NS_PER_S, avail) + queue_cbs_ns[q] \
                            + _mul_div_ceil(queue_burst_bits[q], NS_PER_S, rate)
                    else:
                        num = queue_gate_bits[k] + b_h + queue_block_bits[q] + queue_burst_bits[q]
                        delay = _mul_div_ceil(num, NS_PER_S, rate)
                    if delay > DELAY_CAP_NS:
                        delay = UNBOUNDED
                    if delay != UNBOUNDED and (best == UNBOUNDED or delay < best):
                        best = delay
                delay = best
                if delay != queue_delay_ns[q]:
                    changed = 1
                    queue_delay_ns[q] = delay
            if not changed:
                used = it
                break
        if used < 0:
            for q in range(n_queues):
                queue_delay_ns[q] = UNBOUNDED
    return used


def convolve_quantiles(const time_t[::1] combo_ptr,       # IN  CSR offsets: profiles of each combination
                       const idx_t[::1] combo_profile,    # IN  profile index per entry
                       const time_t[::1] pmf_ptr,         # IN  CSR offsets of each profile's bin masses
                       const double[::1] pmf,             # IN  probability of each bin
                       const time_t[::1] pmf_first_bin,   # IN  grid index of each profile's first bin
                       const double[::1] combo_level,     # IN  target probability (e.g. 0.99999) per combination
                       double[::1] work_a,                # OUT scratch, at least the longest sum of bins
                       double[::1] work_b,                # OUT scratch, same size
                       time_t[::1] combo_quantile_bin,    # OUT grid index of the quantile at the level
                       time_t[::1] combo_median_bin):     # OUT grid index of the median
    """Distribution of a sum of independent delays by discrete convolution on a common grid; bins
    hold their upper edge, so the quantile read off is an upper bound of the true one."""
    cdef Py_ssize_t c, k, i, j, n, m, lo, hi, prof
    cdef time_t offset
    cdef double acc, a
    with nogil:
        for c in range(combo_ptr.shape[0] - 1):
            n = 0
            offset = 0
            for k in range(combo_ptr[c], combo_ptr[c + 1]):
                prof = combo_profile[k]
                lo = pmf_ptr[prof]
                hi = pmf_ptr[prof + 1]
                offset = offset + pmf_first_bin[prof]
                if n == 0:
                    for i in range(hi - lo):
                        work_a[i] = pmf[lo + i]
                    n = hi - lo
                    continue
                m = n + (hi - lo) - 1
                for i in range(m):
                    work_b[i] = 0.0
                for i in range(n):
                    a = work_a[i]
                    for j in range(hi - lo):
                        work_b[i + j] += a * pmf[lo + j]
                for i in range(m):
                    work_a[i] = work_b[i]
                n = m
            acc = 0.0
            combo_median_bin[c] = offset + n - 1
            combo_quantile_bin[c] = offset + n - 1
            for i in range(n):
                acc += work_a[i]
                if acc >= 0.5 and combo_median_bin[c] == offset + n - 1:
                    combo_median_bin[c] = offset + i
                if acc >= combo_level[c]:
                    combo_quantile_bin[c] = offset + i
                    break
    return 0
