"""tsnkit instance directories (``task.csv`` + ``topo.csv``) → a ``Plant`` with tsnkit's timing.

tsnkit (github.com/ChuanyuXue/tsnkit, GPL) was run and read to learn its columns; nothing of it
is copied. Its own loader ``eval``s the link and destination cells; here every cell goes through
a strict regular expression, and every problem names the file, the row (its line in the file) and
the column.

Conventions (docs/formats.md, "tsnkit instances"): a directed link row ``(a, b)`` and its reverse
become one full-duplex link whose ``propagation_ns`` is ``t_proc`` and ``t_prop`` each rounded up
to the 100 ns slot (tsnkit rounds them separately), with no PHY delay and no node processing; the
nodes with exactly one link are end stations, the others bridges with ``q_num`` queues; a stream
is one frame of ``size`` bytes per period (scheduled, cyclic-synchronous); periods, deadlines and
jitters round up to the slot as tsnkit does.
"""
from __future__ import annotations

import csv
import re
from fractions import Fraction
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.files import read_text
from tsnplan.io.plant import Plant
from tsnplan.io.yaml_input import MAX_FILE_BYTES
from tsnplan.model.compile import TIMING_TSNKIT
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.network import Feature, Link, Network, Node, NodeKind
from tsnplan.model.streams import Stream, StreamSet
from tsnplan.model.traffic_types import TrafficType
from tsnplan.units import MAX_QUANTITY

__all__ = ["load_tsnkit_instance", "find_instance_files", "SLOT_NS", "TSNKIT_RATES_BPS"]

SLOT_NS = 100
#: tsnkit's ``rate`` column (bit/ns) → bit/s, for the rates whose frame times are whole slots.
TSNKIT_RATES_BPS = {Fraction(1): 10**9, Fraction(1, 10): 10**8, Fraction(1, 100): 10**7}

_TOPO_COLUMNS = ("link", "q_num", "rate", "t_proc", "t_prop")
_TASK_COLUMNS = ("stream", "src", "dst", "size", "period", "deadline", "jitter")
_LINK = re.compile(r"^\s*\(\s*([0-9]{1,9})\s*,\s*([0-9]{1,9})\s*\)\s*$")
_DST = re.compile(r"^\s*\[\s*([0-9]{1,9}(?:\s*,\s*[0-9]{1,9})*)\s*\]\s*$")
_INT = re.compile(r"^\s*([0-9]{1,16})\s*$")
_DECIMAL = re.compile(r"^\s*([0-9]{1,6}(?:\.[0-9]{1,6})?)\s*$")
_NUMBERED = re.compile(r"^([0-9]+)_(task|topo)\.csv$")


