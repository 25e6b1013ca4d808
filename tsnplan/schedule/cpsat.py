"""Exact no-wait scheduling with CP-SAT (OR-Tools): interval variables and no-overlap per medium.

The model shares its feasibility notion with the ILP and the heuristic: a frame's hops keep the
offsets relative to its root that the list scheduler gives it on an empty network (no-wait), and
the root offset ``t`` of every (stream, frame) is a multiple of the quantum. Each (stream, hop,
frame, instance) is an optional interval ``[q*t + offset + k*T, ... + len)`` present iff the stream
is placed; intervals on one medium never overlap, and neither do queue residencies (earliest
arrival to window end) in one (port, class) queue. Nothing crosses the hyperperiod's end (every
instance lies inside its own period), so plain no-overlap over ``[0, H)`` is exact.

A stream whose own frames share a queue gets one residency spanning them (the model is then a
restriction, and proves nothing). The objective maximises the streams placed; the solver's bound
on it is a proof of how many can be placed together *on these routes*. Gate-list lengths are not
modelled (a relaxation): streams over a bridge's entry limit are left out afterwards.

Determinism: with one worker (the default) the time limit becomes CP-SAT's *deterministic* time
(``DET_PER_SECOND`` units per second, measured on this machine), so a seed gives the same answer
on every run; the wall-clock limit still holds, and only on a machine so loaded that it cuts the
search first does the answer depend on timing. Two workers (``--workers 2``) search in parallel with a wall-clock
limit and are not reproducible (OR-Tools' ``interleave_search`` would be, but here it overran its
deterministic limit several times over).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from tsnplan.schedule.layout import Layout

__all__ = ["available", "CpSolution", "solve", "MAX_WORKERS"]

MAX_WORKERS = 2          # the machine has two cores shared by everything else
#: CP-SAT deterministic time per second of --time-limit (single worker): the rate dense models reach
#: here (0.034-0.105 measured on the tsnkit high-load instances), so the deterministic budget, not
#: the wall clock, ends the search and a seed gives the same schedule on every run
DET_PER_SECOND = 0.04


def available() -> bool:
    """OR-Tools is an optional dependency (extra ``cpsat``); ``auto`` skips CP-SAT without it, and
    with a release older than 9.9, which lacks the snake_case model API used here."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return False
    return hasattr(cp_model.CpModel, "new_bool_var")


@dataclass
class CpSolution:
    hf_start: np.ndarray       # first-period start of every slot (placed streams only)
    placed: np.ndarray         # bool[S]
    proven: bool               # the solver proved its answer optimal
    upper_bound: int           # at most this many of the ``free`` streams can be placed with the fixed ones
    exact: bool                # the model is no restriction (bounds prove something)
    seconds: float
    work: float = 0.0          # CP-SAT deterministic time spent, in seconds of --time-limit
    route: np.ndarray | None = None        # int64[S]: the view each stream is on (joint re-routing)
    view_start: list | None = None         # first-period starts per view (``hf_start`` is view 0's)
    conflicts: int = 0


def _stream_items(layout: Layout, rel: np.ndarray, s: int) -> list[tuple]:
    """(resource key, frame, offset from the frame's root, length) of stream ``s``'s windows and residencies."""
    p = layout.problem
    nf = int(layout.n_frames[s])
    out = []
    for f in range(nf):
        for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
            i = layout.slot(s, h, f)
            ln, port = int(layout.hf_len[i]), int(p.hop_port[h])
            out.append((("m", int(p.port_resource[port])), f, int(rel[i]), ln))
            pre = layout.queue_lead_ns(rel, s, h, f)
            out.append((("q", port, int(layout.hop_cls[h])), f, int(rel[i]) - pre, ln + pre))
    return out


def _signature(layout: Layout, rel: np.ndarray, s: int) -> tuple:
    """Streams with equal signatures are interchangeable in every schedule (symmetry)."""
    p = layout.problem
    lo, hi = int(layout.hf_ptr[s]), int(layout.hf_ptr[s + 1])
    hops = slice(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1]))
    return (int(p.stream_period_ns[s]), int(p.stream_deadline_ns[s]), int(p.arrival_limit_ns()[s]),
            tuple(layout.hop_cls[hops].tolist()), tuple(p.hop_port[hops].tolist()),
            tuple(layout.hf_len[lo:hi].tolist()), tuple(rel[lo:hi].tolist()))


