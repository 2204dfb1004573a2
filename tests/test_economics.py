"""Operator economics: every cost term hand-computed on a tiny run of two vehicles."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kl_mobility.assumptions import ASSUMPTION_RANGES, ECONOMICS_RANGES
from kl_mobility.config import ConfigError
from kl_mobility.economics import (
    CostsConfig,
    ShuttleCosts,
    VehicleCosts,
    annuity_factor,
    operator_costs,
)
from kl_mobility.scenario import scenario_from_mapping


def _tiny_run() -> tuple[pd.DataFrame, pd.DataFrame]:
    """One electric van (10 h in service, 100 km, 28 kWh) and one diesel shuttle (8 h,
    50 km, 4 l); three served requests (1, 2 and 1 persons; 2, 3 and 5 km direct) and one
    rejected request (3 persons, never counted)."""
    vehicles = pd.DataFrame({
        "vehicle_type": ["van", "shuttle"], "kind": ["van", "shuttle"],
        "drivetrain": ["electric", "diesel"], "hours_in_service": [10.0, 8.0],
        "km_total": [100.0, 50.0], "energy_kwh": [28.0, 0.0], "fuel_l": [0.0, 4.0]})
    trips = pd.DataFrame({"status": ["served", "served", "served", "rejected"],
                          "passengers": [1, 2, 1, 3],
                          "direct_m": [2000.0, 3000.0, 5000.0, 9000.0]})
    return vehicles, trips


# Simple round prices so the arithmetic can be followed by hand.
COSTS = CostsConfig(
    driver_eur_per_h=20.0, employer_cost_factor=1.25, paid_hours_factor=1.2,
    electricity_eur_per_kwh=0.25, diesel_eur_per_l=1.5, overhead_share=0.1,
    fare_vat_pct=0.0,
    van=VehicleCosts(price_eur=36_500.0, lifetime_years=5.0, interest_pct=0.0,
                     staff_share=1.0, maintenance_eur_per_km=0.1,
                     depot_eur_per_vehicle_day=10.0),
    shuttle=ShuttleCosts(price_eur=73_000.0, lifetime_years=10.0, interest_pct=0.0,
                         staff_share=0.25, maintenance_eur_per_km=0.2,
                         depot_eur_per_vehicle_day=5.0))


def test_cost_terms_by_hand():
    """Staff-hour: 20 x 1.25 x 1.2 = 30 EUR.
    Van: capital 36,500 / 5 / 365 = 20; staff 10 h x 1 x 30 = 300; energy 28 x 0.25 = 7;
    maintenance 100 x 0.1 = 10; depot 10; direct 347, overhead 34.7, total 381.7.
    Shuttle: capital 73,000 / 10 / 365 = 20; staff 8 x 0.25 x 30 = 60; energy 4 l x 1.5 =
    6; maintenance 50 x 0.2 = 10; depot 5; direct 101, overhead 10.1, total 111.1.
    Fleet 492.8 EUR. Fare 2 EUR + 0.5 EUR/km x direct km per person: 1 x (2 + 1) +
    2 x (2 + 1.5) + 1 x (2 + 2.5) = 3 + 7 + 4.5 = 14.5 EUR; subsidy 478.3 EUR; 4 persons:
    cost 123.2, subsidy 119.575 per trip; 3 requests: 164.2667 per request."""
    vehicles, trips = _tiny_run()
    acc = operator_costs(vehicles, trips, COSTS, fare_eur=2.0, fare_per_km_eur=0.5)
    van = acc.by_type.set_index("vehicle_type").loc["van"]
    shuttle = acc.by_type.set_index("vehicle_type").loc["shuttle"]
    assert van["capital_eur"] == pytest.approx(20.0)
    assert van["staff_eur"] == pytest.approx(300.0)
    assert van["energy_eur"] == pytest.approx(7.0)
    assert van["maintenance_eur"] == pytest.approx(10.0)
    assert van["depot_eur"] == pytest.approx(10.0)
    assert van["overhead_eur"] == pytest.approx(34.7)
    assert van["total_eur"] == pytest.approx(381.7)
    assert shuttle["staff_eur"] == pytest.approx(60.0)
    assert shuttle["energy_eur"] == pytest.approx(6.0)
    assert shuttle["total_eur"] == pytest.approx(111.1)
    t = acc.totals
    assert t["cost_total_eur"] == pytest.approx(492.8)
    assert t["fare_revenue_eur"] == pytest.approx(14.5)
    assert t["subsidy_eur"] == pytest.approx(478.3)
    assert t["served_persons"] == 4.0 and t["served_requests"] == 3.0
    assert t["cost_eur_per_trip"] == pytest.approx(123.2)
    assert t["subsidy_eur_per_trip"] == pytest.approx(119.575)
    assert t["cost_eur_per_request"] == pytest.approx(492.8 / 3)
    assert t["cost_eur_per_vehicle_hour"] == pytest.approx(492.8 / 18)  # 10 + 8 h
    assert t["farebox_recovery"] == pytest.approx(14.5 / 492.8)
    terms = sum(t[f"cost_{k}_eur"] for k in ("capital", "staff", "energy", "maintenance",
                                              "depot", "overhead"))
    assert terms == pytest.approx(t["cost_total_eur"])


def test_cost_per_tonne_of_co2_avoided_and_its_undefined_case():
    """City-wide net change -200 kg/day = 0.2 t saved: 478.3 / 0.2 = 2,391.5 EUR/t; the
    per-rider account -100 kg: 4,783 EUR/t. A run that adds CO2 (+50 kg) has no price
    per tonne avoided (NaN, with a note), never a negative one."""
    vehicles, trips = _tiny_run()
    acc = operator_costs(vehicles, trips, COSTS, fare_eur=2.0, fare_per_km_eur=0.5,
                         co2_city_net_kg=-200.0, co2_per_rider_net_kg=-100.0)
    assert acc.totals["co2_avoided_t"] == pytest.approx(0.2)
    assert acc.totals["eur_per_t_co2_avoided"] == pytest.approx(2391.5)
    assert acc.totals["eur_per_t_co2_avoided_per_rider"] == pytest.approx(4783.0)
    assert not acc.notes
    worse = operator_costs(vehicles, trips, COSTS, fare_eur=2.0, co2_city_net_kg=50.0)
    assert math.isnan(worse.totals["eur_per_t_co2_avoided"])
    assert worse.notes


def test_fare_vat_and_interest():
    """7 % VAT: revenue 14.5 / 1.07 = 13.551; 3 % over 6 years: annuity factor
    0.03 / (1 - 1.03^-6) = 0.184598 (0.03 / 0.162516)."""
    vehicles, trips = _tiny_run()
    acc = operator_costs(vehicles, trips, CostsConfig(fare_vat_pct=7.0), fare_eur=2.0,
                         fare_per_km_eur=0.5)
    assert acc.totals["fare_revenue_eur"] == pytest.approx(14.5 / 1.07)
    assert annuity_factor(3.0, 6.0) == pytest.approx(0.184598, rel=1e-5)
    assert annuity_factor(0.0, 4.0) == 0.25


def test_defaults_are_inside_their_documented_ranges():
    """Every economics range names a [costs] key whose default lies within it."""
    default = scenario_from_mapping({"name": "x"}).costs
    for name, r in ECONOMICS_RANGES.items():
        assert ASSUMPTION_RANGES[name] is r
        obj = default
        *path, last = r.key.split(".")[1:]
        for p in path:
            obj = getattr(obj, p)
        assert r.low <= getattr(obj, last) <= r.high, name


def test_costs_table_in_a_scenario_and_its_errors():
    """[costs.shuttle] overrides keep the shuttle's other defaults; a misspelt key and a
    negative price are one clear error naming the key."""
    s = scenario_from_mapping({"name": "x", "costs": {"shuttle": {"staff_share": 1.0}}})
    assert s.costs.shuttle.staff_share == 1.0
    assert s.costs.shuttle.price_eur == 200_000.0  # the shuttle default, not the van's
    with pytest.raises(ConfigError, match="costs.van.price"):
        scenario_from_mapping({"name": "x", "costs": {"van": {"price": 1.0}}})
    with pytest.raises(ConfigError, match="costs.van.price_eur"):
        scenario_from_mapping({"name": "x", "costs": {"van": {"price_eur": -1.0}}})


def test_run_printout_names_an_undefined_cost_per_tonne():
    """kl-mobility run prints the cost figures; a run that saves no CO2 gets the reason
    instead of 'nan', one that does gets the number (2,391.5 -> '2,392')."""
    from kl_mobility.cli.sim import format_kpis

    text = format_kpis({"econ_cost_total_eur": 492.8, "econ_cost_eur_per_trip": 123.2,
                        "econ_eur_per_t_co2_avoided": float("nan")})
    assert "123.20" in text and "undefined: the run saves no CO2" in text
    assert "nan" not in text
    assert "2,392" in format_kpis({"econ_eur_per_t_co2_avoided": 2391.5})
