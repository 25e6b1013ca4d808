"""The Cython list scheduler and its pure-Python twin give identical integers."""
import numpy as np
from hypothesis import given, strategies as st

from reference.listsched_ref import list_schedule as list_schedule_ref
from tsnplan._ext.listsched import list_schedule


@st.composite
def instances(draw):
    n_ports = draw(st.integers(1, 4))
    resource = [draw(st.integers(0, n_ports - 1)) for _ in range(n_ports)]
    quantum = draw(st.sampled_from([1, 10]))
    n_streams = draw(st.integers(1, 5))
    hop_ptr, hop_port, hop_parent, frame_ptr, period, deadline, cls = [0], [], [], [0], [], [], []
    for _ in range(n_streams):
        n_hops = draw(st.integers(1, 4))
        base = len(hop_port)
        for j in range(n_hops):
            hop_port.append(draw(st.integers(0, n_ports - 1)))
            cls.append(draw(st.integers(0, 2)))
            hop_parent.append(-1 if j == 0 else base + draw(st.integers(0, j - 1)))
        hop_ptr.append(len(hop_port))
        frame_ptr.append(frame_ptr[-1] + draw(st.integers(1, 2)))
        period.append(draw(st.sampled_from([1000, 2000, 4000])))
        deadline.append(draw(st.integers(200, 4000)))
    n_hops = len(hop_port)
    hf_ptr = [0]
    for s in range(n_streams):
        hf_ptr.append(hf_ptr[-1] + (hop_ptr[s + 1] - hop_ptr[s]) * (frame_ptr[s + 1] - frame_ptr[s]))
    hf_len = [quantum * draw(st.integers(1, 30)) for _ in range(hf_ptr[-1])]
    hf_slack = [draw(st.sampled_from([0, 0, ln // 2])) for ln in hf_len]
    groups = {}
    for p, r in enumerate(resource):
        groups.setdefault(r, []).append(p)
    share_ptr, share_port = [0], []
    for p in range(n_ports):
        share_port += groups[resource[p]]
        share_ptr.append(len(share_port))
    return dict(
        hop_ptr=hop_ptr, hop_port=hop_port, hop_parent=hop_parent,
        hop_prop=[draw(st.integers(0, 50)) for _ in range(n_hops)],
        hop_proc=[draw(st.integers(0, 50)) for _ in range(n_hops)],
        hop_listener=[draw(st.integers(0, 1)) for _ in range(n_hops)],
        frame_ptr=frame_ptr, hf_ptr=hf_ptr, hf_len=hf_len, hf_slack=hf_slack,
        hop_early=[draw(st.sampled_from([0, 0, 40])) for _ in range(n_hops)], hf_start=[0] * hf_ptr[-1],
        period=period, deadline=deadline, cls=cls, share_ptr=share_ptr, share_port=share_port,
        port_guard=[draw(st.sampled_from([0, 100])) for _ in range(n_ports)],
        port_gcl_max=[draw(st.integers(4, 60)) for _ in range(n_ports)],
        fixed=[], order=draw(st.permutations(range(n_streams))),
        hyper=4000, quantum=quantum, sync=draw(st.sampled_from([0, 5])), max_wait=draw(st.sampled_from([0, 50])))


_TYPES = dict(hop_ptr=np.int64, hop_port=np.int32, hop_parent=np.int32, hop_prop=np.int64, hop_proc=np.int64,
              hop_listener=np.int8, frame_ptr=np.int64, hf_ptr=np.int64, hf_len=np.int64, hf_slack=np.int64,
              hop_early=np.int64, hf_start=np.int64,
              period=np.int64, deadline=np.int64, cls=np.int8, share_ptr=np.int64, share_port=np.int32,
              port_guard=np.int64, port_gcl_max=np.int64, fixed=np.int32, order=np.int32)


def _kernel(case):
    args = {k: np.array(case[k], dtype=t) for k, t in _TYPES.items()}
    n_streams, n_ports = len(case["period"]), len(case["port_guard"])
    status = np.zeros(n_streams, np.int8)
    block_port = np.full(n_streams, -1, np.int32)
    block_owner = np.full(n_streams, -1, np.int32)
    gcl = np.zeros(n_ports, np.int64)
    code = list_schedule(*args.values(), status, block_port, block_owner, gcl,
                         case["hyper"], case["quantum"], case["sync"], case["max_wait"])
    assert code == 0
    return args["hf_start"].tolist(), status.tolist(), block_port.tolist(), block_owner.tolist(), gcl.tolist()


@given(instances())
def test_kernel_matches_reference(case):
    assert _kernel(case) == list_schedule_ref(**case)


@given(instances())
def test_fixed_streams_stay_and_match_reference(case):
    """Placed streams fed back as fixed keep their starts; the rest is placed the same way by both."""
    starts, status, *_ = _kernel(case)
    placed = [s for s in case["order"] if status[s] == 1]
    keep = placed[: len(placed) // 2]
    again = dict(case, hf_start=starts, fixed=keep, order=[s for s in case["order"] if s not in keep])
    got = _kernel(again)
    assert got == list_schedule_ref(**again)
    for s in keep:
        lo, hi = case["hf_ptr"][s], case["hf_ptr"][s + 1]
        assert got[0][lo:hi] == starts[lo:hi]
        assert got[1][s] == 2
