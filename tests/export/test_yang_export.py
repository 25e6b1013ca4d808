"""YANG per device: every device of every shipped plant validates as configuration against the
published IEEE modules (yangson), JSON and XML say the same, and read back the schedule verifies."""
from __future__ import annotations

import io
import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from export.conftest import PLANTS, net_of
from export.readback import verify_with, yang_gcls
from tsnplan.io.export.devices import build_devices

yangson = pytest.importorskip("yangson", reason="yangson (pip install '.[test]') validates the YANG exports")
from yangson import DataModel  # noqa: E402
from yangson.enumerations import ContentType, ValidationScope  # noqa: E402
from yangson.exceptions import YangsonException  # noqa: E402

YANG_DIR = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "yang"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """The published modules; one test-side adaptation: yangson gives an identityref node the string
    value ``module:identity`` (RFC 7951), so ieee802-dot1q-sched's ``must`` comparing it with the
    literal ``'sched:set-gate-states'`` (its import prefix) is compared with the module name instead."""
    work = tmp_path_factory.mktemp("yang")
    for f in YANG_DIR.iterdir():
        shutil.copy(f, work)
    sched = work / "ieee802-dot1q-sched.yang"
    text = sched.read_text()
    assert text.count("'sched:set-") == 3
    sched.write_text(text.replace("'sched:set-", "'ieee802-dot1q-sched:set-"))
    psfp = work / "ieee802-dot1q-psfp.yang"
    text = psfp.read_text()
    assert text.count("'psfp:set-") == 1
    psfp.write_text(text.replace("'psfp:set-", "'ieee802-dot1q-psfp:set-"))
    return DataModel.from_file(str(work / "yang-library.json"), [str(work)])


def _xml_root(text: str):
    """Parse keeping each element's ``xmlns:prefix`` declarations as attributes, where yangson looks for
    them; the document's root goes into a wrapper, as yangson reads the children of the root."""
    root, pending = None, {}
    for event, item in ET.iterparse(io.StringIO(text), events=("start-ns", "start")):
        if event == "start-ns":
            pending[item[0]] = item[1]
            continue
        root = item if root is None else root
        for prefix, uri in pending.items():
            if prefix:
                item.set(f"xmlns:{prefix}", uri)
        pending = {}
    if root.tag.endswith("}config"):
        return root
    wrapper = ET.Element("config")
    wrapper.append(root)
    return wrapper


def _validate(model, raw: dict):
    inst = model.from_raw(raw)
    inst.validate(ValidationScope.all, ContentType.config)
    return inst


@pytest.mark.parametrize("name", PLANTS)
def test_every_device_validates_as_configuration(cli, scheduled, model, tmp_path, name):
    plant, problem, path, doc = scheduled[name]
    out = tmp_path / "yang"
    status, _, err = cli("export", path, "--to", "yang", "--out", out, "--network", net_of(name))
    assert status == 0, err
    policed = {g["port"] for s in doc["streams"].values() for g in s.get("stream_gates") or []}
    devices = [d for d in build_devices(doc, str(path), plant.network)
               if d.kind in ("bridge", "end-station") or (d.kind == "5g-bridge" and policed & {p.key for p in d.ports})]
    assert sorted(p.name for p in out.glob("*.json")) == sorted(f"{d.node}.json" for d in devices)
    gcls = {}
    for d in devices:
        raw = json.loads((out / f"{d.node}.json").read_text())
        inst = _validate(model, raw)
        from_xml = model.from_xml(_xml_root((out / f"{d.node}.xml").read_text()))
        from_xml.validate(ValidationScope.all, ContentType.config)
        assert from_xml.raw_value() == inst.raw_value()
        if d.kind == "5g-bridge":
            assert "ieee802-dot1q-bridge:bridges" in raw
            continue
        kinds = {"ieee802-dot1q-bridge:bridge-port" in i for i in raw["ietf-interfaces:interfaces"]["interface"]}
        assert kinds == {d.is_bridge}
        by_if = {p.interface: p.key for p in d.ports}
        for intf, (cycle, entries) in yang_gcls(raw).items():
            assert cycle == doc["ports"][by_if[intf]]["gcl"]["cycle_ns"]
            gcls[by_if[intf]] = entries
    skipped = {k for k in doc["ports"] if k.split("->")[0] not in {d.node for d in devices if d.kind != "5g-bridge"}}
    assert set(gcls) | skipped == set(doc["ports"])
    assert verify_with(problem, doc, gcls) == []


