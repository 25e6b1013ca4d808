"""Judge an emulation against its plan: every lost or late frame counts unless something explains it.

Explanations: an injected failure on the stream's route (streams without 802.1CB replication;
which streams survive which failure is `tsnplan heal`'s question) explains at most the frames
sent from one deadline before the failure on (those may be in flight), plus one; and, for a stream over a
stochastic 5G hop, the per-frame miss probability its budget states: its lost frames and frames
above its percentile bound are allowed up to what ten times that probability makes plausible
(a Poisson count exceeded with probability below ``ALPHA``). Everything else is unexplained.
A scheduled frame leaves on the talker's clock and arrives on the last bridge's, which differ by
up to the plant's sync error: the budget's bound already holds it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tsnplan.model.compile import REDUNDANCY_FRER

__all__ = ["Verdict", "ListenerVerdict", "judge", "verify_by_emulation", "allowed_misses", "ALPHA", "MISS_FACTOR"]

ALPHA = 1e-6        # chance that a plan within MISS_FACTOR x its stated probability is rejected
MISS_FACTOR = 10.0  # acceptance: misses within 10 x the stated per-frame probability


@dataclass(frozen=True, slots=True)
class ListenerVerdict:
    stream: str
    listener: str
    sent: int
    lost: int
    late: int                 # deadline misses, or frames above the percentile bound (stochastic)
    explained_by: str         # "", "failure" or "5g-tail"
    allowed: int              # misses the explanation covers

    @property
    def unexplained(self) -> int:
        return max(0, self.lost + self.late - self.allowed)


@dataclass(frozen=True, eq=False)
class Verdict:
    listeners: tuple[ListenerVerdict, ...]

    @property
    def unexplained_lost(self) -> int:
        return sum(v.lost for v in self.listeners if v.unexplained)

    @property
    def unexplained_late(self) -> int:
        return sum(v.late for v in self.listeners if v.unexplained)

    @property
    def ok(self) -> bool:
        return not any(v.unexplained for v in self.listeners)

    def problems(self) -> list[str]:
        return [f"{v.stream} -> {v.listener}: {v.lost} lost, {v.late} late of {v.sent}"
                + (f" (the {v.explained_by} explains {v.allowed})" if v.explained_by else "")
                for v in self.listeners if v.unexplained]

    def to_json(self) -> dict:
        return {"ok": self.ok, "unexplained_lost": self.unexplained_lost,
                "unexplained_late": self.unexplained_late, "problems": self.problems()}


def allowed_misses(sent: int, probability: float, factor: float = MISS_FACTOR, alpha: float = ALPHA) -> int:
    """Largest count a Poisson with mean ``factor * probability * sent`` reaches with probability
    at least ``alpha``: more misses than this mean the stated probability is too low by ``factor``."""
    mean = factor * probability * sent
    k, term = 0, math.exp(-mean)
    tail = 1.0 - term
    while tail >= alpha:
        k += 1
        term *= mean / k
        tail -= term
    return k


def _failed_ports(problem, failures) -> set[int]:
    out = set()
    for f in failures:
        for name, port in problem.network.ports.items():
            ends = (port.src, port.dst)
            hit = (f.kind == "link" and f.target in (f"{port.src}--{port.dst}", f"{port.dst}--{port.src}")) or \
                  (f.kind == "node" and f.target in ends)
            if hit and name in problem.port_index:
                out.add(problem.port_index[name])
    return out


def judge(problem, budget, emulation, failures=()) -> Verdict:
    """Per listener: lost and late frames, and what explains them (see the module docstring)."""
    failed = _failed_ports(problem, failures)
    first = min((f.at_ns for f in failures), default=None)
    duration = max(1, int(emulation.duration_ns))
    stream_of_listener = np.repeat(np.arange(problem.n_streams), np.diff(problem.listener_ptr))
    index = {(problem.stream_ids[stream_of_listener[l]], problem.node_names[problem.listener_node[l]]): l
             for l in range(len(problem.listener_node))}
    out = []
    for stats in emulation.listeners:
        l = index[(stats.stream, stats.listener)]
        s = int(stream_of_listener[l])
        ports = set(problem.hop_port[int(problem.hop_ptr[s]):int(problem.hop_ptr[s + 1])].tolist())
        late, explained, allowed = stats.deadline_misses, "", 0
        if failed & ports and problem.stream_redundancy[s] != REDUNDANCY_FRER:
            explained = "failure"
            exposed = min(duration, max(0, duration - first) + int(problem.stream_deadline_ns[s]))
            allowed = -(-stats.sent * exposed // duration) + 1
        elif budget is not None and budget.listener_stochastic[l] and budget.listener_miss_probability is not None:
            bound = int(budget.listener_latency_ns[l])
            above = sum(n for edge, n in stats.histogram if edge > bound) if bound >= 0 and \
                stats.max_ns is not None and stats.max_ns > bound else 0
            late = max(late, above)
            explained = "5g-tail"
            allowed = allowed_misses(stats.sent, float(budget.listener_miss_probability[l]))
        out.append(ListenerVerdict(stats.stream, stats.listener, stats.sent, stats.lost, late, explained, allowed))
    return Verdict(tuple(out))


def verify_by_emulation(problem, schedule, duration_ns: int, seed: int = 0, scenario=None):
    """Budget ``schedule``, emulate it with no failure and the plant's tolerances drawn
    (``Scenario.vary``), and judge: (budget, emulation, verdict)."""
    from tsnplan.budget import compute_budget
    from tsnplan.emulate.engine import run_emulation
    from tsnplan.emulate.scenario import Scenario

    budget = compute_budget(problem, schedule)
    emulation = run_emulation(problem, schedule, scenario or Scenario(duration_ns=duration_ns, vary=True), seed)
    return budget, emulation, judge(problem, budget, emulation)
