"""Bad catalogues: one line per problem, exit 2, no traceback; fuzzed catalogue documents never crash."""
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tsnplan.errors import InputError
from tsnplan.plan.actions import network_of
from tsnplan.plan.catalogue import catalogue_from_doc, parse_downtime_s, parse_money

from plan.plants import line_plant, stream, write

BAD = Path(__file__).parent.parent / "data" / "bad-catalogue"

CASES = {
    "unknown-node.yaml": (3, "replace[0]: bridges: unknown node 'sw-9'"),
    "negative-cost.yaml": (3, "model 'tsn': price: negative cost -900"),
    "too-few-ports.yaml": (5, "replace[0]: model 'tiny' has 2 ports; bridge 'sw-0' has 3 links"),
    "unknown-rate-unit.yaml": (3, "link_upgrades[0]: rate: unknown unit 'Gbit' in '1Gbit'"),
    "unknown-downtime-unit.yaml": (3, "labour 'replace-bridge': downtime: unknown downtime '45 minutes' (use s, min or h, e.g. '45min')"),
    "unknown-length-unit.yaml": (3, "cables[0]: length: unknown unit 'yd' in '85yd'"),
    "unknown-field.yaml": (1, "unknown field 'modles' (did you mean 'models'?)"),
    "not-a-mapping.yaml": (None, "expected a mapping with 'models', 'replace', 'cables' ..., got a list"),
}


def _plant(tmp_path):
    network = line_plant(3)
    network["nodes"] = {k.replace("b", "sw-") if k.startswith("b") else k: v for k, v in network["nodes"].items()}
    for link in network["links"]:
        link["ends"] = [e.replace("b", "sw-") if e.startswith("b") else e for e in link["ends"]]
    net, streams, _ = write(tmp_path, network, [stream("s", "t", "l", "1ms")], {})
    return net, streams


def test_corpus_is_covered():
    assert {p.name for p in BAD.iterdir()} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_catalogue_through_cli(cli, tmp_path, name):
    net, streams = _plant(tmp_path)
    line, expected = CASES[name]
    status, out, err = cli("plan", net, streams, "--catalogue", BAD / name)
    assert status == 2
    lines = err.strip().splitlines()
    prefix = f"{BAD / name}:{line}: " if line else f"{BAD / name}: "
    assert any(l.startswith(prefix + expected) for l in lines), err
    assert all(l.startswith(str(BAD / name)) for l in lines)


def test_money_and_downtime():
    assert parse_money("250k") == 250_000 and parse_money(1200) == 1200 and parse_money("1.5M") == 1_500_000
    assert parse_downtime_s("45min") == 2700 and parse_downtime_s("2h") == 7200
    for bad in ("-5", "5 EUR", True):
        with pytest.raises(ValueError):
            parse_money(bad)


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.text(max_size=6),
                    st.sampled_from(["1G", "100M", "all", "45min", "-1", "b0", "t", "10x", "qbv"]))
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.sampled_from(
                                                            ["ports", "rates", "price", "bridges", "models", "ends",
                                                             "length", "rate", "links", "cost", "downtime", "kind",
                                                             "replaces", "features", "processing"]), inner, max_size=4)),
                      max_leaves=12)
_sections = st.dictionaries(st.sampled_from(["catalogue", "budget", "constraints", "labour", "models", "replace",
                                             "spare_ports", "link_upgrades", "cables", "additions", "bogus"]),
                            _value, max_size=6)


@settings(max_examples=150)
@given(_sections)
def test_fuzzed_catalogue_gives_problems_not_crashes(doc):
    network = network_of(line_plant(3), "net")
    try:
        catalogue_from_doc(doc, "cat.yaml", network)
    except InputError as exc:
        assert exc.problems and all(str(p).startswith("cat.yaml") for p in exc.problems)


def test_catalogue_document_round_trips(tmp_path):
    doc = {"models": {"m": {"ports": 4, "rates": ["100M", "1G"], "features": ["qbv"], "price": "1.2k"}},
           "replace": [{"bridges": "all", "models": ["m"]}], "link_upgrades": [{"links": "all", "rate": "1G"}]}
    cat = catalogue_from_doc(yaml.safe_load(yaml.safe_dump(doc)), "c.yaml", network_of(line_plant(3), "n"))
    assert cat.models["m"].price == 1200 and len(cat.replacements) == 3 and len(cat.upgrades) == 5
