"""What an emulation run does besides carrying the streams: failures, reroutes, background, shaping.

Failures name a link (``"a--b"``) or a node (``"sw-3"``) and a time; a failed link drops every frame
queued on, transmitted on or propagating along either direction (a frame that has arrived is in
the next node: processing, a 5G bridge's delay or hold), and a failed node fails every link it
touches. A ``Reroute`` switches one stream, while the emulation runs, to the route it has in
another compiled problem of the same plant (typically the network after a failure), optionally
with that problem's schedule for its release offsets and gate lists: this is the hook
self-healing policies use.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tsnplan.errors import Problem, UsageError
from tsnplan.units import parse_percent, parse_time_ns

__all__ = ["Failure", "Reroute", "Scenario", "parse_failure", "parse_cbs", "check_failures", "listener_ports"]


@dataclass(frozen=True, slots=True)
class Failure:
    """``kind`` is "link" (target ``"a--b"``) or "node"; ``restore_ns`` brings it back (None: never)."""

    kind: str
    target: str
    at_ns: int
    restore_ns: int | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.target}"


@dataclass(frozen=True, eq=False)
class Reroute:
    """From ``at_ns`` on, stream ``stream`` releases on its route in ``problem`` (same port names),
    at the offsets of ``schedule`` if given, else at its current offsets.

    A ``schedule`` with gate lists is installed too, as a CNC would: from ``at_ns`` every port
    whose list in it differs from the running one runs the new list. Reroutes sharing one
    schedule install it once, at the earliest of their times."""

    at_ns: int
    stream: str
    problem: object                # CompiledProblem of the changed network
    schedule: object | None = None  # ScheduleResult for ``problem``


@dataclass(frozen=True, eq=False)
class Scenario:
    duration_ns: int
    failures: tuple[Failure, ...] = ()
    reroutes: tuple[Reroute, ...] = ()
    background_load: float = 0.0          # share of every port's rate, best effort (PCP 0)
    background_frame_bytes: int = 1522    # MAC frame size of background frames
    capture_ports: tuple[str, ...] = ()
    preemption: bool = True               # MAC merge on ports of bridges with feature qbu
    express_classes: tuple[int, ...] | None = None   # None: the classes of scheduled streams
    cbs_idle_slope: dict[int, float] = field(default_factory=dict)  # class -> share on cbs bridges, over-
                                          # riding the shapers the budget assumes (0: strict priority)
    protection_switch_ns: int = 0         # PROTECT streams switch this long after a failure on their route
    frer_history: int = 32                # 802.1CB frerSeqRcvyHistoryLength (2..64)
    frer_reset_ns: int = 1_000_000_000    # frerSeqRcvyResetMSec
    queue_limit: int = 4096               # frames per traffic-class queue before tail drop
    drain_ns: int | None = None           # after the duration, time to deliver frames in flight
    release_times: dict[str, tuple[int, ...]] = field(default_factory=dict)  # stream -> explicit releases (replay)
    vary: bool = False                    # draw clocks, cables, forwarding, talker releases within
                                          # the declared tolerances (model/tolerance.py)
    phases: dict[str, int] | None = None  # release phase (ns into the period) of unscheduled streams


def parse_failure(text: str) -> Failure:
    """``a--b@T`` (link) or ``node@T``; optional ``..T2`` restores it at T2 (e.g. ``sw-1--sw-2@10ms..20ms``)."""
    target, sep, when = text.rpartition("@")
    if not sep or not target:
        raise UsageError(f"--fail {text!r}: expected LINK@TIME (a--b@250ms) or NODE@TIME (sw-3@1s)")
    start, _, end = when.partition("..")
    try:
        at_ns = parse_time_ns(start)
        restore = parse_time_ns(end) if end else None
    except ValueError as exc:
        raise UsageError(f"--fail {text!r}: {exc}") from None
    kind = "link" if "--" in target else "node"
    return Failure(kind, target, at_ns, restore)


def parse_cbs(text: str) -> tuple[int, float]:
    """``TC:SHARE`` as in ``3:25%``: traffic class 3 shaped to 25 % of the port rate (``3:0%``: not shaped)."""
    tc, sep, share = text.partition(":")
    try:
        if not sep or not 0 <= int(tc) <= 7:
            raise ValueError
        value = parse_percent(share)
    except ValueError:
        raise UsageError(f"--cbs {text!r}: expected CLASS:SHARE with class 0-7, e.g. 3:25%") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"--cbs {text!r}: the share must be 0 to 100%")
    return int(tc), value


def check_failures(failures, network, file: str = "--fail") -> list[Problem]:
    """Every failure must name a link or node of ``network``."""
    problems = []
    for f in failures:
        if f.kind == "link":
            a, _, b = f.target.partition("--")
            if not network.has_link(a, b):
                problems.append(Problem(file, f.target, "is not a link of the network (write a--b)"))
        elif not network.has_node(f.target):
            problems.append(Problem(file, f.target, "is not a node of the network"))
        if f.restore_ns is not None and f.restore_ns <= f.at_ns:
            problems.append(Problem(file, f.target, "is restored before it fails"))
    return problems


def listener_ports(problem) -> tuple[str, ...]:
    """Ports that deliver to a listener: where a capture shows what the listeners receive."""
    hops = [int(h) for h in problem.listener_hop] + [int(h) for h in problem.listener_hop_alt if h >= 0]
    return tuple(sorted({problem.port_names[problem.hop_port[h]] for h in hops}))
