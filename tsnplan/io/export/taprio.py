"""Linux traffic-control commands of a device: taprio (or mqprio) per port, etf, ethtool MAC merge and PLCA.

Limits of the consumers, checked before anything is written:

- the kernel refuses a schedule entry shorter than a 60-byte frame at the link rate ("Invalid
  interval for schedule entry"). Such an entry is merged into the entry before it (into the next
  one when it is first): no frame fits in it, and taprio only starts a frame that ends before its
  gate closes, so the merge never moves a transmission into another window (``--short-entries
  refuse`` refuses instead);
- iproute2 builds the message in a 1024-byte buffer: more than ``TC_MAX_ENTRIES`` entries fail
  with "addattr_l ERROR: message exceeded bound of 1024" (measured with iproute2 6.1; re-plan with
  ``gcl_max_entries: 30`` and ``implicit_guard: true`` on the bridge, or ``--long-lists skip`` to write
  the other ports);
  before refusing, guard bands are made implicit (``implicit_guards``) in the modes where taprio
  itself starts a frame only if it ends before its gate closes;
- the cycle may not exceed 2147483647 ns (INT_MAX; newer kernels refuse larger cycle times);
- the gates may open only the device's traffic classes.

Priorities map to classes by 802.1Q Table 8-5 for the device's queue count, one queue per class.
``--mode``: ``software`` (clockid CLOCK_TAI), ``txtime-assist`` (flags 0x1, txtime-delay, an etf
qdisc on every scheduled queue) or ``full-offload`` (flags 0x2). ``stab overhead 24`` makes the
kernel count preamble, SFD, FCS and inter-frame gap in each frame's duration. With preemption
(802.1Qbu/802.3br) the scheduled classes are express and the others preemptable (``fp``), and
``ethtool --set-mm`` enables the MAC merge layer.
"""
from __future__ import annotations

from dataclasses import dataclass

from tsnplan.io.export.classes import priority_map
from tsnplan.io.export.devices import Device, DevicePort
from tsnplan.io.export.shell import command, comment, quote

__all__ = ["ExportOptions", "TC_MAX_ENTRIES", "CYCLE_MAX_NS", "min_interval_ns", "fit_entries",
           "implicit_guards", "device_body", "MODES"]

MODES = ("software", "txtime-assist", "full-offload")
TC_MAX_ENTRIES = 30
CYCLE_MAX_NS = 2**31 - 1
ETH_ZLEN = 60
STAB_OVERHEAD = 24        # preamble + SFD (8) + FCS (4) + IFG (12)


@dataclass(frozen=True)
class ExportOptions:
    mode: str = "software"
    base_time_ns: int = 0
    short_entries: str = "merge"      # merge | refuse
    long_lists: str = "refuse"        # refuse | skip


