"""Add, remove or re-route streams against an existing schedule without moving the others.

Self-healing (a failed link re-routes some streams) and admission control (a new stream asks to
join) both need this: the streams that stay keep their windows byte for byte, so their bridges
need no new configuration.

A stream keeps its windows when the new problem gives it the same hops (ports, tree, replicas),
frame lengths, period and traffic class as the previous one; every other scheduled stream of the
new problem is placed around the kept ones, tightest first.

``add_streams`` returns a deployable (verified, with gate lists) schedule. ``place_streams`` only
places, around a ``RunningSchedule`` prepared once: an analysis that asks "where would these
streams land?" many times (every failure of an N-1 sweep) skips building and verifying the gate
lists of the whole plant, most of an ``add_streams`` call.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from tsnplan.model.compile import CompiledProblem, compile_problem
from tsnplan.model.paths import AVOID_COST, k_shortest_paths, port_graph
from tsnplan.model.routing import Routes
from tsnplan.model.streams import Redundancy, StreamSet
from tsnplan.schedule.bounds import drop_ungated
from tsnplan.schedule.layout import Layout, ScheduleOptions, build_layout
from tsnplan.schedule.result import ScheduleResult

__all__ = ["add_streams", "remove_streams", "place_streams", "RunningSchedule", "StreamPlacement",
           "kept_starts", "reroute_failed", "MAX_REROUTED"]

#: streams re-routed per round at most; beyond that the network is saturated, not unlucky.
MAX_REROUTED = 200


def _same_hops(old: Layout, s0: int, new: Layout, s1: int) -> bool:
    a, b = old.problem, new.problem
    lo0, hi0, lo1, hi1 = int(a.hop_ptr[s0]), int(a.hop_ptr[s0 + 1]), int(b.hop_ptr[s1]), int(b.hop_ptr[s1 + 1])
    if hi0 - lo0 != hi1 - lo1 or a.stream_period_ns[s0] != b.stream_period_ns[s1] \
            or not np.array_equal(old.hop_cls[lo0:hi0], new.hop_cls[lo1:hi1]):
        return False
    pa = a.hop_parent[lo0:hi0].astype(np.int64)
    pb = b.hop_parent[lo1:hi1].astype(np.int64)
    return ([a.port_names[i] for i in a.hop_port[lo0:hi0]] == [b.port_names[i] for i in b.hop_port[lo1:hi1]]
            and np.array_equal(a.hop_replica[lo0:hi0], b.hop_replica[lo1:hi1])
            and np.array_equal(np.where(pa >= 0, pa - lo0, -1), np.where(pb >= 0, pb - lo1, -1))
            and np.array_equal(a.hop_prop_ns[lo0:hi0], b.hop_prop_ns[lo1:hi1])
            and np.array_equal(a.hop_proc_ns[lo0:hi0], b.hop_proc_ns[lo1:hi1])
            and np.array_equal(old.hf_len[old.hf_ptr[s0]:old.hf_ptr[s0 + 1]], new.hf_len[new.hf_ptr[s1]:new.hf_ptr[s1 + 1]]))


def kept_starts(old: Layout, old_start: np.ndarray, old_placed: np.ndarray, new: Layout,
                exclude: set[str] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
    """Starts in ``new``'s slots of every placed stream of ``old`` that can keep its windows."""
    hf = np.zeros(int(new.hf_ptr[-1]), dtype=np.int64)
    kept = []
    for s1, sid in enumerate(new.problem.stream_ids):
        s0 = old.problem.stream_index.get(sid)
        if s0 is None or sid in exclude or not old_placed[s0] or not new.problem.stream_scheduled[s1]:
            continue
        if _same_hops(old, s0, new, s1):
            hf[new.hf_ptr[s1]:new.hf_ptr[s1 + 1]] = old_start[old.hf_ptr[s0]:old.hf_ptr[s0 + 1]]
            kept.append(s1)
    return hf, np.array(kept, dtype=np.int32)


