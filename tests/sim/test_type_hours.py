"""Per-vehicle-type operating hours (``VehicleTypeConfig.start_s``/``end_s``).

Network: the 3x3 (and 5x5) two-way grid of :mod:`simhelpers`, 200 m edges at 36 km/h = 20 s
per edge. Every vehicle starts at the depot, node 0 (top-left corner); node 2 is the top-right
corner and node 8 the bottom-right one. Dwell 10 s per stop, no boarding time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simhelpers import grid, random_requests

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

H = 3600
SERVICE = ServiceConfig(start_s=5 * H, end_s=24 * H, max_wait_s=600, stop_dwell_s=10,
                        board_s_per_passenger=0, depot_nodes=(0,), initial_positions="depot")
NIGHT = VehicleTypeConfig("night", 1, 6, start_s=19 * H, end_s=24 * H)
DAY = VehicleTypeConfig("day", 1, 6, start_s=5 * H, end_s=19 * H)


def _req(rows):
    return pd.DataFrame(rows, columns=["request_id", "request_time_s", "origin_node",
                                       "dest_node", "passengers"])


def test_day_request_goes_to_the_day_type_not_the_night_type():
    """Request 1: 2 -> 8 at 10:00 (36000 s). The night van is listed first and stands at
    node 0 like the day van; without hours it would win the tie. With hours only the day van
    may take it: 0 -> 2 is two edges (40 s), pickup 36040, dwell to 36050, 2 -> 8 two edges
    (40 s), drop-off 36090; wait 40 s. Request 2: the same trip at 20:00 (72000 s) is the
    night van's (the day van is off since 19:00): pickup 72040, drop-off 72090."""
    net, oracle = grid(3, 3)
    res = simulate(SimInputs(net, oracle, _req([(1, 36_000, 2, 8, 1), (2, 72_000, 2, 8, 1)]), SERVICE, [NIGHT, DAY], DispatchConfig(), seed=0))
    t = res.trips.set_index("request_id")
    assert list(t["status"]) == ["served", "served"]
    assert list(t["vehicle_type"]) == ["day", "night"]
    assert list(t["vehicle_id"]) == [1, 0]  # scenario order: night van 0, day van 1
    assert (t.loc[1, "pickup_time_s"], t.loc[1, "dropoff_time_s"]) == (36_040, 36_090)
    assert (t.loc[2, "pickup_time_s"], t.loc[2, "dropoff_time_s"]) == (72_040, 72_090)
    assert t.loc[1, "wait_s"] == 40
    # hours in service per type: night 19-24 h = 5 h, day 5-19 h = 14 h
    assert list(res.vehicles["hours_in_service"]) == [5.0, 14.0]


def test_without_own_hours_the_night_van_would_take_it():
    """Control for the test above: same fleet without hours -> the first type (night) wins
    the tie at 10:00."""
    net, oracle = grid(3, 3)
    night = VehicleTypeConfig("night", 1, 6)
    res = simulate(SimInputs(net, oracle, _req([(1, 36_000, 2, 8, 1)]), SERVICE, [night, DAY], DispatchConfig(), seed=0))
    assert res.trips.iloc[0]["vehicle_type"] == "night"


def test_no_active_type_covers_the_request_outside_hours():
    """Only the night type runs (day type count 0): a 10:00 request is rejected as
    ``outside_hours`` although the service runs 05-24 h; a 20:00 request is served."""
    net, oracle = grid(3, 3)
    day_off = VehicleTypeConfig("day", 0, 6, start_s=5 * H, end_s=19 * H)
    res = simulate(SimInputs(net, oracle, _req([(1, 36_000, 2, 8, 1), (2, 72_000, 2, 8, 1)]), SERVICE, [NIGHT, day_off], DispatchConfig(), seed=0))
    t = res.trips.set_index("request_id")
    assert (t.loc[1, "status"], t.loc[1, "reason"]) == ("rejected", "outside_hours")
    assert t.loc[2, "status"] == "served"


