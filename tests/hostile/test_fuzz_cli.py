"""Fuzz harness: every loader through the real CLI, in-process (issue 14, acceptance).

Asserts only what must hold for any input: exit 0, 1 or 2; never "internal error" or a traceback
(the ``cli`` fixture checks); no file created beside the inputs unless asked; each run within a
time bound and without large memory growth. The example budget is fixed (CI profile,
derandomised), so the run is reproducible and costs a few seconds.
"""
import copy
import json
import os
import resource
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from hostile_plants import write_plant

TSNKIT = Path(__file__).parent.parent / "data" / "tsnkit" / "mesh"
#: examples per test; TSNPLAN_FUZZ_EXAMPLES=2000 for a longer hunt outside CI
FUZZ = settings(max_examples=int(os.environ.get("TSNPLAN_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=list(HealthCheck))
MAX_SECONDS = 20
MAX_GROWTH_KB = 512 * 1024

_hostile_text = st.sampled_from(["plc$(touch x)", "io\"; touch x; echo \"", "a\nb", "a->b", "a--b", "[/]",
                                 "[/bold]", "\x1b[31m", "1:30", "-1", "1e400", "0", "", " ", "x" * 300, "!!",
                                 "9" * 5000, "/dev/zero", "..", "~"])
_junk = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), _hostile_text,
                  st.text(max_size=12), st.lists(st.integers(-3, 3), max_size=3),
                  st.dictionaries(st.text(max_size=5), st.integers(-3, 3), max_size=3))


def _mutate(value, path, replacement):
    """``value`` with the element at ``path`` (indices taken modulo each level's size) replaced."""
    if not path:
        return replacement
    key, rest = path[0], path[1:]
    if isinstance(value, dict) and value:
        keys = list(value)
        k = keys[key % len(keys)]
        if rest or key % 3:
            return {**value, k: _mutate(value[k], rest, replacement)}
        return {**{x: v for x, v in value.items() if x != k}, str(replacement)[:20]: value[k]}  # rename a key
    if isinstance(value, list) and value:
        i = key % len(value)
        return value[:i] + [_mutate(value[i], rest, replacement)] + value[i + 1:]
    return replacement


def _run_bounded(cli, folder: Path, *argv, allowed=()):
    """Run the CLI; check the exit code, the time, the memory and the files left in ``folder``."""
    before = set(folder.iterdir())
    cwd_before = set(Path.cwd().iterdir())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    status, out, err = cli(*argv)
    assert time.monotonic() - started < MAX_SECONDS
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < MAX_GROWTH_KB
    assert status in (0, 1, 2), (status, err)
    assert "internal error" not in err, err
    assert set(folder.iterdir()) - before <= {folder / name for name in allowed}
    assert set(Path.cwd().iterdir()) == cwd_before
    assert not (folder / "x").exists()
    return status, out, err


def _documents(folder):
    net, streams = write_plant(folder)
    return yaml.safe_load(net.read_text()), yaml.safe_load(streams.read_text())


@FUZZ
@given(which=st.sampled_from(["network", "streams"]), path=st.lists(st.integers(0, 40), min_size=1, max_size=5),
       replacement=_junk)
def test_mutated_yaml_documents(cli, tmp_path_factory, which, path, replacement):
    folder = tmp_path_factory.mktemp("y")
    net_doc, streams_doc = _documents(folder)
    doc = net_doc if which == "network" else streams_doc
    (folder / f"{which}.yaml").write_text(yaml.safe_dump(_mutate(doc, path, replacement), allow_unicode=True))
    for verb in ("validate", "show", "budget"):
        _run_bounded(cli, folder, verb, folder / "network.yaml", folder / "streams.yaml")


@FUZZ
@given(which=st.sampled_from(["network", "streams"]), at=st.integers(0, 10**6),
       insert=st.one_of(st.text(max_size=20), _hostile_text, st.sampled_from(["!!python/name:os.system ", "&a ",
                                                                               "*a ", "<<: ", "!!set ", "{", "- "])),
       cut=st.integers(0, 5))
def test_edited_yaml_text(cli, tmp_path_factory, which, at, insert, cut):
    folder = tmp_path_factory.mktemp("t")
    write_plant(folder)
    target = folder / f"{which}.yaml"
    text = target.read_text()
    i = at % (len(text) + 1)
    target.write_text(text[:i] + insert + text[i + cut:])
    _run_bounded(cli, folder, "validate", folder / "network.yaml", folder / "streams.yaml")


@FUZZ
@given(which=st.sampled_from(["topo.csv", "task.csv"]), at=st.integers(0, 10**6),
       insert=st.one_of(st.text(max_size=12), _hostile_text, st.sampled_from([",", "\n", "\"", "(", "[", "-"])),
       cut=st.integers(0, 4))
def test_edited_tsnkit_instance(cli, tmp_path_factory, which, at, insert, cut):
    folder = tmp_path_factory.mktemp("k")
    for name in ("topo.csv", "task.csv"):
        (folder / name).write_bytes((TSNKIT / name).read_bytes())
    text = (folder / which).read_text()
    i = at % (len(text) + 1)
    (folder / which).write_text(text[:i] + insert + text[i + cut:])
    _run_bounded(cli, folder, "validate", folder)
    _run_bounded(cli, folder, "show", folder)


@FUZZ
@given(samples=st.lists(st.one_of(st.integers(-5, 10**12).map(str), _hostile_text,
                                  st.sampled_from(["1ms", "250us", "nan", "inf", "1e9s"])), max_size=30))
def test_5g_sample_files(cli, tmp_path_factory, samples):
    folder = tmp_path_factory.mktemp("g")
    (folder / "samples.txt").write_text("\n".join(samples))
    net = folder / "network.yaml"
    net.write_text("profiles:\n  p1: {samples: samples.txt}\nnodes:\n  a: {kind: end-station}\n"
                   "  b: {kind: end-station}\n  g: {kind: 5g-bridge, profile: p1}\n"
                   "links:\n  - {ends: [a, g]}\n  - {ends: [g, b]}\n"
                   "streams:\n  - {id: s, talker: a, listeners: [b], period: 100ms, payload: 64B, "
                   "type: best-effort}\n")
    _run_bounded(cli, folder, "validate", net)
    _run_bounded(cli, folder, "budget", net)


_SCHEDULE = {}


def _schedule_doc(folder):
    if "doc" not in _SCHEDULE:
        from tsnplan.cli import main

        net, streams = write_plant(folder)
        assert main(["schedule", str(net), str(streams), "-o", str(folder / "s.json")], env={"NO_COLOR": "1"}) == 0
        _SCHEDULE["doc"] = json.loads((folder / "s.json").read_text())
        (folder / "s.json").unlink()
    return copy.deepcopy(_SCHEDULE["doc"])


@FUZZ
@given(path=st.lists(st.integers(0, 60), min_size=1, max_size=7), replacement=_junk)
def test_mutated_schedules(cli, tmp_path_factory, path, replacement):
    folder = tmp_path_factory.mktemp("s")
    doc = _schedule_doc(folder)
    write_plant(folder)
    target = folder / "schedule.json"
    try:
        target.write_text(json.dumps(_mutate(doc, path, replacement)))
    except ValueError:          # a float JSON cannot write (nan is written; only circularity fails)
        return
    net, streams = folder / "network.yaml", folder / "streams.yaml"
    _run_bounded(cli, folder, "budget", net, streams, "--schedule", target)
    _run_bounded(cli, folder, "emulate", net, streams, "--schedule", target, "--duration", "5ms")
    status, _, _ = _run_bounded(cli, folder, "export", target, "--to", "yang", folder / "out.json",
                                allowed=("out.json",))
    assert status != 0 or (folder / "out.json").is_file()
