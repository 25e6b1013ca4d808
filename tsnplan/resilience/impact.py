"""What one failure does to each stream: lost frames, recovery time, latency after recovery.

A frame is lost when the failure strikes before it has cleared every failed element on its route
(clear: its last bit has crossed the element's link into the next node) and it was released on
the broken route, i.e. before the switch time ``t_sw`` (a talker's route changes for the frames
it releases from then on; frames under way finish on their old route). Frames repeat every
``cycle_ns``, so the lost frames of a row (instance, frame) are counted in closed form: releases
``R + m*cycle`` with ``C + m*cycle > t_f`` and ``R + m*cycle < t_sw``, where ``C`` is the row's
clear time of the failed element. No per-frame loop: two ceiling divisions per row. FRER needs no
switch: a frame the broken replica loses arrives on the other one.

The ``Context`` holds everything precomputed once per plant (routes crossed by each element,
timing rows), is picklable, and is shipped to sweep workers.
"""
from __future__ import annotations

from dataclasses import dataclass


from tsnplan.model.compile import NO_HOP, CompiledProblem, compile_problem
from tsnplan.model.network import NodeKind
from tsnplan.model.routing import Routes, path_to
from tsnplan.model.streams import StreamSet
from tsnplan.resilience.failures import Elements, Failure, network_elements
from tsnplan.resilience.policies import Policy, RecoveryTiming
from tsnplan.resilience.result import ListenerImpact, Outcome, ScenarioResult, StreamImpact
from tsnplan.resilience.timing import HopTiming, unloaded_clear_ns

__all__ = ["Context", "build_context", "evaluate", "count_lost", "route_hops"]

NEVER = None   # a switch time that never comes: the stream is not restored


@dataclass(frozen=True, eq=False)
class Context:
    problem: CompiledProblem
    timing: HopTiming
    elements: Elements
    policies: tuple[Policy, ...]               # per stream
    recovery: RecoveryTiming
    fail_at_ns: int
    end_ns: int
    cycle_ns: int
    incidence: dict[int, tuple[tuple[int, int, int], ...]]   # element -> (listener, route, hop)
    chains: tuple[tuple[tuple[int, ...], ...], ...]          # listener -> route -> hops root..last
    listener_stream: tuple[int, ...]
    attachments: dict[str, tuple[tuple[int, int], ...]]      # station -> (link element, neighbour element)
    adjacency: dict[str, tuple[str, ...]]
    forwards: frozenset[str]                   # nodes that forward frames (not end stations)
    rescheduler: object = None                 # IncrementalRescheduler, or None to time unloaded


def route_hops(problem: CompiledProblem, last_hop: int) -> tuple[int, ...]:
    """Hops from the stream's root to ``last_hop``."""
    chain = []
    h = last_hop
    while h != NO_HOP:
        chain.append(h)
        h = int(problem.hop_parent[h])
    return tuple(reversed(chain))


def _route_elements(problem, path, chain, link_id, node_id) -> list[tuple[int, int]]:
    """(element, covering hop) for a node path and its hop chain; T1S pass-through folds in."""
    names = problem.node_names
    starts = [path.index(names[int(problem.port_src[problem.hop_port[h]])]) for h in chain]
    out = []
    last = len(path) - 1
    for k, h in enumerate(chain):
        i = starts[k]
        j = starts[k + 1] if k + 1 < len(chain) else last
        for q in range(i, j):
            out.append((link_id[frozenset((path[q], path[q + 1]))], h))
            if 0 < q < last and path[q] in node_id:
                out.append((node_id[path[q]], h))
    return out


