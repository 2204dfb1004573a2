"""The independent feasibility checker accepts feasible plans and names each violation.

The problems are built on the tiny line instance (tests/data/routing/README.md): depot at
x = 0, request 0 from x = 1 to x = 3 (locations 1 -> 3), request 1 from x = 2 to x = 4
(locations 2 -> 4), end depot location 5 at x = 0; time = distance, no service times.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kl_mobility.routing import check_routes, read_cordeau


@pytest.fixture
def line(tiny_darp):
    return read_cordeau(tiny_darp).problem


def test_feasible_plan_distance_and_schedule(line):
    """0-1-2-3-4-0: distance 1+1+1+1+4 = 8, loads 1, 2, 1, 0."""
    rep = check_routes(line, [[1, 2, 3, 4]])
    assert rep.feasible, rep.violations
    assert rep.distance == pytest.approx(8.0)
    assert rep.n_vehicles_used == 1
    r = rep.routes[0]
    assert [s.kind for s in r.stops] == ["start", "pickup", "pickup", "delivery", "delivery",
                                         "end"]
    assert [s.load for s in r.stops] == [0, 1, 2, 1, 0, 0]
    assert r.locations == [1, 2, 3, 4]
    # the compact schedule has no waiting here: duration = travel = 8
    assert r.duration == pytest.approx(8.0)


def test_capacity_violation(line):
    """Capacity 1: both on board between x = 2 and x = 3."""
    rep = check_routes(replace(line, capacity=1), [[1, 2, 3, 4]])
    assert not rep.feasible
    assert any("capacity 1 exceeded at stop 2" in v for v in rep.violations)


def test_order_violation(line):
    rep = check_routes(line, [[3, 1, 2, 4]])
    assert any("request 0: delivery before pickup" in v for v in rep.violations)


def test_split_and_missing_requests(line):
    two = line.with_vehicles(2)
    rep = check_routes(two, [[1], [3, 2, 4]])
    assert any("request 0: pickup on vehicle 0, delivery on vehicle 1" in v
               for v in rep.violations)
    rep = check_routes(line, [[1, 3]])
    assert rep.violations == ("request 1 not served",)
    assert rep.dropped == (1,)
    # dropping is allowed when the problem has a drop penalty
    assert check_routes(replace(line, drop_penalty=5.0), [[1, 3]]).feasible


def test_duplicates_and_unknown_locations(line):
    rep = check_routes(line, [[1, 1, 3, 2, 4, 0]])
    assert any("location 1 visited twice" in v for v in rep.violations)
    assert any("location 0 is no pickup or delivery" in v for v in rep.violations)


def test_time_window_violation(line):
    """Drop-off of request 0 (x = 3) due by 2.5; the earliest arrival is 3."""
    late = line.tw_late.copy()
    late[3] = 2.5
    rep = check_routes(replace(line, tw_late=late), [[1, 3, 2, 4]])
    assert any("time window of stop 2 (location 3) missed" in v for v in rep.violations)


def test_ride_time_violation(line):
    """Ride limit 1.5: request 0 rides x = 1 -> 3, at least 2 time units."""
    rep = check_routes(replace(line, max_ride=1.5), [[1, 3, 2, 4]])
    assert any("maximum ride time 1.5 of request 0" in v for v in rep.violations)


def test_duration_violation(line):
    rep = check_routes(replace(line, max_duration=7.5), [[1, 2, 3, 4]])
    assert any("maximum route duration 7.5" in v for v in rep.violations)


def test_waiting_must_be_shifted_to_the_depot(line):
    """Request 1's pickup opens at 5; with ride limit 3 request 0 must not be picked up at 1.

    Earliest-start service would pick up request 0 at t = 1, wait at x = 2 until 5 and drop
    it at 6: ride 5 > 3. Leaving the depot at 4 instead gives pickups at 4 and 5, drop-offs
    at 6 and 7: rides 2 and 2. A checker that only simulates earliest starts rejects this
    feasible plan; the temporal-network check accepts it.
    """
    early = line.tw_early.copy()
    early[2] = 5.0
    p = replace(line, tw_early=early, max_ride=3.0)
    rep = check_routes(p, [[1, 2, 3, 4]])
    assert rep.feasible, rep.violations
    starts = [s.start for s in rep.routes[0].stops]
    np.testing.assert_allclose(starts, [3, 4, 5, 6, 7, 11], atol=1e-4)
    # reported schedule: end as early as possible (11 = drop-off 7 + 4 back), then leave the
    # depot as late as that allows (3), then every stop as early as possible


def test_too_many_routes(line):
    rep = check_routes(line, [[1, 3], [2, 4]])
    assert any("2 routes for 1 vehicles" in v for v in rep.violations)
