"""What the independent checker reports, exactly: violations, schedule, arrivals.

The tiny line instance (tests/data/routing/README.md): depot at x = 0, request 0 from
location 1 (x = 1) to location 3 (x = 3), request 1 from location 2 (x = 2) to location 4
(x = 4), end depot location 5 at x = 0; time = distance; route duration limit 100.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kl_mobility.routing import check_routes, read_cordeau


@pytest.fixture
def line(tiny_darp):
    return read_cordeau(tiny_darp).problem


def test_window_violation_is_the_only_violation_and_the_schedule_is_earliest_start(line):
    """Route 1, 3, 2, 4 with location 3 due by 2.5: earliest starts 0, 1, 3 (late), 4, 6 and
    the end depot at 6 + 4 = 10. Exactly one violation is reported (the window; no ride or
    duration message follows from it) and the schedule shown is that earliest-start one."""
    late = line.tw_late.copy()
    late[3] = 2.5
    rep = check_routes(replace(line, tw_late=late), [[1, 3, 2, 4]])
    assert rep.violations == ("vehicle 0: time window of stop 2 (location 3) missed: "
                              "earliest service start 3.0000 > latest 2.5000",)
    r = rep.routes[0]
    np.testing.assert_allclose([s.start for s in r.stops], [0, 1, 3, 4, 6, 10])
    np.testing.assert_allclose([s.arrival for s in r.stops], [0, 1, 3, 4, 6, 10])
    assert r.duration == pytest.approx(10.0)
    assert rep.distance == pytest.approx(1 + 2 + 1 + 2 + 4)


def test_service_times_give_arrivals_starts_and_departures(line):
    """Service 0.5 at every customer stop, route 1, 2, 3, 4: starts 0, 1, 2.5, 4, 5.5 and
    the end at 6 + 4 = 10; arrival = previous start + 0.5 + 1 (no waiting); departure =
    start + 0.5; duration 10."""
    service = line.service.copy()
    service[1:5] = 0.5
    rep = check_routes(replace(line, service=service), [[1, 2, 3, 4]])
    assert rep.feasible, rep.violations
    stops = rep.routes[0].stops
    # (the reported schedule may sit up to the checker's tolerance 1e-6 per stop early)
    np.testing.assert_allclose([s.start for s in stops], [0, 1, 2.5, 4, 5.5, 10], atol=1e-4)
    np.testing.assert_allclose([s.arrival for s in stops], [0, 1, 2.5, 4, 5.5, 10], atol=1e-4)
    np.testing.assert_allclose([s.departure for s in stops], [0, 1.5, 3, 4.5, 6, 10], atol=1e-4)
    assert [s.request for s in stops] == [-1, 0, 1, 0, 1, -1]
    assert rep.routes[0].duration == pytest.approx(10.0, abs=1e-4)


def test_waiting_shows_in_arrival_before_start(line):
    """Location 2 opens at 5 (no ride limit): the compact schedule leaves the depot at 3
    (so that it ends as early as possible, 11, with no waiting): arrivals equal starts.
    Without the depot shift the vehicle would arrive at location 2 at 2 and wait to 5."""
    early = line.tw_early.copy()
    early[2] = 5.0
    rep = check_routes(replace(line, tw_early=early), [[1, 2, 3, 4]])
    assert rep.feasible, rep.violations
    stops = rep.routes[0].stops
    np.testing.assert_allclose([s.start for s in stops], [3, 4, 5, 6, 7, 11], atol=1e-4)
    np.testing.assert_allclose([s.arrival for s in stops], [3, 4, 5, 6, 7, 11], atol=1e-4)
    assert rep.routes[0].duration == pytest.approx(8.0, abs=1e-4)
