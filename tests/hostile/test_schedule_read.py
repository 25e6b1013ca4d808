"""Every reader of schedule.json verifies it (issue 14, class 4) and refuses hostile values with
exit 2 (class 3): emulate, budget, heal and export all see the same one-line problems."""
import copy
import json
import re

import pytest

from hostile_plants import write_plant


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A plant with a 3 s stream (period above 2^31 ns) and its schedule document."""
    from tsnplan.cli import main

    folder = tmp_path_factory.mktemp("plant")
    net, streams = write_plant(folder, period="3s")
    target = folder / "schedule.json"
    assert main(["schedule", str(net), str(streams), "-o", str(target)], env={"NO_COLOR": "1"}) == 0
    return net, streams, json.loads(target.read_text())


def _first_port(doc):
    return next(iter(doc["ports"]))


def _overlap(doc):
    doc["streams"]["s2"]["windows"].append(dict(doc["streams"]["s1"]["windows"][0]))


def _short_gate_list(doc):
    doc["ports"][_first_port(doc)]["gcl"]["entries"][0]["duration_ns"] -= 1


def _empty_gate_list(doc):
    doc["ports"][_first_port(doc)]["gcl"]["entries"] = []


def _gates_beyond_classes(doc):
    doc["ports"][_first_port(doc)]["gcl"]["entries"][0]["gates"] = 0x1FF


def _beyond_hyperperiod(doc):
    w = doc["streams"]["s1"]["windows"][-1]
    w["start_ns"] += doc["hyperperiod_ns"]
    w["end_ns"] += doc["hyperperiod_ns"]


def _gates_overflow(doc):
    doc["ports"][_first_port(doc)]["gcl"]["entries"][0]["gates"] = "1e400"


def _window_typed_wrong(doc):
    doc["streams"]["s1"]["windows"][0]["start_ns"] = [1, 2]


def _hyperperiod_huge(doc):
    doc["hyperperiod_ns"] = 2**62


def _status_unknown(doc):
    doc["status"] = "great"


def _window_moved(doc):          # consistent on its own, wrong for the plant: verify catches it
    doc["streams"]["s2"]["windows"][0]["start_ns"] += 1
    doc["streams"]["s2"]["windows"][0]["end_ns"] += 1


EDITS = {
    _overlap: "windows overlap", _short_gate_list: "not the cycle", _empty_gate_list: "non-empty list",
    _gates_beyond_classes: "gcl gates must be in 0..255", _beyond_hyperperiod: "start_ns must be in",
    _gates_overflow: "gcl gates must be a whole number", _window_typed_wrong: "start_ns must be a whole number",
    _hyperperiod_huge: "hyperperiod_ns must be in", _status_unknown: "is not a schedule status",
    _window_moved: "does not hold for this plant",
}


@pytest.mark.parametrize("edit", list(EDITS), ids=lambda f: f.__name__.strip("_"))
def test_every_reader_refuses_an_edited_schedule(cli, tmp_path, made, edit):
    net, streams, doc = made
    bad = copy.deepcopy(doc)
    edit(bad)
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(bad))
    runs = [("budget", net, streams, "--schedule", path),
            ("emulate", net, streams, "--schedule", path, "--duration", "10ms"),
            ("heal", net, streams, "--schedule", path, "--workers", "1")]
    if edit is not _window_moved:        # export has no plant: only the checks a document allows
        runs.append(("export", path, "--to", "yang", tmp_path / "out.json"))
    for argv in runs:
        status, _, err = cli(*argv)
        assert status == 2, (argv[0], err)
        assert EDITS[edit] in err and "internal error" not in err, (argv[0], err)
    assert not (tmp_path / "out.json").exists()


def test_infinity_in_a_schedule_is_refused(cli, tmp_path, made):
    net, streams, doc = made
    text, n = re.subn(r'"gates": \d+', '"gates": 1e400', json.dumps(doc), count=1)
    assert n == 1
    path = tmp_path / "schedule.json"
    path.write_text(text)
    status, _, err = cli("budget", net, streams, "--schedule", path)
    assert status == 2 and "internal error" not in err


def test_a_3s_period_round_trips_through_every_reader(cli, tmp_path, made):
    net, streams, doc = made
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(doc))
    assert cli("budget", net, streams, "--schedule", path)[0] == 0
    assert cli("emulate", net, streams, "--schedule", path, "--duration", "10ms")[0] == 0
    # the exports refuse a 3 s cycle for what it is (Linux taprio and YANG cycle limits), not as a crash
    status, _, err = cli("export", path, "--to", "taprio", tmp_path / "t.sh")
    assert status == 2 and "exceeds the kernel limit of 2147483647 ns" in err and not (tmp_path / "t.sh").exists()
    status, _, err = cli("export", path, "--to", "yang", tmp_path / "y.json")
    assert status == 2 and "exceeds supported-cycle-max" in err
    assert cli("export", path, "--to", "inet", tmp_path / "inet")[0] == 0


def test_gates_of_classes_the_port_lacks_are_refused(tmp_path):
    from tsnplan.errors import InputError
    from tsnplan.io.plant import load_plant
    from tsnplan.io.schedule_json import read_schedule, write_schedule
    from tsnplan.schedule import schedule

    net, streams = write_plant(tmp_path)
    net.write_text(net.read_text().replace("sw1: {kind: bridge}", "sw1: {kind: bridge, queues: 4}"))
    problem = load_plant(net, streams).compile()
    path = tmp_path / "s.json"
    write_schedule(path, problem, schedule(problem))
    doc = json.loads(path.read_text())
    doc["ports"]["sw1->sw2"]["gcl"]["entries"][0]["gates"] |= 0x80
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="queues do not have"):
        read_schedule(path, problem)


@pytest.mark.parametrize("where", ["port key", "window port", "stream key", "path"])
def test_hostile_names_in_an_edited_schedule_are_refused(cli, tmp_path, made, where):
    net, streams, doc = made
    bad = copy.deepcopy(doc)
    evil = "sw1$(touch x)"
    if where == "port key":
        port = _first_port(bad)
        bad["ports"][f"{evil}->b"] = bad["ports"].pop(port)
    elif where == "window port":
        bad["streams"]["s1"]["windows"][0]["port"] = f"a->{evil}"
    elif where == "stream key":
        bad["streams"]["s1\nrm -rf /"] = bad["streams"].pop("s1")
    else:
        bad["streams"]["s1"]["paths"] = [["a", evil, "b"]]
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(bad))
    status, _, err = cli("export", path, "--to", "taprio", tmp_path / "out.sh")
    assert status == 2 and not (tmp_path / "out.sh").exists() and not (tmp_path / "x").exists()
    assert "\n" not in err.strip()
