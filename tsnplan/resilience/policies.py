"""Self-healing policies and their timing: FRER, protection switching, reactive rerouting.

Each stream heals by the policy its ``redundancy`` asks for; streams that ask for none get the
default policy of the analysis. The timing constants below are defaults; every one can be set.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

from tsnplan.errors import UsageError
from tsnplan.model.streams import Redundancy, StreamSet

__all__ = [
    "Policy", "FrerConfig", "RecoveryTiming", "CFM_DETECTION_NS", "DEFAULT_CONFIG_DELAY_NS",
    "apply_policy", "stream_policies", "FrerCheck", "check_frer",
]


class Policy(str, Enum):
    FRER = "frer"          # 802.1CB: replicas on disjoint routes, eliminated at the listener
    PROTECT = "protect"    # 1:1 protection: a backup route with pre-reserved windows
    REROUTE = "reroute"    # reactive: new routes and an incremental schedule after detection


#: Loss of continuity with IEEE 802.1Q CFM at the fastest CCM interval (10/3 ms): a MEP declares
#: the defect after 3.5 intervals without a CCM, 35/3 ms (HPE FlexFabric CFD manual, CCM
#: interval field 1, "maximum CCM lifetime"; Huawei/Nokia/Extreme manuals: 3.5 x interval).
#: Loss of signal on a fibre PHY is faster, but a bridge only sees its own port's signal; CFM
#: sees every failure between two maintenance end points, so it is the conservative default.
CFM_DETECTION_NS = 11_666_667

#: Time a CNC needs to compute and push new GCLs and forwarding entries. No source in the domain
#: reference; an assumption in the range of MRP's slower profiles (domain.md §3.4: 200 ms / 500 ms
#: for a whole ring reconfiguration), so it is a parameter (``--config-delay``).
DEFAULT_CONFIG_DELAY_NS = 50_000_000


@dataclass(frozen=True, slots=True)
class FrerConfig:
    """Sequence recovery at the listener (802.1CB §7.4.3). Defaults: Microchip IStaX (domain.md §3.2)."""

    algorithm: str = "vector"                 # "vector" or "match"
    history_length: int = 2                   # frerSeqRcvyHistoryLength
    reset_timeout_ns: int = 1_000_000_000     # frerSeqRcvyResetMSec = 1000 ms

    def __post_init__(self):
        if self.algorithm not in ("vector", "match"):
            raise UsageError(f"FRER recovery algorithm must be 'vector' or 'match', not {self.algorithm!r}")
        if not 2 <= self.history_length <= 65535:
            raise UsageError(f"FRER history length must be 2..65535, not {self.history_length}")


@dataclass(frozen=True, slots=True)
class RecoveryTiming:
    """When each policy restores a stream after a failure at ``t_f``.

    ``protect`` switches at ``t_f + detection + hold_off``. ``reroute`` installs new GCLs and
    routes at the first GCL cycle boundary after ``t_f + detection + config_delay`` (802.1Qbv
    applies a new list at a cycle start, ``ConfigChangeTime``). ``frer`` needs no recovery.
    """

    detection_ns: int = CFM_DETECTION_NS
    hold_off_ns: int = 0                       # G.8031 hold-off timer, default 0
    config_delay_ns: int = DEFAULT_CONFIG_DELAY_NS
    frer: FrerConfig = FrerConfig()

    def __post_init__(self):
        for name in ("detection_ns", "hold_off_ns", "config_delay_ns"):
            if getattr(self, name) < 0:
                raise UsageError(f"{name} must not be negative")

    def switch_at_ns(self, policy: Policy, fail_at_ns: int, cycle_ns: int) -> int:
        """Time from which frames take the healed route (``fail_at_ns`` for FRER)."""
        if policy is Policy.FRER:
            return fail_at_ns
        if policy is Policy.PROTECT:
            return fail_at_ns + self.detection_ns + self.hold_off_ns
        ready = fail_at_ns + self.detection_ns + self.config_delay_ns
        return -(-ready // cycle_ns) * cycle_ns


_POLICY_OF = {Redundancy.FRER: Policy.FRER, Redundancy.PROTECT: Policy.PROTECT, Redundancy.REROUTE: Policy.REROUTE}
_REDUNDANCY_OF = {v: k for k, v in _POLICY_OF.items()}


def stream_policies(streams: StreamSet) -> dict[str, Policy]:
    """Policy per stream, once ``apply_policy`` has given every stream one."""
    return {s.id: _POLICY_OF[s.redundancy] for s in streams}


def apply_policy(streams: StreamSet, default: Policy | str) -> StreamSet:
    """Give every stream that requests no redundancy the ``default`` policy; others keep theirs."""
    redundancy = _REDUNDANCY_OF[Policy(default)]
    changed = tuple(dataclasses.replace(s, redundancy=redundancy) if s.redundancy is Redundancy.NONE else s
                    for s in streams)
    return StreamSet(changed, streams.source)


@dataclass(frozen=True, slots=True)
class FrerCheck:
    """Whether sequence recovery eliminates every duplicate and keeps every frame of a stream.

    ``delay_difference_ns`` is the largest difference of the two replicas' latencies over the
    listeners; ``min_gap_ns`` the shortest time between two frames of the stream (domain.md §3.2:
    ``H >= ceil(dd / T_min) + 1``; match recovery needs ``dd < T_min``).
    """

    stream: str
    delay_difference_ns: int
    min_gap_ns: int
    history_required: int
    ok: bool
    reason: str = ""


def check_frer(stream: str, delay_difference_ns: int, min_gap_ns: int, config: FrerConfig) -> FrerCheck:
    required = -(-delay_difference_ns // min_gap_ns) + 1
    reasons = []
    if config.algorithm == "vector" and required > config.history_length:
        reasons.append(f"history length {config.history_length} < {required}: late replicas are discarded as rogue")
    if config.algorithm == "match" and delay_difference_ns >= min_gap_ns:
        reasons.append("match recovery passes late duplicates when replicas overtake the next frame")
    if config.reset_timeout_ns <= delay_difference_ns:
        reasons.append("reset timeout shorter than the replica delay difference: duplicates pass after a reset")
    return FrerCheck(stream, delay_difference_ns, min_gap_ns, required, not reasons, "; ".join(reasons))
