"""schedule.json is an input too (budget, emulate, export): hostile files give InputError, never a crash."""
import json
import tempfile
from functools import lru_cache

from hypothesis import given, settings, strategies as st

from schedulable import schedulable_plant
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant
from tsnplan.io.schedule_json import read_schedule, schedule_to_json
from tsnplan.schedule import schedule
from tsnplan.topologies import plant_files


@lru_cache(maxsize=1)
def _plant():
    problem = schedulable_plant("brownfield-line", tempfile.mkdtemp(prefix="tsnplan-fuzz-")).compile()
    return problem, schedule_to_json(problem, schedule(problem))


def _mutate(value, path, replacement):
    if not path:
        return replacement
    key, rest = path[0], path[1:]
    if isinstance(value, dict) and value:
        keys = sorted(value)
        k = keys[key % len(keys)]
        return {**value, k: _mutate(value[k], rest, replacement)}
    if isinstance(value, list) and value:
        i = key % len(value)
        return value[:i] + [_mutate(value[i], rest, replacement)] + value[i + 1:]
    return replacement


_junk = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=8),
                  st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=3))


@settings(max_examples=80)
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=6), replacement=_junk)
def test_mutated_schedule_never_crashes(tmp_path_factory, path, replacement):
    problem, doc = _plant()
    target = tmp_path_factory.mktemp("s") / "schedule.json"
    target.write_text(json.dumps(_mutate(doc, path, replacement)))
    try:
        read_schedule(target, problem)
    except InputError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)


@settings(max_examples=40)
@given(data=st.binary(max_size=200))
def test_random_bytes_are_refused_cleanly(tmp_path_factory, data):
    problem, _ = _plant()
    target = tmp_path_factory.mktemp("s") / "schedule.json"
    target.write_bytes(data)
    try:
        read_schedule(target, problem)
    except InputError:
        pass


def test_paths_must_run_from_the_talker_to_each_listener_in_order(tmp_path):
    problem = load_plant(*plant_files("body-shop-cell")).compile()
    doc = schedule_to_json(problem, schedule(problem))
    entry = doc["streams"]["safety-stop"]
    assert len(entry["replica_paths"]) == len(entry["paths"]) == 4
    entry["replica_paths"] = entry["replica_paths"][::-1]      # second routes paired with the wrong listeners
    target = tmp_path / "schedule.json"
    target.write_text(json.dumps(doc))
    try:
        read_schedule(target, problem)
    except InputError as exc:
        assert any("replica_paths" in p.message and "does not run from" in p.message for p in exc.problems)
    else:
        raise AssertionError("a schedule with swapped replica paths was accepted")
