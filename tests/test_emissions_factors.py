"""CO2 factors by hand: bus, car, electric and combustion vehicles, their limits and the
assumptions they report.

Figures: diesel 2,645 g CO2/l and petrol 2,326 g CO2/l tank-to-wheel (UBA via DUH);
upstream shares diesel 16 %, petrol 25 % (FACTS.md section 11); grid 2024 363 g/kWh (UBA).
"""

from __future__ import annotations

import pytest

from kl_mobility.emissions import (
    DIESEL_G_CO2_PER_L,
    GRID_G_PER_KWH,
    PETROL_G_CO2_PER_L,
    UPSTREAM_SHARE,
    EmissionsConfig,
    grid_factor,
    vehicle_factor,
)


def test_the_figures_the_arithmetic_below_uses():
    assert (DIESEL_G_CO2_PER_L, PETROL_G_CO2_PER_L) == (2645.0, 2326.0)
    assert UPSTREAM_SHARE["diesel"][0] == 0.16 and UPSTREAM_SHARE["petrol"][0] == 0.25
    assert GRID_G_PER_KWH[2024][0] == 363.0


def test_bus_factor_by_hand():
    """40 l/100 km x 2,645 g/l x 1.16 = 0.4 x 3,068.2 = 1,227.28 g per bus-km; with a
    tank-to-wheel factor of 1.0 and 30 l/100 km: 0.3 x 2,645 = 793.5."""
    assert EmissionsConfig().bus_g_per_vkm == pytest.approx(1227.28, rel=1e-12)
    cfg = EmissionsConfig(bus_l_per_100km=30.0, fuel_wtw_factor=1.0)
    assert cfg.bus_g_per_vkm == pytest.approx(793.5, rel=1e-12)


def test_bus_consumption_must_be_positive():
    with pytest.raises(ValueError, match="bus_l_per_100km"):
        EmissionsConfig(bus_l_per_100km=0.0)
    EmissionsConfig(bus_l_per_100km=200.0)
    with pytest.raises(ValueError, match="bus_l_per_100km"):
        EmissionsConfig(bus_l_per_100km=200.5)


def test_car_factor_from_a_consumption_by_hand():
    """7 l/100 km petrol: 0.07 x 2,326 x 1.25 = 203.525 g per car-km; with factor 1.1:
    0.07 x 2,326 x 1.1 = 179.102; a consumption of 0.5 l/100 km is used as given:
    0.005 x 2,326 x 1.25 = 14.5375."""
    assert EmissionsConfig(car_l_per_100km=7.0).car_g_per_vkm == pytest.approx(203.525)
    assert EmissionsConfig(car_l_per_100km=7.0, fuel_wtw_factor=1.1).car_g_per_vkm == \
        pytest.approx(179.102)
    assert EmissionsConfig(car_l_per_100km=0.5).car_g_per_vkm == pytest.approx(14.5375)
    # not given (0): the fleet-average factor of the factor set
    base = EmissionsConfig()
    assert base.car_g_per_vkm == pytest.approx(base.factors.car_g_per_vkm)


def test_assumptions_reported():
    assert EmissionsConfig().assumptions_used() == ("fuel_upstream_share", "car_occupancy")
    cfg = EmissionsConfig(fuel_wtw_factor=1.2, grid_g_per_kwh=0.5, car_l_per_100km=0.5)
    assert cfg.assumptions_used() == ("fuel_wtw_factor", "car_occupancy", "grid_g_per_kwh",
                                      "car_l_per_100km")


def test_grid_factor_given_or_by_year():
    """A given factor, however small (0.5 g/kWh), replaces the year's; 0 means the year."""
    assert grid_factor(EmissionsConfig(grid_g_per_kwh=0.5))[0] == 0.5
    assert grid_factor(EmissionsConfig())[0] == 363.0
    assert grid_factor(EmissionsConfig(grid_year=2020))[0] == 366.0


def test_electric_vehicle_factor_by_hand():
    """0.281 kWh/km x 363 g/kWh = 102.003 g/km; with 0.5 g/kWh given: 0.1405, flagged."""
    f = vehicle_factor("van", "electric", energy_kwh_per_km=0.281)
    assert (f.energy_per_km, f.energy_unit) == (0.281, "kWh/km")
    assert f.g_per_vkm == pytest.approx(102.003)
    assert "grid_g_per_kwh" not in f.assumptions
    g = vehicle_factor("van", "electric", energy_kwh_per_km=0.281,
                       config=EmissionsConfig(grid_g_per_kwh=0.5))
    assert g.g_per_vkm == pytest.approx(0.1405) and "grid_g_per_kwh" in g.assumptions


def test_combustion_vehicle_factor_by_hand():
    """8 l/100 km: diesel 0.08 l/km x 2,645 x 1.16 = 245.456 g/km; petrol
    0.08 x 2,326 x 1.25 = 232.6 g/km; with a tank-to-wheel factor 1.0: diesel 211.6."""
    d = vehicle_factor("van", "diesel", fuel_l_per_100km=8.0)
    assert (d.energy_per_km, d.energy_unit) == (pytest.approx(0.08), "l/km")
    assert d.g_per_vkm == pytest.approx(245.456)
    assert d.assumptions == ("fuel_upstream_share",)
    p = vehicle_factor("car", "petrol", fuel_l_per_100km=8.0)
    assert p.g_per_vkm == pytest.approx(232.6)
    t = vehicle_factor("van", "diesel", fuel_l_per_100km=8.0,
                       config=EmissionsConfig(fuel_wtw_factor=1.0))
    assert t.g_per_vkm == pytest.approx(211.6) and t.assumptions == ("fuel_wtw_factor",)