def test_a_type_past_its_end_takes_no_new_requests_but_finishes_its_schedule():
    """Batch dispatch every 30 s from 05:00, so a tick falls on 19:00 (50400 = 1680 x 30).
    Request 1 (0 -> 8 at 18:58:20 = 68300) is assigned to the day van at the 68310 tick:
    pickup 68310, dwell to 68320, four edges (80 s), drop-off 68400 = 19:00 - the van
    finishes it. Request 2 (2 -> 8 at 68390, earliest pickup in day hours) waits for the
    tick at 68400, when the day type is off: no vehicle takes it (the night type's hours do
    not cover 68390 either) -> rejected ``no_vehicle``."""
    net, oracle = grid(3, 3)
    res = simulate(SimInputs(net, oracle, _req([(1, 68_300, 0, 8, 1), (2, 68_390, 2, 8, 1)]), SERVICE, [NIGHT, DAY], DispatchConfig(policy="batch", batch_interval_s=30), seed=0))
    t = res.trips.set_index("request_id")
    assert (t.loc[1, "status"], t.loc[1, "vehicle_type"]) == ("served", "day")
    assert (t.loc[1, "pickup_time_s"], t.loc[1, "dropoff_time_s"]) == (68_310, 68_400)
    assert (t.loc[2, "status"], t.loc[2, "reason"]) == ("rejected", "no_vehicle")


def test_off_duty_vehicles_are_not_rebalanced():
    """Rebalancing policy, 5x5 grid, day demand 10-12 h only: the night vans neither serve
    nor drive (no rebalancing moves outside their 19-24 h)."""
    net, oracle = grid(5, 5)
    req = random_requests(np.random.default_rng(5), 40, net.n_nodes, 10 * H, 12 * H)
    fleet = [VehicleTypeConfig("night", 2, 6, start_s=19 * H, end_s=24 * H),
             VehicleTypeConfig("day", 2, 6, start_s=5 * H, end_s=19 * H)]
    res = simulate(SimInputs(net, oracle, req, SERVICE, fleet, DispatchConfig(policy="rebalancing", rebalance_zone_m=400.0), seed=1))
    night = res.vehicles[res.vehicles["vehicle_type"] == "night"]
    assert night["km_total"].sum() == 0.0
    assert (res.trips["vehicle_type"] != "night").all()
    assert (res.trips["status"] == "served").sum() > 0


@pytest.mark.parametrize("kw, match", [
    ({"start_s": 20 * H, "end_s": 19 * H}, "end_s"),
    ({"start_s": -1}, "start_s"),
    ({"stops_latlon": ((49.4, 7.7), (49.5, 7.8))}, "stops_latlon"),
    ({"stop_based": True, "stops_latlon": ((49.4, 7.7),)}, "stops_latlon"),
])
def test_bad_hours_and_stops_are_errors_naming_the_field(kw, match):
    with pytest.raises(ValueError, match=f"^{match}"):
        VehicleTypeConfig("x", 1, **kw)


def test_unset_hours_are_the_service_hours():
    assert VehicleTypeConfig("x", 1).hours(SERVICE) == (5 * H, 24 * H)
    assert NIGHT.hours(SERVICE) == (19 * H, 24 * H)


NIGHT_PAST = VehicleTypeConfig("night", 1, 6, start_s=19 * H, end_s=25 * H)
SERVICE_PAST = ServiceConfig(start_s=5 * H, end_s=25 * H, max_wait_s=600, stop_dwell_s=10,
                             board_s_per_passenger=0, depot_nodes=(0,),
                             initial_positions="depot")


