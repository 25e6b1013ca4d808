"""ECRTS industry-challenge stream sets: topology from the paths, the origin's classes, clear problems."""
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tsnplan.emulate import Scenario, run_emulation
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant
from tsnplan.model.network import NodeKind
from tsnplan.model.traffic_types import TrafficType
from tsnplan.schedule import ScheduleStatus, schedule
from tsnplan.schedule.verify import verify

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [ROOT.parent / "shared" / "datasets", ROOT.parent.parent / "shared" / "datasets", Path("/work/shared/datasets")]
DATA = next((p / "ecrts_industry_challenge" / "TSN_Streams.txt" for p in CANDIDATES
             if (p / "ecrts_industry_challenge" / "TSN_Streams.txt").is_file()), None)
needs_data = pytest.mark.skipif(DATA is None, reason="shared/datasets/ecrts_industry_challenge is not beside the repository")


def _block(name, source, period, tc, path, size=500):
    return (f"TSN_Stream {name}\n{name}.source = {source}\n{name}.period = {period}\n{name}.minFrameSize = 100\n"
            f"{name}.maxFrameSize = {size}\n{name}.trafficClass = TC{tc}\n{name}.utility = 3,5\n{name}.path = {path}\n\n")


# written here: five streams, one of each kind the origin's reader tells apart
TINY = (_block("TT7", "ES1", 400000, 7, "ES1 SW1 SW2 ES2")
        + _block("TT5", "ES1", 400000, 5, "ES1 SW1 ES3")
        + _block("TT3", "ES3", 200000, 3, "ES3 SW1 SW2 ES2", size=300)
        + _block("AVB5", "ES2", 800000, 5, "ES2 SW2 SW1 ES1")
        + _block("BE1", "ES3", 1600000, 1, "ES3 SW1 ES1", size=1500))


