"""Read GTFS feeds, cached: the validated, flattened arrays of a feed (:func:`read_gtfs`)
stored beside the network.

Reading and checking a feed through partridge and pandas takes about a second for the
Kaiserslautern feeds, and every run reads the scenario's feed and its reference case's.
The result depends only on the feed's bytes, the service date asked for, the network area
and its margin, and the path (it names the feed in :attr:`TransitFeed.source` and in the
warnings), so it is cached as ``gtfs-read-<key>.npz`` (with a manifest,
:mod:`kl_mobility.network.cache`) under that key, with :data:`READ_FORMAT`. The text arrays
are stored as their UTF-8 bytes and offsets and the numbers as they are (with their
read-only flags), so a feed read from the cache equals the one read from the file bit for
bit. A feed that fails its checks
is not cached: every read of it raises the same :class:`~kl_mobility.pt.gtfs.GtfsError`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from kl_mobility.io import file_sha256
from kl_mobility.network.cache import (
    LOAD_ERRORS,
    cache_file_ok,
    default_cache_dir,
    report_damaged,
    write_cache_file,
)
from kl_mobility.pt.gtfs import TransitFeed, read_gtfs

__all__ = ["READ_FORMAT", "read_gtfs_cached"]

READ_FORMAT = 1
"""Version of what :func:`read_gtfs` makes of a feed (bumped when its checks or arrays change)."""

_TEXT = ("stop_id", "stop_name", "route_id", "route_name", "trip_id")
_NUMBERS = ("stop_lat", "stop_lon", "route_type", "trip_route", "st_ptr", "st_stop",
            "st_arr_s", "st_dep_s", "st_dist_m")


def _content_digest(path: Path) -> str:
    """SHA-256 of a zip file, or of a folder's files (relative names and their SHA-256)."""
    if path.is_file():
        return file_sha256(path)
    h = hashlib.sha256()
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        h.update(f"{p.relative_to(path).as_posix()}\0{file_sha256(p)}\0".encode())
    return h.hexdigest()


def _key(path: Path, service_date: str, area_bbox: tuple[float, float, float, float] | None,
         area_margin_m: float) -> str:
    blob = json.dumps({"format": READ_FORMAT, "source": str(path),
                       "content": _content_digest(path), "service_date": service_date,
                       "bbox": None if area_bbox is None else [float(v).hex()
                                                               for v in area_bbox],
                       "margin": float(area_margin_m).hex()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _pack_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    encoded = [str(v).encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), np.uint8), offsets


def _unpack_text(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    raw = data.tobytes()
    bounds = offsets.tolist()
    out = np.empty(len(bounds) - 1, object)
    out[:] = [raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds[:-1],
                                                                        bounds[1:])]
    return out


def _json_bytes(value: object) -> np.ndarray:
    return np.frombuffer(json.dumps(value, sort_keys=True).encode(), np.uint8)


def _write(feed: TransitFeed, tmp: Path) -> None:
    arrays: dict[str, np.ndarray] = {name: getattr(feed, name) for name in _NUMBERS}
    for name in _TEXT:
        arrays[f"{name}_utf8"], arrays[f"{name}_offsets"] = _pack_text(getattr(feed, name))
    arrays["meta"] = _json_bytes({"source": feed.source, "service_date": feed.service_date,
                                  "feed_info": feed.feed_info,
                                  "warnings": list(feed.warnings),
                                  "read_only": [name for name in _NUMBERS
                                                if not arrays[name].flags.writeable]})
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]


def _load(target: Path) -> TransitFeed:
    with np.load(target, allow_pickle=False) as z:
        fields: dict[str, object] = {name: z[name] for name in _NUMBERS}
        for name in _TEXT:
            fields[name] = _unpack_text(z[f"{name}_utf8"], z[f"{name}_offsets"])
        meta = json.loads(z["meta"].tobytes().decode())
    for name in meta["read_only"]:  # as read_gtfs leaves them (numba types them apart)
        fields[name].setflags(write=False)  # type: ignore[attr-defined]
    return TransitFeed(source=str(meta["source"]), service_date=str(meta["service_date"]),
                       feed_info={str(k): str(v) for k, v in meta["feed_info"].items()},
                       warnings=tuple(str(w) for w in meta["warnings"]),
                       **fields)  # type: ignore[arg-type]


def read_gtfs_cached(path: str | Path, *, service_date: str = "",
                     area_bbox: tuple[float, float, float, float] | None = None,
                     area_margin_m: float = 2000.0,
                     cache_dir: str | Path | None = None) -> TransitFeed:
    """:func:`~kl_mobility.pt.gtfs.read_gtfs` of ``path`` through the cache in
    ``cache_dir`` (default :func:`~kl_mobility.network.cache.default_cache_dir`; module
    docstring). A feed that cannot be hashed (missing, unreadable) is read directly, which
    reports its problem."""
    path = Path(path)
    try:
        key = _key(path, service_date, area_bbox, area_margin_m)
    except OSError:
        return read_gtfs(path, service_date=service_date, area_bbox=area_bbox,
                         area_margin_m=area_margin_m)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / f"gtfs-read-{key}.npz"
    if cache_file_ok(target):
        try:
            return _load(target)
        except LOAD_ERRORS as exc:  # a UnicodeDecodeError is a ValueError
            report_damaged(target, f"unreadable: {exc}")
    feed = read_gtfs(path, service_date=service_date, area_bbox=area_bbox,
                     area_margin_m=area_margin_m)
    cache.mkdir(parents=True, exist_ok=True)
    write_cache_file(target, lambda tmp: _write(feed, tmp))
    return feed