def test_capabilities_and_type_are_what_the_modules_check(scheduled, model, tmp_path, cli):
    """The validator is not vacuous: a list longer than supported-list-max, or an interface without
    ``type`` (so no bridge-port), is refused by the modules themselves."""
    _, _, path, _ = scheduled["body-shop-cell"]
    cli("export", path, "--to", "yang", "--out", tmp_path, "--network", net_of("body-shop-cell"))
    raw = json.loads((tmp_path / "sw-1.json").read_text())
    table = raw["ietf-interfaces:interfaces"]["interface"][3]["ieee802-dot1q-bridge:bridge-port"][
        "ieee802-dot1q-sched-bridge:gate-parameter-table"]
    assert len(table["admin-control-list"]["gate-control-entry"]) > 1
    table["supported-list-max"] = 1
    with pytest.raises(YangsonException):
        _validate(model, raw)
    table["supported-list-max"] = 1024
    table["supported-cycle-max"] = {"numerator": 1, "denominator": 1_000_000}
    with pytest.raises(YangsonException):
        _validate(model, raw)
    table["supported-cycle-max"] = {"numerator": 1, "denominator": 1}
    _validate(model, raw)
    del raw["ietf-interfaces:interfaces"]["interface"][3]["type"]
    with pytest.raises(YangsonException):
        _validate(model, raw)


def test_cycle_is_a_reduced_fraction_and_base_time_is_given(scheduled, tmp_path, cli):
    _, _, path, doc = scheduled["process-plant"]
    status, _, _ = cli("export", path, "--to", "yang", "--out", tmp_path, "--base-time", "1800000000s",
                       "--network", net_of("process-plant"))
    assert status == 0
    raw = json.loads((tmp_path / "sw-core.json").read_text())
    table = raw["ietf-interfaces:interfaces"]["interface"][0]["ieee802-dot1q-bridge:bridge-port"][
        "ieee802-dot1q-sched-bridge:gate-parameter-table"]
    num, den = table["admin-cycle-time"]["numerator"], table["admin-cycle-time"]["denominator"]
    assert __import__("math").gcd(num, den) == 1 and den < 1_000_000_000
    hyper = doc["hyperperiod_ns"]
    base = int(table["admin-base-time"]["seconds"]) * 10**9 + table["admin-base-time"]["nanoseconds"]
    assert base >= 1_800_000_000 * 10**9 and base % hyper == 0 and base - 1_800_000_000 * 10**9 < hyper


def test_a_list_longer_than_the_device_holds_is_refused(scheduled, tmp_path, cli):
    _, _, path, _ = scheduled["body-shop-cell"]
    dmap = tmp_path / "map.yaml"
    dmap.write_text("defaults: {list_max: 8}\n")
    status, _, err = cli("export", path, "--to", "yang", "--out", tmp_path / "y", "--interfaces", dmap)
    assert status == 2 and "supported-list-max" in err and not (tmp_path / "y").exists()


def test_single_output_form_validates_too(cli, scheduled, model, tmp_path):
    _, _, path, doc = scheduled["brownfield-line"]
    out = tmp_path / "all.json"
    status, _, err = cli("export", path, "--to", "yang", out, "--network", net_of("brownfield-line"))
    assert status == 0, err
    raw = json.loads(out.read_text())
    assert [i["name"] for i in raw["ietf-interfaces:interfaces"]["interface"]] == sorted(doc["ports"])
    _validate(model, raw)


# --- libyang's yanglint, stricter than yangson: a device's library holds only its own modules ----------

YANGLINT = __import__("shutil").which("yanglint")
_BASE = ("ietf-interfaces", "iana-if-type", "ieee802-dot1q-sched")
_STREAMS = ("ieee802-dot1cb-stream-identification", "ieee802-dot1cb-frer")
MODULES = {True: _BASE + _STREAMS + ("ieee802-dot1q-bridge", "ieee802-dot1q-sched-bridge",
                                     "ieee802-dot1q-psfp", "ieee802-dot1q-psfp-bridge"),  # bridge
           False: _BASE + _STREAMS + ("ieee802-dot1dc-sched-if",),                   # end station
           "5g": _BASE + _STREAMS + ("ieee802-dot1q-bridge", "ieee802-dot1q-psfp", "ieee802-dot1q-psfp-bridge")}


