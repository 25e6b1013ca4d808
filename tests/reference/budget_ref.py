"""Reference for ext/budget.pyx, written from the spec in plain Python (lists, loops, Python ints)."""

NS_PER_S = 1_000_000_000
UNBOUNDED = -1
BURST_CAP_BITS = 1 << 34
DELAY_CAP_NS = 1 << 32


def ceil_div(a, b):
    return -(-a // b)


def path_budget(hop_ptr, hop_port, hop_parent, frame_ptr, frame_wire_bytes, port_rate_bps,
                hop_prop_ns, hop_wait_ns, hop_cut_through, cut_through_bytes):
    """Returns (hop_end_ns, hop_first_ready_ns): no-wait transmission of each stream from time 0."""
    n_hops = hop_ptr[-1]
    hop_end = [0] * n_hops
    first_ready = [0] * n_hops
    for s in range(len(hop_ptr) - 1):
        frames = [frame_wire_bytes[f] for f in range(frame_ptr[s], frame_ptr[s + 1])]
        starts, ends = {}, {}
        for h in range(hop_ptr[s], hop_ptr[s + 1]):
            p = hop_parent[h]
            rate = port_rate_bps[hop_port[h]]
            cut = p >= 0 and hop_cut_through[h]
            header = ceil_div(cut_through_bytes * 8 * NS_PER_S, port_rate_bps[hop_port[p]]) if cut else 0
            end = 0
            for f, size in enumerate(frames):
                if p < 0:
                    ready = hop_wait_ns[h]
                elif cut:
                    ready = starts[p, f] + header + hop_prop_ns[p] + hop_wait_ns[h]
                else:
                    ready = ends[p, f] + hop_prop_ns[p] + hop_wait_ns[h]
                if f == 0:
                    first_ready[h] = ready
                start = max(ready, end)
                end = start + ceil_div(size * 8 * NS_PER_S, rate)
                if cut:
                    end = max(end, ends[p, f] + hop_prop_ns[p])
                starts[h, f], ends[h, f] = start, end
            hop_end[h] = end
    return hop_end, first_ready


def calculus_bounds(hop_ptr, hop_parent, hop_queue, hop_extra_ns, hop_min_ns, stream_active, stream_burst_bits,
                    stream_rate_bps, queue_port, queue_block_bits, queue_idle_bps, queue_cbs_ns,
                    queue_avail_bps, queue_gate_bits, queue_sched_bits, queue_sched_bps, max_iterations):
    """Returns (iterations or -1, hop_burst_bits, queue_delay_ns)."""
    n_queues = len(queue_port)
    delay_of = [0] * n_queues
    hop_burst = [0] * hop_ptr[-1]
    for it in range(1, max_iterations + 1):
        q_burst, q_rate = [0] * n_queues, [0] * n_queues
        for s in range(len(hop_ptr) - 1):
            if not stream_active[s]:
                continue
            for h in range(hop_ptr[s], hop_ptr[s + 1]):
                p = hop_parent[h]
                if p < 0:
                    burst = stream_burst_bits[s]
                else:
                    var = hop_extra_ns[p]
                    if hop_queue[p] >= 0:
                        d = delay_of[hop_queue[p]]
                        var = DELAY_CAP_NS if d < 0 else var + max(0, d - hop_min_ns[p])
                    var = min(var, DELAY_CAP_NS)
                    burst = min(BURST_CAP_BITS, hop_burst[p] + ceil_div(stream_rate_bps[s] * var, NS_PER_S))
                hop_burst[h] = burst
                q = hop_queue[h]
                if q >= 0:
                    q_burst[q] = min(BURST_CAP_BITS, q_burst[q] + burst)
                    q_rate[q] += stream_rate_bps[s]
        new = []
        n_curves = len(queue_avail_bps) // n_queues if n_queues else 1
        for q in range(n_queues):
            p = queue_port[q]
            b_h, r_h = queue_sched_bits[q], queue_sched_bps[q]
            for j in range(n_queues):
                if j < q and queue_port[j] == p and (queue_idle_bps[q] == 0 or queue_idle_bps[j] == 0):
                    b_h += q_burst[j]
                    r_h += q_rate[j]
            bounded = []
            for k in range(q * n_curves, (q + 1) * n_curves):
                avail = queue_avail_bps[k] - r_h
                rate = min(avail, queue_idle_bps[q]) if queue_idle_bps[q] > 0 else avail
                if rate <= q_rate[q] or b_h >= BURST_CAP_BITS or q_burst[q] >= BURST_CAP_BITS:
                    continue
                if queue_idle_bps[q] > 0:
                    delay = (ceil_div((queue_gate_bits[k] + b_h) * NS_PER_S, avail) + queue_cbs_ns[q]
                             + ceil_div(q_burst[q] * NS_PER_S, rate))
                else:
                    num = queue_gate_bits[k] + b_h + queue_block_bits[q] + q_burst[q]
                    delay = ceil_div(num * NS_PER_S, rate)
                if delay <= DELAY_CAP_NS:
                    bounded.append(delay)
            new.append(min(bounded) if bounded else UNBOUNDED)
        if new == delay_of:
            return it, hop_burst, delay_of
        delay_of = new
    return -1, hop_burst, [UNBOUNDED] * n_queues


def convolve_quantiles(combos, pmfs, first_bins, levels):
    """combos: lists of profile indices; pmfs: bin masses per profile. Returns (quantile_bins, median_bins)."""
    quantiles, medians = [], []
    for combo, level in zip(combos, levels):
        dist, offset = None, 0
        for prof in combo:
            offset += first_bins[prof]
            if dist is None:
                dist = list(pmfs[prof])
                continue
            out = [0.0] * (len(dist) + len(pmfs[prof]) - 1)
            for i, a in enumerate(dist):
                for j, b in enumerate(pmfs[prof]):
                    out[i + j] += a * b
            dist = out
        acc, median, quantile = 0.0, None, None
        for i, mass in enumerate(dist):
            acc += mass
            if acc >= 0.5 and median is None:
                median = offset + i
            if acc >= level:
                quantile = offset + i
                break
        last = offset + len(dist) - 1
        quantiles.append(last if quantile is None else quantile)
        medians.append(last if median is None else median)
    return quantiles, medians
