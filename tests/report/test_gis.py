"""GeoJSON layers: RFC 7946 structure, lon/lat order, values averaged over seeds."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kl_mobility.report.gis import edges_geojson, stops_geojson
from kl_mobility.report.html import write_report


def test_edge_features_are_lines_in_lon_lat_order(grid):
    """One edge 0->1 driven 0.2 vkm in seed 0 and 0.4 in seed 1 -> mean 0.3; node 0 lies at
    (7.7689 E, 49.4447 N), so the first coordinate is the longitude."""
    edges = pd.DataFrame({"scenario": ["s", "s"], "seed": [0, 1], "edge_id": [5, 5],
                          "u": [0, 0], "v": [1, 1], "vkm_total": [0.2, 0.4],
                          "vkm_occupied": [0.0, 0.2], "passenger_km": [0.0, 0.2],
                          "vkm_total__van": [0.2, 0.4]})
    fc = edges_geojson(edges, grid.node_lat, grid.node_lon)
    (f,) = fc["features"]
    assert f["geometry"]["type"] == "LineString"
    (lon0, lat0), (lon1, lat1) = f["geometry"]["coordinates"]
    assert (lon0, lat0) == pytest.approx((7.7689, 49.4447))
    assert lon1 > lon0 and lat1 == pytest.approx(lat0)  # node 1 is 200 m east
    assert f["properties"]["vkm_total"] == pytest.approx(0.3)
    assert f["properties"]["vkm_total__van"] == pytest.approx(0.3)
    assert f["properties"]["vkm_occupied"] == pytest.approx(0.1)


def test_stops_count_boardings_and_alightings_per_day(grid):
    """Two seeds; node 0 boards 1 + 2 persons in seed 0 and 1 in seed 1 -> mean 2 per day."""
    trips = pd.DataFrame({"scenario": ["s"] * 3, "seed": [0, 0, 1], "status": ["served"] * 3,
                          "passengers": [1, 2, 1], "origin_node": [0, 0, 0],
                          "dest_node": [2, 2, 4]})
    fc = stops_geojson(trips, grid.node_lat, grid.node_lon)
    props = {f["properties"]["node"]: f["properties"] for f in fc["features"]}
    assert props[0]["boardings"] == 2.0 and props[0]["alightings"] == 0.0
    assert props[2]["alightings"] == 1.5 and props[4]["alightings"] == 0.5


def test_report_writes_geojson_files(fake_batch, tmp_path, grid):
    write_report(fake_batch, tmp_path, network=grid, baseline="base")
    for name in ("edges_vkm.geojson", "stops.geojson"):
        fc = json.loads((tmp_path / name).read_text())
        assert fc["type"] == "FeatureCollection" and "crs" not in fc
        assert fc["features"]
        for f in fc["features"]:
            coords = f["geometry"]["coordinates"]
            first = coords[0] if f["geometry"]["type"] == "LineString" else coords
            assert 7.7 < first[0] < 7.8 and 49.4 < first[1] < 49.5
    scen = {f["properties"]["scenario"] for f in json.loads(
        (tmp_path / "edges_vkm.geojson").read_text())["features"]}
    assert scen == {"pooling", "pooling-more"}
