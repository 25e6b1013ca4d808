"""Bad option values and output paths are one-line usage errors (exit 2) before any work, never an
internal error; outputs are written atomically (issue 14, classes 3, 7 and 9)."""
import os

import pytest

from hostile_plants import write_plant


@pytest.fixture
def plant(tmp_path):
    return write_plant(tmp_path)


@pytest.mark.parametrize("argv, message", [
    (("emulate", "--seed", "-1"), "--seed: must be 0.."),
    (("replay", "--seed", "-1"), "--seed: must be 0.."),
    (("plan", "--workers", "-2"), "--workers: must be 1..1024"),
    (("heal", "--workers", "-2"), "--workers: must be 1..1024"),
    (("heal", "--workers", "0"), "--workers: must be 1..1024"),
    (("budget", "--top", "-3"), "--top: must be at least 0"),
    (("schedule", "--top", "-1"), "--top: must be at least 0"),
    (("heal", "--emulate", "-5"), "--emulate: must be at least -1"),
    (("emulate", "--duration", "-1ms"), "values cannot be negative"),
    (("emulate", "--duration", "4000s"), "at most 3600 s"),
    (("emulate", "--frer-history", "65"), "--frer-history: must be 2..64"),
    (("heal", "--frer-history", "1"), "--frer-history: must be 2..65535"),
])
def test_option_ranges(cli, plant, argv, message):
    verb, *options = argv
    status, _, err = cli(verb, *plant, *options)
    assert status == 2 and message in err and "internal error" not in err


@pytest.mark.parametrize("option", ["--pcap"])
@pytest.mark.parametrize("target, message", [
    ("{tmp}/missing/x.pcapng", "does not exist"), ("{tmp}", "is a directory"),
])
def test_capture_paths_are_checked_before_the_run(cli, plant, tmp_path, option, target, message):
    status, _, err = cli("emulate", *plant, "--duration", "1ms", option, target.format(tmp=tmp_path))
    assert status == 2 and message in err


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_unwritable_places_are_refused(cli, plant, tmp_path):
    status, _, err = cli("emulate", *plant, "--duration", "1ms", "--pcap", "/proc/x/y.pcapng")
    assert status == 2 and "internal error" not in err
    status, _, err = cli("demo", "--duration", "1ms", "--out", "/proc/x")
    assert status == 2 and "cannot make the directory" in err
    file = tmp_path / "f"
    file.write_text("x")
    status, _, err = cli("demo", "--duration", "1ms", "--out", file)
    assert status == 2 and "not a directory" in err


def test_schedule_to_a_directory_leaves_nothing_behind(cli, plant, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    status, _, err = cli("schedule", *plant, "-o", out)
    assert status == 2 and "is a directory" in err
    assert list(tmp_path.glob("*.tmp")) == [] and list(out.iterdir()) == []


def test_an_existing_tmp_file_is_not_clobbered(cli, plant, tmp_path):
    target = tmp_path / "s.json"
    keep = tmp_path / "s.json.tmp"
    keep.write_text("mine")
    assert cli("schedule", *plant, "-o", target)[0] == 0
    assert keep.read_text() == "mine" and target.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["network.yaml", "s.json", "s.json.tmp", "streams.yaml"]


def test_dash_writes_the_schedule_to_stdout(cli, plant, tmp_path):
    import json

    status, out, _ = cli("schedule", *plant, "-o", "-")
    assert status == 0 and json.loads(out)["format"] == "tsnplan-schedule/1"
    assert not (tmp_path / "-").exists() and not os.path.exists("-")


def test_an_interrupted_emulation_leaves_no_capture(plant, tmp_path):
    from tsnplan.emulate import Scenario, run_emulation
    from tsnplan.emulate.scenario import listener_ports
    from tsnplan.io.plant import load_plant

    problem = load_plant(*plant).compile()
    pcap = tmp_path / "cut.pcapng"

    def interrupt(done, total):
        raise KeyboardInterrupt

    scenario = Scenario(duration_ns=50_000_000, capture_ports=listener_ports(problem))
    with pytest.raises(KeyboardInterrupt):
        run_emulation(problem, None, scenario, 0, pcap=str(pcap), progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["network.yaml", "streams.yaml"]
    run_emulation(problem, None, scenario, 0, pcap=str(pcap))
    assert pcap.stat().st_size > 0 and not list(tmp_path.glob(".*.tmp"))


def test_sigterm_ends_the_program_like_ctrl_c(plant, tmp_path):
    """A real process: SIGTERM mid-run removes the partial capture and exits 130."""
    import signal
    import subprocess
    import sys
    import time

    pcap = tmp_path / "run.pcapng"
    proc = subprocess.Popen([sys.executable, "-m", "tsnplan", "emulate", *map(str, plant), "--duration", "3600s",
                             "--pcap", str(pcap)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)    # outside the checkout: the installed package, not the source tree
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".run.pcapng.*.tmp")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err
    assert not pcap.exists() and not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
