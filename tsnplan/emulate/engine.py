"""Drive the event loop: compile a problem, schedule and scenario into kernel arrays, run, aggregate.

The emulator reads only data from a schedule (the first-hop windows become talker release offsets,
the GCL arrays drive the gates); it shares no code with the scheduler, so it judges it
independently.

Kernel model (ext/evloop.pyx), all times int64 ns:

- egress ports with traffic-class queues (a frame's class: its PCP through 802.1Q Table 8-5 for
  the port's queue count, ``traffic_types``), strict priority; a frame starts only if its gate
  stays open until its last byte (802.1Qbv); the SR-class queues the budget shapes (``model.shaping``:
  ``cbs`` bridges, SRP reservation as idle slope; ``Scenario.cbs_idle_slope`` overrides a class) run
  a credit-based shaper (802.1Qav; credit accrues while frames wait, is charged for the whole frame
  when it starts);
  ports of bridges with feature ``qbu`` preempt (802.1Qbu/802.3br) preemptable frames for express
  classes (default: the classes the port gates for scheduled streams), respecting the 64 B fragment rules and
  adding 24 B per preemption;
- store-and-forward: a frame is enqueued at the next port after the end of its transmission,
  the link's propagation (+ PHY) and the forwarding node's processing delay (compile.py's timing);
  a 5G bridge adds its residence times and a delay drawn from its profile (seeded xoshiro256** in
  the kernel), or holds the frame until the profile's planning quantile when it has
  ``hold_and_forward``;
- 10BASE-T1S segments (ports sharing a ``port_resource``) take turns by PLCA: beacon, then one
  transmit opportunity per PLCA id in order (``burst_count`` extra frames), TO timer when silent;
  an idle segment rests and resumes at the phase its idle cycle would have;
- talkers release frames at their scheduled first-hop window starts (every instance of the
  hyperperiod) or, for unscheduled streams, once per period at a seeded random phase; streams a
  partial schedule could not place are not admitted (never sent, listed apart); background
  best-effort frames (PCP 0, in its Table 8-5 class) arrive at every port as a Poisson process at
  the chosen share of its rate;
- FRER streams use both routes of their hop tree; each listener eliminates duplicates with 802.1CB
  vector recovery (history length, reset timeout); PROTECT streams use their first route and
  switch to the backup ``protection_switch_ns`` after a failure on it.

Failures: a failed port drops what is queued on it, held (preempted) by it or on its wire; a
frame whose last bit had not reached the far end when the link failed is lost, one that had is
in the next node and goes on (its processing, a 5G bridge's radio delay and hold happen there)
unless the port it leaves by is down.

Changing forwarding while running: the kernel holds several *routes* per stream (hop trees with
their own release sources) of which one is active, several *gate lists* of which each port runs
one, and a list of timed controls: fail a port, restore a port, switch stream s to route r
(packets already under way finish on their old route), make port p run gate list g.
``Scenario.failures`` and ``Scenario.reroutes`` (a stream's route in another ``CompiledProblem`` of
the same ports, e.g. ``compile_problem(network.without(links=...), streams)``, optionally with its
schedule, whose gate lists replace the running ones where they differ) become those controls;
``build_inputs`` returns the arrays and ``EngineMaps`` for them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from tsnplan._ext.evloop import DONE, EventLoop
from tsnplan.errors import InputError, InternalError, Problem
from tsnplan.model.compile import (NO_HOP, REDUNDANCY_FRER, REDUNDANCY_PROTECT, CompiledProblem,
                                   fiveg_hop_profiles)
from tsnplan.model.media.ethernet import WIRE_OVERHEAD_BYTES
from tsnplan.model.media.t1s import BEACON_BT, BIT_TIME_NS, PlcaConfig
from tsnplan.model.gating import port_gated_mask
from tsnplan.model.network import Feature, NodeKind
from tsnplan.model.shaping import cbs_shaping
from tsnplan.model.traffic_types import traffic_classes
from tsnplan.emulate.capture import PcapngWriter
from tsnplan.emulate.result import POLICE_REASONS, EmulationResult, LatencyAccumulator, ListenerStats
from tsnplan.emulate.scenario import Reroute, Scenario, check_failures
from tsnplan.model.tolerance import min_processing_ns, min_propagation_ns, plant_sync_error_ns
from tsnplan.schedule.psfp import merged_intervals

__all__ = ["build_inputs", "EngineMaps", "run_emulation", "CTL_FAIL", "CTL_RESTORE", "CTL_SWITCH",
           "CTL_GATES", "BACKGROUND_PCP"]

CTL_FAIL, CTL_RESTORE, CTL_SWITCH, CTL_GATES = 0, 1, 2, 3
BACKGROUND_PCP = 0     # best effort; its class per port is Table 8-5's (class 1 on 8 queues)
ALL_GATES = 0xFF
_I64, _I32, _I8 = np.int64, np.int32, np.int8
_PROGRESS_STEPS = 50


@dataclass
class EngineMaps:
    """How kernel indices map back to the problem: engine hop -> stream and replica, routes."""

    hop_stream: list[int] = field(default_factory=list)
    hop_replica: list[int] = field(default_factory=list)
    route_stream: list[int] = field(default_factory=list)
    route_ports: list[set[int]] = field(default_factory=list)
    capture_ports: list[int] = field(default_factory=list)


class _Builder:
    """Accumulates routes (hop trees with release sources) in kernel layout."""

    def __init__(self, problem: CompiledProblem, phases: np.ndarray, variation: "_Variation | None" = None):
        self.base = problem
        self.phases = phases
        self.variation = variation
        self._gate_rows: dict[int, dict[tuple[int, int], list[int]]] = {}   # schedule -> (stream, hop) -> gate rows
        self.hop = {k: [] for k in ("port", "stream", "parent", "prop", "proc", "proc_var", "profile", "hold",
                                    "listener")}
        self.gates: list[tuple[int, list[tuple[int, int, int]]]] = []   # per hop: (cycle, intervals)
        self.src = {k: [] for k in ("stream", "route", "hop", "frame", "count", "cycle", "jitter")}
        self.src_offsets: list[list[int]] = []
        self.route_src: list[list[int]] = []
        self.profiles: list = []
        self._profile_index: dict[int, int] = {}
        self.maps = EngineMaps()

    def _stream_gate(self, schedule, s: int, h: int, clock_ns: int) -> tuple[int, list[tuple[int, int, int]]]:
        """The 802.1Qci stream gate the schedule configures in front of hop ``h`` of stream ``s``:
        (cycle, merged open intervals with their octet budgets, on a clock ``clock_ns`` off true
        time); (0, []) when there is none."""
        gates = getattr(schedule, "stream_gates", None)
        if gates is None or not len(gates):
            return 0, []
        index = self._gate_rows.get(id(schedule))
        if index is None:
            index = self._gate_rows[id(schedule)] = {}
            for i, key in enumerate(zip(gates.stream.tolist(), gates.hop.tolist())):
                index.setdefault(key, []).append(i)
        rows = index.get((s, h))
        if not rows:
            return 0, []
        cycle = int(schedule.hyperperiod_ns)
        return cycle, merged_intervals(gates.open_ns[rows] + clock_ns, gates.close_ns[rows] + clock_ns,
                                       gates.max_octets[rows], cycle)

    def _profile(self, profile) -> int:
        key = id(profile)
        if key not in self._profile_index:
            self._profile_index[key] = len(self.profiles)
            self.profiles.append(profile)
        return self._profile_index[key]

    def _forwarding(self, pb: CompiledProblem, h: int) -> tuple[int, int, int]:
        """(fixed delay, profile index or -1, hold-until delay) of the node forwarding hop ``h``."""
        proc = int(pb.hop_proc_ns[h])
        if pb.hop_profile[h] < 0:
            return proc, -1, 0
        port = int(pb.hop_port[h])
        parent_port = int(pb.hop_port[pb.hop_parent[h]])
        node = pb.node_names[pb.port_src[port]]
        before = pb.port_src[parent_port] if pb.node_names[pb.port_dst[parent_port]] == node else pb.port_dst[parent_port]
        parts = fiveg_hop_profiles(pb.network, node, f"{pb.node_names[before]}->{node}", pb.port_names[port])
        quantile = sum(p.quantile_ns(pb.percentile) for p in parts)
        hold = quantile if pb.network.node(node).hold_and_forward else 0
        return proc - quantile, self._profile(pb.profiles[pb.hop_profile[h]]), hold

    def add_route(self, s: int, pb: CompiledProblem, sb, s_b: int, hops: list[int],
                  targets: dict[int, int], fallback_offsets: list[tuple[int, list[int]]] | None = None) -> int:
        """Copy hops ``hops`` (of stream ``s_b`` in ``pb``, parents first) as a new route of stream ``s``;
        ``targets`` maps a hop to the (base) listener it delivers to. Returns the route index."""
        base = self.base
        r = len(self.route_src)
        local: dict[int, int] = {}
        roots = []
        ports = set()
        for h in hops:
            e = len(self.hop["port"])
            local[h] = e
            parent = int(pb.hop_parent[h])
            port = base.port_index[pb.port_names[pb.hop_port[h]]]
            fixed, profile, hold = self._forwarding(pb, h)
            prop, spread = int(pb.hop_prop_ns[h]), 0
            if self.variation is not None:
                spread, prop = self.variation.forwarding(pb, h, prop)
            self.hop["port"].append(port)
            self.hop["stream"].append(s)
            self.hop["parent"].append(local[parent] if parent != NO_HOP else -1)
            self.hop["prop"].append(prop)
            self.hop["proc"].append(fixed)
            self.hop["proc_var"].append(spread)
            self.hop["profile"].append(profile)
            self.hop["hold"].append(hold)
            self.hop["listener"].append(targets.get(h, -1))
            self.gates.append(self._stream_gate(sb, s_b, h, self.variation.clock_of_port(pb, h) if self.variation else 0))
            self.maps.hop_stream.append(s)
            self.maps.hop_replica.append(int(pb.hop_replica[h]))
            ports.add(port)
            if parent == NO_HOP:
                roots.append(h)
        n_frames = int(base.frame_ptr[s + 1] - base.frame_ptr[s])
        offsets = self._release_offsets(s, pb, sb, s_b, roots, n_frames) or fallback_offsets
        if self.variation is not None:
            offsets = self.variation.releases(pb, s_b, offsets)
        sources = []
        for i, h in enumerate(roots):
            cycle, per_frame = offsets[min(i, len(offsets) - 1)]
            for f in range(n_frames):
                sources.append(len(self.src["stream"]))
                self.src["stream"].append(s)
                self.src["route"].append(r)
                self.src["hop"].append(local[h])
                self.src["frame"].append(f)
                self.src["count"].append(1 if i == 0 else 0)
                self.src["cycle"].append(cycle)
                self.src["jitter"].append(self.variation.release_jitter(pb, s_b) if self.variation else 0)
                self.src_offsets.append(per_frame[f])
        self.route_src.append(sources)
        self.maps.route_stream.append(s)
        self.maps.route_ports.append(ports)
        return r

    def _release_offsets(self, s, pb, sb, s_b, roots, n_frames):
        """[(cycle, offsets per frame)] per root hop: scheduled first-hop windows, else periodic."""
        period = int(self.base.stream_period_ns[s])
        if sb is not None and sb.window_ptr[s_b + 1] > sb.window_ptr[s_b] and pb.stream_ids[s_b] not in sb.unscheduled:
            sl = sb.stream_windows(s_b)
            hops, frames = sb.window_hop[sl], sb.window_frame[sl]
            insts, starts = sb.window_instance[sl], sb.window_start_ns[sl]
            n_inst = int(sb.hyperperiod_ns) // period
            out = []
            for h in roots:
                per_frame = []
                for f in range(n_frames):
                    pick = (hops == h) & (frames == f)
                    order = np.argsort(insts[pick], kind="stable")
                    offsets = starts[pick][order].tolist()
                    if len(offsets) != n_inst:
                        break
                    per_frame.append(offsets)
                if len(per_frame) == n_frames:
                    out.append((int(sb.hyperperiod_ns), per_frame))
            if out:
                return out
        return [(period, [[int(self.phases[s])]] * n_frames)]


class _Variation:
    """Independent draws within the declared tolerances (model/tolerance.py), from their own
    seeded generator: a clock offset per node within +-sync_error/2 and a propagation per link
    between the fastest cable of its medium and the planned one; the kernel draws per frame a
    forwarding delay between ``processing_min`` and ``processing`` and a release up to the
    talker's ``release_jitter`` late."""

    def __init__(self, problem: CompiledProblem, seed: int):
        self.rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x7A51])
        network = problem.network
        half = plant_sync_error_ns(problem) // 2
        self.clock = {n: int(self.rng.integers(-half, half + 1)) for n in problem.node_names}
        self.cable = {link.key: float(self.rng.random()) for link in network.links}
        self.tsnkit = problem.timing == "tsnkit"

    def clock_of_port(self, pb: CompiledProblem, h: int) -> int:
        return self.clock[pb.node_names[pb.port_src[pb.hop_port[h]]]]

    def forwarding(self, pb: CompiledProblem, h: int, prop: int) -> tuple[int, int]:
        """(how much faster than ``processing`` the node may forward, the kernel draws it per
        frame; the link's propagation, drawn once) of hop ``h``."""
        if self.tsnkit:
            return 0, prop
        port = pb.network.ports[pb.port_names[pb.hop_port[h]]]
        prop -= int((prop - min_propagation_ns(prop)) * self.cable[port.link.key])
        node = pb.network.node(port.src)
        spread = 0
        if pb.hop_parent[h] >= 0 and pb.hop_profile[h] < 0:
            spread = node.processing_ns - min_processing_ns(node)
        return spread, prop

    def releases(self, pb: CompiledProblem, s: int, offsets):
        """Release offsets on the talker's clock."""
        talker = pb.streams.by_id()[pb.stream_ids[s]].talker
        shift = self.clock[talker]
        return [(cycle, [[o + shift for o in frame] for frame in per_frame]) for cycle, per_frame in offsets]

    def release_jitter(self, pb: CompiledProblem, s: int) -> int:
        """Up to how late the talker of stream ``s`` sends (the kernel draws it per release)."""
        return 0 if self.tsnkit else pb.network.node(pb.streams.by_id()[pb.stream_ids[s]].talker).release_jitter_ns

    def gate_base(self, problem: CompiledProblem, port: int, base: int, cycle: int) -> int:
        """A port's gate-list base on its bridge's clock, kept at or below 0 (the kernel's
        position in the cycle is ``now - base``, never negative)."""
        return (base + self.clock[problem.node_names[problem.port_src[port]]]) % cycle - cycle


