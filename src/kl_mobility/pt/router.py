"""Door-to-door public transport times: a :class:`Timetable` of flat arrays from a
:class:`~kl_mobility.pt.gtfs.TransitFeed`, single queries and zone-to-zone matrices over the
connection scan kernel (:mod:`kl_mobility.kernels.transit`, journey rules there).

Walking (access, egress, footpaths between stops) is straight-line distance x
``walk_detour_factor`` at ``walk_speed_kmh`` (:class:`~kl_mobility.pt.config.PtConfig`).
Times are integer seconds; a journey's door-to-door time splits exactly into access walk +
wait for the first vehicle + in-vehicle + transfers (walks and waits between vehicles) +
egress walk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from kl_mobility.kernels.transit import UNREACHED, csa_scan, csa_zone_matrix
from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.gtfs import TransitFeed

__all__ = ["Journey", "Timetable", "ZoneTransit", "timetable_from_feed", "walk_links",
           "zone_transit"]

_R_EARTH = 6_371_000.0


def _xy(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular metres (good to < 0.1 % over a city)."""
    lat = np.asarray(lat, np.float64)
    lon = np.asarray(lon, np.float64)
    return np.column_stack((np.radians(lon) * _R_EARTH * np.cos(np.radians(lat0)),
                            np.radians(lat) * _R_EARTH))


@dataclass(frozen=True, eq=False)
class Timetable:
    """Connections sorted by (departure, arrival, trip, position) and footpaths (CSR)."""

    c_dep_stop: np.ndarray
    c_arr_stop: np.ndarray
    c_dep_t: np.ndarray
    c_arr_t: np.ndarray
    c_trip: np.ndarray
    n_trips: int
    n_stops: int
    fp_ptr: np.ndarray
    fp_to: np.ndarray
    fp_s: np.ndarray
    stop_xy: np.ndarray
    lat0: float
    config: PtConfig

    @property
    def n_connections(self) -> int:
        return int(self.c_dep_t.shape[0])


def timetable_from_feed(feed: TransitFeed, config: PtConfig) -> Timetable:
    """The router's arrays for ``feed``: one connection per consecutive stop pair of every
    trip, footpaths between distinct stops within ``config.footpath_radius_m``."""
    ptr = feed.st_ptr
    same = np.ones(feed.st_stop.shape[0], bool)
    same[ptr[1:] - 1] = False  # last stop of each trip starts no connection
    i = np.flatnonzero(same)
    trip = feed.st_trip[i]
    dep_stop, arr_stop = feed.st_stop[i], feed.st_stop[i + 1]
    dep_t, arr_t = feed.st_dep_s[i], feed.st_arr_s[i + 1]
    order = np.lexsort((i, trip, arr_t, dep_t))
    lat0 = float(np.mean(feed.stop_lat)) if feed.n_stops else 0.0
    xy = _xy(feed.stop_lat, feed.stop_lon, lat0)
    fp_ptr, fp_to, fp_s = _footpaths(xy, config)
    return Timetable(dep_stop[order].astype(np.int64), arr_stop[order].astype(np.int64),
                     dep_t[order].astype(np.int64), arr_t[order].astype(np.int64),
                     trip[order].astype(np.int64), feed.n_trips, feed.n_stops,
                     fp_ptr, fp_to, fp_s, xy, lat0, config)


def _walk_s(dist_m: np.ndarray, config: PtConfig) -> np.ndarray:
    return np.ceil(np.asarray(dist_m) / config.walk_mps).astype(np.int64)


