"""The ``rtv`` policy: its trip enumeration and CP-SAT assignment on a hand-checked case,
the assignment against enumeration, its options, and the public contract battery."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.dispatch.rtv import choose_trips, keep_candidates
from kl_mobility.kernels._pack import Fleet, Request, Rules, Schedules, Tables
from kl_mobility.kernels.insertion import INFEASIBLE, best_insertion, insertion_cost_matrix
from kl_mobility.kernels.rtv import enumerate_trips
from kl_mobility.testing import check_policy


def _line(n=7, hop=60):
    """Tables of a line of ``n`` nodes, ``hop`` seconds between neighbours."""
    idx = np.arange(n)
    tt = (hop * np.abs(idx[:, None] - idx[None, :])).astype(np.int64)
    return Tables(tt, np.ascontiguousarray(tt.T))


def _empty_sched(v, width=8):
    z = lambda: np.zeros((v, width), np.int64)  # noqa: E731
    return Schedules(np.zeros(v, np.int64), z(), z(), z(), z(), z())


# Line 0-1-2-3-4-5-6, 60 s per hop, no dwell. Vehicle V0 at node 0, V1 at node 3, both
# empty at t = 0 with 2 seats. Rider A: 2 -> 4 (pickup by 600 s); rider B: 1 -> 4 with
# pickup by 60 s, so only V0 (0 -> 1 = 60 s) can reach B in time (V1: 3 -> 1 = 120 s).
TABLES = _line()
FLEET = Fleet(np.array([0, 3]), np.array([0, 0]), np.array([0, 0]), np.array([2, 2]))
REQS = Request(origin=np.array([2, 1]), dest=np.array([4, 4]), early=np.array([0, 0]),
               late_pick=np.array([600, 60]), late_drop=np.array([1000, 1000]),
               passengers=np.array([1, 1]), dwell_pick=np.array([0, 0]),
               dwell_drop=np.array([0, 0]))


def _one(r):
    return Request(*(int(a[r]) for a in REQS))


def test_greedy_insertion_splits_the_two_riders():
    """Greedy insertion in arrival order (A, then B) uses both vans: 180 + 240 = 420 s."""
    sched = _empty_sched(2)
    cand = np.array([0, 1])
    # A alone: V0 0->2->4 = 120 + 120 = 240 s; V1 3->2->4 = 60 + 120 = 180 s -> V1
    c, v, i, j = best_insertion(TABLES, cand, FLEET, sched, _one(0))
    assert (c, v, i, j) == (180, 1, 0, 0)
    # put A into V1's schedule: pickup at 2, drop-off at 4
    sched.length[1] = 2
    sched.node[1, :2] = [2, 4]
    sched.late[1, :2] = [600, 1000]
    sched.delta[1, :2] = [1, -1]
    # B: V1 cannot reach node 1 by 60 s; V0 0->1->4 = 60 + 180 = 240 s
    c, v, i, j = best_insertion(TABLES, cand, FLEET, sched, _one(1))
    assert (c, v) == (240, 0)


def test_rtv_serves_the_two_riders_together():
    """RTV sees both in one batch. Trips (added vehicle seconds):
    {A}@V0 = 240, {A}@V1 = 180, {B}@V0 = 240, {B}@V1 infeasible (pickup 120 s > 60 s),
    {A,B}@V0: 0->1 (B at 60 s) ->2 (A at 120 s) ->4 (both off at 240 s) = 240,
    {A,B}@V1 infeasible (B). Serving both: {A,B}@V0 = 240 < {A}@V1 + {B}@V0 = 420."""
    sched = _empty_sched(2)
    cand = np.array([0, 1])
    rv = insertion_cost_matrix(TABLES, cand, FLEET, sched, REQS)
    assert rv[0].tolist() == [[240, 180], [240, INFEASIBLE]]
    keep = keep_candidates(rv[0], 10)
    trips = enumerate_trips(TABLES, cand, FLEET, sched, REQS, Rules(), rv, keep, 3)
    found = {(int(trips.k[t]), tuple(trips.members[t, :trips.size[t]].tolist())):
             int(trips.cost[t]) for t in range(len(trips))}
    assert found == {(0, (0,)): 240, (0, (1,)): 240, (0, (0, 1)): 240, (1, (0,)): 180}
    members = [trips.members[t, :trips.size[t]] for t in range(len(trips))]
    chosen = choose_trips(cand[trips.k], members, trips.cost, 1.0)
    assert len(chosen) == 1
    t = int(chosen[0])
    assert (int(trips.k[t]), members[t].tolist()) == (0, [0, 1])


def test_rtv_trip_positions_replay_to_a_feasible_schedule():
    """The stored sequential positions of {A,B}@V0 rebuild a schedule whose stops meet
    every deadline: A inserted first at (0, 0) -> [A+ 2, A- 4]; B (the base trip being
    {A} at 240 s, B adds 0 s) before A's pickup: [B+ 1, A+ 2, ...]."""
    sched = _empty_sched(2)
    cand = np.array([0, 1])
    rv = insertion_cost_matrix(TABLES, cand, FLEET, sched, REQS)
    trips = enumerate_trips(TABLES, cand, FLEET, sched, REQS, Rules(), rv,
                            keep_candidates(rv[0], 10), 2)
    t = next(t for t in range(len(trips)) if trips.size[t] == 2)
    stops: list[tuple[int, int]] = []
    for r, i, j in zip(trips.order[t, :2], trips.i[t, :2], trips.j[t, :2], strict=True):
        stops.insert(int(i), (int(REQS.origin[r]), int(REQS.late_pick[r])))
        stops.insert(int(j) + 1, (int(REQS.dest[r]), int(REQS.late_drop[r])))
    time, node = 0, 0
    for n, late in stops:
        time += abs(n - node) * 60
        node = n
        assert time <= late
    assert [n for n, _ in stops][0] == 1 and time == 240


