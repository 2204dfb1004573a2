"""Public transport to and from transfer stops (hubs), for the intermodal alternative.

An intermodal trip rides on-demand between one trip end and a *hub* and public transport
between the hub and the other end (first mile: on-demand, then public transport; last
mile: the reverse). Hubs (:func:`hub_stops`) are the stops where a feeder ride is worth
taking: every rail stop of the feed and every stop served by at least
``pt.intermodal_hub_min_routes`` routes (named assumption, default 3: a stop of one or two
lines offers little choice onwards; range 2-4). On the synthetic Kaiserslautern feed: 5
rail stops and 42 stops of 3 or more routes (Hauptbahnhof, Rathaus, the university stops,
...).

:func:`hub_pt_los` gives, per period of the day (``service_period_bounds_s``), the mean
public transport times hub -> zone (egress walk at the zone) and zone -> hub (access walk
at the zone), over departures every ``pt.sample_step_s`` like
:mod:`kl_mobility.pt.zonetimes`, with the same availability rule (:data:`MIN_FOUND_SHARE`
of the departures find a journey). Cached beside the network (``pt-hubs-<key>.npz``).

:func:`connections` finds the public transport vehicle of single trips: the departure a
first-mile rider catches at the hub (the first trip boarded from the hub after the
estimated on-demand arrival + the transfer buffer) and the vehicle a last-mile rider
arrives with (the earliest arrival at the hub).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kl_mobility.io import file_sha256
from kl_mobility.kernels.intermodal import csa_link_periods, first_last_trip
from kl_mobility.kernels.transit import UNREACHED
from kl_mobility.network.cache import cache_file_ok, default_cache_dir, write_cache_file
from kl_mobility.pt.gtfs import TransitFeed
from kl_mobility.pt.router import Timetable, walk_links
from kl_mobility.pt.zonetimes import COMPONENTS, MIN_FOUND_SHARE, ROUTING_KEYS, _samples

__all__ = ["HubPtLos", "connections", "hub_pt_los", "hub_stops"]


def hub_stops(feed: TransitFeed, min_routes: int) -> np.ndarray:
    """Stop indices (sorted) served by a rail trip (route type 2) or by trips of at least
    ``min_routes`` distinct routes on the service date."""
    st_trip = feed.st_trip
    route = feed.trip_route[st_trip]
    pairs = np.unique(np.stack([feed.st_stop.astype(np.int64), route.astype(np.int64)]),
                      axis=1)
    n_routes = np.bincount(pairs[0], minlength=feed.n_stops)
    rail = np.zeros(feed.n_stops, bool)
    rail[feed.st_stop[feed.route_type[route] == 2]] = True
    return np.flatnonzero(rail | (n_routes >= min_routes)).astype(np.int64)


def _single_links(stops: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR links of places that are stops themselves (no walk)."""
    n = stops.shape[0]
    return (np.arange(n + 1, dtype=np.int64), np.asarray(stops, np.int64),
            np.zeros(n, np.int64))


@dataclass(frozen=True, eq=False)
class HubPtLos:
    """``first[c][p, h, j]``: hub ``h`` -> zone ``j``; ``last[c][p, i, h]``: zone ``i`` ->
    hub ``h``; ``c`` in :data:`~kl_mobility.pt.zonetimes.COMPONENTS` (minutes, boardings a
    count, NaN where no journey); ``first_ok`` / ``last_ok``: available (bool, the
    :data:`MIN_FOUND_SHARE` rule); ``hubs``: stop indices of the feed."""

    hubs: np.ndarray
    first: dict[str, np.ndarray]
    last: dict[str, np.ndarray]
    first_ok: np.ndarray
    last_ok: np.ndarray
    bounds_s: tuple[int, ...]