class _GateLists:
    """Gate lists in kernel layout, one row each with its own cycle: row p is port p's list at the
    start of the run; a reroute's schedule adds the rows it installs."""

    def __init__(self, problem: CompiledProblem, schedule):
        self.rows: list[tuple[tuple[int, ...], tuple[int, ...], int, int]] = []   # starts, gates, cycle, base
        gcl = schedule.gcl if schedule is not None else None
        self.row_port: list[int] = list(range(problem.n_ports))
        for p in range(problem.n_ports):
            self.rows.append(self._row(gcl, p))

    @staticmethod
    def _row(gcl, p: int):
        """Port ``p``'s entries tiling [0, hyperperiod): zero-length entries dropped, repeats merged
        (also where the port's own cycle repeats), the last entry held to the end, entries past it cut."""
        if gcl is None:
            return (0,), (ALL_GATES,), 1, 0
        cycle = int(gcl.cycle_ns)
        t, mine = 0, []
        for duration, g in gcl.entries(p):
            if duration <= 0 or t >= cycle:
                t += max(duration, 0)
                continue
            if not mine or mine[-1][1] != (g & ALL_GATES):
                mine.append((t, g & ALL_GATES))
            t += duration
        mine = mine or [(0, ALL_GATES)]
        return tuple(m[0] for m in mine), tuple(m[1] for m in mine), cycle, int(gcl.base_time_ns)

    def install(self, problem: CompiledProblem, other: CompiledProblem, schedule) -> list[tuple[int, int]]:
        """(port, row) for every port whose list in ``schedule`` (made for ``other``) differs from
        the one it starts with."""
        out = []
        for j, name in enumerate(other.port_names):
            q = problem.port_index[name]
            row = self._row(schedule.gcl, j)
            if row != self.rows[q]:
                out.append((q, len(self.rows)))
                self.rows.append(row)
                self.row_port.append(q)
        return out

    def arrays(self) -> dict:
        ptr = np.cumsum([0] + [len(r[0]) for r in self.rows]).astype(_I64)
        always = []
        for _, gates, _, _ in self.rows:
            mask = ALL_GATES
            for g in gates:
                mask &= g
            always.append(mask)
        return dict(gcl_ptr=ptr, gcl_start=np.array([s for r in self.rows for s in r[0]], _I64),
                    gcl_gates=np.array([g for r in self.rows for g in r[1]], _I32),
                    gcl_cycle=np.array([r[2] for r in self.rows], _I64),
                    gcl_base=np.array([r[3] for r in self.rows], _I64), gcl_always=np.array(always, _I32))


