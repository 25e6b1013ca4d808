"""tsnkit instance directories: the generated samples load with tsnkit's timing; bad CSV is an InputError."""
import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from tsnplan.errors import InputError, LimitError
from tsnplan.io.plant import load_plant
from tsnplan.io.tsnkit_csv import find_instance_files, load_tsnkit_instance
from tsnplan.model.compile import TIMING_TSNKIT
from tsnplan.model.media.ethernet import tx_time_ns
from tsnplan.model.network import NodeKind

DATA = Path(__file__).parent.parent / "data" / "tsnkit"
SAMPLES = sorted(p for p in DATA.iterdir() if p.is_dir())

TOPO = """link,q_num,rate,t_proc,t_prop
"(0, 1)",8,1,2000,0
"(1, 0)",8,1,2000,0
"(1, 2)",8,1,2000,0
"(2, 1)",8,1,2000,0
"(1, 3)",8,1,2000,0
"(3, 1)",8,1,2000,0
"""
TASK = """stream,src,dst,size,period,deadline,jitter
0,0,[2],100,1000000,100000,100000
1,2,"[0, 3]",300,500000,500000,0
"""


def write_instance(folder: Path, topo: str = TOPO, task: str = TASK) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "topo.csv").write_text(topo)
    (folder / "task.csv").write_text(task)
    return folder


