"""The on-demand alternative only where and when the vehicle types can take the trip.

Fixtures (tests/demand/conftest.py): the 8 x 10 grid (200 m spacing) with 2,000 residents
and two external zones. Walking rules as the service defaults: 600 m at most, detour 1.3,
4.5 km/h = 1.25 m/s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kl_mobility.demand import ServiceArea, ServiceLevel, generate_demand
from kl_mobility.sim.config import ServiceConfig
from kl_mobility.sim.travel import nearest_stop

H = 3600
ALL_DAY = (0, 24 * H)


def test_stop_access_hand_checked():
    """Stops at (0, 0) and (1000, 0) metres.
    Trip A (300, 0) -> (1000, 400): 300 m x 1.3 = 390 m, 312 s; 400 x 1.3 = 520 m, 416 s;
    both <= 600 m and different stops -> available, walk 728 s.
    Trip B (0, 500) -> (1000, 0): 500 x 1.3 = 650 m > 600 -> not available.
    Trip C (100, 0) -> (200, 0): both ends nearest the same stop -> not available."""
    area = ServiceArea((0,), (24 * H,), (np.array([[0.0, 0.0], [1000.0, 0.0]]),))
    ok, walk = area.stop_access(area.stops_xy[0], np.array([300.0, 0.0, 100.0]),
                                np.array([0.0, 500.0, 0.0]), np.array([1000.0, 1000.0, 200.0]),
                                np.array([400.0, 0.0, 0.0]))
    assert list(ok) == [True, False, False]
    assert walk[0] == 728.0


def test_union_of_type_hours_and_door_to_door_types():
    """A door-to-door type 07-09 h and a stop type 19-24 h with stops at (0,0), (1000,0):
    trip (0,0) -> (1000,0) is available at 08:00 (door to door, walk NaN = the level's
    access walk) and 20:00 (stops, walk 0), not at 12:00."""
    area = ServiceArea((7 * H, 19 * H), (9 * H, 24 * H),
                       (None, np.array([[0.0, 0.0], [1000.0, 0.0]])))
    t = np.array([8 * H, 12 * H, 20 * H])
    ok, walk = area.access(t, np.zeros(3), np.zeros(3), np.full(3, 1000.0), np.zeros(3))
    assert list(ok) == [True, False, True]
    assert np.isnan(walk[0]) and np.isnan(walk[1]) and walk[2] == 0.0


@pytest.mark.parametrize("bad", [
    {"start_s": (0, 1), "end_s": (1,), "stops_xy": (None,)},
    {"start_s": (5,), "end_s": (4,), "stops_xy": (None,)},
    {"start_s": (0,), "end_s": (1,), "stops_xy": (np.zeros(3),)},
])
def test_bad_area_is_an_error(bad):
    with pytest.raises(ValueError):
        ServiceArea(**bad)


def _stops(grid, nodes):
    return np.column_stack([grid.node_x[nodes], grid.node_y[nodes]])


@pytest.fixture(scope="module")
def demand_pair(grid, grid_oracle, grid_config, grid_zones):
    """Same seed, a generous service level, without and with an area: stops at four nodes
    (two corners and two inner nodes), one stop-based type 06-22 h."""
    level = ServiceLevel(wait_s=120, detour_factor=1.1, fare_eur=0.5)
    stop_nodes = np.array([0, 33, 46, 79])
    area = ServiceArea((6 * H,), (22 * H,), (_stops(grid, stop_nodes),))
    kw = {"seed": 4, "service_level": level, "zones": grid_zones, "service_hours": ALL_DAY}
    free = generate_demand(grid, grid_oracle, grid_config, **kw)
    stops = generate_demand(grid, grid_oracle, grid_config, service_area=area, **kw)
    return free, stops, stop_nodes


def test_requests_only_where_the_simulation_can_serve_them(grid, demand_pair):
    """Every request of the stop-restricted demand has both ends within 600 m walk of two
    different stops, as the simulation computes it, and starts in 06-22 h."""
    _, dem, stop_nodes = demand_pair
    req = dem.requests
    assert len(req) > 20
    service = ServiceConfig()
    x, y = np.asarray(grid.node_x), np.asarray(grid.node_y)
    so, _ = nearest_stop(stop_nodes, x, y, req["origin_node"].to_numpy(np.int64), service)
    sd, _ = nearest_stop(stop_nodes, x, y, req["dest_node"].to_numpy(np.int64), service)
    assert (so >= 0).all() and (sd >= 0).all() and (so != sd).all()
    t = req["request_time_s"].to_numpy()
    assert ((t >= 6 * H) & (t < 22 * H)).all()


def test_area_only_removes_switches_and_keeps_trips_and_base_modes(demand_pair):
    """Same trips, ends and base modes (the base case is untouched); the on-demand trips with
    the area are a strict subset of those without (availability and the walk, beta_access <
    0, can only lower the switch probability under common random numbers)."""
    free, dem, _ = demand_pair
    cols = ["trip_id", "depart_s", "origin_node", "dest_node", "base_mode"]
    pd.testing.assert_frame_equal(free.trips[cols], dem.trips[cols])
    od_free = set(free.trips.loc[free.trips["mode"] == "ondemand", "trip_id"])
    od_area = set(dem.trips.loc[dem.trips["mode"] == "ondemand", "trip_id"])
    assert od_area < od_free


def test_walk_lowers_the_switch_probability(grid, grid_oracle, grid_config, grid_zones):
    """With every node a stop (walk 0 m) the area only applies the hours: the same requests
    as without an area in those hours, less those of the outer districts (no stop there);
    with stops at a quarter of the nodes (walks > 0) the on-demand trips are fewer."""
    level = ServiceLevel(wait_s=120, detour_factor=1.1, fare_eur=0.5)
    kw = {"seed": 2, "service_level": level, "zones": grid_zones, "service_hours": ALL_DAY}
    every = ServiceArea((0,), (24 * H,), (_stops(grid, np.arange(grid.n_nodes)),))
    quarter = ServiceArea((0,), (24 * H,), (_stops(grid, np.arange(0, grid.n_nodes, 4)),))
    free = generate_demand(grid, grid_oracle, grid_config, **kw)
    d_every = generate_demand(grid, grid_oracle, grid_config, service_area=every, **kw)
    d_quarter = generate_demand(grid, grid_oracle, grid_config, service_area=quarter, **kw)
    # every node a stop: only trips whose ends share a node (same stop) and trips of the
    # outer districts are lost
    req = free.requests
    lost = ((req["origin_node"] == req["dest_node"]) | (req["origin_offset_s"] > 0)
            | (req["dest_offset_s"] > 0))
    assert 0 < int(lost.sum()) < len(req)
    assert len(d_every.requests) == len(req) - int(lost.sum())
    assert len(d_quarter.requests) < len(d_every.requests)


def test_door_to_door_area_in_service_hours_changes_nothing(grid, grid_oracle, grid_config,
                                                           grid_zones):
    """A door-to-door type over the service hours: requests identical bit for bit."""
    kw = {"seed": 3, "zones": grid_zones, "service_hours": (5 * H, 24 * H)}
    area = ServiceArea((5 * H,), (24 * H,), (None,))
    a = generate_demand(grid, grid_oracle, grid_config, **kw)
    b = generate_demand(grid, grid_oracle, grid_config, service_area=area, **kw)
    pd.testing.assert_frame_equal(a.requests, b.requests)


def test_stop_types_never_take_trips_of_outer_districts():
    """Two stops 1 km apart; a trip between them qualifies, the same trip marked as having
    an end in an outer district does not, for stop types; a door-to-door type takes both."""
    import numpy as np

    from kl_mobility.demand.servicearea import ServiceArea

    stops = np.array([[0.0, 0.0], [1000.0, 0.0]])
    depart = np.array([36_000, 36_000])
    ox, oy = np.array([10.0, 10.0]), np.array([0.0, 0.0])
    dx, dy = np.array([990.0, 990.0]), np.array([0.0, 0.0])
    external = np.array([False, True])
    stop_only = ServiceArea(start_s=(0,), end_s=(86_400,), stops_xy=(stops,))
    ok, _ = stop_only.access(depart, ox, oy, dx, dy, external=external)
    assert ok.tolist() == [True, False]
    mixed = ServiceArea(start_s=(0, 0), end_s=(86_400, 86_400), stops_xy=(stops, None))
    ok, _ = mixed.access(depart, ox, oy, dx, dy, external=external)
    assert ok.tolist() == [True, True]