def _brute(vehicle, members, cost):
    best = (0, 0)
    n = len(cost)
    for k in range(n + 1):
        for sub in itertools.combinations(range(n), k):
            vs = [int(vehicle[t]) for t in sub]
            rs = [int(r) for t in sub for r in members[t]]
            if len(set(vs)) < len(vs) or len(set(rs)) < len(rs):
                continue
            val = (len(rs), -sum(int(cost[t]) for t in sub))
            if val > best:
                best = val
    return best


def test_choose_trips_matches_enumeration():
    """CP-SAT = enumeration of all trip subsets: most requests, then least cost; at most
    one trip per vehicle and per request."""
    rng = np.random.default_rng(1)
    for _ in range(60):
        n = int(rng.integers(1, 9))
        vehicle = rng.integers(0, 3, n)
        members = [np.unique(rng.integers(0, 5, rng.integers(1, 4))) for _ in range(n)]
        cost = rng.integers(0, 500, n).astype(np.int64)
        chosen = choose_trips(vehicle, members, cost, 5.0).tolist()
        got = (sum(len(members[t]) for t in chosen), -sum(int(cost[t]) for t in chosen))
        assert got == _brute(vehicle, members, cost)


def test_rtv_options_are_validated():
    cfg = DispatchConfig(policy="rtv", options={"max_trip_size": 2, "batch_interval_s": 10})
    assert cfg.policy_options().max_trip_size == 2
    with pytest.raises(ValueError, match="max_trip_size"):
        DispatchConfig(policy="rtv", options={"max_trip_size": 0})
    with pytest.raises(ValueError, match="unknown key"):
        DispatchConfig(policy="rtv", options={"trip_size": 2})


def test_rtv_keeps_the_contract():
    rep = check_policy("rtv", instances=12)
    assert rep.instances == 12 and not rep.failures
    rep = check_policy("rtv", options={"max_trip_size": 2, "candidates_per_request": 1,
                                       "batch_interval_s": 10}, instances=6, seed=3)
    assert rep.instances == 6 and not rep.failures
    rep = check_policy("rtv", options={"reassign": True}, instances=6)
    assert rep.instances == 6 and not rep.failures


