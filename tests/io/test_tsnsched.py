"""TSNsched JSON networks: mapping to the model, fixed hop trees, every bad input one clear problem."""
import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tsnplan.emulate import Scenario, run_emulation
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant
from tsnplan.model.network import NodeKind
from tsnplan.schedule import ScheduleStatus, schedule
from tsnplan.schedule.verify import verify

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [ROOT.parent / "shared" / "datasets" / "tsnsched", ROOT.parent.parent / "shared" / "datasets" / "tsnsched",
              Path("/work/shared/datasets/tsnsched")]
DATA = next((p for p in CANDIDATES if (p / "Script" / "input.json").is_file()), None)
needs_data = pytest.mark.skipif(DATA is None, reason="shared/datasets/tsnsched is not beside the repository")


def _port(name, to, **extra):
    return {"name": name, "connectsTo": to, "timeToTravel": 1, "portSpeed": 125, "guardBandSize": 5,
            "maximumSlotDuration": 50, "cycleStart": 0, **extra}


# written here: two switches, four devices, a unicast flow and a publish-subscribe flow
TINY = {
    "switches": [
        {"name": "sw0", "scheduleType": "hypercycle", "defaultTimeToTravel": 1, "defaultPortSpeed": 125,
         "ports": [_port("p0", "talker"), _port("p1", "sw1"), _port("p2", "sub0"), _port("loop", "sw0")]},
        {"name": "sw1", "defaultPortSpeed": 125,
         "ports": [_port("q0", "sw0"), _port("q1", "sub1"), _port("q2", "sub2")]},
    ],
    "devices": [{"name": n, "defaultPacketPeriodicity": 500, "defaultPacketSize": 300,
                 "defaultHardConstraintTime": 2000, "defaultFirstSendingTime": 0}
                for n in ("talker", "sub0", "sub1", "sub2")],
    "flows": [
        {"name": "uni", "type": "unicast", "sourceDevice": "talker", "endDevices": ["sub2"], "priorityValue": 6,
         "packetPeriodicity": 250, "hardConstraintTime": 100, "maximumJitter": 2,
         "hops": [{"currentNodeName": "talker", "nextNodeName": "sw0"},
                  {"currentNodeName": "sw0", "nextNodeName": "sw1"},
                  {"currentNodeName": "sw1", "nextNodeName": "sub2"}]},
        {"name": "pubsub", "type": "PUBLISH_SUBSCRIBE", "sourceDevice": "talker", "endDevices": ["sub0", "sub1", "sub2"],
         "hops": [{"currentNodeName": "talker", "nextNodeName": "sw0"},
                  {"currentNodeName": "sw1", "nextNodeName": "sub1"},
                  {"currentNodeName": "sw0", "nextNodeName": "sub0"},
                  {"currentNodeName": "sw0", "nextNodeName": "sw1"},
                  {"currentNodeName": "sw1", "nextNodeName": "sub2"}]},
    ],
}


