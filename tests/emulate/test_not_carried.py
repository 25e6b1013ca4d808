"""A stream the schedule has no window for is not carried: the emulator's verdict must fail it."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLANT = ROOT / "topologies" / "brownfield-line"


def test_streams_left_out_of_the_schedule_fail_the_emulation(cli, tmp_path):
    net, streams = PLANT / "network.yaml", PLANT / "streams.yaml"
    schedule = tmp_path / "s.json"
    status, _, _ = cli("schedule", net, streams, "-o", schedule)
    assert status == 1                       # the as-is line switches have no 802.1Qbv
    unscheduled = json.loads(schedule.read_text())["unscheduled"]
    assert unscheduled
    status, out, _ = cli("emulate", net, streams, "--schedule", schedule, "--duration", "20ms", "--json")
    report = json.loads(out)
    assert status == 1 and not report["ok"]
    assert sorted(report["not_admitted"]) == sorted(unscheduled)
    status, out, _ = cli("emulate", net, streams, "--schedule", schedule, "--duration", "20ms")
    assert status == 1 and f"{len(unscheduled)} streams not carried" in " ".join(out.split())
