"""``service.max_stops`` never passes a vehicle over silently: each time a request is offered
while a vehicle's schedule has no room, it is counted and reported."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from simhelpers import grid

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate


def _day(max_stops: int, policy: str = "insertion"):
    """One van of 4 seats on a 2 x 2 grid; three parties of one at node 0 for node 3, all
    at 08:00. With ``max_stops = 4`` the van takes two (4 planned stops) and has no room
    for the third (4 > 4 - 2): one skip, one vehicle, the third request rejected."""
    net, oracle = grid(2, 2)
    req = pd.DataFrame({"request_id": [1, 2, 3], "request_time_s": [28800] * 3,
                        "origin_node": np.zeros(3, np.int32),
                        "dest_node": np.full(3, 3, np.int32),
                        "passengers": np.ones(3, np.int16)})
    service = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, max_stops=max_stops,
                            initial_positions="depot", depot_nodes=(0,))
    return simulate(SimInputs(net, oracle, req, service, [VehicleTypeConfig("van", 1, 4)],
                              DispatchConfig(policy=policy), seed=1))


def test_a_full_schedule_is_counted_and_warned(caplog):
    with caplog.at_level(logging.WARNING):
        res = _day(4)
    assert res.meta["max_stops_skips"] == 1 and res.meta["max_stops_vehicles"] == 1
    assert res.trips.set_index("request_id")["status"].tolist() == ["served", "served",
                                                                      "rejected"]
    assert "max_stops = 4 bound the schedules: 1 vehicle(s)" in caplog.text
    assert "passed over 1 time(s)" in caplog.text


def test_room_enough_counts_nothing(caplog):
    with caplog.at_level(logging.WARNING):
        res = _day(16)
    assert res.meta["max_stops_skips"] == 0 and res.meta["max_stops_vehicles"] == 0
    assert (res.trips["status"] == "served").all()
    assert "max_stops" not in caplog.text


def test_batch_rounds_count_the_full_vehicle_per_request_offered():
    """Batch dispatch: the three arrive in one batch; round 1 gives the van one request
    (one per vehicle per round), round 2 another (schedule 2 -> 4), round 3 offers the
    last request to a full van: one skip."""
    res = _day(4, "batch")
    assert res.meta["max_stops_skips"] == 1 and res.meta["max_stops_vehicles"] == 1
    assert sorted(res.trips["status"]) == ["rejected", "served", "served"]


def test_the_warning_names_its_demand_round(caplog):
    """Within a demand round the simulation's warning names the round (the last one is the
    reported day); outside it the message is unchanged."""
    from kl_mobility.rounds import _round_label

    with caplog.at_level(logging.WARNING):
        with _round_label(3):
            _day(4)
        inside = caplog.text
        caplog.clear()
        _day(4)
    assert "demand round 3: service.max_stops = 4 bound the schedules" in inside
    assert "demand round" not in caplog.text
    assert "service.max_stops = 4 bound the schedules" in caplog.text
