"""Static plans of request tables on a road network (grid fixture) and the hindsight plan.

Grid: 5 x 5 nodes, 200 m apart at 36 km/h = 10 m/s, so 20 s per block (node id =
row * 5 + col).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kl_mobility.network import build_oracle, grid_network
from kl_mobility.planning.hindsight import hindsight_plan
from kl_mobility.planning.plan import PlanSetup, plan_requests, problem_from_requests
from kl_mobility.routing import SearchOptions, check_routes
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
    p, loc_node = problem_from_requests(req, orc, PlanSetup(fleet=1, capacity=4, service=ServiceConfig()), depot_node=12)
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
    res = plan_requests(req, orc, PlanSetup(fleet=2, capacity=4, network=net), options=FAST)
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
    res = plan_requests(req, orc, PlanSetup(fleet=1, capacity=4, network=net), options=FAST)
    assert res.solution.feasible
    row = res.trips.set_index("request_id").loc[101]
    assert row["status"] == "rejected" and row["vehicle_id"] == -1
    assert row["reason"] == "too_many_passengers"  # the simulation's name for it
    assert res.kpis["n_served"] == 3


def test_hindsight_plans_only_served_requests(grid):
    """With the simulation's trips, only its served requests are planned; vehicles start
    at given nodes and need not return (last stop is a drop-off, then the virtual end)."""
    net, orc = grid
    req = _requests(8)
    trips = pd.DataFrame({"request_id": req["request_id"],
                          "status": ["served"] * 6 + ["rejected"] * 2})
    res = hindsight_plan(req, orc, PlanSetup(fleet=2, capacity=4, return_to_depot=False, start_nodes=[0, 24], network=net), trips=trips, options=SearchOptions(time_limit_s=1.0))
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
    from kl_mobility.planning.hindsight import hindsight_compare
    from kl_mobility.sim.config import VehicleTypeConfig
    from kl_mobility.sim.simulate import SimInputs, simulate

    net, orc = grid
    req = _requests(12)
    svc = ServiceConfig(initial_positions="depot")
    run = simulate(SimInputs(net, orc, req, svc, [VehicleTypeConfig(name="van", count=2, capacity=4)], DispatchConfig(), seed=1))
    cmp = hindsight_compare(run, req, orc, service=svc, network=net, time_limit_s=1.0)
    assert cmp["hindsight_feasible"] == 1.0
    assert cmp["hindsight_served"] == cmp["n_served"] > 0
    assert cmp["hindsight_vehicle_km"] <= cmp["online_vehicle_km"] + 1e-9
    assert cmp["km_ratio"] >= 1.0


def _external_request(**extra) -> pd.DataFrame:
    """One request 0 -> 4 (4 blocks, 80 s, 800 m) at 8:00 for 2 passengers."""
    row = {"request_id": [7], "request_time_s": [28800], "origin_node": [0],
           "dest_node": [4], "passengers": [2]}
    row.update({k: [v] for k, v in extra.items()})
    return pd.DataFrame(row)


def test_external_offsets_extend_stop_time_and_shift_windows(grid):
    """origin_offset_s = 120, dest_offset_s = 60: door-to-door direct time 120 + 80 + 60 =
    260 s, so the drop-off deadline is 29400 + ceil(1.5 * 260) + 300 = 30090 at the door and
    30090 - 60 = 30030 at the boundary node; the pickup window moves back by 120 s to
    [28680, 29280]; stop times 30 + 2 * 120 = 270 s and 30 + 2 * 60 = 150 s."""
    net, orc = grid
    req = _external_request(origin_offset_s=120, dest_offset_s=60)
    p, loc_node = problem_from_requests(req, orc, PlanSetup(fleet=1, capacity=4, service=ServiceConfig()), depot_node=12)
    pu, de = int(p.pickups[0]), int(p.deliveries[0])
    assert loc_node[pu] == 0 and loc_node[de] == 4
    assert (p.tw_early[pu], p.tw_late[pu]) == (28680, 29280)
    assert p.tw_late[de] == 30030
    assert p.service[pu] == 270 and p.service[de] == 150


def test_plan_drives_external_offsets_like_the_simulation(grid):
    """One van from the centre (node 12), origin 120 s out in an external zone at the
    default 50 km/h: 120 x 50 / 3.6 = 1666.7 m each way. Plan without return: 12 -> 0
    (800 m, empty), out and back at node 0 (3333.3 m external; the way back occupied by 2),
    0 -> 4 (800 m, 2 aboard): km_total 4.9333, km_external 3.3333, occupied 2.4667,
    passenger-km 2 x 2.4667 = 4.9333. The simulation of the same day drives exactly as much.
    The rider boards at the zone 120 s after service starts at node 0, so the plan (which can
    leave early) has no wait; ride = 150 s of dwell and the way back + 80 s = 230 s."""
    from kl_mobility.dispatch.config import DispatchConfig
    from kl_mobility.sim.config import VehicleTypeConfig
    from kl_mobility.sim.simulate import SimInputs, simulate

    net, orc = grid
    req = _external_request(origin_offset_s=120)
    res = plan_requests(req, orc, PlanSetup(fleet=1, capacity=4, network=net, return_to_depot=False), options=FAST)
    assert res.solution.feasible and res.kpis["n_served"] == 1
    v = res.vehicles.iloc[0]
    ext = 2 * 120 * 50 / 3.6 / 1000
    assert v["km_external"] == pytest.approx(ext)
    assert v["km_total"] == pytest.approx(1.6 + ext)
    assert v["km_occupied"] == pytest.approx(0.8 + ext / 2)
    assert v["passenger_km"] == pytest.approx(2 * (0.8 + ext / 2))
    assert res.kpis["km_external"] == pytest.approx(ext)
    assert res.kpis["distance_m"] == pytest.approx(1600)  # road only
    t = res.trips.iloc[0]
    assert (t["wait_s"], t["ride_s"], t["direct_s"]) == (0, 230, 200)
    assert t["km_external"] == pytest.approx(ext)
    assert t["direct_m"] == pytest.approx(800 + ext * 1000 / 2)

    svc = ServiceConfig(initial_positions="depot")
    run = simulate(SimInputs(net, orc, req, svc, [VehicleTypeConfig(name="van", count=1, capacity=4)], DispatchConfig(), seed=1))
    sv = run.vehicles.iloc[0]
    for col in ("km_total", "km_external", "km_occupied", "passenger_km"):
        assert v[col] == pytest.approx(sv[col]), col
    assert run.trips["direct_s"].iloc[0] == t["direct_s"]


def test_plan_energy_and_co2_use_the_simulations_factors(grid):
    """Energy = km_total x consumption (electric 0.281 kWh/km; a diesel van 8 l/100 km);
    the fleet CO2 is km_total x the emission module's g/vkm of that type."""
    from kl_mobility.emissions import fleet_factors
    from kl_mobility.sim.config import VehicleTypeConfig

    net, orc = grid
    req = _requests(6)
    for vt in (VehicleTypeConfig(name="e-van", count=2),
               VehicleTypeConfig(name="d-van", count=2, drivetrain="diesel",
                                 fuel_l_per_100km=8.0)):
        res = plan_requests(req, orc, PlanSetup(fleet=2, capacity=4, network=net, vehicle_type=vt), options=FAST)
        km = res.kpis["vehicle_km"]
        assert km > 0 and set(res.vehicles["vehicle_type"]) == {vt.name}
        if vt.drivetrain == "electric":
            assert res.kpis["energy_kwh"] == pytest.approx(0.281 * km)
            assert res.kpis["fuel_l"] == 0
        else:
            assert res.kpis["fuel_l"] == pytest.approx(0.08 * km)
            assert res.kpis["energy_kwh"] == 0
        g = fleet_factors([vt])[vt.name].g_per_vkm
        assert res.kpis["co2_fleet_co2_kg"] == pytest.approx(km * g / 1000)


