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
    devices = [d for d in build_devices(doc, str(path), plant.network) if d.kind in ("bridge", "end-station")]
    assert sorted(p.name for p in out.glob("*.json")) == sorted(f"{d.node}.json" for d in devices)
    gcls = {}
    for d in devices:
        raw = json.loads((out / f"{d.node}.json").read_text())
        inst = _validate(model, raw)
        from_xml = model.from_xml(_xml_root((out / f"{d.node}.xml").read_text()))
        from_xml.validate(ValidationScope.all, ContentType.config)
        assert from_xml.raw_value() == inst.raw_value()
        kinds = {"ieee802-dot1q-bridge:bridge-port" in i for i in raw["ietf-interfaces:interfaces"]["interface"]}
        assert kinds == {d.is_bridge}
        by_if = {p.interface: p.key for p in d.ports}
        for intf, (cycle, entries) in yang_gcls(raw).items():
            assert cycle == doc["ports"][by_if[intf]]["gcl"]["cycle_ns"]
            gcls[by_if[intf]] = entries
    skipped = {k for k in doc["ports"] if k.split("->")[0] not in {d.node for d in devices}}
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
MODULES = {True: _BASE + ("ieee802-dot1q-bridge", "ieee802-dot1q-sched-bridge"),   # bridge
           False: _BASE + ("ieee802-dot1dc-sched-if",)}                              # end station


def _yanglint(path, bridge: bool):
    import subprocess

    if YANGLINT is None:
        pytest.skip("yanglint (libyang tools, apt libyang2-tools) is not installed")
    cmd = [YANGLINT, "-p", str(YANG_DIR), "-t", "config", *(str(YANG_DIR / f"{m}.yang") for m in MODULES[bridge]),
           str(path)]
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.mark.parametrize("name", PLANTS)
def test_yanglint_validates_every_device(cli, scheduled, tmp_path, name):
    plant, _, path, doc = scheduled[name]
    out = tmp_path / "yang"
    assert cli("export", path, "--to", "yang", "--out", out, "--network", net_of(name))[0] == 0
    devices = [d for d in build_devices(doc, str(path), plant.network) if d.kind in ("bridge", "end-station")]
    for d in devices:
        for suffix in ("json", "xml"):
            run = _yanglint(out / f"{d.node}.{suffix}", d.is_bridge)
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
