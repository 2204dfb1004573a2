"""Zone-to-zone public transport level of service per period of the day (for mode choice).

For every period ``[bounds_s[p], bounds_s[p+1])`` (clipped to the service day, 0-24 h) the
router (:func:`kl_mobility.pt.router.zone_transit`) runs from every zone centroid at
departures every ``pt.sample_step_s``; a zone pair's level of service in the period is the
mean over the sampled departures that reach the destination within ``pt.horizon_s``:
access walk, wait for the first vehicle (the timetable wait of a traveller leaving at a
random time), in-vehicle time, transfer time (walks and waits between vehicles), egress
walk, boardings. The public transport alternative is *available* for the pair in the
period when at least :data:`MIN_FOUND_SHARE` of the sampled departures find a journey.

Cached beside the network (``pt-zones-<key>.npz`` with a manifest), keyed by the feed file's
SHA-256, the routing keys of ``[pt]``, the centroids and the periods.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kl_mobility.io import file_sha256
from kl_mobility.kernels.transit import csa_zone_periods
from kl_mobility.network.cache import cache_file_ok, default_cache_dir, write_cache_file
from kl_mobility.pt.router import Timetable, walk_links

__all__ = ["COMPONENTS", "MIN_FOUND_SHARE", "ROUTING_KEYS", "ZonePtLos", "zone_pt_los"]

MIN_FOUND_SHARE = 0.5
"""A pair's public transport is available in a period when at least half of the sampled
departures find a journey (named rule; fewer means the bus barely runs then)."""

COMPONENTS = ("door", "access", "wait", "ivt", "transfer", "egress", "boardings")
ROUTING_KEYS = ("walk_speed_kmh", "walk_detour_factor", "access_radius_m", "footpath_radius_m",
                "transfer_s", "horizon_s", "sample_step_s")
DAY_S = 86_400


@dataclass(frozen=True, eq=False)
class ZonePtLos:
    """``values[c][p, i, j]`` for ``c`` in :data:`COMPONENTS` (minutes; boardings a count;
    NaN where no journey), ``available[p, i, j]`` (bool), ``found_share[p, i, j]``,
    ``has_stop[k]``, ``bounds_s`` the periods, ``n_departures[p]`` samples per period."""

    values: dict[str, np.ndarray]
    available: np.ndarray
    found_share: np.ndarray
    has_stop: np.ndarray
    bounds_s: tuple[int, ...]
    n_departures: np.ndarray

    @property
    def n_periods(self) -> int:
        return len(self.bounds_s) - 1


def _samples(bounds_s: tuple[int, ...], step_s: int) -> tuple[np.ndarray, np.ndarray]:
    times, owner = [], []
    for p in range(len(bounds_s) - 1):
        lo, hi = bounds_s[p], min(bounds_s[p + 1], DAY_S)
        t = np.arange(lo, hi, step_s, dtype=np.int64) if lo < hi else np.zeros(0, np.int64)
        times.append(t)
        owner.append(np.full(t.shape[0], p, np.int64))
    return np.concatenate(times), np.concatenate(owner)


def _compute(timetable: Timetable, lat: np.ndarray, lon: np.ndarray,
             bounds_s: tuple[int, ...]) -> dict[str, np.ndarray]:
    tt = timetable
    dep, owner = _samples(bounds_s, tt.config.sample_step_s)
    ptr, stop, walk = walk_links(tt, lat, lon)
    n_p, k = len(bounds_s) - 1, len(lat)
    sums = np.zeros((n_p, k, k, len(COMPONENTS)))
    counts = np.zeros((n_p, k, k), np.int64)
    csa_zone_periods(tt.c_dep_stop, tt.c_arr_stop, tt.c_dep_t, tt.c_arr_t, tt.c_trip,
                     tt.n_trips, tt.n_stops, tt.fp_ptr, tt.fp_to, tt.fp_s, ptr, stop, walk,
                     dep, owner, tt.config.horizon_s, tt.config.transfer_s, sums, counts)
    n_dep = np.bincount(owner, minlength=n_p)
    out: dict[str, np.ndarray] = {}
    for c_i, c in enumerate(COMPONENTS):
        scale = 1.0 if c == "boardings" else 60.0
        out[c] = np.divide(sums[..., c_i] / scale, counts, out=np.full((n_p, k, k), np.nan),
                           where=counts > 0)
    out["found_share"] = np.divide(counts, n_dep[:, None, None],
                                   out=np.zeros((n_p, k, k)), where=n_dep[:, None, None] > 0)
    out["has_stop"] = np.diff(ptr) > 0
    out["n_departures"] = n_dep
    return out


def _key(feed_path: Path, timetable: Timetable, lat: np.ndarray, lon: np.ndarray,
         bounds_s: tuple[int, ...]) -> str:
    cfg = timetable.config
    h = hashlib.sha256()
    h.update(json.dumps({"feed": file_sha256(feed_path) if feed_path.is_file() else
                         str(feed_path), "bounds": list(bounds_s), "format": 1,
                         **{k: getattr(cfg, k) for k in ROUTING_KEYS}},
                        sort_keys=True).encode())
    h.update(np.ascontiguousarray(lat, np.float64).tobytes())
    h.update(np.ascontiguousarray(lon, np.float64).tobytes())
    return h.hexdigest()[:16]


def zone_pt_los(timetable: Timetable, lat: np.ndarray, lon: np.ndarray,
                bounds_s: tuple[int, ...], *, feed_path: str | Path | None = None,
                cache_dir: str | Path | None = None) -> ZonePtLos:
    """Per-period zone-to-zone public transport times (module docstring); cached when
    ``feed_path`` (the feed file the timetable was read from) is given."""
    bounds = tuple(int(b) for b in bounds_s)
    target = None
    if feed_path is not None and Path(feed_path).is_file():
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        target = cache / f"pt-zones-{_key(Path(feed_path), timetable, lat, lon, bounds)}.npz"
    arrays: dict[str, np.ndarray] | None = None
    if target is not None and cache_file_ok(target):
        with np.load(target, allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
    if arrays is None:
        arrays = _compute(timetable, np.asarray(lat), np.asarray(lon), bounds)
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            data = arrays

            def write(tmp: Path) -> None:
                with open(tmp, "wb") as fh:
                    np.savez(fh, **data)  # type: ignore[arg-type]

            write_cache_file(target, functools.partial(write))
    found = arrays["found_share"]
    return ZonePtLos({c: arrays[c] for c in COMPONENTS},
                     found >= MIN_FOUND_SHARE, found, arrays["has_stop"].astype(bool), bounds,
                     arrays["n_departures"])
