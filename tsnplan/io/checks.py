"""Checks that need both files: reachability, per-stream capacity, no unscheduled stream in a gated class
(problems: the plant is refused); redundancy without a disjoint route and equipment the streams ask
for that their bridges lack (warnings: the plant is valid, but those streams cannot be met on it)."""
from __future__ import annotations

from tsnplan.errors import Problem
from tsnplan.model.compile import CompiledProblem
from tsnplan.model.gating import gated_class_problems
from tsnplan.model.streams import StreamSet

__all__ = ["check_plant", "plant_warnings", "warn_or_refuse"]


def plant_warnings(problem: CompiledProblem) -> list[Problem]:
    """What a valid plant asks for but cannot have: redundancy (802.1CB or protection) without a
    disjoint second route; scheduled streams crossing bridges without 802.1Qbv; FRER streams
    parting or meeting at a bridge without 802.1CB (``model.features``). Verbs warn, and refuse
    under ``--strict``."""
    from tsnplan.model.features import frer_gaps, qbv_gaps

    streams = problem.streams
    by_id = streams.by_id()
    out = [Problem(streams.source, f"stream {sid!r}", f"requests {by_id[sid].redundancy.value} redundancy but has {why}",
                   by_id[sid].line) for sid, why in sorted(problem.routes.redundancy_issues.items()) if sid in by_id]
    for s, bridges in sorted(qbv_gaps(problem).items()):
        sid = problem.stream_ids[s]
        out.append(Problem(streams.source, f"stream {sid!r}",
                           f"scheduled, but its route crosses {', '.join(bridges)} without 802.1Qbv: no gate list "
                           "there, so it cannot be scheduled", by_id[sid].line,
                           "bridges with qbv on its route (tsnplan plan), or scheduled: false"))
    for sid, bridges in sorted(frer_gaps(problem).items()):
        out.append(Problem(streams.source, f"stream {sid!r}",
                           f"802.1CB replication or elimination at {', '.join(bridges)}, which lacks frer",
                           by_id[sid].line, "bridges with frer where its routes part and meet"))
    return out


def warn_or_refuse(problem: CompiledProblem, strict: bool) -> None:
    """Print the plant's warnings on stderr, or raise them as an ``InputError`` when ``strict``."""
    from tsnplan.errors import InputError
    from tsnplan.report.console import make_error_console

    warnings = plant_warnings(problem)
    if warnings and strict:
        raise InputError(warnings)
    errors = make_error_console()
    for warning in warnings:
        errors.print(f"warning: {warning}", markup=False, highlight=False)


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
