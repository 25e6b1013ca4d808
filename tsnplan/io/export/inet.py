"""INET/OMNeT++ model of a schedule: a NED network and an omnetpp.ini, to cross-check in the standard simulator.

The NED network extends INET's ``TsnNetworkBase``: bridges are ``TsnSwitch``, end stations
``TsnDevice`` (a 5G bridge or T1S segment node becomes a ``TsnSwitch``: INET models neither), one
``EthernetLink`` per link with the port's propagation as ``delay``. Node ids become NED names
(letters, digits, ``_``; a comment maps them back). Gate ``ethg[i]`` / interface ``eth[i]`` of a
node faces the same neighbour as the device map's default ``eth<i>``.

The ini holds per port the bit rate, ``numTrafficClasses`` (the device's queues) and, per class
k, ``transmissionGate[k]``: ``initiallyOpen``, ``offset`` 0 and ``durations`` (alternating open
and closed spans of the class's gate over the port's cycle; a trailing 0 keeps the count even,
as INET's PeriodicGate requires; empty for a gate that never changes). Every talker gets one
``UdpSourceApp`` per listener with the stream's period and first-window offset
(``initialProductionOffset``) and a packet length derived from its window (minus Ethernet, IPv4
and UDP overhead), streams identified by UDP port and encoded with a PCP that Table 8-5 maps to
the class their windows use on every port (``windows.py``); bridges keep the PCP.
"""
from __future__ import annotations

import re

from tsnplan.io.export.windows import stream_pcp
from tsnplan.io.export.devices import Device

__all__ = ["inet_files", "gate_durations", "ned_names"]

#: Preamble+SFD, header, VLAN tag, FCS, inter-frame gap; IPv4 and UDP headers.
ETH_OVERHEAD, IP_UDP = 42, 28
FIRST_PORT = 1000


def ned_names(nodes: list[str]) -> dict[str, str]:
    """node id -> a unique NED identifier."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in sorted(nodes):
        base = re.sub(r"[^A-Za-z0-9_]", "_", n)
        base = base if re.match(r"[A-Za-z_]", base) else f"n_{base}"
        name, i = base, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        out[n] = name
    return out


def gate_durations(entries, k: int) -> tuple[bool, list[int]]:
    """(initially open, durations) of class ``k``'s gate over one cycle of ``entries``."""
    spans: list[list] = []
    for d, g in entries:
        state = bool(g >> k & 1)
        if spans and spans[-1][0] == state:
            spans[-1][1] += d
        else:
            spans.append([state, d])
    if len(spans) == 1:
        return spans[0][0], []          # no change: INET's gate keeps its initial state
    durations = [d for _, d in spans]
    if len(durations) % 2:
        durations.append(0)             # first and last span share a state; INET joins them
    return spans[0][0], durations


def _printable(text: str) -> str:
    return re.sub(r"[^\x20-\x7e]", "?", text)


def _ini_list(values, unit: str) -> str:
    return "[" + ", ".join(f"{v}{unit}" for v in values) + "]"


def inet_files(doc: dict, devices: list[Device], network_name: str) -> dict[str, str]:
    """``{"<Network>.ned": ..., "omnetpp.ini": ...}``."""
    nodes = sorted({n for key in doc["ports"] for n in key.split("->")})
    names = ned_names(nodes)
    net = "Tsnplan" + "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", network_name) if p)
    net = net if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", net) else "TsnplanNetwork"
    by_node = {d.node: d for d in devices}
    index = {d.node: {p.neighbour: i for i, p in enumerate(d.ports)} for d in devices}
    ned = [f"// INET model of {_printable(network_name)} written by tsnplan export --to inet",
           "import inet.networks.base.TsnNetworkBase;", "import inet.node.ethernet.EthernetLink;",
           "import inet.node.tsn.TsnDevice;", "import inet.node.tsn.TsnSwitch;", "",
           f"network {net} extends TsnNetworkBase", "{", "    submodules:"]
    for n in nodes:
        d = by_node.get(n)
        kind = "TsnDevice" if d is not None and d.kind == "end-station" else "TsnSwitch"
        ned.append(f"        {names[n]}: {kind} {{ gates: ethg[{len(index.get(n, {}))}]; }}  // {_printable(n)}")
    ned.append("    connections:")
    seen = set()
    for key, port in doc["ports"].items():
        a, b = key.split("->")
        if frozenset((a, b)) in seen or a not in index or b not in index or a not in index[b]:
            continue
        seen.add(frozenset((a, b)))
        delay = int(port["propagation_ns"])
        ned.append(f"        {names[a]}.ethg[{index[a][b]}] <--> EthernetLink {{ delay = {delay}ns; "
                   f"datarate = {int(port['rate_bps'])}bps; }} <--> {names[b]}.ethg[{index[b][a]}];")
    ned.append("}")

    ini = ["[General]", f"network = {net}", f"sim-time-limit = {10 * int(doc['hyperperiod_ns'])}ns",
           "*.*.hasEgressTrafficShaping = true", "*.*.hasOutgoingStreams = true",
           '*.*.eth[*].macLayer.queue.transmissionGate[*].clockModule = "^.^.^.^.clock"', ""]
    for d in devices:
        for i, p in enumerate(d.ports):
            where = f"*.{names[d.node]}.eth[{i}]"
            ini.append(f"{where}.bitrate = {p.rate_bps}bps")
            ini.append(f"{where}.macLayer.queue.numTrafficClasses = {d.queues}")
            for k in range(d.queues):
                is_open, durations = gate_durations(p.entries, k)
                gate = f"{where}.macLayer.queue.transmissionGate[{k}]"
                ini += [f"{gate}.initiallyOpen = {'true' if is_open else 'false'}", f"{gate}.offset = 0s",
                        f"{gate}.durations = {_ini_list(durations, 'ns')}"]
    ini += ["", *_apps(doc, names, devices)]
    return {f"{net}.ned": "\n".join(ned) + "\n", "omnetpp.ini": "\n".join(ini) + "\n"}


