"""End-to-end budgets: per-hop terms composed along every listener's route(s).

Scheduled streams placed by a schedule take their latency from its windows (deterministic; jitter
from the windows' spread over instances and the clock synchronisation error). Their end-to-end
bound adds the sync error (domain.md §8: the talker's and the last bridge's clocks differ by up to
it), here and nowhere else. Without a schedule
they are bounded by their no-wait path: what a schedule without waiting would give, said so in the
result; a scheduled stream crossing a bridge without 802.1Qbv gets no window there, so no bound. Unscheduled classes are bounded by network calculus (``calculus``). Stochastic 5G hops are
composed both by the union bound and, assuming independence, by convolution (``fiveg``).
"""
from __future__ import annotations

import numpy as np

from tsnplan._ext import budget as _kernel
from tsnplan.budget.calculus import calculus_bounds
from tsnplan.budget.fiveg import convolve_combinations
from tsnplan.budget.miss import miss_probabilities, profile_support
from tsnplan.budget.hops import CUT_THROUGH_BYTES, HopTerms, hop_terms, listener_paths
from tsnplan.budget.result import UNBOUNDED, Basis, BudgetResult, Composition
from tsnplan.errors import InternalError, UsageError
from tsnplan.model.compile import NO_HOP, NO_PROFILE, REDUNDANCY_FRER, TIME, CompiledProblem
from tsnplan.model.network import DEFAULT_SYNC_ERROR_NS
from tsnplan.model.tolerance import plant_sync_error_ns
from tsnplan.model.features import qbv_gaps
from tsnplan.schedule.result import ScheduleResult

__all__ = ["compute_budget", "path_budget", "DEFAULT_SYNC_ERROR_NS"]

NS = 1_000_000_000


def _check_tree(problem: CompiledProblem) -> None:
    """The kernel trusts parents to precede children inside their stream's hop range."""
    if problem.n_hops == 0:
        return
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    parent = problem.hop_parent
    lo = problem.hop_ptr[stream_of_hop]
    ok = (parent == NO_HOP) | ((parent >= lo) & (parent < np.arange(problem.n_hops)))
    if not ok.all() or (problem.hop_port < 0).any() or (problem.hop_port >= problem.n_ports).any():
        raise InternalError("budget: hop_parent/hop_port do not form per-stream hop trees")


