"""Exact no-wait scheduling as a MILP (HiGHS through pulp; CBC when HiGHS is missing).

Variables: the root offset ``t`` of every (stream, frame), a multiple of the quantum, and a binary
``z`` per stream (placed or not); the objective maximises the streams placed. A frame's hops keep
the offsets relative to its root that the list scheduler gives it on an empty network (no-wait,
its own FRER copies queued behind each other), so the model and the heuristic share one
feasibility notion: the ILP can only place more. Two items with periods Ti, Tj on one medium
(or residencies in one queue) never meet over the hyperperiod iff their distance modulo
``g = gcd(Ti, Tj)`` lies in ``[Lj, g - Li]``: one integer ``m`` per pair, no big-M over instances.

The solver's answer holds only to its tolerances: an integer ``m`` off by 1e-6 moves a window by
``1e-6 * g`` (tens of ns at a 50 ms period), enough for two frames to share a queue. Every
constraint is a difference of two offsets once ``z`` and ``m`` are fixed, so ``_exact`` checks the
rounded answer in integers and, where it fails, moves the offsets to the nearest exact solution
(Bellman-Ford); a stream that cannot keep its place that way is left out with that reason.
Then every offset slides to the least the fixed ``m`` allow (``_earliest``): windows close ranks,
which merges gate-list entries, and where the solver left slack no longer shows.
Gate-list lengths are not modelled: ``gatelimit.fit_gate_lists`` takes out what overflows a list
and lets the list scheduler put back what it can (also the streams the integer check left out).
"""
from __future__ import annotations

import math
import time

import numpy as np

from tsnplan._ext.listsched import ST_NO_SLOT
from tsnplan.model.compile import CompiledProblem
from tsnplan.schedule.layout import Layout, ScheduleOptions, build_layout
from tsnplan.schedule.bounds import drop_ungated
from tsnplan.schedule.gatelimit import fit_gate_lists
from tsnplan.schedule.heuristic import no_wait_offsets
from tsnplan.schedule.milp import quiet_stdout, solver, variable
from tsnplan.schedule.result import Explanation, ScheduleResult, ScheduleStatus

__all__ = ["ilp_schedule"]


