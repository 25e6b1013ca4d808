"""`tsnplan plan` and `tsnplan diff` end to end on the shipped scenario and on small plants."""
import json
from pathlib import Path

import pytest

from plan.plants import line_plant, stream, write

ROOT = Path(__file__).parent.parent.parent
LINE = ROOT / "topologies" / "brownfield-line"


@pytest.fixture(scope="module")
def brownfield(tmp_path_factory):
    """The brownfield-line scenario planned once: (exit status, plan JSON, to-be network path)."""
    from tsnplan.cli import main

    out = tmp_path_factory.mktemp("plan")
    to_be, plan = out / "to-be.yaml", out / "plan.json"
    status = main(["plan", str(LINE / "network.yaml"), str(LINE / "streams-to-be.yaml"), "--catalogue",
                   str(LINE / "upgrade.yaml"), "--write-network", str(to_be), "-o", str(plan)], env={"NO_COLOR": "1"})
    return status, json.loads(plan.read_text()), to_be


def test_brownfield_plan_is_verified_and_complete(brownfield):
    status, doc, _ = brownfield
    assert status == 0
    assert doc["format"] == "tsnplan-plan/1" and doc["status"] == "verified" and doc["proven_cheapest"]
    plan = doc["plan"]
    kinds = {a["kind"] for a in plan["actions"]}
    assert kinds == {"replace-bridge", "upgrade-link", "new-cable"}      # Qbv bridges, faster links, ring closure
    assert plan["cost"] == sum(plan["breakdown"].values()) <= 60_000
    assert all(s["slack_ns"] >= 0 for s in plan["streams"].values())
    assert max(plan["port_utilisation"].values()) <= 0.6
    assert plan["n1"]["scenarios"] > 0 and not plan["n1"]["redundant_streams_failing"]
    assert doc["diagnosis"]["ok"] is False and doc["diagnosis"]["causes"]["feature"] > 0
    phases = doc["phases"]
    assert sorted(a for p in phases for a in p["actions"]) == sorted(a["id"] for a in plan["actions"])
    assert all(p["downtime_s"] <= 7200 and p["carries_as_is"] for p in phases)


@pytest.mark.parametrize("verb", ["validate", "schedule", "budget", "heal"])
def test_to_be_network_passes_every_verb(cli, brownfield, verb):
    _, _, to_be = brownfield
    status, out, err = cli(verb, to_be, LINE / "streams-to-be.yaml")
    assert status == 0, out + err


def test_as_is_network_fails_the_new_demand(cli):
    status, out, _ = cli("schedule", LINE / "network.yaml", LINE / "streams.yaml", "--json")
    doc = json.loads(out)      # its line switches lack 802.1Qbv: the as-is cyclic I/O cannot be scheduled
    assert status == 1 and doc["status"] == "infeasible"
    assert {c["kind"] for c in doc["proof"]["certificates"]} == {"feature"}
    status, _, err = cli("validate", LINE / "network.yaml", LINE / "streams-to-be.yaml")
    assert status == 2 and "is not a node of the network" in err   # the robot cell comes with the catalogue


def test_diff_shows_the_upgrade(cli, brownfield):
    _, doc, to_be = brownfield
    status, out, _ = cli("diff", LINE / "network.yaml", to_be, "--json")
    assert status == 0
    diff = json.loads(out)
    assert "sw-robot" in diff["nodes_added"] and "sw-cabinet--sw-robot" in diff["links_added"]
    assert diff["nodes_changed"]["sw-io-3"]["features"] == [[], ["cbs", "frer", "qbu", "qbv"]] or \
        "qbv" in diff["nodes_changed"]["sw-io-3"]["features"][1]
    status, out, _ = cli("diff", LINE / "network.yaml", to_be, LINE / "streams.yaml")
    assert status == 0 and "in-capper" in out