def _yanglint(path, bridge: bool):
    import subprocess

    if YANGLINT is None:
        pytest.skip("yanglint (libyang tools, apt libyang2-tools) is not installed")
    text = path.read_text()
    wrapper = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n'
    if text.startswith(wrapper):               # yanglint reads the top-level containers themselves
        path = path.with_name(f"inner-{path.name}")
        path.write_text(text[len(wrapper):].removesuffix("</config>\n"))
    cmd = [YANGLINT, "-p", str(YANG_DIR), "-t", "config", *(str(YANG_DIR / f"{m}.yang") for m in MODULES[bridge]),
           str(path)]
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.mark.parametrize("name", PLANTS)
def test_yanglint_validates_every_device(cli, scheduled, tmp_path, name):
    plant, _, path, doc = scheduled[name]
    out = tmp_path / "yang"
    assert cli("export", path, "--to", "yang", "--out", out, "--network", net_of(name))[0] == 0
    devices = [d for d in build_devices(doc, str(path), plant.network)
               if (out / f"{d.node}.json").exists()]
    for d in devices:
        for suffix in ("json", "xml"):
            run = _yanglint(out / f"{d.node}.{suffix}", "5g" if d.kind == "5g-bridge" else d.is_bridge)
            assert run.returncode == 0, (d.node, suffix, run.stderr)


def test_yanglint_refuses_what_the_modules_forbid(cli, scheduled, tmp_path):
    _, _, path, _ = scheduled["body-shop-cell"]
    cli("export", path, "--to", "yang", "--out", tmp_path, "--network", net_of("body-shop-cell"))
    raw = json.loads((tmp_path / "sw-1.json").read_text())
    table = raw["ietf-interfaces:interfaces"]["interface"][3]["ieee802-dot1q-bridge:bridge-port"][
        "ieee802-dot1q-sched-bridge:gate-parameter-table"]
    table["supported-list-max"] = 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    run = _yanglint(bad, True)
    assert run.returncode != 0 and "supported-list-max" in run.stderr
    run = _yanglint(tmp_path / "rc-1.json", True)          # an end station's document is no bridge's
    assert run.returncode != 0


def _streams_config(out, nodes):
    merged = {}
    for node in nodes:
        raw = json.loads((out / f"{node}.json").read_text())
        merged[node] = raw
    return merged


def test_frer_generates_where_routes_part_and_recovers_where_they_meet(scheduled, model, tmp_path, cli):
    """body-shop-cell's replicated streams: sequence generation (R-tag on both egress ports) at the
    node where each stream's two routes part, vector recovery where they meet, each identified by
    the destination MAC and VLAN the emulator's frames carry; the modules refuse a recovery
    without ports."""
    plant, problem, path, doc = scheduled["body-shop-cell"]
    status, _, err = cli("export", path, "--to", "yang", "--out", tmp_path, "--network", net_of("body-shop-cell"))
    assert status == 0, err
    handles = {sid: i for i, sid in enumerate(doc["streams"])}
    devices = {d.node: d for d in build_devices(doc, str(path), plant.network)}
    replicated = {sid: s for sid, s in doc["streams"].items() if any(s.get("replica_paths") or [])}
    assert replicated
    for sid, s in replicated.items():
        h = handles[sid]
        for primary, replica in zip(s["paths"], s["replica_paths"]):
            if not replica:
                continue
            split = next(a for a, b, c in zip(primary, primary[1:], replica[1:]) if b != c)
            merge = next(a for a, b, c in zip(primary[::-1], primary[-2::-1], replica[-2::-1]) if b != c)
            iface = {p.neighbour: p.interface for p in devices[split].ports}
            raw = json.loads((tmp_path / f"{split}.json").read_text())
            frer = raw["ieee802-dot1cb-frer:frer"]
            assert any(h in g["stream"] for g in frer["sequence-generation"])
            nxt = {primary[primary.index(split) + 1], replica[replica.index(split) + 1]}
            tagging = {e["port"] for e in frer["sequence-identification"] if h in e["stream"] and e["active"]}
            assert tagging >= {iface[n] for n in nxt}
            ident = [e for e in raw["ieee802-dot1cb-stream-identification:stream-identity"] if e["handle"] == h]
            assert ident and ident[0]["null-stream-identification"]["destination-mac"] == \
                "01-" + "-".join(f"{(h >> k) & 0xFF:02X}" for k in (32, 24, 16, 8, 0))
            raw = json.loads((tmp_path / f"{merge}.json").read_text())
            assert any(h in r["stream"] for r in raw["ieee802-dot1cb-frer:frer"]["sequence-recovery"])
    sw = next(iter({n for n in devices if (tmp_path / f"{n}.json").exists()
                    and "sequence-recovery" in json.loads((tmp_path / f"{n}.json").read_text()).get(
                        "ieee802-dot1cb-frer:frer", {})}))
    raw = json.loads((tmp_path / f"{sw}.json").read_text())
    _validate(model, raw)
    raw["ieee802-dot1cb-frer:frer"]["sequence-recovery"][0]["port"] = []
    with pytest.raises(YangsonException):
        _validate(model, raw)