def build_context(problem: CompiledProblem, timing: HopTiming, policies: tuple[Policy, ...],
                  recovery: RecoveryTiming, fail_at_ns: int, end_ns: int, cycle_ns: int,
                  rescheduler=None, carried=None) -> Context:
    """``carried``: streams the running network carries (default all); the others never appear
    in a scenario."""
    network = problem.network
    elements = network_elements(network)
    link_id, node_id = elements.link_index(), elements.node_index()
    incidence: dict[int, list] = {}
    chains, listener_stream = [], []
    for s, sid in enumerate(problem.stream_ids):
        replicas = problem.routes.replicas.get(sid, ())
        lo, hi = int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])
        for k, l in enumerate(range(lo, hi)):
            listener_stream.append(s)
            routes = [(problem.routes.paths[sid][k], int(problem.listener_hop[l]))]
            alt_hop = int(problem.listener_hop_alt[l])
            if alt_hop != NO_HOP:
                routes.append((replicas[k], alt_hop))
            chain_pair = []
            for r, (path, last) in enumerate(routes):
                chain = route_hops(problem, last)
                chain_pair.append(chain)
                if carried is not None and sid not in carried:
                    continue
                for e, h in _route_elements(problem, path, chain, link_id, node_id):
                    incidence.setdefault(e, []).append((l, r, h))
            chains.append(tuple(chain_pair))
    forwards = frozenset(n.id for n in network.nodes if n.kind is not NodeKind.END_STATION)
    attachments = {}
    for n in network.nodes:
        if n.kind is NodeKind.END_STATION:
            attachments[n.id] = tuple((link_id[frozenset((n.id, m))], node_id.get(m, -1))
                                      for m in sorted(network.graph.neighbors(n.id)))
    adjacency = {n: tuple(sorted(network.graph.neighbors(n))) for n in sorted(network.graph.nodes)}
    return Context(problem, timing, elements, tuple(policies), recovery, fail_at_ns, end_ns, cycle_ns,
                   {e: tuple(v) for e, v in sorted(incidence.items())}, tuple(chains),
                   tuple(listener_stream), attachments, adjacency, forwards, rescheduler)