def _means(sums: np.ndarray, counts: np.ndarray, n_dep: np.ndarray
           ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    out = {}
    for c_i, c in enumerate(COMPONENTS):
        scale = 1.0 if c == "boardings" else 60.0
        out[c] = np.divide(sums[..., c_i] / scale, counts, out=np.full(counts.shape, np.nan),
                           where=counts > 0)
    found = np.divide(counts, n_dep[:, None, None], out=np.zeros(counts.shape),
                      where=n_dep[:, None, None] > 0)
    return out, found >= MIN_FOUND_SHARE


def _compute(tt: Timetable, lat: np.ndarray, lon: np.ndarray, hubs: np.ndarray,
             bounds_s: tuple[int, ...]) -> dict[str, np.ndarray]:
    dep, owner = _samples(bounds_s, tt.config.sample_step_s)
    z_ptr, z_stop, z_s = _point_links(tt, np.asarray(lat, np.float64),
                                      np.asarray(lon, np.float64))
    h_ptr, h_stop, h_s = _single_links(hubs)
    n_p, k, n_h = len(bounds_s) - 1, len(lat), len(hubs)
    n_dep = np.bincount(owner, minlength=n_p)
    arrays: dict[str, np.ndarray] = {}
    for name, (a, b), shape in (("first", ((h_ptr, h_stop, h_s), (z_ptr, z_stop, z_s)),
                                 (n_p, n_h, k)),
                                ("last", ((z_ptr, z_stop, z_s), (h_ptr, h_stop, h_s)),
                                 (n_p, k, n_h))):
        sums = np.zeros((*shape, len(COMPONENTS)))
        counts = np.zeros(shape, np.int64)
        csa_link_periods(tt.c_dep_stop, tt.c_arr_stop, tt.c_dep_t, tt.c_arr_t, tt.c_trip,
                         tt.n_trips, tt.n_stops, tt.fp_ptr, tt.fp_to, tt.fp_s, *a, *b, dep,
                         owner, tt.config.horizon_s, tt.config.transfer_s, sums, counts)
        arrays[f"{name}_sums"] = sums
        arrays[f"{name}_counts"] = counts
    arrays["n_departures"] = n_dep
    return arrays


def _key(feed_path: Path, tt: Timetable, lat: np.ndarray, lon: np.ndarray,
         hubs: np.ndarray, bounds_s: tuple[int, ...]) -> str:
    cfg = tt.config
    h = hashlib.sha256()
    h.update(json.dumps({"feed": file_sha256(feed_path) if feed_path.is_file() else
                         str(feed_path), "bounds": list(bounds_s), "format": 1,
                         **{k: getattr(cfg, k) for k in ROUTING_KEYS}},
                        sort_keys=True).encode())
    for a in (np.asarray(lat, np.float64), np.asarray(lon, np.float64),
              np.asarray(hubs, np.int64)):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def hub_pt_los(timetable: Timetable, lat: np.ndarray, lon: np.ndarray, hubs: np.ndarray,
               bounds_s: tuple[int, ...], *, feed_path: str | Path | None = None,
               cache_dir: str | Path | None = None) -> HubPtLos:
    """Per-period public transport times between the zones (centroids ``lat``/``lon``)
    and the hubs (module docstring); cached when ``feed_path`` is a file."""
    bounds = tuple(int(b) for b in bounds_s)
    hubs = np.asarray(hubs, np.int64)
    target = None
    if feed_path is not None and Path(feed_path).is_file():
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        target = cache / (f"pt-hubs-{_key(Path(feed_path), timetable, lat, lon, hubs, bounds)}"
                          ".npz")
    arrays: dict[str, np.ndarray] | None = None
    if target is not None and cache_file_ok(target):
        with np.load(target, allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
    if arrays is None:
        arrays = _compute(timetable, np.asarray(lat, np.float64), np.asarray(lon, np.float64),
                          hubs, bounds)
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            data = arrays

            def write(tmp: Path) -> None:
                with open(tmp, "wb") as fh:
                    np.savez(fh, **data)  # type: ignore[arg-type]

            write_cache_file(target, functools.partial(write))
    n_dep = arrays["n_departures"]
    first, first_ok = _means(arrays["first_sums"], arrays["first_counts"], n_dep)
    last, last_ok = _means(arrays["last_sums"], arrays["last_counts"], n_dep)
    return HubPtLos(hubs, first, last, first_ok, last_ok, bounds)


def connections(timetable: Timetable, first_mile: np.ndarray, hub_stop: np.ndarray,
                time_s: np.ndarray, lat: np.ndarray, lon: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """The public transport vehicle of each trip: ``first_mile[q]`` True: the first trip
    boarded at ``hub_stop[q]`` when arriving there at ``time_s[q]`` towards the point
    ``lat[q], lon[q]`` (its destination, walked to from a stop within the access radius);
    False: the trip that brings a traveller leaving the point at ``time_s[q]`` (walking to a
    stop within the access radius) to the hub earliest. Returns ``(trip index, time)``:
    the departure from the hub (first mile) or the arrival there (last mile); trip -1 and
    time -1 where no journey is found within ``pt.horizon_s``."""
    tt = timetable
    first_mile = np.asarray(first_mile, bool)
    n = first_mile.shape[0]
    z_ptr, z_stop, z_s = _point_links(tt, np.asarray(lat, np.float64),
                                      np.asarray(lon, np.float64))
    h_ptr, h_stop, h_s = _single_links(np.asarray(hub_stop, np.int64))
    a_ptr, a_stop, a_s = _choose_links(first_mile, (h_ptr, h_stop, h_s), (z_ptr, z_stop, z_s))
    e_ptr, e_stop, e_s = _choose_links(first_mile, (z_ptr, z_stop, z_s), (h_ptr, h_stop, h_s))
    out = np.empty((n, 5), np.int64)
    first_last_trip(tt.c_dep_stop, tt.c_arr_stop, tt.c_dep_t, tt.c_arr_t, tt.c_trip,
                    tt.n_trips, tt.n_stops, tt.fp_ptr, tt.fp_to, tt.fp_s, a_ptr, a_stop, a_s,
                    e_ptr, e_stop, e_s, np.asarray(time_s, np.int64), tt.config.horizon_s,
                    tt.config.transfer_s, out)
    found = out[:, 0] != UNREACHED
    # first mile: the first vehicle boarded (at the hub) and its departure there; last mile:
    # the vehicle arriving at the hub and that arrival
    trip = np.where(first_mile, out[:, 1], out[:, 2])
    dep = _departure_at(tt, out[:, 1], np.asarray(hub_stop, np.int64))
    time = np.where(first_mile, dep, out[:, 4])
    ok = found & (trip >= 0) & (time >= 0)
    return np.where(ok, trip, -1), np.where(ok, time, -1)


def _point_links(tt: Timetable, lat: np.ndarray, lon: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~kl_mobility.pt.router.walk_links` of the points, found once per distinct
    point (a point's links do not depend on the other points; many queries share a zone
    centroid)."""
    if lat.shape[0] == 0:
        return walk_links(tt, lat, lon)
    pts, at = np.unique(np.column_stack([lat, lon]), axis=0, return_inverse=True)
    at = np.asarray(at, np.int64).reshape(-1)
    u_ptr, u_stop, u_s = walk_links(tt, pts[:, 0], pts[:, 1])
    rows = _csr_rows(u_ptr, at)
    ptr = np.concatenate([[0], np.cumsum(np.diff(u_ptr)[at])]).astype(np.int64)
    return ptr, u_stop[rows], u_s[rows]


def _csr_rows(ptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Entry indices of CSR rows ``rows`` (in order), vectorised."""
    starts = ptr[:-1][rows]
    lens = (ptr[1:] - ptr[:-1])[rows]
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    first = np.concatenate([[0], np.cumsum(lens)[:-1]])
    return (np.repeat(starts - first, lens) + np.arange(total)).astype(np.int64)


def _choose_links(pick_a: np.ndarray, a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row ``q``: the links of ``a`` where ``pick_a[q]`` else those of ``b`` (CSR)."""
    lens = np.where(pick_a, np.diff(a[0]), np.diff(b[0]))
    ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    idx_a = _csr_rows(a[0], np.flatnonzero(pick_a))
    idx_b = _csr_rows(b[0], np.flatnonzero(~pick_a))
    stop = np.empty(int(ptr[-1]), np.int64)
    walk = np.empty(int(ptr[-1]), np.int64)
    rows_a = np.repeat(pick_a, lens)
    stop[rows_a] = a[1][idx_a]
    walk[rows_a] = a[2][idx_a]
    stop[~rows_a] = b[1][idx_b]
    walk[~rows_a] = b[2][idx_b]
    return ptr, stop, walk


def _departure_at(tt: Timetable, trip: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Departure time of ``trip[q]`` from ``stop[q]`` (its first connection there; -1
    where ``trip`` is -1 or does not call there)."""
    out = np.full(trip.shape[0], -1, np.int64)
    ok = trip >= 0
    if not ok.any():
        return out
    order = np.lexsort((tt.c_dep_t, tt.c_dep_stop, tt.c_trip))
    ct, cs, cd = tt.c_trip[order], tt.c_dep_stop[order], tt.c_dep_t[order]
    key = ct.astype(np.int64) * tt.n_stops + cs
    want = trip[ok].astype(np.int64) * tt.n_stops + stop[ok]
    pos = np.searchsorted(key, want)
    pos_c = np.minimum(pos, key.shape[0] - 1)
    hit = key[pos_c] == want
    out[np.flatnonzero(ok)[hit]] = cd[pos_c[hit]]
    return out