def _resources(problem: CompiledProblem) -> dict:
    network = problem.network
    ports = [network.ports[n] for n in problem.port_names]
    names = sorted({p.resource for p in ports})
    plca, n_to, to_ns, beacon_ns, burst, to_ptr, to_port = [], [], [], [], [], [0], []
    for name in names:
        if network.has_node(name) and network.node(name).kind is NodeKind.T1S_SEGMENT:
            config = network.node(name).plca or PlcaConfig()
            members = network.segment_members(name)
            ids = [network.link(name, m).plca_id for m in members]
            ids = [i if i is not None else k for k, i in enumerate(ids)]
            count = max(config.node_count or len(members), max(ids) + 1)
            slots = [-1] * count
            for m, i in zip(members, ids):
                slots[i] = problem.port_index[f"{m}->{name}"]
            plca.append(1); n_to.append(count); to_ns.append(config.to_timer_bt * BIT_TIME_NS)
            beacon_ns.append(BEACON_BT * BIT_TIME_NS); burst.append(config.burst_count)
            to_port += slots
        else:
            plca.append(0); n_to.append(0); to_ns.append(0); beacon_ns.append(0); burst.append(0)
        to_ptr.append(len(to_port))
    return dict(res_plca=np.array(plca, _I8), res_n_to=np.array(n_to, _I32), res_to_ns=np.array(to_ns, _I64),
                res_beacon_ns=np.array(beacon_ns, _I64), res_burst=np.array(burst, _I32),
                res_to_ptr=np.array(to_ptr, _I64), res_to_port=np.array(to_port, _I32))