def _footpaths(xy: np.ndarray, config: PtConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = xy.shape[0]
    if n == 0 or config.footpath_radius_m <= 0:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = cKDTree(xy).query_pairs(config.footpath_radius_m, output_type="ndarray")
    a = np.r_[pairs[:, 0], pairs[:, 1]].astype(np.int64)
    b = np.r_[pairs[:, 1], pairs[:, 0]].astype(np.int64)
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    d = np.hypot(*(xy[a] - xy[b]).T)
    ptr = np.r_[0, np.cumsum(np.bincount(a, minlength=n))].astype(np.int64)
    return ptr, b, _walk_s(d, config)


def walk_links(timetable: Timetable, lat: np.ndarray, lon: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stops within ``access_radius_m`` of each point, as CSR ``(ptr, stop, walk_s)``
    (sorted by stop within a point)."""
    xy = _xy(lat, lon, timetable.lat0)
    cfg = timetable.config
    tree = cKDTree(timetable.stop_xy)
    near = tree.query_ball_point(xy, cfg.access_radius_m) if len(xy) else []
    ptr = [0]
    stops: list[int] = []
    for p in near:
        stops.extend(sorted(p))
        ptr.append(len(stops))
    idx = np.asarray(stops, np.int64)
    owner = np.repeat(np.arange(len(xy)), np.diff(ptr))
    d = np.hypot(*(timetable.stop_xy[idx] - xy[owner]).T) if idx.size else np.zeros(0)
    return np.asarray(ptr, np.int64), idx, _walk_s(d, cfg)


@dataclass(frozen=True)
class Journey:
    """One door-to-door journey (seconds; ``arrival_s`` absolute)."""

    depart_s: int
    arrival_s: int
    access_s: int
    wait_s: int
    in_vehicle_s: int
    transfer_s: int
    egress_s: int
    boardings: int

    @property
    def door_to_door_s(self) -> int:
        return self.arrival_s - self.depart_s


def _journey(t0: int, row: np.ndarray) -> Journey | None:
    if row[0] >= UNREACHED:
        return None
    arr, ivt, walk, nb, first, acc, eg = (int(v) for v in row)
    wait = first - t0 - acc
    transfer = (arr - t0) - acc - wait - ivt - eg
    return Journey(t0, arr, acc, wait, ivt, transfer, eg, nb)


def earliest_arrival(timetable: Timetable, access: tuple[np.ndarray, np.ndarray],
                     egress: tuple[np.ndarray, np.ndarray], depart_s: int) -> Journey | None:
    """The earliest-arriving journey leaving at ``depart_s``; ``access`` / ``egress``: arrays
    of stops and walking seconds. ``None`` when no journey arrives within the horizon."""
    tt = timetable
    acc_stop, acc_s = (np.asarray(a, np.int64) for a in access)
    eg_stop, eg_s = (np.asarray(a, np.int64) for a in egress)
    if acc_stop.shape != acc_s.shape or eg_stop.shape != eg_s.shape:
        raise ValueError("access/egress stops and walking times must have the same length")
    for a in (acc_stop, eg_stop):
        if a.size and (a.min() < 0 or a.max() >= tt.n_stops):
            raise ValueError(f"stop index out of range 0..{tt.n_stops - 1}")
    ready = np.empty((tt.n_stops, 6), np.int64)
    veh = np.empty((tt.n_stops, 6), np.int64)
    board = np.empty((tt.n_trips, 6), np.int64)
    csa_scan(tt.c_dep_stop, tt.c_arr_stop, tt.c_dep_t, tt.c_arr_t, tt.c_trip, tt.n_trips,
             tt.fp_ptr, tt.fp_to, tt.fp_s, acc_stop, acc_s, int(depart_s),
             tt.config.horizon_s, tt.config.transfer_s, ready, veh, board)
    best = UNREACHED
    row = np.full(7, UNREACHED, np.int64)
    for s, e in zip(eg_stop, eg_s):
        if veh[s, 0] < UNREACHED and veh[s, 0] + e < best:
            best = veh[s, 0] + e
            row[:] = (best, *veh[s, 1:6], e)
    return _journey(int(depart_s), row)


@dataclass(frozen=True, eq=False)
class ZoneTransit:
    """Zone-to-zone journeys for sampled departure times.

    ``depart_s[n_t]``; ``raw[n_t, k, k, 7]`` the kernel's rows (see
    :func:`kl_mobility.kernels.transit.csa_zone_matrix`); ``has_stop[k]``: the zone has a
    stop within the access radius.
    """

    depart_s: np.ndarray
    raw: np.ndarray
    has_stop: np.ndarray

    @property
    def found(self) -> np.ndarray:
        return self.raw[..., 0] < UNREACHED

    def components_min(self) -> dict[str, np.ndarray]:
        """Per departure and zone pair, in minutes (NaN where no journey): ``door``,
        ``access``, ``wait``, ``ivt``, ``transfer`` (walks and waits between vehicles),
        ``egress``; and ``boardings`` (count)."""
        r = self.raw.astype(np.float64)
        ok = self.found
        t0 = self.depart_s.astype(np.float64)[:, None, None]
        door = r[..., 0] - t0
        acc, eg, ivt = r[..., 5], r[..., 6], r[..., 1]
        wait = r[..., 4] - t0 - acc
        transfer = door - acc - wait - ivt - eg
        out = {"door": door, "access": acc, "wait": wait, "ivt": ivt, "transfer": transfer,
               "egress": eg}
        res = {k: np.where(ok, v / 60.0, np.nan) for k, v in out.items()}
        res["boardings"] = np.where(ok, r[..., 3], np.nan)
        return res


def zone_transit(timetable: Timetable, lat: np.ndarray, lon: np.ndarray,
                 depart_s: np.ndarray) -> ZoneTransit:
    """Journeys between all pairs of points (zone centroids) for each departure time."""
    tt = timetable
    ptr, stop, walk = walk_links(tt, lat, lon)
    depart = np.asarray(depart_s, np.int64)
    k = len(ptr) - 1
    out = np.empty((depart.shape[0], k, k, 7), np.int64)
    csa_zone_matrix(tt.c_dep_stop, tt.c_arr_stop, tt.c_dep_t, tt.c_arr_t, tt.c_trip,
                    tt.n_trips, tt.n_stops, tt.fp_ptr, tt.fp_to, tt.fp_s, ptr, stop, walk,
                    depart, tt.config.horizon_s, tt.config.transfer_s, out)
    return ZoneTransit(depart, out, np.diff(ptr) > 0)
