"""The ECRTS industry-challenge stream set (``TSN_Streams.txt``) → a ``Plant`` built from its paths.

The format (DanielBujosa/ECRTS_Industry_Challenge, ``Configuration/TSN_Streams.txt`` and the
``ECRTSICreader.m`` that reads it; read, not copied): blocks of ``TSN_Stream NAME`` followed by
``NAME.field = value`` lines: ``source``, ``period`` (ns), ``minFrameSize``/``maxFrameSize``
(bytes), ``trafficClass`` (``TC0``-``TC7``), ``utility`` (a decimal with a comma, not used here)
and ``path`` (the nodes from the source to the one destination, ``ES*`` end stations and ``SW*``
switches).

The file holds no topology, rates or deadlines. Here, as in the origin's own tools: every pair of
consecutive path nodes is a full-duplex 1 Gb/s link without propagation or processing delay (the
origin's schedules put a 1273 B frame 10.184 µs on each hop, back to back); deadlines and the
scheduled set follow ``ECRTSICreader.m``: TC7 has half its period, TC5-6 the period, TC2-4 twice
the period, TC0-1 none (the period here); TC7 streams and streams whose deadline is 200-400 µs are
time-triggered (scheduled, PCP 7, deadline cut to the period), the other TC2-6 streams are
unscheduled AVB traffic (PCP = class), TC0-1 best effort. One frame of ``maxFrameSize`` bytes
(DA..FCS, payload = size - 22) per period.
"""
from __future__ import annotations

import re
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.fields import suggest
from tsnplan.io.files import read_text
from tsnplan.io.ids import RULE, clip, id_problem
from tsnplan.io.problem_list import ProblemList, TooManyProblems
from tsnplan.model.compile import MAX_HYPERPERIOD_NS, TIMING_TAS
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.network import Feature, Link, Network, Node, NodeKind
from tsnplan.model.routing import Routes
from tsnplan.model.streams import Stream, StreamSet
from tsnplan.model.traffic_types import TrafficType

__all__ = ["load_ecrts", "ecrts_text", "LINK_RATE_BPS", "SCHEDULED_PCP"]

MAX_BYTES = 64 * 2**20
LINK_RATE_BPS = 10**9
SCHEDULED_PCP = 7
FRAME_HEADER = 22                 # DA, SA, VLAN tag, EtherType, FCS
MIN_FRAME, MAX_FRAME = 64, 9216
#: the origin schedules a stream when its deadline lies in this range (ns), besides every TC7 stream
TT_DEADLINE_NS = (200_000, 400_000)
_FIELDS = ("source", "period", "minFrameSize", "maxFrameSize", "trafficClass", "utility", "path")
_HEADER = re.compile(r"TSN_Stream\s+(\S+)\Z")
_FIELD = re.compile(r"([^\s=]+)\.([^\s.=]+)\s*=\s*(.*)\Z")
_WHOLE = re.compile(r"[0-9]{1,16}\Z")
_CLASS = re.compile(r"TC([0-7])\Z")
_UTILITY = re.compile(r"[0-9]{1,9}(?:[.,][0-9]{1,9})?\Z")


def ecrts_text(path: str | Path) -> str | None:
    """The file's text if it is an ECRTS stream set (its first line opens a ``TSN_Stream`` block)."""
    text = read_text(path, what="an ECRTS stream set or YAML text", max_bytes=MAX_BYTES).removeprefix("\ufeff")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return text if first.startswith("TSN_Stream") else None


def _blocks(text: str, file: str, problems: list[Problem]) -> dict[str, tuple[int, dict]]:
    """Stream name -> (line of its header, field -> (value, line))."""
    blocks: dict[str, tuple[int, dict]] = {}
    current, refused = None, False        # refused: inside a block whose header was already a problem
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        header, field = _HEADER.match(line), _FIELD.match(line)
        if header:
            name = header.group(1)
            bad = id_problem(name)
            if bad is not None:
                problems.append(Problem(file, f"stream {clip(name)!r}", f"invalid stream name: {bad}", number, RULE))
                current, refused = None, True
            elif name in blocks:
                problems.append(Problem(file, f"stream {name}", f"a second block (first at line {blocks[name][0]})", number))
                current, refused = None, True
            else:
                blocks[name] = (number, {})
                current, refused = name, False
        elif field:
            owner, key, value = field.groups()
            if current is None:
                if not refused:
                    problems.append(Problem(file, "", f"a field before the first TSN_Stream line: {clip(line)!r}", number))
            elif owner != current:
                problems.append(Problem(file, f"stream {current}", f"field of {clip(owner)!r} inside its block", number))
            elif key not in _FIELDS:
                problems.append(Problem(file, f"stream {current}", f"unknown field {clip(key)!r}", number,
                                        suggest(key[:100], _FIELDS)))
            elif key in blocks[current][1]:
                problems.append(Problem(file, f"stream {current}", f"field {key!r} appears twice", number))
            else:
                blocks[current][1][key] = (value.strip(), number)
        else:
            problems.append(Problem(file, "", f"expected 'TSN_Stream NAME' or 'NAME.field = value', got {clip(line)!r}",
                                    number))
    return blocks