def _closure(problem: CompiledProblem, targets) -> list[int]:
    """The targets and all their ancestors, in index order (parents first, as compile orders them)."""
    keep = set()
    for h in targets:
        while h != NO_HOP and h not in keep:
            keep.add(h)
            h = int(problem.hop_parent[h])
    return sorted(keep)


def _stream_targets(problem: CompiledProblem, s: int, alt: bool) -> dict[int, int]:
    lo, hi = int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])
    source = problem.listener_hop_alt if alt else problem.listener_hop
    return {int(source[l]): l for l in range(lo, hi) if source[l] != NO_HOP}


def _failed_ports(problem: CompiledProblem, failure) -> list[int]:
    if failure.kind == "link":
        a, _, b = failure.target.partition("--")
        names = [f"{a}->{b}", f"{b}->{a}"]
    else:
        names = [n for n, port in problem.network.ports.items() if failure.target in (port.src, port.dst)]
    return [problem.port_index[n] for n in names if n in problem.port_index]


def build_inputs(problem: CompiledProblem, schedule, scenario: Scenario, seed: int) -> tuple[dict, EngineMaps]:
    """Kernel arrays for one run (validated here: the kernel trusts them)."""
    network = problem.network
    problems = check_failures(scenario.failures, network)
    for name in scenario.capture_ports:
        if name not in problem.port_index:
            problems.append(Problem("--capture", name, "is not a port of the network (write a->b)"))
    if not 2 <= scenario.frer_history <= 64:
        problems.append(Problem("scenario", "frer_history", "must be 2..64"))
    if problems:
        raise InputError(problems)

    n_ports, n_streams = problem.n_ports, problem.n_streams
    rng = np.random.default_rng(seed)
    phases = np.array([rng.integers(0, int(p)) for p in problem.stream_period_ns], _I64)
    for sid, phase in (scenario.phases or {}).items():
        if sid in problem.stream_index:
            s = problem.stream_index[sid]
            phases[s] = int(phase) % int(problem.stream_period_ns[s])
    variation = _Variation(problem, seed) if scenario.vary else None
    builder = _Builder(problem, phases, variation)
    standby: dict[int, int] = {}
    refused = set(schedule.unscheduled) if schedule is not None else set()
    for s in range(n_streams):
        if problem.stream_ids[s] in refused:
            continue
        red = int(problem.stream_redundancy[s])
        first = _stream_targets(problem, s, alt=False)
        if red == REDUNDANCY_FRER:
            targets = {**first, **_stream_targets(problem, s, alt=True)}
            hops = list(range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])))
        else:
            targets, hops = first, _closure(problem, first)
        if not hops:
            continue
        builder.add_route(s, problem, schedule, s, hops, targets)
        backup = _stream_targets(problem, s, alt=True)
        if red == REDUNDANCY_PROTECT and backup:
            fallback = builder._release_offsets(s, problem, schedule, s, [h for h in hops if problem.hop_parent[h] == NO_HOP], int(problem.frame_ptr[s + 1] - problem.frame_ptr[s]))
            standby[s] = builder.add_route(s, problem, schedule, s, _closure(problem, backup), backup, fallback)

    controls: list[tuple[int, int, int, int]] = []   # (time, op, a, b)
    for failure in scenario.failures:
        ports = _failed_ports(problem, failure)
        controls += [(failure.at_ns, CTL_FAIL, p, 0) for p in ports]
        if failure.restore_ns is not None:
            controls += [(failure.restore_ns, CTL_RESTORE, p, 0) for p in ports]
        for s, r in standby.items():
            first_route = builder.maps.route_stream.index(s)
            if builder.maps.route_ports[first_route] & set(ports):
                controls.append((failure.at_ns + scenario.protection_switch_ns, CTL_SWITCH, s, r))
    for reroute in scenario.reroutes:
        controls.append((reroute.at_ns, CTL_SWITCH, *_reroute_route(builder, problem, schedule, reroute)))
    gate_lists = _GateLists(problem, schedule)
    installs: dict[int, Reroute] = {}      # one install per schedule, at the first reroute using it
    for reroute in scenario.reroutes:
        if reroute.schedule is not None and reroute.schedule.gcl is not None:
            first = installs.setdefault(id(reroute.schedule), reroute)
            if reroute.at_ns < first.at_ns:
                installs[id(reroute.schedule)] = reroute
    for reroute in installs.values():
        controls += [(reroute.at_ns, CTL_GATES, q, row)
                     for q, row in gate_lists.install(problem, reroute.problem, reroute.schedule)]
    controls.sort(key=lambda c: c[0])

    port_names = problem.port_names
    ports = [network.ports[n] for n in port_names]
    hop = builder.hop
    hop_port = np.array(hop["port"], _I32)
    hop_class = traffic_classes(problem.stream_pcp[np.array(hop["stream"], np.int64)], problem.port_queues[hop_port])
    if scenario.express_classes is not None:
        express = np.full(n_ports, sum(1 << c for c in set(scenario.express_classes)), _I32)
    else:          # the classes the port gates for scheduled streams (none without a schedule)
        express = port_gated_mask(problem) if schedule is not None else np.zeros(n_ports, _I32)
    resources = _resources(problem)
    shared = resources["res_plca"][problem.port_resource] == 1
    preempt = np.array([int(scenario.preemption and not shared[p] and express[p] != 0
                            and Feature.QBU in network.node(ports[p].src).features) for p in range(n_ports)], _I8)
    cbs = cbs_shaping(problem).idle_slope_bps.reshape(-1).copy()    # the shapers the budget assumes
    for p, port in enumerate(ports):
        if Feature.CBS in network.node(port.src).features:
            for tc, share in scenario.cbs_idle_slope.items():          # explicit override (0: unshaped)
                cbs[p * 8 + tc] = int(share * int(problem.port_rate_bps[p]))
    capture = np.zeros(n_ports, _I8)
    for name in scenario.capture_ports:
        capture[problem.port_index[name]] = 1

    bg_wire = scenario.background_frame_bytes + WIRE_OVERHEAD_BYTES
    bg_mean = np.zeros(n_ports, _I64)
    if scenario.background_load > 0:
        members = np.bincount(problem.port_resource, minlength=resources["res_plca"].shape[0])
        for p, port in enumerate(ports):
            if port.passthrough:
                continue
            share = scenario.background_load / (members[problem.port_resource[p]] if shared[p] else 1)
            bg_mean[p] = max(1, int(bg_wire * 8 * 1e9 / (share * int(problem.port_rate_bps[p]))))

    _explicit_releases(builder, problem, scenario)
    parent = np.array(hop["parent"], _I64)
    n_hops = len(parent)
    children = np.argsort(parent, kind="stable")
    children = children[parent[children] >= 0]
    child_ptr = np.searchsorted(parent[children], np.arange(n_hops + 1)).astype(_I64)
    prof_ptr, prof_pct, prof_ns = [0], [], []
    for profile in builder.profiles:
        prof_pct += [float(p) for p, _ in profile.points]
        prof_ns += [int(d) for _, d in profile.points]
        prof_ptr.append(len(prof_ns))
    route_src_ptr = np.cumsum([0] + [len(r) for r in builder.route_src]).astype(_I64)
    src_off_ptr = np.cumsum([0] + [len(o) for o in builder.src_offsets]).astype(_I64)
    deadline = int(problem.stream_deadline_ns.max()) if n_streams else 0
    period = int(problem.stream_period_ns.max()) if n_streams else 0
    slowest = max([int(p.max_ns) for p in builder.profiles] or [0])
    gcl = gate_lists.arrays()
    if variation is not None:
        gcl["gcl_base"] = np.array([variation.gate_base(problem, q, int(b), int(c)) for q, b, c in
                                    zip(gate_lists.row_port, gcl["gcl_base"], gcl["gcl_cycle"])], _I64)
    drain = scenario.drain_ns if scenario.drain_ns is not None else \
        2 * max(deadline, period, int(gcl["gcl_cycle"].max()), slowest, 1_000_000)
    arrays = dict(
        port_rate_bps=problem.port_rate_bps.astype(_I64), port_res=problem.port_resource.astype(_I32),
        port_preempt=preempt, port_express=np.ascontiguousarray(express, _I32), port_cbs_slope=cbs,
        port_capture=capture, **gcl, **resources,
        hop_port=hop_port, hop_class=np.ascontiguousarray(hop_class), hop_stream=np.array(hop["stream"], _I32),
        hop_child_ptr=child_ptr, hop_child=children.astype(_I32),
        hop_prop_ns=np.array(hop["prop"], _I64), hop_proc_ns=np.array(hop["proc"], _I64),
        hop_proc_var_ns=np.array(hop["proc_var"], _I64),
        hop_profile=np.array(hop["profile"], _I32), hop_hold_ns=np.array(hop["hold"], _I64),
        hop_listener=np.array(hop["listener"], _I32),
        prof_ptr=np.array(prof_ptr, _I64), prof_pct=np.array(prof_pct, np.float64), prof_ns=np.array(prof_ns, _I64),
        **_gate_arrays(builder.gates),
        stream_frer=(problem.stream_redundancy == REDUNDANCY_FRER).astype(_I8),
        stream_frame_ptr=problem.frame_ptr.astype(_I64), frame_wire_bytes=problem.frame_wire_bytes.astype(_I64),
        frame_mac_bytes=problem.frame_mac_bytes.astype(_I64),
        src_stream=np.array(builder.src["stream"], _I32), src_route=np.array(builder.src["route"], _I32),
        src_hop=np.array(builder.src["hop"], _I32), src_frame=np.array(builder.src["frame"], _I32),
        src_count=np.array(builder.src["count"], _I8), src_cycle_ns=np.array(builder.src["cycle"], _I64),
        src_off_ptr=src_off_ptr, src_jitter_ns=np.array(builder.src["jitter"], _I64), src_off_ns=np.array([o for offs in builder.src_offsets for o in offs], _I64),
        route_src_ptr=route_src_ptr, route_src=np.array([i for r in builder.route_src for i in r], _I32),
        ctl_time=np.array([c[0] for c in controls], _I64), ctl_op=np.array([c[1] for c in controls], _I32),
        ctl_a=np.array([c[2] for c in controls], _I32), ctl_b=np.array([c[3] for c in controls], _I32),
        bg_mean_ns=bg_mean, bg_wire_bytes=bg_wire,
        port_bg_class=traffic_classes(np.full(n_ports, BACKGROUND_PCP), problem.port_queues),
        release_until=int(scenario.duration_ns), qlimit=int(scenario.queue_limit),
        frer_history=int(scenario.frer_history), frer_reset_ns=int(scenario.frer_reset_ns),
        n_listeners=int(problem.listener_ptr[-1]), stop_ns=int(scenario.duration_ns) + int(drain),
    )
    builder.maps.capture_ports = [problem.port_index[n] for n in scenario.capture_ports]
    return arrays, builder.maps


