"""Snapping (lat, lon) points to the nearest network node with a k-d tree."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from kl_mobility.errors import InputError
from kl_mobility.network.graph import RoadNetwork, local_xy

__all__ = ["DEFAULT_MAX_SNAP_M", "SnapError", "nearest_nodes", "snap"]

DEFAULT_MAX_SNAP_M = 500.0

_TREES: dict[int, cKDTree] = {}


class SnapError(InputError):
    """A point too far from the network to be snapped."""


def _tree(network: RoadNetwork) -> cKDTree:
    tree = _TREES.get(id(network))
    if tree is None or tree.n != network.n_nodes:
        tree = cKDTree(np.column_stack([network.node_x, network.node_y]))
        _TREES.clear()
        _TREES[id(network)] = tree
    return tree


def nearest_nodes(network: RoadNetwork, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node (int32) and its straight-line distance (m) for every point."""
    lat = np.atleast_1d(np.asarray(lat, np.float64))
    lon = np.atleast_1d(np.asarray(lon, np.float64))
    if lat.shape != lon.shape:
        raise ValueError("lat and lon must have the same shape")
    lat0, lon0 = network.origin_latlon
    x, y = local_xy(lat, lon, lat0, lon0)
    dist, idx = _tree(network).query(np.column_stack([x, y]))
    return idx.astype(np.int32), dist


def snap(
    network: RoadNetwork, lat: np.ndarray, lon: np.ndarray, max_dist_m: float = DEFAULT_MAX_SNAP_M
) -> np.ndarray:
    """Nearest node of every point; :class:`SnapError` names the first points farther
    than ``max_dist_m`` from any node (never a silent snap)."""
    lat = np.atleast_1d(np.asarray(lat, np.float64))
    lon = np.atleast_1d(np.asarray(lon, np.float64))
    bad = ~(np.isfinite(lat) & np.isfinite(lon))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SnapError(f"point {i} ({lat[i]}, {lon[i]}) has no valid coordinates")
    nodes, dist = nearest_nodes(network, lat, lon)
    far = np.flatnonzero(dist > max_dist_m)
    if far.size:
        shown = ", ".join(
            f"point {i} ({lat[i]:.6f}, {lon[i]:.6f}) is {dist[i]:.0f} m away" for i in far[:5]
        )
        more = f" and {far.size - 5} more" if far.size > 5 else ""
        raise SnapError(
            f"{far.size} point(s) farther than {max_dist_m:.0f} m from the road network: {shown}{more}"
        )
    return nodes