def _starts_of(layout: Layout, result: ScheduleResult) -> tuple[np.ndarray, np.ndarray]:
    """First-instance starts per slot and the placed-stream mask of ``result``."""
    p = layout.problem
    hf = np.zeros(int(layout.hf_ptr[-1]), dtype=np.int64)
    placed = np.zeros(p.n_streams, dtype=bool)
    unscheduled = set(result.unscheduled)
    for s in layout.scheduled:
        sl = result.stream_windows(int(s))
        if sl.start == sl.stop or p.stream_ids[s] in unscheduled:
            continue
        first = result.window_instance[sl] == 0
        hops, frames = result.window_hop[sl][first], result.window_frame[sl][first]
        slots = layout.hf_ptr[s] + (hops - p.hop_ptr[s]) * layout.n_frames[s] + frames
        hf[slots] = result.window_start_ns[sl][first]
        placed[s] = True
    return hf, placed


def _options_of(result: ScheduleResult, options: ScheduleOptions | None) -> ScheduleOptions:
    if options is not None:
        return options
    return ScheduleOptions(sync_error_ns=result.extra.get("sync_error_ns"),
                           max_wait_ns=int(result.extra.get("max_wait_ns", 0)))


@dataclass(frozen=True, eq=False)
class RunningSchedule:
    """A schedule in the scheduler's layout: first-instance starts per slot, placed streams, and
    the options new streams are placed with. Prepare once, place around it many times."""

    layout: Layout
    starts: np.ndarray      # int64[HF]
    placed: np.ndarray      # bool[S]
    options: ScheduleOptions

    @classmethod
    def of(cls, problem: CompiledProblem, result: ScheduleResult,
           options: ScheduleOptions | None = None) -> "RunningSchedule":
        """``result`` (a schedule of ``problem``); options default to those it was made with."""
        options = _options_of(result, options)
        layout = build_layout(problem, options)
        return cls(layout, *_starts_of(layout, result), options)


@dataclass(frozen=True, eq=False)
class StreamPlacement:
    """What ``place_streams`` found for the streams it was asked to place."""

    latency_ns: dict[str, tuple[int, ...]]   # placed stream -> worst case per listener (as the schedule's)
    unplaced: dict[str, str]                 # stream -> why it found no window


def place_streams(problem_new: CompiledProblem, running: RunningSchedule, stream_ids) -> StreamPlacement:
    """Place the scheduled streams among ``stream_ids`` (new, or re-routed in ``problem_new``)
    around every stream of ``running`` that keeps its hops; no other stream is placed or moved.

    No gate list is built and nothing is verified: use ``add_streams`` for a schedule to deploy.
    """
    from tsnplan.schedule.assemble import listener_latency
    from tsnplan.schedule.heuristic import place, stream_order

    new = build_layout(problem_new, running.options)
    hf, kept = kept_starts(running.layout, running.starts, running.placed, new, exclude=set(stream_ids))
    wanted = np.zeros(problem_new.n_streams, dtype=bool)
    wanted[[problem_new.stream_index[sid] for sid in stream_ids]] = True
    todo = new.scheduled[wanted[new.scheduled]]
    placement = place(new, stream_order(new, todo), kept, hf)
    placed = placement.placed & wanted
    ungated = {e.stream: e.reason for e in drop_ungated(problem_new, placed, [])}
    latency = listener_latency(new, placement.hf_start, placed)
    ptr = problem_new.listener_ptr
    out, unplaced = {}, {}
    for s in todo.tolist():
        sid = problem_new.stream_ids[s]
        if placed[s]:
            out[sid] = tuple(int(x) for x in latency[int(ptr[s]):int(ptr[s + 1])])
        else:
            port = int(placement.block_port[s])
            unplaced[sid] = ungated.get(sid) or (f"no free window on {problem_new.port_names[port]}" if port >= 0
                                                 else "no free window")
    return StreamPlacement(out, unplaced)


def add_streams(problem_new: CompiledProblem, previous_result: ScheduleResult,
                previous_problem: CompiledProblem, stream_ids, options: ScheduleOptions | None = None) -> ScheduleResult:
    """Schedule ``stream_ids`` (new, or re-routed in ``problem_new``) around the previous schedule.

    ``problem_new`` holds every stream that should be carried: kept streams (unchanged hops) do not
    move; ``stream_ids`` and any stream whose hops changed are placed anew, tightest first. Those
    that do not fit are explained (status ``partial``); nothing kept is ever dropped. Options
    default to those the previous schedule was made with.
    """
    from tsnplan.schedule.assemble import assemble
    from tsnplan.schedule.explain import explain

    t0 = time.perf_counter()
    running = RunningSchedule.of(previous_problem, previous_result, options)
    placement = _place_moved(running.layout, running.starts, running.placed, problem_new, running.options,
                             exclude=set(stream_ids))
    new = placement.layout
    placed = placement.placed.copy()
    reasons = drop_ungated(new.problem, placed, explain(new, placement.failed()))
    return assemble(new, placement.hf_start, placed, reasons, "incremental", time.perf_counter() - t0)


