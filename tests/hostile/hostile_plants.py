"""A small wired plant written to a folder, with hooks to make it hostile."""
from pathlib import Path

NETWORK = """\
nodes:
  {a}: {{kind: end-station}}
  b: {{kind: end-station}}
  c: {{kind: end-station}}
  sw1: {{kind: bridge}}
  sw2: {{kind: bridge}}
links:
  - {{ends: [{a}, sw1]}}
  - {{ends: [sw1, sw2]}}
  - {{ends: [sw2, b]}}
  - {{ends: [c, sw2]}}
"""
STREAMS = """\
streams:
  - {{id: {s1}, talker: {a}, listeners: [b], period: {period}, payload: 100B}}
  - {{id: s2, talker: c, listeners: [{a}], period: 1ms, payload: 100B}}
"""


def write_plant(folder: Path, a: str = "a", s1: str = "s1", period: str = "1ms",
                extra_network: str = "", extra_streams: str = "") -> tuple[Path, Path]:
    """network.yaml and streams.yaml in ``folder``; ids and period substituted verbatim."""
    net, streams = folder / "network.yaml", folder / "streams.yaml"
    net.write_text(NETWORK.format(a=a) + extra_network)
    streams.write_text(STREAMS.format(a=a, s1=s1, period=period) + extra_streams)
    return net, streams
