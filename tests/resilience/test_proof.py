"""Acceptance: the emulator, injecting each single failure mid-run, reproduces the analysis."""
import pytest

from tsnplan.resilience import Outcome, Policy, analyse_failures

PLANTS = ["body_shop", "agv_hall"]


def _outcomes(result):
    return {(s.failure.name, i.stream): i.outcome for s in result.scenarios for i in s.impacts}


@pytest.mark.parametrize("plant", PLANTS)
def test_frer_streams_lose_no_frame_under_any_single_link_failure(plant, request):
    """Unless an end point is cut off, or the stream has no disjoint route (then its SPOF is named)."""
    result = analyse_failures(request.getfixturevalue(plant), "frer", failures="links", emulate=-1, workers=1)
    outcomes = _outcomes(result)
    rows = [r for r in result.proof.rows if r.policy is Policy.FRER
            and outcomes[(r.failure, r.stream)] is not Outcome.ISOLATED]
    protected = [r for r in rows if r.stream not in result.redundancy_issues]
    assert all(r.frames_lost_emulated == 0 for r in protected)
    assert all("single point of failure" in result.redundancy_issues[r.stream] for r in rows if r.frames_lost_emulated)
    assert result.proof.agrees
    if plant == "body_shop":
        assert protected and any(r.duplicates_eliminated for r in protected)


@pytest.mark.parametrize("plant", PLANTS)
@pytest.mark.parametrize("policy", ["protect", "reroute"])
def test_emulated_recovery_matches_the_analysis(plant, policy, request):
    result = analyse_failures(request.getfixturevalue(plant), policy, emulate=-1, workers=1)
    healed = [r for r in result.proof.rows if r.policy.value == policy and r.frames_lost and r.recovery_ns]
    if (plant, policy) == ("agv_hall", "protect"):     # a star around sw-core: no backup route anywhere
        assert not healed and all(sid in result.redundancy_issues for s in result.scenarios for sid in s.unhealed)
    else:
        assert healed
    tolerance = result.settings.timing.detection_ns
    assert all(abs(r.recovery_emulated_ns - r.recovery_ns) <= tolerance for r in healed
               if r.recovery_emulated_ns is not None)
    assert all(r.frames_lost_emulated == r.frames_lost for r in healed if "best effort" not in r.note)
    assert result.proof.agrees, [r for r in result.proof.rows if not r.agrees]


def test_agv_hall_reports_its_single_points_of_failure(agv_hall):
    result = analyse_failures(agv_hall, "frer", schedule=None, workers=1)
    assert "single point of failure: node sw-core" in result.redundancy_issues["agv-safety-1"]
    assert not result.met


def test_pcap_of_the_first_scenario_shows_the_failure(body_shop, tmp_path):
    from scapy.utils import PcapNgReader

    path = tmp_path / "switch.pcapng"
    result = analyse_failures(body_shop, "protect", emulate=1, pcap=str(path), workers=1)
    assert result.proof.pcap == str(path)
    failed = result.proof.scenarios[0].removeprefix("link ").split("--")
    ports = {f"{failed[0]}->{failed[1]}", f"{failed[1]}->{failed[0]}"}
    times = {}
    with PcapNgReader(str(path)) as reader:
        for packet in reader:
            times.setdefault(packet.sniffed_on in ports, []).append(int(packet.time * 10**9))
    fail_at = result.settings.fail_at_ns
    assert times[True] and max(times[True]) < fail_at < max(times[False])
