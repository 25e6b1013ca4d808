"""pytest plugin: the ``tsnplan_replay`` fixture replays a capture against a plant.

A plant's repository can hold tests such as::

    def test_line3(tsnplan_replay):
        result = tsnplan_replay("captures/line3.pcapng", "plant/network.yaml", "plant/streams.yaml",
                                schedule="plant/schedule.json", map_file="plant/map.yaml", emulate=True)
        result.assert_conforms()
        result.assert_delivered(max_latency_ns=500_000)

Installed with tsnplan (``[project.entry-points.pytest11]``); importing it costs nothing until the
fixture is used.
"""
from __future__ import annotations

import pytest


@pytest.fixture
def tsnplan_replay():
    """``tsnplan_replay(captures, network=None, streams=None, *, schedule=None, map_file=None,
    infer=False, emulate=False, failures=(), tolerance_ns=0, ignore_unknown=False)`` -> ReplayResult
    (see ``tsnplan.replay.run``) with ``assert_read``, ``assert_conforms``, ``assert_flagged`` and
    ``assert_delivered``. ``captures`` is one path or a list of paths."""
    from tsnplan.replay.run import run_replay

    def replay(captures, network=None, streams=None, *, schedule=None, map_file=None, **options):
        paths = [captures] if isinstance(captures, (str, bytes)) or hasattr(captures, "__fspath__") else list(captures)
        return run_replay(paths, network, streams, schedule, map_file, **options)
    return replay
