"""A tiny finished batch for the report and GIS tests (no simulation, no Dask).

``fake_run`` writes hand-made run tables in the layout of ``kl_mobility.results.schema``
on a 3 x 3 grid network (node 0 at the Kaiserslautern centre, 200 m spacing): per vehicle
type one vehicle driving the edges 0->1->2 (0.2 km each); three requests per run. With k
vehicle types and seed s the city-wide KPIs are: car vehicle-km 1000 - 2k - s, car share
0.5 - 0.01k, net CO2 k x (-50 + 10s) kg.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kl_mobility.batch import execute_run, plan_batch
from kl_mobility.network import grid_network
from kl_mobility.report.summary import run_co2_kpis

DATA = Path(__file__).resolve().parents[1] / "data" / "scenarios"
GRID = grid_network(3, 3)


def fake_run(scenario, seed, out_dir, progress=None):
    out = Path(out_dir)
    out.mkdir(parents=True)
    types = [v.name for v in scenario.fleet]
    served = bool(types)
    n = 3
    trips = pd.DataFrame({
        "request_id": np.arange(n, dtype="int64"),
        "request_time_s": np.array([28800, 29000, 61200], dtype="int64"),
        "origin_node": np.array([0, 0, 4], dtype="int32"),
        "dest_node": np.array([2, 8, 6], dtype="int32"),
        "origin_lat": GRID.node_lat[[0, 0, 4]], "origin_lon": GRID.node_lon[[0, 0, 4]],
        "dest_lat": GRID.node_lat[[2, 8, 6]], "dest_lon": GRID.node_lon[[2, 8, 6]],
        "passengers": np.array([1, 2, 1], dtype="int16"),
        "alt_mode": ["car", "bus", "walk"],
        "status": ["served", "served", "rejected"] if served else ["rejected"] * 3,
        "reason": ["", "", "no_vehicle"] if served else ["no_vehicle"] * 3,
        "vehicle_id": np.array([0, 0, -1] if served else [-1] * 3, dtype="int32"),
        "vehicle_type": [types[0], types[0], ""] if served else [""] * 3,
        "wait_s": np.array([60 + 30 * seed, 240, -1] if served else [-1] * 3, dtype="int64"),
        "direct_m": np.array([400.0, 800.0, 400.0]),
        "detour_ratio": [1.0, 1.5, np.nan] if served else [np.nan] * 3,
        "shared": [True, True, False] if served else [False] * 3,
    })
    trips.to_parquet(out / "trips.parquet")
    vehicles = pd.DataFrame({
        "vehicle_id": np.arange(len(types), dtype="int32"), "vehicle_type": types,
        "drivetrain": ["electric"] * len(types), "km_total": [0.4] * len(types),
        "km_occupied": [0.2] * len(types), "km_empty": [0.2] * len(types),
        "passenger_km": [0.6] * len(types), "energy_kwh": [0.1] * len(types),
        "fuel_l": [0.0] * len(types),
    })
    vehicles.to_parquet(out / "vehicles.parquet")
    if served:
        u, v = np.array([0, 1], dtype="int32"), np.array([1, 2], dtype="int32")
        edges = pd.DataFrame({"edge_id": [GRID.edge_id(0, 1), GRID.edge_id(1, 2)],
                              "u": u, "v": v, "vkm_total": [0.2 * len(types)] * 2,
                              "vkm_occupied": [0.0, 0.2], "passenger_km": [0.0, 0.6],
                              "n_traversals": [len(types)] * 2})
    else:
        edges = pd.DataFrame({"edge_id": [], "u": [], "v": [], "vkm_total": [],
                              "vkm_occupied": [], "passenger_km": [], "n_traversals": []})
    edges.to_parquet(out / "edges.parquet")
    bins = np.arange(0, 86400, 900, dtype="int64")
    occ = pd.DataFrame({"bin_start_s": bins, "bin_end_s": bins + 900,
                        "vehicles_in_service": float(len(types)),
                        "vehicles_busy": np.where((bins >= 28800) & (bins < 30600), 1.0, 0.0),
                        "passengers_on_board": np.where(bins == 28800, 2.0, 0.0)})
    occ.to_parquet(out / "occupancy.parquet")
    n_served = int((trips["status"] == "served").sum())
    kpis = {"n_requests": n, "n_served": n_served, "share_served": n_served / n,
            "wait_mean_s": float(trips.loc[trips.status == "served", "wait_s"].mean())
            if served else float("nan"),
            "vehicle_km": 0.4 * len(types),
            # city-wide figures (hand-made): k = number of vehicle types
            "co2_city_car_vkm_scenario": 1000.0 - 2.0 * len(types) - seed,
            "co2_city_car_share_scenario": 0.5 - 0.01 * len(types),
            "co2_city_net_kg": len(types) * (-50.0 + 10.0 * seed)}
    if served:  # by district (hand-made): the two served requests start in 67655
        pd.DataFrame({"district": ["Kernstadt 67655", "Hohenecken", "Kernstadt 67661"],
                      "kind": ["Kernstadt PLZ area", "Ortsbezirk", "Kernstadt PLZ area"],
                      "requests": [2, 1, 0], "served_share": [1.0, 0.0, np.nan],
                      "wait_mean_min": [1.0 + seed, np.nan, np.nan],
                      "from_car": [1, 0, 0], "residents": [100.0, 50.0, 0.0],
                      "requests_per_1000_residents": [20.0, 20.0, np.nan]}).to_csv(
            out / "districts.csv", index=False)
    if served:  # operator cost (hand-made): 100 EUR per vehicle type + seed, fare 2 x 2.5
        kpis.update({"econ_cost_total_eur": 100.0 * len(types) + seed,
                     "econ_fare_revenue_eur": 5.0,
                     "econ_subsidy_eur": 100.0 * len(types) + seed - 5.0,
                     "econ_cost_eur_per_trip": (100.0 * len(types) + seed) / 2.0})
    # the per-rider CO2 account, as the batch adds it to a run that reports no co2_* KPIs
    return {**kpis, **run_co2_kpis(scenario, out)}


@pytest.fixture(scope="session")
def grid():
    """The 3 x 3 grid network the fake runs use."""
    return GRID


@pytest.fixture(scope="session")
def scenario_dir():
    """tests/data/scenarios."""
    return DATA


@pytest.fixture(scope="session")
def fake_batch(tmp_path_factory):
    """Batch folder with scenarios base (no fleet), pooling (van) and pooling-more (van +
    shuttle), seeds 0 and 1, written by execute_run as a batch would."""
    batch = tmp_path_factory.mktemp("results") / "fake"
    specs = plan_batch([DATA / "base.toml", DATA / "pooling.toml", DATA / "pooling-more.toml"],
                       [0, 1], batch, version="test")
    for spec in specs:
        outcome = execute_run(spec, fake_run)
        assert outcome.status == "done", outcome.error
    return batch


CURVE_ROWS = {
    # seed: {count: (share_served, wait_mean_s, co2_city_net_kg, requests)}
    1: {1: (0.5, 300.0, -10.0, 100), 2: (0.92, 240.0, -30.0, 120), 4: (0.96, 200.0, -40.0, 130)},
    2: {1: (0.4, 320.0, -12.0, 90), 2: (0.86, 250.0, -28.0, 110), 3: (0.91, 230.0, -45.0, 125),
        4: (0.97, 210.0, -60.0, 135)},
}
"""Hand-made fleet-size curves of 'pooling' / van for share_served >= 0.9: seed 1's search
evaluated 1, 2 (answer 2) and an extra point 4; seed 2's 1, 2, 3, 4 (answer 3)."""


