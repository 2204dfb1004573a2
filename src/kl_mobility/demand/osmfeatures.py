"""Buildings, points of interest and bus stops from an OSM XML extract.

One streaming pass (``xml.etree.ElementTree.iterparse``) over the file: node coordinates,
building footprints (area by the shoelace formula in local metres, centroid), POIs
(``shop=*``, visitor ``amenity=*``, schools) as nodes or way centroids, ``highway=bus_stop``
and ``highway=traffic_signals``
nodes, and non-residential land use polygons (``landuse`` commercial, industrial, retail,
military). A building counts as residential when its type is a housing type or the
unspecific ``yes``, it carries no shop/amenity/office tag and its centroid is not inside a
non-residential land use polygon; the footprint size threshold is applied later
(:attr:`DemandConfig.min_residential_m2`). The result is cached beside the networks, keyed by
the SHA-256 of the file.
"""

from __future__ import annotations

import logging
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from kl_mobility.network.cache import (
    LOAD_ERRORS,
    cache_file_ok,
    default_cache_dir,
    file_sha256,
    report_damaged,
    write_cache_file,
)
from kl_mobility.network.graph import EARTH_RADIUS_M
from kl_mobility.network.osm import NetworkSourceError, open_osm
from kl_mobility.progress import ProgressCallback, report

__all__ = ["BUILDING_NONRES", "BUILDING_OTHER", "BUILDING_RES", "POI_AMENITY", "POI_SCHOOL",
           "POI_SHOP", "OsmFeatures", "osm_features", "parse_osm_features"]

log = logging.getLogger(__name__)

_VERSION = 2
BUILDING_RES, BUILDING_NONRES, BUILDING_OTHER = 0, 1, 2
POI_SHOP, POI_AMENITY, POI_SCHOOL = 0, 1, 2

_RES_TYPES = frozenset({
    "yes", "house", "residential", "apartments", "detached", "semidetached_house", "terrace",
    "dormitory", "farm", "bungalow",
})
_OTHER_TYPES = frozenset({
    "garage", "garages", "shed", "hut", "roof", "carport", "ruins", "greenhouse", "glasshouse",
    "construction", "service", "transformer_tower", "entrance", "no",
})
_NONRES_LANDUSE = frozenset({"commercial", "industrial", "retail", "military"})
_SCHOOL_AMENITY = frozenset({"school", "kindergarten", "college", "university"})
# Visitor destinations; street furniture (bench, post_box, waste_basket, ...) and parking
# are not trip ends in their own right.
_VISITOR_AMENITY = frozenset({
    "restaurant", "fast_food", "cafe", "pub", "bar", "biergarten", "nightclub", "bank",
    "pharmacy", "doctors", "dentist", "hospital", "clinic", "place_of_worship", "library",
    "post_office", "public_building", "townhall", "police", "cinema", "theatre",
    "social_facility", "retirement_home", "veterinary", "driving_school", "fuel", "car_wash",
    "community_centre", "arts_centre", "marketplace", "courthouse", "ice_cream",
})


@dataclass(frozen=True)
class OsmFeatures:
    """Flat arrays of the features of one OSM file (all coordinates WGS84)."""

    building_lat: np.ndarray
    building_lon: np.ndarray
    building_area_m2: np.ndarray
    building_kind: np.ndarray
    poi_lat: np.ndarray
    poi_lon: np.ndarray
    poi_kind: np.ndarray
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    signal_osmid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """OSM ids of the nodes tagged ``highway=traffic_signals``."""

    def to_npz(self, path: Path) -> None:
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **{f.name: getattr(self, f.name) for f in fields(self)})

        write_cache_file(path, write)

    @classmethod
    def from_npz(cls, path: Path) -> OsmFeatures:
        with np.load(path, allow_pickle=False) as z:
            return cls(**{f.name: z[f.name] for f in fields(cls)})


def _polygon_xy(refs: list[int], coords: dict[int, tuple[float, float]], lat0: float
                ) -> tuple[np.ndarray, np.ndarray] | None:
    pts = [coords[r] for r in refs if r in coords]
    if len(pts) < 3:
        return None
    arr = np.asarray(pts, np.float64)
    k = math.pi / 180.0 * EARTH_RADIUS_M
    return arr[:, 1] * k * math.cos(math.radians(lat0)), arr[:, 0] * k


