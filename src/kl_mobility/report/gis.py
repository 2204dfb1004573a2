"""GIS output for QGIS: a GeoPackage per run and per report, and GeoJSON layers.

GeoPackage (:func:`write_gpkg`, layers from :func:`run_gpkg_layers` and the ``*_layer``
functions): EPSG:25832 (ETRS89 / UTM 32N), written with pyogrio (GDAL); each layer carries a
description and the OSM attribution as layer metadata. The ``segments`` layer has one
feature per street segment (node pair of the network: both directions of a two-way street
on one line, ``vkm_uv`` along the drawn direction and ``vkm_vu`` against it) with the OSM
way id, name and road number (:mod:`kl_mobility.network.ways`), so it joins on OSM.

GeoJSON (the option kept beside it): RFC 7946, WGS84 coordinates in ``[longitude,
latitude]`` order, no ``crs`` member. Road segments are straight lines between the
coordinates of an edge's two network nodes (the network keeps every OSM node, so this is
the street's drawn shape).

- :func:`edges_geojson`: one ``LineString`` feature per (scenario, directed edge) with the
  mean over seeds of ``vkm_total``, ``vkm_occupied``, ``passenger_km`` (and any
  ``vkm_total__<type>`` columns) of ``edges.parquet``.
- :func:`stops_geojson`: one ``Point`` feature per (scenario, node) where passengers
  boarded or alighted, with the mean boardings and alightings per simulated day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["GPKG_CRS", "OSM_ATTRIBUTION", "SEGMENT_COLUMNS", "district_layers", "edges_geojson",
           "network_ways", "node_point_layer", "run_gpkg_layers", "segment_layer",
           "stop_layer", "stops_geojson", "write_geojson", "write_gpkg", "write_report_gpkg",
           "zone_layer"]

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


# ----------------------------------------------------------------------------- GeoPackage
GPKG_CRS = "EPSG:25832"
"""CRS of every GeoPackage layer: ETRS89 / UTM zone 32N (metres), the official CRS of
Rhineland-Palatinate."""

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL (data of the OSM extract)"

SEGMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("u", "network node at the start of the drawn line (the smaller node id)"),
    ("v", "network node at its end"),
    ("u_osm", "OSM node id of u"),
    ("v_osm", "OSM node id of v"),
    ("osm_way_id", "OSM way the segment belongs to (-1: none found)"),
    ("name", "street name (OSM name tag, '' = unnamed)"),
    ("ref", "road number (OSM ref tag)"),
    ("highway", "OSM highway type"),
    ("length_m", "segment length (m)"),
    ("oneway", "1 when the network has only one direction of the segment"),
    ("speed_kmh_uv", "network speed u -> v (km/h, 0 = no such direction)"),
    ("speed_kmh_vu", "network speed v -> u"),
    ("vkm_uv", "vehicle-km driven u -> v per day (mean over seeds)"),
    ("vkm_vu", "vehicle-km driven v -> u per day"),
    ("vkm_total", "vkm_uv + vkm_vu"),
    ("vkm_occupied", "vehicle-km with a passenger, both directions"),
    ("passenger_km", "passenger-km, both directions"),
    ("n_traversals", "vehicle passes, both directions"),
)
"""Columns of the ``segments`` layer: one feature per street segment (node pair), both
directions of a two-way street on the same feature."""


def segment_layer(network: Any, edges: pd.DataFrame, ways: Any, *, n_seeds: int = 1) -> Any:
    """The ``segments`` GeoDataFrame (:data:`SEGMENT_COLUMNS`, EPSG:25832): every street
    segment of ``network`` once, with ``edges`` (a run's ``edges.parquet``, or several
    seeds' rows of one scenario stacked, divided by ``n_seeds``) on it per direction.
    ``ways``: :func:`kl_mobility.network.ways.edge_ways` of the network."""
    import geopandas as gpd
    import shapely

    ne = network.n_edges
    vals = {c: np.zeros(ne) for c in ("vkm_total", "vkm_occupied", "passenger_km",
                                      "n_traversals")}
    type_cols = [c for c in edges.columns if c.startswith("vkm_total__")] if len(edges) else []
    vals.update({c: np.zeros(ne) for c in type_cols})
    if len(edges):
        eid = edges["edge_id"].to_numpy(np.int64)
        for c in vals:
            np.add.at(vals[c], eid, edges[c].to_numpy(np.float64) / n_seeds)
    tail = network.edge_tail.astype(np.int64)
    head = network.edge_head.astype(np.int64)
    a, b = np.minimum(tail, head), np.maximum(tail, head)
    fwd = tail == a  # the edge runs a -> b, the direction the line is drawn
    pair = a * network.n_nodes + b
    uniq, inv = np.unique(pair, return_inverse=True)
    k = uniq.shape[0]
    pa, pb = (uniq // network.n_nodes).astype(np.int64), (uniq % network.n_nodes).astype(np.int64)

    def per_dir(x: np.ndarray, forward: bool) -> np.ndarray:
        m = fwd if forward else ~fwd
        return np.bincount(inv[m], x[m], k)

    first = np.zeros(k, np.int64)
    first[inv[::-1]] = np.arange(ne)[::-1]  # the first edge of each pair (its way and type)
    n_dir = np.bincount(inv, minlength=k)
    data: dict[str, Any] = {
        "u": pa, "v": pb,
        "u_osm": network.node_osmid[pa].astype(np.int64),
        "v_osm": network.node_osmid[pb].astype(np.int64),
        "osm_way_id": ways.way_id[first], "name": ways.name[first].astype(str),
        "ref": ways.ref[first].astype(str),
        "highway": np.asarray(network.highway_names, dtype=object)[
            network.edge_highway[first]].astype(str),
        "length_m": network.edge_length_m[first].astype(np.float64),
        "oneway": (n_dir == 1).astype(np.int16),
        "speed_kmh_uv": per_dir(network.edge_speed_kmh.astype(np.float64), True),
        "speed_kmh_vu": per_dir(network.edge_speed_kmh.astype(np.float64), False),
        "vkm_uv": per_dir(vals["vkm_total"], True),
        "vkm_vu": per_dir(vals["vkm_total"], False),
    }
    data["vkm_total"] = data["vkm_uv"] + data["vkm_vu"]
    for c in ("vkm_occupied", "passenger_km", "n_traversals"):
        data[c] = np.bincount(inv, vals[c], k)
    for c in type_cols:
        data[c] = np.bincount(inv, vals[c], k)
    coords = np.stack([np.column_stack([network.node_lon[pa], network.node_lat[pa]]),
                       np.column_stack([network.node_lon[pb], network.node_lat[pb]])], axis=1)
    geom = shapely.linestrings(coords)
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=geom, crs="EPSG:4326").to_crs(GPKG_CRS)


def stop_layer(network: Any, trips: pd.DataFrame, *, n_seeds: int = 1) -> Any:
    """``stops``: one point per node where passengers boarded or alighted (``boardings``,
    ``alightings`` per day, mean over ``n_seeds``), EPSG:25832."""
    import geopandas as gpd

    served = trips[trips["status"].astype(str) == "served"] if len(trips) else trips
    if len(served):
        pax = served["passengers"].to_numpy(np.float64)
        nodes = np.concatenate([served["origin_node"].to_numpy(np.int64),
                                served["dest_node"].to_numpy(np.int64)])
        b = np.concatenate([pax, np.zeros_like(pax)])
        al = np.concatenate([np.zeros_like(pax), pax])
        df = pd.DataFrame({"node": nodes, "boardings": b, "alightings": al}).groupby(
            "node", sort=True).sum().reset_index()
        df[["boardings", "alightings"]] /= n_seeds
    else:
        df = pd.DataFrame({"node": np.zeros(0, np.int64), "boardings": np.zeros(0),
                           "alightings": np.zeros(0)})
    node = df["node"].to_numpy(np.int64)
    df.insert(1, "osm_node_id", network.node_osmid[node].astype(np.int64))
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(
        network.node_lon[node], network.node_lat[node]), crs="EPSG:4326").to_crs(GPKG_CRS)


def node_point_layer(network: Any, nodes: Any, columns: dict[str, Any]) -> Any:
    """Points at network ``nodes`` (e.g. depots, shuttle stops) with ``columns``."""
    import geopandas as gpd

    nodes = np.asarray(nodes, np.int64)
    df = pd.DataFrame({"node": nodes, "osm_node_id": network.node_osmid[nodes].astype(np.int64),
                       **columns})
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(
        network.node_lon[nodes], network.node_lat[nodes]), crs="EPSG:4326").to_crs(GPKG_CRS)


def district_layers(districts: Any, table: pd.DataFrame, accessibility: pd.DataFrame | None,
                    ortsbezirke_latlon: dict[str, tuple[float, float]]) -> tuple[Any, Any]:
    """``districts`` (Kernstadt PLZ polygons) and ``ortsbezirke`` (points at the FACTS.md
    coordinates) with the district table's KPIs (:func:`kl_mobility.results.districts.
    district_table`) and the accessibility columns (prefixed ``acc_``), EPSG:25832."""
    import geopandas as gpd

    t = table.copy()
    if accessibility is not None and len(accessibility):
        acc = accessibility.drop(columns=[c for c in ("kind", "residents")
                                          if c in accessibility.columns])
        acc = acc.rename(columns={c: f"acc_{c}" for c in acc.columns if c != "district"})
        t = t.merge(acc, on="district", how="left")
    t = t.set_index("district")
    names = [n for n, _ in districts.areas]
    poly = gpd.GeoDataFrame(t.reindex(names).reset_index(),
                            geometry=[g for _, g in districts.areas], crs="EPSG:4326")
    obz = [n for n in districts.ortsbezirke if n in ortsbezirke_latlon]
    pts = gpd.GeoDataFrame(
        t.reindex(obz).reset_index(),
        geometry=gpd.points_from_xy([ortsbezirke_latlon[n][1] for n in obz],
                                    [ortsbezirke_latlon[n][0] for n in obz]), crs="EPSG:4326")
    return poly.to_crs(GPKG_CRS), pts.to_crs(GPKG_CRS)


def zone_layer(zones: Any, trips: pd.DataFrame, requests: pd.DataFrame | None) -> Any:
    """``zones``: the demand model's zones as points at their weighted centroids with
    ``residents``, ``attraction`` and the requests that start there (``requests``,
    ``served``, ``served_share``; an origin belongs to the nearest internal zone centroid,
    an Ortsbezirk origin to its zone), EPSG:25832."""
    import geopandas as gpd
    from scipy.spatial import cKDTree

    n = zones.n_zones
    names = np.asarray(zones.name).astype(str)
    counts = np.zeros(n, np.int64)
    served_n = np.zeros(n, np.int64)
    if len(trips):
        zone = np.full(len(trips), "core", dtype=object)
        if requests is not None and "origin_zone" in requests.columns:
            zmap = pd.Series(requests["origin_zone"].astype(str).to_numpy(),
                             index=requests["request_id"].to_numpy())
            zone = zmap.reindex(trips["request_id"].to_numpy()).fillna("core").to_numpy()
        lat0 = float(np.mean(zones.lat))
        k = math.cos(math.radians(lat0))
        internal = np.flatnonzero(~zones.is_external)
        tree = cKDTree(np.column_stack([zones.lon[internal] * k, zones.lat[internal]]))
        _, j = tree.query(np.column_stack([trips["origin_lon"].to_numpy() * k,
                                           trips["origin_lat"].to_numpy()]))
        idx = internal[j]
        ext_index = {nm: i for i, nm in enumerate(names) if zones.is_external[i]}
        for r, z in enumerate(zone):
            if z in ext_index:
                idx[r] = ext_index[z]
        ok = trips["status"].astype(str).to_numpy() == "served"
        counts = np.bincount(idx, minlength=n)
        served_n = np.bincount(idx[ok], minlength=n)
    df = pd.DataFrame({"zone": np.arange(n), "name": names, "node": zones.node.astype(np.int64),
                       "external": zones.is_external.astype(np.int16),
                       "residents": zones.pop.astype(np.float64),
                       "attraction": zones.attr.astype(np.float64),
                       "requests": counts, "served": served_n,
                       "served_share": np.where(counts > 0, served_n / np.maximum(counts, 1),
                                                np.nan)})
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(zones.lon, zones.lat),
                            crs="EPSG:4326").to_crs(GPKG_CRS)


def write_gpkg(path: str | Path, layers: dict[str, tuple[Any, str]], *,
               title: str) -> Path:
    """Write ``layers`` (name -> (GeoDataFrame in EPSG:25832, description)) into one
    GeoPackage at ``path``, atomically (:func:`kl_mobility.io.atomic_file`). Each layer
    carries its description and the OSM attribution as GDAL layer metadata, the file a
    title; an empty layer keeps its columns and geometry type."""
    from kl_mobility.io import atomic_file

    path = Path(path)
    with atomic_file(path, suffix=".gpkg") as tmp:  # GDAL wants the .gpkg extension
        _write_layers(tmp, layers, title)
    return path


_NO_FSYNC = {"OGR_SQLITE_SYNCHRONOUS": "OFF"}
"""GDAL's SQLite setting while a GeoPackage is written: no ``fsync`` per transaction (a
run's GeoPackage took some 170, a tenth of a second and more on a busy disk). The file
is written under a temporary name and renamed when complete (:func:`write_gpkg`), like
every other output file, none of which is synced either; the content is the same."""


def _write_layers(work: Path, layers: dict[str, tuple[Any, str]], title: str) -> None:
    import pyogrio

    before = {k: pyogrio.get_gdal_config_option(k) for k in _NO_FSYNC}
    pyogrio.set_gdal_config_options(_NO_FSYNC)
    try:
        _write_each(pyogrio, work, layers, title)
    finally:
        pyogrio.set_gdal_config_options(before)


def _write_each(pyogrio: Any, work: Path, layers: dict[str, tuple[Any, str]],
                title: str) -> None:
    for k, (name, (gdf, desc)) in enumerate(layers.items()):
        if gdf.crs is None or gdf.crs.to_epsg() != 25832:
            raise ValueError(f"layer {name}: CRS must be {GPKG_CRS}, got {gdf.crs}")
        kinds = set(gdf.geom_type) if len(gdf) else {"Point"}  # empty layers: points
        polygons = kinds <= {"Polygon", "MultiPolygon"}
        geom_type = "MultiPolygon" if polygons else kinds.pop() if len(kinds) == 1 else None
        if geom_type is None:
            raise ValueError(f"layer {name}: mixed geometry types {sorted(kinds)}")
        pyogrio.write_dataframe(
            gdf, work, layer=name, driver="GPKG", append=k > 0,
            geometry_type=geom_type, promote_to_multi=polygons,
            layer_options={"DESCRIPTION": desc[:250], "IDENTIFIER": name},
            layer_metadata={"DESCRIPTION": desc, "ATTRIBUTION": OSM_ATTRIBUTION,
                            "CRS": GPKG_CRS},
            dataset_metadata={"TITLE": title, "ATTRIBUTION": OSM_ATTRIBUTION}
            if k == 0 else None,
            dataset_options={"VERSION": "1.2"} if k == 0 else None)  # QGIS/GDAL < 3.9 too


def network_ways(network: Any, osm_path: str | Path | None = None, *,
                 cache_dir: str | Path | None = None) -> Any:
    """:func:`kl_mobility.network.ways.cached_edge_ways` of ``network`` from ``osm_path``
    (default: the file the network was built from, ``network.meta["source"]``), cached in
    ``cache_dir`` beside the network. A network without a source file is a
    ``ValueError`` saying so."""
    from kl_mobility.network.ways import cached_edge_ways

    src = osm_path if osm_path is not None else network.meta.get("source", "")
    path = Path(str(src))
    if not src or not path.is_file():
        raise ValueError(f"the OSM way ids of the GeoPackage need the network's OSM file; "
                         f"{src or 'none'} is not a file")
    return cached_edge_ways(network, path, cache_dir)


def run_gpkg_layers(network: Any, ways: Any, result: Any, *,
                    requests: pd.DataFrame | None = None, zones: Any = None,
                    who: tuple[Any, dict[str, pd.DataFrame]] | None = None,
                    depots: Any = (), stops: dict[str, Any] | None = None
                    ) -> dict[str, tuple[Any, str]]:
    """The layers of a run's GeoPackage: ``segments`` and ``stops`` (boardings/alightings)
    from ``result`` (its ``edges`` and ``trips``), ``districts`` and ``ortsbezirke`` with
    the who-gains KPIs (``who``: the :class:`~kl_mobility.results.districts.DistrictMap`
    and the tables of :func:`~kl_mobility.results.districts.who_gains`), ``zones`` (with
    the demand's ``zones``), ``depots`` and ``shuttle_stops`` (the explicit stops of
    stop-based types)."""
    edges, trips = result.edges, result.trips
    layers: dict[str, tuple[Any, str]] = {
        "segments": (segment_layer(network, edges, ways),
                     "Street segments, one feature per node pair (both directions of a "
                     "two-way street on one feature); vehicle-km per day per direction "
                     "vkm_uv (drawn direction u->v) and vkm_vu; OSM way id and name"),
        "stops": (stop_layer(network, trips),
                  "Nodes where passengers boarded or alighted: persons per day"),
    }
    if who is not None:
        districts, gains = who
        poly, pts = district_layers(districts, gains["districts"], gains.get("accessibility"),
                                    districts.points)
        desc = ("{}: requests and service by district of the request's origin "
                "(districts.csv), accessibility within 30 min (acc_*, accessibility.csv)")
        layers["districts"] = (poly, desc.format("Kernstadt PLZ areas"))
        layers["ortsbezirke"] = (pts, desc.format("Ortsbezirke (points at FACTS.md "
                                                  "coordinates)"))
    if zones is not None:
        layers["zones"] = (zone_layer(zones, trips, requests),
                           "Demand-model zones (weighted centroids): residents, attraction "
                           "units, requests starting there")
    layers["depots"] = (node_point_layer(network, np.asarray(depots, np.int64),
                                         {"depot": np.arange(len(depots))}),
                        "Depots (charging, start of the day with initial_positions = depot)")
    if stops:
        nodes = np.concatenate([np.asarray(v, np.int64) for v in stops.values()])
        types = np.concatenate([np.full(len(v), k, dtype=object) for k, v in stops.items()])
        layers["shuttle_stops"] = (node_point_layer(network, nodes,
                                                    {"vehicle_type": types.astype(str)}),
                                   "Stops of the stop-based vehicle types (snapped to nodes)")
    return layers


def _no_ways(network: Any) -> Any:
    from kl_mobility.network.ways import EdgeWays

    n = network.n_edges
    return EdgeWays(np.full(n, -1, np.int64), np.full(n, "", dtype=object),
                    np.full(n, "", dtype=object))


def write_report_gpkg(path: str | Path, network: Any, edges: pd.DataFrame,
                      trips: pd.DataFrame, *, batch_dir: str | Path | None = None,
                      scenarios: list[str] | None = None,
                      scenario_maps: dict[str, dict[str, Any]] | None = None) -> Path:
    """The GeoPackage of a report: per scenario ``<scenario>_segments`` and
    ``<scenario>_stops`` (mean over its seeds, from the tidy ``edges`` and ``trips`` tables
    of all runs with ``scenario`` and ``seed``) and, where the batch has the who-gains
    tables (``districts_runs.csv``, ``accessibility_runs.csv`` in ``batch_dir``),
    ``<scenario>_districts`` and ``<scenario>_ortsbezirke`` with the means over seeds.
    OSM way ids and names come from the network's OSM file; a network without one (a
    synthetic grid) gets way id -1 and no names, and its segment layers say so."""
    from kl_mobility.results.districts import (
        default_districts_path,
        district_map_from_geojson,
        mean_over_seeds,
    )

    try:
        ways, way_note = network_ways(network), ""
    except ValueError as exc:
        ways, way_note = _no_ways(network), f"; no OSM way ids or names: {exc}"
    if scenarios is None:
        scenarios = sorted(set(trips["scenario"]) | set(edges["scenario"])) if len(trips) \
            else sorted(set(edges["scenario"])) if len(edges) else []
    tables: dict[str, pd.DataFrame] = {}
    for name in ("districts", "accessibility"):
        p = Path(batch_dir) / f"{name}_runs.csv" if batch_dir is not None else None
        if p is not None and p.is_file():
            tables[name] = mean_over_seeds(pd.read_csv(p))
    layers: dict[str, tuple[Any, str]] = {}
    for s in scenarios:
        es = edges[edges["scenario"] == s] if len(edges) else edges
        ts = trips[trips["scenario"] == s] if len(trips) else trips
        seeds = set(ts["seed"]) if len(ts) else set()
        seeds |= set(es["seed"]) if len(es) else set()
        k = max(len(seeds), 1)
        layers[f"{s}_segments"] = (
            segment_layer(network, es, ways, n_seeds=k),
            f"{s}: street segments, one feature per node pair (both directions on one "
            f"feature); vehicle-km per day per direction vkm_uv / vkm_vu, mean over {k} "
            f"seed(s){way_note}")
        layers[f"{s}_stops"] = (stop_layer(network, ts, n_seeds=k),
                                f"{s}: boardings and alightings per day, mean over {k} "
                                "seed(s)")
        if "districts" in tables:
            ext = ((scenario_maps or {}).get(s, {}).get("demand") or {}).get(
                "external_zones") or []
            zones_ = [_Zone(z["name"], z["lat"], z["lon"]) for z in ext]
            dmap = district_map_from_geojson(default_districts_path(), zones_)
            d = tables["districts"]
            a = tables.get("accessibility")
            poly, pts = district_layers(
                dmap, d[d["scenario"] == s].drop(columns=["scenario"]),
                None if a is None else a[a["scenario"] == s].drop(columns=["scenario"]),
                dmap.points)
            layers[f"{s}_districts"] = (poly, f"{s}: who gains by Kernstadt PLZ area, mean "
                                        "over seeds (districts.csv, accessibility.csv)")
            layers[f"{s}_ortsbezirke"] = (pts, f"{s}: who gains by Ortsbezirk, mean over "
                                          "seeds")
    return write_gpkg(path, layers, title="kl-mobility report")


@dataclass(frozen=True)
class _Zone:
    name: str
    lat: float
    lon: float
