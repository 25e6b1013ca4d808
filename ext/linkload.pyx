# cython: language_level=3
"""Offered bits per second on every port. Caller: tsnplan.model.load. Reference: tests/reference/linkload_ref.py."""
from _types cimport time_t, idx_t


def port_bits_per_hyper(const time_t[::1] hop_ptr,          # IN  CSR offsets, n_streams + 1
                        const idx_t[::1] hop_port,          # IN  egress port of each hop
                        const time_t[::1] stream_bits,      # IN  bits per period, per stream
                        const time_t[::1] stream_period_ns, # IN  per stream
                        double[::1] port_bps):              # OUT per port, zeroed by the caller
    """Add every stream's bit rate to each port it crosses."""
    cdef Py_ssize_t s, h
    cdef double bps
    with nogil:
        for s in range(stream_bits.shape[0]):
            bps = stream_bits[s] * 1e9 / stream_period_ns[s]
            for h in range(hop_ptr[s], hop_ptr[s + 1]):
                port_bps[hop_port[h]] += bps
    return 0
