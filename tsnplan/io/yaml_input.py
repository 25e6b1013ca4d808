"""Hostile-input-safe YAML reading that remembers the line of every mapping.

libyaml's parser (when present) produces events; a small builder here turns them into plain
Python values, mappings as ``LineDict`` so validators can point at the entry's line. Building
from events rather than through PyYAML's composer and constructor is what keeps this safe and
fast: nesting is counted as it opens (PyYAML's C composer recurses and overflows the C stack on
a deeply nested file), aliases are counted and their expansion measured (alias bombs), only the
standard scalar types are built, and plain-scalar resolution is cached (a 20 000-stream file
repeats its keys and units thousands of times). Every failure is an ``InputError`` naming the
file and the line. PyYAML is imported only when YAML is parsed: the tsnkit CSV path never needs it.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tsnplan.errors import InputError, LimitError, Problem
from tsnplan.io.files import read_text

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

__all__ = ["LineDict", "read_yaml", "parse_yaml", "MAX_FILE_BYTES", "MAX_ALIASES", "MAX_DEPTH",
           "MAX_EXPANDED_VALUES"]

MAX_FILE_BYTES = 64 * 2**20
MAX_ALIASES = 1000
MAX_DEPTH = 32
#: Aliases may make a document expand to at most this many values beyond what its text holds.
MAX_EXPANDED_VALUES = 1_000_000

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"}


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
#: Tags a mapping or sequence may carry: none, the non-specific ``!``, or the standard ones.
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class LineDict(dict):
    """A mapping that knows the (1-based) line it started on and the keys it saw twice."""

    __slots__ = ("line", "duplicates")


class _Scalars:
    """YAML 1.1 scalars exactly as PyYAML's safe loader reads them, memoised by text."""

    def __init__(self):
        import yaml

        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()
        self.scalar_node = yaml.ScalarNode
        self.plain: dict[str, tuple[str, object]] = {}

    def build(self, event: ScalarEvent, line: int):
        tag = event.tag if event.tag not in (None, "!") else None
        if tag is None and not event.implicit[0]:
            return event.value                      # quoted: always a string
        key = event.value if tag is None else f"{tag}\x00{event.value}"
        cached = self.plain.get(key)
        if cached is None:
            tag = tag or self.resolver.resolve(self.scalar_node, event.value, (True, False))
            if tag == _MERGE:
                cached = (_MERGE, event.value)
            elif tag not in _SCALAR_TAGS:
                raise _BuildError(f"unsupported YAML tag {tag!r}", line)
            elif ":" in event.value and tag in _NUMBER_TAGS:
                raise _BuildError(f"{event.value!r} reads as a base-60 number in YAML 1.1; quote it or "
                                  "write a number with a unit (e.g. 90ns)", line)
            else:
                node = self.scalar_node(tag, event.value)
                try:
                    cached = (tag, self.constructor.yaml_constructors[tag](self.constructor, node))
                except ValueError:          # e.g. an integer of more than 4300 digits
                    raise _BuildError(f"the number {event.value[:20]}... has too many digits", line) from None
            if len(self.plain) < 100_000:
                self.plain[key] = cached
        return _Merge if cached[0] == _MERGE else cached[1]


class _MergeKey:
    """The ``<<`` key of a YAML merge."""


_Merge = _MergeKey()


class _BuildError(Exception):
    def __init__(self, message: str, line: int, limit: bool = False):
        super().__init__(message)
        self.message, self.line, self.limit = message, line, limit


