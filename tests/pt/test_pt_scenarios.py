"""The shipped public transport scenarios: the baseline prices the bus by the timetable,
and the Nahverkehrsplan 2024's bus vehicle-km come from the two feeds."""

from __future__ import annotations

import pytest

from kl_mobility.scenario import default_scenario_path, scenario_from_file

SCENARIOS = default_scenario_path().parent


def test_baseline_routes_the_bus():
    sc = scenario_from_file(SCENARIOS / "baseline.toml")
    assert sc.pt.mode_choice == "router"
    assert sc.calibration_base is not None and sc.calibration_base.pt.mode_choice == "router"


def test_nahverkehrsplan_vehicle_km_are_the_feeds_difference(kl_network, kl_oracle,
                                                              tmp_path):
    """emissions.bus_vkm_change_per_day of nahverkehrsplan-2024 = bus vehicle-km of its
    feed (headways / 1.3, last buses 24:15) - those of the baseline feed, to 0.1 km."""
    from kl_mobility.pt.gtfs import read_gtfs
    from kl_mobility.pt.supply import synthetic_feed_path

    nvp = scenario_from_file(SCENARIOS / "nahverkehrsplan-2024.toml")
    base = scenario_from_file(SCENARIOS / "baseline.toml")
    assert nvp.pt.service_scale == 1.3
    km = [read_gtfs(synthetic_feed_path(kl_network, kl_oracle, sc.pt, cache_dir=tmp_path)[0])
          .vehicle_km((3,)) for sc in (nvp, base)]
    assert nvp.emissions.bus_vkm_change_per_day == pytest.approx(km[0] - km[1], abs=0.1)
    # calibrated on the baseline: the measure keeps the baseline's constants
    assert nvp.calibration_base.name == "baseline"


def test_pt_kpis_from_the_tiny_feed(tmp_path):
    """Tiny feed: 5 weekday trips, all buses (route type 3), 6.36 km in total (straight
    lines, see test_pt_gtfs); at 1,000 g per bus-km that is 6.36 kg."""
    from pathlib import Path

    from kl_mobility.pt.config import PtConfig
    from kl_mobility.pt.gtfs import read_gtfs
    from kl_mobility.pt.router import timetable_from_feed
    from kl_mobility.pt.supply import PtSupply, pt_kpis

    tiny = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"
    feed = read_gtfs(tiny)
    k = pt_kpis(PtSupply(feed, timetable_from_feed(feed, PtConfig()), tiny), 1000.0)
    assert k["pt_bus_trips"] == 5 and k["pt_rail_vkm"] == 0.0
    # t1, t2: 1,446 m; t3, t4: 1,112 m; t5: 1,244 m -> 6,360 m
    assert k["pt_bus_vkm"] == pytest.approx(6.36, abs=0.01)
    assert k["pt_bus_co2_kg"] == pytest.approx(k["pt_bus_vkm"])
