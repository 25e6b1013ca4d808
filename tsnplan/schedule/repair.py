"""CP-SAT on a whole instance, or large-neighbourhood repair of the heuristic's placement.

Repair keeps the heuristic's placement, frees a neighbourhood around a few unplaced streams (the
placed streams crossing the same media, fewest first by seeded draw), re-solves it exactly with
CP-SAT around the fixed rest, and keeps the answer when it places more. The current placement is
a hint, so a round never loses a stream. Rounds are budgeted in CP-SAT's deterministic time, so a
seed gives the same repair on every run unless the wall-clock deadline stops it first.

Where routes may change, the freed streams also choose jointly among up to ``k_paths`` shortest
routes each (``alternatives``): the neighbourhood then covers the media of every route a target
may take, and the answer is compiled once more on the routes chosen.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from tsnplan.schedule import cpsat
from tsnplan.schedule.heuristic import no_wait_offsets
from tsnplan.schedule.layout import Layout

__all__ = ["Exact", "whole_model", "lns_repair", "model_size", "MAX_WHOLE_INTERVALS"]

#: a whole CP-SAT model up to this many interval variables; larger instances are repaired in neighbourhoods
MAX_WHOLE_INTERVALS = 60_000
NEIGHBOURS = 40          # placed streams freed around the targets of one round
TARGETS = 3              # unplaced streams tried per round
ROUND_S = 2.0            # budget of one round; a round that finishes early leaves the rest to the next
ROUND_MIN_S = 0.25       # charged at least per round: building the model costs wall time CP-SAT does not count
#: re-routing rounds also stop after this many conflicts per second of budget and are charged by them:
#: CP-SAT's deterministic time counts about 1/40 of their search (measured on hl-ring-12sw-300)
CONFLICTS_PER_SECOND = 500
REROUTED = 8             # freed streams that may change route per round: the targets, then the closest neighbours


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


def model_size(layout: Layout) -> int:
    """Interval variables of a whole model: two per (hop, frame, instance)."""
    p = layout.problem
    per_slot = layout.hyper // p.stream_period_ns[np.repeat(np.arange(p.n_streams), np.diff(layout.hf_ptr))]
    return int(2 * per_slot.sum())


def whole_model(layout: Layout, hint_start: np.ndarray | None, hint_placed: np.ndarray | None,
                time_limit_s: float, seed: int, workers: int, wall_deadline: float | None = None) -> Exact:
    """Every scheduled stream free; the bound proves how many fit together on these routes."""
    rel, alone = no_wait_offsets(layout)
    free = [int(s) for s in layout.scheduled if alone[s]]
    sol = cpsat.solve(layout, rel, free, hint=hint_start, hint_placed=hint_placed, time_limit_s=time_limit_s,
                      seed=seed, workers=workers, wall_limit_s=_left(wall_deadline))
    placed = sol.placed
    hf = sol.hf_start
    if hint_placed is not None and int(hint_placed.sum()) > int(placed.sum()):
        placed, hf = hint_placed.copy(), hint_start.copy()
    return Exact(layout, hf, placed, sol.upper_bound if sol.exact else None)


def _neighbourhood(layout: Layout, targets: list[int], placed: np.ndarray, rng: np.random.Generator,
                   views=None, route: np.ndarray | None = None) -> list[int]:
    """Placed streams on the targets' media (on any route the targets may take), those sharing the
    most media first, ties by seeded draw."""
    p = layout.problem
    media = set()
    for s in targets:
        for j in (0,) if views is None else views.choices(s):
            ports = p.hop_port[int(p.hop_ptr[s]):int(p.hop_ptr[s + 1])] if views is None else views.ports(s, j)
            media |= set(p.port_resource[ports].tolist())
    media = sorted(media)
    hop_stream = np.repeat(np.arange(p.n_streams), np.diff(p.hop_ptr))
    on = np.isin(p.port_resource[p.hop_port], media) & placed[hop_stream]
    shared = np.bincount(hop_stream[on], minlength=p.n_streams)
    if route is not None:
        for s in np.flatnonzero((route > 0) & placed):     # re-routed: count the media of its route now
            shared[s] = int(np.isin(p.port_resource[views.ports(int(s), int(route[s]))], media).sum())
    cands = np.flatnonzero(shared)
    draw = rng.random(len(cands))
    order = np.lexsort((draw, -shared[cands]))
    return [int(s) for s in cands[order][:NEIGHBOURS]]


def lns_repair(layout: Layout, hf_start: np.ndarray, placed: np.ndarray, time_limit_s: float, seed: int,
               workers: int, wall_deadline: float | None = None, views=None) -> Exact:
    """Rounds of neighbourhood re-solves until every stream is placed or the budget is spent.

    With ``views`` (``alternatives.RouteViews`` of ``layout``) the freed streams also choose among
    their routes; the result's layout is then compiled on the routes chosen (``alternatives.commit``)."""
    if views is None:
        rel, alone = no_wait_offsets(layout)
        usable = alone
    else:
        rel, usable = views.rel[0], views.usable()
    hfs = [hf_start.copy()] if views is None else \
        [hf_start.copy()] + [np.zeros(int(v.hf_ptr[-1]), dtype=np.int64) for v in views.layouts[1:]]
    route = np.zeros(layout.problem.n_streams, dtype=np.int64)
    cur = placed.copy()
    rng = np.random.default_rng(seed)
    items: dict = {}
    budget = float(time_limit_s)
    stale: dict[int, int] = {}
    rounds = 0
    while budget > 0.05 and (wall_deadline is None or time.monotonic() < wall_deadline):
        todo = [int(s) for s in layout.scheduled if usable[s] and not cur[s]]
        if not todo:
            break
        todo.sort(key=lambda s: (stale.get(s, 0), s))
        targets = todo[:TARGETS]
        free = targets + _neighbourhood(layout, targets, cur, rng, views, None if views is None else route)
        fixed = [int(s) for s in np.flatnonzero(cur) if s not in set(free)]
        step = min(budget, ROUND_S)
        starts = hfs[0] if views is None else hfs
        cap = None if views is None else int(step * CONFLICTS_PER_SECOND)
        sol = cpsat.solve(layout, rel, free, fixed_start=starts, fixed=fixed, hint=starts, hint_placed=cur,
                          time_limit_s=step, seed=seed + rounds, workers=workers, wall_limit_s=_left(wall_deadline),
                          items=items, views=views, route=route, reroutable=set(free[:REROUTED]), max_conflicts=cap)
        work = sol.work if views is None else max(sol.work, sol.conflicts / CONFLICTS_PER_SECOND)
        budget -= max(work, ROUND_MIN_S) if single_worker(workers) else sol.seconds
        rounds += 1
        if int(sol.placed[free].sum()) > int(cur[free].sum()):
            for s in free:
                cur[s] = sol.placed[s]
                j = route[s] = int(sol.route[s])
                lay = layout if views is None else views.layouts[j]
                lo, hi = int(lay.hf_ptr[s]), int(lay.hf_ptr[s + 1])
                hfs[j][lo:hi] = sol.view_start[j][lo:hi]
        for s in targets:
            if not cur[s]:
                stale[s] = stale.get(s, 0) + 1
    if views is None:
        return Exact(layout, hfs[0], cur, None, rounds)
    from tsnplan.schedule.alternatives import commit
    out, hf = commit(views, route, hfs, cur)
    return Exact(out, hf, cur, None, rounds)
