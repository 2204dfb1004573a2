"""The validity table of README.md is the one the model computes today."""

from __future__ import annotations

from pathlib import Path

import pytest

from kl_mobility.network import default_osm_path

pytestmark = pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_validity_table_is_recomputed():
    from kl_mobility.context import pt_supply
    from kl_mobility.demand.generate import load_zones
    from kl_mobility.runner import prepare_network
    from kl_mobility.scenario import default_scenario_path, scenario_from_file
    from kl_mobility.validity import validity_markdown, validity_table

    sc = scenario_from_file(default_scenario_path().with_name("baseline.toml"))
    net, oracle = prepare_network(sc)
    transit = pt_supply(sc.pt, sc.network.osm_file, net, oracle)
    table = validity_table(net, oracle, sc.demand, load_zones(net, sc.demand),
                           transit=transit)
    assert validity_markdown(table) in README.read_text(encoding="utf-8")
    rows = table.set_index("item")
    # calibrated split: 50 / 33.3 / 8.3 / 8.5 normalised by their sum 100.1
    assert rows.loc["modal split: car", "modelled"] == pytest.approx(50.0 / 1.001, abs=0.1)
    # published trips: 101,486 x 3.2 = 324,755.2
    assert rows.loc["trips per day", "published"] == pytest.approx(324_755.2)
    # the calibrated centre parking search closes the door-to-door gap of the published
    # pair: door to door = free flow + junction delays + walks + search = 17.0 when the
    # search is the calibrated value; the shipped default is that value to 0.1 min
    free = rows.loc["car, campus -> Fruchthalle, free flow", "modelled"]
    junction = rows.loc["car, campus -> Fruchthalle, junction and signal delays", "modelled"]
    calibrated = rows.loc["centre parking search calibrated on the published pair", "modelled"]
    walks = sc.demand.car_walk_min + sc.demand.car_walk_centre_min
    assert free + junction + walks + calibrated == pytest.approx(17.0)
    assert sc.demand.car_park_search_centre_min == pytest.approx(calibrated, abs=0.05)
    assert rows.loc["car, campus -> Fruchthalle, door to door", "modelled"] \
        == pytest.approx(free + junction + walks + sc.demand.car_park_search_centre_min)
    assert junction > 0
