"""Load a plant: a network file plus a stream file, or a tsnkit instance directory."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.io.checks import check_plant
from tsnplan.model.compile import TIMING_IEEE, TIMING_TSNKIT, CompiledProblem, compile_problem
from tsnplan.model.media.fiveg import DEFAULT_PERCENTILE
from tsnplan.model.network import Network
from tsnplan.model.routing import Routes
from tsnplan.model.streams import StreamSet

__all__ = ["Plant", "load_plant", "TIMING_TSNKIT", "TIMING_IEEE"]


@dataclass(frozen=True)
class Plant:
    """A network, its streams and the timing convention they follow."""

    network: Network
    streams: StreamSet
    timing: str = TIMING_IEEE
    routes: Routes | None = None          # paths fixed by the input (TAS benchmark); None: shortest routes
    _compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def compile(self, percentile: float = DEFAULT_PERCENTILE) -> CompiledProblem:
        """The compiled problem, made once per percentile: the load check and the verb share it
        (compiled problems are never modified; kernels take their arrays as ``const``)."""
        problem = self._compiled.get(percentile)
        if problem is None:
            problem = self._compiled[percentile] = compile_problem(self.network, self.streams, self.routes,
                                                                   percentile=percentile, timing=self.timing)
        return problem

    def checked(self, check: bool = True) -> "Plant":
        """This plant, or an ``InputError`` listing what the load check (``check_plant``) finds."""
        if check:
            found = check_plant(self.compile(), self.streams)
            if found:
                raise InputError(found)
        return self


@contextmanager
def _gc_paused():
    """Loading builds millions of small acyclic objects; the cyclic collector only slows it down."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_plant(net_path: str | Path, streams_path: str | Path | None = None, *, check: bool = True) -> Plant:
    """Read and check NET (YAML, tsnkit directory, TAS benchmark or TSNsched JSON, ECRTS stream text)
    and STREAMS; one ``InputError`` lists every problem.

    Without ``streams_path`` the streams come from a ``streams:`` section of the network file (or
    from the tsnkit instance); a plant without streams is valid.
    """
    with _gc_paused():
        return _load_plant(Path(net_path), streams_path, check)


def _load_plant(net_path: Path, streams_path, check: bool) -> Plant:
    if net_path.is_dir():
        from tsnplan.io.tsnkit_csv import load_tsnkit_instance
        if streams_path is not None:
            raise InputError([Problem(str(streams_path), "", f"a tsnkit instance ({net_path}) holds its own "
                                      "streams (task.csv); give no streams file with it")])
        return load_tsnkit_instance(net_path, check=check)
    if net_path.suffix.lower() == ".json" and streams_path is None:
        from tsnplan.io.json_input import load_json_plant
        return load_json_plant(net_path, check=check)
    if net_path.suffix.lower() == ".txt" and streams_path is None:
        from tsnplan.io.ecrts import ecrts_text, load_ecrts
        text = ecrts_text(net_path)
        if text is not None:
            return load_ecrts(net_path, text, check=check)
    from tsnplan.io.network_file import network_from_doc
    from tsnplan.io.streams_file import streams_from_doc
    from tsnplan.io.yaml_input import read_yaml

    net_doc = read_yaml(net_path)
    network, problems = network_from_doc(net_doc, str(net_path), base_dir=net_path.parent)
    if streams_path is not None:
        stream_doc, stream_file = read_yaml(streams_path), str(streams_path)
    elif isinstance(net_doc, dict) and "streams" in net_doc:
        stream_doc, stream_file = net_doc, str(net_path)
    else:
        stream_doc, stream_file = {"streams": []}, str(net_path)
    streams, stream_problems = streams_from_doc(stream_doc, stream_file, network, own_file=streams_path is not None)
    problems += stream_problems
    if network is None and not problems:
        problems.append(Problem(str(net_path), "", "no network could be read"))
    if problems:
        raise InputError(problems)
    return Plant(network, streams).checked(check)
