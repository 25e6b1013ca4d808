"""Candidate verification on executors: a process pool and a real dask.distributed LocalCluster."""
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from tsnplan.plan import PlanSettings, plan_upgrade
from tsnplan.plan.inputs import read_plan_inputs

LINE = Path(__file__).parent.parent.parent / "topologies" / "brownfield-line"


def _plan(executor=None, batch=1):
    inputs = read_plan_inputs(LINE / "network.yaml", LINE / "streams-to-be.yaml", LINE / "upgrade.yaml")
    return plan_upgrade(inputs.network_doc, inputs.streams_doc, inputs.streams_file, inputs.catalogue,
                        PlanSettings(batch=batch), executor)


@pytest.fixture(scope="module")
def serial():
    return _plan()


def _same(a, b):
    assert [p.cost for p in a.plans] == [p.cost for p in b.plans]
    assert [sorted(x.id for x in p.actions) for p in a.plans] == [sorted(x.id for x in p.actions) for p in b.plans]


def test_process_pool_gives_the_serial_plan(serial):
    with ProcessPoolExecutor(max_workers=2) as pool:
        _same(_plan(pool, batch=2), serial)


def test_dask_local_cluster_gives_the_serial_plan(serial, cli, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        _same(_plan(client.get_executor(pure=False), batch=2), serial)
        status, out, _ = cli("plan", LINE / "network.yaml", LINE / "streams-to-be.yaml", "--catalogue",
                             LINE / "upgrade.yaml", "--cluster", cluster.scheduler_address, "--json")
        assert status == 0 and json.loads(out)["plan"]["cost"] == serial.best.cost


def test_heal_sweep_on_a_dask_cluster(cli):
    distributed = pytest.importorskip("distributed")
    hall = Path(__file__).parent.parent.parent / "topologies" / "agv-hall"
    serial = cli("heal", hall / "network.yaml", hall / "streams.yaml", "--workers", "1", "--json")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        remote = cli("heal", hall / "network.yaml", hall / "streams.yaml", "--cluster", cluster.scheduler_address,
                     "--json")
    assert serial[0] == remote[0] and json.loads(serial[1]) == json.loads(remote[1])

