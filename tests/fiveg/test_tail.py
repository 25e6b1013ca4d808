"""5G tails: fitted where the data cannot support a percentile, and said so (issue 9, item 3)."""
from __future__ import annotations

import numpy as np
import pytest

from tsnplan.budget import compute_budget
from tsnplan.io.plant import load_plant
from tsnplan.model.media.fiveg import (BUILTIN_PROFILES, MEASURED_MS, MEASURED_SAMPLES, TABLE_TAILS,
                                       profile_from_samples)
from tsnplan.model.media.tail import grouped_fit


@pytest.mark.parametrize("name", sorted(TABLE_TAILS))
def test_stored_table_tails_are_the_grouped_maximum_likelihood_fit(name):
    pytest.importorskip("scipy")
    base, direction = name.split("/")
    _, dl, ul = MEASURED_MS[base]
    ms = [int(round(v * 1_000_000)) for v in (dl if direction == "dl" else ul)]
    shape, scale = grouped_fit(ms[3], ms[4:6], [900, 90, 9], ms[6])
    assert shape == pytest.approx(TABLE_TAILS[name][0], abs=2e-3)
    assert scale == pytest.approx(TABLE_TAILS[name][1], rel=2e-3)


def test_mmw_uplink_99999_comes_from_the_tail_not_the_single_maximum():
    ul = BUILTIN_PROFILES["urllc-mmw"].uplink
    assert ul.quantile_ns(99.99) == 3_270_000                     # empirical, 10 samples beyond
    assert 3_300_000 < ul.quantile_ns(99.999) < 5_000_000         # was 19.77 ms (towards 21.6 ms)
    assert ul.max_ns == 21_600_000
    support = ul.support(99.999)
    assert support.method == "fitted-tail" and support.samples_beyond == pytest.approx(1.0)
    assert "21.6 ms" in support.warning
    assert ul.support(99.99).warning == "" and ul.support(99.99).method == "empirical"


def test_a_thousand_samples_do_not_give_their_maximum_as_99999_silently():
    rng = np.random.default_rng(7)
    samples = (1_000_000 + rng.gamma(2.0, 500_000, 1000)).astype(int).tolist()
    profile = profile_from_samples("user", samples)
    support = profile.support(99.999)
    assert support.samples == 1000 and support.samples_beyond == pytest.approx(0.01)
    assert "cannot support" in support.warning
    assert profile.quantile_ns(99.999) != max(samples)
    assert profile.quantile_ns(99.0) <= profile.quantile_ns(99.999) <= profile.max_ns
    few = profile_from_samples("few", samples[:100])      # 10 exceedances: too few to fit
    assert few.tail is None and "too few to fit" in few.support(99.999).warning


def test_budget_warns_and_reports_what_backs_the_percentile(tmp_path):
    from tsnplan.topologies import plant_files
    budget = compute_budget(load_plant(*plant_files("agv-hall")).compile())
    names = {s.profile: s for s in budget.fiveg_support}
    assert set(names) == {"urllc-mmw/dl", "urllc-mmw/ul"}
    assert all(s.samples == MEASURED_SAMPLES and s.method == "fitted-tail" for s in names.values())
    assert any("urllc-mmw/ul: 99.999 %" in w for w in budget.warnings)


def test_ue_to_ue_adds_ds_tt_twice(tmp_path):
    net = tmp_path / "net.yaml"
    net.write_text("""
network: ue2ue
nodes:
  5gs: {kind: 5g-bridge, profile: urllc-28ghz, ds_tt_residence: 200us, nw_tt_residence: 50us}
  a: {kind: end-station}
  b: {kind: end-station}
links:
  - {ends: [a, 5gs]}
  - {ends: [b, 5gs]}
""")
    streams = tmp_path / "streams.yaml"
    streams.write_text("streams:\n  - {id: s, talker: a, listeners: [b], type: alarms-events, period: 20ms, "
                       "payload: 40B, deadline: 20ms}\n")
    problem = load_plant(str(net), str(streams)).compile()
    hop = int(np.flatnonzero(problem.hop_profile >= 0)[0])
    prof = BUILTIN_PROFILES["urllc-28ghz"]
    radio = prof.uplink.quantile_ns(99.999) + prof.downlink.quantile_ns(99.999)
    assert int(problem.hop_proc_ns[hop]) == 400_000 + radio
    budget = compute_budget(problem)
    assert int(budget.hop_processing_ns[hop]) == 400_000
