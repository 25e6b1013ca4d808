"""Checks that need both files: reachability, per-stream capacity, no unscheduled stream in a gated class."""
from __future__ import annotations

from tsnplan.errors import Problem
from tsnplan.model.compile import CompiledProblem
from tsnplan.model.gating import gated_class_problems
from tsnplan.model.streams import StreamSet

__all__ = ["check_plant"]


def check_plant(problem: CompiledProblem, streams: StreamSet) -> list[Problem]:
    from tsnplan.model.load import stream_port_utilisation

    problems: list[Problem] = []
    by_id = streams.by_id()
    for stream_id, listeners in sorted(problem.routes.unreachable.items()):
        stream = by_id[stream_id]
        for listener in listeners:
            problems.append(Problem(streams.source, f"stream {stream_id!r}",
                                    f"listener {listener!r} is unreachable from talker {stream.talker!r}",
                                    stream.line))
    share = stream_port_utilisation(problem)
    for s, stream_id in enumerate(problem.stream_ids):
        lo, hi = int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])
        worst = max(range(lo, hi), key=lambda h: share[h])
        if share[worst] > 1.0:
            port = problem.port_names[problem.hop_port[worst]]
            problems.append(Problem(streams.source, f"stream {stream_id!r}",
                                    f"needs {share[worst]:.0%} of port {port} on its own",
                                    by_id[stream_id].line, "a longer period, a smaller payload or a faster link"))
    problems += gated_class_problems(problem, streams.source, {s.id: s.line for s in streams.streams})
    return problems