def test_impossible_deadline_exits_1_naming_the_requirement(cli, tmp_path):
    network = line_plant(6, qbv=range(6))
    catalogue = {"link_upgrades": [{"links": "all", "rate": "1G", "per_metre": 1}]}
    paths = write(tmp_path, network, [stream("axis-7", "t", "l", "20us", payload="100B")], catalogue)
    status, out, _ = cli("plan", paths[0], paths[1], "--catalogue", paths[2])
    assert status == 1
    text = " ".join(out.split())
    assert "stream axis-7: 20us deadline needs at most 1 hops at 1Gb/s; the best reachable route has 7" in text


def test_missing_feature_exits_1(cli, tmp_path):
    paths = write(tmp_path, line_plant(2), [stream("s", "t", "l", "1ms")], {})
    status, out, _ = cli("plan", *paths[:2], "--catalogue", paths[2], "--json")
    doc = json.loads(out)
    assert status == 1 and doc["plan"] is None
    assert doc["unmet"] == ["stream s: every route crosses bridge b0, which lacks qbv, and no catalogue model "
                            "replaces it with qbv"]


def test_budget_too_small_exits_1(cli, tmp_path):
    catalogue = {"models": {"q": {"ports": 4, "rates": ["100M"], "features": ["qbv"], "price": 500}},
                 "replace": [{"bridges": "all", "models": ["q"]}]}
    paths = write(tmp_path, line_plant(2), [stream("s", "t", "l", "1ms")], catalogue)
    status, out, _ = cli("plan", *paths[:2], "--catalogue", paths[2], "--budget", "900", "--json")
    assert status == 1
    assert json.loads(out)["unmet"] == ["budget 900 EUR is below the cheapest candidate upgrade (1000 EUR)"]
    status, out, _ = cli("plan", *paths[:2], "--catalogue", paths[2], "--json")
    assert status == 0 and json.loads(out)["plan"]["cost"] == 1000


def test_plan_output_is_deterministic(cli, tmp_path):
    catalogue = {"models": {"q": {"ports": 4, "rates": ["100M", "1G"], "features": ["qbv"], "price": 500}},
                 "replace": [{"bridges": "all", "models": ["q"]}],
                 "link_upgrades": [{"links": "all", "rate": "1G", "per_metre": 1}]}
    paths = write(tmp_path, line_plant(3), [stream("s", "t", "l", "60us", payload="600B")], catalogue)
    runs = [cli("plan", *paths[:2], "--catalogue", paths[2], "--json")[1] for _ in range(2)]
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "seconds"}   # noqa: E731
    assert strip(runs[0]) == strip(runs[1])


def test_demo_runs_the_planner(cli):
    status, out, _ = cli("demo", "--plant", "brownfield-line", "--duration", "20ms", "--json")
    doc = json.loads(out)
    assert status == 0 and doc["upgrade_plan"]["status"] == "verified" and doc["upgrade_plan"]["plan"]["actions"]
    assert doc["pipeline_network"] == "to-be" and doc["ok"]      # the as-is line switches lack 802.1Qbv


def test_heuristic_plan_is_verified_and_not_cheaper_than_exact(cli, tmp_path):
    catalogue = {"models": {"q": {"ports": 4, "rates": ["100M", "1G"], "features": ["qbv"], "processing": "3us",
                                  "price": 500},
                            "big": {"ports": 8, "rates": ["100M", "1G"], "features": ["qbv"], "price": 2500}},
                 "replace": [{"bridges": "all", "models": ["q", "big"]}],
                 "link_upgrades": [{"links": "all", "rate": "1G", "per_metre": 1, "per_port": 20}]}
    paths = write(tmp_path, line_plant(3, qbv=[1]), [stream("s", "t", "l", "80us", payload="900B"),
                                                     stream("r", "l", "m", "1ms")], catalogue)
    runs = {m: cli("plan", *paths[:2], "--catalogue", paths[2], "--method", m, "--json") for m in ("exact", "heuristic")}
    exact, greedy = (json.loads(runs[m][1]) for m in ("exact", "heuristic"))
    assert runs["exact"][0] == runs["heuristic"][0] == 0
    assert greedy["method"] == "heuristic" and not greedy["proven_cheapest"] and exact["proven_cheapest"]
    assert greedy["plan"]["cost"] >= exact["plan"]["cost"]
    assert any("not proven cheapest" in n for n in greedy["notes"])


