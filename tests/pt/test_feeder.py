"""Feeder rides: windows from the connection, hard deadlines in the simulation, KPIs.

Grids from :func:`kl_mobility.network.grid_network`: 200 m edges at 36 km/h, 20 s each, so
corner to opposite corner of a 3 x 3 grid (node 0 -> node 8) is 4 edges = 80 s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kl_mobility.demand import check_requests
from kl_mobility.demand.feeder import feeder_requests
from kl_mobility.dispatch import DispatchConfig
from kl_mobility.network import build_oracle, grid_network
from kl_mobility.pt.feeder import feeder_kpis
from kl_mobility.pt.feederconfig import FeederConfig
from kl_mobility.results.check import check_outputs
from kl_mobility.service import ServiceConfig
from kl_mobility.sim import SimInputs, VehicleTypeConfig, simulate


@pytest.fixture(scope="module")
def grid():
    net = grid_network(3, 3)
    return net, build_oracle(net, use_cache=False)


def _leg(net, direction, door, stop, t, **kw):
    return {"direction": direction, "lat": net.node_lat[door], "lon": net.node_lon[door],
            "stop_lat": net.node_lat[stop], "stop_lon": net.node_lon[stop],
            "stop_id": "hbf", "trip_id": f"t{t}", "pt_time_s": t, **kw}


def test_builder_windows_follow_the_connection(grid):
    """First mile: deadline = departure - buffer; asked when the service's promise ends
    there. Last mile: released at the arrival, earliest pickup = arrival + egress."""
    net, oracle = grid
    svc = ServiceConfig(max_wait_s=600, detour_factor=1.5, detour_const_s=300)
    legs = pd.DataFrame([_leg(net, "first", 0, 8, 10_000, pt_gained=True),
                         _leg(net, "last", 0, 8, 10_000)])
    req = feeder_requests(net, oracle, legs, service=svc, feeder=FeederConfig(), first_id=50)
    check_requests(req, net.n_nodes)
    f, la = req.iloc[0], req.iloc[1]
    assert req["request_id"].tolist() == [50, 51]
    # first: deadline 10000 - 180 = 9820; promise 600 + ceil(1.5 x 80) + 300 = 1020
    assert f["latest_dropoff_s"] == 9820 and f["request_time_s"] == 9820 - 1020 == 8800
    assert pd.isna(f["earliest_pickup_s"])
    assert (f["origin_node"], f["dest_node"], f["feeder"]) == (0, 8, "first")
    assert bool(f["pt_gained"]) and f["pt_time_s"] == 10_000 and f["pt_stop_id"] == "hbf"
    # last: from the stop (node 8) to the door (node 0), released at 10000, pickup >= 10180
    assert (la["origin_node"], la["dest_node"], la["feeder"]) == (8, 0, "last")
    assert la["request_time_s"] == 10_000 and la["earliest_pickup_s"] == 10_180
    assert pd.isna(la["latest_dropoff_s"]) and not bool(la["pt_gained"])
    # every column in its documented dtype exactly (ids and zones object, not str)
    from kl_mobility.demand.schema import REQUEST_DTYPES

    assert {c: str(req[c].dtype) for c in req.columns} == REQUEST_DTYPES
    assert [type(v) for v in req["pt_trip_id"]] == [str, str]


def test_builder_names_the_bad_leg(grid):
    net, oracle = grid
    svc = ServiceConfig()
    with pytest.raises(ValueError, match="row 1: door and stop are the same road node 4"):
        feeder_requests(net, oracle, pd.DataFrame([_leg(net, "first", 0, 8, 100),
                                                   _leg(net, "last", 4, 4, 100)]),
                        service=svc, feeder=FeederConfig())
    with pytest.raises(ValueError, match="row 0: direction 'both'"):
        feeder_requests(net, oracle, pd.DataFrame([_leg(net, "both", 0, 8, 100)]),
                        service=svc, feeder=FeederConfig())


def _tiny_day(net, oracle):
    """Three feeder requests, one van waiting at node 0 (the depot):

    A first mile 0 -> 8 at 3600, departure 4000, own deadline 3820 (buffer 180);
    B first mile 0 -> 8 at 5000 with own deadline 5050: boarding (20 s + 5 s) and the
      80 s drive cannot end by 5050, so it is rejected and its connection missed;
    C last mile 8 -> 2 after an arrival at 6000, earliest pickup 6180 (egress 180).
    """
    legs = pd.DataFrame([_leg(net, "first", 0, 8, 4000, pt_gained=True),
                         _leg(net, "first", 0, 8, 5230), _leg(net, "last", 2, 8, 6000)])
    req = feeder_requests(net, oracle, legs, service=ServiceConfig(),
                          feeder=FeederConfig(transfer_buffer_s=180, egress_s=180))
    req["request_time_s"] = np.array([3600, 5000, 6000], np.int64)
    req.loc[0, "latest_dropoff_s"] = 3820
    req.loc[1, "latest_dropoff_s"] = 5050
    svc = ServiceConfig(start_s=3000, end_s=10_200, initial_positions="depot",
                        depot_nodes=(0,))
    res = simulate(SimInputs(net, oracle, req, svc, [VehicleTypeConfig("van", 1, 4)],
                             DispatchConfig(), seed=1))
    return req, svc, res


def test_tiny_day_connections_and_kpis_by_hand(grid):
    net, oracle = grid
    req, svc, res = _tiny_day(net, oracle)
    assert check_outputs(res, req, svc, oracle.tt, oracle.dist) == []
    t = res.trips.set_index("request_id")
    # A: picked up at 3600 at node 0, boards 20 + 5 = 25 s, drives 80 s: set down 3705
    assert (t.loc[0, "pickup_time_s"], t.loc[0, "dropoff_time_s"]) == (3600, 3705)
    assert t.loc[0, "connection"] == "made" and t.loc[0, "connection_deadline_s"] == 3820
    assert t.loc[0, "transfer_wait_s"] == 4000 - 3705 == 295
    # B: cannot reach its stop before the deadline -> rejected, missed
    assert t.loc[1, "status"] == "rejected" and t.loc[1, "connection"] == "missed"
    assert t.loc[1, "transfer_wait_s"] == -1
    # C: the van is free long before; still not picked up before 6000 + 180
    assert t.loc[2, "pickup_time_s"] == 6180 and t.loc[2, "transfer_wait_s"] == 180
    k = res.kpis
    assert (k["feeder_requests"], k["feeder_connections_made"],
            k["feeder_connections_missed"]) == (3, 2, 1)
    assert (k["feeder_first_made"], k["feeder_first_missed"], k["feeder_last_made"],
            k["feeder_last_missed"]) == (1, 1, 1, 0)
    assert k["feeder_transfer_wait_mean_s"] == (295 + 180) / 2 == 237.5
    # p95 of {180, 295} with linear interpolation: 180 + 0.95 x 115 = 289.25
    assert k["feeder_transfer_wait_p95_s"] == pytest.approx(289.25)
    assert (k["feeder_first_transfer_wait_mean_s"], k["feeder_last_transfer_wait_mean_s"]) == (
        295, 180)
    # 2 persons served; 1 van x (10200 - 3000) s = 2 vehicle-hours -> 1.0 per hour
    assert k["feeder_riders"] == 2 and k["feeder_riders_per_vehicle_hour"] == 1.0
    assert k["feeder_pt_riders_gained"] == 1  # A only (B was gained but not served)


def test_last_mile_is_never_picked_up_before_the_arrival(grid):
    """A van already waiting at the stop still waits for the arrival + egress."""
    net, oracle = grid
    legs = pd.DataFrame([_leg(net, "last", 2, 0, 4000)])
    req = feeder_requests(net, oracle, legs, service=ServiceConfig(),
                          feeder=FeederConfig(egress_s=240))
    svc = ServiceConfig(start_s=3000, end_s=10_200, initial_positions="depot",
                        depot_nodes=(0,))
    res = simulate(SimInputs(net, oracle, req, svc, [VehicleTypeConfig("van", 1, 4)],
                             DispatchConfig(), seed=1))
    assert res.trips["pickup_time_s"].iloc[0] == 4000 + 240


def test_feeder_kpis_without_feeder_requests_are_zero():
    trips = pd.DataFrame({"passengers": [1], "status": ["served"]})
    k = feeder_kpis(trips, 5.0)
    assert k["feeder_requests"] == 0 and k["feeder_riders_per_vehicle_hour"] == 0.0
    assert np.isnan(k["feeder_transfer_wait_mean_s"])


def test_request_files_carry_the_feeder_columns(grid, tmp_path):
    from kl_mobility.demand import requests_from_file, requests_to_parquet
    from kl_mobility.demand.io import RequestFileError

    net, oracle = grid
    legs = pd.DataFrame([_leg(net, "first", 0, 8, 4000, pt_gained=True),
                         _leg(net, "last", 2, 8, 6000)])
    req = feeder_requests(net, oracle, legs, service=ServiceConfig(), feeder=FeederConfig())
    path = requests_to_parquet(req, tmp_path / "r.parquet")
    back, _ = requests_from_file(path, network=net)
    for col in ("feeder", "pt_stop_id", "pt_trip_id", "pt_time_s", "pt_gained",
                "latest_dropoff_s", "earliest_pickup_s"):
        assert back[col].tolist() == req[col].tolist(), col
    csv = tmp_path / "bad.csv"
    csv.write_text("request_time_s,origin_node,dest_node,feeder\n10,0,8,first\n")
    with pytest.raises(RequestFileError, match="line 2: pt_time_s is missing for a feeder"):
        requests_from_file(csv, network=net)


def _feed(net):
    """Two trips on a 3 x 3 grid: rail trip R (route type 2) calls at stops A (node 0),
    B (node 8) and C (far outside the network); bus trip X (type 3) at A and B."""
    from kl_mobility.pt.gtfs import TransitFeed

    lat = np.array([net.node_lat[0], net.node_lat[8], net.node_lat[0] + 1.0])
    lon = np.array([net.node_lon[0], net.node_lon[8], net.node_lon[0]])
    return TransitFeed(
        source="hand-made", service_date="20260101",
        stop_id=np.array(["A", "B", "C"], object), stop_name=np.array(["a", "b", "c"], object),
        stop_lat=lat, stop_lon=lon, route_id=np.array(["r", "x"], object),
        route_name=np.array(["RB", "101"], object), route_type=np.array([2, 3]),
        trip_id=np.array(["R", "X"], object), trip_route=np.array([0, 1]),
        st_ptr=np.array([0, 3, 5]), st_stop=np.array([0, 1, 2, 0, 1]),
        st_arr_s=np.array([3600, 4000, 5000, 3600, 4000]),
        st_dep_s=np.array([3660, 4060, 5000, 3600, 4000]),
        st_dist_m=np.zeros(5))


def test_rail_calls_are_arrivals_and_departures_of_trains_in_the_area(grid):
    """R departs A at 3660 (its first stop: no arrival), arrives at B at 4000 and departs
    at 4060; C is outside the network; X is a bus. With rail_start_s = 3700 the departure
    from A drops out."""
    from kl_mobility.demand.feeder import rail_calls

    net, _ = grid
    calls = rail_calls(_feed(net), net, FeederConfig(rail_start_s=0))
    assert calls[["direction", "stop_id", "trip_id", "pt_time_s"]].values.tolist() == [
        ["first", "A", "R", 3660], ["last", "B", "R", 4000], ["first", "B", "R", 4060]]
    later = rail_calls(_feed(net), net, FeederConfig(rail_start_s=3700))
    assert later["pt_time_s"].tolist() == [4000, 4060]


def test_hub_connections_on_the_tiny_feed():
    """Tiny feed (tests/data/gtfs/tiny): R1 A-B-C t1 08:00-08:10, t2 08:20-08:30.
    First mile: ready at A at 08:01 for a point at C -> t2 departing 08:20 (30000 s).
    Last mile: leaving a point at A at 07:55 for the hub C -> t1 arriving 08:10 (29400 s).
    Ready at A at 23:00: no journey."""
    from pathlib import Path

    from kl_mobility.pt.config import PtConfig
    from kl_mobility.pt.feeder import hub_connections
    from kl_mobility.pt.gtfs import read_gtfs
    from kl_mobility.pt.router import timetable_from_feed
    from kl_mobility.pt.supply import PtSupply

    tiny = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"
    feed = read_gtfs(tiny)
    supply = PtSupply(feed, timetable_from_feed(feed, PtConfig()), tiny)
    idx = {s: k for k, s in enumerate(feed.stop_id)}
    a, c = idx["A"], idx["C"]
    t, trip, ok = hub_connections(supply, "first", np.array([a, a]),
                                  np.array([8 * 3600 + 60, 23 * 3600]),
                                  feed.stop_lat[[c, c]], feed.stop_lon[[c, c]])
    assert t.tolist() == [30000, -1] and trip.tolist() == ["t2", ""]
    assert ok.tolist() == [True, False]
    t, trip, ok = hub_connections(supply, "last", np.array([c]), np.array([7 * 3600 + 3300]),
                                  feed.stop_lat[[a]], feed.stop_lon[[a]])
    assert t.tolist() == [29400] and trip.tolist() == ["t1"] and ok.all()


def test_report_feeder_table_lists_only_scenarios_with_feeders():
    """One column per scenario with feeder requests; transfer waits shown in minutes
    (725.4 s / 60 = 12.1 min)."""
    from kl_mobility.report.content import FEEDER_COLS, Tables, feeder_table
    from kl_mobility.report.i18n import texts

    rows = [("shuttle", k, 0.0) for _, k, _ in FEEDER_COLS] + [("baseline", "feeder_requests",
                                                                0.0)]
    summary = pd.DataFrame(rows, columns=["scenario", "kpi", "mean"])
    summary.loc[summary["kpi"] == "feeder_requests", "mean"] = [63.0, 0.0]
    summary.loc[summary["kpi"] == "feeder_transfer_wait_mean_s", "mean"] = 725.4
    summary["ci95_low"] = summary["ci95_high"] = np.nan
    paired = pd.DataFrame(columns=["scenario", "kpi", "delta_mean"])
    t = texts("en")
    table = feeder_table(Tables(summary, paired, "en"), ["baseline", "shuttle"], t, "en")
    assert table is not None and table["head"] == ["", "shuttle"]
    assert len(table["rows"]) == len(FEEDER_COLS)
    wait = next(r for r in table["rows"] if r["label"].startswith(t["k_feeder_wait_mean"]))
    assert "12.1" in str(wait["cells"][0])
    assert feeder_table(Tables(summary[summary["scenario"] == "baseline"], paired, "en"),
                        ["baseline"], t, "en") is None
