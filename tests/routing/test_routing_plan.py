"""Static plans of request tables on a road network (grid fixture) and the hindsight plan.

Grid: 5 x 5 nodes, 200 m apart at 36 km/h = 10 m/s, so 20 s per block (node id =
row * 5 + col).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kl_mobility.network import build_oracle, grid_network
from kl_mobility.routing import SearchOptions, check_routes
from kl_mobility.routing.plan import hindsight_plan, plan_requests, problem_from_requests
from kl_mobility.sim.config import ServiceConfig

FAST = SearchOptions(time_limit_s=1.0)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    net = grid_network(5, 5, spacing_m=200.0, speed_kmh=36.0)
    return net, build_oracle(net, cache_dir=tmp_path_factory.mktemp("net"))


def _requests(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    o = rng.integers(0, 25, n)
    d = (o + rng.integers(1, 25, n)) % 25
    return pd.DataFrame({
        "request_id": np.arange(100, 100 + n, dtype=np.int64),
        "request_time_s": np.sort(rng.integers(8 * 3600, 8 * 3600 + 1800, n)),
        "origin_node": o.astype(np.int32), "dest_node": d.astype(np.int32),
        "passengers": rng.integers(1, 3, n).astype(np.int16),
    })


def test_problem_windows_follow_service_rules(grid):
    """One request 0 -> 4 (4 blocks = 80 s direct) at 8:00: pickup window [28800, 29400]
    (max wait 600), drop-off deadline 29400 + ceil(1.5 * 80) + 300 = 29820, stop time
    20 + 5 * 2 = 30 s for 2 passengers."""
    net, orc = grid
    req = pd.DataFrame({"request_id": [7], "request_time_s": [28800], "origin_node": [0],
                        "dest_node": [4], "passengers": [2]})
    p, loc_node = problem_from_requests(req, orc, fleet=1, capacity=4, depot_node=12,
                                        service=ServiceConfig())
    pu, de = int(p.pickups[0]), int(p.deliveries[0])
    assert loc_node[pu] == 0 and loc_node[de] == 4
    assert p.time[pu, de] == 80
    assert (p.tw_early[pu], p.tw_late[pu]) == (28800, 29400)
    assert p.tw_late[de] == 29820
    assert p.service[pu] == p.service[de] == 30
    assert p.load[pu] == 2


def test_plan_serves_all_and_kpis_add_up(grid):
    net, orc = grid
    req = _requests(10)
    res = plan_requests(req, orc, fleet=2, capacity=4, network=net, options=FAST)
    sol = res.solution
    assert sol.feasible and sol.dropped == ()
    assert res.kpis["n_served"] == 10 and res.kpis["share_served"] == 1.0
    assert res.kpis["vehicle_km"] == pytest.approx(sol.distance / 1000)
    assert res.kpis["vehicle_hours"] == pytest.approx(
        sum(r.duration for r in sol.routes) / 3600)
    t = res.trips
    assert set(t["request_id"]) == set(req["request_id"])
    # waits within max_wait_s, rides at least the direct time
    assert (t["wait_s"] >= 0).all() and (t["wait_s"] <= 600).all()
    assert (t["ride_s"] >= t["direct_s"]).all()
    # the stops table starts and ends every used vehicle at the depot (centre node 12)
    for _, g in res.stops.groupby("vehicle_id"):
        assert g["node"].iloc[0] == 12 and g["node"].iloc[-1] == 12
    assert check_routes(res.problem, [r.locations for r in sol.routes]).feasible


def test_oversized_party_is_not_planned(grid):
    net, orc = grid
    req = _requests(4)
    req.loc[1, "passengers"] = 9
    res = plan_requests(req, orc, fleet=1, capacity=4, network=net, options=FAST)
    assert res.solution.feasible
    row = res.trips.set_index("request_id").loc[101]
    assert row["status"] == "rejected" and row["vehicle_id"] == -1
    assert res.kpis["n_served"] == 3


def test_hindsight_plans_only_served_requests(grid):
    """With the simulation's trips, only its served requests are planned; vehicles start
    at given nodes and need not return (last stop is a drop-off, then the virtual end)."""
    net, orc = grid
    req = _requests(8)
    trips = pd.DataFrame({"request_id": req["request_id"],
                          "status": ["served"] * 6 + ["rejected"] * 2})
    res = hindsight_plan(req, orc, 2, 4, trips=trips, start_nodes=[0, 24], network=net,
                         time_limit_s=1.0)
    assert len(res.trips) == 6 and res.solution.feasible
    for _, g in res.stops.groupby("vehicle_id"):
        assert g["node"].iloc[0] in (0, 24)
        assert g["kind"].iloc[-2] == "delivery" and g["node"].iloc[-1] == -1


def test_hindsight_compare_with_a_simulated_day(grid):
    """A simulated morning on the grid (2 vans from the depot, default insertion policy)
    against its hindsight plan: the same served requests and no more vehicle-km than the
    online day (the online plan is one feasible static plan: same windows, same depot
    start; on 12 requests the search finds one at least as good)."""
    from kl_mobility.dispatch.config import DispatchConfig
    from kl_mobility.routing.plan import hindsight_compare
    from kl_mobility.sim.config import VehicleTypeConfig
    from kl_mobility.sim.simulate import simulate

    net, orc = grid
    req = _requests(12)
    svc = ServiceConfig(initial_positions="depot")
    run = simulate(net, orc, req, svc, [VehicleTypeConfig(name="van", count=2, capacity=4)],
                   DispatchConfig(), seed=1)
    cmp = hindsight_compare(run, req, orc, service=svc, network=net, time_limit_s=1.0)
    assert cmp["hindsight_feasible"] == 1.0
    assert cmp["hindsight_served"] == cmp["n_served"] > 0
    assert cmp["hindsight_vehicle_km"] <= cmp["online_vehicle_km"] + 1e-9
    assert cmp["km_ratio"] >= 1.0
