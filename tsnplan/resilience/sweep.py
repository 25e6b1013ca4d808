"""Run one evaluation per failure scenario on any ``concurrent.futures.Executor``.

Scenarios are cut into chunks (a few per worker) so the context, which is pickled with every
submitted chunk, travels a handful of times rather than once per scenario. Results come back in
scenario order whatever the completion order, so a process pool gives the same output as a
serial run.
"""
from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Callable

from tsnplan.resilience.failures import Failure
from tsnplan.resilience.impact import Context, evaluate
from tsnplan.resilience.result import ScenarioResult

__all__ = ["sweep", "evaluate_chunk", "default_workers"]

Progress = Callable[[int, int], None]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def evaluate_chunk(ctx: Context, chunk: list[tuple[int, Failure]]) -> list[tuple[int, ScenarioResult]]:
    """Worker entry point: evaluate a chunk of (index, failure) pairs."""
    ids = ctx.elements.ids_of
    return [(i, evaluate(ctx, failure, ids(failure))) for i, failure in chunk]


def sweep(ctx: Context, failures: tuple[Failure, ...], executor: Executor | None = None,
          progress: Progress | None = None, workers: int | None = None,
          chunks_per_worker: int = 4) -> tuple[ScenarioResult, ...]:
    """Evaluate every failure; ``executor`` None means a process pool of ``workers`` processes
    (serially in this process when one worker suffices)."""
    total = len(failures)
    workers = workers or default_workers()
    indexed = list(enumerate(failures))
    results: list[ScenarioResult | None] = [None] * total
    if executor is None and (workers == 1 or total <= 1):
        for i, failure in indexed:
            results[i] = evaluate(ctx, failure, ctx.elements.ids_of(failure))
            if progress:
                progress(i + 1, total)
        return tuple(results)
    n_chunks = max(1, min(total, workers * chunks_per_worker))
    chunks = [indexed[k::n_chunks] for k in range(n_chunks)]
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(evaluate_chunk, ctx, chunk) for chunk in chunks if chunk]
        done = 0
        for future in as_completed(futures):
            for i, result in future.result():
                results[i] = result
                done += 1
            if progress:
                progress(done, total)
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    return tuple(results)
