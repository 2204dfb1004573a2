"""CO2 factors and accounting, checked by hand."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from kl_mobility.config import ConfigError, from_mapping
from kl_mobility.emissions import (
    DIESEL_G_CO2_PER_L,
    GRID_G_PER_KWH,
    EmissionsConfig,
    co2_account,
    fleet_factors,
    reference_factor_table,
    vehicle_factor,
)


@dataclasses.dataclass(frozen=True)
class _VT:
    """Stand-in for a fleet vehicle type config (only the fields emissions read)."""

    name: str
    kind: str = "van"
    drivetrain: str = "electric"
    energy_kwh_per_km: float = 0.0
    fuel_l_per_100km: float = 0.0


def _shared_ride():
    """One electric van, one shared ride of two single-person parties A (alt car), B (alt bus).

    The van drives 1.0 km empty to A, 2.0 km with A, picks up B, 3.0 km with A+B, drops A,
    1.5 km with B, drops B. So km_total = 7.5, km_occupied = 6.5, km_empty = 1.0,
    passenger_km = 2.0 + 2 x 3.0 + 1.5 = 9.5. Direct distances: A 4.0 km, B 4.0 km.
    """
    trips = pd.DataFrame({
        "request_id": [1, 2], "passengers": [1, 1], "alt_mode": ["car", "bus"],
        "status": ["served", "served"], "direct_m": [4000.0, 4000.0],
        "vehicle_type": ["van", "van"],
    })
    vehicles = pd.DataFrame({
        "vehicle_id": [0], "vehicle_type": ["van"], "km_total": [7.5], "km_occupied": [6.5],
        "km_empty": [1.0], "passenger_km": [9.5],
    })
    return trips, vehicles


def test_shared_ride_gives_exact_grams():
    """Electric van 0.281 kWh/km x 363 g/kWh (UBA 2024) = 102.003 g/km; 7.5 km -> 765.0225 g.

    Avoided: car 4.0 km x 154 x 1.4 g/km = 862.4 g; bus 4.0 pkm x 83 g = 332 g.
    Net = 765.0225 - 862.4 - 332 = -429.3775 g; 765.0225 g / 9.5 pkm = 80.52868... g/pkm.
    """
    trips, vehicles = _shared_ride()
    cfg = EmissionsConfig(grid_year=2024)
    factors = fleet_factors([_VT("van", energy_kwh_per_km=0.281)], cfg)
    assert factors["van"].g_per_vkm == pytest.approx(102.003, rel=1e-12)
    acc = co2_account(trips, vehicles, factors, cfg)
    t = acc.totals
    assert t["fleet_co2_kg"] * 1000 == pytest.approx(765.0225, rel=1e-12)
    assert t["car_km_replaced"] == 4.0
    assert t["car_co2_avoided_kg"] * 1000 == pytest.approx(862.4, rel=1e-12)
    assert t["bus_pkm_diverted"] == 4.0
    assert t["bus_co2_avoided_kg"] * 1000 == pytest.approx(332.0, rel=1e-12)
    assert t["net_co2_kg"] * 1000 == pytest.approx(-429.3775, rel=1e-12)
    assert t["fleet_g_per_pkm"] == pytest.approx(765.0225 / 9.5, rel=1e-12)
    assert t["fleet_vkm_empty"] == 1.0 and t["fleet_vkm_occupied"] == 6.5
    assert t["uba_car_g_per_pkm"] == 154.0 and t["uba_bus_g_per_pkm"] == 83.0
    row = acc.by_type.iloc[0]
    assert row["vehicle_type"] == "van" and row["co2_kg"] * 1000 == pytest.approx(765.0225)


def test_diesel_twin_isolates_drivetrain():
    """The same ride in a diesel van of 8 l/100 km, well to wheel: 7.5 km x 8/100 x 2645 g x
    1.16 (diesel upstream + 16 %, FACTS.md section 11) = 1840.92 g; tank to wheel
    (fuel_wtw_factor = 1) 1587 g."""
    trips, vehicles = _shared_ride()
    factors = fleet_factors([_VT("van", drivetrain="diesel", fuel_l_per_100km=8.0)])
    acc = co2_account(trips, vehicles, factors)
    assert acc.totals["fleet_co2_kg"] * 1000 == pytest.approx(1840.92, rel=1e-12)
    assert "fuel_upstream_share" in acc.assumptions
    ttw = EmissionsConfig(fuel_wtw_factor=1.0)
    acc = co2_account(trips, vehicles, fleet_factors(
        [_VT("van", drivetrain="diesel", fuel_l_per_100km=8.0)], ttw), ttw)
    assert acc.totals["fleet_co2_kg"] * 1000 == pytest.approx(1587.0, rel=1e-12)
    assert "fuel_wtw_factor" in acc.assumptions


def test_walk_and_bike_are_induced_and_unserved_trips_count_nothing():
    """A served walk trip of 2 persons over 1.5 km induces 3.0 pkm; rejected car trips avoid 0."""
    trips = pd.DataFrame({
        "passengers": [2, 1, 1], "alt_mode": ["walk", "bike", "car"],
        "status": ["served", "rejected", "cancelled"], "direct_m": [1500.0, 900.0, 5000.0],
    })
    vehicles = pd.DataFrame(columns=["vehicle_type", "km_total", "km_occupied", "km_empty",
                                     "passenger_km"])
    acc = co2_account(trips, vehicles, {})
    assert acc.totals["walk_pkm_induced"] == 3.0
    assert acc.totals["bike_pkm_induced"] == 0.0
    assert acc.totals["car_km_replaced"] == 0.0
    assert acc.totals["net_co2_kg"] == 0.0


def test_grid_year_is_a_parameter():
    """The 2016 grid (527 g/kWh) makes the same e-van dirtier than the 2024 one (363 g/kWh)."""
    f16 = vehicle_factor("v", "electric", energy_kwh_per_km=0.281,
                         config=EmissionsConfig(grid_year=2016))
    f24 = vehicle_factor("v", "electric", energy_kwh_per_km=0.281,
                         config=EmissionsConfig(grid_year=2024))
    assert f16.g_per_vkm == pytest.approx(0.281 * 527.0)
    assert f24.g_per_vkm == pytest.approx(0.281 * 363.0)
    assert GRID_G_PER_KWH[2024][0] == 363.0


def test_unknown_grid_year_is_one_clear_error():
    """2022 is NOT FOUND in FACTS.md: the error names the key and the available years."""
    with pytest.raises(ConfigError, match=r"scen.toml: key 'emissions.grid_year'.*2024"):
        from_mapping(EmissionsConfig, {"grid_year": 2022}, file="scen.toml", prefix="emissions")
    # an explicit grid factor is an assumption and makes any year acceptable
    cfg = EmissionsConfig(grid_year=2030, grid_g_per_kwh=250.0)
    assert "grid_g_per_kwh" in cfg.assumptions_used()


def test_reference_table_covers_the_vehicle_types():
    """Petrol/diesel car, e-van, e-bus, diesel bus and e-shuttle from FACTS.md; diesel bus
    40 l/100 km x 26.45 = 1058 g/km."""
    table = reference_factor_table(diesel_van_l_per_100km=8.0).set_index("vehicle")
    for v in ("petrol_car", "diesel_car", "electric_van", "diesel_van", "electric_bus",
              "diesel_bus", "electric_shuttle"):
        assert v in table.index
        assert table.loc[v, "source"] or table.loc[v, "assumptions"]
    # 40 l/100 km x 2645 g/l x 1.16 (diesel upstream, FACTS.md section 11) = 1227.28 g/km
    assert table.loc["diesel_bus", "g_per_vkm"] == pytest.approx(0.40 * DIESEL_G_CO2_PER_L * 1.16)
    assert table.loc["petrol_car", "g_per_vkm"] == pytest.approx(215.6)
    assert "shuttle_kwh_per_km" in table.loc["electric_shuttle", "assumptions"]


def test_vehicle_type_without_factor_is_an_error():
    trips, vehicles = _shared_ride()
    with pytest.raises(ValueError, match="vehicle_type 'van' has no emission factor"):
        co2_account(trips, vehicles, {})
