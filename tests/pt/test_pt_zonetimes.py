"""Per-period zone-to-zone public transport times: the period kernel's means equal the
means of single queries, availability follows the found share, the cache round-trips."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.gtfs import read_gtfs
from kl_mobility.pt.router import earliest_arrival, timetable_from_feed, walk_links
from kl_mobility.pt.zonetimes import MIN_FOUND_SHARE, zone_pt_los

TINY = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"
H8 = 8 * 3600


@pytest.fixture(scope="module")
def tt():
    return timetable_from_feed(read_gtfs(TINY), PtConfig(transfer_s=120, footpath_radius_m=150,
                                                         access_radius_m=100,
                                                         sample_step_s=300))


def test_period_means_equal_single_queries(tt):
    """Zones at stops A and E, periods 07:30-08:00 and 08:00-08:30: every sampled departure
    (every 300 s) is one query; the period value is the mean over found journeys."""
    feed_lat = np.array([49.4400, 49.4500])
    feed_lon = np.array([7.7500, 7.7700])
    bounds = (7 * 3600 + 1800, H8, H8 + 1800)
    los = zone_pt_los(tt, feed_lat, feed_lon, bounds)
    ptr, stop, walk = walk_links(tt, feed_lat, feed_lon)
    for p in range(2):
        doors, ivts, found = [], [], 0
        times = range(bounds[p], bounds[p + 1], 300)
        for t0 in times:
            j = earliest_arrival(tt, (stop[ptr[0]:ptr[1]], walk[ptr[0]:ptr[1]]),
                                 (stop[ptr[1]:ptr[2]], walk[ptr[1]:ptr[2]]), t0)
            if j is not None:
                found += 1
                doors.append(j.door_to_door_s / 60)
                ivts.append(j.in_vehicle_s / 60)
        assert los.found_share[p, 0, 1] == found / len(times)
        assert los.values["door"][p, 0, 1] == pytest.approx(np.mean(doors))
        assert los.values["ivt"][p, 0, 1] == pytest.approx(np.mean(ivts))
        assert los.available[p, 0, 1] == (found / len(times) >= MIN_FOUND_SHARE)
    # 08:00-08:30 from A: only the 08:00 departure catches t1 -> t5 (E 08:30, 30 min);
    # 08:05..08:20 take t2 at 08:20 -> C 08:30 + 120 s > t4 08:31 missed, so nothing
    # before the end of the feed: found share 1/6 < 0.5, not available
    assert los.found_share[1, 0, 1] == pytest.approx(1 / 6)
    assert not los.available[1, 0, 1]
    # E -> A: no trip runs that way at all
    assert los.found_share[:, 1, 0].max() == 0 and np.isnan(los.values["door"][:, 1, 0]).all()


def test_cache_round_trip(tt, tmp_path):
    feed = tmp_path / "tiny.zip"
    with zipfile.ZipFile(feed, "w") as zf:
        for f in sorted(TINY.glob("*.txt")):
            zf.write(f, f.name)
    lat, lon = np.array([49.44, 49.45]), np.array([7.75, 7.77])
    bounds = (0, H8, 86_400)
    a = zone_pt_los(tt, lat, lon, bounds, feed_path=feed, cache_dir=tmp_path / "c")
    files = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert len(files) == 2 and files[0].startswith("pt-zones-")  # table + manifest
    b = zone_pt_los(tt, lat, lon, bounds, feed_path=feed, cache_dir=tmp_path / "c")
    for c in a.values:
        np.testing.assert_array_equal(a.values[c], b.values[c])
    shutil.rmtree(tmp_path / "c")


def test_link_kernel_between_the_same_places_equals_the_zone_kernel(tt):
    """csa_link_periods with the zones' walk links as both origins and destinations finds
    the journeys csa_zone_periods finds between the zones: the same sums of every component
    and the same counts, exactly (both add a journey with kernels.transit.add_journey)."""
    from kl_mobility.kernels.intermodal import csa_link_periods
    from kl_mobility.kernels.transit import csa_zone_periods

    lat = np.array([49.4400, 49.4500, 49.4450])
    lon = np.array([7.7500, 7.7700, 7.7600])
    ptr, stop, walk = walk_links(tt, lat, lon)
    dep = np.arange(7 * 3600, 9 * 3600, 300, dtype=np.int64)
    owner = (dep >= H8).astype(np.int64)
    args = (tt.c_dep_stop, tt.c_arr_stop, tt.c_dep_t, tt.c_arr_t, tt.c_trip, tt.n_trips,
            tt.n_stops, tt.fp_ptr, tt.fp_to, tt.fp_s)
    sums_z, counts_z = np.zeros((2, 3, 3, 7)), np.zeros((2, 3, 3), np.int64)
    csa_zone_periods(*args, ptr, stop, walk, dep, owner, tt.config.horizon_s,
                     tt.config.transfer_s, sums_z, counts_z)
    sums_l, counts_l = np.zeros((2, 3, 3, 7)), np.zeros((2, 3, 3), np.int64)
    csa_link_periods(*args, ptr, stop, walk, ptr, stop, walk, dep, owner,
                     tt.config.horizon_s, tt.config.transfer_s, sums_l, counts_l)
    assert counts_z.sum() > 0  # A -> E is reachable in the tiny feed (test above)
    np.testing.assert_array_equal(counts_l, counts_z)
    np.testing.assert_array_equal(sums_l, sums_z)
