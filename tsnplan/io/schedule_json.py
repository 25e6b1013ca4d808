"""``schedule.json`` (format ``tsnplan-schedule/1``, docs/formats.md) to and from ``ScheduleResult``.

Windows are written for the first period only when every instance repeats them at ``k * period``;
otherwise every instance is written with its ``"instance": k``. Reading needs the compiled problem
of the same network and streams, and checks that the file matches it; when the file's routes
(``paths``, ``replica_paths``) differ from the problem's, as after the scheduler re-routed
streams, the problem is compiled again with the file's routes and the result's
``extra["problem"]`` holds it (the result's hop indices refer to it). Each port's ``gcl.cycle_ns``
is its own cycle (a divisor of the hyperperiod).

A file may be hand-edited, so every read checks it twice: ``check_schedule_doc`` needs no plant
(types, ranges, safe names, gate lists, windows, overlaps; what ``export`` gets), and
``read_schedule`` then runs the planner's ``verify`` against the plant.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tsnplan.errors import InputError, LimitError, Problem
from tsnplan.io.files import read_text
from tsnplan.io.ids import clip, id_problem
from tsnplan.model.compile import MAX_HYPERPERIOD_NS, CompiledProblem, compile_problem
from tsnplan.model.routing import Routes
from tsnplan.schedule.psfp import StreamGates
from tsnplan.schedule.result import Explanation, Gcl, ScheduleResult, ScheduleStatus

__all__ = ["schedule_to_json", "schedule_from_json", "write_schedule", "read_schedule", "load_schedule_doc",
           "dump_schedule", "FORMAT"]

FORMAT = "tsnplan-schedule/1"
MAX_SCHEDULE_BYTES = 256 * 2**20
#: Windows (every instance of every hop over the hyperperiod) a schedule file may expand to.
MAX_EXPANDED_WINDOWS = 20_000_000


def _stream_paths(problem: CompiledProblem, stream_id: str) -> list[list[str]]:
    return [list(p) for p in problem.routes.paths[stream_id]]


def _instances_repeat(problem, result, s: int) -> bool:
    sl = result.stream_windows(s)
    period = int(problem.stream_period_ns[s])
    base = {}
    for hop, frame, inst, start in zip(result.window_hop[sl], result.window_frame[sl],
                                       result.window_instance[sl], result.window_start_ns[sl]):
        if inst == 0:
            base[(hop, frame)] = start
    for hop, frame, inst, start in zip(result.window_hop[sl], result.window_frame[sl],
                                       result.window_instance[sl], result.window_start_ns[sl]):
        if base.get((hop, frame)) is None or base[(hop, frame)] + int(inst) * period != start:
            return False
    return True


def schedule_to_json(problem: CompiledProblem, result: ScheduleResult) -> dict:
    """The ``schedule.json`` document; key order fixed so output is byte-identical across runs."""
    ports = {}
    if result.gcl is not None:
        for p, name in enumerate(problem.port_names):
            entries = result.gcl.port_entries(p)
            ports[name] = {
                "rate_bps": int(problem.port_rate_bps[p]),
                "propagation_ns": int(problem.port_prop_ns[p]),
                "gcl": {"base_time_ns": result.gcl.base_time_ns, "cycle_ns": result.gcl.cycle(p),
                        "entries": [{"duration_ns": d, "gates": g} for d, g in entries]},
            }
    streams = {}
    unscheduled = set(result.unscheduled)
    for s, stream_id in enumerate(problem.stream_ids):
        sl = result.stream_windows(s)
        if stream_id in unscheduled or sl.start == sl.stop:
            continue
        repeat = _instances_repeat(problem, result, s)
        windows = []
        order = np.lexsort((result.window_hop[sl], result.window_frame[sl], result.window_start_ns[sl],
                            result.window_instance[sl]))
        for i in order:
            w = sl.start + int(i)
            inst = int(result.window_instance[w])
            if repeat and inst != 0:
                continue
            hop = int(result.window_hop[w])
            entry = {"port": problem.port_names[problem.hop_port[hop]],
                     "frame": int(result.window_frame[w]),
                     "start_ns": int(result.window_start_ns[w]), "end_ns": int(result.window_end_ns[w])}
            if problem.hop_replica[hop]:
                entry["replica"] = int(problem.hop_replica[hop])
            if problem.hop_class[hop] != result.stream_class[s]:        # fewer than 8 queues
                entry["traffic_class"] = int(problem.hop_class[hop])
            if not repeat:
                entry["instance"] = inst
            windows.append(entry)
        lo, hi = int(problem.listener_ptr[s]), int(problem.listener_ptr[s + 1])
        streams[stream_id] = {
            "period_ns": int(problem.stream_period_ns[s]),
            "deadline_ns": int(problem.stream_deadline_ns[s]),
            "traffic_class": int(result.stream_class[s]),
            "paths": _stream_paths(problem, stream_id),
            **({"replica_paths": [list(p) if p else None for p in problem.routes.replicas[stream_id]]}
               if stream_id in problem.routes.replicas else {}),
            "windows": windows,
            **_gates_doc(problem, result, s, repeat),
            "latency_ns": {problem.node_names[problem.listener_node[l]]: int(result.listener_latency_ns[l])
                           for l in range(lo, hi)},
        }
    timing = {key: int(result.extra[key]) for key in ("quantum_ns", "sync_error_ns") if key in result.extra}
    return {
        "format": FORMAT,
        "network": problem.network.name,
        "hyperperiod_ns": int(result.hyperperiod_ns),
        **timing,
        "status": result.status.value,
        "method": result.method,
        "unscheduled": sorted(unscheduled),
        "explain": [{"stream": e.stream, "reason": e.reason, "conflicts": list(e.conflicts),
                     "suggestion": e.suggestion} for e in result.explanations],
        "warnings": list(result.warnings),
        "ports": ports,
        "streams": streams,
    }


def _gates_doc(problem: CompiledProblem, result: ScheduleResult, s: int, repeat: bool) -> dict:
    """``{"stream_gates": [...]}`` for a stream policed by 802.1Qci gates (tsnplan/schedule/psfp.py), else {}."""
    gates = result.stream_gates
    rows = gates.of_stream(s) if gates is not None else []
    out = []
    for i in sorted(rows, key=lambda i: (int(gates.instance[i]), int(gates.open_ns[i]), int(gates.frame[i]))):
        if repeat and gates.instance[i] != 0:
            continue
        hop = int(gates.hop[i])
        entry = {"port": problem.port_names[problem.hop_port[hop]], "frame": int(gates.frame[i]),
                 "open_ns": int(gates.open_ns[i]), "close_ns": int(gates.close_ns[i]),
                 "max_octets": int(gates.max_octets[i])}
        if problem.hop_replica[hop]:
            entry["replica"] = int(problem.hop_replica[hop])
        if not repeat:
            entry["instance"] = int(gates.instance[i])
        out.append(entry)
    return {"stream_gates": out} if out else {}


def write_schedule(path: str | Path, problem: CompiledProblem, result: ScheduleResult) -> None:
    """Write atomically (``-`` is stdout): a crash never leaves half a schedule behind."""
    from tsnplan.io.output import write_atomic

    write_atomic(path, dump_schedule(schedule_to_json(problem, result)))


def dump_schedule(doc: dict) -> str:
    """JSON text with one port and one stream per line: readable and diffable, and written by
    the C encoder (an indented dump of a large schedule is several times slower)."""
    def line(value) -> str:
        return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)

    parts = []
    for key, value in doc.items():
        if isinstance(value, dict) and value and key in ("ports", "streams"):
            inner = ",\n".join(f"  {line(k)}: {line(v)}" for k, v in value.items())
            parts.append(f" {line(key)}: {{\n{inner}\n }}")
        else:
            parts.append(f" {line(key)}: {line(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def load_schedule_doc(path: str | Path) -> dict:
    """The parsed document of a schedule.json, checked on its own (``check_schedule_doc``): every
    reader, with or without the plant, refuses an inconsistent hand-edited file the same way."""
    name = str(path)
    text = read_text(path, what="a JSON schedule", max_bytes=MAX_SCHEDULE_BYTES)
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:     # JSONDecodeError, NaN/Infinity, 5000-digit numbers
        reason = "a number has too many digits" if "digits" in str(exc) else str(exc).splitlines()[0]
        raise InputError([Problem(name, "", f"not a JSON schedule: {reason}")]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError([Problem(name, "", f"not a {FORMAT} document (write one with `tsnplan schedule -o`)")])
    check_schedule_doc(doc, name)
    return doc


def read_schedule(path: str | Path, problem: CompiledProblem) -> ScheduleResult:
    """The schedule of a file, verified against the plant's ``problem`` (``verify``, as every
    schedule the planner makes): an edited file that breaks a rule is an ``InputError``."""
    from tsnplan.schedule.verify import verify

    doc = load_schedule_doc(path)
    name = str(path)
    result = schedule_from_json(doc, problem, name, checked=True)
    checked = result.extra.get("problem", problem)
    found = verify(checked, result, sync_error_ns=int(doc.get("sync_error_ns", 0)), quantum=doc.get("quantum_ns"))
    if found:
        raise InputError([Problem(name, "", f"does not hold for this plant: {message}") for message in found])
    return result


def _whole(value, what: str, lo: int = 0, hi: int = 2**62) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, got {clip(repr(value), 40)}")
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be in {lo}..{hi}, got {clip(str(value), 40)}")
    return value


class _BaseWindows:
    """Windows as written (one per hop and frame, or per instance too), expanded to every instance
    in one numpy pass instead of a Python loop per instance."""

    def __init__(self):
        self.hop, self.frame, self.inst, self.start, self.end, self.step, self.count = [], [], [], [], [], [], []
        self.total = 0

    def add(self, hop: int, frame: int, inst: int, start: int, end: int, step: int, count: int) -> None:
        self.hop.append(hop)
        self.frame.append(frame)
        self.inst.append(inst)
        self.start.append(start)
        self.end.append(end)
        self.step.append(step)
        self.count.append(count)
        self.total += count

    def expand(self):
        """(hop, frame, instance, start, end) arrays, each window's instances consecutive."""
        count = np.array(self.count, dtype=np.int64)
        which = np.repeat(np.arange(len(count)), count)
        k = np.arange(self.total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        step = np.array(self.step, dtype=np.int64)[which] * k
        return (np.array(self.hop, dtype=np.int32)[which], np.array(self.frame, dtype=np.int32)[which],
                (np.array(self.inst, dtype=np.int64)[which] + k).astype(np.int32),
                np.array(self.start, dtype=np.int64)[which] + step, np.array(self.end, dtype=np.int64)[which] + step)


def check_schedule_doc(doc: dict, file: str) -> None:
    """Checks a schedule document needs no plant for: types and ranges of every field, each
    port's gate list (non-empty, gates 0..255, durations summing to a cycle that divides the
    hyperperiod), windows inside their period and the hyperperiod, and no two windows overlapping
    on one port over the hyperperiod. ``InputError`` lists what is wrong."""
    problems: list[Problem] = []
    try:
        hyper = _whole(doc.get("hyperperiod_ns"), "hyperperiod_ns", 1, MAX_HYPERPERIOD_NS)
    except ValueError as exc:
        raise LimitError([Problem(file, "hyperperiod_ns", str(exc))]) from None
    for key, kind in (("ports", dict), ("streams", dict)):
        if not isinstance(doc.get(key), kind):
            raise InputError([Problem(file, key, f"missing or not a {kind.__name__}")])
    for key in ("quantum_ns", "sync_error_ns"):
        if key in doc:
            try:
                _whole(doc[key], key, 1 if key == "quantum_ns" else 0, 10**9)
            except ValueError as exc:
                problems.append(Problem(file, key, str(exc)))
    if not isinstance(doc.get("status"), str) or doc["status"] not in {s.value for s in ScheduleStatus}:
        problems.append(Problem(file, "status", f"{clip(repr(doc.get('status')), 40)} is not a schedule status "
                                f"(one of {', '.join(s.value for s in ScheduleStatus)})"))
    for name, entry in doc["ports"].items():
        try:
            _port_name(name)
            _check_port(entry, hyper)
        except (ValueError, TypeError) as exc:
            problems.append(Problem(file, f"port {clip(name)!r}", str(exc)))
    windows = _BaseWindows()            # hop = index of the port name, frame = index of the stream
    ports: dict[str, int] = {}
    stream_names = list(doc["streams"])
    for i, (stream_id, entry) in enumerate(doc["streams"].items()):
        try:
            bad = id_problem(stream_id)
            if bad is not None:
                raise ValueError(f"not a stream id: it {bad}")
            _stream_windows(entry, hyper, i, ports, windows)
        except (ValueError, TypeError) as exc:
            problems.append(Problem(file, f"stream {clip(stream_id)!r}", str(exc)))
        if windows.total > MAX_EXPANDED_WINDOWS:
            raise LimitError([Problem(file, "streams", f"the windows expand to more than "
                                      f"{MAX_EXPANDED_WINDOWS:,} over the hyperperiod")])
    if problems:
        raise InputError(problems)
    problems = _overlaps(windows, list(ports), stream_names, file)
    if problems:
        raise InputError(problems)


def _port_name(name) -> str:
    """``name`` if it is ``a->b`` with two safe node ids (it may reach a shell script or a file name)."""
    parts = name.split("->") if isinstance(name, str) else []
    if len(parts) != 2 or any(id_problem(part) for part in parts):
        raise ValueError(f"{clip(repr(name), 60)} is not a port name 'a->b' of two node ids")
    return name


def _check_port(entry, hyper: int) -> None:
    if not isinstance(entry, dict):
        raise ValueError("expected a mapping with 'gcl'")
    for key in ("rate_bps", "propagation_ns"):
        if key in entry:
            _whole(entry[key], key, 1 if key == "rate_bps" else 0, 2**53)
    gcl = entry.get("gcl")
    if gcl is None:
        return
    if not isinstance(gcl, dict):
        raise ValueError("'gcl' must be a mapping")
    cycle = _whole(gcl.get("cycle_ns", hyper), "gcl cycle_ns", 1, hyper)
    if hyper % cycle:
        raise ValueError(f"gcl cycle_ns {cycle} does not divide the hyperperiod {hyper}")
    _whole(gcl.get("base_time_ns", 0), "gcl base_time_ns")
    entries = gcl.get("entries")
    if not isinstance(entries, list) or not entries:
        raise ValueError("gcl 'entries' must be a non-empty list of {duration_ns, gates}")
    try:        # a list can hold 2^20 entries: typed in bulk, the first bad one named
        durations = [e.get("duration_ns") for e in entries]
        gates = [e.get("gates") for e in entries]
    except AttributeError:
        raise ValueError("a gcl entry must be a mapping {duration_ns, gates}") from None
    if not (all(type(d) is int for d in durations) and 1 <= min(durations) and max(durations) <= hyper):
        for d in durations:
            _whole(d, "gcl duration_ns", 1, hyper)
    if not (all(type(g) is int for g in gates) and 0 <= min(gates) and max(gates) <= 0xFF):
        for g in gates:
            _whole(g, "gcl gates", 0, 0xFF)
    total = sum(durations)
    if total != cycle:
        raise ValueError(f"gcl entries last {total} ns in all, not the cycle {cycle} ns")


def _stream_windows(entry, hyper: int, index: int, ports: dict[str, int], out: _BaseWindows) -> None:
    """Checks a stream entry and adds its windows to ``out`` (port numbered in ``ports``)."""
    if not isinstance(entry, dict):
        raise ValueError("expected a mapping with 'period_ns' and 'windows'")
    period = _whole(entry.get("period_ns"), "period_ns", 1, hyper)
    if hyper % period:
        raise ValueError(f"the hyperperiod {hyper} ns is not a multiple of the period {period} ns")
    _whole(entry.get("deadline_ns", 1), "deadline_ns", 1, 2**53)
    _whole(entry.get("traffic_class", 0), "traffic_class", 0, 7)
    for key in ("paths", "replica_paths"):
        for path in entry.get(key) or []:
            if path is not None and (not isinstance(path, list) or any(
                    not isinstance(n, (str, int)) or isinstance(n, bool) or id_problem(str(n)) for n in path)):
                raise ValueError(f"'{key}' must hold lists of node ids, got {clip(repr(path), 60)}")
    windows = entry.get("windows", [])
    if not isinstance(windows, list):
        raise ValueError("'windows' must be a list")
    explicit = any(isinstance(w, dict) and "instance" in w for w in windows)
    count = hyper // period
    for w in windows:
        if not isinstance(w, dict):
            raise ValueError("a window must be a mapping")
        port = w.get("port")
        if not isinstance(port, str) or port not in ports:      # a port name is checked once
            _port_name(port)
        start, end, frame, replica = w.get("start_ns"), w.get("end_ns"), w.get("frame", 0), w.get("replica", 0)
        instance = w.get("instance", 0) if explicit else 0
        if not (type(start) is int and type(end) is int and type(frame) is int and type(replica) is int
                and type(instance) is int and 0 <= start <= hyper and 0 <= end <= hyper
                and 0 <= frame <= 2**20 and 0 <= replica <= 1 and 0 <= instance < count):
            # the slow path names the first bad field
            start, end = _whole(start, "start_ns", 0, hyper), _whole(end, "end_ns", 0, hyper)
            _whole(frame, "frame", 0, 2**20)
            _whole(replica, "replica", 0, 1)
            _whole(instance, "instance", 0, count - 1)
        if end <= start:
            raise ValueError(f"the window on {clip(port)} [{start}, {end}) is empty or ends before it starts")
        if not instance * period <= start < (instance + 1) * period:
            raise ValueError(f"the window on {clip(port)} at {start} ns lies outside its period "
                             f"[{instance * period}, {(instance + 1) * period}) ns")
        if end + (0 if explicit else (count - 1) * period) > hyper:
            raise ValueError(f"the window on {clip(port)} [{start}, {end}) runs past the hyperperiod {hyper} ns")
        port_id = ports.setdefault(port, len(ports))
        out.add(port_id, index, instance, start, end, 0 if explicit else period, 1 if explicit else count)


def _overlaps(windows: _BaseWindows, ports: list[str], streams: list[str], file: str) -> list[Problem]:
    """Problems for windows that overlap on one port over the hyperperiod (at most 20)."""
    port, stream, _, starts, ends = windows.expand()
    order = np.lexsort((starts, port))
    p, a, e = port[order], starts[order], ends[order]
    clash = np.flatnonzero((p[1:] == p[:-1]) & (a[1:] < e[:-1]))
    out = []
    for i in clash[:20]:
        x, y = order[i], order[i + 1]
        out.append(Problem(file, f"port {clip(ports[port[x]])!r}", f"windows overlap: {clip(streams[stream[x]])} "
                           f"[{starts[x]}, {ends[x]}) and {clip(streams[stream[y]])} [{starts[y]}, {ends[y]}) ns"))
    return out


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2**62:
        raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
    return value


def _list(doc: dict, key: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list")
    return value


def _explanation(entry) -> Explanation:
    if not isinstance(entry, dict):
        raise ValueError("an 'explain' entry must be a mapping")
    conflicts = entry.get("conflicts", [])
    if not isinstance(conflicts, list):
        raise ValueError("'conflicts' must be a list")
    return Explanation(str(entry.get("stream")), str(entry.get("reason", "")), tuple(map(str, conflicts)),
                       str(entry.get("suggestion", "")))


def schedule_from_json(doc, problem: CompiledProblem, file: str = "schedule.json",
                       checked: bool = False) -> ScheduleResult:
    """Rebuild a ``ScheduleResult`` from a document, checking it against ``problem``;
    ``checked``: ``check_schedule_doc`` already passed (``load_schedule_doc`` runs it)."""
    problems: list[Problem] = []
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError([Problem(file, "", f"not a {FORMAT} document")])
    if not checked:
        check_schedule_doc(doc, file)
    try:
        hyper = _int(doc.get("hyperperiod_ns"), "hyperperiod_ns")
        if not 0 < hyper <= MAX_HYPERPERIOD_NS:
            raise ValueError(f"hyperperiod_ns must be positive and at most {MAX_HYPERPERIOD_NS} ns, got {hyper}")
        status = ScheduleStatus(doc.get("status"))
        explanations = tuple(_explanation(e) for e in _list(doc, "explain"))
        warnings = tuple(map(str, _list(doc, "warnings")))
    except (ValueError, TypeError) as exc:
        raise InputError([Problem(file, "", str(exc))]) from None
    streams_doc = doc.get("streams") if isinstance(doc.get("streams"), dict) else {}
    rerouted = _file_routes(problem, streams_doc, file)
    original = problem
    if rerouted is not None:
        problem = compile_problem(problem.network, problem.streams, rerouted,
                                  percentile=problem.percentile, timing=problem.timing)
    ptr, base = [0], _BaseWindows()
    gate_rows: list[tuple] = []
    classes = np.zeros(problem.n_streams, dtype=np.int8)
    latency = np.full(int(problem.listener_ptr[-1]), -1, dtype=np.int64)
    for stream_id in streams_doc:
        if stream_id not in problem.stream_index:
            problems.append(Problem(file, f"stream {stream_id!r}", "is not a stream of the plant"))
    for s, stream_id in enumerate(problem.stream_ids):
        entry = streams_doc.get(stream_id)
        if isinstance(entry, dict):
            try:
                _read_stream_windows(problem, s, entry, hyper, base)
                gate_rows += _read_stream_gates(problem, s, entry, hyper)
                traffic_class = _int(entry.get("traffic_class", int(problem.stream_class[s])), "traffic_class")
                if traffic_class > 7:
                    raise ValueError(f"traffic_class must be 0-7, got {traffic_class}")
                classes[s] = traffic_class
                lo = int(problem.listener_ptr[s])
                names = [problem.node_names[problem.listener_node[l]] for l in range(lo, int(problem.listener_ptr[s + 1]))]
                latencies = entry.get("latency_ns", {})
                if not isinstance(latencies, dict):
                    raise ValueError("'latency_ns' must map listeners to ns")
                for i, listener in enumerate(names):
                    if listener in latencies:
                        latency[lo + i] = _int(latencies[listener], f"latency_ns[{listener}]")
            except (ValueError, TypeError, KeyError) as exc:
                problems.append(Problem(file, f"stream {stream_id!r}", str(exc)))
        else:
            classes[s] = problem.stream_class[s]
        ptr.append(base.total)
    gcl = _read_gcl(doc.get("ports"), problem, hyper, file, problems)
    if problems:
        raise InputError(problems)
    hops, frames, insts, starts, ends = base.expand()
    return ScheduleResult(
        status=status, method=str(doc.get("method", "file")), hyperperiod_ns=hyper,
        window_ptr=np.array(ptr, dtype=np.int64), window_hop=hops,
        window_frame=frames, window_instance=insts,
        window_start_ns=starts, window_end_ns=ends,
        stream_class=classes, listener_latency_ns=latency, gcl=gcl, explanations=explanations,
        warnings=warnings,
        extra={"problem": problem} if problem is not original else {},
        stream_gates=_gates_from_rows(gate_rows))


def _listener_paths(raw, stream, network, optional: bool) -> tuple:
    """One node path per listener, in the stream's listener order (``None`` allowed for a
    listener without a second route when ``optional``), each a real path talker -> listener."""
    if not isinstance(raw, list) or len(raw) != len(stream.listeners):
        raise ValueError(f"expected a list of {len(stream.listeners)} paths, one per listener")
    paths = []
    for listener, path in zip(stream.listeners, raw):
        if path is None and optional:
            paths.append(None)
            continue
        if not isinstance(path, list) or not all(isinstance(n, (str, int)) for n in path):
            raise ValueError("each path must be a list of node ids")
        nodes = tuple(str(n) for n in path)
        if len(nodes) < 2 or nodes[0] != stream.talker or nodes[-1] != listener:
            raise ValueError(f"{list(nodes)} does not run from {stream.talker!r} to {listener!r}")
        if any(not network.has_link(a, b) for a, b in zip(nodes, nodes[1:])):
            raise ValueError(f"{list(nodes)} is not a path of the network")
        paths.append(nodes)
    return tuple(paths)


def _file_routes(problem: CompiledProblem, streams_doc: dict, file: str) -> Routes | None:
    """The problem's routes with the file's paths where they differ; None if none does."""
    paths, replicas = dict(problem.routes.paths), dict(problem.routes.replicas)
    changed, problems = False, []
    by_id = problem.streams.by_id()
    for stream_id, entry in streams_doc.items():
        if stream_id not in problem.stream_index or not isinstance(entry, dict):
            continue
        stream = by_id[stream_id]
        for key, table in (("paths", paths), ("replica_paths", replicas)):
            if key not in entry:
                continue
            try:
                got = _listener_paths(entry[key], stream, problem.network, optional=key == "replica_paths")
            except ValueError as exc:
                problems.append(Problem(file, f"stream {stream_id!r}", f"{key}: {exc}"))
                continue
            if got != table.get(stream_id):
                table[stream_id] = got
                changed = True
    if problems:
        raise InputError(problems)
    if not changed:
        return None
    return Routes(paths=paths, unreachable=problem.routes.unreachable, replicas=replicas,
                  redundancy_issues=problem.routes.redundancy_issues)


def _read_stream_windows(problem, s, entry, hyper, base: _BaseWindows) -> None:
    """The stream's windows on its hops; ``check_schedule_doc`` has checked their fields."""
    hop_of_port: dict[tuple[int, int], int] = {}
    for h in range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])):
        hop_of_port.setdefault((int(problem.hop_port[h]), int(problem.hop_replica[h])), h)
    period = int(problem.stream_period_ns[s])
    windows = entry.get("windows", [])
    explicit = any("instance" in w for w in windows)
    if hyper % period:
        raise ValueError(f"hyperperiod {hyper} ns is not a multiple of the period {period} ns")
    step, count = (0, 1) if explicit else (period, hyper // period)
    for w in windows:
        hop = hop_of_port.get((problem.port_index.get(w["port"]), w.get("replica", 0)))
        if hop is None:
            raise ValueError(f"window on port {clip(str(w['port']))!r}, which is not on the stream's route")
        base.add(hop, w.get("frame", 0), w.get("instance", 0), w["start_ns"], w["end_ns"], step, count)


def _read_stream_gates(problem, s, entry, hyper) -> list[tuple]:
    """(stream, hop, frame, instance, open, close, octets) of the stream's ``stream_gates`` (optional key)."""
    gates = entry.get("stream_gates", [])
    if not isinstance(gates, list):
        raise ValueError("'stream_gates' must be a list")
    hop_of_port = {}
    for h in range(int(problem.hop_ptr[s]), int(problem.hop_ptr[s + 1])):
        hop_of_port.setdefault((int(problem.hop_port[h]), int(problem.hop_replica[h])), h)
    period = int(problem.stream_period_ns[s])
    explicit = any(isinstance(g, dict) and "instance" in g for g in gates)
    rows = []
    for g in gates:
        if not isinstance(g, dict):
            raise ValueError("a stream gate must be a mapping")
        key = (problem.port_index.get(g.get("port")), _int(g.get("replica", 0), "replica"))
        if key not in hop_of_port:
            raise ValueError(f"stream gate on port {g.get('port')!r}, which is not on the stream's route")
        opened, closed = _int(g.get("open_ns"), "open_ns"), _int(g.get("close_ns"), "close_ns")
        if closed < opened:
            raise ValueError(f"stream gate on {g['port']} closes before it opens")
        frame, octets = _int(g.get("frame", 0), "frame"), _int(g.get("max_octets"), "max_octets")
        instances = [_int(g.get("instance", 0), "instance")] if explicit else range(hyper // period)
        for k in instances:
            shift = 0 if explicit else k * period
            rows.append((s, hop_of_port[key], frame, k, opened + shift, closed + shift, octets))
    return rows


def _gates_from_rows(rows: list[tuple]):
    if not rows:
        return None
    cols = list(zip(*rows))
    return StreamGates(*(np.array(c, dtype=np.int32) for c in cols[:4]),
                       *(np.array(c, dtype=np.int64) for c in cols[4:]))


def _read_gcl(ports_doc, problem, hyper, file, problems) -> Gcl | None:
    """The gate control lists of a document ``check_schedule_doc`` passed (types and sums are
    checked there), in bulk; gates of classes a port lacks are problems."""
    if not ports_doc:
        return None
    ptr, durations, gates, cycles = [0], [], [], []
    for p, name in enumerate(problem.port_names):
        entry = ports_doc.get(name)
        gcl = entry.get("gcl") if isinstance(entry, dict) else None
        if gcl is None:
            durations.append(hyper); gates.append(0xFF); cycles.append(hyper)
        else:
            cycles.append(gcl.get("cycle_ns", hyper))
            entries = gcl["entries"]
            port_gates = [e["gates"] for e in entries]
            queues = int(problem.port_queues[p])
            extra = 0xFF & ~((1 << queues) - 1)
            if any(g & extra for g in port_gates):
                problems.append(Problem(file, f"port {name!r}", f"bad gate control list: gates open classes "
                                        f"the port's {queues} queues do not have"))
            durations += [e["duration_ns"] for e in entries]
            gates += port_gates
        ptr.append(len(durations))
    return Gcl(hyper, 0, np.array(ptr, dtype=np.int64), np.array(durations, dtype=np.int64),
               np.array(gates, dtype=np.int32), port_cycle_ns=np.array(cycles, dtype=np.int64))
