"""Exports with hostile ids and outputs: nothing injected, nothing left behind, nothing overwritten."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

HOSTILE = {"plc-1": "plc$(touch x)", "hmi": 'io"; touch x; echo "', "edge": "edge\ntouch x",
           "sw-1": "sw`touch x`"}
STUBBED = ("tc", "ip", "ethtool", "hostname")


def _rename(doc: dict, names: dict) -> dict:
    """``doc`` with nodes renamed, as a hand edit would."""
    def node(n):
        return names.get(n, n)

    def port(key):
        a, b = key.split("->")
        return f"{node(a)}->{node(b)}"
    out = dict(doc)
    out["ports"] = {port(k): v for k, v in doc["ports"].items()}
    streams = {}
    for sid, s in doc["streams"].items():
        s = json.loads(json.dumps(s))
        s["paths"] = [[node(n) for n in p] for p in s["paths"]]
        if "replica_paths" in s:
            s["replica_paths"] = [None if p is None else [node(n) for n in p] for p in s["replica_paths"]]
        for w in s["windows"]:
            w["port"] = port(w["port"])
        s["latency_ns"] = {node(k): v for k, v in s["latency_ns"].items()}
        streams[sid] = s
    out["streams"] = streams
    return out


@pytest.fixture
def hostile(scheduled, tmp_path):
    _, _, _, doc = scheduled["body-shop-cell"]
    bad = _rename(doc, HOSTILE)
    key = next(k for k in bad["ports"] if k.startswith("sw-2->sw-3"))
    bad["ports"]["sw-2->sw-3$(touch x)"] = bad["ports"].pop(key)         # a hand-edited port key
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(bad))
    return path


def _stubs(tmp_path):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    log = tmp_path / "calls.log"
    for name in STUBBED + ("touch",):
        marker = "INJECTED " if name == "touch" else ""
        (stubs / name).write_text(f'#!/bin/sh\nprintf "%s\\n" "{marker}{name} $*" >> "{log}"\nexit 0\n')
        (stubs / name).chmod(0o755)
    return stubs, log


def test_generated_script_quotes_every_hostile_name(hostile, tmp_path):
    """Rendered straight from the edited document (the loader may refuse such ids first: the script
    must be safe all the same), the script passes ``sh -n`` and runs only the stubbed tools."""
    from tsnplan.io.export import ExportOptions, render

    files, problems, _ = render(json.loads(hostile.read_text()), "taprio", False, str(hostile),
                                options=ExportOptions(long_lists="skip"))
    assert not problems
    out = tmp_path / "all.sh"
    out.write_text(files[""])
    text = out.read_text()
    assert subprocess.run(["sh", "-n", str(out)]).returncode == 0
    stubs, log = _stubs(tmp_path)
    work = tmp_path / "cwd"
    work.mkdir()
    sh = shutil.which("sh")
    for node in [*HOSTILE.values(), "sw-2", "nobody"]:
        env = {"PATH": str(stubs), "TSNPLAN_NODE": node, "HOME": str(work)}
        proc = subprocess.run([sh, str(out)], cwd=work, env=env, capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
    calls = log.read_text()
    assert "INJECTED" not in calls and not list(work.iterdir()) and not (tmp_path / "x").exists()
    assert calls.count("tc qdisc replace") >= 4          # the hostile nodes' own ports were configured
    assert "\ntouch x" not in text.replace("'edge\ntouch x'", "")   # the newline id never starts a line of code


def test_cli_with_hostile_ids_writes_a_safe_script_or_nothing(cli, hostile, tmp_path):
    out = tmp_path / "all.sh"
    status, _, err = cli("export", hostile, "--to", "taprio", out, "--long-lists", "skip")
    assert status in (0, 2), err
    if status == 2:                          # refused at load (id character set)
        assert not out.exists()
    else:
        assert subprocess.run(["sh", "-n", str(out)]).returncode == 0


def test_per_device_refuses_names_that_cannot_be_files(cli, hostile, tmp_path):
    status, _, err = cli("export", hostile, "--to", "taprio", "--out", tmp_path / "d", "--long-lists", "skip")
    assert status == 2 and not (tmp_path / "d").exists()


def test_missing_interface_is_skipped_and_failures_do_not_stop_the_rest(cli, scheduled, tmp_path):
    _, _, path, _ = scheduled["brownfield-line"]
    status, _, err = cli("export", path, "--to", "taprio", "--out", tmp_path / "o", "--long-lists", "skip")
    assert status == 0, err
    stubs, log = _stubs(tmp_path)
    script = [shutil.which("sh"), str(tmp_path / "o" / "sw-io-3.sh")]        # ports eth0, eth1
    (stubs / "ip").write_text('#!/bin/sh\n[ "$4" != eth0 ]\n')               # eth0 is not on this host
    proc = subprocess.run(script, env={"PATH": str(stubs)}, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and "no interface eth0" in proc.stderr
    assert "dev eth1" in log.read_text() and "dev eth0" not in log.read_text()
    log.unlink()
    (stubs / "ip").write_text("#!/bin/sh\nexit 0\n")
    (stubs / "tc").write_text(f'#!/bin/sh\necho "tc $*" >> "{log}"\n[ "$4" != eth0 ]\n')   # eth0 fails
    proc = subprocess.run(script, env={"PATH": str(stubs)}, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "failed: tc qdisc replace dev eth0" in proc.stderr
    assert "dev eth1" in log.read_text()                       # the port after the failing one was still set


def test_output_equal_to_input_is_refused(cli, scheduled, tmp_path):
    _, _, path, _ = scheduled["agv-hall"]
    copy = tmp_path / "s.json"
    copy.write_text(path.read_text())
    before = copy.read_text()
    status, _, err = cli("export", copy, "--to", "yang", copy)
    assert status == 2 and "is the schedule being exported" in err and copy.read_text() == before


def test_dash_writes_the_document_to_stdout(cli, scheduled, tmp_path, monkeypatch):
    _, _, path, _ = scheduled["agv-hall"]
    monkeypatch.chdir(tmp_path)
    status, out, err = cli("export", path, "--to", "yang", "-")
    assert status == 0 and json.loads(out)["ietf-interfaces:interfaces"] and not (tmp_path / "-").exists()
    status, out, err = cli("export", path, "--to", "tsnkit", "-")
    assert status == 2 and not (tmp_path / "-").exists()


def test_a_failed_tsnkit_export_leaves_no_directory(cli, scheduled, tmp_path):
    _, _, path, _ = scheduled["body-shop-cell"]
    status, _, err = cli("export", path, "--to", "tsnkit", tmp_path / "k")
    assert status == 2 and "100 ns grid" in err and not (tmp_path / "k").exists()


def test_bad_device_map_is_a_clear_input_error(cli, scheduled, tmp_path):
    _, _, path, _ = scheduled["agv-hall"]
    dmap = tmp_path / "map.yaml"
    dmap.write_text("devices:\n  sw-core: {queues: 12, interfaces: {5gs: 'eth0; reboot'}, colour: red}\n")
    status, _, err = cli("export", path, "--to", "taprio", "--out", tmp_path / "o", "--interfaces", dmap)
    assert status == 2 and "queues" in err and "interface name" in err and "colour" in err
    assert not (tmp_path / "o").exists()


def test_two_ports_on_one_interface_are_refused(cli, scheduled, tmp_path):
    _, _, path, _ = scheduled["agv-hall"]
    dmap = tmp_path / "map.yaml"
    dmap.write_text("devices:\n  sw-core: {interfaces: {5gs: eth0, sw-rack: eth0}}\n")
    status, _, err = cli("export", path, "--to", "yang", "--out", tmp_path / "o", "--interfaces", dmap)
    assert status == 2 and "share an interface" in err and not (tmp_path / "o").exists()
