"""The event-built YAML reader: same values as PyYAML's safe loader, lines kept, hostile input refused."""
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from tsnplan.errors import InputError, LimitError
from tsnplan.io import yaml_input
from tsnplan.io.plant import load_plant
from tsnplan.io.yaml_input import MAX_DEPTH, parse_yaml, read_yaml

TOPOLOGIES = Path(__file__).parent.parent.parent / "topologies"
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False), st.text(max_size=12))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=25)


@given(DOCUMENTS, st.booleans())
def test_same_values_as_pyyaml(document, flow):
    text = yaml.safe_dump({"doc": document}, default_flow_style=flow, allow_unicode=True)
    assert parse_yaml(text, "t") == yaml.safe_load(text)


@pytest.mark.parametrize("text", [
    "a: [1, 2.5, true, null, ~, '3', 0x10, 1_000, 0o17, 2024-01-01, .inf, yes, Off]\n",
    "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n",
    "b1: &b {x: 1}\nb2: &c {x: 5, z: 1}\nc: {<<: [*b, *c], w: 0}\n",
    "x: !!str 5\ny: !!int '7'\n",
    "a: |\n  two\n  lines\n",
    "# only a comment\n",
])
def test_yaml_features_match_pyyaml(text):
    assert parse_yaml(text, "t") == yaml.safe_load(text)


def test_lines_and_repeated_keys():
    document = parse_yaml("top: 1\nitems:\n  - {a: 1}\n  - b: 2\n    b: 3\n", "t")
    assert document.line == 1
    assert [item.line for item in document["items"]] == [3, 4]
    assert document["items"][1].duplicates == [("b", 5)]


def test_shared_anchor_is_not_an_error():
    document = parse_yaml("f: &f [qbv, frer]\na: {features: *f}\nb: {features: *f}\n", "t")
    assert document["a"]["features"] is document["b"]["features"]


@pytest.mark.parametrize("text, error, message", [
    ("a: &a [*a]\n", LimitError, "a YAML alias refers to itself"),
    ("a: *nowhere\n", InputError, "unknown YAML alias '*nowhere'"),
    ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", LimitError, "nesting deeper than 32 levels"),
    ("x: " + "[" * 100_000 + "]" * 100_000 + "\n", LimitError, "nesting deeper"),   # PyYAML's C composer would crash
    ("a: 1\n---\nb: 2\n", InputError, "expected one YAML document"),
    ("a: !!python/object:os.system 'true'\n", InputError, "unsupported YAML tag"),
    ("? [1]\n: 2\n", InputError, "a mapping key must be a plain value"),
    ("a: 1\n b: 2\n", InputError, "invalid YAML"),
    ("<<: 5\n", InputError, "a YAML merge ('<<') needs a mapping"),
])
def test_refused(text, error, message):
    with pytest.raises(error) as caught:
        parse_yaml(text, "t.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("t.yaml")


def test_alias_count_cap(monkeypatch):
    monkeypatch.setattr(yaml_input, "MAX_ALIASES", 3)
    with pytest.raises(LimitError, match="more than 3 YAML aliases"):
        parse_yaml("a: &a 1\nb: [*a, *a, *a, *a]\n", "t")


def test_file_size_cap(monkeypatch, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("nodes: {}\n" + "# padding\n" * 100)
    monkeypatch.setattr(yaml_input, "MAX_FILE_BYTES", 100)
    with pytest.raises(LimitError, match="larger than"):
        read_yaml(path)


VALID = (TOPOLOGIES / "body-shop-cell" / "network.yaml").read_bytes()


def _load_bytes(data: bytes, streams: bytes | None = None) -> None:
    """Only InputError and LimitError may escape load_plant, whatever the bytes."""
    with tempfile.TemporaryDirectory() as folder:
        net = Path(folder) / "net.yaml"
        net.write_bytes(data)
        stream_path = None
        if streams is not None:
            stream_path = Path(folder) / "streams.yaml"
            stream_path.write_bytes(streams)
        try:
            load_plant(net, stream_path)
        except (InputError, LimitError):
            pass


@given(st.binary(max_size=400))
def test_load_plant_never_crashes_on_bytes(data):
    _load_bytes(data)


@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 40),
                          st.sampled_from([b"", b":", b"-", b"[", b"]", b"{", b"}", b"*", b"&a", b"!!", b"\n  ",
                                           b"1e999", b"-5", b"\x00", b"\xff", b"'", b"#", b"null", b"[]", b"{}"])),
                min_size=1, max_size=4))
def test_load_plant_never_crashes_on_mutated_yaml(edits):
    data = bytearray(VALID)
    for at, cut, insert in edits:
        data[at:at + cut] = insert
    _load_bytes(bytes(data))


KEYS = st.sampled_from(["nodes", "links", "streams", "kind", "ends", "id", "talker", "listeners", "period",
                        "payload", "rate", "length", "medium", "plca", "plca_id", "profile", "defaults", "bridge",
                        "queues", "features", "deadline", "type", "fragment", "profiles", "percentiles", "samples"])
VALUES = st.one_of(SCALARS, st.sampled_from(["bridge", "end-station", "t1s-segment", "5g-bridge", "1ms", "64B",
                                             "1G", "10base-t1l", "t1s", "5g", "a", "b", "qbv"]))
STRUCTURES = st.recursive(VALUES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.one_of(KEYS, st.sampled_from(["a", "b", "c"])), inner, max_size=5), max_leaves=30)


@given(st.dictionaries(KEYS, STRUCTURES, max_size=4), st.dictionaries(KEYS, STRUCTURES, max_size=2))
def test_load_plant_never_crashes_on_random_structures(network, streams):
    _load_bytes(yaml.safe_dump(network).encode(), yaml.safe_dump(streams).encode())
