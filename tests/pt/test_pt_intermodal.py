"""Hubs and connections of single trips on the hand-made tiny feed (tests/data/gtfs/tiny).

Lines: R1 A-B-C (t1 08:00, t2 08:20), R2 C-D-E (t3 08:11, t4 08:31), R3 F-E (t5 08:08);
B and F are 100 m apart. Walking 4.5 km/h x detour 1.3, access radius 800 m, transfer
120 s (the defaults).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.gtfs import read_gtfs
from kl_mobility.pt.intermodal import connections, hub_stops
from kl_mobility.pt.router import timetable_from_feed

TINY = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"


def _hms(h: int, m: int) -> int:
    return h * 3600 + m * 60


def test_hubs_are_stops_of_enough_routes():
    """C is served by R1 and R2, E by R2 and R3 (t6 of R3 runs on Saturdays only, but t5
    is a weekday trip), every other stop by one route: hubs at 2 routes = C, E; at 3 none."""
    feed = read_gtfs(TINY)
    ids = list(feed.stop_id)
    assert [ids[i] for i in hub_stops(feed, 2)] == ["C", "E"]
    assert hub_stops(feed, 3).size == 0


def test_connections_first_and_last_mile():
    """First mile at C arriving 08:12, for E: t3 (08:11) is gone, the next departure is t4
    at 08:31. Arriving 08:05: t3 at 08:11. Last mile to the hub E from stop A's spot leaving
    07:55: t1 to C arrives 08:10, t3 at 08:11 is missed with 120 s to change; the walk B->F
    catches t5 (08:08), at E 08:30 (t4 would arrive 08:40): the trip is t5, 08:30. Leaving
    A at 08:45, no weekday trip departs A, B or F any more (t2 left at 08:20, t5 at 08:08,
    t6 runs on Saturdays): no connection (-1, -1)."""
    feed = read_gtfs(TINY)
    tt = timetable_from_feed(feed, PtConfig())
    ids = list(feed.stop_id)
    lat = dict(zip(ids, feed.stop_lat))
    lon = dict(zip(ids, feed.stop_lon))
    trips = list(feed.trip_id)
    q_first = np.array([True, True, False, False])
    hub = np.array([ids.index("C"), ids.index("C"), ids.index("E"), ids.index("E")])
    t0 = np.array([_hms(8, 12), _hms(8, 5), _hms(7, 55), _hms(8, 45)])
    pts = ["E", "E", "A", "A"]
    trip, time = connections(tt, q_first, hub, t0, np.array([lat[p] for p in pts]),
                             np.array([lon[p] for p in pts]))
    assert [trips[t] if t >= 0 else None for t in trip] == ["t4", "t3", "t5", None]
    assert list(time) == [_hms(8, 31), _hms(8, 11), _hms(8, 30), -1]


def test_links_found_once_per_point_equal_the_links_of_every_point():
    """The walk links of queries that share points (E twice, A three times, B once, in
    mixed order), found once per distinct point, are row for row those of walk_links
    over every query: the same stops, in the same order, with the same walks; no queries,
    no links."""
    from kl_mobility.pt.intermodal import _point_links
    from kl_mobility.pt.router import walk_links

    feed = read_gtfs(TINY)
    tt = timetable_from_feed(feed, PtConfig())
    ids = list(feed.stop_id)
    pts = ["E", "A", "B", "A", "E", "A"]
    lat = np.array([feed.stop_lat[ids.index(p)] for p in pts])
    lon = np.array([feed.stop_lon[ids.index(p)] for p in pts])
    want = walk_links(tt, lat, lon)
    got = _point_links(tt, lat, lon)
    assert np.diff(want[0]).min() > 0  # every point has a stop within the radius
    for w, g in zip(want, got, strict=True):
        assert g.dtype == w.dtype and g.tolist() == w.tolist()
    empty = _point_links(tt, np.zeros(0), np.zeros(0))
    assert empty[0].tolist() == [0] and empty[1].size == 0 and empty[2].size == 0