def _shoelace(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Area and area centroid of a polygon ring (closed or open)."""
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    a = 0.5 * float(cross.sum())
    if abs(a) < 1e-9:
        return 0.0, float(x.mean()), float(y.mean())
    cx = float(((x + x1) * cross).sum()) / (6.0 * a)
    cy = float(((y + y1) * cross).sum()) / (6.0 * a)
    return abs(a), cx, cy


def _inside_any(pts: np.ndarray, polygons: list[np.ndarray]) -> np.ndarray:
    """Which points ``[n, 2]`` lie inside any of ``polygons`` (each ``[k, 2]``, same
    coordinates)."""
    from matplotlib.path import Path as MplPath  # only when the features are built

    inside = np.zeros(len(pts), bool)
    for poly in polygons:
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        cand = np.flatnonzero((pts[:, 0] >= lo[0]) & (pts[:, 0] <= hi[0])
                              & (pts[:, 1] >= lo[1]) & (pts[:, 1] <= hi[1]))
        if cand.size:
            inside[cand] |= MplPath(poly).contains_points(pts[cand])
    return inside


def parse_osm_features(path: str | Path, progress: ProgressCallback | None = None) -> OsmFeatures:
    """Parse ``path`` (plain, .gz or .bz2 OSM XML) into :class:`OsmFeatures`."""
    path = Path(path)
    coords: dict[int, tuple[float, float]] = {}
    b_rows: list[tuple[float, float, float, int]] = []
    p_rows: list[tuple[float, float, int]] = []
    stops: list[tuple[float, float]] = []
    signals: list[int] = []
    landuse: list[np.ndarray] = []
    lat0 = 0.0
    k = math.pi / 180.0 * EARTH_RADIUS_M
    report(progress, "OSM buildings and POIs", 0, 1)
    try:
        with open_osm(path) as fh:
            for _, el in ET.iterparse(fh, events=("end",)):
                tag = el.tag
                if tag == "node":
                    lat, lon = float(el.get("lat", "nan")), float(el.get("lon", "nan"))
                    coords[int(el.get("id", "0"))] = (lat, lon)
                    if not lat0:
                        lat0 = lat
                    tags = {t.get("k"): t.get("v") for t in el.iter("tag")}
                    if tags:
                        if tags.get("highway") == "bus_stop":
                            stops.append((lat, lon))
                        elif tags.get("highway") == "traffic_signals":
                            signals.append(int(el.get("id", "0")))
                        kind = _poi_kind(tags)
                        if kind is not None:
                            p_rows.append((lat, lon, kind))
                    el.clear()
                elif tag == "way":
                    tags = {t.get("k"): t.get("v") for t in el.iter("tag")}
                    if "building" in tags or tags.get("landuse") in _NONRES_LANDUSE or \
                            _poi_kind(tags) is not None:
                        refs = [int(nd.get("ref", "0")) for nd in el.iter("nd")]
                        xy = _polygon_xy(refs, coords, lat0)
                        if xy is not None:
                            area, cx, cy = _shoelace(*xy)
                            clat = cy / k
                            clon = cx / (k * math.cos(math.radians(lat0)))
                            if "building" in tags:
                                b_rows.append((clat, clon, area, _building_kind(tags)))
                            elif tags.get("landuse") in _NONRES_LANDUSE:
                                landuse.append(np.column_stack(xy))
                            kind = _poi_kind(tags)
                            if kind is not None:
                                p_rows.append((clat, clon, kind))
                    el.clear()
                elif tag == "relation":
                    el.clear()
    except ET.ParseError as exc:
        raise NetworkSourceError(f"{path}: not valid OSM XML ({exc})") from None
    b = np.asarray(b_rows, np.float64).reshape(-1, 4)
    bkind = b[:, 3].astype(np.int8)
    if landuse and len(b):
        bx = b[:, 1] * k * math.cos(math.radians(lat0))
        by = b[:, 0] * k
        inside = _inside_any(np.column_stack([bx, by]), landuse)
        bkind[(bkind == BUILDING_RES) & inside] = BUILDING_NONRES
    p = np.asarray(p_rows, np.float64).reshape(-1, 3)
    s = np.asarray(stops, np.float64).reshape(-1, 2)
    report(progress, "OSM buildings and POIs", 1, 1)
    return OsmFeatures(b[:, 0].copy(), b[:, 1].copy(), b[:, 2].copy(), bkind,
                       p[:, 0].copy(), p[:, 1].copy(), p[:, 2].astype(np.int8),
                       s[:, 0].copy(), s[:, 1].copy(), np.asarray(signals, np.int64))


def _building_kind(tags: dict[str, str]) -> int:
    btype = tags.get("building", "yes")
    if btype in _OTHER_TYPES:
        return BUILDING_OTHER
    if btype in _RES_TYPES and not any(k in tags for k in ("shop", "amenity", "office")):
        return BUILDING_RES
    return BUILDING_NONRES


def _poi_kind(tags: dict[str, str]) -> int | None:
    amenity = tags.get("amenity")
    if amenity in _SCHOOL_AMENITY:
        return POI_SCHOOL
    if "shop" in tags:
        return POI_SHOP
    if amenity in _VISITOR_AMENITY or "office" in tags:
        return POI_AMENITY
    return None


def osm_features(path: str | Path, *, cache_dir: str | Path | None = None,
                 progress: ProgressCallback | None = None) -> OsmFeatures:
    """:func:`parse_osm_features` of ``path``, cached under ``cache_dir`` by file hash."""
    path = Path(path)
    if not path.is_file():
        raise NetworkSourceError(f"{path}: OSM file not found")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / f"demand-features-{file_sha256(path)[:16]}-v{_VERSION}.npz"
    if cache_file_ok(target):
        try:
            return OsmFeatures.from_npz(target)
        except LOAD_ERRORS as exc:
            report_damaged(target, f"unreadable: {exc}")
    feats = parse_osm_features(path, progress)
    try:
        feats.to_npz(target)
    except OSError as exc:  # a read-only cache is not an error
        log.warning("cannot cache demand features at %s: %s", target, exc)
    return feats
