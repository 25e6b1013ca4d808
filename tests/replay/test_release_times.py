"""The emulator's explicit release times (``Scenario.release_times``): a stream is sent exactly at the
given instants, every other stream as scheduled."""
from pathlib import Path

import numpy as np
import pytest

from tsnplan.emulate import Scenario, run_emulation
from tsnplan.errors import InputError
from tsnplan.io.plant import load_plant

PLANT = Path(__file__).resolve().parents[2] / "topologies" / "body-shop-cell"


def _sends(problem, scenario):
    sends = {}

    def record(records):
        for s, seq, send in zip(records["stream"].tolist(), records["seq"].tolist(), records["send_ns"].tolist()):
            sends.setdefault(problem.stream_ids[s], {})[seq] = send
    result = run_emulation(problem, None, scenario, 0, record_sink=record)
    return result, {k: sorted(v.values()) for k, v in sends.items()}


def test_streams_release_at_given_times():
    problem = load_plant(PLANT / "network.yaml", PLANT / "streams.yaml").compile()
    times = (3, 1_000, 1_500, 250_017, 900_000)
    result, sends = _sends(problem, Scenario(duration_ns=2_000_000, release_times={"cell-io-1": times}))
    assert sends["cell-io-1"] == list(times)
    sent = {l.stream: l.sent for l in result.listeners}
    assert sent["cell-io-1"] == len(times)
    other = np.diff(sends["motion-1a"])                    # untouched streams keep their period
    assert set(other.tolist()) == {int(problem.stream_period_ns[problem.stream_index["motion-1a"]])}


def test_unknown_stream_is_refused():
    problem = load_plant(PLANT / "network.yaml", PLANT / "streams.yaml").compile()
    with pytest.raises(InputError, match="nope"):
        run_emulation(problem, None, Scenario(duration_ns=1000, release_times={"nope": (1,)}))
