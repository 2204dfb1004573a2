"""Automated shuttles (speed cap, stops with walking), mixed fleets, electric charging."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from simhelpers import grid, random_requests

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

SERVICE = ServiceConfig(start_s=0, end_s=7200, max_wait_s=600, stop_dwell_s=10,
                        board_s_per_passenger=0, depot_nodes=(0,), initial_positions="depot")


def _req(rows):
    return pd.DataFrame(rows, columns=["request_id", "request_time_s", "origin_node",
                                       "dest_node", "passengers"])


def test_speed_capped_stop_based_shuttle(tmp_path):
    """3x3 grid, 200 m edges. Shuttle capped at 18 km/h: 200 m / 5 m/s = 40 s per edge.
    Stops at nodes 0 and 8 only. Request 1 -> 7 at t=1000: walk 200 m x 1.3 / 1.25 m/s =
    208 s to stop 0 (earliest pickup 1208; the shuttle waits there), boards 1208, dwell to
    1218, 4 edges x 40 s -> arrives at stop 8 at 1378; walk 208 s from stop 8 to node 7."""
    net, oracle = grid(3, 3)
    shuttle = VehicleTypeConfig("shuttle", 1, 6, kind="shuttle", speed_cap_kmh=18.0,
                                stop_based=True)
    res = simulate(SimInputs(net, oracle, _req([(1, 1000, 1, 7, 1)]), SERVICE, [shuttle], DispatchConfig(), seed=0, stops={"shuttle": np.array([0, 8])}), cache_dir=tmp_path)
    t = res.trips.iloc[0]
    assert t["status"] == "served" and t["vehicle_type"] == "shuttle"
    assert (t["pickup_time_s"], t["dropoff_time_s"]) == (1208, 1378)
    assert t["walk_s"] == 416 and t["wait_s"] == 0
    assert t["direct_s"] == 40  # car time 1 -> 7: two 20 s edges
    assert math.isclose(res.vehicles.iloc[0]["km_total"], 0.8)
    assert math.isclose(res.edges["vkm_total__shuttle"].sum(), 0.8)


def test_stop_too_far_is_rejected(tmp_path):
    """With max_walk_m = 100 no stop is reachable on foot from node 4 (>= 200 m away)."""
    net, oracle = grid(3, 3)
    shuttle = VehicleTypeConfig("shuttle", 1, 6, kind="shuttle", stop_based=True)
    service = ServiceConfig(start_s=0, end_s=7200, max_walk_m=100.0)
    res = simulate(SimInputs(net, oracle, _req([(1, 1000, 4, 8, 1)]), service, [shuttle], DispatchConfig(), seed=0, stops={"shuttle": np.array([0, 8])}), cache_dir=tmp_path)
    assert res.trips.iloc[0]["reason"] == "no_stop"


@pytest.mark.parametrize("policy", ["insertion", "batch"])
def test_mixed_fleet_every_request_final(policy, tmp_path):
    """Vans and virtual-stop shuttles together: every request ends once; both types work."""
    net, oracle = grid(5, 5)
    rng = np.random.default_rng(3)
    req = random_requests(rng, 80, net.n_nodes, 3600, 3 * 3600)
    fleet = [VehicleTypeConfig("van", 1, 4),
             VehicleTypeConfig("shuttle", 2, 8, kind="shuttle", speed_cap_kmh=20.0,
                               stop_based=True, stop_spacing_m=400.0)]
    service = ServiceConfig(start_s=0, end_s=4 * 3600, max_walk_m=400.0)
    res = simulate(SimInputs(net, oracle, req, service, fleet, DispatchConfig(policy=policy), seed=1), cache_dir=tmp_path)
    assert res.trips["request_id"].is_unique and len(res.trips) == 80
    served = res.trips[res.trips["status"] == "served"]
    assert set(served["vehicle_type"]) == {"van", "shuttle"}
    assert (served.loc[served["vehicle_type"] == "van", "walk_s"] == 0).all()
    assert (served.loc[served["vehicle_type"] == "shuttle", "walk_s"] >= 0).all()
    assert math.isclose(res.edges["vkm_total"].sum(),
                        res.edges["vkm_total__van"].sum() + res.edges["vkm_total__shuttle"].sum())


def test_electric_vehicle_charges_at_depot():
    """Battery 1 kWh, 0.281 kWh/km, threshold 20 %: after 0.8 kWh used (2.85 km) the van
    goes to depot 0 and charges 600 s. Requests shuttle 0 <-> 4 (0.8 km each way)."""
    net, oracle = grid(1, 5)
    rows = [(k, 1000 + 400 * k, 0 if k % 2 == 0 else 4, 4 if k % 2 == 0 else 0, 1)
            for k in range(8)]
    service = ServiceConfig(start_s=0, end_s=7200, max_wait_s=900, stop_dwell_s=10,
                            depot_nodes=(0,), initial_positions="depot", charge_time_s=600)
    van = VehicleTypeConfig("van", 1, 4, battery_kwh=1.0, energy_kwh_per_km=0.281)
    res = simulate(SimInputs(net, oracle, _req(rows), service, [van], DispatchConfig(), seed=0))
    v = res.vehicles.iloc[0]
    assert v["n_charges"] >= 1
    assert math.isclose(v["energy_kwh"], v["km_total"] * 0.281)
    ev = res.events
    start = ev.loc[ev["kind"] == "charge_start", "time_s"].iloc[0]
    end = ev.loc[ev["kind"] == "charge_end", "time_s"].iloc[0]
    assert end - start == 600
    assert ev.loc[ev["kind"] == "charge_start", "node"].iloc[0] == 0
    busy = ev[ev["kind"].isin(("assign", "pickup", "dropoff")) & (ev["time_s"] > start)
              & (ev["time_s"] < end)]
    assert busy.empty


def test_diesel_fuel_accounting():
    """A diesel van uses fuel_l_per_100km x km and no electricity."""
    net, oracle = grid(1, 5)
    van = VehicleTypeConfig("van", 1, 4, drivetrain="diesel", fuel_l_per_100km=9.0)
    res = simulate(SimInputs(net, oracle, _req([(1, 1000, 1, 4, 1)]), SERVICE, [van], DispatchConfig(), seed=0))
    v = res.vehicles.iloc[0]
    assert math.isclose(v["km_total"], 0.8)
    assert math.isclose(v["fuel_l"], 0.8 * 0.09)
    assert v["energy_kwh"] == 0.0
