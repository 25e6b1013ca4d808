"""Executors for scale-out: a dask.distributed scheduler seen as a ``concurrent.futures`` executor.

Candidate verification (``plan``) and the failure sweep (``heal``) take any executor; this is the
one place that connects to a cluster, so dask stays an optional dependency (``tsnplan[cluster]``).
"""
from __future__ import annotations

from contextlib import contextmanager

from tsnplan.errors import UsageError

__all__ = ["cluster_executor"]


@contextmanager
def cluster_executor(address: str):
    """A ``concurrent.futures`` executor on a dask.distributed scheduler (also used by ``heal``)."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--cluster needs dask.distributed: pip install 'tsnplan[cluster]'") from None
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--cluster {address}: cannot connect ({exc})") from None
    with client:
        yield client.get_executor(pure=False)
