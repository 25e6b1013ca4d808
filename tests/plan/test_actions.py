"""Actions edit the network document; the result is read back by the ordinary network reader."""
import yaml

from plan.plants import line_plant
from tsnplan.model.media.ethernet import Medium
from tsnplan.plan.actions import apply_actions, base_document, catalogue_actions, network_of, to_yaml
from tsnplan.plan.catalogue import catalogue_from_doc


def _setup():
    network = line_plant(3)
    catalogue = {
        "labour": {"t1l": {"cost": 100, "downtime": "10min"}},
        "constraints": {"downtime_cost_per_hour": 600},
        "models": {"q": {"ports": 4, "rates": ["100M", "1G"], "features": ["qbv", "frer"], "processing": "2us",
                         "price": 900}},
        "replace": [{"bridges": ["b1"], "models": ["q"]}],
        "link_upgrades": [{"links": [["b0", "b1"]], "rate": "1G", "per_metre": 2, "per_port": 30}],
        "cables": [{"ends": ["m", "b2"], "medium": "10base-t1l", "length": "400m", "per_metre": 1,
                    "kind": "t1l", "replaces": ["m", "b0"]}],
        "additions": {"nodes": {"s": {"kind": "end-station"}}, "links": [{"ends": ["s", "b1"], "length": "3m"}]},
    }
    base_doc = base_document(network, catalogue_from_doc(catalogue, "c", network_of(line_plant(3), "n")))
    cat = catalogue_from_doc(catalogue, "c", network_of(base_doc, "base"))
    return base_doc, cat


def test_every_action_kind_edits_the_document():
    base_doc, catalogue = _setup()
    base = network_of(base_doc, "base")
    actions = {a.id: a for a in catalogue_actions(catalogue, base)}
    assert set(actions) == {"replace b1 by q", "upgrade b0--b1 to 1G", "t1l b2--m"}
    t1l = actions["t1l b2--m"]
    assert (t1l.cable, t1l.labour, t1l.downtime_cost, t1l.cost) == (400, 100, 100, 600)
    assert actions["upgrade b0--b1 to 1G"].cost == 60 + 20
    doc = apply_actions(base_doc, list(actions.values()), catalogue)
    text = to_yaml(doc, "to-be")
    to_be = network_of(yaml.safe_load(text), "to-be")
    assert to_be.has_node("s") and to_be.has_link("s", "b1")                    # the additions
    assert not to_be.has_link("m", "b0") and to_be.link("m", "b2").medium is Medium.T1L
    assert to_be.link("b0", "b1").rate_bps == 10**9
    assert to_be.node("b1").processing_ns == 2000 and {f.value for f in to_be.node("b1").features} == {"qbv", "frer"}
    assert network_of(base_doc, "again").has_link("m", "b0")                    # the base is left alone