def test_trip_arrays_grow_without_changing_the_trips():
    """Starting the trip arrays at one trip (so they double many times while trips are
    added, at size 1 and at larger sizes) gives the same trips as the default start.
    Line of 7 nodes, 3 empty vehicles of 4 seats, 6 requests with loose deadlines: many
    trips of sizes 1-3, so growth happens in both places it can."""
    v = 3
    fleet = Fleet(np.array([0, 3, 6]), np.zeros(v, np.int64), np.zeros(v, np.int64),
                  np.full(v, 4, np.int64))
    o = np.array([1, 2, 3, 4, 5, 2])
    d = np.array([4, 5, 6, 1, 0, 6])
    reqs = Request(o, d, np.zeros(6, np.int64), np.full(6, 900), np.full(6, 2400),
                   np.ones(6, np.int64), np.zeros(6, np.int64), np.zeros(6, np.int64))
    sched = _empty_sched(v, 12)
    cand = np.arange(v)
    rv = insertion_cost_matrix(TABLES, cand, fleet, sched, reqs, rules=Rules(cost_kind=3))
    keep = keep_candidates(rv[0], 10)
    a = enumerate_trips(TABLES, cand, fleet, sched, reqs, Rules(cost_kind=3), rv, keep, 3)
    b = enumerate_trips(TABLES, cand, fleet, sched, reqs, Rules(cost_kind=3), rv, keep, 3,
                        initial_capacity=1)
    assert len(a) > 40 and int(a.size.max()) == 3
    for x, y in zip((a.k, a.size, a.cost, a.members, a.order, a.i, a.j),
                    (b.k, b.size, b.cost, b.members, b.order, b.i, b.j), strict=True):
        assert np.array_equal(x, y)


def _reassign_day(cache, policy: str, rows=((1, 0, 4, 3, 1), (2, 31, 6, 8, 1)),
                  max_wait_s=300, **options):
    """Line 0-1-...-8, 600 m at 36 km/h = 60 s per hop, no dwell; pickup deadline
    ``max_wait_s`` (300) after the request. V0 starts at node 0, V1 at node 7, one seat
    each. Default requests: A (4 -> 3) at t = 0, B (6 -> 8) at t = 31 (pickup deadlines
    300 and 331)."""
    import pandas as pd

    from kl_mobility.network import build_oracle, grid_network
    from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

    net = grid_network(1, 9, 600.0, 36.0)
    oracle = build_oracle(net, cache_dir=cache)
    assert int(oracle.tt[0, 1]) == 60 and int(oracle.tt[7, 4]) == 180
    service = ServiceConfig(start_s=0, end_s=3600, max_wait_s=max_wait_s, stop_dwell_s=0,
                            board_s_per_passenger=0)
    req = pd.DataFrame(list(rows),
                       columns=["request_id", "request_time_s", "origin_node", "dest_node",
                                "passengers"])
    fleet = [VehicleTypeConfig("van", 2, 1, start_nodes=(0, 7))]
    cfg = DispatchConfig(policy=policy, options=options)
    res = simulate(SimInputs(net, oracle, req, service, fleet, cfg, seed=0), record_legs=True)
    return res, req, service, oracle


def test_rtv_reassigns_a_request_so_both_riders_are_served(tmp_path):
    """Batch at t = 30 (only A): V1 reaches node 4 at 30 + 180 = 210 (added 180 + 60 =
    240 s), V0 at 30 + 240 = 270 (300 s): A -> V1, which leaves node 7 at 30.
    Batch at t = 60 (B): V1 is re-planned from node 6 at 90 and cannot serve both (one
    seat): A first: 4 at 210, 3 at 270, back to 6 at 450 > B's deadline 331; B first: 8 at
    210, 4 at 450 > A's deadline 300. V0 cannot reach B: 60 + 360 = 420 > 331, but reaches
    A in time: 60 + 240 = 300 <= 300. So RTV takes A off V1 and gives it to V0 (pickup 300,
    drop-off at 3 at 360) and B to V1 (pickup 90, drop-off at 8 at 210): both served.
    Without re-assignment A stays on V1 and B is rejected; so does insertion (A at t = 0 to
    V1, 180 s < 240 s to node 4; B at t = 31: V1 from node 6 at 60, A first: B at 420 >
    331; B first: A at 60 + 120 + 240 = 420 > 300; V0 at 31 + 360 = 391 > 331)."""
    from kl_mobility.results.check import check_outputs

    res, req, service, oracle = _reassign_day(tmp_path, "rtv", reassign=True)
    assert check_outputs(res, req, service, oracle.tt, oracle.dist) == []
    t = res.trips.set_index("request_id")
    assert (t["status"] == "served").all()
    assert t.loc[1, ["pickup_time_s", "dropoff_time_s"]].tolist() == [300, 360]
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == [90, 210]
    ev = res.events
    a = ev[(ev["request_id"] == 1) & ev["kind"].isin(("assign", "unassign", "pickup"))]
    assert list(zip(a["kind"], a["vehicle_id"], a["time_s"], strict=True)) == [
        ("assign", 1, 30), ("unassign", 1, 60), ("assign", 0, 60), ("pickup", 0, 300)]

    for policy, options in (("rtv", {"reassign": False}), ("insertion", {})):
        res, req, service, oracle = _reassign_day(tmp_path, policy, **options)
        assert check_outputs(res, req, service, oracle.tt, oracle.dist) == []
        t = res.trips.set_index("request_id")
        assert t["status"].tolist() == ["served", "rejected"], policy
        assert (res.events["kind"] != "unassign").all()


