"""Packet-level emulation: real frames through gates, queues, shapers, PLCA, 5G and failures."""
from tsnplan.emulate.engine import build_inputs, run_emulation
from tsnplan.emulate.result import EmulationResult, ListenerStats
from tsnplan.emulate.scenario import Failure, Reroute, Scenario, parse_cbs, parse_failure

__all__ = ["run_emulation", "build_inputs", "EmulationResult", "ListenerStats", "Scenario", "Failure",
           "Reroute", "parse_failure", "parse_cbs"]