def test_hours_past_midnight_serve_the_early_morning_at_the_end_of_the_day():
    """Service 05:00-25:00, a night van 19:00-25:00 (01:00) and a day van 05:00-19:00.
    Request 1 (2 -> 8) wants 00:30 (1800 s): outside the hours as such, but 1800 + 86400 =
    88200 (24:30) lies inside, so it is simulated then, by the night van: 0 -> 2 two edges
    (40 s), pickup 88240, dwell to 88250, 2 -> 8 40 s, drop-off 88290; wait 40 s; the trips
    table shows request_time_s 88200. Request 2 wants 01:30 (5400): 91800 is past 25:00, so
    it stays outside_hours with its own time. Request 3 wants 04:59 (17940): before the
    service and 24 h later past its end: outside_hours. The night van is in service 6 h."""
    net, oracle = grid(3, 3)
    req = _req([(1, 1800, 2, 8, 1), (2, 5400, 2, 8, 1), (3, 17_940, 2, 8, 1)])
    res = simulate(SimInputs(net, oracle, req, SERVICE_PAST, [NIGHT_PAST, DAY], DispatchConfig(), seed=0))
    t = res.trips.set_index("request_id")
    assert list(t["status"]) == ["served", "rejected", "rejected"]
    assert list(t["reason"]) == ["", "outside_hours", "outside_hours"]
    assert list(t["request_time_s"]) == [88_200, 5400, 17_940]
    assert t.loc[1, "vehicle_type"] == "night"
    assert (t.loc[1, "pickup_time_s"], t.loc[1, "dropoff_time_s"]) == (88_240, 88_290)
    assert t.loc[1, "wait_s"] == 40
    assert list(res.vehicles["hours_in_service"]) == [6.0, 14.0]
    assert req["request_time_s"].tolist() == [1800, 5400, 17_940]  # the input is untouched
    # control: the same with hours ending at 24:00 rejects request 1 as outside_hours
    night24 = VehicleTypeConfig("night", 1, 6, start_s=19 * H, end_s=24 * H)
    res24 = simulate(SimInputs(net, oracle, req, SERVICE, [night24, DAY], DispatchConfig(), seed=0))
    assert res24.trips.set_index("request_id").loc[1, "reason"] == "outside_hours"


def test_hours_past_midnight_agree_with_the_demand_models_window():
    """Every quarter hour of the day: the simulation takes a request (in the hours as such
    or 24 h later) exactly when the demand model's wrapped windows (service level
    05:00-25:00 and the night type's 19:00-25:00) count it as available. 00:00-00:45 and
    19:00-23:45 are in (4 + 20 = 24 quarter hours), 01:00 is not (exclusive end)."""
    from kl_mobility.demand.servicearea import in_window
    from kl_mobility.sim.setup import in_service_hours, past_midnight

    t = np.arange(0, 24 * H, 900, dtype=np.int64)
    hours = [NIGHT_PAST.hours(SERVICE_PAST)]
    sim = in_service_hours(t, SERVICE_PAST, hours) | past_midnight(t, SERVICE_PAST, hours)
    demand = in_window(t, 5 * H, 25 * H) & in_window(t, 19 * H, 25 * H)
    assert sim.tolist() == demand.tolist()
    assert int(sim.sum()) == 24
    assert sim[t == 2700].all() and not sim[t == 3600].any()


def test_a_type_keeps_its_own_pickup_deadline():
    """Two door-to-door types, the service's max_wait_s 600 s and the night type's own
    900 s: a request offered to both gets earliest + 600 for the day type and earliest +
    900 for the night type; the drop-off deadline follows (pickup deadline + detour
    factor x direct + const, the night type's 2.0 x direct + 100)."""
    import numpy as np
    import pandas as pd

    from kl_mobility.network import build_oracle, grid_network
    from kl_mobility.sim.config import ServiceConfig, VehicleTypeConfig
    from kl_mobility.sim.setup import make_requests
    from kl_mobility.sim.travel import type_tables

    net = grid_network(1, 4, spacing_m=200.0, speed_kmh=36.0)  # 20 s per edge
    service = ServiceConfig(start_s=0, end_s=86_400, max_wait_s=600, detour_factor=1.5,
                            detour_const_s=300)
    fleet = (VehicleTypeConfig("day", 1),
             VehicleTypeConfig("night", 1, max_wait_s=900, detour_factor=2.0,
                               detour_const_s=100))
    assert fleet[1].rules(service) == (900, 2.0, 100)
    assert fleet[0].rules(service) == (600, 1.5, 300)
    req = pd.DataFrame({"request_id": [0], "request_time_s": [1000], "origin_node": [0],
                        "dest_node": [3], "passengers": [1]})
    oracle = build_oracle(net)
    tables = type_tables(net, oracle, fleet)
    state = make_requests(req, net, tables[0], tables, fleet, service, None)
    # direct 3 edges x 20 s = 60 s
    assert state.late_pick[:, 0].tolist() == [1600, 1900]
    assert state.late_drop[:, 0].tolist() == [1600 + 90 + 300, 1900 + 120 + 100]
    assert np.all(state.early[:, 0] == 1000)
