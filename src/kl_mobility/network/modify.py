"""Speed modifications as data, e.g. Tempo 30 (Mobilitätsplan Klima+ 2030, Ziel 5-4-2)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from kl_mobility.network.config import SpeedCapConfig
from kl_mobility.network.graph import RoadNetwork

__all__ = ["apply_speed_cap", "apply_speed_caps", "points_in_polygon"]


def points_in_polygon(lat: np.ndarray, lon: np.ndarray, polygon_latlon: Sequence[tuple[float, float]]) -> np.ndarray:
    """Boolean mask of points inside the polygon (even-odd rule, vertices as (lat, lon))."""
    poly = np.asarray(polygon_latlon, np.float64)
    py, px = poly[:, 0], poly[:, 1]
    inside = np.zeros(np.shape(lat), bool)
    j = len(poly) - 1
    for i in range(len(poly)):
        yi, xi, yj, xj = py[i], px[i], py[j], px[j]
        crosses = (yi > lat) != (yj > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = (xj - xi) * (lat - yi) / (yj - yi) + xi
        inside ^= crosses & (lon < x_at)
        j = i
    return inside


def apply_speed_cap(network: RoadNetwork, cap: SpeedCapConfig) -> RoadNetwork:
    """A new network where the edges selected by ``cap`` drive at most ``cap.max_speed_kmh``.

    Edges are selected by highway type (all when ``cap.highway_types`` is empty) and, when a
    polygon is given, by their midpoint lying inside it. Travel times are re-derived.
    """
    mask = np.ones(network.n_edges, bool)
    if cap.highway_types:
        unknown = set(cap.highway_types) - set(network.highway_names)
        codes = [network.highway_names.index(h) for h in cap.highway_types if h not in unknown]
        mask &= np.isin(network.edge_highway, np.array(codes, np.int8))
    if cap.polygon_latlon:
        t, h = network.edge_tail, network.edge_head
        mid_lat = (network.node_lat[t] + network.node_lat[h]) / 2
        mid_lon = (network.node_lon[t] + network.node_lon[h]) / 2
        mask &= points_in_polygon(mid_lat, mid_lon, cap.polygon_latlon)
    speed = network.edge_speed_kmh.copy()
    speed[mask] = np.minimum(speed[mask], cap.max_speed_kmh)
    suffix = json.dumps([cap.max_speed_kmh, list(cap.highway_types), list(cap.polygon_latlon)])
    return network.with_edge_speeds(speed, key_suffix=suffix)


def apply_speed_caps(network: RoadNetwork, caps: Sequence[SpeedCapConfig]) -> RoadNetwork:
    """Apply several caps in order."""
    for cap in caps:
        network = apply_speed_cap(network, cap)
    return network
