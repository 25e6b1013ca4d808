"""802.1Q Table 8-5 (PCP -> traffic class per queue count) in every layer, and the gated-class rule."""
import textwrap

import numpy as np
import pytest

from tsnplan.budget import compute_budget
from tsnplan.budget.calculus import calculus_bounds
from tsnplan.budget.compose import _own_transmission_ns
from tsnplan.budget.hops import hop_terms
from tsnplan.emulate import Scenario
from tsnplan.emulate.engine import build_inputs
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant
from tsnplan.model.traffic_types import traffic_class, traffic_classes
from tsnplan.schedule import schedule
from tsnplan.schedule.verify import verify

# 802.1Q-2022 Table 8-5, written out row by row (PCP 0..7) for 1..8 queues
TABLE_8_5 = {
    1: [0, 0, 0, 0, 0, 0, 0, 0],
    2: [0, 0, 0, 0, 1, 1, 1, 1],
    3: [0, 0, 0, 0, 1, 1, 2, 2],
    4: [0, 0, 1, 1, 2, 2, 3, 3],
    5: [0, 0, 1, 1, 2, 2, 3, 4],
    6: [1, 0, 2, 2, 3, 3, 4, 5],
    7: [1, 0, 2, 3, 4, 4, 5, 6],
    8: [1, 0, 2, 3, 4, 5, 6, 7],
}


def _plant(tmp_path, queues, streams):
    net = tmp_path / "network.yaml"
    net.write_text(textwrap.dedent(f"""
        network: q{queues}
        defaults: {{bridge: {{processing: 2us, queues: {queues}}}}}
        nodes:
          a: {{kind: end-station}}
          sw: {{kind: bridge}}
          b: {{kind: end-station}}
        links:
          - {{ends: [a, sw], rate: 1G, length: 5m}}
          - {{ends: [sw, b], rate: 1G, length: 5m}}
        """))
    st = tmp_path / "streams.yaml"
    st.write_text("streams:\n" + "\n".join(f"  - {s}" for s in streams) + "\n")
    return load_plant(net, st)


def test_table_8_5():
    for queues, row in TABLE_8_5.items():
        assert [traffic_class(pcp, queues) for pcp in range(8)] == row
        assert traffic_classes(np.arange(8), np.full(8, queues)).tolist() == row


@pytest.mark.parametrize("queues", range(1, 9))
def test_scheduled_classes_follow_table_in_compile_gcl_verify_and_emulator(tmp_path, queues):
    pcps = (4, 5, 6)
    plant = _plant(tmp_path, queues, [
        f"{{id: s{pcp}, talker: a, listeners: [b], type: cyclic-synchronous, pcp: {pcp}, period: 100us, "
        f"payload: 64B, deadline: 100us}}" for pcp in pcps])
    problem = plant.compile()
    out = problem.port_index["sw->b"]
    for s, pcp in enumerate(pcps):
        hops = range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1]))
        on_bridge = [h for h in hops if problem.hop_port[h] == out]
        assert problem.hop_class[on_bridge].tolist() == [TABLE_8_5[queues][pcp]]
    result = schedule(problem)
    assert verify(problem, result) == []
    gcl = result.gcl
    begin = np.concatenate([[0], np.cumsum(gcl.duration_ns[gcl.ptr[out]:gcl.ptr[out + 1]])])
    gates = gcl.gates[gcl.ptr[out]:gcl.ptr[out + 1]]
    for w in range(len(result.window_hop)):
        h = int(result.window_hop[w])
        if problem.hop_port[h] != out:
            continue
        s = int(np.searchsorted(problem.hop_ptr, h, side="right") - 1)
        e = int(np.searchsorted(begin, result.window_start_ns[w] % gcl.cycle(out), side="right") - 1)
        assert gates[e] == 1 << TABLE_8_5[queues][pcps[s]]
    arrays, _ = build_inputs(problem, result, Scenario(duration_ns=1_000_000), seed=1)
    bridge_hops = arrays["hop_port"] == out
    expect = [TABLE_8_5[queues][pcps[s]] for s in arrays["hop_stream"][bridge_hops]]
    assert arrays["hop_class"][bridge_hops].tolist() == expect


@pytest.mark.parametrize("queues", range(1, 9))
def test_unscheduled_classes_follow_table_in_budget_and_emulator(tmp_path, queues):
    plant = _plant(tmp_path, queues, [
        f"{{id: u{pcp}, talker: a, listeners: [b], type: best-effort, pcp: {pcp}, period: 1ms, payload: 100B}}"
        for pcp in range(8)])
    problem = plant.compile()
    out = problem.port_index["sw->b"]
    active = np.ones(problem.n_streams, np.int8)
    calc = calculus_bounds(problem, hop_terms(problem, 99.999), active, None, _own_transmission_ns(problem))
    assert sorted(calc.queue_class[calc.queue_port == out].tolist()) == sorted(set(TABLE_8_5[queues]))
    for h in np.flatnonzero(problem.hop_port == out):
        s = int(np.searchsorted(problem.hop_ptr, h, side="right") - 1)
        assert calc.queue_class[calc.hop_queue[h]] == TABLE_8_5[queues][int(problem.stream_pcp[s])]
    arrays, _ = build_inputs(problem, None, Scenario(duration_ns=1_000_000), seed=1)
    bridge_hops = arrays["hop_port"] == out
    expect = [TABLE_8_5[queues][int(problem.stream_pcp[s])] for s in arrays["hop_stream"][bridge_hops]]
    assert arrays["hop_class"][bridge_hops].tolist() == expect
    assert arrays["port_bg_class"].tolist() == [TABLE_8_5[int(q)][0] for q in problem.port_queues]  # PCP 0
    assert arrays["port_bg_class"][out] == TABLE_8_5[queues][0]
    assert compute_budget(problem).listener_meets.all()


def test_unscheduled_stream_in_a_gated_class_is_refused(tmp_path):
    # 4 queues: PCP 6 (isochronous, scheduled) and PCP 7 (network control) share class 3
    with pytest.raises(InputError) as caught:
        _plant(tmp_path, 4, [
            "{id: iso, talker: a, listeners: [b], type: isochronous, period: 100us, payload: 64B}",
            "{id: nc, talker: a, listeners: [b], type: network-control, period: 1ms, payload: 64B}"])
    problems = caught.value.problems
    assert len(problems) == 1
    assert problems[0].entry == "stream 'nc'"
    # the talker has 8 queues (classes 6 and 7 there): the clash is on the bridge
    assert "class 3 of sw->b" in problems[0].message and "4 queues" in problems[0].message
    # PCP 6 and 7 (class 3) are taken; 5 and 4 are class 2 there, free: the nearest is suggested
    assert problems[0].hint.startswith("give it PCP 5")
    # with 8 queues they are classes 6 and 7: accepted
    _plant(tmp_path, 8, [
        "{id: iso, talker: a, listeners: [b], type: isochronous, period: 100us, payload: 64B}",
        "{id: nc, talker: a, listeners: [b], type: network-control, period: 1ms, payload: 64B}"])


def test_validate_reports_the_gated_class_conflict(tmp_path, cli):
    with pytest.raises(InputError):
        _plant(tmp_path, 4, [
            "{id: iso, talker: a, listeners: [b], type: isochronous, period: 100us, payload: 64B}",
            "{id: nc, talker: a, listeners: [b], type: network-control, period: 1ms, payload: 64B}"])
    status, out, err = cli("validate", tmp_path / "network.yaml", tmp_path / "streams.yaml")
    assert status == 2
    assert "traffic class 3" in out + err and "which scheduled streams gate" in out + err
