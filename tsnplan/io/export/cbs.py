"""802.1Qav credit-based shaper parameters of the ports a plant shapes, for ``tc qdisc ... cbs``.

Which queues and at which idle slope come from ``model.shaping.cbs_shaping``, the derivation the
budget and the emulator use (SRP reservation on ``cbs`` bridges). ``tc`` takes the slopes in
kbit/s: the idle slope is rounded up (never less bandwidth than the budget assumed) and the send
slope is idle slope minus the port rate. Credits in bytes, 802.1Q Annex L, highest shaped class
first: hiCredit = idleSlope x (largest interfering frame + what the higher shaped classes add)
/ (rate - their idle slopes), with a maximum-size frame (1542 bytes on the wire) as the largest
frame of a lower class; loCredit = -(largest frame of the class) x (rate - idleSlope) / rate.
Frame sizes count preamble, SFD, FCS and inter-frame gap, as ``stab overhead 24`` makes the
kernel count them.
"""
from __future__ import annotations

from fractions import Fraction
from math import ceil

from tsnplan.model.shaping import cbs_shaping

__all__ = ["Shaper", "cbs_parameters"]

MAX_FRAME_WIRE_BITS = 1542 * 8

#: (idleslope kbit/s, sendslope kbit/s, hicredit bytes, locredit bytes)
Shaper = tuple[int, int, int, int]


def cbs_parameters(problem) -> dict[str, dict[int, Shaper]]:
    """port key -> traffic class -> its shaper, for every shaped queue of the compiled plant."""
    shaping = cbs_shaping(problem)
    out: dict[str, dict[int, Shaper]] = {}
    for p, key in enumerate(problem.port_names):
        classes = [c for c in range(7, -1, -1) if shaping.idle_slope_bps[p, c] > 0]
        rate = int(problem.port_rate_bps[p])
        higher_slope, higher_terms = 0, Fraction(0)
        for c in classes:
            idle = int(shaping.idle_slope_bps[p, c])
            frame = int(shaping.max_frame_bits[p, c])
            hi = ceil(Fraction(idle) * (MAX_FRAME_WIRE_BITS + higher_terms) / (rate - higher_slope) / 8)
            lo = ceil(Fraction(frame) * (rate - idle) / rate / 8)
            idle_kbps = -(-idle // 1000)
            out.setdefault(key, {})[c] = (idle_kbps, idle_kbps - rate // 1000, hi, -lo)
            higher_slope += idle
            higher_terms += Fraction(frame) * (rate - idle) / rate
    return out
