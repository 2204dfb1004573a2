"""City-wide CO2 of the residents' trips: one car trip shifting to the fleet, by hand.

The tiny network: a 1 x 7 grid of 200 m edges at 36 km/h; one resident's trip from node 0
to node 6 (6 x 200 m = 1,200 m) moves from its base mode to an electric van of
0.281 kWh/km (Nissan e-NV200, ADAC, FACTS.md section 6) at 363 g/kWh (UBA 2024), which
drives 0.4 km empty to the pickup and the 1.2 km with the rider: 1.6 km x 0.281 x 363 =
163.2048 g. The rest of the day (expected travel of the demand model) is the same in the
scenario and the baseline: 1,000 car person-km and 100 bus person-km.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kl_mobility.citywide import PtVehicleKm, city_co2, served_pkm_by_alt_mode
from kl_mobility.demand.generate import ExpectedTravel
from kl_mobility.emissions import EmissionsConfig, co2_account, fleet_factors
from kl_mobility.network import build_oracle, grid_network
from kl_mobility.scenario import Scenario
from kl_mobility.sim.config import VehicleTypeConfig

FLEET_G = 1.6 * 0.281 * 363.0  # 163.2048 g


@pytest.fixture(scope="module")
def direct_m(tmp_path_factory):
    net = grid_network(1, 7, spacing_m=200.0, speed_kmh=36.0)
    oracle = build_oracle(net, cache_dir=tmp_path_factory.mktemp("tiny"))
    return float(oracle.dist_m(0, 6))


def _day(alt_mode: str, direct_m: float):
    trips = pd.DataFrame({"request_id": [0], "passengers": [1], "alt_mode": [alt_mode],
                          "status": ["served"], "direct_m": [direct_m],
                          "vehicle_type": ["van"]})
    vehicles = pd.DataFrame({"vehicle_id": [0], "vehicle_type": ["van"], "km_total": [1.6],
                             "km_occupied": [1.2], "km_empty": [0.4], "passenger_km": [1.2]})
    return trips, vehicles


def _account(alt_mode: str, direct_m: float, pt_vkm=None, reference_bus_drivetrain=None,
             **emissions):
    cfg = EmissionsConfig(grid_year=2024, **emissions)
    scenario = Scenario(name="tiny", emissions=cfg,
                        fleet=(VehicleTypeConfig(name="van", count=1, energy_kwh_per_km=0.281),))
    trips, vehicles = _day(alt_mode, direct_m)
    acc = co2_account(trips, vehicles, fleet_factors(scenario.fleet, cfg), cfg)
    day = ExpectedTravel({"car": 400.0, "walk": 300.0, "bike": 100.0, "bus": 50.0},
                         {"car": 1000.0, "walk": 200.0, "bike": 150.0, "bus": 100.0},
                         pd.DataFrame().to_numpy(), {})
    city = city_co2(scenario, day, day, served_pkm_by_alt_mode(trips),
                    acc.totals["fleet_co2_kg"], acc.totals["net_co2_kg"],
                    reference_name="baseline", pt_vkm=pt_vkm,
                    reference_bus_drivetrain=reference_bus_drivetrain)
    return acc, city


def test_the_tiny_trip_is_1200_m(direct_m):
    assert direct_m == pytest.approx(1200.0)


def test_car_trip_to_the_fleet_marginal_bus(direct_m):
    """Car: 1.2 pkm / 1.2 persons per car = 1.0 car-km less, x 215.6 g (154 x 1.4) =
    -215.6 g; bus marginal 0; fleet +163.2048 g; net = -52.3952 g."""
    acc, city = _account("car", direct_m)
    t = city.terms
    assert t["car_pkm_baseline"] - t["car_pkm_scenario"] == pytest.approx(1.2)
    assert t["car_change_kg"] * 1000 == pytest.approx(-215.6)
    assert t["bus_change_kg"] == 0.0
    assert t["fleet_kg"] * 1000 == pytest.approx(FLEET_G)
    assert t["net_kg"] * 1000 == pytest.approx(-215.6 + FLEET_G)  # -52.3952
    # old convention: one whole car per rider, 1.2 km x 215.6 g = 258.72 g avoided
    assert t["net_per_rider_kg"] * 1000 == pytest.approx(FLEET_G - 258.72)  # -95.5152
    assert acc.totals["net_co2_kg"] == t["net_per_rider_kg"]


def test_car_trip_at_uba_occupancy(direct_m):
    """With 1.4 persons per car the same trip saves 1.2 / 1.4 car-km x 215.6 g = 184.8 g:
    net -184.8 + 163.2048 = -21.5952 g."""
    _, city = _account("car", direct_m, car_occupancy=1.4)
    assert city.terms["car_change_kg"] * 1000 == pytest.approx(-184.8)
    assert city.terms["net_kg"] * 1000 == pytest.approx(-21.5952)


def test_bus_trip_to_the_fleet_under_each_convention(direct_m):
    """Marginal (default): the bus runs anyway, net = fleet = +163.2048 g. Average: the
    rider's 1.2 pkm x 83 g = 99.6 g of bus CO2 go, net = +63.6048 g."""
    _, marginal = _account("bus", direct_m)
    assert marginal.terms["car_change_kg"] == 0.0
    assert marginal.terms["net_kg"] * 1000 == pytest.approx(FLEET_G)
    assert marginal.terms["bus_change_average_kg"] * 1000 == pytest.approx(-99.6)
    assert marginal.terms["net_average_kg"] * 1000 == pytest.approx(FLEET_G - 99.6)
    _, average = _account("bus", direct_m, bus_convention="average")
    assert average.terms["net_kg"] * 1000 == pytest.approx(FLEET_G - 99.6)