def _explicit_releases(builder: _Builder, problem: CompiledProblem, scenario: Scenario) -> None:
    """Streams given ``release_times`` (a replayed capture) release exactly then, on every root of
    every route: one source cycle longer than the run holds all the times as its offsets."""
    problems = [Problem("release_times", sid, "is not a routed stream of the plant")
                for sid in scenario.release_times if sid not in problem.stream_index]
    if problems:
        raise InputError(problems)
    explicit = {problem.stream_index[sid]: sorted(int(t) for t in times)
                for sid, times in scenario.release_times.items() if len(times)}
    for i, s in enumerate(builder.src["stream"]):
        if s in explicit:
            times = explicit[s]
            builder.src_offsets[i] = times
            builder.src["cycle"][i] = max(int(scenario.duration_ns), times[-1]) + 1


def _gate_arrays(gates: list[tuple[int, list[tuple[int, int, int]]]]) -> dict:
    """Stream gates in kernel layout: hop h's intervals in ``sg_*[hop_sg_ptr[h]:hop_sg_ptr[h+1]]``."""
    ptr = np.cumsum([0] + [len(iv) for _, iv in gates]).astype(_I64)
    flat = [x for _, iv in gates for x in iv]
    return dict(hop_sg_ptr=ptr, hop_sg_cycle=np.array([max(c, 1) for c, _ in gates], _I64),
                sg_open=np.array([x[0] for x in flat], _I64), sg_close=np.array([x[1] for x in flat], _I64),
                sg_octets=np.array([x[2] for x in flat], _I64))


