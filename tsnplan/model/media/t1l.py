"""10BASE-T1L (IEEE 802.3cg clause 146): 10 Mb/s full duplex point-to-point up to 1000 m.

Its timing is plain Ethernet at 10 Mb/s plus long-reach propagation; the only special rule is the
reach, which the validator checks. The worst-case link delay over the 802.3cg link budget is
8834 ns for the 1000 m reach, which bounds the propagation of a legal link; a link without an
explicit ``propagation`` gets that worst case pro rata (8.834 ns/m, rounded up), not the 5 ns/m
of good copper, since the legacy cable 10BASE-T1L reuses may be that slow.
"""
from __future__ import annotations

from tsnplan.model.media.ethernet import MEDIUM_SPECS, Medium

__all__ = ["T1L_REACH_M", "T1L_MAX_LINK_DELAY_NS", "t1l_propagation_ns"]

T1L_REACH_M = MEDIUM_SPECS[Medium.T1L].reach_m
T1L_MAX_LINK_DELAY_NS = 8834


def t1l_propagation_ns(length_m: int) -> int:
    """Default propagation of a 10BASE-T1L link: the 802.3cg worst case for the reach, pro rata."""
    return -(-length_m * T1L_MAX_LINK_DELAY_NS // T1L_REACH_M)
