"""Service rules by hand: cancellation times, windows, deadlines, release and dwell.

Networks: ``grid_network(1, 5)``: nodes 0-1-2-3-4 on a line, 200 m apart at 36 km/h, 20 s
per hop; and ``grid_network(1, 5, 210 m)``: 21 s per hop (odd times, so that the
``ceil`` of the drop-off deadline matters). One van starts at depot node 0 at t = 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simhelpers import grid

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate
from kl_mobility.sim.setup import in_service_hours, make_requests
from kl_mobility.sim.travel import type_tables

KEEP = ServiceConfig(start_s=0, end_s=7200, max_wait_s=60, stop_dwell_s=10,
                     board_s_per_passenger=0, depot_nodes=(0,), initial_positions="depot",
                     unserved="keep")
VAN = VehicleTypeConfig("van", 1, 2)


def _requests(rows, extra=()):
    return pd.DataFrame(rows, columns=["request_id", "request_time_s", "origin_node",
                                       "dest_node", "passengers", *extra])


def _cancel_events(res):
    ev = res.events
    return ev.loc[ev["kind"] == "cancel", ["time_s", "request_id"]].values.tolist()


def test_kept_request_is_cancelled_at_the_first_tick_past_its_deadline():
    """Retry every 50 s (ticks at 50, 100, ..., 1050, 1100). A (1 -> 4) at t = 1000: the van
    leaves 0 at 1000, picks A at node 1 at 1020 (deadline 1000 + 60 = 1060), dwells to
    1030, drops A at node 4 at 1090. B (4 -> 3) at t = 1005, deadline 1065: the van can be
    at node 4 no earlier than 1080 (from node 1 at 1020, 3 hops; after A's pickup 1090),
    so B is kept. Tick 1050: 1050 <= 1065, retried (the van at node 2 at 1050 is still
    40 s from node 4: 1090 > 1065), kept. Tick 1100: 1100 > 1065, cancelled at 1100 with
    reason deadline_passed."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 1, 4, 1), (2, 1005, 4, 3, 1)])
    res = simulate(SimInputs(net, oracle, req, KEEP, [VAN], DispatchConfig(retry_interval_s=50), seed=0))
    t = res.trips.set_index("request_id")
    assert t.loc[1, ["status", "pickup_time_s", "dropoff_time_s"]].tolist() == [
        "served", 1020, 1090]
    assert t.loc[2, ["status", "reason"]].tolist() == ["cancelled", "deadline_passed"]
    assert t.loc[2, ["vehicle_id", "pickup_time_s", "wait_s"]].tolist() == [-1, -1, -1]
    assert _cancel_events(res) == [[1100, 2]]
    assert res.kpis["n_cancelled"] == 1


def test_cancel_tick_follows_the_retry_interval():
    """As above with a retry every 30 s (ticks 1020, 1050, 1080): 1050 <= 1065 keeps B, so
    the first tick past the deadline is 1080."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 1, 4, 1), (2, 1005, 4, 3, 1)])
    res = simulate(SimInputs(net, oracle, req, KEEP, [VAN], DispatchConfig(retry_interval_s=30), seed=0))
    assert _cancel_events(res) == [[1080, 2]]


def test_deadline_exactly_at_a_tick_is_still_retried():
    """B at t = 990 has deadline 1050; the tick at 1050 is not past it (1050 > 1050 is
    false), so B is retried there (the van, at node 2 at 1050, is 40 s from node 4: still
    infeasible) and cancelled at the next tick, 1100."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 980, 1, 4, 1), (2, 990, 4, 3, 1)])
    res = simulate(SimInputs(net, oracle, req, KEEP, [VAN], DispatchConfig(retry_interval_s=50), seed=0))
    assert _cancel_events(res) == [[1100, 2]]


def test_external_origin_deadline_is_at_the_boundary_node():
    """B's origin is a zone 30 s beyond node 4 (origin_offset_s = 30): the van must leave
    node 4 for the zone by 1065 - 30 = 1035, so the tick at 1050 (1050 > 1035) cancels
    it, one tick earlier than without the offset."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 1, 4, 1, 0), (2, 1005, 4, 3, 1, 30)], ["origin_offset_s"])
    res = simulate(SimInputs(net, oracle, req, KEEP, [VAN], DispatchConfig(retry_interval_s=50), seed=0))
    assert _cancel_events(res) == [[1050, 2]]
    assert res.trips.set_index("request_id").loc[2, "reason"] == "deadline_passed"


def test_reject_policy_rejects_at_once_instead():
    """With unserved = reject, B is rejected at its request time 1005 (no_vehicle)."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 1, 4, 1), (2, 1005, 4, 3, 1)])
    service = ServiceConfig(start_s=0, end_s=7200, max_wait_s=60, stop_dwell_s=10,
                            board_s_per_passenger=0, depot_nodes=(0,),
                            initial_positions="depot")
    res = simulate(SimInputs(net, oracle, req, service, [VAN], DispatchConfig(), seed=0))
    ev = res.events
    assert ev.loc[ev["kind"] == "reject", ["time_s", "request_id"]].values.tolist() == [
        [1005, 2]]
    assert res.trips.set_index("request_id").loc[2, "reason"] == "no_vehicle"


def test_dwell_grows_with_the_party():
    """stop_dwell_s 10 + board_s_per_passenger 5 x 3 persons = 25 s at each stop. A party of
    3 (1 -> 2) at t = 1000: pickup at 1020, leaves 1045, node 2 at 1065 (drop-off), stands
    there to 1090. A second request (2 -> 3, 1 person) at t = 1100 finds it parked at node
    2: pickup at 1100, 10 + 5 x 1 = 15 s, drop-off at node 3 at 1100 + 15 + 20 = 1135."""
    net, oracle = grid(1, 5)
    service = ServiceConfig(start_s=0, end_s=7200, max_wait_s=600, stop_dwell_s=10,
                            board_s_per_passenger=5, depot_nodes=(0,),
                            initial_positions="depot")
    req = _requests([(1, 1000, 1, 2, 3), (2, 1100, 2, 3, 1)])
    res = simulate(SimInputs(net, oracle, req, service, [VehicleTypeConfig("van", 1, 4)], DispatchConfig(), seed=0))
    t = res.trips.set_index("request_id")
    assert t.loc[1, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1020, 1065]
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == [1100, 1135]


# ---------------------------------------------------------------- windows of make_requests

WINDOWS = ServiceConfig(start_s=3600, end_s=7200, max_wait_s=600, detour_factor=1.5,
                        detour_const_s=300, prebook_release_s=1800)


VANS = (VehicleTypeConfig("van", 2, 4),)


def _state(rows, service=WINDOWS, fleet=VANS):
    net, oracle = grid(1, 5, 210.0)
    tables = type_tables(net, oracle, tuple(fleet))
    req = pd.DataFrame(rows, columns=["request_id", "request_time_s", "origin_node",
                                      "dest_node", "passengers", "earliest_pickup_s",
                                      "latest_dropoff_s", "booking_time_s"])
    for c in ("earliest_pickup_s", "latest_dropoff_s", "booking_time_s"):
        req[c] = req[c].astype("Int64")
    return make_requests(req, net, tables[0], tables, fleet, service, None)


NA = pd.NA


def test_windows_by_hand():
    """21 s per hop. Deadlines: pickup = earliest + 600; drop-off = pickup deadline +
    ceil(1.5 x direct) + 300, or latest_dropoff_s when earlier.

    - 1: at 4000, 1 -> 2 (direct 21): pickup by 4600, drop-off by 4600 + ceil(31.5) = 32
      + 300 = 4932; released at 4000.
    - 2: at 4000, 0 -> 4 (direct 84), latest drop-off 4700: 4600 + 126 + 300 = 5026 ->
      4700.
    - 3: booked at 3000 for 6000, 0 -> 1 (direct 21): released at
      max(3000, 6000 - 1800) = 4200; pickup [6000, 6600]; drop-off by 6600 + 32 + 300 =
      6932.
    - 4: booked at 5000 for 6000 (later than 6000 - 1800 = 4200): released at 5000.
    - 5: earliest 3000 given at request time 4000 (in the past): pickup from 3000, released
      at the request time 4000 (booking none) and rejected outside_hours (3000 < 3600).
    """
    st = _state([(1, 4000, 1, 2, 1, NA, NA, NA), (2, 4000, 0, 4, 1, NA, 4700, NA),
                 (3, 1000, 0, 1, 1, 6000, NA, 3000), (4, 5000, 0, 1, 1, 6000, NA, 5000),
                 (5, 4000, 2, 3, 1, 3000, NA, NA)])
    assert st.direct_s.tolist() == [21, 84, 21, 21, 21]
    assert st.early[0].tolist() == [4000, 4000, 6000, 6000, 3000]
    assert st.late_pick[0].tolist() == [4600, 4600, 6600, 6600, 3600]
    assert st.late_drop[0].tolist()[:4] == [4932, 4700, 6932, 6932]
    assert st.release_s.tolist()[:4] == [4000, 4000, 4200, 5000]
    assert list(st.reason) == ["", "", "", "", "outside_hours"]


def test_release_never_after_the_desired_pickup():
    """Booked at 5000 for 4500 (booking after the pickup; the request made at 4000):
    released at min(max(5000, 4500 - 1800), max(4500, 4000)) = 4500."""
    st = _state([(1, 4000, 1, 2, 1, 4500, NA, 5000)])
    assert st.release_s.tolist() == [4500]


def test_hours_are_half_open():
    """[3600, 7200): 3599 and 7200 are outside, 3600 and 7199 inside; a type with its own
    hours [4000, 5000) narrows them."""
    t = np.array([3599, 3600, 3999, 4000, 4999, 5000, 7199, 7200])
    assert in_service_hours(t, WINDOWS, []).tolist() == [False, True, True, True, True, True,
                                                          True, False]
    assert in_service_hours(t, WINDOWS, [(4000, 5000)]).tolist() == [
        False, False, False, True, True, False, False, False]
    st = _state([(k, int(x), 1, 2, 1, NA, NA, NA) for k, x in enumerate(t)])
    assert [r == "outside_hours" for r in st.reason] == [True, False, False, False, False,
                                                         False, False, True]


def test_structural_rejections_by_hand():
    """Largest van seats 4: a party of 5 is too_many_passengers, of 4 fine; origin =
    destination is same_node; a type of 0 vehicles does not count for the seats."""
    fleet = (VehicleTypeConfig("van", 1, 4), VehicleTypeConfig("bus", 0, 8))
    st = _state([(1, 4000, 1, 2, 5, NA, NA, NA), (2, 4000, 1, 2, 4, NA, NA, NA),
                 (3, 4000, 2, 2, 1, NA, NA, NA)], fleet=fleet)
    assert list(st.reason) == ["too_many_passengers", "", "same_node"]


def test_external_offsets_enter_direct_time_and_deadline():
    """Origin zone 30 s beyond node 1, destination zone 40 s beyond node 2: direct door to
    door = 30 + 21 + 40 = 91 s; drop-off deadline 4600 + ceil(1.5 x 91 = 136.5) = 137 + 300
    = 5037; the offset distances at the default 50 km/h: (30 + 40) x 13.889 m/s = 972.2 m
    plus the 210 m of the road."""
    net, oracle = grid(1, 5, 210.0)
    fleet = (VehicleTypeConfig("van", 2, 4),)
    tables = type_tables(net, oracle, fleet)
    req = _requests([(1, 4000, 1, 2, 1, 30, 40)], ["origin_offset_s", "dest_offset_s"])
    st = make_requests(req, net, tables[0], tables, fleet, WINDOWS, None)
    assert st.direct_s.tolist() == [91]
    assert st.late_drop[0].tolist() == [5037]
    assert st.direct_m[0] == pytest.approx(210.0 + 70 * 50 / 3.6)


def test_stop_based_windows_by_hand():
    """A stop-based type with explicit stops at nodes 0 and 3 (21 s hops, 210 m apart).
    Walk = ceil(210 m x 1.3 / 1.25 m/s = 218.4) = 219 s to the nearest stop.

    - 1 -> 4 at 4000: boards at stop 0, alights at stop 3 (direct tt[0, 3] = 63 s); earliest
      pickup 4000 + 219 = 4219, deadline 4819; drop-off by min(4819 + ceil(94.5) + 300 =
      5214, latest 5300 - walk 219 = 5081) = 5081; walk 438 s.
    - 1 -> 0: both ends at stop 0: not offered (o = d = -1), rejected no_stop.
    """
    fleet = (VehicleTypeConfig("shuttle", 1, 4, kind="shuttle", stop_based=True),)
    net, oracle = grid(1, 5, 210.0)
    tables = type_tables(net, oracle, fleet)
    req = pd.DataFrame({"request_id": [1, 2], "request_time_s": [4000, 4000],
                        "origin_node": [1, 1], "dest_node": [4, 0], "passengers": [1, 1],
                        "latest_dropoff_s": pd.array([5300, NA], dtype="Int64")})
    st = make_requests(req, net, tables[0], tables, fleet, WINDOWS, {"shuttle": np.array([0, 3])})
    assert (st.o[0].tolist(), st.d[0].tolist()) == ([0, -1], [3, -1])
    assert st.early[0, 0] == 4219 and st.late_pick[0, 0] == 4819
    assert st.late_drop[0, 0] == 5081
    assert st.walk_s[0, 0] == 438
    assert list(st.reason) == ["", "no_stop"]


def test_stop_based_without_explicit_stops_uses_virtual_stops():
    """No stops given: the type's stops are the virtual ones (every 400 m); a request's
    stops are among them."""
    from kl_mobility.sim.travel import virtual_stops

    fleet = (VehicleTypeConfig("shuttle", 1, 4, kind="shuttle", stop_based=True),)
    net, oracle = grid(3, 5)
    tables = type_tables(net, oracle, fleet)
    x, y = np.asarray(net.node_x), np.asarray(net.node_y)
    req = _requests([(1, 4000, 0, 14, 1)])
    st = make_requests(req, net, tables[0], tables, fleet, WINDOWS, None)
    virtual = set(virtual_stops(x, y, 400.0).tolist())
    assert st.o[0, 0] in virtual and st.d[0, 0] in virtual and st.o[0, 0] != st.d[0, 0]


def test_type_outside_its_hours_is_not_offered():
    """A van with hours [5000, 6000) next to one with the service's: a request at 4000 is
    offered only to the second (o = d = -1 for the first), at 5500 to both."""
    fleet = (VehicleTypeConfig("late", 1, 4, start_s=5000, end_s=6000),
             VehicleTypeConfig("van", 1, 4))
    st = _state([(1, 4000, 1, 2, 1, NA, NA, NA), (2, 5500, 1, 2, 1, NA, NA, NA)], fleet=fleet)
    assert st.o.tolist() == [[-1, 1], [1, 1]] and st.d.tolist() == [[-1, 2], [2, 2]]


@pytest.mark.parametrize(("col", "node"), [("origin_node", -1), ("origin_node", 5),
                                           ("dest_node", -1), ("dest_node", 5)])
def test_node_ids_outside_the_network_are_errors(col, node):
    """Nodes are 0..4: -1 and 5 are refused by name (4 is fine)."""
    rows = {"origin_node": 1, "dest_node": 4}
    rows[col] = node
    with pytest.raises(ValueError, match=f"{col} must be network node ids 0..4"):
        _state([(1, 4000, rows["origin_node"], rows["dest_node"], 1, NA, NA, NA)])
    # the bad one among good ones (neither the least nor the greatest id alone decides)
    with pytest.raises(ValueError, match=f"{col} must be network node ids 0..4"):
        _state([(1, 4000, 2, 3, 1, NA, NA, NA),
                (2, 4000, rows["origin_node"], rows["dest_node"], 1, NA, NA, NA)])
    _state([(1, 4000, 0, 4, 1, NA, NA, NA), (2, 4000, 4, 0, 1, NA, NA, NA)])


def test_depot_nodes_are_checked():
    """Depots must be node ids 0..4: (4,) is fine, (5,) an error."""
    from kl_mobility.sim.setup import depot_nodes

    net, _ = grid(1, 5)
    x, y = np.asarray(net.node_x), np.asarray(net.node_y)
    assert depot_nodes(ServiceConfig(depot_nodes=(4,)), x, y).tolist() == [4]
    with pytest.raises(ValueError, match="depot_nodes"):
        depot_nodes(ServiceConfig(depot_nodes=(5,)), x, y)
    # none given: the node nearest the centre (node 2 of 0..4)
    assert depot_nodes(ServiceConfig(), x, y).tolist() == [2]
    # an uneven layout: centre = mean (480, 500); squared distances 90,400, 54,400,
    # 154,400, 256,400, 192,400 m^2 -> node 1 (600, 300)
    x = np.array([500.0, 600.0, 100.0, 400.0, 800.0])
    y = np.array([800.0, 300.0, 600.0, 0.0, 800.0])
    assert depot_nodes(ServiceConfig(), x, y).tolist() == [1]


def test_missing_offset_distance_counts_zero():
    """origin_offset_m given but empty: 0 m off the road, so direct_m is the road's 210 m;
    a given 500 m is added as it is."""
    net, oracle = grid(1, 5, 210.0)
    fleet = (VehicleTypeConfig("van", 2, 4),)
    tables = type_tables(net, oracle, fleet)
    req = _requests([(1, 4000, 1, 2, 1, 30), (2, 4000, 1, 2, 1, 30)], ["origin_offset_s"])
    req["origin_offset_m"] = pd.array([NA, 500.0], dtype="Float64")
    st = make_requests(req, net, tables[0], tables, fleet, WINDOWS, None)
    assert st.direct_m.tolist() == [210.0, 710.0]


# ---------------------------------------------------------------- external zones, dwell

EXT = ServiceConfig(start_s=0, end_s=7200, max_wait_s=600, stop_dwell_s=10,
                    board_s_per_passenger=0, depot_nodes=(0,), initial_positions="depot")


@pytest.mark.parametrize(("policy", "times"), [
    # immediate: A picked at node 1 at 1020, node 4 at 1090, drop in the zone at 1190,
    # the van back at node 4 and free at 1090 + 10 + 2 x 100 = 1300: B picked at 1300,
    # leaves 1310, node 3 at 1330
    ("insertion", {1: [1020, 1190], 2: [1300, 1330]}),
    # batch every 30 s: A assigned at 1020, picked at 1040, node 4 at 1110, drop at 1210,
    # free at 1320; B (t = 1100) assigned at 1110, picked at 1320, node 3 at 1350
    ("batch", {1: [1040, 1210], 2: [1320, 1350]}),
])
def test_external_drop_off_keeps_the_van_out_and_back(policy, times):
    """A (1 -> a zone 100 s beyond node 4) at 1000, B (4 -> 3) at 1100: the van stands at the
    drop-off for dwell + 2 x offset (out to the zone and back) before it can take B."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 1, 4, 1, 100), (2, 1100, 4, 3, 1, 0)], ["dest_offset_s"])
    res = simulate(SimInputs(net, oracle, req, EXT, [VehicleTypeConfig("van", 1, 4)], DispatchConfig(policy=policy), seed=0, external_speed_kmh=36.0))
    t = res.trips.set_index("request_id")
    for rid, (pick, drop) in times.items():
        assert t.loc[rid, ["pickup_time_s", "dropoff_time_s"]].tolist() == [pick, drop]


@pytest.mark.parametrize(("policy", "latest", "served"), [
    ("insertion", 1390, True), ("insertion", 1389, False),
    ("batch", 1410, True), ("batch", 1409, False),
])
def test_external_pickup_window_and_dwell_decide_feasibility(policy, latest, served):
    """A zone 120 s beyond node 4 -> node 1 at 1000, latest drop-off ``latest``. Immediate:
    the van reaches node 4 at 1080, the rider boards at 1200, the van is back and leaves
    node 4 at 1080 + 10 + 2 x 120 = 1330, node 1 at 1390. Batch (assigned at the tick at
    1020): node 4 at 1100, leaves 1350, node 1 at 1410. So 1390 / 1410 is just feasible
    and one second less is not (rejected at once, no_vehicle)."""
    net, oracle = grid(1, 5)
    req = _requests([(1, 1000, 4, 1, 1, 120, latest)], ["origin_offset_s", "latest_dropoff_s"])
    res = simulate(SimInputs(net, oracle, req, EXT, [VehicleTypeConfig("van", 1, 4)], DispatchConfig(policy=policy), seed=0, external_speed_kmh=36.0))
    t = res.trips.set_index("request_id").loc[1]
    if served:
        assert t["status"] == "served" and t["dropoff_time_s"] == latest
    else:
        assert (t["status"], t["reason"]) == ("rejected", "no_vehicle")


@pytest.mark.parametrize(("b_early", "b_latest", "a_times", "b_times"), [
    # A before B fits exactly: A picked at 1080, dropped in the zone at 1110 + 50 = 1160,
    # the van back and leaving node 2 at 1110 + 10 + 100 = 1220, node 4 at 1260 = B's
    # earliest pickup, B dropped at node 3 at 1260 + 10 + 20 = 1290 = its latest
    (1260, 1290, [1080, 1160], [1260, 1290]),
    # one second tighter for B (pickup from 1259, drop by 1289): A's drop-off before B
    # would bring B one second late, so A rides along: picked at 1080 (node 2 at 1060 ->
    # node 1), to node 4 by 1150, B picked at 1259, dropped at node 3 at 1289, leaves
    # 1299, node 2 at 1319, A dropped in the zone at 1319 + 50 = 1369
    (1259, 1289, [1080, 1369], [1259, 1289]),
])
def test_batch_insertion_before_a_booked_stop_counts_the_external_dwell(b_early, b_latest,
                                                                        a_times, b_times):
    """Batch dispatch every 30 s. B (4 -> 3, pickup from ``b_early``, drop-off by
    ``b_latest``) is assigned alone at the tick at 1020 (the van heads for node 4). A
    (1 -> a zone 50 s beyond node 2) at 1030 is assigned at the tick at 1050, with the van
    between nodes 1 and 2 (re-planned from node 2 at 1060): inserting A before B holds the
    van at node 2 for the drop-off's dwell + 2 x 50 s, which decides whether B's deadline
    still holds."""
    net, oracle = grid(1, 5)
    req = pd.DataFrame({"request_id": [1, 2], "request_time_s": [1030, 1000],
                        "origin_node": [1, 4], "dest_node": [2, 3], "passengers": [1, 1],
                        "dest_offset_s": [50, 0],
                        "earliest_pickup_s": pd.array([NA, b_early], dtype="Int64"),
                        "latest_dropoff_s": pd.array([NA, b_latest], dtype="Int64")})
    res = simulate(SimInputs(net, oracle, req, EXT, [VehicleTypeConfig("van", 1, 4)], DispatchConfig(policy="batch"), seed=0, external_speed_kmh=36.0))
    t = res.trips.set_index("request_id")
    assert t.loc[1, ["pickup_time_s", "dropoff_time_s"]].tolist() == a_times
    assert t.loc[2, ["pickup_time_s", "dropoff_time_s"]].tolist() == b_times
