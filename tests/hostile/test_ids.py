"""Ids are limited to a safe character set at load: no shell, markup, control characters, '->' or
'--'; a huge name is never echoed whole; 1 and '1' are not merged (issue 14, classes 1, 3 and 6)."""
import pytest

from hostile_plants import write_plant

HOSTILE_NODE_IDS = ["'plc$(touch x)'", "'io\"; touch x; echo \"'", '"io\\nrm -rf x"', "'a->b'", "'a--b'",
                    "'[/bold]'", "'[/]'", '"a\\e[31mred"', "'-a'", "'a b'", "'plc/../x'"]


@pytest.mark.parametrize("node_id", HOSTILE_NODE_IDS)
def test_hostile_node_ids_are_refused_with_one_clear_problem(cli, tmp_path, node_id):
    net, streams = write_plant(tmp_path, a=node_id)
    status, out, err = cli("validate", net, streams)
    assert status == 2
    assert "invalid node id" in err and "letters, digits" in err
    assert "\x1b" not in err and not (tmp_path / "x").exists()


@pytest.mark.parametrize("stream_id", ["'s$(id)'", "'[red]s'", "'s->t'", "'s--t'", '"s\\tt"'])
def test_hostile_stream_ids_are_refused(cli, tmp_path, stream_id):
    net, streams = write_plant(tmp_path, s1=stream_id)
    status, _, err = cli("validate", net, streams)
    assert status == 2 and "invalid stream id" in err


def test_a_huge_name_is_not_echoed_whole(cli, tmp_path):
    net = tmp_path / "n.yaml"
    net.write_text(f"nodes:\n  - {{id: {'x' * 2_000_000}, kind: end-station}}\nlinks: []\n")
    status, out, err = cli("validate", net)
    assert status == 2 and "2000000 characters" in err
    assert len(err) < 5000


def test_numeric_and_string_ids_are_not_merged(cli, tmp_path):
    net = tmp_path / "n.yaml"
    net.write_text("nodes:\n  1: {kind: end-station}\n  '1': {kind: bridge}\n  b: {kind: end-station}\n"
                   "links:\n  - {ends: [1, b]}\n")
    status, _, err = cli("validate", net)
    assert status == 2 and "duplicate node id" in err


def test_markup_in_the_network_name_is_printed_as_text(cli, tmp_path):
    net, streams = write_plant(tmp_path)
    net.write_text("network: '[/bold] [red]x'\n" + net.read_text())
    status, out, _ = cli("validate", net, streams)
    assert status == 0 and "[/bold] [red]x" in out


def test_plain_ids_of_every_shipped_plant_still_load(cli):
    from tsnplan.topologies import plant_files, plant_names

    for name in plant_names():
        assert cli("validate", *plant_files(name))[0] == 0
