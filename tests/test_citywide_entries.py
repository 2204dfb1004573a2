"""City-wide CO2: the car shares and the assumption entries (value and source) it reports.

A day of 400 car, 300 walk, 100 bike and 50 bus trips (850 in all; person-km 1,000 car,
200 walk, 150 bike, 100 bus) in both the scenario and its reference; one served request of
a party of 2 whose base mode is car, 1.2 km: served car person-km 2.4, car persons 2.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kl_mobility.citywide import city_co2, served_pkm_by_alt_mode
from kl_mobility.demand.generate import ExpectedTravel
from kl_mobility.emissions import UPSTREAM_SHARE, EmissionsConfig
from kl_mobility.scenario import Scenario
from kl_mobility.sim.config import VehicleTypeConfig

DAY = ExpectedTravel({"car": 400.0, "walk": 300.0, "bike": 100.0, "bus": 50.0},
                     {"car": 1000.0, "walk": 200.0, "bike": 150.0, "bus": 100.0},
                     pd.DataFrame().to_numpy(), {})
TRIPS = pd.DataFrame({"passengers": [2], "alt_mode": ["car"], "status": ["served"],
                      "direct_m": [1200.0]})


def _city(**emissions):
    cfg = EmissionsConfig(**emissions)
    scenario = Scenario(name="t", emissions=cfg, fleet=(VehicleTypeConfig("van", 1),))
    served = served_pkm_by_alt_mode(TRIPS)
    assert (served["car"], served["n_car"]) == (2.4, 2.0)
    return city_co2(scenario, DAY, DAY, served, 0.5, 0.0, reference_name="baseline")


def test_car_shares_by_hand():
    """Baseline 400 / 850 = 0.470588; scenario (400 - 2) / 850 = 0.468235."""
    t = _city().terms
    assert t["car_share_baseline"] == pytest.approx(400 / 850)
    assert t["car_share_scenario"] == pytest.approx(398 / 850)
    # car person-km: 1,000 - 2.4 served = 997.6; at 1.2 persons per car 831.333 car-km
    assert t["car_pkm_scenario"] == pytest.approx(997.6)
    assert t["car_vkm_scenario"] == pytest.approx(997.6 / 1.2)


def test_default_assumption_entries():
    """Defaults: car factor derived from UBA (154 g/Pkm x 1.4), grid of the year, upstream
    shares of FACTS.md section 11 (diesel 0.16, petrol 0.25)."""
    a = _city().assumptions
    assert a["car_g_per_vkm"]["value"] == pytest.approx(215.6)
    assert a["car_g_per_vkm"]["source"].startswith("derived 154 g/Pkm x 1.4")
    assert a["grid_g_per_kwh"]["value"] == 363.0
    assert not a["grid_g_per_kwh"]["source"].startswith("ASSUMPTION")
    assert a["diesel_upstream_share"] == {"value": 0.16, "source": UPSTREAM_SHARE["diesel"][1]}
    assert a["petrol_upstream_share"] == {"value": 0.25, "source": UPSTREAM_SHARE["petrol"][1]}


def test_given_assumption_entries():
    """Given values are labelled as assumptions: car 6 l/100 km x 23.26 x 1.3 = 181.428 g/km,
    grid 300 g/kWh, a tank-to-wheel factor of 1.3 gives upstream shares of 0.3."""
    a = _city(car_l_per_100km=6.0, grid_g_per_kwh=300.0, fuel_wtw_factor=1.3).assumptions
    assert a["car_g_per_vkm"]["value"] == pytest.approx(181.428)
    assert a["car_g_per_vkm"]["source"].startswith("ASSUMPTION car_l_per_100km")
    assert a["grid_g_per_kwh"] == {"value": 300.0,
                                   "source": "ASSUMPTION grid_g_per_kwh (scenario parameter)"}
    assert a["diesel_upstream_share"]["value"] == pytest.approx(0.3)
    assert a["petrol_upstream_share"]["value"] == pytest.approx(0.3)
