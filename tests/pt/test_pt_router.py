"""The connection-scan router against known earliest arrivals on the tiny feed and against
a plain reference (round-based relaxation over whole trips) on random timetables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.gtfs import read_gtfs
from kl_mobility.pt.router import earliest_arrival, timetable_from_feed, zone_transit

TINY = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"
A, B, C, D, E, F = range(6)
H8 = 8 * 3600


@pytest.fixture(scope="module")
def tiny():
    return read_gtfs(TINY)


def _tt(feed, transfer_s, radius=150.0):
    return timetable_from_feed(feed, PtConfig(transfer_s=transfer_s, footpath_radius_m=radius))


def test_direct_trip(tiny):
    """A -> C at 08:00 on t1: departs 08:00, arrives 08:10 (600 s in the vehicle)."""
    j = earliest_arrival(_tt(tiny, 60), ([A], [0]), ([C], [0]), H8)
    assert (j.arrival_s, j.in_vehicle_s, j.wait_s, j.boardings) == (H8 + 600, 600, 0, 1)


def test_transfer_made_with_60_s_buffer(tiny):
    """A -> E at 08:00, buffer 60 s: t1 reaches C 08:10, t3 leaves C 08:11 (08:10 + 60 s
    <= 08:11) and reaches E 08:20 = 08:00 + 1200 s; 600 + 540 s in vehicles, 60 s change."""
    j = earliest_arrival(_tt(tiny, 60), ([A], [0]), ([E], [0]), H8)
    assert (j.arrival_s, j.in_vehicle_s, j.transfer_s, j.boardings) == (H8 + 1200, 1140, 60, 2)


def test_missed_transfer_takes_the_walk_to_line_3(tiny):
    """Buffer 120 s: 08:10 + 120 s > 08:11, t3 is missed. Next: alight t1 at B 08:05, walk
    100 m to F (100 x 1.3 / 1.25 m/s = 104 s -> 105 s rounded up, then max(105, 120) = 120),
    ready 08:07, t5 leaves F 08:08 and reaches E 08:30 (t4 would arrive 08:40).
    In vehicle 300 + 1320 = 1620 s; between vehicles 180 s (walk 105 + wait 75)."""
    j = earliest_arrival(_tt(tiny, 120), ([A], [0]), ([E], [0]), H8)
    assert (j.arrival_s, j.in_vehicle_s, j.transfer_s, j.boardings) == (H8 + 1800, 1620, 180, 2)


def test_missed_transfer_without_footpaths_waits_for_t4(tiny):
    """Without footpaths (radius 0) and buffer 120 s: t2 to C 08:30, t4 at 08:31 is missed
    by the same buffer, so t1 to C 08:10 and t4 C 08:31 -> E 08:40 = 08:00 + 2400 s."""
    j = earliest_arrival(_tt(tiny, 120, radius=0.0), ([A], [0]), ([E], [0]), H8)
    assert j.arrival_s == H8 + 2400


def test_access_walk_and_wait(tiny):
    """Leave 07:55 with a 120 s walk to A: at A 07:57, wait 180 s for t1 at 08:00, at C
    08:10, then a 30 s egress walk: 08:10:30."""
    j = earliest_arrival(_tt(tiny, 60), ([A], [120]), ([C], [30]), H8 - 300)
    assert (j.arrival_s, j.access_s, j.wait_s, j.egress_s) == (H8 + 630, 120, 180, 30)
    assert j.door_to_door_s == 120 + 180 + 600 + 0 + 30


def test_saturday_trip_is_not_in_the_weekday(tiny):
    """t6 (F 09:00 -> E 09:10) runs on Saturdays only: from F at 08:50 nothing is found
    within a horizon that ends before t4/t5 could help (none leave F after 08:08)."""
    assert tiny.service_date == "20240101"  # Monday, the busiest weekday
    assert list(tiny.trip_id) == ["t1", "t2", "t3", "t4", "t5"]
    assert earliest_arrival(_tt(tiny, 60), ([F], [0]), ([E], [0]), H8 + 3000) is None


def test_departure_after_the_last_trip(tiny):
    assert earliest_arrival(_tt(tiny, 60), ([A], [0]), ([C], [0]), H8 + 1201) is None


def test_zone_matrix_equals_single_queries(tiny):
    """Every entry of the zone-to-zone kernel equals the single query with the same access
    and egress links."""
    tt = _tt(tiny, 120)
    lat, lon = tiny.stop_lat[[A, C, E]], tiny.stop_lon[[A, C, E]]
    dep = np.array([H8 - 600, H8, H8 + 900])
    zt = zone_transit(tt, lat, lon, dep)
    from kl_mobility.pt.router import walk_links
    ptr, stop, walk = walk_links(tt, lat, lon)
    for ti, t0 in enumerate(dep):
        for o in range(3):
            for d in range(3):
                j = earliest_arrival(tt, (stop[ptr[o]:ptr[o + 1]], walk[ptr[o]:ptr[o + 1]]),
                                     (stop[ptr[d]:ptr[d + 1]], walk[ptr[d]:ptr[d + 1]]), t0)
                got = zt.raw[ti, o, d, 0]
                assert (j is None and not zt.found[ti, o, d]) or got == j.arrival_s


from transit_reference import random_feed as _random_feed  # noqa: E402
from transit_reference import reference_arrival  # noqa: E402


@pytest.mark.parametrize("seed", range(6))
def test_router_agrees_with_the_reference_on_random_timetables(tmp_path, seed):
    rng = np.random.default_rng(seed)
    trips = _random_feed(rng, tmp_path)
    feed = read_gtfs(tmp_path)
    transfer_s = int(rng.choice([0, 60, 120]))
    cfg = PtConfig(transfer_s=transfer_s, footpath_radius_m=400.0, horizon_s=3600)
    tt = timetable_from_feed(feed, cfg)
    index = {sid: i for i, sid in enumerate(feed.stop_id)}
    # the feed's stop indices follow stops.txt: s0..s11 -> 0..11
    assert all(index[f"s{i}"] == i for i in range(len(index)))
    fps = {u: [(int(tt.fp_to[k]), int(tt.fp_s[k])) for k in range(tt.fp_ptr[u], tt.fp_ptr[u + 1])]
           for u in range(tt.n_stops)}
    n_found = 0
    for _ in range(40):
        acc = [(int(s), int(rng.integers(0, 300))) for s in rng.choice(12, 2, replace=False)]
        eg = [(int(s), int(rng.integers(0, 300))) for s in rng.choice(12, 2, replace=False)]
        t0 = int(rng.integers(7 * 3600, 9 * 3600))
        want = reference_arrival(trips, fps, transfer_s, acc, eg, t0, cfg.horizon_s)
        j = earliest_arrival(tt, tuple(map(list, zip(*acc))), tuple(map(list, zip(*eg))), t0)
        assert (None if j is None else j.arrival_s) == want, (seed, acc, eg, t0)
        if j is not None:
            n_found += 1
            assert j.access_s + j.wait_s + j.in_vehicle_s + j.transfer_s + j.egress_s == \
                j.arrival_s - t0
            assert min(j.access_s, j.wait_s, j.in_vehicle_s, j.transfer_s, j.egress_s) >= 0
    assert n_found >= 5  # the instances are not trivially empty