@pytest.fixture(scope="session")
def fake_curves(tmp_path_factory):
    """A folder with the two records and CSVs kl-mobility size would write for
    :data:`CURVE_ROWS` (real :func:`kl_mobility.size.curve_record`, real columns)."""
    import json

    from kl_mobility.size import CURVE_COLUMNS, SizeSearch, curve_record, parse_target

    folder = tmp_path_factory.mktemp("size")
    target = parse_target("share_served>=0.9")
    for seed, rows in CURVE_ROWS.items():
        frame = pd.DataFrame([{
            "count": n, "meets_target": int(share >= 0.9), "requests": req,
            "served": round(share * req), "share_served": share, "wait_mean_s": wait,
            "wait_p95_s": wait + 200.0, "fleet_co2_kg": 10.0 * n, "co2_city_net_kg": net,
            "co2_city_car_change_kg": net - 10.0 * n, "co2_per_rider_net_kg": net - 5.0,
            "demand_rounds": 3, "demand_converged": 1, "cpu_s": 1.0}
            for n, (share, wait, net, req) in rows.items()])[[c for c, _ in CURVE_COLUMNS]]
        frame.to_csv(folder / f"pooling-s{seed}.csv", index=False)
        found = SizeSearch({1: 2, 2: 3}[seed], {}, (), reference="base")
        (folder / f"pooling-s{seed}.json").write_text(json.dumps(curve_record(
            "pooling", "van", seed, target, found, max_count=4, csv_name=f"pooling-s{seed}.csv",
            png_name=f"pooling-s{seed}.png")))
    return folder