def csv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("folder", SAMPLES, ids=lambda p: p.name)
def test_generated_samples_follow_tsnkit_conventions(folder):
    """Recompute the conventions from the raw CSV rows and compare with the compiled problem."""
    task_path, topo_path = find_instance_files(folder)
    topo, tasks = csv_rows(topo_path), csv_rows(task_path)
    plant = load_plant(folder)
    assert plant.timing == TIMING_TSNKIT
    degree: dict[str, int] = {}
    for row in topo:
        src = row["link"].strip("()").split(",")[0].strip()
        degree[src] = degree.get(src, 0) + 1
    kinds = {n.id: n.kind for n in plant.network.nodes}
    assert kinds == {n: NodeKind.END_STATION if d == 1 else NodeKind.BRIDGE for n, d in degree.items()}
    assert len(plant.network.links) == len(topo) // 2
    for link in plant.network.links:
        assert link.propagation_ns == 2000 and link.phy_ns == 0 and link.rate_bps == 10**9
    assert all(n.processing_ns == 0 for n in plant.network.nodes)

    problem = plant.compile()
    assert problem.time_quantum_ns == 100
    by_id = {row["stream"]: row for row in tasks}
    assert set(problem.stream_ids) == set(by_id)
    for s, stream_id in enumerate(problem.stream_ids):
        row = by_id[stream_id]
        lo, hi = int(problem.frame_ptr[s]), int(problem.frame_ptr[s + 1])
        assert hi - lo == 1, "one frame per period"
        size = int(row["size"])
        assert tx_time_ns(int(problem.frame_wire_bytes[lo]), 10**9) == -(-size // 100) * 800
        assert int(problem.stream_period_ns[s]) == int(row["period"])
        assert int(problem.stream_deadline_ns[s]) == int(row["deadline"])


def test_plain_and_numbered_names(tmp_path):
    plain = write_instance(tmp_path / "plain")
    assert find_instance_files(plain) == (plain / "task.csv", plain / "topo.csv")
    numbered = tmp_path / "numbered"
    numbered.mkdir()
    (numbered / "7_topo.csv").write_text(TOPO)
    (numbered / "7_task.csv").write_text(TASK)
    (numbered / "dataset_logs.csv").write_text("stream,size\n1,1\n")
    plant = load_tsnkit_instance(numbered)
    assert plant.network.name == "numbered"
    assert [s.id for s in plant.streams] == ["0", "1"]


def test_multicast_destinations_and_slot_rounding(tmp_path):
    topo = TOPO.replace('"(1, 3)",8,1,2000,0', '"(1, 3)",8,0.1,2050,30').replace('"(3, 1)",8,1,2000,0', '"(3, 1)",8,0.1,2050,30')
    task = TASK.replace("500000,500000,0", "500050,420001,1")
    plant = load_tsnkit_instance(write_instance(tmp_path / "i", topo, task))
    link = plant.network.link("1", "3")
    assert (link.rate_bps, link.propagation_ns) == (10**8, 2100 + 100)   # t_proc and t_prop round up separately
    stream = plant.streams.by_id()["1"]
    assert stream.listeners == ("0", "3")
    assert (stream.period_ns, stream.deadline_ns, stream.jitter_ns) == (500100, 420100, 100)


@pytest.mark.parametrize("topo_edit, task_edit, file, line, message", [
    (('"(0, 1)"', '"(0; 1)"'), None, "topo", 2, "link: expected a directed link like '(0, 1)'"),
    (('"(0, 1)"', "\"__import__('os').system('false')\""), None, "topo", 2, "link: expected a directed link"),
    (("8,1,2000,0\n\"(1, 0)\"", "x,1,2000,0\n\"(1, 0)\""), None, "topo", 2, "q_num: expected a whole number, got 'x'"),
    (("8,1,2000,0\n\"(1, 0)\"", "9,1,2000,0\n\"(1, 0)\""), None, "topo", 2, "q_num: 9 is outside 1..8"),
    (("8,1,2000,0\n\"(1, 0)\"", "8,10,2000,0\n\"(1, 0)\""), None, "topo", 2, "rate: 10 bit/ns is not supported"),
    (("8,1,2000,0\n\"(1, 0)\"", "8,1,-5,0\n\"(1, 0)\""), None, "topo", 2, "t_proc: expected a whole number, got '-5'"),
    (('"(1, 0)",8,1,2000,0\n', ""), None, "topo", 2, "link (0, 1) has no reverse row (1, 0)"),
    (('"(1, 0)",8,1,2000,0', '"(1, 0)",8,1,3000,0'), None, "topo", 3, "differs from (0, 1)"),
    (('"(1, 0)",8,1,2000,0', '"(0, 1)",8,1,2000,0'), None, "topo", 3, "link (0, 1) appears twice (also line 2)"),
    (('"(1, 0)",8,1,2000,0', '"(1, 1)",8,1,2000,0'), None, "topo", 3, "connects a node to itself"),
    (('"(1, 0)",8,1,2000,0', '"(1, 0)",8,1,2000'), None, "topo", 3, "has 4 cells, expected 5"),
    (("link,q_num", "link,queues"), None, "topo", 1, "columns are link,queues,rate,t_proc,t_prop"),
    (('"(1, 3)",8,1,2000,0', '"(1, 3)",4,1,2000,0'), None, "topo", None, "its links declare different q_num (4, 8)"),
    (None, ("0,0,[2]", "0,1,[2]"), "task", 2, "src: node 1 is a bridge, not an end station"),
    (None, ("0,0,[2]", "0,0,[9]"), "task", 2, "dst: node 9 is not in the topology"),
    (None, ("0,0,[2]", "0,0,[2;3]"), "task", 2, "dst: expected a list of listeners like '[7]'"),
    (None, ("0,0,[2]", '0,0,"[2, 2]"'), "task", 2, "dst: a listener is listed twice"),
    (None, ("0,0,[2]", "0,0,[0]"), "task", 2, "dst: the talker cannot also be a listener"),
    (None, ("1,2,", "0,2,"), "task", 3, "stream 0 appears twice (first at line 2)"),
    (None, ("100000,100000", "2000000,100000"), "task", 2, "deadline 2000000 ns is longer than the period 1000000 ns"),
    (None, (",100,1000000", ",0,1000000"), "task", 2, "size: 0 is outside 1..1000000"),
    (None, (",100,1000000", ",1e3,1000000"), "task", 2, "size: expected a whole number, got '1e3'"),
    (None, ("stream,src", "id,src"), None, None, None),                          # tsnkit's alias column name
])
def test_malformed_rows(tmp_path, topo_edit, task_edit, file, line, message):
    topo = TOPO.replace(*topo_edit) if topo_edit else TOPO
    task = TASK.replace(*task_edit) if task_edit else TASK
    folder = write_instance(tmp_path / "i", topo, task)
    if message is None:
        assert len(load_tsnkit_instance(folder).streams) == 2
        return
    with pytest.raises(InputError) as caught:
        load_tsnkit_instance(folder)
    problems = [p for p in caught.value.problems if message in p.message]
    assert problems, [str(p) for p in caught.value.problems]
    assert problems[0].file == str(folder / f"{file}.csv")
    assert problems[0].line == line
    if line is not None:
        assert problems[0].entry == ("header" if line == 1 else f"row {line}")


def test_every_bad_row_is_reported_at_once(tmp_path):
    topo = TOPO.replace('"(0, 1)",8,1,2000,0', '"(0, 1)",x,1,2000,0').replace('"(1, 2)",8,1', '"(1, 2)",8,7')
    with pytest.raises(InputError) as caught:
        load_tsnkit_instance(write_instance(tmp_path / "i", topo))
    assert [p.line for p in caught.value.problems] == [2, 4]


@pytest.mark.parametrize("content, message", [
    (b"", "file is empty"),
    (b"\x00\x01\x02binary", "file is binary"),
    (b"link,q_num\xff\xfe", "not UTF-8 text"),
    (b'link,q_num,rate,t_proc,t_prop\n"(0, 1)', "not valid CSV"),
    (b"link,q_num,rate,t_proc,t_prop\n", "has a header but no rows"),
])
def test_malformed_files(tmp_path, content, message):
    folder = write_instance(tmp_path / "i")
    (folder / "topo.csv").write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_tsnkit_instance(folder)
    assert message in str(caught.value)


def test_directory_problems(tmp_path):
    with pytest.raises(InputError, match="is not a tsnkit instance"):
        load_tsnkit_instance(tmp_path)
    (tmp_path / "task.csv").write_text(TASK)
    with pytest.raises(InputError, match="has no topo.csv beside task.csv"):
        load_tsnkit_instance(tmp_path)
    (tmp_path / "task.csv").unlink()
    for n in (1, 2):
        (tmp_path / f"{n}_task.csv").write_text(TASK)
        (tmp_path / f"{n}_topo.csv").write_text(TOPO)
    with pytest.raises(InputError, match="holds 2 tsnkit instances"):
        load_tsnkit_instance(tmp_path)


def test_unreachable_listener_is_a_plant_problem(tmp_path):
    topo = TOPO + '"(4, 5)",8,1,2000,0\n"(5, 4)",8,1,2000,0\n'
    task = TASK + "2,4,[2],100,1000000,100000,100000\n"
    with pytest.raises(InputError, match="listener '2' is unreachable from talker '4'"):
        load_tsnkit_instance(write_instance(tmp_path / "i", topo, task))
    assert len(load_tsnkit_instance(tmp_path / "i", check=False).streams) == 3


CELLS = st.sampled_from(['"(0, 1)"', '"(1, 0)"', "8", "1", "0.1", "2000", "0", "[2]", "[0, 3]", "-1", "x",
                         "", '"', "1e9", "99999999999999999999", "(0,1", "[", "0.01"])


@given(st.binary(max_size=300), st.booleans())
def test_loader_never_crashes_on_bytes(junk, topo_side):
    with tempfile.TemporaryDirectory() as folder:
        folder = write_instance(Path(folder))
        (folder / ("topo.csv" if topo_side else "task.csv")).write_bytes(junk)
        try:
            load_tsnkit_instance(folder)
        except (InputError, LimitError):
            pass


@given(st.lists(st.lists(CELLS, min_size=0, max_size=8), max_size=8),
       st.lists(st.lists(CELLS, min_size=0, max_size=8), max_size=6))
def test_loader_never_crashes_on_random_cells(topo_rows, task_rows):
    topo = TOPO + "".join(",".join(r) + "\n" for r in topo_rows)
    task = TASK.splitlines()[0] + "\n" + "".join(",".join(r) + "\n" for r in task_rows)
    with tempfile.TemporaryDirectory() as folder:
        try:
            load_tsnkit_instance(write_instance(Path(folder), topo, task))
        except (InputError, LimitError):
            pass
