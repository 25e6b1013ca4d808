"""Exact no-wait scheduling as a MILP (HiGHS through pulp; CBC when HiGHS is missing).

Variables: the root offset ``t`` of every (stream, frame), a multiple of the quantum, and a binary
``z`` per stream (placed or not); the objective maximises the streams placed. A frame's hops keep
the offsets relative to its root that the list scheduler gives it on an empty network (no-wait,
its own FRER copies queued behind each other), so the model and the heuristic share one
feasibility notion: the ILP can only place more. Two items with periods Ti, Tj on one medium
(or residencies in one queue) never meet over the hyperperiod iff their distance modulo
``g = gcd(Ti, Tj)`` lies in ``[Lj, g - Li]``: one integer ``m`` per pair, no big-M over instances.
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
import time

import numpy as np

from tsnplan._ext.listsched import ST_NO_SLOT
from tsnplan.model.compile import CompiledProblem
from tsnplan.schedule.layout import Layout, ScheduleOptions, build_layout
from tsnplan.schedule.bounds import drop_ungated
from tsnplan.schedule.result import Explanation, ScheduleResult, ScheduleStatus

__all__ = ["ilp_schedule"]


def _relative(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Per slot: start relative to its frame's root on an empty network; streams that fit alone."""
    from tsnplan.schedule.heuristic import place

    rel = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64)
    alone = np.zeros(layout.problem.n_streams, dtype=bool)
    for s in layout.scheduled:
        one = place(layout, np.array([s], dtype=np.int32))
        if not one.placed[s]:
            continue
        alone[s] = True
        lo, hi, nf = int(layout.hf_ptr[s]), int(layout.hf_ptr[s + 1]), int(layout.n_frames[s])
        starts = one.hf_start[lo:hi].reshape(-1, nf)
        rel[lo:hi] = (starts - starts[0]).reshape(-1)
    return rel, alone