def _stream(name: str, fields: dict, file: str, problems: list[Problem]):
    """The stream of one block, or None after adding its problems."""
    before = len(problems)

    def bad(key, message):
        problems.append(Problem(file, f"stream {name}", f"{key}: {message}", fields.get(key, (None, header))[1]))

    header = fields.pop("_line")
    for key in _FIELDS:
        if key not in fields:
            problems.append(Problem(file, f"stream {name}", f"missing field {key!r}", header))
    if len(problems) > before:
        return None
    period = fields["period"][0]
    if not _WHOLE.match(period) or not 0 < int(period) <= MAX_HYPERPERIOD_NS:
        bad("period", f"expected whole ns up to 10 s, got {clip(period, 40)!r}")
    sizes = []
    for key in ("minFrameSize", "maxFrameSize"):          # only the largest frame is used
        value = fields[key][0]
        whole = _WHOLE.match(value) is not None
        if not whole or key == "maxFrameSize" and not MIN_FRAME <= int(value) <= MAX_FRAME:
            bad(key, f"expected whole bytes, {MIN_FRAME}-{MAX_FRAME} for the largest frame, got {clip(value, 40)!r}")
        sizes.append(int(value) if whole else 0)
    if sizes[0] > sizes[1]:
        bad("minFrameSize", f"{sizes[0]} B is above maxFrameSize {sizes[1]} B")
    tc = _CLASS.match(fields["trafficClass"][0])
    if tc is None:
        bad("trafficClass", f"expected TC0-TC7, got {clip(fields['trafficClass'][0], 40)!r}")
    if not _UTILITY.match(fields["utility"][0]):
        bad("utility", f"expected a decimal like 7,2, got {clip(fields['utility'][0], 40)!r}")
    nodes = fields["path"][0].split()
    source = fields["source"][0]
    for node in nodes:
        why = id_problem(node) or (None if node[:2] in ("ES", "SW") else "is neither an end station ES* nor a switch SW*")
        if why is not None:
            bad("path", f"node {clip(node)!r} {why}")
    if len(problems) == before:
        if len(nodes) < 3 or len(set(nodes)) != len(nodes):
            bad("path", "expected a source, switches and one destination, no node twice")
        elif nodes[0] != source:
            bad("path", f"starts at {nodes[0]}, not at the source {clip(source)}")
        elif not (nodes[0].startswith("ES") and nodes[-1].startswith("ES")) or any(n.startswith("ES") for n in nodes[1:-1]):
            bad("path", "must run from an end station through switches (SW*) to an end station")
    if len(problems) > before:
        return None
    return _classify(name, int(period), int(tc.group(1)), sizes[1], tuple(nodes))


def _classify(name: str, period: int, tc: int, frame: int, path: tuple[str, ...]) -> Stream:
    """The origin's deadline and TT/AVB/BE split (``ECRTSICreader.m``)."""
    deadline = max(1, period // 2) if tc == 7 else period if tc in (5, 6) else 2 * period if tc in (2, 3, 4) else None
    payload = frame - FRAME_HEADER
    common = dict(frame_payload_limit=payload)
    if tc == 7 or (deadline is not None and TT_DEADLINE_NS[0] <= deadline <= TT_DEADLINE_NS[1]):
        return Stream(name, path[0], (path[-1],), period, payload, min(deadline, period), TrafficType.CYCLIC_SYNC,
                      pcp=SCHEDULED_PCP, scheduled=True, **common)
    if deadline is not None:
        return Stream(name, path[0], (path[-1],), period, payload, deadline, TrafficType.VIDEO, pcp=tc,
                      scheduled=False, **common)
    return Stream(name, path[0], (path[-1],), period, payload, period, TrafficType.BEST_EFFORT, pcp=tc,
                  scheduled=False, **common)


def load_ecrts(path: str | Path, text: str | None = None, *, check: bool = True):
    """The plant of one ECRTS stream set; one ``InputError`` lists every problem."""
    from tsnplan.io.plant import Plant

    file = str(path)
    if text is None:
        text = ecrts_text(path)
        if text is None:
            raise InputError([Problem(file, "", "not an ECRTS stream set: expected 'TSN_Stream NAME' blocks")])
    problems = ProblemList(file)
    streams, paths = [], {}
    try:
        for name, (line, fields) in _blocks(text, file, problems).items():
            stream = _stream(name, {**fields, "_line": line}, file, problems)
            if stream is not None:
                streams.append(stream)
                paths[name] = (tuple(fields["path"][0].split()),)
    except TooManyProblems:
        raise problems.error() from None
    if not streams and not problems:
        problems.append(Problem(file, "", "no TSN_Stream block"))
    if problems:
        raise InputError(problems)
    names = sorted({n for p in paths.values() for n in p[0]})
    nodes = [Node(n, NodeKind.BRIDGE, features=frozenset({Feature.QBV})) if n.startswith("SW")
             else Node(n, NodeKind.END_STATION) for n in names]
    pairs = sorted({tuple(sorted(hop)) for p in paths.values() for hop in zip(p[0], p[0][1:])})
    links = [Link(a, b, Medium.COPPER, LINK_RATE_BPS, 0, 0) for a, b in pairs]
    network = Network(Path(file).stem, nodes, links, file)
    streams.sort(key=lambda s: s.id)
    stream_set = StreamSet(tuple(streams), file)
    return Plant(network, stream_set, timing=TIMING_TAS, routes=Routes(paths, {}, fixed=True)).checked(check)