def _hours_requests() -> pd.DataFrame:
    """Five requests 0 -> 4 (80 s direct) with desired pickups 04:59 (17940), 05:30
    (19800), 08:00 (28800), 08:05 (29100, made at 08:00) and 24:00 (86400, booked at
    20:00)."""
    return pd.DataFrame({
        "request_id": [1, 2, 3, 4, 5],
        "request_time_s": [17940, 19800, 28800, 28800, 72000],
        "earliest_pickup_s": pd.array([None, None, None, 29100, 86400], dtype="Int64"),
        "booking_time_s": pd.array([None, None, None, 28800, 72000], dtype="Int64"),
        "origin_node": [0] * 5, "dest_node": [4] * 5, "passengers": [1] * 5,
    })


def test_requests_outside_service_hours_are_rejected_as_in_the_simulation(grid):
    """Service 05:00-24:00 (default) and a van type working from 06:00: request 1 (04:59)
    lies before the service, 2 (05:30) before the type's hours, 5 (24:00) at the service's
    exclusive end. They are rejected as outside_hours and not planned (the problem holds
    2 requests); 3 and 4 are served. The accounting keeps all five: 2 / 5 served = 0.4,
    3 rejected. The simulation of the same table classifies the same three the same way."""
    from kl_mobility.dispatch.config import DispatchConfig
    from kl_mobility.sim.config import VehicleTypeConfig
    from kl_mobility.sim.simulate import SimInputs, simulate

    net, orc = grid
    req = _hours_requests()
    van = VehicleTypeConfig(name="van", count=1, capacity=4, start_s=6 * 3600)
    res = plan_requests(req, orc, PlanSetup(fleet=1, capacity=4, network=net, vehicle_type=van), options=FAST)
    t = res.trips
    assert t["request_id"].tolist() == [1, 2, 3, 4, 5]  # table order kept
    assert t["status"].tolist() == ["rejected", "rejected", "served", "served", "rejected"]
    assert t["reason"].tolist() == ["outside_hours", "outside_hours", "", "", "outside_hours"]
    assert res.problem.n_requests == 2
    assert (t.loc[t["status"] == "rejected", ["vehicle_id", "pickup_time_s", "wait_s"]]
            == -1).all().all()
    assert t.loc[0, "direct_s"] == 80 and t.loc[0, "direct_m"] == pytest.approx(800)
    k = res.kpis
    assert (k["n_requests"], k["n_served"], k["n_rejected"]) == (5, 2, 3)
    assert k["share_served"] == pytest.approx(0.4)

    run = simulate(SimInputs(net, orc, req, ServiceConfig(initial_positions="depot"), [van], DispatchConfig(), seed=1))
    sim = run.trips.set_index("request_id")
    out = t.loc[t["reason"] == "outside_hours", "request_id"].tolist()
    assert sim.loc[out, "reason"].tolist() == ["outside_hours"] * 3
    assert (sim.drop(index=out)["reason"] != "outside_hours").all()


