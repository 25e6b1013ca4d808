"""CP-SAT on a whole instance, or large-neighbourhood repair of the heuristic's placement.

Repair keeps the heuristic's placement, frees a neighbourhood around a few unplaced streams (the
placed streams crossing the same media, fewest first by seeded draw), re-solves it exactly with
CP-SAT around the fixed rest, and keeps the answer when it places more. The current placement is
a hint, so a round never loses a stream. Rounds are budgeted in CP-SAT's deterministic time, so a
seed gives the same repair on every run unless the wall-clock deadline stops it first.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from tsnplan.schedule import cpsat
from tsnplan.schedule.layout import Layout

__all__ = ["Exact", "whole_model", "lns_repair", "model_size", "MAX_WHOLE_INTERVALS"]

#: a whole CP-SAT model up to this many interval variables; larger instances are repaired in neighbourhoods
MAX_WHOLE_INTERVALS = 60_000
NEIGHBOURS = 40          # placed streams freed around the targets of one round
TARGETS = 3              # unplaced streams tried per round
ROUND_S = 2.0            # budget of one round; a round that finishes early leaves the rest to the next
ROUND_MIN_S = 0.25       # charged at least per round: building the model costs wall time CP-SAT does not count


@dataclass
class Exact:
    """A placement from CP-SAT and what it proves."""

    layout: Layout
    hf_start: np.ndarray
    placed: np.ndarray
    upper_bound: int | None     # proven: at most this many scheduled streams fit together (None: no proof)
    rounds: int = 0


def single_worker(workers: int) -> bool:
    """One worker: rounds are charged their deterministic time (reproducible), else wall time."""
    return workers <= 1


def _left(wall_deadline: float | None) -> float | None:
    return None if wall_deadline is None else max(0.1, wall_deadline - time.monotonic())


def relative_offsets(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    from tsnplan.schedule.ilp import _relative
    return _relative(layout)


def model_size(layout: Layout) -> int:
    """Interval variables of a whole model: two per (hop, frame, instance)."""
    p = layout.problem
    per_slot = layout.hyper // p.stream_period_ns[np.repeat(np.arange(p.n_streams), np.diff(layout.hf_ptr))]
    return int(2 * per_slot.sum())


def whole_model(layout: Layout, hint_start: np.ndarray | None, hint_placed: np.ndarray | None,
                time_limit_s: float, seed: int, workers: int, wall_deadline: float | None = None) -> Exact:
    """Every scheduled stream free; the bound proves how many fit together on these routes."""
    rel, alone = relative_offsets(layout)
    free = [int(s) for s in layout.scheduled if alone[s]]
    sol = cpsat.solve(layout, rel, free, hint=hint_start, hint_placed=hint_placed, time_limit_s=time_limit_s,
                      seed=seed, workers=workers, wall_limit_s=_left(wall_deadline))
    placed = sol.placed
    hf = sol.hf_start
    if hint_placed is not None and int(hint_placed.sum()) > int(placed.sum()):
        placed, hf = hint_placed.copy(), hint_start.copy()
    return Exact(layout, hf, placed, sol.upper_bound if sol.exact else None)


def _neighbourhood(layout: Layout, targets: list[int], placed: np.ndarray, rng: np.random.Generator) -> list[int]:
    """Placed streams on the targets' media, those sharing the most media first, ties by seeded draw."""
    p = layout.problem
    media = set()
    for s in targets:
        media |= set(p.port_resource[p.hop_port[int(p.hop_ptr[s]):int(p.hop_ptr[s + 1])]].tolist())
    hop_stream = np.repeat(np.arange(p.n_streams), np.diff(p.hop_ptr))
    on = np.isin(p.port_resource[p.hop_port], list(media)) & placed[hop_stream]
    shared = np.bincount(hop_stream[on], minlength=p.n_streams)
    cands = np.flatnonzero(shared)
    draw = rng.random(len(cands))
    order = np.lexsort((draw, -shared[cands]))
    return [int(s) for s in cands[order][:NEIGHBOURS]]


def lns_repair(layout: Layout, hf_start: np.ndarray, placed: np.ndarray, time_limit_s: float, seed: int,
               workers: int, wall_deadline: float | None = None) -> Exact:
    """Rounds of neighbourhood re-solves until every stream is placed or the budget is spent."""
    rel, alone = relative_offsets(layout)
    hf, cur = hf_start.copy(), placed.copy()
    rng = np.random.default_rng(seed)
    items: dict = {}
    budget = float(time_limit_s)
    stale: dict[int, int] = {}
    rounds = 0
    while budget > 0.05 and (wall_deadline is None or time.monotonic() < wall_deadline):
        todo = [int(s) for s in layout.scheduled if alone[s] and not cur[s]]
        if not todo:
            break
        todo.sort(key=lambda s: (stale.get(s, 0), s))
        targets = todo[:TARGETS]
        free = targets + _neighbourhood(layout, targets, cur, rng)
        fixed = [int(s) for s in np.flatnonzero(cur) if s not in set(free)]
        step = min(budget, ROUND_S)
        sol = cpsat.solve(layout, rel, free, fixed_start=hf, fixed=fixed, hint=hf, hint_placed=cur,
                          time_limit_s=step, seed=seed + rounds, workers=workers, wall_limit_s=_left(wall_deadline),
                          items=items)
        budget -= max(sol.work, ROUND_MIN_S) if single_worker(workers) else sol.seconds
        rounds += 1
        if int(sol.placed[free].sum()) > int(cur[free].sum()):
            for s in free:
                cur[s] = sol.placed[s]
                lo, hi = int(layout.hf_ptr[s]), int(layout.hf_ptr[s + 1])
                hf[lo:hi] = sol.hf_start[lo:hi]
        for s in targets:
            if not cur[s]:
                stale[s] = stale.get(s, 0) + 1
    return Exact(layout, hf, cur, None, rounds)