@contextlib.contextmanager
def _quiet_stdout():
    """HiGHS prints a banner on the C level even with ``msg=False``; analyses never print."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _var(model, name: str, **kw):
    """A model variable (pulp >= 3.3 attaches it to the model; older pulp builds it free)."""
    import pulp

    if hasattr(model, "add_variable"):
        return model.add_variable(name, **kw)
    return pulp.LpVariable(name, **kw)


def _solver(time_limit_s: float | None):
    import pulp

    if "HiGHS" in pulp.listSolvers(onlyAvailable=True):
        return pulp.HiGHS(msg=False, timeLimit=time_limit_s, threads=1)
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, threads=1)


def ilp_schedule(problem: CompiledProblem, options: ScheduleOptions, time_limit_s: float | None) -> ScheduleResult:
    """Maximise the placed streams; ``unknown`` when the time limit stops the solver short."""
    import pulp

    from tsnplan.schedule.assemble import assemble
    from tsnplan.schedule.explain import explain

    t_start = time.perf_counter()
    layout = build_layout(problem, ScheduleOptions(sync_error_ns=options.sync(problem), max_wait_ns=0,
                                                   guard_band=options.guard_band, reroute=False))
    p, q = problem, layout.quantum
    rel, alone = _relative(layout)
    model = pulp.LpProblem("tsnplan", pulp.LpMaximize)
    z = {int(s): _var(model, f"z{s}", cat="Binary") for s in layout.scheduled}
    t: dict[tuple[int, int], pulp.LpVariable] = {}
    items = []   # (resource key, stream, frame, offset from root, length, is residency)
    for s in layout.scheduled:
        s = int(s)
        if not alone[s]:
            model += z[s] == 0
            continue
        T, nf, deadline = int(p.stream_period_ns[s]), int(layout.n_frames[s]), int(p.stream_deadline_ns[s]) - layout.sync
        for f in range(nf):
            t[s, f] = _var(model, f"u{s}_{f}", lowBound=0, upBound=T // q, cat="Integer")
        for f in range(nf):
            root = layout.slot(s, int(p.hop_ptr[s]), f)
            ends, deliver = [], []
            for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
                i = layout.slot(s, h, f)
                ln, port = int(layout.hf_len[i]), int(p.hop_port[h])
                end = int(rel[i]) + ln
                ends.append(end)
                if layout.hop_listener[h]:
                    deliver.append(end + int(p.hop_prop_ns[h]))
                items.append((("m", int(p.port_resource[port])), s, f, int(rel[i]), ln))
                pre = layout.queue_lead_ns(rel, s, h, f)
                items.append((("q", port, int(layout.hop_cls[h])), s, f, int(rel[i]) - pre, ln + pre))
            model += q * t[s, f] + max(ends) <= T
            if deliver:
                model += q * t[s, f] + max(deliver) <= q * t[s, 0] + deadline
                model += q * t[s, f] + max(deliver) <= min(T, int(p.arrival_limit_ns()[s]))
            if f + 1 < nf:
                model += q * t[s, f + 1] >= q * t[s, f] + int(layout.hf_len[root])
    by_key: dict = {}
    for item in items:
        by_key.setdefault(item[0], []).append(item)
    n_pairs = 0
    for key, group in sorted(by_key.items(), key=lambda kv: str(kv[0])):
        for a in range(len(group)):
            _, si, fi, oi, li = group[a]
            for b in range(a + 1, len(group)):
                _, sj, fj, oj, lj = group[b]
                if si == sj and (fi == fj or key[0] == "q"):
                    continue     # one frame's own hops are consistent; own copies share a queue
                g = math.gcd(int(p.stream_period_ns[si]), int(p.stream_period_ns[sj]))
                if li + lj > g:
                    model += z[si] + z[sj] <= 1 if si != sj else z[si] == 0
                    continue
                m = _var(model, f"m{n_pairs}", cat="Integer")
                n_pairs += 1
                x = q * t[si, fi] + oi - q * t[sj, fj] - oj - g * m
                relax = g * (2 - z[si] - z[sj]) if si != sj else 0
                model += x >= lj - relax
                model += x <= g - li + relax
    model += pulp.lpSum(z.values())
    limit = None if time_limit_s is None else max(1.0, float(time_limit_s))
    with _quiet_stdout():
        code = model.solve(_solver(limit))
    state = pulp.LpStatus[code]
    has_solution = all(v.varValue is not None for v in z.values())
    hf = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64)
    placed = np.zeros(p.n_streams, dtype=bool)
    if has_solution:
        for (s, f), var in t.items():
            if round(z[s].varValue) == 1:
                placed[s] = True
                for h in range(int(p.hop_ptr[s]), int(p.hop_ptr[s + 1])):
                    i = layout.slot(s, h, f)
                    hf[i] = q * int(round(var.varValue)) + rel[i]
    proven = state == "Optimal" and not _hit_limit(model, t_start, limit)
    over_gcl = _drop_beyond_gcl_limits(layout, hf, placed)
    ungated = drop_ungated(p, placed, [])
    failed = [int(s) for s in layout.scheduled if not placed[s] and s not in over_gcl]
    if not failed and not over_gcl:
        status = ScheduleStatus.FEASIBLE
    elif over_gcl:
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
    if proven and not over_gcl:
        reasons = [Explanation(e.stream, e.reason if "needs at least" in e.reason else
                               "no schedule carries every stream together (exact no-wait model)",
                               e.conflicts, e.suggestion) for e in reasons]
    reasons = [e for e in reasons if e.stream not in {u.stream for u in ungated}] + ungated
    return assemble(layout, hf, placed, reasons, "ilp", time.perf_counter() - t_start, status=status,
                    objective=float(len(layout.scheduled) - len(failed)))


def _drop_beyond_gcl_limits(layout, hf: np.ndarray, placed: np.ndarray) -> dict[int, str]:
    """Leave out streams (highest index first) on ports whose gate list would exceed the bridge's
    entry limit, until every list fits; returns the streams left out and their port."""
    from tsnplan.schedule.assemble import expand_windows
    from tsnplan.schedule.gcl import build_gcl

    p = layout.problem
    dropped: dict[int, str] = {}
    while True:
        hop, _, _, start, end, _ = expand_windows(layout, hf, placed)
        over = np.flatnonzero(np.diff(build_gcl(layout, hop, start, end).ptr) > p.port_gcl_max)
        if not len(over):
            return dropped
        port = int(over[0])
        on_port = np.searchsorted(p.hop_ptr, hop[p.hop_port[hop] == port], side="right") - 1
        victim = int(on_port.max())
        placed[victim] = False
        dropped[victim] = p.port_names[port]


def _hit_limit(model, t_start: float, limit: float | None) -> bool:
    """pulp reports an incumbent stopped by the time limit as optimal for some back ends."""
    return limit is not None and time.perf_counter() - t_start >= limit * 0.98
