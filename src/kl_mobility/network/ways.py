"""OSM way id and street name of every road edge (for GIS output that joins on OSM).

The network keeps OSM *node* ids (``node_osmid``); the ways are read again from the OSM
file the network was built from: each pair of consecutive nodes of a drivable way
(:func:`~kl_mobility.network.osm.is_drivable_way`, the filter of the build) is one edge in
one or both directions. A node pair on two ways (rare: overlapping ways) takes the way
with the smallest id, so the answer does not depend on the file's order.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
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
from kl_mobility.network.graph import RoadNetwork
from kl_mobility.network.osm import NetworkSourceError, is_drivable_way, open_osm

__all__ = ["EdgeWays", "cached_edge_ways", "edge_ways"]


class EdgeWays:
    """``way_id`` (int64, -1 = no way found) and ``name`` (object, "" = unnamed) per edge,
    ``ref`` (the road number, e.g. "B 270", "" = none) and ``n_missing`` edges without a
    way."""

    def __init__(self, way_id: np.ndarray, name: np.ndarray, ref: np.ndarray):
        self.way_id = way_id
        self.name = name
        self.ref = ref

    @property
    def n_missing(self) -> int:
        return int((self.way_id < 0).sum())


def _pairs(path: Path) -> dict[tuple[int, int], tuple[int, str, str]]:
    pairs: dict[tuple[int, int], tuple[int, str, str]] = {}
    try:
        with open_osm(path) as fh:
            for _event, elem in ET.iterparse(fh, events=("end",)):
                if elem.tag == "way":
                    tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                    if is_drivable_way(tags):
                        wid = int(elem.get("id", "0"))
                        refs = [int(nd.get("ref", "0")) for nd in elem.iter("nd")]
                        value = (wid, tags.get("name", ""), tags.get("ref", ""))
                        for a, b in zip(refs[:-1], refs[1:], strict=True):
                            key = (a, b) if a < b else (b, a)
                            old = pairs.get(key)
                            if old is None or wid < old[0]:
                                pairs[key] = value
                    elem.clear()
                elif elem.tag in ("node", "relation"):
                    elem.clear()
    except (ET.ParseError, ValueError, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise NetworkSourceError(f"{path}: cannot read the OSM ways ({exc})") from None
    return pairs


def edge_ways(network: RoadNetwork, osm_path: str | Path) -> EdgeWays:
    """The OSM way of every edge of ``network`` from ``osm_path`` (the file it was built
    from; :class:`~kl_mobility.network.osm.NetworkSourceError` naming it when unreadable)."""
    pairs = _pairs(Path(osm_path))
    a = network.node_osmid[network.edge_tail]
    b = network.node_osmid[network.edge_head]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    n = network.n_edges
    way_id = np.full(n, -1, np.int64)
    name = np.full(n, "", dtype=object)
    ref = np.full(n, "", dtype=object)
    for e in range(n):
        hit = pairs.get((int(lo[e]), int(hi[e])))
        if hit is not None:
            way_id[e], name[e], ref[e] = hit
    return EdgeWays(way_id, name, ref)


WAYS_FORMAT = 1
"""Bumped whenever :func:`edge_ways` changes what it produces (invalidates the cache)."""


def cached_edge_ways(network: RoadNetwork, osm_path: str | Path,
                     cache_dir: str | Path | None = None) -> EdgeWays:
    """:func:`edge_ways`, cached in ``cache_dir`` (default ``networks/``) beside the network
    under the SHA-256 of the OSM file and the network's size (speed caps change neither);
    a damaged entry is reported and rebuilt."""
    osm_path = Path(osm_path)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = f"{file_sha256(osm_path)[:16]}-{network.n_nodes}-{network.n_edges}-v{WAYS_FORMAT}"
    target = cache / f"ways-{key}.npz"
    if cache_file_ok(target):
        try:
            with np.load(target, allow_pickle=False) as z:
                ways = EdgeWays(z["way_id"], z["name"].astype(object), z["ref"].astype(object))
            if ways.way_id.shape[0] == network.n_edges:
                return ways
            report_damaged(target, "edge count differs")
        except LOAD_ERRORS as exc:
            report_damaged(target, f"unreadable: {exc}")
    ways = edge_ways(network, osm_path)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, way_id=ways.way_id, name=ways.name.astype(np.str_),
                     ref=ways.ref.astype(np.str_))

    cache.mkdir(parents=True, exist_ok=True)
    write_cache_file(target, write)
    return ways
