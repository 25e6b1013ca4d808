"""`emulate` without --pcap never imports scapy (0.6 s of start-up); with --pcap it does."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLANT = ROOT / "topologies" / "body-shop-cell"
PROBE = """
import sys
from tsnplan.cli import main
code = main(sys.argv[1:])
print(code, "scapy" in sys.modules)
"""


def _run(tmp_path, *extra):
    args = ["emulate", str(PLANT / "network.yaml"), str(PLANT / "streams.yaml"), "--duration", "2ms", "--json", *extra]
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=tmp_path, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_emulate_without_pcap_does_not_import_scapy(tmp_path):
    assert _run(tmp_path) == "0 False"


def test_emulate_with_pcap_imports_scapy(tmp_path):
    port = "sw-1->sw-2"
    assert _run(tmp_path, "--capture", port, "--pcap", str(tmp_path / "c.pcapng")) == "0 True"
