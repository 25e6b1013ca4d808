"""Endless or odd inputs are refused at once: only regular files are read, with a size cap
(issue 14, class 2). Each run is bounded by a timeout thread: a hang fails the test."""
import os
import threading

import pytest

from hostile_plants import write_plant


def _within(seconds, fn):
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the run did not end"
    return result["value"]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused(cli, device):
    if not os.path.exists(device):
        pytest.skip(f"{device} is absent")
    status, _, err = _within(10, lambda: cli("validate", device))
    assert status == 2 and "character device" in err


def test_a_fifo_is_refused_without_waiting_for_a_writer(cli, tmp_path):
    fifo = tmp_path / "net.yaml"
    os.mkfifo(fifo)
    status, _, err = _within(10, lambda: cli("validate", fifo))
    assert status == 2 and "pipe" in err


def test_5g_samples_from_a_device_are_refused(cli, tmp_path):
    net = tmp_path / "net.yaml"
    net.write_text("profiles:\n  p1: {samples: /dev/zero}\nnodes:\n  a: {kind: end-station}\n"
                   "  g: {kind: 5g-bridge, profile: p1}\nlinks:\n  - {ends: [a, g]}\n")
    status, _, err = _within(10, lambda: cli("validate", net))
    assert status == 2 and "character device" in err


def test_a_schedule_from_a_fifo_is_refused(cli, tmp_path):
    net, streams = write_plant(tmp_path)
    fifo = tmp_path / "schedule.json"
    os.mkfifo(fifo)
    status, _, err = _within(10, lambda: cli("budget", net, streams, "--schedule", fifo))
    assert status == 2 and "pipe" in err


def test_reads_stop_at_the_cap_whatever_the_size_claims(tmp_path):
    from tsnplan.errors import LimitError
    from tsnplan.io.files import read_text

    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * 5000)
    with pytest.raises(LimitError):
        read_text(big, what="YAML text", max_bytes=4096)


def test_replay_never_waits_on_a_fifo(cli, tmp_path):
    fifo = tmp_path / "capture.pcapng"
    os.mkfifo(fifo)
    status, _, err = _within(10, lambda: cli("replay", "--infer", fifo))
    assert status == 2 and "pipe" in err
    status, _, _ = _within(10, lambda: cli("replay", "--infer", tmp_path / "capture.pcapng", "/dev/zero"))
    assert status == 2
