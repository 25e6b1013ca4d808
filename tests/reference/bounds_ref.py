"""Reference for ext/bounds.pyx: medium demand per hyperperiod and no-wait latency per stream."""


def resource_demand(slot_res, slot_busy, n_res):
    demand = [0] * n_res
    for r, busy in zip(slot_res, slot_busy):
        if r >= 0:
            demand[r] += busy
    return demand


def nowait_latency(hop_ptr, hop_parent, hop_prop_ns, hop_proc_ns, hop_listener, n_frames, hf_ptr, hf_len,
                   streams, sync, quantum):
    out = {}
    for s in streams:
        nf, lo, hi = n_frames[s], hop_ptr[s], hop_ptr[s + 1]

        def slot(h, f):
            return hf_ptr[s] + (h - lo) * nf + f

        start, t, worst = {}, 0, 0
        for f in range(nf):
            for h in range(lo, hi):
                par = hop_parent[h]
                if par < 0:
                    start[h, f] = t
                else:
                    ready = start[par, f] + hf_len[slot(par, f)] + hop_prop_ns[par] + hop_proc_ns[h] + sync
                    start[h, f] = -(-ready // quantum) * quantum
                if hop_listener[h]:
                    worst = max(worst, start[h, f] + hf_len[slot(h, f)] + hop_prop_ns[h])
            t += hf_len[hf_ptr[s] + f]
        out[s] = worst
    return out