def _write(tmp_path, doc, name="net.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def _problems(tmp_path, doc):
    with pytest.raises(InputError) as err:
        load_plant(_write(tmp_path, doc))
    return [str(p) for p in err.value.problems]


def test_tiny_network_maps_switches_ports_and_flows(tmp_path):
    plant = load_plant(_write(tmp_path, TINY))
    net = plant.network
    assert {n.id: n.kind for n in net.nodes} == {"sw0": NodeKind.BRIDGE, "sw1": NodeKind.BRIDGE,
                                                  **{d: NodeKind.END_STATION for d in ("talker", "sub0", "sub1", "sub2")}}
    assert sorted("--".join(sorted((link.a, link.b))) for link in net.links) == [
        "sub0--sw0", "sub1--sw1", "sub2--sw1", "sw0--sw1", "sw0--talker"]
    assert all(link.rate_bps == 10**9 and link.propagation_ns == 1000 for link in net.links)   # 125 B/us, 1 us
    streams = plant.streams.by_id()
    uni, pubsub = streams["uni"], streams["pubsub"]
    assert (uni.period_ns, uni.deadline_ns, uni.jitter_ns, uni.pcp) == (250_000, 100_000, 2000, 6)
    assert uni.payload_bytes == 300 - 22 and uni.n_frames == 1
    # device defaults; a hard constraint longer than the period is cut to the period; no priority: PCP 5
    assert (pubsub.period_ns, pubsub.deadline_ns, pubsub.pcp, pubsub.listeners) == (500_000, 500_000, 5,
                                                                                      ("sub0", "sub1", "sub2"))
    assert plant.routes.fixed and plant.timing == "tas"
    assert plant.routes.paths["pubsub"] == (("talker", "sw0", "sub0"), ("talker", "sw0", "sw1", "sub1"),
                                            ("talker", "sw0", "sw1", "sub2"))


def test_tiny_network_schedules_verifies_and_emulates(tmp_path):
    problem = load_plant(_write(tmp_path, TINY)).compile()
    result = schedule(problem)
    assert result.status is ScheduleStatus.FEASIBLE and verify(problem, result) == []
    # the multicast tree shares its first two hops: one window each, not one per listener
    pubsub = problem.stream_index["pubsub"]
    lo, hi = int(problem.hop_ptr[pubsub]), int(problem.hop_ptr[pubsub + 1])
    assert hi - lo == 5
    emulated = run_emulation(problem, result, Scenario(2 * result.hyperperiod_ns), seed=1)
    assert emulated.ok


def test_units_of_tsnsched_are_honoured(tmp_path):
    doc = copy.deepcopy(TINY)
    doc["switches"][0]["ports"][0].update(portSpeed=1, portSpeedSizeUnit="Gbit", portSpeedTimeUnit="s",
                                          timeToTravel=0.05)
    doc["switches"][0]["defaultPortSpeed"] = 1000
    doc["switches"][0]["defaultPortSpeedSizeUnit"] = "kbyte"
    doc["switches"][0]["defaultPortSpeedTimeUnit"] = "ms"
    del doc["switches"][0]["ports"][2]["portSpeed"]
    doc["flows"][0].update(packetPeriodicity=0.5, packetPeriodicityUnit="ms", packetSize=1, packetSizeUnit="kbyte")
    plant = load_plant(_write(tmp_path, doc))
    talker = plant.network.link("talker", "sw0")
    assert (talker.rate_bps, talker.propagation_ns) == (10**9, 50)
    assert plant.network.link("sw0", "sub0").rate_bps == 8 * 10**9      # 1000 kB/ms
    uni = plant.streams.by_id()["uni"]
    assert (uni.period_ns, uni.payload_bytes) == (500_000, 1000 - 22)


def _set(path, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


@pytest.mark.parametrize("change, message", [
    (_set(["flows", 0, "hops", 1, "nextNodeName"], "sw2"), "unknown node 'sw2' (did you mean 'sw1'?)"),
    (_set(["flows", 0, "hops", 2], {"currentNodeName": "sw0", "nextNodeName": "sub2"}), "no port connects sw0 to sub2"),
    (_set(["flows", 1, "hops", 0], {"currentNodeName": "sub0", "nextNodeName": "sw0"}), "leaves the device sub0"),
    (_set(["flows", 0, "endDevices"], ["sub1"]), "ends at sub2, which is not one of the endDevices"),
    (_set(["flows", 0, "endDevices"], ["sub2", "sub0"]), "the hops do not lead from talker to sub0"),
    (_set(["flows", 0, "hops"], []), "hops: expected a list"),
    (_set(["flows", 1, "hops", 1], {"currentNodeName": "sw0", "nextNodeName": "sw1"}), "reaches sw1 a second time"),
    (lambda d: d["flows"][0].update(packetSize=2400, packetSizeUnit="bit"), "packetSizeUnit: unknown unit 'bit'"),
    (_set(["flows", 0, "packetPeriodicity"], 0.0001), "is not a whole number of ns"),
    (_set(["flows", 0, "packetPeriodicity"], -5), "must not be negative"),
    (_set(["flows", 0, "packetPeriodicity"], True), "expected a number, got True"),
    (_set(["flows", 0, "packetPeriodicity"], 1e300), "is not a whole number of ns up to 10 s"),
    (_set(["flows", 0, "packetSize"], 10), "a frame is 64-9216 whole bytes"),
    (_set(["flows", 0, "priorityValue"], 9), "priorityValue: expected -1 (any) or 0-7"),
    (_set(["flows", 0, "packetPeriodicty"], 250), "unknown field 'packetPeriodicty' (did you mean 'packetPeriodicity'?)"),
    (_set(["flows", 0, "type"], "broadcast"), "type: expected unicast or publish_subscribe"),
    (_set(["flows", 0, "sourceDevice"], "sw0"), "sourceDevice: unknown node 'sw0'"),
    (_set(["devices", 0, "defaultPacketPeriodicity"], KeyError), "no packetPeriodicity"),
    (_set(["devices", 1, "name"], "sw0"), "the name is used twice (also a switch)"),
    (_set(["devices", 1, "name"], "a b"), "invalid name: contains ' '"),
    (_set(["switches", 1, "ports", 0, "portSpeed"], 100), "the ports of the two ends differ"),
    (_set(["switches", 1, "ports", 0, "connectsTo"], "sw9"), "connectsTo: unknown node 'sw9'"),
    (_set(["switches", 0, "ports", 0, "portSpeed"], 0), "is not a whole number of bit/s"),
    (_set(["switches", 1, "ports"], "eth0"), "ports: expected a list"),
    (_set(["flows"], {"element": []}), "flows: expected a list of flows, got dict"),
    (_set(["topology"], []), "unknown top-level field 'topology'"),
])
def test_bad_networks_are_one_clear_problem(tmp_path, change, message):
    doc = copy.deepcopy(TINY)
    change(doc)
    problems = _problems(tmp_path, doc)
    assert any(message in p for p in problems), problems
    assert all(str(tmp_path) in p for p in problems)


def test_a_stream_faster_than_its_link_is_refused_by_the_plant_check(tmp_path):
    doc = copy.deepcopy(TINY)
    doc["flows"][0].update(packetPeriodicity=1, packetSize=1500)     # 1.5 kB every microsecond on 1 Gb/s
    assert any("needs" in p and "of port talker->sw0" in p for p in _problems(tmp_path, doc))


@pytest.mark.parametrize("text, message", [
    ("{switches: []}", "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"switches": [], "devices": [], "flows": [], "x": ' + "9" * 5000 + "}", "too many digits"),
    ('{"switches": [], "devices": [], "flows": [{"packetSize": NaN}]}', "not valid JSON: NaN"),
    ('{"name": "x"}', "not a known JSON network (found name)"),
    ("[1, 2]", "not a known JSON network (found a JSON list)"),
    ('{"switches": [{"name": "s", "ports": []}], "flows": [{"name": "f", "averageLatency": 3.5}]}',
     "is a TSNsched output"),
])
def test_json_that_is_no_network(tmp_path, text, message):
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and message in problems[0], problems


def test_an_unknown_hop_node_is_one_line_and_exit_2(tmp_path, cli):
    doc = copy.deepcopy(TINY)
    doc["flows"][1]["hops"][2]["nextNodeName"] = "sub9"
    status, _, err = cli("schedule", _write(tmp_path, doc))
    assert status == 2 and err == f"{tmp_path / 'net.json'}: flow pubsub hops[2]: nextNodeName: unknown node 'sub9' (did you mean 'sub2'?)\n"


def test_same_input_gives_byte_identical_schedules(tmp_path, cli):
    path = _write(tmp_path, TINY)
    outputs = [cli("schedule", path, "--json")[1] for _ in range(2)]
    assert outputs[0] == outputs[1] and json.loads(outputs[0])["status"] == "feasible"


def _mutate(value, path, replacement):
    if not path:
        return replacement
    key, rest = path[0], path[1:]
    if isinstance(value, dict) and value:
        k = sorted(value)[key % len(value)]
        return {**value, k: _mutate(value[k], rest, replacement)}
    if isinstance(value, list) and value:
        i = key % len(value)
        return value[:i] + [_mutate(value[i], rest, replacement)] + value[i + 1:]
    return replacement


_junk = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                  st.sampled_from(["", "sw0", "sw1", "talker", "a b", "x" * 300, "us", "bit", "-1", "1e400"]),
                  st.lists(st.integers(-3, 3), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@settings(max_examples=60)
@given(path=st.lists(st.integers(0, 30), min_size=1, max_size=6), replacement=_junk)
def test_mutated_networks_load_or_are_refused_cleanly(tmp_path_factory, path, replacement):
    target = tmp_path_factory.mktemp("t") / "net.json"
    target.write_text(json.dumps(_mutate(TINY, path, replacement)))
    try:
        load_plant(target)
    except InputError as exc:
        assert exc.problems and all(str(p).startswith(str(target)) for p in exc.problems)


@settings(max_examples=15, suppress_health_check=list(HealthCheck))
@given(path=st.lists(st.integers(0, 30), min_size=1, max_size=6), replacement=_junk)
def test_mutated_networks_through_the_cli(cli, tmp_path_factory, path, replacement):
    target = tmp_path_factory.mktemp("c") / "net.json"
    target.write_text(json.dumps(_mutate(TINY, path, replacement)))
    status, out, err = cli("validate", target)
    assert status in (0, 2) and (status == 0 or err.startswith(str(target)))


INPUTS = ["Script/input.json", "Checker/examples/input.json", "Checker/examples/SmallScenarioShorter.json",
          "Checker/examples/teste.json", "ScenarioGenerator/Outputs/output.json", "Script/GeneratedCode1.json"]


@needs_data
@pytest.mark.parametrize("name", INPUTS)
def test_every_dataset_input_schedules_and_verifies(name):
    problem = load_plant(DATA / name).compile()
    result = schedule(problem)
    assert result.status is ScheduleStatus.FEASIBLE and verify(problem, result) == []


@needs_data
def test_dataset_scenario_emulates_with_tsnsched_s_trees():
    plant = load_plant(DATA / "ScenarioGenerator" / "Outputs" / "output.json")
    assert len(plant.network.links) == 95 and sorted(len(s.listeners) for s in plant.streams) == [10, 15, 15]
    problem = plant.compile()
    result = schedule(problem)
    emulated = run_emulation(problem, result, Scenario(2 * result.hyperperiod_ns), seed=1)
    assert emulated.ok


@needs_data
@pytest.mark.parametrize("name, message", [
    ("src/com/tsnsched/generated_scenarios/input.json", "not valid JSON"),     # unquoted keys (Gson is lenient)
    ("output.json", "is a TSNsched output"),
    ("Checker/logs/GeneratedCode/2/output.json", "is a TSNsched output"),
])
def test_dataset_files_that_are_no_input_are_refused(name, message):
    with pytest.raises(InputError) as err:
        load_plant(DATA / name)
    assert message in err.value.problems[0].message


def test_a_file_of_bad_entries_stops_after_the_first_problems(tmp_path):
    doc = copy.deepcopy(TINY)
    doc["devices"] += [{"name": f"d{i}", "defaultPacketSize": "big"} for i in range(5000)]
    problems = _problems(tmp_path, doc)
    assert len(problems) == 201 and problems[-1].endswith("stopped after 200 problems; fix these first")


def test_routes_beyond_the_node_limit_are_refused(tmp_path, monkeypatch):
    import tsnplan.io.tsnsched as tsnsched

    monkeypatch.setattr(tsnsched, "MAX_ROUTE_NODES", 9)     # uni passes 4 nodes, pubsub 3 + 4 + 4
    assert any("pass more than 9 nodes" in p for p in _problems(tmp_path, TINY))
