"""A day's demand re-answered at other service levels (``generate_demand(..., same_day=)``,
as the demand rounds do it) is the day drawn anew at that level, on the Kaiserslautern
package scenario (Klima+ 2030: stop-based shuttles and door-to-door vans, the timetable,
the intermodal alternative and the rail passengers of the shuttles).

The day keeps what no level changes (the trip ends' nearest stops, the hubs' nearest
stops, the base modes' denominators, the connections already looked up, the rail
passengers); each test asks at levels whose answers differ from the first level's, so an
answer kept from an earlier level would fail the comparison with the fresh day.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kl_mobility.context import RunContext
from kl_mobility.demand import ServiceLevel
from kl_mobility.demand.modechoice import local_service
from kl_mobility.demand.servicearea import ServiceArea, take_nearest
from kl_mobility.rounds import _scenario_demand, service_area, with_feeder_day
from kl_mobility.scenario import default_scenario_path, scenario_from_file

KLIMA = default_scenario_path().parent / "klima-plus-2030.toml"


@pytest.fixture(scope="module")
def klima_day(kl_network):
    ctx = RunContext.prepare(scenario_from_file(KLIMA))
    area = service_area(ctx.scenario, ctx.network, ctx.stops)
    assert area is not None and any(s is not None for s in area.stops_xy)
    first = _scenario_demand(ctx, seed=1, service_level=None, area=area)
    assert first.intermodal is not None and len(first.intermodal) > 0
    return ctx, area, first


def _levels(first):
    """Two measured levels: a worse city-wide one, and a better one with a district part
    (the first day's requests, every third one unserved, waits by request)."""
    sl = first.service_level
    worse = dataclasses.replace(sl, wait_s=sl.wait_s + 420.0, detour_factor=sl.detour_factor
                                + 0.4, share_served=0.6)
    better = dataclasses.replace(sl, wait_s=max(sl.wait_s - 120.0, 0.0), share_served=0.97)
    req = first.requests
    district = np.where(req["dest_offset_s"].to_numpy() > 0, req["dest_zone"].astype(str),
                        np.where(req["origin_offset_s"].to_numpy() > 0,
                                 req["origin_zone"].astype(str), "core"))
    n = len(req)
    served = np.arange(n) % 3 != 0
    wait = (np.arange(n) % 7) * 120.0
    local = local_service(district, req["request_time_s"].to_numpy(np.float64), served, wait,
                          better, first.config)
    return worse, dataclasses.replace(better, local=local)


def _same(a, b):
    pd.testing.assert_frame_equal(a.requests, b.requests, check_exact=True)
    pd.testing.assert_frame_equal(a.trips, b.trips, check_exact=True)
    pd.testing.assert_frame_equal(a.intermodal, b.intermodal, check_exact=True)
    np.testing.assert_array_equal(a.ondemand_probability, b.ondemand_probability)
    np.testing.assert_array_equal(a.intermodal_fraction, b.intermodal_fraction)
    assert a.meta == b.meta


def test_same_day_at_other_levels_is_the_day_drawn_anew(klima_day):
    ctx, area, first = klima_day
    for level in _levels(first):
        again = _scenario_demand(ctx, seed=1, service_level=level, area=area, same_day=first)
        fresh = _scenario_demand(ctx, seed=1, service_level=level, area=area)
        assert again.day is first.day and fresh.day is not first.day
        _same(again, fresh)
        # the level moved the answers: the first level's would not pass for this one
        assert len(again.requests) != len(first.requests)
        assert not again.intermodal["pt_time_s"].equals(first.intermodal["pt_time_s"])
        # counted without settling, then settled: the same requests
        lazy = _scenario_demand(ctx, seed=1, service_level=level, area=area, same_day=first,
                                settle=False)
        assert not lazy.settled and len(lazy.requests) == 0
        assert lazy.request_count() == len(fresh.requests)
        _same(lazy.settle(), fresh)
        # moved towards other probabilities: unsettled or not, the same day
        p = 0.5 * (first.ondemand_probability + fresh.ondemand_probability)
        _same(lazy.with_ondemand_probability(p), fresh.with_ondemand_probability(p))


def test_rail_passengers_answer_each_level_as_a_fresh_day(klima_day):
    ctx, area, first = klima_day
    worse, better = _levels(first)
    out_first, sum_first = with_feeder_day(ctx, first.requests, first, seed=1)
    for level in (worse, better):
        again = _scenario_demand(ctx, seed=1, service_level=level, area=area, same_day=first)
        fresh = _scenario_demand(ctx, seed=1, service_level=level, area=area)
        out, summary = with_feeder_day(ctx, fresh.requests, again, seed=1)
        out_fresh, summary_fresh = with_feeder_day(ctx, fresh.requests, fresh, seed=1)
        pd.testing.assert_frame_equal(out, out_fresh, check_exact=True)
        assert summary == summary_fresh
        assert summary["expected_ondemand"] != sum_first["expected_ondemand"]


def test_connections_kept_on_the_day_are_the_timetable_answers(klima_day):
    """Connections asked in two overlapping batches (repeated queries, new ones, shifted
    times) against :func:`kl_mobility.pt.intermodal.connections` asked directly."""
    from kl_mobility.demand.generate import _connections
    from kl_mobility.pt.intermodal import connections

    ctx, _, first = klima_day
    day = first.day
    im = day.im_cache["los"]
    rng = np.random.default_rng(3)
    internal = np.flatnonzero(np.asarray(day.zones.offset_s) == 0)
    n = 300
    first_mile = rng.random(n) < 0.5
    hub = rng.integers(0, im.n_hubs, n)
    t = rng.integers(6 * 3600, 22 * 3600, n)
    zone = rng.choice(internal, n)
    for q in (np.arange(0, 200), np.r_[np.arange(100, 300), np.arange(0, 50)]):
        tt = t[q] + (q >= 250) * 600  # some queries again at another time
        got = _connections(day, first_mile[q], hub[q], tt, zone[q])
        want = connections(ctx.transit.timetable, first_mile[q], im.hubs[hub[q]], tt,
                           np.asarray(day.zones.lat)[zone[q]],
                           np.asarray(day.zones.lon)[zone[q]])
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    assert (want[0] >= 0).any()


def test_access_from_kept_nearest_stops_is_access(klima_day):
    """:meth:`ServiceArea.access_from` on nearest stops taken from a larger query (and mixed
    with a second one) is :meth:`ServiceArea.access` of those points."""
    ctx, area, _ = klima_day
    net = ctx.network
    rng = np.random.default_rng(11)
    x, y = np.asarray(net.node_x, np.float64), np.asarray(net.node_y, np.float64)
    a, b = rng.integers(0, net.n_nodes, 5000), rng.integers(0, net.n_nodes, 40)
    near_a, near_b = area.nearest_stops(x[a], y[a]), area.nearest_stops(x[b], y[b])
    rows = rng.integers(0, a.shape[0], 3000)
    other = rng.integers(0, b.shape[0], 3000)
    use = rng.random(3000) < 0.4
    depart = rng.integers(0, 86_400, 3000)
    ox, oy = np.where(use, x[b[other]], x[a[rows]]), np.where(use, y[b[other]], y[a[rows]])
    dest = rng.integers(0, a.shape[0], 3000)
    got = area.access_from(depart, take_nearest(near_a, rows, near_b, other, use),
                           take_nearest(near_a, dest))
    want = area.access(depart, ox, oy, x[a[dest]], y[a[dest]])
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].any() and not got[0].all()


def test_another_service_area_is_not_the_same_day(klima_day):
    ctx, area, first = klima_day
    other = ServiceArea(area.start_s, area.end_s, area.stops_xy, max_walk_m=area.max_walk_m,
                        walk_detour_factor=area.walk_detour_factor,
                        walk_speed_kmh=area.walk_speed_kmh)
    with pytest.raises(ValueError, match="another service area"):
        _scenario_demand(ctx, seed=1, service_level=ServiceLevel.assumed(first.config),
                         area=other, same_day=first)
