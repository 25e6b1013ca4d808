"""No false pass and no silent acceptance (issue 14, classes 5, 6 and 9)."""
import pytest

from hostile_plants import write_plant


def test_delays_that_would_wrap_int64_are_refused_at_load(cli, tmp_path):
    net, streams = write_plant(tmp_path)
    net.write_text(net.read_text().replace("{ends: [sw1, sw2]}", "{ends: [sw1, sw2], propagation: 9000000000000000ns}"))
    status, _, err = cli("budget", net, streams)
    assert status == 2 and "longer than the 10 s any single delay may be" in err


def test_heal_fails_a_plant_that_cannot_carry_a_stream(cli, tmp_path):
    net, streams = write_plant(tmp_path)
    streams.write_text("streams:\n"
                       "  - {id: s1, talker: a, listeners: [b], period: 10us, payload: 700B, deadline: 10us}\n"
                       "  - {id: s2, talker: a, listeners: [b], period: 10us, payload: 700B, deadline: 10us}\n")
    status, out, _ = cli("heal", net, streams, "--workers", "1")
    assert status == 1 and "not carried even without a failure" in out and "N-1 met" not in out


@pytest.mark.parametrize("verb", ["validate", "schedule", "budget"])
def test_frer_without_a_disjoint_route_warns_and_strict_refuses(cli, tmp_path, verb):
    net, streams = write_plant(tmp_path)
    streams.write_text("streams:\n  - {id: f1, talker: a, listeners: [b], period: 1ms, payload: 100B, redundancy: frer}\n")
    status, _, err = cli(verb, net, streams)
    assert status == 0 and "warning:" in err and "no disjoint second route" in err
    status, _, err = cli(verb, net, streams, "--strict")
    assert status == 2 and "no disjoint second route" in err


NETWORK_EDITS = {
    "yaml python tag": ("links:", "x: !!python/object/apply:os.system ['true']\nlinks:", "unsupported YAML tag"),
    "yaml local tag": ("links:", "x: !foo {a: 1}\nlinks:", "unsupported YAML tag '!foo'"),
    "yaml set": ("links:", "x: !!set {a, b}\nlinks:", "unsupported YAML tag"),
    "defaults typo": ("nodes:", "defaults:\n  bridge: {procesing: 1us}\nnodes:", "unknown field 'procesing'"),
    "granularity 0": ("sw1: {kind: bridge}", "sw1: {kind: bridge, gcl_granularity: 0}", "must be positive"),
    "sexagesimal": ("sw1: {kind: bridge}", "sw1: {kind: bridge, processing: 1:30}", "base-60"),
    "plca_id on copper": ("{ends: [sw1, sw2]}", "{ends: [sw1, sw2], plca_id: 3}", "'plca_id' applies to t1s links only"),
}


@pytest.mark.parametrize("name", list(NETWORK_EDITS))
def test_network_files_are_not_silently_accepted(cli, tmp_path, name):
    old, new, message = NETWORK_EDITS[name]
    net, streams = write_plant(tmp_path)
    net.write_text(net.read_text().replace(old, new, 1))
    status, _, err = cli("validate", net, streams)
    assert status == 2 and message in err, err


def test_streams_files_are_not_silently_accepted(cli, tmp_path):
    net, streams = write_plant(tmp_path)
    streams.write_text("stream:\n  - {id: x, talker: a, listeners: [b], period: 1ms, payload: 1B}\nstreams:\n"
                       "  - {id: s1, talker: a, listener: c, listeners: [b], period: 1ms, payload: 100B}\n")
    status, _, err = cli("validate", net, streams)
    assert status == 2
    assert "unknown field 'stream'" in err and "both 'listener' and 'listeners'" in err


def test_a_streams_file_beside_a_tsnkit_instance_is_refused(cli, tmp_path):
    from pathlib import Path

    instance = Path(__file__).parent.parent / "data" / "tsnkit"
    folder = next(p.parent for p in sorted(instance.rglob("*task.csv")))
    _, streams = write_plant(tmp_path)
    status, _, err = cli("validate", folder, streams)
    assert status == 2 and "holds its own streams" in err


def test_messages_are_plain(cli, tmp_path):
    net, streams = write_plant(tmp_path)
    streams.write_text("streams:\n  - {id: s1, talker: a, listeners: [b], period: 7s, payload: 100B}\n"
                       "  - {id: s2, talker: c, listeners: [a], period: 3s, payload: 100B}\n")
    status, _, err = cli("schedule", net, streams)
    assert status == 2 and "streams.yaml:3: stream 's2': its period" in err
    streams.write_text("streams:\n  - {id: s1, talker: a, listeners: [b], period: " + "9" * 5000 + ", payload: 1B}\n")
    status, _, err = cli("validate", net, streams)
    assert status == 2 and "too many digits" in err and "set_int_max_str_digits" not in err
    empty = tmp_path / "empty.yaml"
    empty.write_text("network: m\nnodes: {}\nlinks: []\n")
    status, out, _ = cli("validate", empty)
    assert status == 0 and "no nodes" in out


def test_progress_lines_on_stderr():
    import io
    import time

    from tsnplan.report.progress import StderrProgress

    stream = io.StringIO()
    with StderrProgress("working", stream=stream, after=0.0, every=0.05) as progress:
        progress.update(1, 4)
        time.sleep(0.2)
    lines = stream.getvalue().splitlines()
    assert any(line.endswith("s, 25%") for line in lines) and lines[-1].startswith("working: done in")
    quiet = io.StringIO()
    with StderrProgress("short", stream=quiet, after=5.0):
        pass
    assert quiet.getvalue() == ""


def test_pairs_of_failures_are_capped(cli, tmp_path):
    n = 700
    nodes = "".join(f"  b{i}: {{kind: bridge}}\n" for i in range(n))
    links = "".join(f"  - {{ends: [b{i}, b{(i + 1) % n}]}}\n" for i in range(n))
    net = tmp_path / "ring.yaml"
    net.write_text(f"nodes:\n{nodes}links:\n{links}")
    status, _, err = cli("heal", net, "--k", "2", "--workers", "1")
    assert status == 2 and "more than 200,000" in err
