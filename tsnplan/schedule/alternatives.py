"""Other routes for neighbourhood repair to choose from, jointly with the offsets (``repair``).

View 0 is the problem as placed; view ``j`` compiles the same streams with every movable unicast
stream on its ``j``-th loop-free shortest route (hop count, ``model.paths``; the current route
first), so a stream's windows on route ``j`` are those of view ``j``'s layout. A route is offered
only when the rules of the rest of the planner hold on it: the stream may be re-routed at all
(``bounds.movable_streams``: routes not fixed by the input, not a tree, no FRER/protect pair),
it leaves the talker and enters the listener through the same ports (end-station ports do not
move), it crosses no bridge without 802.1Qbv (``model.features``), and it fits alone (no-wait
latency within deadline and period). Multicast streams keep their trees.

``commit`` compiles the chosen routes once more, so the schedule's problem, windows, gate lists
and everything downstream (schedule.json, verify, budget, emulate) carry them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tsnplan.errors import InternalError
from tsnplan.model.compile import compile_problem
from tsnplan.model.features import qbv_gaps
from tsnplan.model.paths import k_shortest_paths, port_graph
from tsnplan.schedule.heuristic import no_wait_offsets
from tsnplan.schedule.layout import Layout, ScheduleOptions, build_layout

__all__ = ["RouteViews", "route_views", "commit"]


@dataclass(frozen=True, eq=False)
class RouteViews:
    """The same streams compiled on other routes: ``layouts[j]``, ``rel[j]`` (no-wait offsets from
    the frame's root, ``heuristic.no_wait_offsets``), and per stream the views it may take (0 first)."""

    layouts: tuple[Layout, ...]
    rel: tuple[np.ndarray, ...]
    alone: np.ndarray                     # bool[S]: the stream fits alone on its view-0 route
    alts: dict[int, tuple[int, ...]]      # stream -> the views where it fits alone, when not just (0,)
    paths: tuple[dict, ...]               # per view: stream id -> its paths there
    options: ScheduleOptions

    def usable(self) -> np.ndarray:
        """bool[S]: the stream fits alone on some route it may take."""
        out = self.alone.copy()
        out[[s for s, v in self.alts.items() if v]] = True
        return out

    def choices(self, s: int) -> tuple[int, ...]:
        """The views stream ``s`` may take; (0,) when it has no other (as without re-routing)."""
        return self.alts.get(s) or (0,)

    def ports(self, s: int, j: int) -> np.ndarray:
        p = self.layouts[j].problem
        return p.hop_port[int(p.hop_ptr[s]):int(p.hop_ptr[s + 1])]


def _candidates(layout: Layout, movable: np.ndarray, k: int) -> dict[int, list[tuple]]:
    """Stream -> its routes: the current one, then up to ``k - 1`` other shortest ones that keep
    its end-station ports."""
    p = layout.problem
    graph = port_graph(p.network)
    by_id = p.streams.by_id()
    out = {}
    for s in layout.scheduled.tolist():
        sid = p.stream_ids[s]
        stream = by_id[sid]
        if not movable[s] or len(stream.listeners) != 1:
            continue
        (current,) = p.routes.paths[sid]
        routes = [current]
        for path in k_shortest_paths(p.network, graph, stream.talker, stream.listeners[0], k + 1):
            if len(routes) == k:
                break
            if path != current and path[:2] == current[:2] and path[-2:] == current[-2:]:
                routes.append(path)
        if len(routes) > 1:
            out[s] = [(r,) for r in routes]
    return out


def route_views(layout: Layout, options: ScheduleOptions, movable: np.ndarray) -> RouteViews | None:
    """Views for the movable streams of ``layout`` (``options.k_paths`` routes each at most), or
    None when no stream has a usable second route."""
    cands = _candidates(layout, movable, max(1, int(options.k_paths)))
    if not cands:
        return None
    p = layout.problem
    rel0, alone0 = no_wait_offsets(layout)
    layouts, rels, paths = [layout], [rel0], [dict(p.routes.paths)]
    alts = {s: [0] if alone0[s] else [] for s in cands}
    for j in range(1, max(len(c) for c in cands.values())):
        mine = {s: c[j] for s, c in cands.items() if len(c) > j}
        view_paths = dict(p.routes.paths)
        view_paths.update({p.stream_ids[s]: c for s, c in mine.items()})
        q = compile_problem(p.network, p.streams, replace(p.routes, paths=view_paths),
                            percentile=p.percentile, timing=p.timing)
        if q.stream_ids != p.stream_ids:
            raise InternalError("re-routing changed the routed streams")
        view = build_layout(q, options)
        gaps = qbv_gaps(q)
        rel, alone = no_wait_offsets(view, [s for s in mine if s not in gaps])
        for s in mine:
            if alone[s]:
                alts[s].append(len(layouts))
        layouts.append(view)
        rels.append(rel)
        paths.append(view_paths)
    alts = {s: tuple(v) for s, v in alts.items() if v != [0]}
    if not any(alts.values()):
        return None
    return RouteViews(tuple(layouts), tuple(rels), alone0, alts, tuple(paths), options)


def commit(views: RouteViews, route: np.ndarray, starts: list[np.ndarray],
           placed: np.ndarray) -> tuple[Layout, np.ndarray]:
    """The layout of the chosen routes (placed streams on ``route[s]``, the others on view 0) and
    the first-period starts in it, copied from each stream's view."""
    base = views.layouts[0]
    p = base.problem
    chosen = np.where(placed, route, 0)
    if not chosen.any():
        return base, starts[0].copy()
    paths = dict(views.paths[0])
    for s in np.flatnonzero(chosen):
        sid = p.stream_ids[s]
        paths[sid] = views.paths[int(chosen[s])][sid]
    q = compile_problem(p.network, p.streams, replace(p.routes, paths=paths), percentile=p.percentile, timing=p.timing)
    out = build_layout(q, views.options)
    hf = np.zeros(int(out.hf_ptr[-1]), dtype=np.int64)
    for s in out.scheduled.tolist():
        src = views.layouts[int(chosen[s])]
        a, b = int(src.hf_ptr[s]), int(src.hf_ptr[s + 1])
        if b - a != int(out.hf_ptr[s + 1] - out.hf_ptr[s]):
            raise InternalError(f"re-routed stream {p.stream_ids[s]} changed its slots when compiled again")
        hf[int(out.hf_ptr[s]):int(out.hf_ptr[s + 1])] = starts[int(chosen[s])][a:b]
    return out, hf
