"""The whole pipeline on one plant: schedule, budget against the schedule, emulate with a failure.

``tsnplan demo`` runs it on an example plant. The failure is the bridge-to-bridge link that the
most redundant (802.1CB) stream hops cross, so the run shows replication doing its work; it is
injected half-way through the emulated time. Outputs can be written to a folder as they are made,
so a crash late in the run keeps what was done.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tsnplan.budget import BudgetResult, compute_budget
from tsnplan.emulate import Scenario, run_emulation
from tsnplan.emulate.result import EmulationResult
from tsnplan.emulate.scenario import Failure, listener_ports
from tsnplan.emulate.verdict import Verdict, judge
from tsnplan.io.plant import Plant
from tsnplan.model.compile import REDUNDANCY_FRER, CompiledProblem
from tsnplan.schedule import ScheduleResult, ScheduleStatus, schedule

__all__ = ["PipelineResult", "run_pipeline", "pick_failure"]


@dataclass(frozen=True, eq=False)
class PipelineResult:
    problem: CompiledProblem
    schedule: ScheduleResult
    budget: BudgetResult
    emulation: EmulationResult
    failure: Failure | None
    frer_streams: tuple[str, ...]

    @property
    def frer_losses(self) -> dict[str, int]:
        """Frames lost by 802.1CB streams under the failure (must be none)."""
        lost: Counter = Counter()
        for stats in self.emulation.listeners:
            if stats.stream in self.frer_streams and stats.lost:
                lost[stats.stream] += stats.lost
        return dict(sorted(lost.items()))

    @property
    def late_frames(self) -> int:
        return sum(stats.deadline_misses for stats in self.emulation.listeners)

    @property
    def verdict(self) -> Verdict:
        """Lost and late frames per listener, and which of them the failure or a 5G tail explains."""
        return judge(self.problem, self.budget, self.emulation, (self.failure,) if self.failure else ())

    @property
    def ok(self) -> bool:
        """Every stream scheduled and within budget, and no frame lost or late unless explained:
        frames of unprotected streams whose route crosses the failed link (which streams survive
        which failure is `tsnplan heal`'s question) and 5G misses within the stated probability.
        802.1CB streams must lose nothing.
        """
        return (self.schedule.status is ScheduleStatus.FEASIBLE and self.budget.all_met
                and not self.frer_losses and self.verdict.ok)


def pick_failure(problem: CompiledProblem, at_ns: int) -> Failure | None:
    """The inter-bridge link crossed by most FRER hops (else by most hops); ties by name."""
    network = problem.network
    counts: Counter = Counter()
    for s in range(problem.n_streams):
        weight = 1_000_000 if problem.stream_redundancy[s] == REDUNDANCY_FRER else 1
        for h in range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])):
            port = network.ports[problem.port_names[problem.hop_port[h]]]
            if network.node(port.src).is_bridge and network.node(port.dst).is_bridge:
                counts[port.link.key] += weight
    if not counts:
        return None
    link = min(counts, key=lambda k: (-counts[k], k))
    return Failure("link", link, at_ns)


def run_pipeline(plant: Plant, *, duration_ns: int = 200_000_000, seed: int = 0,
                 out_dir: Path | None = None, progress=None) -> PipelineResult:
    from tsnplan.io.schedule_json import write_schedule

    problem = plant.compile()
    result = schedule(problem)
    problem = result.extra.get("problem", problem)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_schedule(out_dir / "schedule.json", problem, result)
    budget = compute_budget(problem, result)
    failure = pick_failure(problem, duration_ns // 2)
    pcap = str(out_dir / "emulation.pcapng") if out_dir is not None else None
    scenario = Scenario(duration_ns=duration_ns, failures=(failure,) if failure else (),
                        capture_ports=listener_ports(problem) if pcap else (), vary=True)
    emulation = run_emulation(problem, result, scenario, seed, pcap=pcap, progress=progress)
    frer = tuple(problem.stream_ids[s] for s in range(problem.n_streams)
                 if problem.stream_redundancy[s] == REDUNDANCY_FRER)
    return PipelineResult(problem, result, budget, emulation, failure, frer)
