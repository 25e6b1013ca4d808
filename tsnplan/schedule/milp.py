"""The MILP solver the exact scheduler and the upgrade planner share (pulp; HiGHS, else CBC).

Its answers hold to the solver's tolerances (HiGHS: integrality 1e-6), not exactly: a caller that
needs exact integers checks them itself (``schedule.ilp`` does).
"""
from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["variable", "solver", "quiet_stdout"]


@contextlib.contextmanager
def quiet_stdout():
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


def variable(model, name: str, **kw):
    """A model variable (pulp >= 3.3 attaches it to the model; older pulp builds it free)."""
    import pulp

    if hasattr(model, "add_variable"):
        return model.add_variable(name, **kw)
    return pulp.LpVariable(name, **kw)


def solver(time_limit_s: float | None):
    """HiGHS on one thread when pulp finds it, else CBC."""
    import pulp

    if "HiGHS" in pulp.listSolvers(onlyAvailable=True):
        return pulp.HiGHS(msg=False, timeLimit=time_limit_s, threads=1)
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, threads=1)
