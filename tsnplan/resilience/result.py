"""Results of a failure analysis: per scenario, per affected stream, and the weakest points."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from tsnplan.resilience.failures import Failure
from tsnplan.resilience.policies import FrerCheck, Policy, RecoveryTiming

__all__ = ["Outcome", "ListenerImpact", "StreamImpact", "ScenarioResult", "WeakPoint", "HealSettings",
           "HealResult", "ProofScenario", "ProofResult", "rank_weakest"]


class Outcome(str, Enum):
    SURVIVED = "survived"   # delivered again (at once for FRER, after recovery otherwise)
    LOST = "lost"           # the policy could not restore it
    ISOLATED = "isolated"   # its talker or a listener is cut off: no network policy can help


@dataclass(frozen=True, slots=True)
class ListenerImpact:
    listener: str
    frames_lost: int
    misses_before: int
    misses_after: int
    recovery_ns: int | None           # None: not restored
    latency_after_ns: int | None
    delivered_after: int = 0          # frames released after the switch, within the run


@dataclass(frozen=True, slots=True)
class StreamImpact:
    """One stream whose routes the failure touches. Figures are the worst over its listeners."""

    stream: str
    policy: Policy
    outcome: Outcome
    recovery_ns: int | None
    frames_lost: int
    misses_before: int
    misses_after: int
    latency_before_ns: int
    latency_after_ns: int | None
    deadline_ns: int
    latency_estimated: bool           # True: unloaded lower bound, no schedule for the new route
    reason: str
    listeners: tuple[ListenerImpact, ...]
    paths_after: tuple[tuple[str, ...], ...] = ()   # reroute: the new route per listener

    @property
    def deadline_misses(self) -> int:
        return self.misses_before + self.misses_after


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    failure: Failure
    impacts: tuple[StreamImpact, ...]        # sorted by stream id

    def _ids(self, *outcomes: Outcome) -> list[str]:
        return [i.stream for i in self.impacts if i.outcome in outcomes]

    @property
    def affected(self) -> list[str]:
        return [i.stream for i in self.impacts]

    @property
    def survived(self) -> list[str]:
        return self._ids(Outcome.SURVIVED)

    @property
    def lost(self) -> list[str]:
        """Every stream not delivered after the failure, isolated ones included."""
        return self._ids(Outcome.LOST, Outcome.ISOLATED)

    @property
    def isolated(self) -> list[str]:
        return self._ids(Outcome.ISOLATED)

    @property
    def unhealed(self) -> list[str]:
        """Streams lost although their end points are still connected: a policy failed."""
        return self._ids(Outcome.LOST)

    @property
    def missing_deadline(self) -> list[str]:
        return [i.stream for i in self.impacts if i.deadline_misses]

    @property
    def worst_recovery_ns(self) -> int:
        return max((i.recovery_ns for i in self.impacts if i.recovery_ns is not None), default=0)

    @property
    def frames_lost(self) -> int:
        return sum(i.frames_lost for i in self.impacts)

    @property
    def deadline_misses(self) -> int:
        return sum(i.deadline_misses for i in self.impacts)


@dataclass(frozen=True, slots=True)
class WeakPoint:
    failure: str
    lost: int
    isolated: int
    missing_deadline: int
    frames_lost: int
    worst_recovery_ns: int
    affected: int


def rank_weakest(scenarios) -> tuple[WeakPoint, ...]:
    """Scenarios ordered by harm: streams lost, then deadline misses, frames lost, recovery."""
    points = [WeakPoint(s.failure.name, len(s.lost), len(s.isolated), len(s.missing_deadline),
                        s.frames_lost, s.worst_recovery_ns, len(s.affected)) for s in scenarios]
    points.sort(key=lambda p: (-p.lost, -p.missing_deadline, -p.frames_lost, -p.worst_recovery_ns,
                               -p.affected, p.failure))
    return tuple(points)


@dataclass(frozen=True, slots=True)
class HealSettings:
    default_policy: Policy
    failures: str
    k: int
    fail_at_ns: int
    duration_ns: int
    timing: RecoveryTiming
    cycle_ns: int                     # GCL cycle: reroute changes take effect at its boundaries
    scheduled: bool                   # timing from a schedule (else unloaded estimates)


@dataclass(frozen=True, slots=True)
class ProofScenario:
    """Analytical against emulated figures for one scenario and one listener of a stream."""

    failure: str
    stream: str
    listener: str
    policy: Policy
    frames_lost: int
    frames_lost_emulated: int
    recovery_ns: int | None
    recovery_emulated_ns: int | None
    duplicates_eliminated: int
    misses_before: int
    misses_during: int
    misses_after: int
    misses_analytical: int
    agrees: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProofResult:
    scenarios: tuple[str, ...]
    rows: tuple[ProofScenario, ...]
    tolerance_ns: int
    pcap: str | None = None

    @property
    def agrees(self) -> bool:
        return all(r.agrees for r in self.rows)


@dataclass(frozen=True, slots=True)
class HealResult:
    network: str
    settings: HealSettings
    stream_policy: dict[str, Policy]
    scenarios: tuple[ScenarioResult, ...]
    redundancy_issues: dict[str, str]           # stream -> why no disjoint route (names the SPOF)
    frer_checks: tuple[FrerCheck, ...]
    proof: ProofResult | None = None
    warnings: tuple[str, ...] = ()
    weakest: tuple[WeakPoint, ...] = field(default=())
    not_carried: tuple[str, ...] = ()           # streams without a route or a place in the schedule

    def single_failures(self) -> tuple[ScenarioResult, ...]:
        return tuple(s for s in self.scenarios if s.failure.size == 1)

    @property
    def met(self) -> bool:
        """N-1 holds: under every single failure no connected stream is lost or late, and the
        emulation (when run) agrees with the analysis. A stream the plant cannot carry even without
        a failure (no route, no place in the schedule) fails it too."""
        singles = self.single_failures()
        ok = not self.not_carried and not any(s.unhealed or s.missing_deadline for s in singles)
        return ok and (self.proof is None or self.proof.agrees)