def _reroute_route(builder: _Builder, problem: CompiledProblem, schedule, reroute) -> tuple[int, int]:
    """Add the route a stream has in ``reroute.problem`` to the kernel; (stream, route)."""
    other = reroute.problem
    if reroute.stream not in problem.stream_index or reroute.stream not in other.stream_index:
        raise InputError([Problem("reroute", reroute.stream, "is not a routed stream of both problems")])
    s, s2 = problem.stream_index[reroute.stream], other.stream_index[reroute.stream]
    missing = [n for n in other.port_names if n not in problem.port_index]
    if missing:
        raise InputError([Problem("reroute", reroute.stream, f"uses ports the plant does not have: {missing[:3]}")])
    base_listener = {problem.node_names[problem.listener_node[l]]: l
                     for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1]))}
    targets = {}
    alt = int(other.stream_redundancy[s2]) == REDUNDANCY_FRER
    for l in range(int(other.listener_ptr[s2]), int(other.listener_ptr[s2 + 1])):
        name = other.node_names[other.listener_node[l]]
        for hop in (other.listener_hop[l], other.listener_hop_alt[l] if alt else NO_HOP):
            if hop != NO_HOP and name in base_listener:
                targets[int(hop)] = base_listener[name]
    fallback = None
    if s in builder.maps.route_stream:
        first = builder.maps.route_stream.index(s)
        src = builder.route_src[first]
        fallback = [(builder.src["cycle"][src[0]], [builder.src_offsets[i] for i in src
                                                    if builder.src["count"][i]])] if src else None
    hops = (list(range(int(other.hop_ptr[s2]), int(other.hop_ptr[s2 + 1]))) if alt
            else _closure(other, targets))
    return s, builder.add_route(s, other, reroute.schedule, s2, hops, targets, fallback)


