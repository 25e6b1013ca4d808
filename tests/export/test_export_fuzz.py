"""Hand-edited schedule.json values in every export: exit 0 or 2 with a one-line reason, never an
internal error, and no file outside the asked output."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

HOSTILE = [-1, 0, 2**62, 2**64, "x", None, [], {}, True, 1.5, "1e400", "plc$(touch x)"]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            yield from _paths(v, prefix + (i,))


def _set(doc, path, value):
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(data=st.data())
def test_mutated_schedules_never_crash_an_export(cli, scheduled, tmp_path_factory, data):
    _, _, path, doc = scheduled["brownfield-line"]
    doc = json.loads(json.dumps(doc))
    paths = [p for p in _paths(doc) if p and p[0] in ("hyperperiod_ns", "ports", "streams")]
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(paths))
        try:
            _set(doc, target, data.draw(st.sampled_from(HOSTILE)))
        except (KeyError, IndexError, TypeError):
            pass
    work = tmp_path_factory.mktemp("fuzz")
    src = work / "s.json"
    src.write_text(json.dumps(doc).replace('"1e400"', "1e400"))
    fmt = data.draw(st.sampled_from(["taprio", "yang", "tsnkit", "inet"]))
    per_device = data.draw(st.booleans())
    out = work / "out"
    args = ["--out", out] if per_device else [out]
    status, _, err = cli("export", src, "--to", fmt, *args, "--long-lists", "skip")
    assert status in (0, 2), err
    assert "internal error" not in err
    left = {p.name for p in work.iterdir()}
    assert left <= {"s.json", "out"} and (status == 0 or "out" not in left)
