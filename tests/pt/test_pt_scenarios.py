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


def test_nahverkehrsplan_bus_km_come_from_the_feeds(kl_network, kl_oracle, tmp_path):
    """nahverkehrsplan-2024 sets no bus-km by hand (bus_vkm_change_per_day = 0): the
    city-wide account takes them from its feed (headways / 1.3, last buses 24:15) and the
    baseline feed; the difference is the 2,797.4 vkm of the scenario file's comment
    (10,582.2 - 7,784.8) to 0.1 km, and at the diesel factor (40 / 100 x 2,645 x 1.16 =
    1,227.28 g/km) it costs 3,433.2 kg a day."""
    from kl_mobility.citywide import pt_vehicle_km
    from kl_mobility.pt.supply import scenario_supply

    nvp = scenario_from_file(SCENARIOS / "nahverkehrsplan-2024.toml")
    base = scenario_from_file(SCENARIOS / "baseline.toml")
    assert nvp.pt.service_scale == 1.3
    assert nvp.emissions.bus_vkm_change_per_day == 0.0
    sup = [scenario_supply(sc.pt, kl_network, kl_oracle, cache_dir=tmp_path)
           for sc in (nvp, base)]
    km = pt_vehicle_km(*sup)
    assert km.bus_scenario - km.bus_reference == pytest.approx(2797.4, abs=0.1)
    assert km.rail_scenario == pytest.approx(km.rail_reference)  # rail is not changed
    assert (km.bus_scenario - km.bus_reference) * nvp.emissions.bus_g_per_vkm / 1000 \
        == pytest.approx(3433.2, abs=0.2)  # 2,797.4 x 1.22728
    # calibrated on the baseline: the measure keeps the baseline's constants and buses
    assert nvp.calibration_base.name == "baseline"
    assert nvp.calibration_base.bus_drivetrain == "diesel"


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


def test_matched_vehicle_km_counts_the_same_line_at_the_reference_distance():
    """The tiny feed (5 weekday bus trips, 6.36 km) against itself: 6.36 on both sides.
    The same trips with every distance x 1.1 (a road path moved by a speed cap) still count
    6.36 km (the stop sequences are the reference's); the feed's own figure would be
    6.996 km."""
    import dataclasses
    from pathlib import Path

    from kl_mobility.citywide import matched_vehicle_km
    from kl_mobility.pt.gtfs import read_gtfs

    tiny = read_gtfs(Path(__file__).parents[1] / "data" / "gtfs" / "tiny")
    s, r = matched_vehicle_km(tiny, tiny, (3,))
    assert s == pytest.approx(6.36, abs=0.01) and r == s
    longer = dataclasses.replace(tiny, st_dist_m=tiny.st_dist_m * 1.1)
    assert longer.vehicle_km((3,)) == pytest.approx(6.996, abs=0.011)
    s2, r2 = matched_vehicle_km(longer, tiny, (3,))
    assert s2 == r2 == r
    assert matched_vehicle_km(longer, tiny, (2,)) == (0.0, 0.0)  # no rail in the feed