def test_bus_supply_change_counts_in_the_marginal_convention(direct_m):
    """+10 bus-km a day at 40 l/100 km x 2645 g/l x 1.16 (diesel upstream) = 1227.28 g/km:
    +12,272.8 g on top of the walk trip's fleet km."""
    _, city = _account("walk", direct_m, bus_vkm_change_per_day=10.0)
    assert city.terms["bus_change_kg"] * 1000 == pytest.approx(12272.8)
    assert city.terms["net_kg"] * 1000 == pytest.approx(12272.8 + FLEET_G)


def test_added_bus_service_from_the_feeds_costs_its_co2(direct_m):
    """Feeds: 100 bus-km in the scenario, 80 in the reference (+20) and 5 rail-km on both
    sides. Supply convention (default): +20 x 1,227.28 g = +24,545.6 g; rail not counted;
    the walk trip's fleet km on top. bus_vkm_change_per_day = 10 adds bus-km outside the
    feed: +30 x 1,227.28 = +36,818.4 g."""
    km = PtVehicleKm(100.0, 80.0, 5.0, 5.0, "test")
    _, city = _account("walk", direct_m, pt_vkm=km)
    t = city.terms
    assert t["bus_vkm_change"] == pytest.approx(20.0)
    assert t["bus_change_kg"] * 1000 == pytest.approx(24545.6)
    assert t["rail_vkm_change"] == 0.0
    assert t["net_kg"] * 1000 == pytest.approx(24545.6 + FLEET_G)
    _, more = _account("walk", direct_m, pt_vkm=km, bus_vkm_change_per_day=10.0)
    assert more.terms["bus_change_kg"] * 1000 == pytest.approx(36818.4)
    # the average convention ignores the supply (only the riders' person-km count)
    _, avg = _account("walk", direct_m, pt_vkm=km, bus_convention="average")
    assert avg.terms["bus_change_kg"] == 0.0


def test_electric_and_diesel_bus_factors(direct_m):
    """Diesel: 40 l/100 km x 26.45 g per l/100 km x 1.16 = 1,227.28 g/km; electric: 115
    kWh/100 km x 363 g/kWh (UBA 2024) = 417.45 g/km; grid 2030 assumption 200 g/kWh: 230
    g/km. Electrifying a reference of 80 diesel bus-km with the same 80 km: 80 x (417.45 -
    1,227.28) = -64,786.4 g; the reverse switch +64,786.4 g."""
    assert EmissionsConfig().bus_g_per_vkm == pytest.approx(1227.28)
    assert EmissionsConfig(bus_drivetrain="electric").bus_g_per_vkm == pytest.approx(417.45)
    assert EmissionsConfig(bus_drivetrain="electric", grid_g_per_kwh=200.0).bus_g_per_vkm \
        == pytest.approx(230.0)
    km = PtVehicleKm(80.0, 80.0, 0.0, 0.0, "test")
    _, e = _account("walk", direct_m, pt_vkm=km, bus_drivetrain="electric",
                    reference_bus_drivetrain="diesel")
    assert e.terms["bus_change_kg"] * 1000 == pytest.approx(-64786.4)
    assert "electric bus 115 kWh" in e.assumptions["bus_g_per_vkm"]["source"]
    _, d = _account("walk", direct_m, pt_vkm=km, reference_bus_drivetrain="electric")
    assert d.terms["bus_change_kg"] * 1000 == pytest.approx(64786.4)
    with pytest.raises(ValueError, match="bus_drivetrain"):
        EmissionsConfig(bus_drivetrain="hydrogen")


