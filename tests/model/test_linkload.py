from hypothesis import given, strategies as st
import numpy as np

from tsnplan._ext.linkload import port_bits_per_hyper
from reference.linkload_ref import port_bits_per_hyper as port_bits_ref


@st.composite
def routed_streams(draw):
    n_ports = draw(st.integers(1, 8))
    n_streams = draw(st.integers(0, 10))
    hops = [draw(st.lists(st.integers(0, n_ports - 1), min_size=1, max_size=5)) for _ in range(n_streams)]
    bits = [draw(st.integers(1, 12_000 * 8)) for _ in range(n_streams)]
    periods = [draw(st.integers(1_000, 10**8)) for _ in range(n_streams)]
    return n_ports, hops, bits, periods


@given(routed_streams())
def test_port_bits_matches_reference(case):
    n_ports, hops, bits, periods = case
    hop_ptr = np.cumsum([0] + [len(h) for h in hops]).astype(np.int64)
    hop_port = np.array([p for h in hops for p in h], dtype=np.int32)
    out = np.zeros(n_ports)
    port_bits_per_hyper(hop_ptr, hop_port, np.array(bits, dtype=np.int64), np.array(periods, dtype=np.int64), out)
    expected = port_bits_ref(hop_ptr.tolist(), hop_port.tolist(), bits, periods, n_ports)
    assert out.tolist() == expected
