"""Building the drivable road network from OSM (file or online place) with osmnx."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kl_mobility.network.cache import (
    LOAD_ERRORS,
    cache_file_ok,
    default_cache_dir,
    file_sha256,
    report_damaged,
)
from kl_mobility.network.config import SpeedCapConfig
from kl_mobility.network.graph import RoadNetwork, network_from_edges
from kl_mobility.network.modify import apply_speed_caps
from kl_mobility.network.osm import (
    NetworkSourceError,
    default_osm_path,
    filter_drivable_osm,
)
from kl_mobility.network.speeds import GERMAN_URBAN_DEFAULT_SPEEDS_KMH, speed_for_edge
from kl_mobility.progress import ProgressCallback, report

if TYPE_CHECKING:
    import networkx as nx  # only the graph's type: loading a cached network needs no networkx

__all__ = ["load_network", "network_from_graph", "network_from_osm", "network_from_place"]

log = logging.getLogger(__name__)

BUILD_FORMAT = 1
"""Bumped whenever the build changes what it produces (invalidates caches)."""

MIN_NODES = 2
"""A network needs at least two nodes reachable from each other (one trip between them)."""


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def network_from_graph(
    g: nx.MultiDiGraph,
    *,
    name: str,
    key: str,
    default_speeds_kmh: Mapping[str, float] = GERMAN_URBAN_DEFAULT_SPEEDS_KMH,
    meta: dict[str, Any] | None = None,
) -> RoadNetwork:
    """Flat arrays from an osmnx graph: largest strongly connected component, speeds
    from ``maxspeed`` or the per-type defaults, integer travel times."""
    import osmnx as ox

    n_raw = g.number_of_nodes()
    g = ox.truncate.largest_component(g, strongly=True)
    if g.number_of_nodes() < MIN_NODES or g.number_of_edges() < 1:
        raise NetworkSourceError(
            f"{(meta or {}).get('source', name)}: the drivable network's largest strongly connected part has "
            f"{g.number_of_nodes()} node(s) and {g.number_of_edges()} edge(s); at least "
            f"{MIN_NODES} nodes joined by roads both ways are needed to simulate trips")
    osmids = np.array(sorted(g.nodes), dtype=np.int64)
    index = {int(o): i for i, o in enumerate(osmids)}
    lat = np.array([g.nodes[o]["y"] for o in osmids.tolist()], np.float64)
    lon = np.array([g.nodes[o]["x"] for o in osmids.tolist()], np.float64)
    tails, heads, lengths, speeds, hws = [], [], [], [], []
    for u, v, data in g.edges(data=True):
        hw = str(_first(data.get("highway", "road")))
        tails.append(index[u])
        heads.append(index[v])
        lengths.append(float(data["length"]))
        speeds.append(speed_for_edge(data.get("maxspeed"), hw, default_speeds_kmh))
        hws.append(hw)
    info = dict(meta or {})
    info.update(nodes_before_component=n_raw, component_share=len(osmids) / max(n_raw, 1))
    return network_from_edges(
        lat, lon, osmids, np.array(tails), np.array(heads), np.array(lengths),
        np.array(speeds), hws, name=name, key=key, meta=info,
    )


def _build_key(source_id: str, default_speeds_kmh: Mapping[str, float]) -> str:
    blob = json.dumps({"source": source_id, "speeds": dict(default_speeds_kmh),
                       "format": BUILD_FORMAT}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def network_from_osm(
    path: str | Path,
    *,
    default_speeds_kmh: Mapping[str, float] = GERMAN_URBAN_DEFAULT_SPEEDS_KMH,
    progress: ProgressCallback | None = None,
) -> RoadNetwork:
    """Build the drivable network from an OSM XML file (plain, ``.gz`` or ``.bz2``).

    Drive-network semantics of osmnx (see :mod:`kl_mobility.network.osm`), one-way streets
    respected, the largest strongly connected component kept, edge speeds from
    ``maxspeed`` or ``default_speeds_kmh`` per highway type, integer travel times.
    """
    import osmnx as ox

    path = Path(path)
    report(progress, "network: read OSM", 0, 3)
    key = _build_key(file_sha256(path) if path.is_file() else str(path), default_speeds_kmh)
    with tempfile.TemporaryDirectory(prefix="kl-osm-") as tmp:
        filtered = Path(tmp) / "drive.osm"
        n_ways, n_nodes = filter_drivable_osm(path, filtered)
        report(progress, "network: read OSM", 1, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = ox.graph_from_xml(filtered, simplify=False, retain_all=True)
    report(progress, "network: read OSM", 2, 3)
    if g.number_of_edges() == 0:
        raise NetworkSourceError(f"{path}: contains no drivable roads")
    net = network_from_graph(
        g, name=path.name.split(".")[0], key=key, default_speeds_kmh=default_speeds_kmh,
        meta={"source": str(path), "drivable_ways": n_ways, "drivable_osm_nodes": n_nodes},
    )
    report(progress, "network: read OSM", 3, 3)
    return net


def network_from_place(
    place: str,
    *,
    default_speeds_kmh: Mapping[str, float] = GERMAN_URBAN_DEFAULT_SPEEDS_KMH,
    cache_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
    rebuild: bool = False,
) -> RoadNetwork:
    """Fetch the drivable network of ``place`` online through osmnx (needs internet).

    Same semantics as :func:`network_from_osm`; the result is cached in ``cache_dir``
    (default ``networks/``) under the place name, so later calls work offline.
    """
    import osmnx as ox

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = _build_key(f"place:{place}", default_speeds_kmh)
    target = cache / f"place-{key}.npz"
    net = None if rebuild else _cached_network(target)
    if net is not None:
        return net
    report(progress, "network: download", 0, 1)
    try:
        g = ox.graph_from_place(place, network_type="drive", simplify=True, retain_all=True)
    except Exception as exc:  # osmnx raises many kinds (HTTP, geocoding)
        raise NetworkSourceError(f"place '{place}': cannot fetch the network online ({exc})") from None
    report(progress, "network: download", 1, 1)
    net = network_from_graph(g, name=place, key=key, default_speeds_kmh=default_speeds_kmh,
                             meta={"source": f"place:{place}"})
    net.to_npz(target)
    return net


def _cached_network(target: Path) -> RoadNetwork | None:
    """The network cached at ``target`` when it is there and intact, else ``None`` (a
    damaged entry is reported in one line and will be rebuilt)."""
    if not cache_file_ok(target):
        return None
    try:
        return RoadNetwork.from_npz(target)
    except LOAD_ERRORS as exc:
        report_damaged(target, f"unreadable: {exc}")
        return None


def load_network(
    osm_file: str | Path | None = None,
    *,
    place: str | None = None,
    cache_dir: str | Path | None = None,
    speed_caps: Sequence[SpeedCapConfig] = (),
    default_speeds_kmh: Mapping[str, float] = GERMAN_URBAN_DEFAULT_SPEEDS_KMH,
    progress: ProgressCallback | None = None,
    rebuild: bool = False,
) -> RoadNetwork:
    """The network of an OSM file (default :func:`default_osm_path`) or of an online place,
    from the cache when the source and options are unchanged, then with ``speed_caps``.

    The cache entry is keyed by the SHA-256 of the source file and the build options, so a
    changed file or option rebuilds; a damaged entry (:mod:`kl_mobility.network.cache`) is
    reported and rebuilt; ``rebuild=True`` rebuilds it in place regardless.
    """
    t0 = time.perf_counter()
    if place:
        net = network_from_place(place, default_speeds_kmh=default_speeds_kmh,
                                 cache_dir=cache_dir, progress=progress, rebuild=rebuild)
    else:
        path = Path(osm_file) if osm_file else default_osm_path()
        if not path.is_file():
            raise NetworkSourceError(
                f"{path}: file not found (set --osm, $KL_MOBILITY_OSM or network.osm_file)"
            )
        key = _build_key(file_sha256(path), default_speeds_kmh)
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        target = cache / f"{path.name.split('.')[0]}-{key}.npz"
        cached = None if rebuild else _cached_network(target)
        if cached is not None:
            net = cached
            log.debug("network loaded from cache %s", target)
        else:
            net = network_from_osm(path, default_speeds_kmh=default_speeds_kmh, progress=progress)
            net.to_npz(target)
            log.debug("network built and cached at %s", target)
    if speed_caps:
        net = apply_speed_caps(net, speed_caps)
    log.debug("network ready in %.2f s", time.perf_counter() - t0)
    return net