def path_budget(problem: CompiledProblem, hop_wait_ns: np.ndarray, cut_through: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(end of the last frame on each hop, when the first frame may start) for a release at 0."""
    n_frames = np.diff(problem.frame_ptr)
    hops = np.diff(problem.hop_ptr)
    scratch = int((n_frames * hops).max()) if problem.n_streams else 0
    start, end = np.zeros(scratch, dtype=TIME), np.zeros(scratch, dtype=TIME)
    hop_end = np.zeros(problem.n_hops, dtype=TIME)
    first_ready = np.zeros(problem.n_hops, dtype=TIME)
    _kernel.path_budget(problem.hop_ptr, problem.hop_port, problem.hop_parent, problem.frame_ptr,
                        problem.frame_wire_bytes, problem.port_rate_bps, problem.hop_prop_ns,
                        np.ascontiguousarray(hop_wait_ns, dtype=TIME), np.ascontiguousarray(cut_through, dtype=np.int8),
                        CUT_THROUGH_BYTES, start, end, hop_end, first_ready)
    return hop_end, first_ready


def _own_transmission_ns(problem: CompiledProblem) -> np.ndarray:
    """Serialisation of all of a stream's frames of one period on each hop."""
    stream_of_hop = np.repeat(np.arange(problem.n_streams), np.diff(problem.hop_ptr))
    n_frames = np.diff(problem.frame_ptr)[stream_of_hop]
    hop_rep = np.repeat(np.arange(problem.n_hops), n_frames)
    offsets = np.arange(len(hop_rep)) - np.repeat(np.cumsum(n_frames) - n_frames, n_frames)
    frames = problem.frame_ptr[stream_of_hop][hop_rep] + offsets
    tx = -(-(problem.frame_wire_bytes[frames] * 8 * NS) // problem.port_rate_bps[problem.hop_port[hop_rep]])
    out = np.zeros(problem.n_hops, dtype=TIME)
    np.add.at(out, hop_rep, tx)
    return out


def _route_values(problem: CompiledProblem, hop_value: np.ndarray) -> np.ndarray:
    """int64[L, 2]: ``hop_value`` plus propagation at each listener's last hop, per route (-1: none)."""
    out = np.full((len(problem.listener_hop), 2), UNBOUNDED, dtype=TIME)
    for r, last in enumerate((problem.listener_hop, problem.listener_hop_alt)):
        has = last != NO_HOP
        out[has, r] = hop_value[last[has]] + problem.hop_prop_ns[last[has]]
    return out


def compute_budget(problem: CompiledProblem, schedule: ScheduleResult | None = None,
                   percentile: float | None = None, *, sync_error_ns: int | None = None) -> BudgetResult:
    """Latency and jitter bound of every listener of every stream, with per-hop terms.

    ``percentile`` (default: the problem's) is the end-to-end probability the bound holds with when a
    5G hop is on the path. ``sync_error_ns`` (default: the plant's declared gPTP precision) is
    added to the latency of scheduled streams and is their jitter beyond the windows' spread.
    """
    sync_error_ns = plant_sync_error_ns(problem) if sync_error_ns is None else int(sync_error_ns)
    percentile = problem.percentile if percentile is None else float(percentile)
    if not 0.0 < percentile <= 100.0:
        raise UsageError(f"percentile {percentile} is outside (0, 100]")
    _check_tree(problem)
    n_streams, n_listeners = problem.n_streams, len(problem.listener_node)
    terms = hop_terms(problem, percentile)
    scheduled = problem.stream_scheduled == 1
    placed = np.zeros(n_streams, dtype=bool)
    warnings: list[str] = []
    if schedule is not None:
        unplaced = set(schedule.unscheduled)
        placed = scheduled & (np.diff(schedule.window_ptr) > 0) & \
            np.array([sid not in unplaced for sid in problem.stream_ids], dtype=bool)
        missing = [problem.stream_ids[s] for s in np.flatnonzero(scheduled & ~placed)]
        if missing:
            warnings.append(f"{len(missing)} scheduled streams have no windows in the schedule and are bounded "
                            f"by their no-wait path: {', '.join(missing[:5])}")
    elif scheduled.any():
        warnings.append(f"no schedule given: {int(scheduled.sum())} scheduled streams are bounded by their "
                        "no-wait path latency (what a schedule without waiting achieves); unscheduled "
                        "classes by the worst gate lists a schedule may bring (each scheduled frame alone "
                        "in its window, with a guard band): --schedule gives bounds from the real lists")
    gaps = qbv_gaps(problem)
    if gaps:
        placed[list(gaps)] = False
        warnings.append(f"{len(gaps)} scheduled streams cross bridges without 802.1Qbv and are unbounded: "
                        + ", ".join(f"{problem.stream_ids[s]} ({gaps[s][0]})" for s in sorted(gaps)[:5]))
    basis = np.where(placed, 0, np.where(scheduled, 1, 2))

    active = (~scheduled).astype(np.int8)
    active[list(gaps)] = 1          # not schedulable: their frames take strict priority like any other
    own_tx = _own_transmission_ns(problem)
    calc = calculus_bounds(problem, terms, active, schedule, own_tx)
    if calc.iterations < 0:
        warnings.append("network calculus: the bursts did not settle (a cycle of overloaded ports); "
                        "unscheduled streams are unbounded")
    unbounded_hop = (calc.hop_queue >= 0) & (calc.hop_delay_ns == UNBOUNDED)
    queuing = np.where((calc.hop_queue >= 0) & ~unbounded_hop, np.maximum(0, calc.hop_delay_ns - own_tx), 0).astype(TIME)

    hold = terms.radio_hold == 1
    fixed = terms.processing_ns + terms.access_ns + queuing
    wait_union = fixed + terms.radio_ns
    end_union, first_ready = path_budget(problem, wait_union, terms.cut_through)
    end_base, _ = path_budget(problem, fixed + np.where(hold, terms.radio_ns, 0), terms.cut_through)
    end_min, _ = path_budget(problem, terms.processing_ns + terms.radio_min_ns, terms.cut_through)
    end_typ, _ = path_budget(problem, terms.processing_ns + terms.radio_median_ns + terms.access_typical_ns,
                             terms.cut_through)

    parent = problem.hop_parent
    has_parent = parent != NO_HOP
    arrival = end_union + problem.hop_prop_ns
    arrival_parent = np.where(has_parent, arrival[np.where(has_parent, parent, 0)], 0)
    processing = terms.processing_ns.copy()
    radio = terms.radio_ns.copy()
    access = terms.access_ns.copy()
    transmission = end_union - arrival_parent - wait_union

    route_union = _route_values(problem, end_union)
    route_base = _route_values(problem, end_base)
    route_min = _route_values(problem, end_min)
    route_typ = _route_values(problem, end_typ)
    route_best = route_union.copy()
    composition = [Composition.DETERMINISTIC] * n_listeners
    stochastic = np.zeros(n_listeners, dtype=bool)
    route_unbounded = np.zeros((n_listeners, 2), dtype=bool)
    stream_of_listener = np.repeat(np.arange(n_streams), np.diff(problem.listener_ptr))

    fiveg_streams = set(np.flatnonzero(terms.stream_fiveg_hops > 0).tolist())
    bad_streams = set(np.repeat(np.arange(n_streams), np.diff(problem.hop_ptr))[unbounded_hop].tolist())
    combos: dict[tuple[tuple[int, ...], float], list[tuple[int, int]]] = {}
    for l in np.flatnonzero(np.isin(stream_of_listener, list(fiveg_streams | bad_streams))):
        for r, path in enumerate(listener_paths(problem, int(l))):
            if unbounded_hop[path].any():
                route_unbounded[l, r] = True
            profs = [int(problem.hop_profile[h]) for h in path if problem.hop_profile[h] != NO_PROFILE]
            if not profs:
                continue
            stochastic[l] = True
            sto = tuple(sorted(int(problem.hop_profile[h]) for h in path
                               if problem.hop_profile[h] != NO_PROFILE and not hold[h]))
            if sto:
                level = 1.0 - (100.0 - percentile) / 100.0 * len(sto) / len(profs)
                combos.setdefault((sto, level), []).append((int(l), r))
            elif composition[l] is Composition.DETERMINISTIC:
                composition[l] = Composition.QUANTILE
    _compose_stochastic(problem, combos, route_union, route_base, route_best, composition)

    route_unbounded[np.isin(stream_of_listener, list(gaps))] = True
    route_best[route_unbounded] = UNBOUNDED
    route_union[route_unbounded] = UNBOUNDED
    basis_of = basis[stream_of_listener]
    window_jitter = np.zeros(n_listeners, dtype=TIME)
    if placed.any():
        _apply_windows(problem, schedule, placed, terms, own_tx, route_best, route_union, window_jitter,
                       processing, radio, access, queuing, transmission)
        for l in np.flatnonzero(basis_of == 0):
            composition[l] = Composition.SCHEDULE

    clock = np.where(problem.stream_scheduled[stream_of_listener] == 1, sync_error_ns, 0).astype(TIME)
    for routes in (route_best, route_union):       # two clocks: the talker's and the last bridge's (domain.md §8)
        routes += np.where(routes != UNBOUNDED, clock[:, None], 0).astype(TIME)
    frer = problem.stream_redundancy[stream_of_listener] == REDUNDANCY_FRER
    has_alt = problem.listener_hop_alt != NO_HOP
    latency = _normal(route_best, frer, has_alt)
    union = _normal(route_union, frer, has_alt)
    failure = np.where(has_alt, np.where((route_best == UNBOUNDED).any(axis=1), UNBOUNDED, route_best.max(axis=1)),
                       latency)
    lat_min = _normal(route_min, frer, has_alt)
    typical = np.minimum(_normal(route_typ, frer, has_alt), np.where(latency == UNBOUNDED, 2 ** 62, latency))
    jitter = np.where(basis_of == 2, latency - lat_min, 0)
    jitter = np.where(basis_of == 1, latency - lat_min, jitter)         # latency holds the sync error
    jitter = np.where(basis_of == 0, window_jitter + sync_error_ns, jitter)
    jitter = np.where(latency == UNBOUNDED, UNBOUNDED, jitter).astype(TIME)
    deadline = problem.stream_deadline_ns[stream_of_listener]
    allowed = problem.stream_jitter_ns[stream_of_listener]
    meets = (latency != UNBOUNDED) & (latency <= deadline) & ((allowed < 0) | (jitter <= allowed))
    miss, consequence, miss_warnings = miss_probabilities(problem, schedule, percentile, stochastic)
    warnings += miss_warnings
    support = tuple(profile_support(problem, percentile))
    warnings += [s.warning for s in support if s.warning]

    return BudgetResult(
        problem=problem, percentile=percentile, sync_error_ns=sync_error_ns,
        stream_basis=tuple(Basis(("schedule", "no-wait", "calculus")[b]) for b in basis),
        hop_processing_ns=processing, hop_radio_ns=radio, hop_access_ns=access,
        hop_access_typical_ns=terms.access_typical_ns, hop_queuing_ns=queuing,
        hop_transmission_ns=transmission.astype(TIME), hop_propagation_ns=problem.hop_prop_ns.astype(TIME),
        hop_stochastic=((problem.hop_profile != NO_PROFILE) & ~hold).astype(np.int8),
        hop_unbounded=unbounded_hop.astype(np.int8),
        listener_latency_ns=latency, listener_union_ns=union, listener_route_ns=route_best,
        listener_failure_ns=failure.astype(TIME), listener_typical_ns=typical.astype(TIME),
        listener_min_ns=lat_min, listener_jitter_ns=jitter, listener_stochastic=stochastic,
        listener_composition=tuple(composition), listener_meets=meets,
        calculus_iterations=calc.iterations, gated_by_schedule=calc.gated_by_schedule,
        warnings=tuple(warnings), listener_miss_probability=miss, listener_miss_consequence=consequence,
        fiveg_support=support, listener_sync_ns=clock,
    )


def _normal(routes: np.ndarray, frer: np.ndarray, has_alt: np.ndarray) -> np.ndarray:
    """Normal operation: FRER delivers the first copy (min over routes that have a bound); others
    use the primary route."""
    first = routes[:, 0]
    second = routes[:, 1]
    both = np.where(second == UNBOUNDED, first, np.where(first == UNBOUNDED, second, np.minimum(first, second)))
    return np.where(frer & has_alt, both, first).astype(TIME)


def _compose_stochastic(problem, combos, route_union, route_base, route_best, composition) -> None:
    """Route bound = deterministic part + composed stochastic quantile, if below the union bound."""
    if not combos:
        return
    keys = list(combos)
    single = [k for k in keys if len(k[0]) == 1]
    multi = [k for k in keys if len(k[0]) > 1]
    quantile = {k: problem.profiles[k[0][0]].quantile_ns(100.0 * k[1]) for k in single}
    if multi:
        q, _, _ = convolve_combinations(problem.profiles, [k[0] for k in multi], [k[1] for k in multi])
        quantile.update(zip(multi, q))
    for key in keys:
        for l, r in combos[key]:
            bound = int(route_base[l, r]) + quantile[key]
            if bound <= route_union[l, r]:
                route_best[l, r] = bound
                composition[l] = Composition.QUANTILE if len(key[0]) == 1 else Composition.CONVOLUTION
            elif composition[l] is Composition.DETERMINISTIC:
                composition[l] = Composition.UNION


def _apply_windows(problem, schedule, placed, terms: HopTerms, own_tx, route_best, route_union, window_jitter,
                   processing, radio, access, queuing, transmission) -> None:
    """Latency of placed streams from their windows (worst instance), per-hop terms at that instance.
    On a 10BASE-T1S member the windows leave room for the PLCA wait: that part is ``access``."""
    n_streams = problem.n_streams
    hyper = int(schedule.hyperperiod_ns)
    n_inst = np.where(placed, hyper // problem.stream_period_ns, 0).astype(np.int64)
    hops = np.diff(problem.hop_ptr)
    hk_base = np.concatenate([[0], np.cumsum(hops * n_inst)])
    ik_base = np.concatenate([[0], np.cumsum(n_inst)])
    w_stream = np.repeat(np.arange(n_streams), np.diff(schedule.window_ptr))
    keep = placed[w_stream] & (schedule.window_instance < n_inst[w_stream])
    w_stream = w_stream[keep]
    w_hop = schedule.window_hop[keep].astype(np.int64)
    w_inst = schedule.window_instance[keep].astype(np.int64)
    start, end = schedule.window_start_ns[keep], schedule.window_end_ns[keep]
    big = np.iinfo(TIME).max
    key = hk_base[w_stream] + (w_hop - problem.hop_ptr[w_stream]) * n_inst[w_stream] + w_inst
    first_start = np.full(hk_base[-1], big, dtype=TIME)
    first_end = np.full(hk_base[-1], big, dtype=TIME)
    last_end = np.full(hk_base[-1], -1, dtype=TIME)
    np.minimum.at(first_start, key, start)
    np.minimum.at(first_end, key, end)
    np.maximum.at(last_end, key, end)
    t0 = np.full(ik_base[-1], big, dtype=TIME)
    np.minimum.at(t0, ik_base[w_stream] + w_inst, start)

    stream_of_listener = np.repeat(np.arange(n_streams), np.diff(problem.listener_ptr))
    for l in np.flatnonzero(placed[stream_of_listener]):
        s = int(stream_of_listener[l])
        k = np.arange(n_inst[s])
        spreads = []
        for r, last in enumerate((int(problem.listener_hop[l]), int(problem.listener_hop_alt[l]))):
            if last == NO_HOP:
                continue
            ends = last_end[hk_base[s] + (last - problem.hop_ptr[s]) * n_inst[s] + k]
            starts = t0[ik_base[s] + k]
            if (ends < 0).any() or (starts == big).any():
                raise InternalError(f"budget: stream {problem.stream_ids[s]!r} lacks windows on its route")
            lat = ends + problem.hop_prop_ns[last] - starts
            route_best[l, r] = route_union[l, r] = int(lat.max())
            spread = int(lat.max() - lat.min())
            if problem.hop_profile[last] != NO_PROFILE and not terms.radio_hold[last]:
                spread += int(terms.radio_compiled_ns[last] - terms.radio_min_ns[last])
            spreads.append(spread)
        window_jitter[l] = max(spreads)

    for s in np.flatnonzero(placed):
        l0 = int(problem.listener_ptr[s])
        last = int(problem.listener_hop[l0])
        k = np.arange(n_inst[s])
        lat = last_end[hk_base[s] + (last - problem.hop_ptr[s]) * n_inst[s] + k] - t0[ik_base[s] + k]
        worst = int(np.argmax(lat))
        inst0 = int(t0[ik_base[s] + worst])
        for h in range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])):
            at = hk_base[s] + (h - problem.hop_ptr[s]) * n_inst[s] + worst
            p = int(problem.hop_parent[h])
            proc = int(problem.hop_proc_ns[h])
            if p == NO_HOP:
                arrival_parent = ready = inst0
            else:
                pat = hk_base[s] + (p - problem.hop_ptr[s]) * n_inst[s] + worst
                arrival_parent = int(last_end[pat] + problem.hop_prop_ns[p])
                ready = int(first_end[pat] + problem.hop_prop_ns[p]) + proc
            if last_end[at] < 0:
                continue
            radio[h] = terms.radio_compiled_ns[h]
            processing[h] = proc - radio[h]
            queuing[h] = max(0, int(first_start[at]) - ready)
            span = int(last_end[at]) - arrival_parent - proc - queuing[h]
            access[h] = max(0, span - int(own_tx[h])) if terms.access_ns[h] > 0 else 0
            transmission[h] = span - access[h]