def test_agv_hall_meets_n1(cli, tmp_path):
    hall = ROOT / "topologies" / "agv-hall"
    to_be = tmp_path / "to-be.yaml"
    status, out, _ = cli("plan", hall / "network.yaml", hall / "streams-to-be.yaml", "--catalogue",
                         hall / "upgrade.yaml", "--write-network", to_be, "--json")
    doc = json.loads(out)
    assert status == 0 and doc["proven_cheapest"] and doc["diagnosis"]["causes"]["redundancy"] == 11
    assert {"new-cable", "5g"} & {a["kind"] for a in doc["plan"]["actions"]}
    for verb in ("schedule", "budget", "heal"):
        assert cli(verb, to_be, hall / "streams-to-be.yaml")[0] == 0, verb


@pytest.mark.slow
def test_process_plant_extension_on_single_pair_ethernet(cli, tmp_path):
    plant = ROOT / "topologies" / "process-plant"
    to_be = tmp_path / "to-be.yaml"
    status, out, _ = cli("plan", plant / "network.yaml", plant / "streams-to-be.yaml", "--catalogue",
                         plant / "upgrade.yaml", "--write-network", to_be, "--json")
    doc = json.loads(out)
    assert status == 0 and {"t1l", "t1s"} <= {a["kind"] for a in doc["plan"]["actions"]}
    for verb in ("validate", "schedule", "budget"):
        assert cli(verb, to_be, plant / "streams-to-be.yaml")[0] == 0, verb


def test_interrupt_returns_the_best_verified_plan(tmp_path):
    from tsnplan.plan import PlanSettings, plan_upgrade
    from tsnplan.plan.inputs import read_plan_inputs

    catalogue = {"models": {"q": {"ports": 4, "rates": ["100M", "1G"], "features": ["qbv"], "price": 500}},
                 "replace": [{"bridges": "all", "models": ["q"]}],
                 "link_upgrades": [{"links": "all", "rate": "1G", "per_metre": 1}]}
    paths = write(tmp_path, line_plant(3), [stream("s", "t", "l", "60us", payload="600B")], catalogue)
    inputs = read_plan_inputs(*paths)

    def stop(phase, verified, best):
        if best is not None:
            raise KeyboardInterrupt

    result = plan_upgrade(inputs.network_doc, inputs.streams_doc, inputs.streams_file, inputs.catalogue,
                          PlanSettings(alternatives=5), progress=stop)
    assert result.best is not None and not result.exact and any("interrupted" in n for n in result.notes)


def test_alternatives_lie_on_the_cost_slack_front(cli, tmp_path):
    catalogue = {"labour": {"upgrade-link": {"cost": 10, "downtime": "1h"}, "replace-bridge": {"cost": 10, "downtime": "5min"}},
                 "models": {"q": {"ports": 4, "rates": ["100M", "1G"], "features": ["qbv"], "processing": "1us",
                                  "price": 500}},
                 "replace": [{"bridges": "all", "models": ["q"]}],
                 "link_upgrades": [{"links": "all", "rate": "1G", "per_metre": 1}]}
    paths = write(tmp_path, line_plant(3, qbv=range(3)), [stream("s", "t", "l", "100us", payload="600B")], catalogue)
    status, out, _ = cli("plan", *paths[:2], "--catalogue", paths[2], "--alternatives", "2", "--json")
    doc = json.loads(out)
    plans = [doc["plan"]] + doc["alternatives"]
    assert status == 0 and len(plans) >= 2
    assert [p["cost"] for p in plans] == sorted(p["cost"] for p in plans)
    assert all(a["min_slack_ns"] > b["min_slack_ns"] for a, b in zip(plans[1:], plans))
    status, out, _ = cli("plan", *paths[:2], "--catalogue", paths[2], "--objective", "downtime", "--json")
    by_downtime = json.loads(out)["plan"]
    assert status == 0 and by_downtime["downtime_s"] <= doc["plan"]["downtime_s"]