def _route_terms(layout: Layout, rel: np.ndarray, s: int, items: list[tuple]) -> list[tuple[int, list[int], int]]:
    """Per frame of stream ``s`` on this layout: latest window end and listener deliveries (offsets
    from the frame's root), and the root window's length."""
    p = layout.problem
    out = []
    for f in range(int(layout.n_frames[s])):
        end = max(off + ln for key, ff, off, ln in items if ff == f and key[0] == "m")
        deliver = [int(rel[layout.slot(s, h, f)] + layout.hf_len[layout.slot(s, h, f)] + p.hop_prop_ns[h])
                   for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])) if layout.hop_listener[h]]
        out.append((end, deliver, int(layout.hf_len[layout.slot(s, int(p.hop_ptr[s]), f)])))
    return out


def solve(layout: Layout, rel: np.ndarray, free: list[int], fixed_start: np.ndarray | None = None,
          fixed: list[int] = (), hint: np.ndarray | None = None, hint_placed: np.ndarray | None = None,
          time_limit_s: float = 10.0, seed: int = 0, workers: int = 1,
          wall_limit_s: float | None = None, items: dict | None = None, views=None,
          route: np.ndarray | None = None, reroutable=None, max_conflicts: int | None = None) -> CpSolution:
    """Place as many of ``free`` as possible around the ``fixed`` streams (starts in ``fixed_start``).

    ``items`` caches ``_stream_items`` per (view, stream) across calls (neighbourhood repair).
    Joint re-routing: ``views`` (``alternatives.RouteViews``) offers each free stream other routes;
    one boolean per (stream, route) chooses the route, whose windows are present only if it is
    chosen. Only the streams in ``reroutable`` (default: all free ones) choose; the others stay
    on ``route[s]``, the view stream ``s`` is on now (fixed streams stay there too), and
    ``fixed_start`` and ``hint`` are then lists of starts per view. ``max_conflicts`` also ends the
    search (deterministic, like the deterministic time, which undercounts these models' search)."""
    cache = {} if items is None else items
    if views is None:
        lays, rels, starts, hints = [layout], [rel], [fixed_start], [hint]
        choices_of = lambda s: (0,)      # noqa: E731
    else:
        lays, rels, starts, hints = list(views.layouts), list(views.rel), fixed_start, hint
        choices_of = views.choices
    route = np.zeros(layout.problem.n_streams, dtype=np.int64) if route is None else route
    if views is not None and reroutable is not None:
        choices_of = lambda s: views.choices(s) if s in reroutable else (int(route[s]),)   # noqa: E731

    def items_of(j: int, s: int) -> list[tuple]:
        if (j, s) not in cache:
            cache[j, s] = _stream_items(lays[j], rels[j], s)
        return cache[j, s]
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    p, q, H = layout.problem, layout.quantum, layout.hyper
    model = cp_model.CpModel()
    z, t, lit = {}, {}, {}
    by_key: dict = {}
    exact = True
    for s in free:
        T, nf = int(p.stream_period_ns[s]), int(layout.n_frames[s])
        deadline = int(p.stream_deadline_ns[s]) - layout.sync      # talker and listener clocks differ by it
        arrival = int(p.arrival_limit_ns()[s])
        z[s] = model.new_bool_var(f"z{s}")
        choices = choices_of(s)
        if len(choices) == 1:
            lit[s] = {choices[0]: z[s]}
        else:
            lit[s] = {j: model.new_bool_var(f"r{s}_{j}") for j in choices}
            model.add(sum(lit[s].values()) == z[s])
        for j in choices:            # each route its own offsets: its windows prune them alone
            on = lit[s][j]
            terms = _route_terms(lays[j], rels[j], s, items_of(j, s))
            for f in range(nf):
                t[s, j, f] = model.new_int_var(0, max(0, (T - terms[f][0]) // q), f"t{s}_{f}")
            for f in range(nf):
                _, deliver, root_len = terms[f]
                if deliver:
                    model.add(q * t[s, j, f] + max(deliver) <= q * t[s, j, 0] + deadline).only_enforce_if(on)
                    model.add(q * t[s, j, f] + max(deliver) <= min(T, arrival)).only_enforce_if(on)
                if f + 1 < nf:
                    model.add(q * t[s, j, f + 1] >= q * t[s, j, f] + root_len)
            queue_items: dict = {}
            for key, f, off, ln in items_of(j, s):
                if key[0] == "q":
                    queue_items.setdefault(key, []).append((f, off, ln))
                    continue
                for k in range(H // T):
                    by_key.setdefault(key, []).append(
                        model.new_optional_fixed_size_interval_var(q * t[s, j, f] + off + k * T, ln, on, f"m{s}"))
            for key, group in queue_items.items():
                if len(group) == 1:
                    f, off, ln = group[0]
                    for k in range(H // T):
                        by_key.setdefault(key, []).append(
                            model.new_optional_fixed_size_interval_var(q * t[s, j, f] + off + k * T, ln, on, f"q{s}"))
                    continue
                exact = False        # own frames share the queue: one residency spans them all
                fa, oa, _ = min(group, key=lambda g: (g[0], g[1]))
                fb, ob, lb = max(group, key=lambda g: (g[0], g[1] + g[2]))
                for k in range(H // T):
                    size = model.new_int_var(0, T, f"w{s}")
                    by_key.setdefault(key, []).append(model.new_optional_interval_var(
                        q * t[s, j, fa] + oa + k * T, size, q * t[s, j, fb] + ob + lb + k * T, on, f"q{s}"))
    touched = set(by_key)
    for s in fixed:
        T, j = int(p.stream_period_ns[s]), int(route[s])
        lay = lays[j]
        spans: dict = {}     # a fixed stream's own residencies in one queue may overlap: one span
        for key, f, off, ln in items_of(j, s):
            if key in touched:
                a = int(starts[j][lay.slot(s, int(lay.problem.hop_ptr[s]), f)]) + off
                spans.setdefault(key, []).append((a, a + ln))
        for key, group in spans.items():
            if key[0] == "q":
                group = [(min(a for a, _ in group), max(b for _, b in group))]
            for a, b in group:
                for k in range(H // T):
                    by_key[key].append(model.new_fixed_size_interval_var(a + k * T, b - a, f"x{s}"))
    for key in sorted(by_key, key=str):
        if len(by_key[key]) > 1:
            model.add_no_overlap(by_key[key])
    groups: dict = {}
    for s in free:
        sig = tuple(_signature(lays[j], rels[j], s) for j in choices_of(s))
        groups.setdefault(sig, []).append(s)
    for members in groups.values():          # interchangeable streams: placed first, earlier first
        for a, b in zip(members, members[1:]):
            model.add_implication(z[b], z[a])
            if len(lit[a]) == 1:
                (j,) = lit[a]
                model.add(t[a, j, 0] <= t[b, j, 0]).only_enforce_if(z[b])
    if hints[0] is not None and hint_placed is not None:
        for s in free:
            model.add_hint(z[s], int(bool(hint_placed[s])))   # OR-Tools 9.9 takes 0/1, not a bool
            j0 = int(route[s])
            if hint_placed[s] and j0 in lit[s]:
                if len(lit[s]) > 1:
                    for j, var in lit[s].items():
                        model.add_hint(var, int(j == j0))
                lay = lays[j0]
                for f in range(int(layout.n_frames[s])):
                    model.add_hint(t[s, j0, f], int(hints[j0][lay.slot(s, int(lay.problem.hop_ptr[s]), f)]) // q)
    model.maximize(sum(z.values()))
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.random_seed = int(seed)
    prm.num_workers = max(1, min(MAX_WORKERS, int(workers)))
    if prm.num_workers == 1:             # deterministic: the budget is CP-SAT's deterministic time
        prm.max_deterministic_time = max(0.05, float(time_limit_s) * DET_PER_SECOND)
        prm.max_time_in_seconds = max(0.1, float(time_limit_s if wall_limit_s is None else wall_limit_s))
    else:
        prm.max_time_in_seconds = max(0.1, float(time_limit_s))
    if max_conflicts is not None:
        prm.max_number_of_conflicts = max(1, int(max_conflicts))
    code = solver.solve(model)
    out = [np.zeros(int(lay.hf_ptr[-1]), dtype=np.int64) for lay in lays]
    placed = np.zeros(p.n_streams, dtype=bool)
    chosen = route.copy()
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for s in free:
            if solver.boolean_value(z[s]):
                placed[s] = True
                j = next(j for j, var in lit[s].items() if solver.boolean_value(var))
                chosen[s] = j
                lay, rj = lays[j], rels[j]
                for f in range(int(layout.n_frames[s])):
                    root = q * solver.value(t[s, j, f])
                    for h in range(int(lay.problem.hop_ptr[s]), int(lay.problem.hop_ptr[s + 1])):
                        i = lay.slot(s, h, f)
                        out[j][i] = root + rj[i]
        bound = int(solver.best_objective_bound + 1e-6)
    elif code == cp_model.INFEASIBLE:
        bound = -1                           # only with contradictory fixed streams: never expected
    else:
        bound = len(free)
    return CpSolution(out[0], placed, code == cp_model.OPTIMAL, min(bound, len(free)), exact,
                      time.perf_counter() - t0, solver.response_proto.deterministic_time / DET_PER_SECOND,
                      chosen, out, int(solver.num_conflicts))
