"""Per-scenario analytics: lost frames in closed form, policies, isolation, single points of failure."""
from hypothesis import given, strategies as st

from tsnplan.resilience import Outcome, Policy, RecoveryTiming, analyse_failures
from tsnplan.resilience.impact import NEVER, count_lost


def _brute_lost(clear, decide, release, cycle, fail_at, switch, end):
    lost = 0
    for m in range(0, (end - release) // cycle + 2):
        if release + m * cycle >= end:
            break
        if clear + m * cycle > fail_at and (switch is NEVER or decide + m * cycle < switch):
            lost += 1
    return lost


@given(release=st.integers(0, 3000), extra=st.integers(0, 5000), cycle=st.integers(1, 2000),
       fail_at=st.integers(0, 20_000), switch=st.one_of(st.none(), st.integers(0, 30_000)),
       end=st.integers(0, 30_000))
def test_count_lost_matches_a_frame_by_frame_count(release, extra, cycle, fail_at, switch, end):
    clear = release + extra
    m_lo, m_hi, m_end = count_lost(clear, release, release, cycle, fail_at, switch, end)
    assert m_hi - m_lo == _brute_lost(clear, release, release, cycle, fail_at, switch, end)
    assert 0 <= m_lo <= m_hi <= m_end


def _scenario(result, name):
    return next(s for s in result.scenarios if s.failure.name == name)


def test_frer_loses_nothing_when_one_replica_breaks(ring_plant):
    result = analyse_failures(ring_plant, "frer", schedule=None, workers=1)
    checked = 0
    for scenario in result.single_failures():
        impact = next((i for i in scenario.impacts if i.stream == "frer"), None)
        if impact is None or impact.outcome is Outcome.ISOLATED:
            continue
        assert impact.outcome is Outcome.SURVIVED and impact.frames_lost == 0 and impact.recovery_ns == 0
        checked += 1
    assert checked == 6     # four ring links, two bridges off the station's own


def test_protect_switches_after_detection_and_hold_off(ring_plant):
    timing = RecoveryTiming(detection_ns=3_000_000, hold_off_ns=500_000)
    result = analyse_failures(ring_plant, "protect", schedule=None, workers=1, recovery=timing)
    switched = [i for s in result.single_failures() for i in s.impacts
                if i.policy is Policy.PROTECT and i.outcome is Outcome.SURVIVED and i.frames_lost]
    assert switched
    assert {i.recovery_ns for i in switched} == {3_500_000}
    # a 1 ms stream loses the frames released in the 3.5 ms outage, give or take the one in flight
    assert all(3 <= i.frames_lost <= 5 for i in switched if i.stream == "across")


def test_reroute_waits_for_the_config_delay_and_the_next_cycle(ring_plant):
    timing = RecoveryTiming(detection_ns=2_000_000, config_delay_ns=3_000_000)
    result = analyse_failures(ring_plant, "reroute", schedule=None, workers=1, recovery=timing, fail_at_ns=10_000_001)
    impact = next(i for i in _scenario(result, "link sw-00-00--sw-00-01").impacts if i.stream == "across")
    cycle = result.settings.cycle_ns
    assert impact.recovery_ns == -(-(10_000_001 + 5_000_000) // cycle) * cycle - 10_000_001
    assert impact.paths_after == (("es-00-00-0", "sw-00-00", "sw-00-03", "sw-00-02", "es-00-02-0"),)
    assert impact.latency_estimated


def test_an_access_link_failure_isolates_without_failing_the_policy(ring_plant):
    result = analyse_failures(ring_plant, "reroute", schedule=None, workers=1)
    scenario = _scenario(result, "link es-00-00-0--sw-00-00")
    assert scenario.isolated == ["across"] and scenario.unhealed == []
    assert "cut off" in scenario.impacts[0].reason
    dual = _scenario(result, "link dual--sw-00-00")
    assert "from-dual" in dual.survived


def test_default_policy_only_for_streams_without_a_request(ring_plant):
    result = analyse_failures(ring_plant, "protect", schedule=None, workers=1)
    assert result.stream_policy == {"across": Policy.PROTECT, "frer": Policy.FRER,
                                    "from-dual": Policy.PROTECT, "local": Policy.FRER}


def test_unmet_redundancy_names_its_single_point_of_failure(body_shop):
    result = analyse_failures(body_shop, "frer", schedule=None, workers=1)
    assert "single point of failure: node sw-2" in result.redundancy_issues["motion-1a"]
    scenario = _scenario(result, "node sw-2")
    assert "motion-1a" in scenario.lost