class _Model:
    """The constraints as data, so the MILP and the exact check are built from the same lists.

    Offsets ``t[k]`` of the (stream, frame) ``keys[k]``, in quanta within ``[0, upper[k]]``; ``-1``
    stands for the constant 0.
    ``own``: ``q * t[a] - q * t[b] <= c`` within one stream. ``pairs``: ``(a, b, oa, ob, la, lb, g)``
    asks ``q*t[a] + oa - q*t[b] - ob - g*m`` to lie in ``[lb, g - la]`` for some integer ``m``
    when both streams are placed. ``apart``: two streams that can never be placed together.
    """

    def __init__(self, layout: Layout, rel: np.ndarray, alone: np.ndarray):
        p, q = layout.problem, layout.quantum
        self.rel = rel
        self.keys: list[tuple[int, int]] = []
        self.upper: list[int] = []
        self.index: dict[tuple[int, int], int] = {}
        self.own: list[tuple[int, int, int]] = []
        self.pairs: list[tuple[int, int, int, int, int, int, int]] = []
        self.apart: list[tuple[int, int]] = []
        self.never: set[int] = {int(s) for s in layout.scheduled if not alone[s]}
        items = []   # (resource key, stream, frame, offset from root, length)
        arrival = p.arrival_limit_ns()
        for s in layout.scheduled:
            s = int(s)
            if s in self.never:
                continue
            T, nf = int(p.stream_period_ns[s]), int(layout.n_frames[s])
            deadline = int(p.stream_deadline_ns[s]) - layout.sync
            for f in range(nf):
                self.index[s, f] = k = len(self.keys)
                self.keys.append((s, f))
                self.upper.append(T // q)
            for f in range(nf):
                k = self.index[s, f]
                root = layout.slot(s, int(p.hop_ptr[s]), f)
                ends, deliver = [], []
                for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
                    i = layout.slot(s, h, f)
                    ln, port = int(layout.hf_len[i]), int(p.hop_port[h])
                    ends.append(int(rel[i]) + ln)
                    if layout.hop_listener[h]:
                        deliver.append(ends[-1] + int(p.hop_prop_ns[h]))
                    items.append((("m", int(p.port_resource[port])), s, f, int(rel[i]), ln))
                    pre = layout.queue_lead_ns(rel, s, h, f)
                    items.append((("q", port, int(layout.hop_cls[h])), s, f, int(rel[i]) - pre, ln + pre))
                self.own.append((k, -1, T - max(ends)))
                if deliver:
                    self.own.append((k, self.index[s, 0], deadline - max(deliver)))
                    self.own.append((k, -1, min(T, int(arrival[s])) - max(deliver)))
                if f + 1 < nf:
                    self.own.append((k, self.index[s, f + 1], -int(layout.hf_len[root])))
        by_key: dict = {}
        for item in items:
            by_key.setdefault(item[0], []).append(item)
        for key, group in sorted(by_key.items(), key=lambda kv: str(kv[0])):
            for a in range(len(group)):
                _, si, fi, oi, li = group[a]
                for b in range(a + 1, len(group)):
                    _, sj, fj, oj, lj = group[b]
                    if si == sj and (fi == fj or key[0] == "q"):
                        continue     # one frame's own hops are consistent; own copies share a queue
                    g = math.gcd(int(p.stream_period_ns[si]), int(p.stream_period_ns[sj]))
                    if li + lj > g:
                        if si == sj:
                            self.never.add(si)
                        else:
                            self.apart.append((si, sj))
                        continue
                    self.pairs.append((self.index[si, fi], self.index[sj, fj], oi, oj, li, lj, g))
        self.stream = np.array([s for s, _ in self.keys], dtype=np.int64)


def _milp(model: _Model, scheduled, q: int, limit: float | None):
    """Solve the MILP: (solver state, streams placed, t, m rounded), the last three None without an answer."""
    import pulp

    lp = pulp.LpProblem("tsnplan", pulp.LpMaximize)
    z = {int(s): variable(lp, f"z{s}", cat="Binary") for s in scheduled}
    t = [variable(lp, f"u{s}_{f}", lowBound=0, upBound=up, cat="Integer") for (s, f), up in zip(model.keys, model.upper)]

    def at(k):
        return q * t[k] if k >= 0 else 0

    for s in model.never:
        lp += z[s] == 0
    for a, b, c in model.own:
        lp += at(a) - at(b) <= c
    for si, sj in model.apart:
        lp += z[si] + z[sj] <= 1
    m = []
    for n, (a, b, oa, ob, la, lb, g) in enumerate(model.pairs):
        si, sj = int(model.stream[a]), int(model.stream[b])
        m.append(variable(lp, f"m{n}", cat="Integer"))
        x = at(a) + oa - at(b) - ob - g * m[-1]
        relax = g * (2 - z[si] - z[sj]) if si != sj else 0
        lp += x >= lb - relax
        lp += x <= g - la + relax
    lp += pulp.lpSum(z.values())
    with quiet_stdout():
        code = lp.solve(solver(limit))
    state = pulp.LpStatus[code]
    if any(v.varValue is None for v in z.values()) or any(v.varValue is None for v in t + m):
        return state, None, None, None
    placed = {s for s, v in z.items() if round(v.varValue) == 1}
    return (state, placed, np.array([round(v.varValue) for v in t], dtype=np.int64),
            np.array([round(v.varValue) for v in m], dtype=np.int64))


def _edges(model: _Model, placed: np.ndarray, m: np.ndarray, q: int):
    """Difference constraints ``t[a] - t[b] <= c`` (quanta) of the placed streams, ``m`` fixed:
    arrays (a, b, c, stream of a, stream of b) with the constant 0 at index ``len(keys)``."""
    zero = len(model.keys)
    rows = []
    for k, up in enumerate(model.upper):
        s = int(model.stream[k])
        if placed[s]:
            rows += [(k, zero, up, s, s), (zero, k, 0, s, s)]
    for a, b, c in model.own:
        s = int(model.stream[a if a >= 0 else b])
        if placed[s]:
            rows.append((a if a >= 0 else zero, b if b >= 0 else zero, c // q, s, s))
    for n, (a, b, oa, ob, la, lb, g) in enumerate(model.pairs):
        si, sj = int(model.stream[a]), int(model.stream[b])
        if placed[si] and placed[sj]:
            shift = ob - oa + g * int(m[n])
            rows.append((a, b, (g - la + shift) // q, si, sj))
            rows.append((b, a, (-lb - shift) // q, sj, si))
    if not rows:
        return (np.zeros(0, np.int64),) * 5
    return tuple(np.array(col, dtype=np.int64) for col in zip(*rows))


def _exact(model: _Model, t: np.ndarray, m: np.ndarray, placed: np.ndarray, q: int) -> tuple[np.ndarray, dict[int, int]]:
    """Offsets that meet every constraint exactly for the solver's ``z`` and ``m``; the streams left
    out (highest index of a violated constraint first) with the ns the solver's answer was off by.

    Starting from the rounded answer, Bellman-Ford only moves offsets a violated constraint
    forces; a negative cycle means these ``m`` admit no exact solution with every stream kept.
    """
    dropped: dict[int, int] = {}
    for s in placed.nonzero()[0]:
        if s in model.never:
            placed[s] = False
    for si, sj in model.apart:
        if placed[si] and placed[sj]:
            placed[max(si, sj)] = False
            dropped[max(si, sj)] = 0
    base = np.append(t, 0)
    while True:
        a, b, c, sa, sb = _edges(model, placed, m, q)
        d = base.copy()
        for _ in range(len(d) + 1):
            cand = d[b] + c
            if not (cand < d[a]).any():
                return (d[:-1] - d[-1]), dropped
            np.minimum.at(d, a, cand)
        off = base[b] + c - base[a]
        worst = np.flatnonzero(off < 0)
        victim = int(max(sa[worst].max(), sb[worst].max()))
        placed[victim] = False
        dropped[victim] = int(-off[worst][(sa[worst] == victim) | (sb[worst] == victim)].min()) * q


def _earliest(model: _Model, t: np.ndarray, m: np.ndarray, placed: np.ndarray, q: int) -> np.ndarray:
    """The least offsets that keep the order ``m`` fixes (``t`` meets every constraint): each window
    slides back until it meets another or its period's start, so a port's windows close ranks."""
    a, b, c, _, _ = _edges(model, placed, m, q)
    lo = np.zeros(len(t) + 1, dtype=np.int64)
    for _ in range(len(lo) + 1):
        cand = lo[a] - c                              # t[a] - t[b] <= c  =>  t[b] >= t[a] - c
        if not (cand > lo[b]).any():
            return lo[:-1]
        np.maximum.at(lo, b, cand)
    return t


def ilp_schedule(problem: CompiledProblem, options: ScheduleOptions, time_limit_s: float | None) -> ScheduleResult:
    """Maximise the placed streams; ``unknown`` when the time limit stops the solver short."""
    from tsnplan.schedule.assemble import assemble
    from tsnplan.schedule.explain import explain

    t_start = time.perf_counter()
    layout = build_layout(problem, ScheduleOptions(sync_error_ns=options.sync(problem), max_wait_ns=0,
                                                   guard_band=options.guard_band, reroute=False))
    p, q = problem, layout.quantum
    model = _Model(layout, *no_wait_offsets(layout))
    limit = None if time_limit_s is None else max(1.0, float(time_limit_s))
    state, chosen, t, m = _milp(model, layout.scheduled, q, limit)
    hf = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64)
    placed = np.zeros(p.n_streams, dtype=bool)
    inexact: dict[int, int] = {}
    if chosen is not None:
        placed[sorted(chosen)] = True
        t, inexact = _exact(model, t, m, placed, q)
        t = _earliest(model, t, m, placed, q)
        for k, (s, f) in enumerate(model.keys):
            if placed[s]:
                for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
                    i = layout.slot(s, h, f)
                    hf[i] = q * int(t[k]) + int(model.rel[i])
    over_gcl = fit_gate_lists(layout, hf, placed, retry=list(inexact))
    inexact = {s: ns for s, ns in inexact.items() if not placed[s] and s not in over_gcl}
    proven = state == "Optimal" and not _hit_limit(t_start, limit) and not inexact
    ungated = drop_ungated(p, placed, [])
    failed = [int(s) for s in layout.scheduled if not placed[s] and s not in over_gcl and s not in inexact]
    if not failed and not over_gcl and not inexact:
        status = ScheduleStatus.FEASIBLE
    elif over_gcl or inexact:
        status = ScheduleStatus.PARTIAL
    elif proven:
        status = ScheduleStatus.INFEASIBLE
    else:
        status = ScheduleStatus.UNKNOWN
    reasons = explain(layout, [(s, ST_NO_SLOT, -1, -1) for s in failed])
    reasons += [Explanation(p.stream_ids[s], f"the exact model does not bound gate-list length; with this stream "
                            f"the GCL of {port} exceeds the bridge's {int(p.port_gcl_max[p.port_index[port]])} entries",
                            (port,), "use --method heuristic, or a bridge with a longer gate control list")
                for s, port in sorted(over_gcl.items())]
    reasons += [Explanation(p.stream_ids[s], "the MILP solver placed it only within its numerical tolerance"
                            + (f" (off by {ns} ns)" if ns else "") + "; no exact schedule keeps its place", (),
                            "use --method cpsat (exact integer arithmetic)") for s, ns in sorted(inexact.items())]
    if proven and not over_gcl:
        reasons = [Explanation(e.stream, e.reason if "needs at least" in e.reason else
                               "no schedule carries every stream together (exact no-wait model)",
                               e.conflicts, e.suggestion) for e in reasons]
    reasons = [e for e in reasons if e.stream not in {u.stream for u in ungated}] + ungated
    return assemble(layout, hf, placed, reasons, "ilp", time.perf_counter() - t_start, status=status,
                    objective=float(len(chosen or ())))


def _hit_limit(t_start: float, limit: float | None) -> bool:
    """pulp reports an incumbent stopped by the time limit as optimal for some back ends."""
    return limit is not None and time.perf_counter() - t_start >= limit * 0.98