def min_interval_ns(rate_bps: int) -> int:
    """The shortest entry the kernel accepts: a 60-byte frame at the link rate, rounded up."""
    return -(-ETH_ZLEN * 8 * 1_000_000_000 // rate_bps)


def fit_entries(entries, minimum: int) -> tuple[list[tuple[int, int]], int]:
    """Entries with every one shorter than ``minimum`` merged into a neighbour; and how many were."""
    out = [list(e) for e in entries]
    merged = 0
    i = 0
    while i < len(out) and len(out) > 1:
        if out[i][0] >= minimum:
            i += 1
            continue
        target = i - 1 if i > 0 else 1
        out[target][0] += out[i][0]
        del out[i]
        merged += 1
        i = max(0, i - 1)
    squeezed: list[list[int]] = []
    for d, g in out:
        if squeezed and squeezed[-1][1] == g:
            squeezed[-1][0] += d
        else:
            squeezed.append([d, g])
    return [(d, g) for d, g in squeezed], merged


def implicit_guards(entries, scheduled_mask: int) -> tuple[list[tuple[int, int]], int]:
    """Entries with every all-closed entry that follows an entry opening only unscheduled classes
    absorbed into it; and how many were.

    Such an entry is the guard band before a window. 802.1Q 8.6.8.4 selects a frame only if it
    ends before its gate closes, and Linux taprio does so in software and txtime-assist mode
    (``taprio_entry_allows_tx``, ``find_entry_to_transmit``): extending the unscheduled gates up to
    the window lets only frames through that end before it opens, so the window stays free.
    """
    out: list[list[int]] = []
    merged = 0
    for d, g in entries:
        if g == 0 and out and out[-1][1] and not out[-1][1] & scheduled_mask:
            out[-1][0] += d
            merged += 1
        else:
            out.append([d, g])
    return [(d, g) for d, g in out], merged


def _fp(device: Device, scheduled: set[int]) -> list[str]:
    return ["E" if c in scheduled else "P" for c in range(device.queues)]


def _qdisc(device: Device, port: DevicePort, entries, scheduled: set[int], opts: ExportOptions) -> list[str]:
    n = device.queues
    pmap = priority_map(n)
    argv = ["tc", "qdisc", "replace", "dev", port.interface, "parent", "root", "handle", "100",
            "stab", "overhead", STAB_OVERHEAD]
    shape = ["num_tc", n, "map", *pmap, *([pmap[0]] * 8), "queues", *(f"1@{q}" for q in range(n))]
    if len(entries) <= 1:
        return argv + ["mqprio", *shape, "hw", 0]
    argv += ["taprio", *shape, "base-time", opts.base_time_ns + port.base_time_ns]
    for d, g in entries:
        argv += ["sched-entry", "S", f"{g:02x}", d]
    if opts.mode == "full-offload":
        argv += ["flags", "0x2"]
    elif opts.mode == "txtime-assist":
        argv += ["flags", "0x1", "txtime-delay", device.txtime_delay, "clockid", "CLOCK_TAI"]
    else:
        argv += ["clockid", "CLOCK_TAI"]
    if device.preemption and scheduled:
        argv += ["fp", *_fp(device, scheduled)]
    return argv


def port_lines(device: Device, port: DevicePort, scheduled: set[int], opts: ExportOptions,
               problems: list[str], notes: list[str], shapers: dict | None = None) -> list[str]:
    """Shell lines configuring one port (empty when the port is refused; the reason in ``problems``);
    ``shapers``: traffic class -> (idleslope, sendslope, hicredit, locredit) of its cbs qdisc."""
    where = f"{device.node}: port {port.key} ({port.interface})"
    entries = list(port.entries)
    if len(entries) > 1:
        if opts.mode not in device.modes:
            problems.append(f"{where}: the device runs taprio in {', '.join(device.modes)} mode, not {opts.mode}")
            return []
        wider = max(g for _, g in entries) >> device.queues
        if wider:
            problems.append(f"{where}: the schedule opens traffic classes above {device.queues - 1}, "
                            f"the device has {device.queues} queues")
            return []
        if port.cycle_ns > min(CYCLE_MAX_NS, device.cycle_max):
            problems.append(f"{where}: cycle {port.cycle_ns} ns exceeds the kernel limit of "
                            f"{min(CYCLE_MAX_NS, device.cycle_max)} ns")
            return []
        minimum = min_interval_ns(port.rate_bps)
        short = [d for d, _ in entries if d < minimum]
        if short and opts.short_entries == "refuse":
            problems.append(f"{where}: {len(short)} entries shorter than {minimum} ns (a 60-byte frame at "
                            f"{port.rate_bps} bit/s), which the kernel refuses")
            return []
        entries, merged = fit_entries(entries, minimum)
        if merged:
            notes.append(f"{where}: merged {merged} {'entry' if merged == 1 else 'entries'} shorter than {minimum} ns "
                         "into a neighbouring entry")
        if len(entries) > TC_MAX_ENTRIES and opts.mode != "full-offload":
            mask = sum(1 << c for c in scheduled)
            fewer, guards = implicit_guards(entries, mask)
            if guards:
                notes.append(f"{where}: merged {guards} guard {'band' if guards == 1 else 'bands'} into the "
                             f"entries before them (taprio starts a frame only if it ends before its gate "
                             f"closes): {len(entries)} -> {len(fewer)} entries")
                entries = fewer
        if len(entries) > TC_MAX_ENTRIES:
            text = (f"{where}: {len(entries)} entries, but tc carries at most {TC_MAX_ENTRIES} (iproute2's "
                    f"1024-byte message bound); re-plan with gcl_max_entries: {TC_MAX_ENTRIES} on "
                    f"{device.node} and implicit_guard: true (guard bands left to taprio), or send the list "
                    "over netlink yourself (the bound is iproute2's, not the kernel's)")
            if opts.long_lists == "skip":
                notes.append(text + "; port left out")
                return [comment(f"port {port.key} left out: {len(entries)} entries exceed what tc can carry")]
            problems.append(text)
            return []
    lines = [comment(f"port {port.key} towards {port.neighbour}: {len(entries)} entries, "
                     f"cycle {port.cycle_ns} ns, {port.rate_bps} bit/s"),
             f"if have {quote(port.interface)}; then"]
    if port.plca is not None:
        node_id, count, to_timer, burst, burst_timer = port.plca
        lines.append(command(["ethtool", "--set-plca-cfg", port.interface, "enable", "on", "node-id", node_id,
                              "node-cnt", count, "to-tmr", to_timer, "burst-cnt", burst, "burst-tmr", burst_timer]))
    if device.preemption and scheduled and len(entries) > 1:
        lines.append(command(["ethtool", "--set-mm", port.interface, "pmac-enabled", "on", "tx-enabled", "on",
                              "verify-enabled", "on"]))
    lines.append(command(_qdisc(device, port, entries, scheduled, opts)))
    if opts.mode == "txtime-assist" and len(entries) > 1:
        for c in sorted(scheduled):
            lines.append(command(["tc", "qdisc", "replace", "dev", port.interface, "parent", f"100:{c + 1}", "etf",
                                  "clockid", "CLOCK_TAI", "delta", device.txtime_delay, "offload", "skip_sock_check"]))
    for c, (idle, send, hi, lo) in sorted((shapers or {}).items()):
        if c >= device.queues or c in scheduled:
            problems.append(f"{where}: class {c} is both shaped and {'gated' if c in scheduled else 'missing'}")
            continue
        lines.append(command(["tc", "qdisc", "replace", "dev", port.interface, "parent", f"100:{c + 1}", "cbs",
                              "idleslope", idle, "sendslope", send, "hicredit", hi, "locredit", lo,
                              "offload", 1 if opts.mode == "full-offload" else 0]))
    lines.append("fi")
    return lines


def device_body(device: Device, scheduled_by_port: dict[str, set[int]], opts: ExportOptions,
                problems: list[str], notes: list[str], shapers_by_port: dict | None = None) -> list[str]:
    """Lines of every port of ``device``; ``scheduled_by_port``: the classes its gates open for windows;
    ``shapers_by_port``: the cbs shapers of each port (``cbs.cbs_parameters``)."""
    body: list[str] = []
    for port in device.ports:
        body += port_lines(device, port, scheduled_by_port.get(port.key, set()), opts, problems, notes,
                           (shapers_by_port or {}).get(port.key))
    return body
