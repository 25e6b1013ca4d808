"""The CLI in-process (main(argv, env) with captured output) and once through the console script."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).parent.parent
NET = ROOT / "topologies" / "body-shop-cell" / "network.yaml"
STREAMS = ROOT / "topologies" / "body-shop-cell" / "streams.yaml"
TSNKIT = ROOT / "tests" / "data" / "tsnkit" / "ring"


def test_validate_ok(cli):
    status, out, err = cli("validate", NET, STREAMS)
    assert (status, err) == (0, "")
    assert out.startswith("valid: body-shop-cell: 6 bridge, 18 end-station, 24 links, 29 streams")


def test_validate_json_ok(cli):
    status, out, _ = cli("validate", "--json", TSNKIT)
    document = json.loads(out)
    assert status == 0
    assert (document["valid"], document["timing"], document["streams"]) == (True, "tsnkit", 4)


def test_show_lists_media_types_and_load(cli):
    status, out, _ = cli("show", NET, STREAMS, "--top", "3")
    assert status == 0
    assert "Links per medium" in out and "fibre" in out and "340 m" in out      # 60+45+50+45+60+80
    assert "isochronous" in out and "Link load (top 3 of 48 ports" in out
    assert "no port is overloaded" in out


def test_show_json_sorted_by_load(cli):
    status, out, _ = cli("show", "--json", NET, STREAMS)
    document = json.loads(out)
    shares = [p["utilisation"] for p in document["ports"].values()]
    assert status == 0 and shares == sorted(shares, reverse=True)
    assert document["media"]["fibre"] == {"links": 6, "length_m": 340, "rates_bps": [10**9]}
    assert document["streams_per_type"]["isochronous"] == 16 and document["overloaded"] == []


def test_show_flags_an_overloaded_port(cli, tmp_path):
    net = tmp_path / "net.yaml"
    net.write_text("nodes: {sw: {kind: bridge}, cam: {kind: end-station}, edge: {kind: end-station}}\n"
                   "links: [{ends: [cam, sw], rate: 10M}, {ends: [edge, sw]}]\n"
                   "streams: [{id: v, talker: cam, listeners: [edge], type: video, period: 500us, payload: 1000B}]\n")
    status, out, _ = cli("show", net)
    assert status == 1
    assert "1 port is overloaded" in out and "166.7%" in out
    assert cli("validate", net)[0] == 2          # validate refuses what show only flags


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["show"], ["show", NET, "--top", "-1"], ["validate", "--bogus", NET]])
def test_usage_errors_exit_2(cli, argv):
    status, _, _ = cli(*argv)
    assert status == 2


def test_demo_runs_every_example_plant(cli):
    from tsnplan.topologies import plant_names
    for plant in plant_names():
        status, out, _ = cli("demo", "--plant", plant, "--json", "--duration", "50ms")
        doc = json.loads(out)
        assert doc["plant"] == plant and status == (0 if doc["ok"] else 1)


def test_console_script_smoke(tmp_path):
    """The installed `tsnplan` entry point, or `python -m tsnplan` when it is not on PATH (run outside
    the checkout, so the installed package with its compiled kernels is the one used)."""
    script = shutil.which("tsnplan")
    command = [script] if script else [sys.executable, "-m", "tsnplan"]
    ok = subprocess.run(command + ["validate", str(NET), str(STREAMS)], capture_output=True, text=True,
                        env={**os.environ, "NO_COLOR": "1"}, timeout=60, cwd=tmp_path)
    assert ok.returncode == 0 and "valid: body-shop-cell" in ok.stdout
    bad = subprocess.run(command + ["validate", str(ROOT / "tests" / "data" / "bad" / "alias-bomb.yaml")],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "alias" in bad.stderr
