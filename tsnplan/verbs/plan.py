"""Upgrade planner: the cheapest verified set of changes (from a catalogue) that makes a plant meet new streams."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

from tsnplan.errors import ExitStatus, UsageError
from tsnplan.io.output import write_atomic
from tsnplan.report.console import dumps_readable, print_json
from tsnplan.verbs._types import whole


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NET", help="as-is network YAML file")
    parser.add_argument("streams", metavar="STREAMS", help="stream YAML file: the streams after the upgrade")
    parser.add_argument("--catalogue", required=True, metavar="FILE", help="upgrade catalogue YAML (docs/planning.md)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the plan as JSON (tsnplan-plan/1)")
    parser.add_argument("--budget", metavar="AMOUNT", help="cost cap, e.g. 250k (default: the catalogue's)")
    parser.add_argument("--objective", choices=["cost", "downtime"], default="cost")
    parser.add_argument("--alternatives", type=int, default=0, metavar="N", help="also find up to N alternatives")
    parser.add_argument("--write-network", metavar="FILE", help="write the to-be network YAML")
    parser.add_argument("--workers", type=whole(1, 1024), default=1, metavar="N", help="verify N candidates at once (processes)")
    parser.add_argument("--cluster", metavar="ADDRESS", help="verify on a Dask cluster, e.g. tcp://host:8786")
    parser.add_argument("--method", choices=["auto", "exact", "heuristic"], default="auto")
    parser.add_argument("--max-rounds", type=int, default=200, metavar="N", help="verification rounds at most")


def _executor(args, stack: ExitStack):
    if args.cluster:
        from tsnplan.plan.cluster import cluster_executor
        return stack.enter_context(cluster_executor(args.cluster))
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        return stack.enter_context(ProcessPoolExecutor(max_workers=args.workers))
    return None


def _progress(console, quiet):
    if quiet:
        return None

    def report(phase, verified, best):
        sys.stderr.write(f"\r{phase}: {verified} verified" + (f", best {best:,}" if best is not None else "") + "   ")
        sys.stderr.flush()
    return report


def run(args, console) -> ExitStatus:
    from tsnplan.plan import PlanSettings, plan_upgrade
    from tsnplan.plan.catalogue import parse_money
    from tsnplan.plan.inputs import read_plan_inputs
    from tsnplan.plan.phases import migration_phases
    from tsnplan.report.plan import plan_to_json, render_plan

    for name in ("alternatives", "max_rounds"):
        if getattr(args, name) < 0:
            raise UsageError(f"--{name.replace('_', '-')} must not be negative")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    try:
        budget = parse_money(args.budget) if args.budget is not None else None
    except ValueError as exc:
        raise UsageError(f"--budget: {exc}") from None
    inputs = read_plan_inputs(args.network, args.streams, args.catalogue)
    settings = PlanSettings(budget=budget, objective=args.objective, alternatives=args.alternatives,
                            max_rounds=args.max_rounds, batch=max(args.workers, 2 if args.cluster else 1),
                            method=args.method)
    with ExitStack() as stack:
        executor = _executor(args, stack)
        quiet = args.json or not console.is_terminal
        result = plan_upgrade(inputs.network_doc, inputs.streams_doc, inputs.streams_file, inputs.catalogue,
                              settings, executor, _progress(console, quiet))
    if not quiet:
        sys.stderr.write("\n")
    phases = []
    if result.best is not None and result.best.actions:
        phases = migration_phases(result.base_doc, inputs.streams_doc, inputs.streams_file, inputs.catalogue,
                                  result.best.actions, result.diagnosis)
    document = plan_to_json(result, inputs.catalogue, phases)
    if args.output:
        write_atomic(args.output, dumps_readable(document) + "\n")
    if args.write_network and result.best is not None:
        from tsnplan.plan.actions import apply_actions, to_yaml
        doc = apply_actions(result.base_doc, result.best.actions, inputs.catalogue)
        write_atomic(args.write_network, to_yaml(doc, f"to-be network of {Path(args.network).name}: "
                                                         f"tsnplan plan with {Path(args.catalogue).name}"))
    if args.json:
        print_json(document)
    else:
        render_plan(result, inputs.catalogue, phases, console)
    return ExitStatus.OK if result.best is not None else ExitStatus.NOT_MET