def test_frames_carry_the_exported_stream_address(scheduled, cli, tmp_path):
    """With the stream file, the destination MAC and VLAN the export identifies a replicated stream
    by are those the emulator's frames of that stream carry."""
    pytest.importorskip("scapy", reason="scapy builds the emulator's frames")
    from tsnplan.emulate.frames import FrameTemplates
    plant, problem, path, doc = scheduled["body-shop-cell"]
    streams = net_of("body-shop-cell").with_name("streams.yaml")
    status, _, err = cli("export", path, "--to", "yang", "--out", tmp_path, "--network", net_of("body-shop-cell"),
                         "--streams", streams)
    assert status == 0, err
    frames = FrameTemplates(problem)
    checked = 0
    for f in tmp_path.glob("*.json"):
        for e in json.loads(f.read_text()).get("ieee802-dot1cb-stream-identification:stream-identity", []):
            raw = frames._templates[e["handle"]][0]
            ident = e["null-stream-identification"]
            assert raw[:6].hex("-").upper() == ident["destination-mac"]
            assert int.from_bytes(raw[14:16], "big") & 0x0FFF == ident["vlan"]
            checked += 1
    assert checked


def test_psfp_gates_open_where_the_schedule_says(scheduled, model, tmp_path, cli):
    """agv-hall's 5G bridge: one stream filter and gate per (stream, port) with stream gates; the
    gate opens exactly over each gate interval of schedule.json (modulo the hyperperiod) with its
    octet limit, and the modules refuse a gate list longer than supported-list-max."""
    plant, problem, path, doc = scheduled["agv-hall"]
    status, _, err = cli("export", path, "--to", "yang", "--out", tmp_path, "--network", net_of("agv-hall"))
    assert status == 0, err
    raw = json.loads((tmp_path / "5gs.json").read_text())
    (bridge,) = raw["ieee802-dot1q-bridge:bridges"]["bridge"]
    (component,) = bridge["component"]
    gates = component["ieee802-dot1q-psfp-bridge:stream-gates"]
    filters = component["ieee802-dot1q-psfp-bridge:stream-filters"]["stream-filter-instance-table"]
    ids = {e["index"]: e for e in raw["ieee802-dot1cb-stream-identification:stream-identity"]}
    by_if = {p.interface: p.key for d in build_devices(doc, str(path), plant.network) if d.node == "5gs"
             for p in d.ports}
    names = list(doc["streams"])
    hyper = doc["hyperperiod_ns"]
    expected = {(sid, g["port"]) for sid, s in doc["streams"].items() for g in s.get("stream_gates") or []}
    seen = set()
    for f in filters:
        gate = next(g for g in gates["stream-gate-instance-table"]
                    if g["stream-gate-instance-id"] == f["stream-gate-ref"])
        ident = next(e for e in ids.values() if e["handle"] == f["stream-handle"])
        (intf,) = ident["out-facing"]["output-port"]
        sid, port = names[f["stream-handle"]], by_if[intf]
        seen.add((sid, port))
        t, opened = 0, []
        for e in gate["admin-control-list"]["gate-control-entry"]:
            if e["gate-state-value"] == "open":
                opened.append((t, t + e["time-interval-value"], e["interval-octet-max"]))
            t += e["time-interval-value"]
        assert t == hyper
        want = sorted((g["open_ns"] % hyper, g["open_ns"] % hyper + g["close_ns"] - g["open_ns"], g["max_octets"])
                      for g in doc["streams"][sid]["stream_gates"] if g["port"] == port)
        assert opened == want
    assert seen == expected
    _validate(model, raw)
    gates["supported-list-max"] = 1
    with pytest.raises(YangsonException):
        _validate(model, raw)
