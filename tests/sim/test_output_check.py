"""The independent output checker finds each kind of broken output it promises to find.

One small day (3 x 3 grid, 20 s edges, 12 requests, 2 vans of 2 seats) is simulated and
checks clean; then single tables are altered the way a faulty policy or engine would leave
them, and the checker must name the invariant.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from simhelpers import grid, random_requests

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.results.check import check_outputs
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

SERVICE = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, max_wait_s=600)


@pytest.fixture(scope="module")
def day():
    net, oracle = grid(3, 3)
    requests = random_requests(np.random.default_rng(4), 12, net.n_nodes, 8 * 3600,
                               8 * 3600 + 900)
    res = simulate(SimInputs(net, oracle, requests, SERVICE, [VehicleTypeConfig("van", 2, 2)],
                             DispatchConfig(), seed=1), record_legs=True)
    assert res.kpis["n_served"] >= 3
    return res, requests, oracle


def _names(res, requests, oracle):
    return {v.invariant for v in check_outputs(res, requests, SERVICE, oracle.tt, oracle.dist)}


def test_a_simulated_day_is_clean(day):
    assert _names(*day) == set()


def test_each_alteration_is_named(day):
    res, requests, oracle = day
    served = np.flatnonzero((res.trips["status"] == "served").to_numpy())
    k = int(served[0])
    cases = {}
    r = copy.deepcopy(res)
    r.trips = r.trips.drop(index=r.trips.index[k])
    cases["every request in the trips table"] = r
    r = copy.deepcopy(res)
    # the latest drop-off is at most pickup deadline + 1.5 x direct + 300 s; one day later
    r.trips.loc[r.trips.index[k], "dropoff_time_s"] += 86_400
    cases["drop-off by the latest drop-off"] = r
    r = copy.deepcopy(res)
    r.vehicles["capacity"] = 0  # every boarding now exceeds the seats
    cases["load within capacity"] = r
    r = copy.deepcopy(res)
    r.legs = r.legs[1:] if r.legs else r.legs
    cases["vehicle-km = driven paths"] = r
    r = copy.deepcopy(res)
    dup = r.events[r.events["kind"] == "dropoff"].iloc[:1]
    r.events = __import__("pandas").concat([r.events, dup], ignore_index=True)
    cases["one final event per request (nothing served twice)"] = r
    for name, altered in cases.items():
        assert name in _names(altered, requests, oracle), name