def _write(tmp_path, text, name="streams.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tiny_set_builds_the_topology_from_the_paths(tmp_path):
    plant = load_plant(_write(tmp_path, TINY))
    net = plant.network
    assert {n.id: n.kind for n in net.nodes} == {"ES1": NodeKind.END_STATION, "ES2": NodeKind.END_STATION,
                                                  "ES3": NodeKind.END_STATION, "SW1": NodeKind.BRIDGE,
                                                  "SW2": NodeKind.BRIDGE}
    assert sorted((link.a, link.b) for link in net.links) == [("ES1", "SW1"), ("ES2", "SW2"), ("ES3", "SW1"),
                                                              ("SW1", "SW2")]
    assert all((link.rate_bps, link.propagation_ns) == (10**9, 0) for link in net.links)
    assert plant.routes.fixed and plant.routes.paths["AVB5"] == (("ES2", "SW2", "SW1", "ES1"),)


def test_classes_deadlines_and_pcp_follow_the_origin(tmp_path):
    streams = load_plant(_write(tmp_path, TINY)).streams.by_id()
    got = {s.id: (s.scheduled, s.pcp, s.deadline_ns, s.traffic_type) for s in streams.values()}
    assert got == {
        "TT7": (True, 7, 200_000, TrafficType.CYCLIC_SYNC),         # TC7: half the period
        "TT5": (True, 7, 400_000, TrafficType.CYCLIC_SYNC),         # deadline = period = 400 us: time-triggered
        "TT3": (True, 7, 200_000, TrafficType.CYCLIC_SYNC),         # 2 x 200 us = 400 us, cut to the period
        "AVB5": (False, 5, 800_000, TrafficType.VIDEO),             # deadline 800 us: AVB, unscheduled
        "BE1": (False, 1, 1_600_000, TrafficType.BEST_EFFORT),      # no deadline in the origin: the period
    }
    assert streams["BE1"].payload_bytes == 1500 - 22 and streams["BE1"].n_frames == 1


def test_tiny_set_schedules_verifies_and_emulates(tmp_path):
    problem = load_plant(_write(tmp_path, TINY)).compile()
    result = schedule(problem)
    assert result.status is ScheduleStatus.FEASIBLE and verify(problem, result) == []
    assert [sid for sid, on in zip(problem.stream_ids, problem.stream_scheduled) if on] == ["TT3", "TT5", "TT7"]
    assert run_emulation(problem, result, Scenario(2 * result.hyperperiod_ns), seed=1).ok


@pytest.mark.parametrize("old, new, line, message", [
    ("TT5.period = 400000", "TT5.period = 1.5", 12, "period: expected whole ns up to 10 s, got '1.5'"),
    ("TT5.trafficClass = TC5", "TT5.trafficClass = TC9", 15, "trafficClass: expected TC0-TC7, got 'TC9'"),
    ("TT5.utility = 3,5", "TT5.utilty = 3,5", 16, "unknown field 'utilty' (did you mean 'utility'?)"),
    ("TT5.path = ES1 SW1 ES3", "TT5.path = ES3 SW1 ES1", 17, "path: starts at ES3, not at the source ES1"),
    ("TT5.path = ES1 SW1 ES3", "TT5.path = ES1 ES2 ES3", 17, "must run from an end station through switches"),
    ("TT5.path = ES1 SW1 ES3", "TT5.path = ES1 XY1 ES3", 17, "node 'XY1' is neither an end station"),
    ("TT5.path = ES1 SW1 ES3", "TT5.path = ES1 SW1 SW1 ES3", 17, "no node twice"),
    ("TT5.minFrameSize = 100", "TT5.minFrameSize = 900", 13, "minFrameSize: 900 B is above maxFrameSize 500 B"),
    ("TT5.maxFrameSize = 500", "TT5.maxFrameSize = 50000", 14, "expected whole bytes, 64-9216"),
    ("TT5.source = ES1\n", "", 10, "missing field 'source'"),
    ("TT5.source = ES1", "TT5.source = ES1\nTT5.source = ES1", 12, "field 'source' appears twice"),
    ("TT5.source = ES1", "TT7.source = ES1", 11, "field of 'TT7' inside its block"),
    ("TSN_Stream TT5", "TSN_Stream TT7", 10, "a second block (first at line 1)"),
    ("TSN_Stream TT5", "TSN_Stream T$5", 10, "invalid stream name: contains '$'"),
    ("TT5.source = ES1", "source: ES1", 11, "expected 'TSN_Stream NAME' or 'NAME.field = value'"),
])
def test_bad_stream_sets_are_problems_with_their_line(tmp_path, old, new, line, message):
    assert old in TINY
    with pytest.raises(InputError) as err:
        load_plant(_write(tmp_path, TINY.replace(old, new, 1)))
    found = [(p.line, str(p)) for p in err.value.problems]
    assert any(message in text and at == line for at, text in found), found


def test_windows_line_ends_and_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "streams.txt"
    path.write_bytes(("\ufeff" + TINY).replace("\n", "\r\n").encode("utf-8"))
    assert len(load_plant(path).streams) == 5


def test_a_yaml_network_named_txt_is_still_yaml(tmp_path):
    path = _write(tmp_path, "nodes:\n  a: {kind: end-station}\n  b: {kind: end-station}\nlinks:\n  - {ends: [a, b]}\n",
                  name="network.txt")
    assert len(load_plant(path).network.nodes) == 2


def test_cli_exit_codes(cli, tmp_path):
    good = _write(tmp_path, TINY)
    assert cli("validate", good)[0] == 0
    bad = _write(tmp_path, TINY.replace("TC5", "TC55", 1), name="bad.txt")
    status, _, err = cli("validate", bad)
    assert status == 2 and err.count("\n") == 1 and "trafficClass" in err


_lines = st.sampled_from(["TSN_Stream X", "X.period = 99999999999999999", "TT7.period = -1", "=", ".=", "a.b",
                          "TT7.path = ES1", "TT7.path = " + " ".join(["SW1"] * 500), "\x00", "TSN_Stream", "\ufeff",
                          "TT7.maxFrameSize = 9" * 3, "TT7.utility = 1,2,3", "TSN_Stream " + "x" * 300])


@settings(max_examples=80)
@given(at=st.integers(0, 10**6), insert=st.one_of(st.text(max_size=20), _lines), cut=st.integers(0, 40))
def test_edited_text_loads_or_is_refused_cleanly(tmp_path_factory, at, insert, cut):
    i = at % (len(TINY) + 1)
    target = tmp_path_factory.mktemp("e") / "streams.txt"
    target.write_text(TINY[:i] + insert + "\n" + TINY[i + cut:])
    try:
        load_plant(target)
    except InputError as exc:
        assert exc.problems and all(str(p).startswith(str(target)) for p in exc.problems)


@needs_data
def test_the_challenge_set_loads_schedules_and_emulates():
    plant = load_plant(DATA)
    assert len(plant.streams) == 241 and len(plant.network.links) == 24
    kinds = [n.kind for n in plant.network.nodes]
    assert kinds.count(NodeKind.BRIDGE) == 5 and kinds.count(NodeKind.END_STATION) == 15
    assert sum(s.scheduled for s in plant.streams) == 90          # TC7 (32) and 58 TC5/6 with a 200-400 us deadline
    problem = plant.compile()
    result = schedule(problem)
    assert result.status is ScheduleStatus.FEASIBLE and verify(problem, result) == []
    emulated = run_emulation(problem, result, Scenario(2 * result.hyperperiod_ns), seed=1)
    scheduled = {sid for sid, on in zip(problem.stream_ids, problem.stream_scheduled) if on}
    assert all(l.received == l.sent and not l.lost for l in emulated.listeners)
    assert not [l.stream for l in emulated.listeners if l.stream in scheduled and l.deadline_misses]


def test_a_file_of_junk_lines_stops_after_the_first_problems(tmp_path):
    with pytest.raises(InputError) as err:
        load_plant(_write(tmp_path, TINY + "junk\n" * 100_000))
    assert len(err.value.problems) == 201 and "stopped after 200 problems" in err.value.problems[-1].message


def test_same_input_gives_byte_identical_schedules(cli, tmp_path):
    path = _write(tmp_path, TINY)
    outputs = [cli("schedule", path, "--json")[1] for _ in range(2)]
    assert outputs[0] == outputs[1] and json.loads(outputs[0])["status"] == "feasible"


@settings(max_examples=15, suppress_health_check=list(HealthCheck))
@given(at=st.integers(0, 10**6), insert=st.one_of(st.text(max_size=20), _lines), cut=st.integers(0, 40))
def test_edited_text_through_the_cli(cli, tmp_path_factory, at, insert, cut):
    i = at % (len(TINY) + 1)
    target = tmp_path_factory.mktemp("c") / "streams.txt"
    target.write_text(TINY[:i] + insert + "\n" + TINY[i + cut:])
    status, out, err = cli("validate", target)
    assert status in (0, 2) and (status == 0 or err.startswith(str(target)))
