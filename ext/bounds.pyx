# cython: language_level=3
"""Necessary conditions of a schedule, checked before any search.

Caller: tsnplan.schedule.bounds. Reference: tests/reference/bounds_ref.py (same integers).

- ``resource_demand``: transmission time every medium must carry in one hyperperiod (windows
  never overlap on a medium, so more than the hyperperiod is impossible);
- ``nowait_latency``: per stream the end-to-end latency of its frames sent back to back on an
  empty network with no waiting, the least any schedule can give on that route.
"""
from _types cimport time_t, idx_t, flag_t, ceil_div


def resource_demand(const idx_t[::1] slot_res,       # IN  medium of each (hop, frame) slot, -1: not counted
                    const time_t[::1] slot_busy,     # IN  window time of the slot over the hyperperiod
                    time_t[::1] demand):             # OUT per medium, zeroed by the caller
    """Add every counted slot's busy time to its medium."""
    cdef Py_ssize_t i
    with nogil:
        for i in range(slot_res.shape[0]):
            if slot_res[i] >= 0:
                demand[slot_res[i]] += slot_busy[i]
    return 0


def nowait_latency(const time_t[::1] hop_ptr,        # IN  CSR offsets of each stream's hops
                   const idx_t[::1] hop_parent,      # IN  parent hop (global index, < child), -1 at the root
                   const time_t[::1] hop_prop_ns,    # IN  propagation after the hop
                   const time_t[::1] hop_proc_ns,    # IN  processing before the hop
                   const flag_t[::1] hop_listener,   # IN  1: the hop delivers to a listener
                   const time_t[::1] n_frames,       # IN  frames per period, per stream
                   const time_t[::1] hf_ptr,         # IN  slots of each stream
                   const time_t[::1] hf_len,         # IN  window length of each slot
                   const idx_t[::1] streams,         # IN  streams to evaluate
                   time_t sync, time_t quantum,
                   time_t[::1] start,                # SCRATCH one per slot
                   time_t[::1] out):                 # OUT latency per stream (only ``streams`` written)
    """Frames leave the talker back to back; each hop starts at the quantum after it is ready."""
    cdef Py_ssize_t k, s, f, h, nf, lo, hi, par, base
    cdef time_t t, ready, worst, end
    with nogil:
        for k in range(streams.shape[0]):
            s = streams[k]
            nf = n_frames[s]
            lo = hop_ptr[s]
            hi = hop_ptr[s + 1]
            base = hf_ptr[s]
            t = 0
            worst = 0
            for f in range(nf):
                for h in range(lo, hi):
                    par = hop_parent[h]
                    if par < 0:
                        start[base + (h - lo) * nf + f] = t
                    else:
                        ready = (start[base + (par - lo) * nf + f] + hf_len[base + (par - lo) * nf + f]
                                 + hop_prop_ns[par] + hop_proc_ns[h] + sync)
                        start[base + (h - lo) * nf + f] = ceil_div(ready, quantum) * quantum
                    if hop_listener[h]:
                        end = start[base + (h - lo) * nf + f] + hf_len[base + (h - lo) * nf + f] + hop_prop_ns[h]
                        if end > worst:
                            worst = end
                t += hf_len[base + f]
            out[s] = worst
    return 0
