"""Stream YAML → ``StreamSet``, collecting every problem (docs/formats.md, "Streams file")."""
from __future__ import annotations

from tsnplan.errors import Problem
from tsnplan.io.fields import FieldReader, suggest
from tsnplan.io.ids import RULE, clip, id_problem
from tsnplan.model.media.ethernet import MAX_PAYLOAD_BYTES, ceil_div
from tsnplan.model.network import Network, NodeKind
from tsnplan.model.streams import Redundancy, Stream, StreamSet
from tsnplan.model.traffic_types import TYPE_DEFAULTS, TrafficType
from tsnplan.units import parse_size_bytes, parse_time_ns

__all__ = ["streams_from_doc"]

_STREAM_KEYS = {"id", "talker", "listeners", "listener", "type", "period", "payload", "deadline",
                "jitter", "redundancy", "priority", "pcp", "scheduled", "fragment", "vlan", "description"}
MAX_FRAMES_PER_PERIOD = 1024


#: Top-level keys of a streams file of its own (a network file's keys are checked with the network).
_FILE_KEYS = {"streams", "description", "network"}


def streams_from_doc(doc, file: str, network: Network | None,
                     own_file: bool = False) -> tuple[StreamSet, list[Problem]]:
    """The valid streams of a parsed file (checked against ``network`` when given) and every problem;
    ``own_file``: the document is a streams file, not the network file's ``streams:`` section."""
    problems: list[Problem] = []
    section = doc.get("streams") if isinstance(doc, dict) else doc
    if isinstance(doc, dict):
        for key, line in getattr(doc, "duplicates", []):
            problems.append(Problem(file, "", f"key {key!r} appears twice", line))
        if own_file:
            FieldReader(file, "", doc, problems).unknown_keys(_FILE_KEYS)
    if not isinstance(section, list):
        problems.append(Problem(file, "streams", "expected a list of streams under 'streams:'"))
        return StreamSet((), file), problems
    streams: dict[str, Stream] = {}
    first_line: dict[str, int | None] = {}
    for index, spec in enumerate(section):
        line = getattr(spec, "line", None)
        if not isinstance(spec, dict):
            problems.append(Problem(file, f"streams[{index}]", "expected a mapping like {id: s1, talker: a, ...}", line))
            continue
        raw_id = spec.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
            problems.append(Problem(file, f"streams[{index}]", "missing or invalid field 'id'", line))
            continue
        stream_id = str(raw_id)
        bad = id_problem(stream_id)
        if bad is not None:
            problems.append(Problem(file, f"stream {clip(stream_id)!r}", f"invalid stream id: {bad}", line, RULE))
            continue
        if stream_id in first_line:    # also when the first one had problems of its own
            problems.append(Problem(file, f"stream {stream_id!r}", "duplicate stream id "
                                    f"(first at line {first_line[stream_id]})", line))
            continue
        first_line[stream_id] = line
        stream = _read_stream(stream_id, spec, line, file, network, problems)
        if stream is not None:
            streams[stream_id] = stream
    return StreamSet(tuple(sorted(streams.values(), key=lambda s: s.id)), file), problems


def _node_ref(reader: FieldReader, role: str, value, network: Network | None) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        reader.problem(f"{role} must be a node id, got {value!r}")
        return None
    name = str(value)
    if network is not None:
        if not network.has_node(name):
            reader.problem(f"{role} {clip(name)!r} is not a node of the network",
                           suggest(name, network.node_ids) if len(name) <= 64 else None)
            return None
        if network.node(name).kind is NodeKind.T1S_SEGMENT:
            reader.problem(f"{role} {name!r} is a T1S segment, not a station")
            return None
    return name


def _read_stream(stream_id, spec, line, file, network, problems) -> Stream | None:
    reader = FieldReader(file, f"stream {stream_id!r}", spec, problems, line)
    before = len(problems)
    reader.repeated_keys(spec)
    reader.unknown_keys(_STREAM_KEYS)
    talker = _node_ref(reader, "talker", spec.get("talker"), network) if "talker" in spec else reader.problem("missing field 'talker'")
    if "listener" in spec and "listeners" in spec:
        reader.problem("both 'listener' and 'listeners' are given", "list every listener under 'listeners'")
    raw_listeners = spec.get("listeners", spec.get("listener"))
    if raw_listeners is None:
        reader.problem("missing field 'listeners'")
        listeners = ()
    else:
        raw_listeners = raw_listeners if isinstance(raw_listeners, list) else [raw_listeners]
        listeners = tuple(_node_ref(reader, "listener", v, network) for v in raw_listeners)
        if len(set(listeners)) != len(listeners):
            reader.problem("a listener is listed twice")
        if talker is not None and talker in listeners:
            reader.problem("the talker cannot also be a listener")
        if not listeners:
            reader.problem("needs at least one listener")
    traffic_type = reader.choice("type", TrafficType, default=TrafficType.CYCLIC_SYNC)
    defaults = TYPE_DEFAULTS.get(traffic_type, TYPE_DEFAULTS[TrafficType.CYCLIC_SYNC])
    period = reader.get("period", parse_time_ns, required=True)
    if period == 0:
        reader.problem("period must be positive")
    payload = reader.get("payload", parse_size_bytes, required=True)
    if payload == 0:
        reader.problem("payload must be at least 1 B")
    deadline = reader.get("deadline", parse_time_ns, default=period)
    if deadline == 0:
        reader.problem("deadline must be positive")
    jitter = reader.get("jitter", parse_time_ns)
    pcp = reader.integer("priority", default=None, lo=0, hi=7)
    pcp = reader.integer("pcp", default=pcp if pcp is not None else defaults.pcp, lo=0, hi=7)
    scheduled = reader.flag("scheduled", default=defaults.scheduled)
    fragment = reader.flag("fragment", default=defaults.fragment)
    redundancy = reader.choice("redundancy", Redundancy, default=Redundancy.NONE)
    vlan = reader.integer("vlan", default=100, lo=1, hi=4094)
    if len(problems) > before or None in (talker, period, payload, deadline, pcp, redundancy, traffic_type) or None in listeners:
        return None
    max_payload = MAX_PAYLOAD_BYTES - (6 if redundancy is Redundancy.FRER else 0)
    if payload > max_payload and not fragment:
        reader.problem(f"payload {payload} B exceeds one frame ({max_payload} B) and the stream does not "
                       "allow fragmentation", "set 'fragment: true' or reduce the payload")
    if ceil_div(payload, max_payload) > MAX_FRAMES_PER_PERIOD:
        reader.problem(f"payload {payload} B needs more than {MAX_FRAMES_PER_PERIOD} frames per period")
    if scheduled and deadline > period:
        reader.problem(f"deadline {deadline} ns is longer than the period {period} ns, which a scheduled "
                       "stream does not allow (each frame is delivered within its own period)")
    if len(problems) > before:
        return None
    return Stream(id=stream_id, talker=talker, listeners=listeners, period_ns=period, payload_bytes=payload,
                  deadline_ns=deadline, traffic_type=traffic_type, pcp=pcp, scheduled=scheduled,
                  fragment=fragment, jitter_ns=jitter, redundancy=redundancy, vlan=vlan, line=line)