def test_types_with_different_hours_must_cover_the_same_requests(grid):
    """A van from 06:00 and one from 05:00: request 2 (05:30) only the second could take,
    which the static plan (no per-vehicle eligibility) cannot express: an InputError
    naming the request and the type."""
    from kl_mobility.errors import InputError
    from kl_mobility.sim.config import VehicleTypeConfig

    net, orc = grid
    types = [VehicleTypeConfig(name="late", count=1, start_s=6 * 3600),
             VehicleTypeConfig(name="early", count=1)]
    with pytest.raises(InputError, match=r"request 2: .*'late'"):
        plan_requests(_hours_requests(), orc, PlanSetup(fleet=2, capacity=4, network=net, vehicle_type=types), options=FAST)


def test_plan_takes_early_morning_requests_of_a_service_past_midnight(grid):
    """Service 05:00-25:00 and a night van 19:00-25:00: the request for 00:30 (1800 s) is
    planned at 24:30 (88200 s) as the simulation serves it; 01:30 (5400 s) stays
    outside_hours. One van from node 0 to request 0 -> 4 (80 s): pickup window
    [88200, 88800], so the pickup lies in it and the wait is pickup - 88200 <= 600 s."""
    from kl_mobility.sim.config import VehicleTypeConfig

    net, orc = grid
    req = pd.DataFrame({"request_id": [1, 2], "request_time_s": [1800, 5400],
                        "origin_node": [0, 0], "dest_node": [4, 4], "passengers": [1, 1]})
    svc = ServiceConfig(start_s=5 * 3600, end_s=25 * 3600)
    night = VehicleTypeConfig(name="night", count=1, start_s=19 * 3600, end_s=25 * 3600)
    res = plan_requests(req, orc, PlanSetup(fleet=1, capacity=4, depot_node=0, service=svc, vehicle_type=night), options=FAST)
    t = res.trips.set_index("request_id")
    assert list(t["reason"]) == ["", "outside_hours"]
    assert list(t["request_time_s"]) == [88_200, 5400]
    assert 88_200 <= t.loc[1, "pickup_time_s"] <= 88_800
    assert t.loc[1, "wait_s"] == t.loc[1, "pickup_time_s"] - 88_200