class _Open:
    """A container being filled: its value, the pending mapping key, its expanded size, its anchor."""

    __slots__ = ("value", "is_map", "has_key", "key", "key_line", "size", "anchor", "merges")

    def __init__(self, value, anchor):
        self.value, self.is_map, self.anchor = value, isinstance(value, dict), anchor
        self.has_key, self.key, self.key_line, self.size, self.merges = False, None, 0, 1, None

    def add(self, item, size: int, line: int) -> None:
        self.size += size
        if not self.is_map:
            self.value.append(item)
        elif not self.has_key:
            if item is not _Merge:
                try:
                    hash(item)
                except TypeError:
                    raise _BuildError("a mapping key must be a plain value", line) from None
            self.has_key, self.key, self.key_line = True, item, line
        else:
            key, self.has_key, self.key = self.key, False, None
            if key is _Merge:
                sources = item if isinstance(item, list) else [item]
                if not all(isinstance(source, dict) for source in sources):
                    raise _BuildError("a YAML merge ('<<') needs a mapping or a list of mappings", line)
                self.merges = (self.merges or []) + sources
                return
            if key in self.value:
                self.value.duplicates.append((key, self.key_line))
            self.value[key] = item

    def close(self):
        if self.merges:
            for source in self.merges:      # earlier sources win, keys of the mapping itself win
                for key, item in source.items():
                    self.value.setdefault(key, item)
        return self.value


def _build(events, scalars: _Scalars):
    """The single document of an event stream as Python values; ``_BuildError`` when refused."""
    from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                             SequenceEndEvent, SequenceStartEvent)

    anchors: dict[str, tuple[object, int]] = {}
    open_anchors: set[str] = set()
    stack: list[_Open] = []
    root, documents, aliases, values, expanded = None, 0, 0, 0, 0
    for event in events:
        kind = type(event)
        line = event.start_mark.line + 1
        if kind is ScalarEvent:
            values += 1
            item, size = scalars.build(event, line), 1
            if event.anchor:
                anchors[event.anchor] = (item, 1)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise _BuildError(f"nesting deeper than {MAX_DEPTH} levels", line, limit=True)
            if event.tag not in _COLLECTION_TAGS:
                raise _BuildError(f"unsupported YAML tag {event.tag!r}", line)
            values += 1
            if kind is MappingStartEvent:
                container = LineDict()
                container.line, container.duplicates = line, []
            else:
                container = []
            stack.append(_Open(container, event.anchor))
            if event.anchor:
                open_anchors.add(event.anchor)
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            done = stack.pop()
            item, size = done.close(), done.size
            if done.anchor:
                open_anchors.discard(done.anchor)
                anchors[done.anchor] = (item, size)
            line = getattr(item, "line", line)
        elif kind is AliasEvent:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _BuildError(f"more than {MAX_ALIASES} YAML aliases", line, limit=True)
            if event.anchor in open_anchors:
                raise _BuildError("a YAML alias refers to itself", line, limit=True)
            if event.anchor not in anchors:
                raise _BuildError(f"unknown YAML alias '*{event.anchor}'", line)
            item, size = anchors[event.anchor]
            expanded += size
            if expanded > max(MAX_EXPANDED_VALUES, 4 * values):
                raise _BuildError(f"YAML aliases expand the document to more than {MAX_EXPANDED_VALUES:,} values",
                                  line, limit=True)
        else:
            if kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _BuildError("expected one YAML document, found several", line)
            continue
        if stack:
            stack[-1].add(item, size, line)
        else:
            root = item
    return root


def parse_yaml(text: str, name: str):
    """Parse YAML text into plain Python values; ``name`` is the file named in problems."""
    import yaml

    try:
        return _build(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), _Scalars())
    except _BuildError as exc:
        error = LimitError if exc.limit else InputError
        raise error([Problem(name, "", exc.message if exc.limit else f"invalid YAML: {exc.message}", exc.line)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in reason:       # libyaml >= 0.2.5 / PyYAML 6.0.2+ scan ahead with a limit of their own
            raise LimitError([Problem(name, "", f"nesting deeper than {MAX_DEPTH} levels", line=line)]) from None
        raise InputError([Problem(name, "", f"invalid YAML: {reason}", line=line)]) from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise InputError([Problem(name, "", f"invalid YAML: {reason}")]) from None


def read_yaml(path: str | Path):
    """Parse one YAML file into plain Python values (``LineDict`` for mappings)."""
    name = str(path)
    text = read_text(path, what="YAML text", max_bytes=MAX_FILE_BYTES)
    return parse_yaml(text, name)
