"""Hostile-input-safe YAML reading that remembers the line of every mapping.

Safe loading only (libyaml when present), with caps on file size, aliases and nesting, and every
failure turned into an ``InputError`` naming the file and line. Mappings come back as ``LineDict``
so validators can point at the entry's line.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from tsnplan.errors import InputError, LimitError, Problem

__all__ = ["LineDict", "read_yaml", "MAX_FILE_BYTES", "MAX_ALIASES", "MAX_DEPTH"]

MAX_FILE_BYTES = 64 * 2**20
MAX_ALIASES = 1000
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ALIAS = re.compile(rb"(?:^|[\s,\[{:-])\*[^\s,\]}]")


class LineDict(dict):
    """A mapping that knows the (1-based) line it started on and the keys it saw twice."""

    __slots__ = ("line", "duplicates")


class _LineLoader(_Loader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    key_node.start_mark) from None
        if key in mapping:
            mapping.duplicates.append((key, key_node.start_mark.line + 1))
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_depth(value, file: str) -> None:
    stack = [(value, 1)]
    seen: set[int] = set()
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LimitError([Problem(file, "", f"nesting deeper than {MAX_DEPTH} levels")])
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                raise LimitError([Problem(file, "", "a YAML alias refers to itself")])
            seen.add(id(item))
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def read_yaml(path: str | Path):
    """Parse one YAML file into plain Python values (``LineDict`` for mappings)."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    if path.is_dir():
        raise InputError([Problem(name, "", "is a directory, expected a YAML file")])
    if size > MAX_FILE_BYTES:
        raise LimitError([Problem(name, "", f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")])
    data = path.read_bytes()
    if not data.strip():
        raise InputError([Problem(name, "", "file is empty")])
    if b"\x00" in data:
        raise InputError([Problem(name, "", "file is binary, expected YAML text")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, "", f"not UTF-8 text (byte {exc.start})")]) from None
    if len(_ALIAS.findall(data)) > MAX_ALIASES:
        raise LimitError([Problem(name, "", f"more than {MAX_ALIASES} YAML aliases")])
    try:
        value = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError([Problem(name, "", f"invalid YAML: {reason}", line=line)]) from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        raise InputError([Problem(name, "", f"invalid YAML: {str(exc).splitlines()[0] if str(exc) else 'unreadable'}")]) from None
    _check_depth(value, name)
    return value