def _round_up_slot(ns: int) -> int:
    return -(-ns // SLOT_NS) * SLOT_NS


def find_instance_files(directory: str | Path) -> tuple[Path, Path]:
    """``task.csv`` + ``topo.csv``, or the one ``N_task.csv`` + ``N_topo.csv`` pair, in ``directory``."""
    directory = Path(directory)
    name = str(directory)
    plain = directory / "task.csv", directory / "topo.csv"
    if plain[0].is_file() and plain[1].is_file():
        return plain
    try:
        numbered: dict[str, set[str]] = {}
        for entry in directory.iterdir():
            match = _NUMBERED.match(entry.name)
            if match:
                numbered.setdefault(match.group(1), set()).add(match.group(2))
    except OSError as exc:
        raise InputError([Problem(name, "", f"cannot read the directory: {exc.strerror or exc}")]) from None
    pairs = sorted((n for n, kinds in numbered.items() if kinds == {"task", "topo"}), key=int)
    if len(pairs) == 1:
        return directory / f"{pairs[0]}_task.csv", directory / f"{pairs[0]}_topo.csv"
    if len(pairs) > 1:
        listed = ", ".join(f"{n}_task.csv" for n in pairs[:5])
        raise InputError([Problem(name, "", f"holds {len(pairs)} tsnkit instances ({listed}...); "
                                  "expected exactly one", "point at a directory with one instance")])
    if plain[0].is_file() or plain[1].is_file():
        missing = plain[1] if plain[0].is_file() else plain[0]
        raise InputError([Problem(name, "", f"has no {missing.name} beside {plain[0].name if missing is plain[1] else plain[1].name}")])
    raise InputError([Problem(name, "", "is not a tsnkit instance: expected task.csv + topo.csv "
                              "or one N_task.csv + N_topo.csv")])


def _read_rows(path: Path, columns: tuple[str, ...], aliases: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as (line, {column: cell}); file-level problems raise at once."""
    name = str(path)
    text = read_text(path, what="CSV text", max_bytes=MAX_FILE_BYTES, encoding="utf-8-sig")
    reader = csv.reader(text.splitlines(), strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [aliases.get(h.strip(), h.strip()) for h in next(reader)]
        if sorted(header) != sorted(columns):
            raise InputError([Problem(name, "header", f"columns are {','.join(header)}; expected "
                                      f"{','.join(columns)}", line=1)])
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                rows.append((reader.line_num, {"": f"has {len(cells)} cells, expected {len(header)}"}))
                continue
            rows.append((reader.line_num, dict(zip(header, cells))))
    except csv.Error as exc:
        raise InputError([Problem(name, f"row {reader.line_num}", f"not valid CSV: {exc}", reader.line_num)]) from None
    if not rows:
        raise InputError([Problem(name, "", "has a header but no rows")])
    return rows


class _Row:
    """Typed cells of one CSV row; each bad cell adds one problem and yields ``None``."""

    def __init__(self, file: str, line: int, cells: dict[str, str], problems: list[Problem]):
        self.file, self.line, self.cells, self.problems = file, line, cells, problems

    def problem(self, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.file, f"row {self.line}", message, self.line, hint))

    def match(self, column: str, pattern: re.Pattern, expected: str):
        match = pattern.match(self.cells[column])
        if match is None:
            self.problem(f"{column}: expected {expected}, got {self.cells[column]!r}")
        return match

    def integer(self, column: str, lo: int = 0, hi: int = MAX_QUANTITY) -> int | None:
        match = self.match(column, _INT, "a whole number")
        if match is None:
            return None
        value = int(match.group(1))
        if not lo <= value <= hi:
            self.problem(f"{column}: {value} is outside {lo}..{hi}")
            return None
        return value


def _read_topology(path: Path, problems: list[Problem]) -> Network | None:
    file = str(path)
    directed: dict[tuple[int, int], tuple[int, int, int, int]] = {}   # -> (line, q_num, rate_bps, delay_ns)
    broken: set[tuple[int, int]] = set()      # rows already reported: no follow-on "no reverse" problem
    for line, cells in _read_rows(path, _TOPO_COLUMNS, {}):
        row = _Row(file, line, cells, problems)
        if "" in cells:
            row.problem(cells[""])
            continue
        link = row.match("link", _LINK, "a directed link like '(0, 1)'")
        q_num = row.integer("q_num", lo=1, hi=8)
        rate = row.match("rate", _DECIMAL, "a rate in bit/ns like 1 or 0.1")
        rate_bps = None
        if rate is not None:
            rate_bps = TSNKIT_RATES_BPS.get(Fraction(rate.group(1)))
            if rate_bps is None:
                row.problem(f"rate: {rate.group(1)} bit/ns is not supported", "use 1 (1 Gb/s), 0.1 or 0.01")
        t_proc = row.integer("t_proc", hi=10**10)
        t_prop = row.integer("t_prop", hi=10**10)
        if None in (link, q_num, rate_bps, t_proc, t_prop):
            if link is not None:
                broken.add((int(link.group(1)), int(link.group(2))))
            continue
        a, b = int(link.group(1)), int(link.group(2))
        if a == b:
            row.problem(f"link ({a}, {b}) connects a node to itself")
        elif (a, b) in directed:
            row.problem(f"link ({a}, {b}) appears twice (also line {directed[a, b][0]})")
        else:
            directed[a, b] = (line, q_num, rate_bps, _round_up_slot(t_proc) + _round_up_slot(t_prop))
    links: list[Link] = []
    egress_queues: dict[int, dict[int, int]] = {}
    for (a, b), (line, q_num, rate_bps, delay_ns) in sorted(directed.items()):
        egress_queues.setdefault(a, {})[b] = q_num
        reverse = directed.get((b, a))
        if reverse is None:
            if (b, a) in broken:
                continue
            problems.append(Problem(file, f"row {line}", f"link ({a}, {b}) has no reverse row ({b}, {a}); "
                                    "tsnplan links are full duplex", line))
        elif a < b:
            if reverse[2:] != (rate_bps, delay_ns):
                problems.append(Problem(file, f"row {reverse[0]}", f"link ({b}, {a}) differs from ({a}, {b}) "
                                        f"(line {line}) in rate or t_proc + t_prop; tsnplan links are symmetric",
                                        reverse[0]))
            else:
                links.append(Link(str(a), str(b), Medium.COPPER, rate_bps, 0, delay_ns, 0, None, line))
    nodes: list[Node] = []
    degree = {n: len(peers) for n, peers in egress_queues.items()}
    for node, peers in sorted(egress_queues.items()):
        queues = set(peers.values())
        if len(queues) > 1:
            problems.append(Problem(file, f"node {node}", f"its links declare different q_num "
                                    f"({', '.join(map(str, sorted(queues)))}); tsnplan has one queue count per node"))
            continue
        kind = NodeKind.END_STATION if degree[node] == 1 else NodeKind.BRIDGE
        nodes.append(Node(str(node), kind, processing_ns=0, queues=queues.pop(),
                          features=frozenset({Feature.QBV}) if kind is NodeKind.BRIDGE else frozenset(),
                          gcl_max_entries=2**20))
    if problems:
        return None
    return Network(path.parent.name or file, nodes, links, file)


def _read_tasks(path: Path, network: Network | None, problems: list[Problem]) -> StreamSet:
    file = str(path)
    streams: dict[str, Stream] = {}
    first_line: dict[str, int] = {}
    for line, cells in _read_rows(path, _TASK_COLUMNS, {"id": "stream"}):
        row = _Row(file, line, cells, problems)
        if "" in cells:
            row.problem(cells[""])
            continue
        before = len(problems)
        stream_id = row.integer("stream", hi=10**9)
        talker = row.integer("src", hi=10**9)
        dst = row.match("dst", _DST, "a list of listeners like '[7]' or '[7, 8]'")
        size = row.integer("size", lo=1, hi=10**6)
        period = row.integer("period", lo=1, hi=10**10)
        deadline = row.integer("deadline", lo=1, hi=10**10)
        jitter = row.integer("jitter", hi=10**10)
        listeners = tuple(str(int(x)) for x in dst.group(1).split(",")) if dst else ()
        if len(set(listeners)) != len(listeners):
            row.problem("dst: a listener is listed twice")
        if talker is not None and str(talker) in listeners:
            row.problem("dst: the talker cannot also be a listener")
        if period is not None:
            period = _round_up_slot(period)
            if deadline is not None and _round_up_slot(deadline) > period:
                row.problem(f"deadline {deadline} ns is longer than the period {period} ns")
            if jitter is not None and _round_up_slot(jitter) > period:
                row.problem(f"jitter {jitter} ns is longer than the period {period} ns")
        if network is not None:
            for role, node in [("src", str(talker))] * (talker is not None) + [("dst", n) for n in listeners]:
                if not network.has_node(node):
                    row.problem(f"{role}: node {node} is not in the topology")
                elif network.node(node).kind is not NodeKind.END_STATION:
                    row.problem(f"{role}: node {node} is a bridge, not an end station (a node with one link)")
        if stream_id is not None and str(stream_id) in streams:
            row.problem(f"stream {stream_id} appears twice (first at line {first_line[str(stream_id)]})")
        if len(problems) > before or None in (stream_id, talker, size, period, deadline, jitter):
            continue
        key = str(stream_id)
        first_line[key] = line
        streams[key] = Stream(id=key, talker=str(talker), listeners=listeners, period_ns=period,
                              payload_bytes=size, deadline_ns=_round_up_slot(deadline),
                              traffic_type=TrafficType.CYCLIC_SYNC, pcp=5, scheduled=True,
                              jitter_ns=_round_up_slot(jitter), line=line, frame_payload_limit=size)
    return StreamSet(tuple(sorted(streams.values(), key=lambda s: s.id)), file)


def load_tsnkit_instance(directory: str | Path, *, check: bool = True) -> Plant:
    """Read a tsnkit instance directory; one ``InputError`` lists every problem of both files."""
    task_path, topo_path = find_instance_files(directory)
    problems: list[Problem] = []
    network = _read_topology(topo_path, problems)
    streams = _read_tasks(task_path, network, problems)
    if problems:
        raise InputError(problems)
    return Plant(network, streams, timing=TIMING_TSNKIT).checked(check)
