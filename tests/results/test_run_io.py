"""write_run / read_run round trip of a real (small) simulation, atomically replaced."""

from __future__ import annotations

import json
import tempfile

import numpy as np
import pandas as pd

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.network import build_oracle, grid_network
from kl_mobility.results.io import read_run, write_run
from kl_mobility.results.records import check_frames
from kl_mobility.results.schema import (
    EVENTS_COLUMNS,
    OCCUPANCY_COLUMNS,
    TRIPS_COLUMNS,
    VEHICLES_COLUMNS,
    column_names,
    dtypes,
)
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate


def _result():
    net = grid_network(3, 3)
    oracle = build_oracle(net, cache_dir=tempfile.mkdtemp())
    req = pd.DataFrame({"request_id": [7, 8, 9], "request_time_s": [3600, 3700, 3800],
                        "origin_node": [0, 2, 4], "dest_node": [8, 6, 4], "passengers": [1, 2, 1],
                        "alt_mode": ["car", "bus", "walk"]})
    return simulate(SimInputs(net, oracle, req, ServiceConfig(start_s=0), [VehicleTypeConfig("van", 2, 4)], DispatchConfig(), seed=3))


def test_result_tables_follow_the_schema():
    """Every documented column is there with its dtype; statuses are valid."""
    res = _result()
    check_frames(res.trips, res.vehicles, res.edges)
    for df, cols in ((res.trips, TRIPS_COLUMNS), (res.vehicles, VEHICLES_COLUMNS),
                     (res.events, EVENTS_COLUMNS), (res.occupancy, OCCUPANCY_COLUMNS)):
        assert list(df.columns) == column_names(cols)
        for name, dt in dtypes(cols).items():
            if dt == "str":
                assert df[name].map(type).eq(str).all(), name
            else:
                assert df[name].dtype == np.dtype(dt), (name, df[name].dtype)
    t = res.trips.set_index("request_id")
    assert t.loc[9, "reason"] == "same_node" and t.loc[9, "vehicle_id"] == -1
    assert t.loc[9, "pickup_time_s"] == -1
    assert t.loc[7, "alt_mode"] == "car"


def test_write_then_read_round_trip(tmp_path):
    """Tables and KPIs come back equal; writing again replaces the directory whole."""
    res = _result()
    out = write_run(res, tmp_path / "run")
    assert sorted(p.name for p in out.iterdir()) == [
        ".kl-mobility", "edges.parquet", "events.parquet", "kpis.json", "meta.json",
        "occupancy.parquet", "trips.parquet", "vehicles.parquet"]
    back = read_run(out)
    pd.testing.assert_frame_equal(back.trips, res.trips)
    pd.testing.assert_frame_equal(back.events, res.events)
    pd.testing.assert_frame_equal(back.vehicles, res.vehicles)
    assert back.vehicles["start_node"].dtype == np.int32  # the day's start, kept on disk
    assert back.kpis["n_served"] == res.kpis["n_served"] == 2
    assert json.loads((out / "meta.json").read_text())["seed"] == 3
    (out / "stale.txt").write_text("x")
    write_run(res, tmp_path / "run")
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
