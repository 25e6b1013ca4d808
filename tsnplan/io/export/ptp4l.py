"""linuxptp ``ptp4l`` configuration of a time-aware node: the 802.1AS (gPTP) profile of linuxptp's
``configs/gPTP.cfg`` (layer 2, peer delay, two-step, 125 ms sync) with one section per port.
A bridge runs as a boundary clock over its ports (``boundary_clock_jbod`` when they have separate
PHCs); the grandmaster is chosen by the BMCA (``priority1`` from the device map, default 248)."""
from __future__ import annotations

from tsnplan.io.export.devices import Device
from tsnplan.io.export.shell import comment

__all__ = ["ptp4l_config", "TIME_AWARE"]

TIME_AWARE = ("bridge", "end-station")

_GLOBAL = [("gmCapable", "1"), ("priority1", "248"), ("priority2", "248"), ("logAnnounceInterval", "0"),
           ("logSyncInterval", "-3"), ("syncReceiptTimeout", "3"), ("neighborPropDelayThresh", "800"),
           ("min_neighbor_prop_delay", "-20000000"), ("assume_two_step", "1"), ("path_trace_enabled", "1"),
           ("follow_up_info", "1"), ("transportSpecific", "0x1"), ("ptp_dst_mac", "01:80:C2:00:00:0E"),
           ("network_transport", "L2"), ("delay_mechanism", "P2P")]


def ptp4l_config(device: Device, network_name: str) -> str:
    lines = [comment(f"ptp4l (linuxptp) gPTP configuration of {device.node} in {network_name} (tsnplan)"),
             comment(f"run: ptp4l -f {device.node}.ptp4l.conf"), "[global]"]
    lines += [f"{k:<24}{v}" for k, v in _GLOBAL]
    if device.is_bridge and len(device.ports) > 1:
        lines.append(f"{'boundary_clock_jbod':<24}1")
    for port in device.ports:
        lines += ["", comment(f"towards {port.neighbour}"), f"[{port.interface}]"]
    return "\n".join(lines) + "\n"
