"""A scenario's public transport supply: the feed (a given GTFS feed, or the synthetic
Kaiserslautern feed built once into the network cache) read and validated, and the
router's timetable.

The synthetic feed is cached as ``gtfs-<osm name>-<key>.zip`` beside the network (with a
manifest, :mod:`kl_mobility.network.cache`), keyed by the road network (source and speed
caps: they change the bus running times), the build options of ``[pt]`` and
:data:`FEED_FORMAT`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from pathlib import Path

from kl_mobility.network import RoadNetwork, TravelTimeOracle, default_osm_path
from kl_mobility.network.cache import cache_file_ok, default_cache_dir, write_cache_file
from kl_mobility.pt.build import BuildReport, build_feed, write_feed_zip
from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.feedcache import read_gtfs_cached
from kl_mobility.pt.gtfs import TransitFeed
from kl_mobility.pt.router import Timetable, timetable_from_feed

__all__ = ["BUILD_KEYS", "FEED_FORMAT", "PtSupply", "load_transit", "pt_kpis",
           "scenario_supply", "synthetic_feed_path"]

FEED_FORMAT = 1
"""Version of the synthetic feed's build rules (a change rebuilds cached feeds)."""

BUILD_KEYS = ("bus_time_factor", "dwell_s", "service_scale", "bus_first_departure_s",
              "bus_last_departure_s")
"""The ``[pt]`` keys the synthetic feed depends on."""


def _key(network: RoadNetwork, cfg: PtConfig) -> str:
    blob = json.dumps({"network": network.key, "format": FEED_FORMAT,
                       **{k: getattr(cfg, k) for k in BUILD_KEYS}}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def synthetic_feed_path(network: RoadNetwork, oracle: TravelTimeOracle, cfg: PtConfig, *,
                        osm_file: str | Path | None = None,
                        cache_dir: str | Path | None = None, rebuild: bool = False
                        ) -> tuple[Path, BuildReport | None]:
    """The cached synthetic feed for this network and ``cfg`` (built when missing, damaged
    or ``rebuild``); the report is ``None`` when the cached file was used."""
    osm = Path(osm_file) if osm_file else default_osm_path()
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / f"gtfs-{osm.name.split('.')[0]}-{_key(network, cfg)}.zip"
    if not rebuild and target.is_file() and cache_file_ok(target):
        return target, None
    tables, report = build_feed(osm, network, oracle, cfg)
    cache.mkdir(parents=True, exist_ok=True)
    write_cache_file(target, functools.partial(write_feed_zip, tables))
    return target, report


def load_transit(cfg: PtConfig, network: RoadNetwork, oracle: TravelTimeOracle, *,
                 osm_file: str | Path | None = None, cache_dir: str | Path | None = None
                 ) -> tuple[TransitFeed, Timetable]:
    """The scenario's feed (``cfg.feed`` or the synthetic one) and its timetable; stops far
    outside the network's area are in ``feed.warnings``. The read feed is cached in
    ``cache_dir`` (:mod:`kl_mobility.pt.feedcache`)."""
    path = Path(cfg.feed) if cfg.feed else synthetic_feed_path(
        network, oracle, cfg, osm_file=osm_file, cache_dir=cache_dir)[0]
    bbox = (float(network.node_lat.min()), float(network.node_lon.min()),
            float(network.node_lat.max()), float(network.node_lon.max()))
    feed = read_gtfs_cached(path, service_date=cfg.service_date, area_bbox=bbox,
                            cache_dir=cache_dir)
    return feed, timetable_from_feed(feed, cfg)


@dataclass(frozen=True, eq=False)
class PtSupply:
    """A scenario's public transport: the feed, its timetable, and the feed file (which
    keys the cached zone-to-zone times)."""

    feed: TransitFeed
    timetable: Timetable
    path: Path

    @property
    def config(self) -> PtConfig:
        return self.timetable.config


def scenario_supply(cfg: PtConfig, network: RoadNetwork, oracle: TravelTimeOracle, *,
                    osm_file: str | Path | None = None, cache_dir: str | Path | None = None
                    ) -> PtSupply:
    """:func:`load_transit` with the feed file kept (see :class:`PtSupply`)."""
    path = Path(cfg.feed) if cfg.feed else synthetic_feed_path(
        network, oracle, cfg, osm_file=osm_file, cache_dir=cache_dir)[0]
    cfg = dataclass_replace(cfg, feed=str(path))
    key = _read_key(path, cfg, network)
    supply = _READ.get(key) if key is not None else None
    if supply is None:
        feed, tt = load_transit(cfg, network, oracle, osm_file=osm_file, cache_dir=cache_dir)
        supply = PtSupply(feed, tt, path)
        if key is not None:
            while len(_READ) >= _READ_KEEP:
                _READ.pop(next(iter(_READ)))
            _READ[key] = supply
    return supply


#: Supplies read in this process, by :func:`_read_key`: a run reads the same feed for the
#: scenario and its calibration reference, before and after the demand rounds.
_READ: dict[tuple[object, ...], PtSupply] = {}
_READ_KEEP = 4


def _read_key(path: Path, cfg: PtConfig, network: RoadNetwork) -> tuple[object, ...] | None:
    """What the read feed and its timetable depend on: the feed's files (name, size, time
    of change), ``cfg`` and the network's area; ``None`` when the files cannot be listed
    (then the feed is read, and reports its own error)."""
    try:
        files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
        stats = tuple((str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    except OSError:
        return None
    bbox = (float(network.node_lat.min()), float(network.node_lon.min()),
            float(network.node_lat.max()), float(network.node_lon.max()))
    return (stats, cfg, bbox)


def pt_kpis(supply: PtSupply, bus_g_per_vkm: float) -> dict[str, float]:
    """The supply of the simulated day from the feed: ``pt_bus_trips``, ``pt_bus_vkm``,
    ``pt_rail_vkm`` (first to last stop of each trip, GTFS route types 3 and 2) and
    ``pt_bus_co2_kg`` = bus vehicle-km x ``bus_g_per_vkm`` (the scenario's emissions
    factor per bus-km) / 1000."""
    feed = supply.feed
    bus = feed.vehicle_km((3,))
    return {"pt_bus_trips": float((feed.route_type[feed.trip_route] == 3).sum()),
            "pt_bus_vkm": bus, "pt_rail_vkm": feed.vehicle_km((2,)),
            "pt_bus_co2_kg": bus * bus_g_per_vkm / 1000.0}
