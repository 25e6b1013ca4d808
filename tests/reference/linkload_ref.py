"""Reference for ext/linkload.pyx: per-port offered bit rate."""


def port_bits_per_hyper(hop_ptr, hop_port, stream_bits, stream_period_ns, n_ports):
    port_bps = [0.0] * n_ports
    for s in range(len(stream_bits)):
        bps = stream_bits[s] * 1e9 / stream_period_ns[s]
        for h in range(hop_ptr[s], hop_ptr[s + 1]):
            port_bps[hop_port[h]] += bps
    return port_bps
