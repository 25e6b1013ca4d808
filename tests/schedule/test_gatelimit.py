"""Gate-list limits after an exact method: what overflows a list is left out, the rest verifies, and
the list scheduler puts back what fits around the others."""
import numpy as np
import pytest

from test_exact_verified import variant_plant
from tsnplan.schedule.assemble import assemble, expand_windows
from tsnplan.schedule.gatelimit import drop_beyond_limits, fit_gate_lists, refill
from tsnplan.schedule.gcl import build_gcl
from tsnplan.schedule.heuristic import heuristic_placement
from tsnplan.schedule.layout import ScheduleOptions, build_layout
from tsnplan.schedule.result import Explanation


def entries(layout, hf, placed):
    hop, _, _, start, end, _ = expand_windows(layout, hf, placed)
    return np.diff(build_gcl(layout, hop, start, end).ptr)


def test_exact_placement_over_short_lists_is_cut_to_fit_and_verifies(tmp_path):
    """process-plant with 30-entry lists: CP-SAT places all 24 streams and overflows lists; the streams
    with the most windows on an overflowing port go first (12, where the highest index first took 16)."""
    pytest.importorskip("ortools", reason="OR-Tools (extra 'cpsat') is not installed")
    from tsnplan.schedule.repair import whole_model

    problem = variant_plant("process-plant", "gcl30", tmp_path)
    layout = build_layout(problem, ScheduleOptions(reroute=False))
    exact = whole_model(layout, None, None, 2.0, 0, 1)
    assert (entries(layout, exact.hf_start, exact.placed) > problem.port_gcl_max).any()
    hf, placed = exact.hf_start.copy(), exact.placed.copy()
    cut = drop_beyond_limits(layout, hf, placed.copy())
    over = fit_gate_lists(layout, hf, placed)
    assert len(over) <= len(cut) <= 12
    assert not placed[list(over)].any()
    assert (entries(layout, hf, placed) <= problem.port_gcl_max).all()
    left = [Explanation(problem.stream_ids[s], "left out") for s in layout.scheduled if not placed[s]]
    assemble(layout, hf, placed, left, "cpsat", 0.0)          # verifies or raises InternalError


def test_refill_puts_back_a_stream_that_fits(tmp_path):
    problem = variant_plant("body-shop-cell", "shipped", tmp_path)
    best = heuristic_placement(problem, ScheduleOptions(reroute=False))
    layout, hf, placed = best.layout, best.hf_start.copy(), best.placed.copy()
    s = int(layout.scheduled[3])
    placed[s] = False
    hf[int(layout.hf_ptr[s]):int(layout.hf_ptr[s + 1])] = 0
    assert refill(layout, hf, placed, [s]) == [s]
    assert placed[s]
    assemble(layout, hf, placed, [], "heuristic", 0.0)
