"""Every example plant validates, renders, and keeps its scheduled streams comfortably schedulable."""
import pytest

from tsnplan.io.plant import load_plant
from tsnplan.model.load import port_load
from tsnplan.model.media.ethernet import Medium
from tsnplan.model.network import NodeKind
from tsnplan.report.console import make_console
from tsnplan.report.show import render_show
from tsnplan.topologies import plant_files, plant_names

PLANTS = plant_names()


def test_the_example_plants_are_there():
    assert {"body-shop-cell", "agv-hall", "process-plant", "brownfield-line"} <= set(PLANTS)


@pytest.fixture(scope="module", params=PLANTS)
def plant(request):
    network_file, streams_file = plant_files(request.param)
    assert (network_file.parent / "README.md").is_file()
    return load_plant(network_file, streams_file)


def test_scheduled_streams_are_comfortable(plant):
    problem = plant.compile()
    assert not problem.unrouted
    for stream in plant.streams:
        if stream.scheduled:
            assert stream.deadline_ns <= stream.period_ns, stream.id
    load = port_load(problem)
    assert float(load.port_utilisation.max()) < 0.25


def test_show_renders(plant, tmp_path):
    problem = plant.compile()
    with open(tmp_path / "out.txt", "w") as handle:
        render_show(plant, problem, port_load(problem), make_console({"NO_COLOR": "1"}, file=handle))
    text = (tmp_path / "out.txt").read_text()
    assert plant.network.name in text and "Link load" in text


def _plant(name):
    return load_plant(*plant_files(name))


def test_agv_hall_reaches_vehicles_through_5g():
    plant = _plant("agv-hall")
    bridge = plant.network.node("5gs")
    assert (bridge.kind, bridge.profile) == (NodeKind.BRIDGE_5G, "urllc-mmw")
    assert bridge.hold_and_forward          # it carries scheduled streams: de-jittered at the egress TT
    radio = [l for l in plant.network.links if l.medium is Medium.RADIO_5G]
    assert len(radio) == 10
    paths = plant.compile().routes.paths
    assert "5gs" in paths["fleet-cmd-1"][0] and "5gs" not in paths["motion-b1"][0]


def test_process_plant_uses_both_spe_media():
    network = _plant("process-plant").network
    t1l = [l for l in network.links if l.medium is Medium.T1L]
    assert max(l.length_m for l in t1l) == 1000
    for segment in ("bus-a", "bus-b"):
        members = network.segment_members(segment)
        assert network.link(segment, members[0]).plca_id == 0
        assert network.node(members[0]).kind is NodeKind.BRIDGE       # the coordinator


def test_brownfield_line_is_100m_with_cyclic_io():
    plant = _plant("brownfield-line")
    assert {l.rate_bps for l in plant.network.links} == {10**8}
    cyclic = [s for s in plant.streams if s.scheduled]
    assert {s.period_ns for s in cyclic} == {1_000_000, 2_000_000, 4_000_000}
