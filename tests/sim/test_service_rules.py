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
