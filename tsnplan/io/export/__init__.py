"""Deployable configuration from a schedule.json (it carries ports, gates, windows and paths).

``export_schedule`` reads the document, builds the devices (``devices.py``), renders every file in
memory and only then writes, so a refused export leaves nothing behind. Two forms:

- single output ``OUT`` (the form of earlier versions): ``taprio`` one shell script for every
  node (a ``case`` on the host name), ``yang`` one JSON document of every port, ``tsnkit`` a
  directory; ``OUT`` = ``-`` prints the script or document on stdout (not for tsnkit);
- per device ``--out DIR``: ``taprio`` writes ``<node>.sh`` (tc and ethtool), ``<node>.ptp4l.conf``
  and ``<node>.launch.csv`` (talkers), ``yang`` writes ``<node>.json`` and ``<node>.xml``,
  ``tsnkit`` and ``inet`` (NED + omnetpp.ini) the same directory as the single form. 5G bridges and
  T1S segment nodes get no files.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tsnplan.errors import InputError, Problem
from tsnplan.model.network import Feature
from tsnplan.io.export.taprio import ExportOptions

__all__ = ["export_schedule", "ExportOptions", "ExportResult", "render"]

CONFIGURED = ("bridge", "end-station")


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stdout: str | None = None


def _linux_files(doc: dict, devices, per_device: bool, file: str, options: ExportOptions,
                 problems: list[str], notes: list[str], shapers: dict | None = None) -> dict[str, str]:
    from tsnplan.io.export import launch, ptp4l, taprio
    from tsnplan.io.export.devices import check_name
    from tsnplan.io.export.shell import quote, script
    from tsnplan.io.export.windows import scheduled_classes, window_classes

    classes = scheduled_classes(doc, devices)
    launch_classes = window_classes(doc, devices)
    header = [f"tc/ethtool configuration of {doc.get('network', '')} (tsnplan), mode {options.mode}, "
              f"base time {options.base_time_ns} ns TAI, hyperperiod {doc['hyperperiod_ns']} ns",
              "A port whose interface is missing is skipped; a failing command is reported and the "
              "others still run; exit status 1 if any failed."]
    files: dict[str, str] = {}
    if per_device:
        for d in devices:
            name = check_name(d.node, file, f"node {d.node!r}")
            body = taprio.device_body(d, classes, options, problems, notes, shapers)
            files[f"{name}.sh"] = script([f"device {d.node}: run as root on it", *header], body)
            files[f"{name}.ptp4l.conf"] = ptp4l.ptp4l_config(d, str(doc.get("network", "")))
            rows = launch.launch_rows(doc, d, launch_classes)
            if rows:
                files[f"{name}.launch.csv"] = launch.launch_csv(rows)
        return files
    body = ['node="${TSNPLAN_NODE:-$(hostname)}"', 'case "$node" in']
    for d in devices:
        lines = taprio.device_body(d, classes, options, problems, notes, shapers)
        if lines:
            body += [f"{quote(d.node)})", *lines, "  ;;"]
    body += ["*) echo \"tsnplan: no ports of node $node in this schedule\" >&2 ;;", "esac"]
    return {"": script(["run on each node (or set TSNPLAN_NODE to the node id)", *header], body)}


def render(doc: dict, to: str, per_device: bool, file: str, network=None, device_map=None,
           options: ExportOptions = ExportOptions(),
           plant=None) -> tuple[dict[str, str], list[str], list[str]]:
    """``({relative file name: text}, problems, notes)`` of one export; nothing is written. ``plant``
    (network and streams): stream handles as the emulator numbers streams, and the cbs shapers."""
    from tsnplan.io.export import inet, tsnkit, yang
    from tsnplan.io.export.devices import build_devices, check_name

    if to == "tsnkit":
        files, problems = tsnkit.tsnkit_files(doc)
        return files, problems, []
    devices = build_devices(doc, file, network, device_map)
    problems: list[str] = []
    notes: list[str] = []
    stream_order = shapers = vlans = None
    if plant is not None:
        from tsnplan.io.export.cbs import cbs_parameters
        problem = plant.compile()
        stream_order, shapers = list(problem.stream_ids), cbs_parameters(problem)
        vlans = {s.id: s.vlan for s in plant.streams.streams}
    elif to == "taprio" and network is not None and any(Feature.CBS in n.features for n in network.nodes):
        notes.append("the plant shapes SR classes (cbs) but no stream file was given (--streams): "
                     "no cbs qdiscs written")
    hyper = int(doc["hyperperiod_ns"])
    base = -(-options.base_time_ns // hyper) * hyper
    if base != options.base_time_ns:
        notes.append(f"base time {options.base_time_ns} ns rounded up to {base} ns, a multiple of the "
                     f"hyperperiod {hyper} ns, so every port keeps its phase")
    options = ExportOptions(options.mode, base, options.short_entries, options.long_lists)
    if to == "inet":
        return inet.inet_files(doc, devices, str(doc.get("network", ""))), problems, notes
    policed = {d.node for d in devices if d.kind == "5g-bridge" and to == "yang" and per_device
               and any(g["port"] in {p.key for p in d.ports}
                       for s in doc["streams"].values() for g in s.get("stream_gates") or [])}
    skipped = [d.node for d in devices if d.kind not in CONFIGURED and d.node not in policed]
    if skipped:
        notes.append(f"no configuration for {', '.join(skipped)} (5G bridges and T1S segments are configured "
                     "by their own system)")
    if policed:
        notes.append(f"{', '.join(sorted(policed))}: 802.1Qci stream gates only (the 5G system runs the rest)")
    devices = [d for d in devices if d.kind in CONFIGURED or d.node in policed]
    files: dict[str, str] = {}
    if to == "yang" and not per_device:
        files[""] = yang.to_json(yang.plant_document(devices, base, problems))
    elif to == "yang":
        for d in devices:
            document = yang.device_document(d, base, problems, doc, stream_order, vlans)
            name = check_name(d.node, file, f"node {d.node!r}")
            files[f"{name}.json"], files[f"{name}.xml"] = yang.to_json(document), yang.to_xml(document)
    else:
        files = _linux_files(doc, devices, per_device, file, options, problems, notes, shapers)
    return files, problems, notes


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o755 if text.startswith("#!") else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_schedule(path: str | Path, to: str, out: str | Path | None = None, *, out_dir: str | Path | None = None,
                    network=None, device_map=None, options: ExportOptions = ExportOptions(),
                    plant=None) -> ExportResult:
    """Write the ``to`` format of the schedule in ``path`` to ``out`` (one output) or ``out_dir``
    (per device); refuses, writing nothing, when any device or port cannot be represented."""
    from tsnplan.io.schedule_json import load_schedule_doc

    source = Path(path)
    doc = load_schedule_doc(path)
    per_device = out_dir is not None
    target = Path(out_dir if per_device else out)
    to_stdout = not per_device and str(out) == "-"
    if to_stdout and to in ("tsnkit", "inet"):
        raise InputError([Problem("-", "", f"{to} writes several files; give a directory, not '-'")])
    if not to_stdout and _same_file(source, target):
        raise InputError([Problem(str(target), "", "is the schedule being exported; choose another output")])
    try:
        files, problems, notes = render(doc, to, per_device, str(path), network, device_map, options, plant)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError, OverflowError) as exc:
        raise InputError([Problem(str(path), "", f"malformed schedule: {type(exc).__name__}: {exc}")]) from None
    if problems:
        raise InputError([Problem(str(path), "", p) for p in problems])
    if to_stdout:
        return ExportResult([], notes, files[""])
    if to in ("tsnkit", "inet") or per_device:
        return ExportResult(_write_dir(target, files, source), notes)
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "is a directory")
        _atomic_write(target, files[""])
    except OSError as exc:
        raise InputError([Problem(str(target), "", f"cannot write: {exc.strerror or exc}")]) from None
    return ExportResult([target], notes)


def _write_dir(target: Path, files: dict[str, str], source: Path) -> list[Path]:
    """Write ``files`` into ``target``; on failure remove what was written and a directory made here."""
    made = not target.exists()
    written: list[Path] = []
    try:
        target.mkdir(parents=False, exist_ok=True)
        for name in sorted(files):
            p = target / name
            if _same_file(source, p):
                raise InputError([Problem(str(p), "", "is the schedule being exported; choose another directory")])
            _atomic_write(p, files[name])
            written.append(p)
    except (OSError, InputError) as exc:
        for p in written:
            p.unlink(missing_ok=True)
        if made:
            try:
                target.rmdir()
            except OSError:
                pass
        if isinstance(exc, InputError):
            raise
        raise InputError([Problem(str(target), "", f"cannot write: {exc.strerror or exc}")]) from None
    return written
