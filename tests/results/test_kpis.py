"""KPIs computed from hand-made trips and vehicles tables, with the arithmetic."""

from __future__ import annotations

import math

import pandas as pd

from kl_mobility.results.kpis import compute_kpis
from kl_mobility.results.records import binned_mean
from kl_mobility.results.schema import KPI_KEYS


def _tables():
    trips = pd.DataFrame({
        "status": ["served", "served", "served", "rejected", "cancelled"],
        "wait_s": [60, 120, 300, -1, -1],
        "ride_s": [600, 300, 900, -1, -1],
        "detour_ratio": [1.0, 1.5, 2.0, float("nan"), float("nan")],
        "shared": [True, True, False, False, False],
        "passengers": [1, 2, 1, 1, 1],
    })
    vehicles = pd.DataFrame({
        "km_total": [10.0, 30.0], "km_empty": [4.0, 6.0], "passenger_km": [12.0, 48.0],
        "hours_in_service": [2.0, 2.0], "energy_kwh": [2.81, 8.43], "fuel_l": [0.0, 0.0],
    })
    return trips, vehicles


def test_kpis_by_hand():
    """3 of 5 served; waits 60/120/300 -> mean 160, median 120, p95 = 120 + 0.9 x 180 = 282;
    detour mean (1 + 1.5 + 2) / 3 = 1.5; occupancy 60 pkm / 40 vkm = 1.5; empty share
    10 / 40 = 0.25; 4 persons served / 4 vehicle-hours = 1.0."""
    k = compute_kpis(*_tables())
    assert set(k) == {key for key, _ in KPI_KEYS}
    assert (k["n_requests"], k["n_served"], k["n_rejected"], k["n_cancelled"]) == (5, 3, 1, 1)
    assert k["share_served"] == 0.6
    assert k["wait_mean_s"] == 160 and k["wait_median_s"] == 120
    assert math.isclose(k["wait_p95_s"], 282.0)
    assert math.isclose(k["detour_mean"], 1.5)
    assert math.isclose(k["occupancy"], 1.5)
    assert math.isclose(k["empty_km_share"], 0.25)
    assert math.isclose(k["passengers_per_vehicle_hour"], 1.0)
    assert math.isclose(k["shared_share"], 2 / 3)
    assert k["vehicle_km"] == 40.0 and math.isclose(k["energy_kwh"], 11.24)


def test_no_service_gives_nan_not_errors():
    trips, vehicles = _tables()
    trips["status"] = "rejected"
    vehicles[["km_total", "km_empty", "passenger_km"]] = 0.0
    k = compute_kpis(trips, vehicles)
    assert k["share_served"] == 0.0
    assert math.isnan(k["wait_mean_s"]) and math.isnan(k["occupancy"])


def test_binned_mean_by_hand():
    """Level 0, +2 at t=10, -2 at t=25; bins of 10 s from 0: means 0, 2, 1 (2 for 5 s)."""
    out = binned_mean([10, 25], [2, -2], 0, 30, 10)
    assert out.tolist() == [0.0, 2.0, 1.0]
