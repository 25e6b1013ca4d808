"""`tsnplan replay`: flows and their cycle statistics, per-flow verdicts with the worst frames,
emulated delivery per listener; the same as one JSON document and as JUnit XML."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from rich import box
from rich.table import Table

from tsnplan.replay.flows import mac_text
from tsnplan.report.emulate import emulation_to_json
from tsnplan.report.format import fmt_ns

__all__ = ["render_replay", "replay_to_json", "replay_junit_xml", "FORMAT"]

FORMAT = "tsnplan-replay/1"
_SHOWN_FLOWS = 40


def _ns(value) -> str:
    return "-" if value is None else fmt_ns(int(value))


def _flow_json(s) -> dict:
    f = s.flow
    return {"name": s.group, "interface": s.interface, "protocol": f.protocol, "src": mac_text(f.src),
            "dst": mac_text(f.dst), "ethertype": f.etype, "vlan": f.vid if f.vid >= 0 else None,
            "pcp": f.pcp if f.pcp >= 0 else None, "rtag": f.rtag >= 0, "talker": s.talker, "listener": s.listener,
            "stats": s.stats.to_json()}


def replay_to_json(result) -> dict:
    doc = {"format": FORMAT, "files": result.capture.files, "frames": result.capture.frame_counts,
           "problems": [str(p) for p in result.problems], "ok": result.ok,
           "flows": [_flow_json(s) for s in result.flows]}
    if result.streams or result.skipped:
        doc["inferred"] = [s.to_doc() for s in result.streams]
        doc["skipped"] = [{"flow": n, "reason": r} for n, r in result.skipped]
    if result.verdicts is not None:
        doc["conforms"] = result.conforms
        doc["verdicts"] = [v.to_json() for v in result.verdicts]
    if result.emulation is not None:
        doc["emulation"] = emulation_to_json(result.emulation)
        doc["replayed_release_stats"] = {k: v.to_json() for k, v in sorted(result.talker_stats.items())}
    return doc


def render_replay(result, console) -> None:
    cap = result.capture
    console.print(f"[bold]{cap.n_frames}[/bold] frames in {len(cap.files)} file(s), "
                  f"{len(result.flows)} flows")
    for p in result.problems:
        console.print(f"[red]problem[/red]: {p}", markup=True, highlight=False)
    flows = sorted(result.flows, key=lambda s: (-s.stats.frames, s.group))
    table = Table(box=box.SIMPLE_HEAD, title="flows")
    for col in ("flow", "protocol", "frames", "period", "jitter (p-p)", "lost", "dup", "size", "rate"):
        table.add_column(col, justify="left" if col in ("flow", "protocol") else "right")
    for s in flows[:_SHOWN_FLOWS]:
        st = s.stats
        table.add_row(s.group + (f" @{s.interface}" if s.interface else ""), s.flow.protocol, str(st.frames),
                      _ns(st.period_ns) if st.cyclic else "acyclic", _ns(st.jitter_ns),
                      str(st.lost_cycles or 0) if st.cyclic else "-", str(st.duplicates or 0) if st.cyclic else "-",
                      f"{st.size_min}-{st.size_max}", "-" if st.rate_bps is None else f"{st.rate_bps} b/s")
    console.print(table)
    if len(flows) > _SHOWN_FLOWS:
        console.print(f"[dim]... {len(flows) - _SHOWN_FLOWS} smaller flows (see --json)[/dim]")
    if result.streams:
        console.print(f"inferred {len(result.streams)} streams ({len(result.skipped)} flows left out)")
    if result.verdicts is not None:
        _render_verdicts(result, console)
    if result.emulation is not None:
        _render_emulation(result, console)


def _render_verdicts(result, console) -> None:
    table = Table(box=box.SIMPLE_HEAD, title="conformance")
    for col in ("flow", "stream", "port", "verdict", "inside", "early", "late", "dup", "missing"):
        table.add_column(col)
    for v in result.verdicts:
        if v.stream is None and result.ignore_unknown:
            continue
        colour = "green" if v.conforms else "red"
        table.add_row(v.flow, v.stream or "-", v.port or "-", f"[{colour}]{v.verdict}[/{colour}]", str(v.inside),
                      str(v.early), str(v.late), str(v.duplicates), str(v.missing))
    console.print(table)
    for v in result.verdicts:
        if v.stream is None or v.conforms:
            continue
        for note in v.notes:
            console.print(f"  {v.flow}: {note}")
        for w in v.worst():
            where = f"frame {w.frame} of {w.file} at {w.time_ns} ns" if w.frame is not None else f"cycle {w.cycle}"
            console.print(f"  {v.flow}: {where}: {w.verdict}" + (f" by {fmt_ns(w.offset_ns)}" if w.offset_ns else ""))


def _render_emulation(result, console) -> None:
    table = Table(box=box.SIMPLE_HEAD, title="replayed through the emulated plant")
    for col in ("stream", "listener", "sent", "received", "lost", "min", "max", "jitter", "misses"):
        table.add_column(col)
    for l in result.emulation.listeners:
        colour = "green" if l.ok else "red"
        table.add_row(l.stream, l.listener, str(l.sent), str(l.received), f"[{colour}]{l.lost}[/{colour}]",
                      _ns(l.min_ns), _ns(l.max_ns), _ns(l.jitter_ns), str(l.deadline_misses))
    console.print(table)


def replay_junit_xml(result) -> bytes:
    """One test case per judged flow and per emulated listener; failures carry the worst frames."""
    suite = ET.Element("testsuite", name="tsnplan replay")
    cases = 0
    failures = 0
    for v in result.verdicts or []:
        if v.stream is None and result.ignore_unknown:
            continue
        case = ET.SubElement(suite, "testcase", classname="conformance", name=f"{v.flow}@{v.interface}")
        cases += 1
        if not v.conforms:
            failures += 1
            detail = [f"frame {w.frame} ({w.file}) {w.verdict} {w.offset_ns} ns" for w in v.worst()]
            failure = ET.SubElement(case, "failure", message=f"{v.verdict}: {v.matched_by}" if v.stream is None
                                    else f"{v.early} early, {v.late} late, {v.duplicates} duplicates, "
                                         f"{v.missing} missing cycles")
            failure.text = "\n".join(list(v.notes) + detail)
    if result.emulation is not None:
        for l in result.emulation.listeners:
            case = ET.SubElement(suite, "testcase", classname="emulation", name=f"{l.stream}->{l.listener}")
            cases += 1
            if not l.ok:
                failures += 1
                ET.SubElement(case, "failure", message=f"lost {l.lost}, deadline misses {l.deadline_misses}")
    for p in result.problems:
        case = ET.SubElement(suite, "testcase", classname="capture", name=p.file)
        cases += 1
        ET.SubElement(case, "error", message=str(p))
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(result.problems)))
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True)
