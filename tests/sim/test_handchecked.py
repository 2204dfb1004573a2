"""Small scenarios with every time computed by hand.

Network: ``grid_network(1, 5)``: nodes 0-1-2-3-4 on a line, 200 m apart, 36 km/h, so every
hop takes 200 m / 10 m/s = 20 s. One vehicle starts at depot node 0 at t = 0; every stop
takes ``stop_dwell_s`` = 10 s (``board_s_per_passenger`` = 0). Cost = added vehicle time.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from simhelpers import grid

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

SERVICE = ServiceConfig(start_s=0, end_s=7200, max_wait_s=600, stop_dwell_s=10,
                        board_s_per_passenger=0, depot_nodes=(0,), initial_positions="depot")


def _requests(rows):
    return pd.DataFrame(rows, columns=["request_id", "request_time_s", "origin_node",
                                       "dest_node", "passengers"])


def _run(capacity, policy="insertion"):
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 1, 4, 1), (2, 1025, 2, 3, 1)])
    return simulate(SimInputs(net, oracle, req, SERVICE, [VehicleTypeConfig("van", 1, capacity)], DispatchConfig(policy=policy), seed=0))


def test_two_requests_share_one_vehicle():
    """A (1 -> 4) at t=1000: the vehicle leaves 0 at 1000, reaches 1 at 1020 (pickup A),
    dwells to 1030. B (2 -> 3) arrives at 1025 while it dwells, so it is re-planned from
    node 1 at 1030. Old plan: 1030 -> 4 at 1090, done 1100. Sharing: 2 at 1050 (pickup B,
    to 1060), 3 at 1080 (drop B, to 1090), 4 at 1110 (drop A, done 1120): +20 s.
    B after A instead: 4 done 1100, 2 at 1140, 3 at 1170, done 1180: +80 s. So they share.
    """
    res = _run(capacity=2)
    t = res.trips.set_index("request_id")
    assert (t["status"] == "served").all()
    assert t.loc[1, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1020, 1110]
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1050, 1080]
    assert t.loc[1, "wait_s"] == 20 and t.loc[2, "wait_s"] == 25
    assert t.loc[1, "ride_s"] == 90 and t.loc[2, "ride_s"] == 30
    assert t.loc[1, "direct_s"] == 60 and t.loc[2, "direct_s"] == 20
    assert t.loc[1, "detour_ratio"] == pytest.approx(1.5)
    assert t["shared"].all()
    v = res.vehicles.iloc[0]
    # driven 0 -> 4: 4 hops x 0.2 km; occupied from 1 to 4: 0.6 km;
    # passenger-km: A 1 -> 4 (0.6) + B 2 -> 3 (0.2) = 0.8
    assert math.isclose(v["km_total"], 0.8)
    assert math.isclose(v["km_occupied"], 0.6)
    assert math.isclose(v["km_empty"], 0.2)
    assert math.isclose(v["passenger_km"], 0.8)
    e = res.edges.set_index(["u", "v"])
    assert math.isclose(e.loc[(2, 3), "passenger_km"], 0.4)  # A and B on board
    assert math.isclose(e.loc[(0, 1), "vkm_occupied"], 0.0)
    kinds = res.events[res.events["vehicle_id"] == 0]["kind"].tolist()
    assert kinds == ["assign", "pickup", "assign", "pickup", "dropoff", "dropoff"]


def test_capacity_one_serves_them_in_turn():
    """With one seat B must wait until A has left: A as before but dropped at 1090 (4 at
    1090, dwell to 1100); then 4 -> 2 at 1140 (pickup B), 3 at 1170 (drop B)."""
    res = _run(capacity=1)
    t = res.trips.set_index("request_id")
    assert t.loc[1, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1020, 1090]
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1140, 1170]
    assert not t["shared"].any()
    v = res.vehicles.iloc[0]
    # 0 -> 4 (0.8 km) then 4 -> 2 (0.4) then 2 -> 3 (0.2) = 1.4 km
    assert math.isclose(v["km_total"], 1.4)
    assert math.isclose(v["passenger_km"], 0.6 + 0.2)


def test_batch_assigns_at_the_tick():
    """Batch every 30 s from t=0: A (t=1000) waits to the tick at 1020; the vehicle leaves 0
    at 1020, picks A at 1040 (dwell to 1050). B (t=1025) is assigned at the tick at 1050,
    re-planned from node 1 at 1050: 2 at 1070 (B), 3 at 1100 (drop B), 4 at 1130 (drop A)."""
    res = _run(capacity=2, policy="batch")
    t = res.trips.set_index("request_id")
    assert t.loc[1, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1040, 1130]
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1070, 1100]


def test_replan_mid_edge_from_next_node():
    """A (4 -> 3) at 1000: the vehicle drives 0 -> 4. B (1 -> 0) at 1030 finds it between
    node 1 (passed at 1020) and node 2 (1040); re-planned from node 2 at 1040. Going back
    for B first adds 100 s (2 -> 1 -> 0, then 0 -> 4); after A adds 80 s: 4 at 1080 (pickup A,
    dwell to 1090), 3 at 1110 (drop A, 1120), 1 at 1160 (pickup B, 1170), 0 at 1190."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 4, 3, 1), (2, 1030, 1, 0, 1)])
    res = simulate(SimInputs(net, oracle, req, SERVICE, [VehicleTypeConfig("van", 1, 2)], DispatchConfig(), seed=0))
    t = res.trips.set_index("request_id")
    assert t.loc[1, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1080, 1110]
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1160, 1190]
    assert math.isclose(res.vehicles.iloc[0]["km_total"], 0.8 + 0.8)


def test_rejections_carry_reasons():
    """Outside hours, same node, too many passengers, and no vehicle within the deadline."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 8000, 1, 2, 1), (2, 100, 2, 2, 1), (3, 100, 1, 3, 5),
                     (4, 100, 4, 0, 1)])
    service = ServiceConfig(start_s=0, end_s=7200, max_wait_s=60, stop_dwell_s=10,
                            depot_nodes=(0,), initial_positions="depot")
    res = simulate(SimInputs(net, oracle, req, service, [VehicleTypeConfig("van", 1, 4)], DispatchConfig(), seed=0))
    t = res.trips.set_index("request_id")
    assert t["reason"].to_dict() == {1: "outside_hours", 2: "same_node",
                                     3: "too_many_passengers", 4: "no_vehicle"}
    assert (t["status"] == "rejected").all()
    assert res.kpis["share_served"] == 0.0
    assert np.isnan(res.kpis["wait_mean_s"])