@pytest.mark.parametrize(("drivetrain", "key", "ok", "bad"), [
    ("electric", "energy_kwh_per_km", (1e-3, 10.0), (0.0, 10.5)),
    ("diesel", "fuel_l_per_100km", (0.1, 200.0), (0.0, 200.5)),
    ("petrol", "fuel_l_per_100km", (0.1, 200.0), (0.0, 200.5)),
])
def test_vehicle_energy_limits(drivetrain, key, ok, bad):
    """Energy use must be > 0 (a vehicle that needs nothing is a mistake, not zero CO2) and
    at most 10 kWh/km or 200 l/100 km."""
    for v in ok:
        vehicle_factor("x", drivetrain, **{key: v})
    for v in bad:
        with pytest.raises(ValueError, match=key):
            vehicle_factor("x", drivetrain, **{key: v})
    with pytest.raises(ValueError, match="drivetrain"):
        vehicle_factor("x", "hydrogen")


def test_fleet_factors_by_kind_and_drivetrain():
    """Per type of a fleet section:
    - electric shuttle without its own figure: the reference 33 / 225 = 0.147 kWh/km x 363
      = 53.361 g/km, flagged shuttle_kwh_per_km; an electric van without one: 0.281 kWh/km
      (ADAC) = 102.003 g/km, nothing flagged;
    - diesel van 0.5 l/100 km (as given, however small): 0.005 x 2,645 x 1.16 = 15.341 g/km,
      flagged diesel_van_l_per_100km; a diesel shuttle of 10 l: 0.1 x 2,645 x 1.16 =
      306.82 g/km, flagged diesel_shuttle_l_per_100km;
    - a diesel van without a fuel use: the fleet-average car factor, flagged
      fuel_use_missing."""
    from kl_mobility.emissions import fleet_factors
    from kl_mobility.sim import VehicleTypeConfig

    fleet = [VehicleTypeConfig("sh", 1, 10, kind="shuttle", energy_kwh_per_km=0.0),
             VehicleTypeConfig("ev", 1, 6, energy_kwh_per_km=0.0),
             VehicleTypeConfig("dv", 1, 6, drivetrain="diesel", fuel_l_per_100km=0.5),
             VehicleTypeConfig("ds", 1, 10, kind="shuttle", drivetrain="diesel",
                               fuel_l_per_100km=10.0),
             VehicleTypeConfig("dx", 1, 6, drivetrain="diesel")]
    f = fleet_factors(fleet)
    assert f["sh"].energy_per_km == 0.147 and f["sh"].g_per_vkm == pytest.approx(53.361)
    assert "shuttle_kwh_per_km" in f["sh"].assumptions
    assert f["ev"].energy_per_km == 0.281 and f["ev"].g_per_vkm == pytest.approx(102.003)
    assert f["ev"].assumptions == ()
    assert f["dv"].g_per_vkm == pytest.approx(15.341)
    assert "diesel_van_l_per_100km" in f["dv"].assumptions
    assert f["ds"].g_per_vkm == pytest.approx(306.82)
    assert "diesel_shuttle_l_per_100km" in f["ds"].assumptions
    assert f["dx"].assumptions == ("fuel_use_missing",)
    assert f["dx"].g_per_vkm == pytest.approx(EmissionsConfig().car_g_per_vkm)


def test_account_counts_parties_by_mode():
    """A party of 2 that would have driven (4 km) replaces one car: 4.0 car-km x 215.6 g
    (154 g/pkm x 1.4) = 862.4 g; a party of 3 that would have taken the bus (2 km) diverts
    6.0 bus pkm x 83 g = 498 g; a party of 2 that would have walked 1.5 km induces 3.0 pkm;
    a rejected car trip counts nothing. Two vehicle types, rows sorted by type name."""
    import pandas as pd

    from kl_mobility.emissions import co2_account

    trips = pd.DataFrame({"passengers": [2, 3, 2, 1], "alt_mode": ["car", "bus", "walk", "car"],
                          "status": ["served", "served", "served", "rejected"],
                          "direct_m": [4000.0, 2000.0, 1500.0, 9000.0]})
    vehicles = pd.DataFrame({"vehicle_type": ["van", "shuttle", "van"],
                             "km_total": [3.0, 2.0, 1.0], "km_occupied": [2.0, 2.0, 1.0],
                             "km_empty": [1.0, 0.0, 0.0], "passenger_km": [5.0, 4.0, 1.0]})
    factors = {"van": vehicle_factor("van", "electric", energy_kwh_per_km=0.281),
               "shuttle": vehicle_factor("shuttle", "electric", energy_kwh_per_km=0.147)}
    acc = co2_account(trips, vehicles, factors)
    t = acc.totals
    assert t["uba_car_g_per_pkm"] == 154.0 and t["uba_bus_g_per_pkm"] == 83.0
    assert t["car_km_replaced"] == pytest.approx(4.0)
    assert t["car_co2_avoided_kg"] == pytest.approx(0.8624)
    assert t["bus_pkm_diverted"] == pytest.approx(6.0)
    assert t["bus_co2_avoided_kg"] == pytest.approx(0.498)
    assert t["walk_pkm_induced"] == pytest.approx(3.0)
    assert acc.by_type["vehicle_type"].tolist() == ["shuttle", "van"]
    # van 4 km x 102.003 g + shuttle 2 km x 53.361 g = 408.012 + 106.722 = 514.734 g
    assert t["fleet_co2_kg"] == pytest.approx(0.514734)
    assert t["fleet_vkm"] == pytest.approx(6.0) and t["fleet_pkm"] == pytest.approx(10.0)
    assert t["net_co2_kg"] == pytest.approx(0.514734 - 0.8624 - 0.498)
