"""GeoJSON export of road-segment vehicle-km and stops (opens in QGIS).

RFC 7946 GeoJSON: WGS84 coordinates in ``[longitude, latitude]`` order, no ``crs`` member.
Road segments are straight lines between the coordinates of an edge's two network nodes.

- :func:`edges_geojson`: one ``LineString`` feature per (scenario, directed edge) with the
  mean over seeds of ``vkm_total``, ``vkm_occupied``, ``passenger_km`` (and any
  ``vkm_total__<type>`` columns) of ``edges.parquet``.
- :func:`stops_geojson`: one ``Point`` feature per (scenario, node) where passengers
  boarded or alighted, with the mean boardings and alightings per simulated day.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["edges_geojson", "stops_geojson", "write_geojson"]

_EDGE_VALUES = ("vkm_total", "vkm_occupied", "passenger_km", "n_traversals")


def _num(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        return None if math.isnan(f) else round(f, 6)
    return v


def edges_geojson(edges: pd.DataFrame, node_lat: np.ndarray, node_lon: np.ndarray) -> dict:
    """FeatureCollection of road segments from a tidy ``edges`` table.

    ``edges`` holds ``scenario, seed, edge_id, u, v`` and value columns (``edges.parquet`` of
    every run with ``scenario`` and ``seed`` added); values are averaged over the seeds of
    each scenario (an edge not driven in a seed counts 0 there).
    """
    features = []
    if len(edges):
        value_cols = [c for c in edges.columns
                      if c in _EDGE_VALUES or c.startswith("vkm_total__")]
        n_seeds = edges.groupby("scenario")["seed"].nunique()
        summed = edges.groupby(["scenario", "edge_id", "u", "v"], sort=True)[value_cols].sum()
        for (scen, edge_id, u, v), row in summed.iterrows():
            k = n_seeds[scen]
            u, v = int(u), int(v)
            props = {"scenario": scen, "edge_id": int(edge_id), "u": u, "v": v}
            props.update({c: _num(row[c] / k) for c in value_cols})
            coords = [[round(float(node_lon[u]), 7), round(float(node_lat[u]), 7)],
                      [round(float(node_lon[v]), 7), round(float(node_lat[v]), 7)]]
            features.append({"type": "Feature",
                             "geometry": {"type": "LineString", "coordinates": coords},
                             "properties": props})
    return {"type": "FeatureCollection", "features": features}


def stops_geojson(trips: pd.DataFrame, node_lat: np.ndarray, node_lon: np.ndarray) -> dict:
    """FeatureCollection of boarding/alighting nodes from a tidy ``trips`` table.

    Served trips board at ``origin_node`` and alight at ``dest_node`` (the stop node for
    stop-based services); counts are persons per simulated day, mean over seeds.
    """
    features = []
    served = trips[trips["status"].astype(str) == "served"] if len(trips) else trips
    if len(served):
        n_seeds = trips.groupby("scenario")["seed"].nunique()
        pax = served["passengers"].astype(float)
        board = served.assign(node=served["origin_node"], b=pax, a=0.0)
        alight = served.assign(node=served["dest_node"], b=0.0, a=pax)
        both = pd.concat([board, alight])[["scenario", "node", "b", "a"]]
        summed = both.groupby(["scenario", "node"], sort=True)[["b", "a"]].sum()
        for (scen, node), row in summed.iterrows():
            k = n_seeds[scen]
            node = int(node)
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point",
                             "coordinates": [round(float(node_lon[node]), 7),
                                             round(float(node_lat[node]), 7)]},
                "properties": {"scenario": scen, "node": int(node),
                               "boardings": _num(row["b"] / k),
                               "alightings": _num(row["a"] / k)},
            })
    return {"type": "FeatureCollection", "features": features}


def write_geojson(collection: dict, path: str | Path) -> Path:
    """Write a FeatureCollection atomically as strict JSON (:func:`kl_mobility.io.write_json`)."""
    from kl_mobility.io import write_json

    return write_json(path, collection, compact=True)
