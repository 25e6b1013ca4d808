"""The bad-input corpus through the real CLI: exit 2, one line per problem, the expected line, no traceback."""
import json
from pathlib import Path

import pytest

from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant

BAD = Path(__file__).parent.parent / "data" / "bad"
BODY_SHOP = Path(__file__).parent.parent.parent / "topologies" / "body-shop-cell" / "network.yaml"

# file -> (line, "entry: message" expected in the problem printed for that line)
CASES = {
    "unknown-node-in-link.yaml": (6, "link plc--sw-l: unknown node 'sw-l' (did you mean 'sw-1'?)"),
    "duplicate-node-id.yaml": (5, "node 'sw-1': duplicate node id"),
    "duplicate-node-id-list.yaml": (5, "node 'sw-1': duplicate node id"),
    "duplicate-link.yaml": (7, "link sw-1--plc: duplicate link (also links[0])"),
    "duplicate-stream-id.yaml": (11, "stream 'io-out': duplicate stream id (first at line 10)"),
    "listener-unreachable.yaml": (11, "stream 'io-out': listener 'io' is unreachable from talker 'plc'"),
    "payload-over-mtu.yaml": (10, "stream 'bulk': payload 3000 B exceeds one frame (1500 B) and the stream does not allow fragmentation"),
    "deadline-over-period.yaml": (10, "stream 'io-out': deadline 2000000 ns is longer than the period 1000000 ns"),
    "t1l-beyond-reach.yaml": (6, "link ft-101--fs-1: 1200 m is longer than the 1000 m reach of 10base-t1l"),
    "t1s-duplicate-plca-id.yaml": (10, "node 'bus': PLCA id 2 is used by both 's1' and 's2'"),
    "t1s-over-node-count.yaml": (4, "node 'bus': 3 stations on a segment whose PLCA node_count is 2"),
    "stream-exceeds-link.yaml": (10, "stream 'video': needs 167% of port cam->sw-1 on its own"),
    "unit-typo.yaml": (6, "link plc--sw-1: rate: unknown unit 'Gbit' in '1Gbit'"),
    "wrong-types.yaml": (3, "node 'sw-1': queues: expected a whole number, got 'eight'"),
    "unknown-field.yaml": (6, "link plc--sw-1: unknown field 'lenght' (did you mean 'length'?)"),
    "unknown-kind.yaml": (3, "node 'sw-1': kind: unknown value 'brigde' (did you mean 'bridge'?)"),
    "unknown-5g-profile.yaml": (3, "node '5gs': unknown 5G profile 'urllc-mmwave' (did you mean 'urllc-mmw'?)"),
    "repeated-field.yaml": (11, "stream 'io-out': field 'period' appears twice"),
    "huge-number.yaml": (3, "node 'sw-1': processing: duration '1e300s' is too large"),
    "huge-integer.yaml": (3, "node 'sw-1': gcl_max_entries: 123456789012345678901234567890 is outside 2..1048576"),
    "invalid-yaml.yaml": (4, "invalid YAML: did not find expected ',' or '}'"),
    "not-a-mapping.yaml": (None, "expected a mapping with 'nodes' and 'links', got a list"),
    "empty.yaml": (None, "file is empty"),
    "binary-junk.yaml": (None, "file is binary, expected YAML text"),
    "not-utf8.yaml": (2, "not UTF-8 text (byte 51)"),
    "deep-nesting.yaml": (2, "nesting deeper than 32 levels"),
    "alias-bomb.yaml": (8, "YAML aliases expand the document to more than 1,000,000 values"),
    "many-problems.yaml": (11, "stream 'a': duplicate stream id (first at line 10)"),
}


def test_corpus_is_covered():
    """Every file in the corpus has a case, and every case a file."""
    files = {p.name for p in BAD.iterdir() if p.name.endswith(".yaml") and not p.name.endswith(".streams.yaml")}
    assert files == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_through_cli(cli, name):
    path = BAD / name
    line_no, expected = CASES[name]
    status, out, err = cli("validate", str(path))
    assert status == 2
    assert "Traceback" not in out + err
    with pytest.raises(InputError) as caught:
        load_plant(path)
    assert err.splitlines() == [str(p) for p in caught.value.problems]      # one line per problem
    where = f"{path}:{line_no}" if line_no is not None else str(path)
    assert any(line.startswith(f"{where}: {expected}") for line in err.splitlines())


def test_streams_file_with_unknown_talker(cli):
    streams = BAD / "unknown-talker.streams.yaml"
    status, _, err = cli("validate", str(BODY_SHOP), str(streams))
    assert status == 2
    assert err.splitlines() == [f"{streams}:4: stream 'motion-9a': talker 'rc-9' is not a node of the network "
                                "(did you mean 'rc-4'?)"]


def test_every_problem_of_a_file_at_once(cli):
    status, _, err = cli("validate", str(BAD / "many-problems.yaml"))
    assert status == 2
    assert [l.split(":")[1] for l in err.splitlines()] == ["3", "8", "10", "11", "12"]


def test_validate_json_lists_problems(cli):
    status, out, err = cli("validate", "--json", str(BAD / "many-problems.yaml"))
    assert status == 2
    document = json.loads(out)
    assert document["format"] == "tsnplan-validate/1" and document["valid"] is False
    assert [p["line"] for p in document["problems"]] == [3, 8, 10, 11, 12]
    assert document["problems"][1] == {"file": str(BAD / "many-problems.yaml"), "line": 8, "entry": "link io--sw-2",
                                       "message": "unknown node 'sw-2'", "hint": "did you mean 'sw-1'?"}
    assert len(err.splitlines()) == 5


def test_show_json_on_bad_input_uses_the_problem_format(cli):
    status, out, _ = cli("show", "--json", str(BAD / "unknown-field.yaml"))
    assert status == 2
    assert json.loads(out)["format"] == "tsnplan-problems/1"


def test_missing_file_and_directory(cli, tmp_path):
    status, _, err = cli("validate", str(tmp_path / "nope.yaml"))
    assert status == 2 and "cannot read the file" in err
    status, _, err = cli("validate", str(tmp_path))
    assert status == 2 and "is not a tsnkit instance" in err
