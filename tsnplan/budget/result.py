"""What a budget is: per-listener bounds and, per hop, the terms they are made of."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from tsnplan.budget.hops import listener_paths, medium_label
from tsnplan.model.compile import CompiledProblem

__all__ = ["Basis", "Composition", "BudgetResult", "HopBudget", "UNBOUNDED", "HOP_TERMS"]

UNBOUNDED = -1
HOP_TERMS = ("processing_ns", "radio_ns", "access_ns", "queuing_ns", "transmission_ns", "propagation_ns")


class Basis(str, Enum):
    """Where a stream's bound comes from."""

    SCHEDULE = "schedule"      # the windows of a given schedule
    NO_WAIT = "no-wait"        # scheduled stream without a schedule: its path without waiting
    CALCULUS = "calculus"      # unscheduled class: network calculus


class Composition(str, Enum):
    """How stochastic 5G hops were combined into the end-to-end figure."""

    DETERMINISTIC = "deterministic"  # no stochastic hop
    QUANTILE = "quantile"            # one stochastic hop: its quantile
    CONVOLUTION = "convolution"      # several: numerical convolution (independence assumed)
    UNION = "union"                  # union bound (per-hop quantiles at a split percentile)
    SCHEDULE = "schedule"            # fixed by the schedule's windows (per-hop quantile)


@dataclass(frozen=True, slots=True)
class HopBudget:
    port: str
    medium: str
    processing_ns: int
    radio_ns: int
    access_ns: int
    queuing_ns: int
    transmission_ns: int
    propagation_ns: int
    stochastic: bool
    access_typical_ns: int

    @property
    def total_ns(self) -> int:
        return sum(getattr(self, name) for name in HOP_TERMS)


@dataclass(frozen=True, eq=False)
class BudgetResult:
    """Bounds per listener (``problem.listener_*`` order) and the terms per hop (``problem.hop_*``).

    ``listener_latency_ns`` is the worst case, or the bound at ``percentile`` when the path has a
    stochastic hop (``listener_stochastic``); ``UNBOUNDED`` (-1) where no bound exists. It holds
    in normal operation: for FRER the first copy to arrive, for protection the primary route.
    ``listener_failure_ns`` is the bound under a single failure (the worse of the two routes).
    The per-hop terms of a route plus ``listener_sync_ns`` (the sync error, scheduled streams) add
    up to that route's union-bound latency.
    """

    problem: CompiledProblem
    percentile: float
    sync_error_ns: int
    stream_basis: tuple[Basis, ...]
    hop_processing_ns: np.ndarray
    hop_radio_ns: np.ndarray
    hop_access_ns: np.ndarray
    hop_access_typical_ns: np.ndarray
    hop_queuing_ns: np.ndarray
    hop_transmission_ns: np.ndarray
    hop_propagation_ns: np.ndarray
    hop_stochastic: np.ndarray        # int8: 5G hop without hold-and-forward
    hop_unbounded: np.ndarray         # int8: the hop's queue has no bound
    listener_latency_ns: np.ndarray
    listener_union_ns: np.ndarray
    listener_route_ns: np.ndarray     # int64[L, 2]: per route (union bound), -1 for no second route
    listener_failure_ns: np.ndarray
    listener_typical_ns: np.ndarray   # median 5G delay, typical T1S access, no queuing
    listener_min_ns: np.ndarray
    listener_jitter_ns: np.ndarray
    listener_stochastic: np.ndarray   # bool
    listener_composition: tuple[Composition, ...]
    listener_meets: np.ndarray        # bool: latency <= deadline and jitter within the requirement
    calculus_iterations: int
    gated_by_schedule: bool
    warnings: tuple[str, ...] = ()
    listener_miss_probability: np.ndarray | None = None   # float: per frame, stochastic paths (budget/miss.py)
    listener_miss_consequence: tuple[str, ...] = ()
    fiveg_support: tuple = ()          # media.fiveg.Support per 5G profile crossed: data behind the percentile
    listener_sync_ns: np.ndarray | None = None   # int64[L] sync error in the latency (scheduled streams), else 0

    @property
    def n_failing(self) -> int:
        return int(np.count_nonzero(~self.listener_meets))

    @property
    def all_met(self) -> bool:
        return bool(self.listener_meets.all())

    def listener_name(self, l: int) -> str:
        return self.problem.node_names[self.problem.listener_node[l]]

    def stream_of_listener(self, l: int) -> int:
        return int(np.searchsorted(self.problem.listener_ptr, l, side="right") - 1)

    def listener_slack_ns(self) -> np.ndarray:
        """Deadline minus latency per listener; None-like -2**62 where unbounded."""
        problem = self.problem
        deadline = np.repeat(problem.stream_deadline_ns, np.diff(problem.listener_ptr))
        slack = deadline - self.listener_latency_ns
        return np.where(self.listener_latency_ns == UNBOUNDED, -(2 ** 62), slack)

    def hops(self, l: int, route: int = 0) -> list[HopBudget]:
        """Per-hop breakdown of listener ``l`` on route 0 (primary) or 1 (FRER replica / backup)."""
        paths = listener_paths(self.problem, l)
        if route >= len(paths):
            return []
        network = self.problem.network
        out = []
        for h in paths[route]:
            name = self.problem.port_names[self.problem.hop_port[h]]
            out.append(HopBudget(
                port=name, medium=medium_label(network.ports[name].link.medium),
                processing_ns=int(self.hop_processing_ns[h]), radio_ns=int(self.hop_radio_ns[h]),
                access_ns=int(self.hop_access_ns[h]), queuing_ns=int(self.hop_queuing_ns[h]),
                transmission_ns=int(self.hop_transmission_ns[h]), propagation_ns=int(self.hop_propagation_ns[h]),
                stochastic=bool(self.hop_stochastic[h]), access_typical_ns=int(self.hop_access_typical_ns[h])))
        return out