def count_lost(clear_ns: int, decide_ns: int, release_ns: int, cycle_ns: int,
               fail_at_ns: int, switch_ns: int | None, end_ns: int) -> tuple[int, int, int]:
    """For one row: (first lost repetition m_lo, first healed repetition m_hi, repetitions in run).

    Repetition m is released at ``release + m*cycle`` (m >= 0, before ``end_ns``); it is lost when
    ``clear + m*cycle > fail_at`` and ``decide + m*cycle < switch``. Lost count: m_hi - m_lo.
    """
    m_end = max(0, -(-(end_ns - release_ns) // cycle_ns))
    m_lo = min(m_end, max(0, (fail_at_ns - clear_ns) // cycle_ns + 1))
    m_hi = m_end if switch_ns is NEVER else min(m_end, max(m_lo, -(-(switch_ns - decide_ns) // cycle_ns)))
    return m_lo, m_hi, m_end


def _isolated(ctx: Context, station: str, failed: set[int], failed_nodes: set[str]) -> bool:
    if station in failed_nodes:
        return True
    links = ctx.attachments.get(station)
    if links is None:
        return False
    return all(link in failed or nbr in failed for link, nbr in links)


def _route_clear(ctx: Context, hops: list[int]) -> list[int]:
    """Per row: the latest clear time over the failed hops of one route."""
    rows = [ctx.timing.clear_ns[h] for h in hops]
    return [max(col) for col in zip(*rows)]


def _bfs_path(ctx: Context, source: str, target: str, dead_links: set[frozenset], dead_nodes: set[str]):
    """Shortest path avoiding failed elements; ties broken as ``model.routing`` does."""
    if source in dead_nodes:
        return None
    parents = {source: None}
    frontier = [source]
    while frontier and target not in parents:
        nxt = []
        for u in frontier:
            if u != source and u not in ctx.forwards:
                continue
            for v in ctx.adjacency[u]:
                if v in parents or v in dead_nodes or frozenset((u, v)) in dead_links:
                    continue
                parents[v] = u
                nxt.append(v)
        frontier = nxt
    return path_to(parents, target)


@dataclass(frozen=True, slots=True)
class _Reroute:
    """New routes for the rerouted streams of one scenario and their latency per listener."""

    paths: dict[int, tuple[tuple[str, ...], ...]]   # stream -> path per listener
    latency: dict[int, tuple[int, ...]]               # stream -> latency per listener
    scheduled: frozenset[int]                         # streams placed by the incremental scheduler
    unplaced: dict[int, str]                          # stream -> why the scheduler could not place it


def _reroute(ctx: Context, streams: dict[int, set[int]], failure: Failure) -> _Reroute:
    """Route every broken listener of ``streams`` around the failure (the others keep their
    routes), then time them: placed around the running schedule when there is one, else unloaded."""
    problem = ctx.problem
    dead_links = {frozenset(p) for p in failure.links}
    dead_nodes = set(failure.nodes)
    by_id = problem.streams.by_id()
    paths = {}
    for s, broken in sorted(streams.items()):
        sid = problem.stream_ids[s]
        stream = by_id[sid]
        new = []
        for k, old in enumerate(problem.routes.paths[sid]):
            l = int(problem.listener_ptr[s]) + k
            path = old if l not in broken else _bfs_path(ctx, stream.talker, stream.listeners[k], dead_links, dead_nodes)
            if path is None:
                break
            new.append(path)
        else:
            paths[s] = tuple(new)
    if not paths:
        return _Reroute({}, {}, frozenset(), {})
    index = {problem.stream_ids[s]: s for s in paths}
    latency, unplaced = {}, {}
    if ctx.rescheduler is not None:
        placed, why = ctx.rescheduler({problem.stream_ids[s]: p for s, p in paths.items()})
        latency = {index[sid]: rows for sid, rows in placed.items()}
        unplaced = {index[sid]: reason for sid, reason in why.items()}
    scheduled = frozenset(latency)
    rest = [s for s in sorted(paths) if s not in latency and s not in unplaced]
    if rest:    # no schedule, or best-effort streams: unloaded estimates
        sub = compile_problem(problem.network, StreamSet(tuple(by_id[problem.stream_ids[s]] for s in rest)),
                              Routes({problem.stream_ids[s]: paths[s] for s in rest}, {}),
                              percentile=problem.percentile, timing=problem.timing)
        clear = unloaded_clear_ns(sub)
        for i, s in enumerate(rest):
            latency[s] = tuple(max(clear[int(sub.listener_hop[l])])
                               for l in range(int(sub.listener_ptr[i]), int(sub.listener_ptr[i + 1])))
    return _Reroute(paths, latency, scheduled, unplaced)


def evaluate(ctx: Context, failure: Failure, element_ids: tuple[int, ...]) -> ScenarioResult:
    """The impact of one failure on every stream whose routes it touches."""
    failed = set(element_ids)
    hits: dict[int, dict[int, list[int]]] = {}
    for e in element_ids:
        for l, r, h in ctx.incidence.get(e, ()):
            hits.setdefault(l, {}).setdefault(r, []).append(h)
    per_stream: dict[int, set[int]] = {}
    for l in hits:
        per_stream.setdefault(ctx.listener_stream[l], set()).add(l)
    reroute_needed = {s: {l for l in ls if 0 in hits[l]} for s, ls in per_stream.items()
                      if ctx.policies[s] is Policy.REROUTE and any(0 in hits[l] for l in ls)}
    reroute = _reroute(ctx, reroute_needed, failure) if reroute_needed else None
    impacts = [_stream_impact(ctx, s, hits, failed, set(failure.nodes), reroute)
               for s in sorted(per_stream, key=lambda s: ctx.problem.stream_ids[s])]
    return ScenarioResult(failure, tuple(impacts))


def _stream_impact(ctx, s, hits, failed, failed_nodes, reroute) -> StreamImpact:
    problem, timing = ctx.problem, ctx.timing
    policy = ctx.policies[s]
    lo, hi = int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])
    deadline = int(problem.stream_deadline_ns[s])
    nf, cycle = timing.n_frames[s], timing.cycle_ns[s]
    root = ctx.chains[lo][0][0]
    release = [timing.release_ns[s][j // nf] for j in range(len(timing.clear_ns[root]))]
    talker = problem.node_names[int(problem.port_src[problem.hop_port[root]])]
    talker_cut = _isolated(ctx, talker, failed, failed_nodes)
    listeners, reasons, before_all = [], set(), []
    any_cut = any_unhealed = estimated = False
    for l in range(lo, hi):
        name = problem.node_names[int(problem.listener_node[l])]
        chains = ctx.chains[l]
        lat_routes = [timing.row_latency_ns(s, chain[-1]) for chain in chains]
        lat_before = [min(col) for col in zip(*lat_routes)] if policy is Policy.FRER else lat_routes[0]
        before_all.append(max(lat_before))
        clear = {r: _route_clear(ctx, hops) for r, hops in hits.get(l, {}).items()}
        heal = _heal(ctx, s, l, policy, chains, clear, lat_routes, release, reroute)
        lost_clear, decide, switch, after, reason = heal
        if clear and (talker_cut or _isolated(ctx, name, failed, failed_nodes)):
            lost_clear, switch, after = [min(col) for col in zip(*clear.values())], NEVER, None
            reason = f"talker {talker} cut off" if talker_cut else f"listener {name} cut off"
            any_cut = True
        elif switch is NEVER:
            any_unhealed = True
        estimated = estimated or (policy is Policy.REROUTE and 0 in clear and s not in reroute.scheduled)
        if reason:
            reasons.add(reason)
        lost = miss_before = miss_after = after_count = 0
        for j, rel in enumerate(release):
            if lost_clear is None:
                m_end = max(0, -(-(ctx.end_ns - rel) // cycle))
                m_lo = m_hi = min(m_end, max(0, -(-(ctx.fail_at_ns - rel) // cycle)))
            else:
                m_lo, m_hi, m_end = count_lost(lost_clear[j], decide[j], rel, cycle, ctx.fail_at_ns, switch, ctx.end_ns)
            lost += m_hi - m_lo
            after_count += m_end - m_hi
            if lat_before[j] > deadline:
                miss_before += m_lo
            if after is not None and after[j] > deadline:
                miss_after += m_end - m_hi
        recovery = None if switch is NEVER else max(0, switch - ctx.fail_at_ns)
        listeners.append(ListenerImpact(name, lost, miss_before, miss_after, recovery,
                                        None if after is None else max(after),
                                        after_count if after is not None else 0))
    outcome = Outcome.LOST if any_unhealed else Outcome.ISOLATED if any_cut else Outcome.SURVIVED
    survived = outcome is Outcome.SURVIVED
    return StreamImpact(
        stream=problem.stream_ids[s], policy=policy, outcome=outcome,
        recovery_ns=max(x.recovery_ns for x in listeners) if survived else None,
        frames_lost=max(x.frames_lost for x in listeners),
        misses_before=max(x.misses_before for x in listeners),
        misses_after=max(x.misses_after for x in listeners),
        latency_before_ns=max(before_all),
        latency_after_ns=max(x.latency_after_ns for x in listeners) if survived else None,
        deadline_ns=deadline, latency_estimated=estimated or not timing.scheduled[s],
        reason="; ".join(sorted(reasons)), listeners=tuple(listeners),
        paths_after=reroute.paths.get(s, ()) if reroute is not None else (),
    )


def _heal(ctx, s, l, policy, chains, clear, lat_routes, release, reroute):
    """How the policy restores listener ``l``: (clear rows of the lost route or None, decision
    rows, switch time or NEVER, latency rows after, reason)."""
    at = ctx.fail_at_ns
    both_lost = len(clear) == len(chains)
    if not clear:
        lat = [min(col) for col in zip(*lat_routes)] if policy is Policy.FRER else lat_routes[0]
        return None, release, at, lat, ""
    if policy is Policy.FRER:
        if both_lost:
            reason = "no surviving replica" if len(chains) > 1 else "no replica (redundancy not met)"
            return [min(col) for col in zip(*clear.values())], release, NEVER, None, reason
        survivor = next(r for r in range(len(chains)) if r not in clear)
        broken = next(iter(clear.values()))
        return broken, broken, at, lat_routes[survivor], ""      # the replica carries every frame
    if policy is Policy.PROTECT:
        if 0 not in clear:
            return None, release, at, lat_routes[0], "backup route broken"
        if both_lost:
            return clear[0], release, NEVER, None, "backup route broken too" if len(chains) > 1 else "no backup route"
        switch = ctx.recovery.switch_at_ns(Policy.PROTECT, at, ctx.cycle_ns)
        return clear[0], release, switch, lat_routes[1], ""
    if s not in reroute.paths:
        return clear[0], release, NEVER, None, "no route left"
    if s in reroute.unplaced:
        return clear[0], release, NEVER, None, f"no schedule on the new route: {reroute.unplaced[s]}"
    after = [reroute.latency[s][l - int(ctx.problem.listener_ptr[s])]] * len(release)
    return clear[0], release, ctx.recovery.switch_at_ns(Policy.REROUTE, at, ctx.cycle_ns), after, ""