def _apps(doc: dict, names: dict[str, str], devices: list[Device]) -> list[str]:
    rates = {p.key: p.rate_bps for d in devices for p in d.ports}
    pcps = stream_pcp(doc, devices)
    apps: dict[str, list] = {}
    sinks: dict[str, list] = {}
    port = FIRST_PORT
    for sid, s in doc["streams"].items():
        talker = str(s["paths"][0][0])
        first = min((w for w in s["windows"] if str(w["port"]).split("->")[0] == talker and w.get("instance", 0) == 0),
                    key=lambda w: w["start_ns"], default=None)
        if first is None or talker not in names:
            continue
        wire = (int(first["end_ns"]) - int(first["start_ns"])) * rates.get(first["port"], 10**9) // 1_000_000_000 // 8
        length = max(1, wire - ETH_OVERHEAD - IP_UDP)
        pcp = pcps[sid]
        for listener in sorted({str(p[-1]) for p in s["paths"]}):
            if listener not in names:
                continue
            apps.setdefault(talker, []).append((sid, names[listener], port, length, int(s["period_ns"]),
                                                int(first["start_ns"]), pcp))
            sinks.setdefault(listener, []).append(port)
            port += 1
    lines = []
    used_pcps = sorted({a[6] for v in apps.values() for a in v})
    for node_id in sorted(set(apps) | set(sinks)):
        node, rows = f"*.{names[node_id]}", apps.get(node_id, [])
        lines.append(f"{node}.numApps = {len(rows) + len(sinks.get(node_id, []))}")
        for i, (_, dest, udp, length, period, offset, _pcp) in enumerate(rows):
            app = f"{node}.app[{i}]"
            lines += [f'{app}.typename = "UdpSourceApp"', f'{app}.io.destAddress = "{dest}"',
                      f"{app}.io.destPort = {udp}", f"{app}.source.packetLength = {length}B",
                      f"{app}.source.productionInterval = {period}ns",
                      f"{app}.source.initialProductionOffset = {offset}ns",
                      f'{app}.source.clockModule = "^.^.clock"']
        for j, udp in enumerate(sinks.get(node_id, []), start=len(rows)):
            lines += [f'{node}.app[{j}].typename = "UdpSinkApp"', f"{node}.app[{j}].io.localPort = {udp}"]
        if rows:
            ident = ", ".join(f'{{stream: "s{r[2]}", packetFilter: expr(udp.destPort == {r[2]})}}' for r in rows)
            enc = ", ".join(f'{{stream: "s{r[2]}", pcp: {r[6]}}}' for r in rows)
            lines += [f"{node}.bridging.streamIdentifier.identifier.mapping = [{ident}]",
                      f"{node}.bridging.streamCoder.encoder.mapping = [{enc}]"]
    if used_pcps:
        dec = ", ".join(f'{{pcp: {p}, stream: "pcp{p}"}}' for p in used_pcps)
        enc = ", ".join(f'{{stream: "pcp{p}", pcp: {p}}}' for p in used_pcps)
        for d in devices:
            if d.is_bridge:
                lines += [f"*.{names[d.node]}.bridging.streamCoder.decoder.mapping = [{dec}]",
                          f"*.{names[d.node]}.bridging.streamCoder.encoder.mapping = [{enc}]"]
    return lines