def test_a_served_intermodal_leg_counts_its_whole_trip():
    """A feeder leg of 1.2 km (request 0) of an intermodal trip of 5.0 km whose base mode is
    car: the car person-km served are the whole 5.0 km (car CO2 -5.0 / 1.2 x 215.6 =
    -898.33 g), and the 3.8 km by bus are added bus person-km (average convention: +3.8 x
    83 = +315.4 g). Without the intermodal table the leg's 1.2 km count (-215.6 g)."""
    import pandas as pd

    trips = pd.DataFrame({"request_id": [0], "passengers": [1], "alt_mode": ["car"],
                          "status": ["served"], "direct_m": [1200.0]})
    im = pd.DataFrame({"request_id": [0], "dist_m": [5000.0]})
    served = served_pkm_by_alt_mode(trips, im)
    assert served["car"] == pytest.approx(5.0) and served["im_pt"] == pytest.approx(3.8)
    assert served["bus"] == pytest.approx(-3.8) and served["n_car"] == 1.0
    assert served_pkm_by_alt_mode(trips)["car"] == pytest.approx(1.2)
    cfg = EmissionsConfig(grid_year=2024)
    day = ExpectedTravel({"car": 400.0, "walk": 300.0, "bike": 100.0, "bus": 50.0},
                         {"car": 1000.0, "walk": 200.0, "bike": 150.0, "bus": 100.0},
                         pd.DataFrame().to_numpy(), {})
    city = city_co2(Scenario(name="t", emissions=cfg), day, day, served, 0.0, 0.0,
                    reference_name="baseline")
    assert city.terms["car_change_kg"] * 1000 == pytest.approx(-5.0 / 1.2 * 215.6)
    assert city.terms["bus_change_average_kg"] * 1000 == pytest.approx(3.8 * 83.0)
    assert city.terms["served_intermodal_pt_pkm"] == pytest.approx(3.8)


def test_every_assumption_has_a_value_and_a_source(direct_m):
    _, city = _account("car", direct_m)
    record = city.to_dict()
    assert record["assumptions"]["car_occupancy"]["value"] == 1.2
    assert all(set(v) == {"value", "source"} and v["source"]
               for v in record["assumptions"].values())
    assert "in-commuters" in record["outside_the_model"]


def test_demand_and_fleet_assumptions_are_listed(direct_m):
    """The assumptions that move net CO2 most besides the factors: on-demand constant,
    rejection penalty, the van's battery (charging), with their values."""
    _, city = _account("car", direct_m)
    a = city.to_dict()["assumptions"]
    assert a["demand.asc_ondemand_minus_bus"]["value"] == -1.0
    assert "plausible range -2 to 0" in a["demand.asc_ondemand_minus_bus"]["source"]
    assert a["demand.beta_reject"]["value"] == -2.0
    assert a["fleet.van.battery_kwh"]["value"] == 40.0
    assert "charging" in a["fleet.van.battery_kwh"]["source"]


def test_each_assumption_reads_once(direct_m):
    """A listed source names the word "assumption" and its range at most once (the range
    table's text is not nested inside another "assumption: ..." line)."""
    _, city = _account("car", direct_m)
    for key, v in city.to_dict()["assumptions"].items():
        src = v["source"].lower()
        assert src.count("assumption") <= 1, (key, src)
        assert src.count("plausible range") <= 1, (key, src)
    a = city.to_dict()["assumptions"]["demand.asc_ondemand_minus_bus"]["source"]
    assert a.startswith("assumption: on-demand constant relative to the bus; plausible "
                        "range -2 to 0: ")