def _place_moved(old: Layout, old_start: np.ndarray, old_placed: np.ndarray, problem_new: CompiledProblem,
                 options: ScheduleOptions, exclude: set[str] = frozenset()):
    """Place every scheduled stream of ``problem_new`` that cannot keep its windows (see
    ``kept_starts``) around those that can, tightest first."""
    from tsnplan.schedule.heuristic import place, stream_order

    new = build_layout(problem_new, options)
    hf, kept = kept_starts(old, old_start, old_placed, new, exclude)
    return place(new, stream_order(new, np.setdiff1d(new.scheduled, kept)), kept, hf)


def remove_streams(previous_result: ScheduleResult, previous_problem: CompiledProblem,
                   stream_ids) -> tuple[CompiledProblem, ScheduleResult]:
    """Drop ``stream_ids``; every other stream keeps its windows. Returns the smaller problem too."""
    drop = set(stream_ids)
    p = previous_problem
    streams = StreamSet(tuple(s for s in p.streams.streams if s.id not in drop), p.streams.source)
    routes = Routes({k: v for k, v in p.routes.paths.items() if k not in drop},
                    {k: v for k, v in p.routes.unreachable.items() if k not in drop},
                    {k: v for k, v in p.routes.replicas.items() if k not in drop},
                    {k: v for k, v in p.routes.redundancy_issues.items() if k not in drop})
    smaller = compile_problem(p.network, streams, routes, percentile=p.percentile, timing=p.timing)
    return smaller, add_streams(smaller, previous_result, p, [])


def reroute_failed(best, options: ScheduleOptions, deadline_s: float | None = None):
    """Try up to ``options.k_paths`` alternative routes for the streams that failed in ``best``.

    Only unicast and multicast streams without redundancy move (a FRER/protect pair is chosen for
    disjointness, not load). A round keeps its result only if it places more streams.
    """
    from tsnplan.schedule.explain import port_demand

    tried: dict[str, set] = {}
    for _ in range(options.k_paths):
        layout = best.layout
        p = layout.problem
        by_id = p.streams.by_id()
        failed = [(s, port) for s, _, port, _ in best.failed()
                  if by_id[p.stream_ids[s]].redundancy in (Redundancy.NONE, Redundancy.REROUTE)]
        if not failed or (deadline_s is not None and time.monotonic() > deadline_s):
            break
        demand = port_demand(layout)
        load = {p.port_names[q]: int(demand[q]) for q in range(p.n_ports)}
        paths = dict(p.routes.paths)
        moved = False
        graph = port_graph(p.network, load)
        for s, port in failed[:MAX_REROUTED]:
            sid = p.stream_ids[s]
            stream = by_id[sid]
            seen = tried.setdefault(sid, {tuple(paths[sid])})
            edge = None
            if port >= 0:                # steer away from the port that blocked it
                blocked = p.network.ports[p.port_names[port]]
                edge = graph.edges[blocked.src, blocked.dst]
                edge["weight"] += AVOID_COST
            new_paths = []
            for listener, current in zip(stream.listeners, paths[sid]):
                candidates = k_shortest_paths(p.network, graph, stream.talker, listener, options.k_paths + 1)
                new_paths.append(next((c for c in candidates if c != current), current))
            if edge is not None:
                edge["weight"] -= AVOID_COST
            if tuple(new_paths) not in seen:
                seen.add(tuple(new_paths))
                paths[sid] = tuple(new_paths)
                moved = True
        if not moved:
            break
        routes = replace(p.routes, paths=paths)
        problem = compile_problem(p.network, p.streams, routes, percentile=p.percentile, timing=p.timing)
        attempt = _place_moved(layout, best.hf_start, best.placed, problem, options)
        if attempt.n_placed() > best.n_placed():
            best = attempt
    return best