def test_rebuild_plan_by_hand():
    """Stops [a+, b+, a-, c-, b-] without a and b leave [c-]; a goes back at (0, 0) ->
    [a+, a-, c-], then b at (1, 3) -> [a+, b+, a-, c-, b-] (pickup before old stop 1,
    drop-off before old stop 3 = after c-)."""
    from kl_mobility.dispatch.rtv import rebuild_plan

    a, b, c = 10, 11, 12
    seq = np.array([a, b, a, c, b])
    pick = np.array([True, True, False, False, False])
    order, i, j = rebuild_plan(seq, pick, np.array([a, b]))
    assert (order.tolist(), i.tolist(), j.tolist()) == ([a, b], [0, 1], [0, 3])
    order, i, j = rebuild_plan(seq, pick, np.array([b]))
    assert (order.tolist(), i.tolist(), j.tolist()) == ([b], [1], [3])


@pytest.mark.parametrize("kind", [0, 1, 2, 3])
def test_replay_cost_equals_the_enumerated_trip_costs(kind):
    """Replaying every enumerated trip's stored insertions gives its stored cost under each
    cost kind (so a vehicle's current plan, replayed, is priced like the trips); a
    position beyond the schedule is infeasible."""
    from kl_mobility.kernels.rtv import replay_cost

    v = 3
    fleet = Fleet(np.array([0, 3, 6]), np.array([0, 30, 60]), np.zeros(v, np.int64),
                  np.full(v, 3, np.int64))
    o = np.array([1, 2, 3, 4, 5, 2])
    d = np.array([4, 5, 6, 1, 0, 6])
    reqs = Request(o, d, np.array([0, 0, 100, 0, 50, 0]), np.full(6, 700),
                   np.full(6, 1500), np.array([1, 2, 1, 1, 1, 2]), np.full(6, 5),
                   np.full(6, 5))
    sched = _empty_sched(v, 12)
    cand = np.arange(v)
    rules = Rules(cost_kind=kind)
    rv = insertion_cost_matrix(TABLES, cand, fleet, sched, reqs, rules=rules)
    trips = enumerate_trips(TABLES, cand, fleet, sched, reqs, rules, rv,
                            keep_candidates(rv[0], 10), 3)
    assert len(trips) > 20 and int(trips.size.max()) == 3
    for t in range(len(trips)):
        s = int(trips.size[t])
        c = replay_cost(TABLES, fleet, sched, reqs, rules, int(cand[trips.k[t]]),
                        (trips.order[t, :s], trips.i[t, :s], trips.j[t, :s]))
        assert c == int(trips.cost[t])
    assert replay_cost(TABLES, fleet, sched, reqs, rules, 0, ([0], [1], [1])) == INFEASIBLE


def test_rtv_sends_an_idle_vehicle_toward_an_unassigned_request(tmp_path):
    """Same line, pickup deadline 60 s. X (4 -> 3) at t = 0: at the batch at t = 30 V1
    needs 180 s and V0 240 s to node 4 > 60 s: X is rejected, and the idle vehicle nearest
    to it (V1, 180 < 240 s) is sent to node 4, arriving at 30 + 180 = 210. Y (4 -> 5) at
    t = 200 (deadline 260): at the batch at 210 V1 is at node 4: pickup at 210, drop-off at
    270. Without rebalancing V1 would still be at node 7 (210 + 180 = 390 > 260) and Y
    rejected too."""
    rows = ((1, 0, 4, 3, 1), (2, 200, 4, 5, 1))
    res = _reassign_day(tmp_path, "rtv", rows, max_wait_s=60)[0]
    t = res.trips.set_index("request_id")
    assert t["status"].tolist() == ["rejected", "served"]
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == [210, 270]
    ev = res.events[res.events["kind"] == "rebalance"]
    assert list(zip(ev["time_s"], ev["vehicle_id"], ev["node"], strict=True)) == [(30, 1, 4)]
    res = _reassign_day(tmp_path, "rtv", rows, max_wait_s=60, rebalance=False)[0]
    assert res.trips["status"].tolist() == ["rejected", "rejected"]
    assert (res.events["kind"] != "rebalance").all()