def run_emulation(problem: CompiledProblem, schedule, scenario: Scenario, seed: int = 0, progress=None,
                  *, pcap: str | None = None, record_sink=None, trace_sink=None) -> EmulationResult:
    """Emulate ``scenario.duration_ns`` of traffic; frames under way at the end get ``drain_ns`` to arrive.

    ``progress(done_ns, total_ns)`` is called as emulated time advances; ``record_sink(records)``
    receives every chunk of delivery records (numpy arrays: stream, seq, listener, send_ns,
    recv_ns, hop, replica); ``trace_sink(rows)`` turns on the full event trace (tests) and receives
    it in chunks; ``pcap`` writes the frames leaving ``scenario.capture_ports``.
    """
    arrays, maps = build_inputs(problem, schedule, scenario, seed)
    trace_level = 2 if trace_sink is not None else (1 if pcap and maps.capture_ports else 0)
    started = time.perf_counter()
    loop = EventLoop(arrays, seed & 0xFFFFFFFFFFFFFFFF, trace_level=trace_level)
    listener_stream = np.repeat(np.arange(problem.n_streams), np.diff(problem.listener_ptr)).astype(_I64)
    stats = LatencyAccumulator(listener_stream, problem.stream_deadline_ns)
    hop_replica = np.array(maps.hop_replica + [0], _I8)
    writer = PcapngWriter(pcap, [problem.port_names[p] for p in maps.capture_ports],
                          comment=f"tsnplan emulate {problem.network.name} seed {seed}") if trace_level == 1 else None
    templates = None
    n_frames = np.diff(problem.frame_ptr)

    def drain() -> None:
        records = loop.take_records()
        records["replica"] = hop_replica[records["hop"]]
        frames = n_frames[records["stream"]]
        stats.add(records["listener"], records["recv_ns"] - records["send_ns"], records["seq"] % frames == frames - 1)
        if record_sink is not None:
            record_sink(records)
        if loop.trace_n:
            rows = loop.take_trace()
            if trace_sink is not None:
                trace_sink(rows)
            if writer is not None:
                _write_capture(writer, templates, problem, n_frames, rows)

    def advance(stop_ns: int) -> None:
        while loop.run(stop_ns) != DONE:
            drain()
        drain()

    try:
        if writer is not None:          # scapy (0.6 s to import) only when frames are written
            from tsnplan.emulate.frames import FrameTemplates
            templates = FrameTemplates(problem, scenario.background_frame_bytes)
        total = int(scenario.duration_ns)
        for i in range(1, _PROGRESS_STEPS + 1):
            advance(total * i // _PROGRESS_STEPS)
            if progress is not None:
                progress(total * i // _PROGRESS_STEPS, total)
        advance(int(arrays["stop_ns"]))
    except BaseException:
        if writer is not None:
            writer.abort()      # an interrupted run leaves no partial capture
        raise
    if writer is not None:
        writer.close()
    if loop.trace_overflow:
        raise InternalError(f"emulation trace overflowed by {loop.trace_overflow} rows")
    return _result(problem, schedule, scenario, seed, loop, stats, time.perf_counter() - started,
                   writer.packets if writer is not None else 0, pcap if writer is not None else None)


def _write_capture(writer, templates, problem, n_frames, rows) -> None:
    for t, port, s, seq in zip(rows["time_ns"].tolist(), rows["port"].tolist(), rows["stream"].tolist(),
                               rows["seq"].tolist()):
        frame = int(seq % n_frames[s]) if s >= 0 else 0
        writer.write(problem.port_names[port], t, templates.frame_bytes(s, frame, seq if s >= 0 else writer.packets))


def _result(problem, schedule, scenario, seed, loop, stats, wall, captured, pcap) -> EmulationResult:
    listeners = []
    refused = set(schedule.unscheduled) if schedule is not None else set()
    sent = np.asarray(loop.stream_sent)
    dups, rogue = np.asarray(loop.lst_duplicates), np.asarray(loop.lst_rogue)
    for s, stream_id in enumerate(problem.stream_ids):
        if stream_id in refused:
            continue
        for l in range(int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])):
            low, mean, p99, high, histogram = stats.listener_summary(l)
            received = int(stats.count[l])
            listeners.append(ListenerStats(
                stream=stream_id, listener=problem.node_names[problem.listener_node[l]],
                deadline_ns=int(problem.stream_deadline_ns[s]), sent=int(sent[s]), received=received,
                lost=max(0, int(sent[s]) - received), duplicates_eliminated=int(dups[l]), rogue=int(rogue[l]),
                deadline_misses=int(stats.misses[l]), min_ns=low, mean_ns=mean, p99_ns=p99, max_ns=high,
                histogram=histogram, message_min_ns=stats.message_min(l)))
    dropped = {problem.stream_ids[s]: int(n) for s, n in enumerate(np.asarray(loop.stream_dropped)) if n}
    policed_counts = np.asarray(loop.stream_policed).reshape(-1, len(POLICE_REASONS))
    policed = {problem.stream_ids[s]: {r: int(n) for r, n in zip(POLICE_REASONS, row) if n}
               for s, row in enumerate(policed_counts) if row.any()}
    return EmulationResult(duration_ns=int(scenario.duration_ns), seed=seed, events=int(loop.n_events),
                           frame_hops=int(loop.n_tx), listeners=tuple(listeners), dropped=dropped,
                           failures=tuple(f.label for f in scenario.failures), captured=captured, pcap=pcap,
                           wall_seconds=wall, not_admitted=tuple(sorted(refused)), policed=policed)
