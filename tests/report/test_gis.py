"""GeoJSON layers: RFC 7946 structure, lon/lat order, values averaged over seeds."""

from __future__ import annotations

import json
from pathlib import Path

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


# ------------------------------------------------------------------ GeoPackage
TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.osm"


def _tiny_gpkg(tmp_path):
    """The tiny OSM fixture (tests/data/tiny.osm): ways 10 (1-2-3, two-way), 11 (3->4->1,
    one-way), 15 (3-5, two-way): 8 directed edges on 5 street segments. Nodes are numbered
    by OSM id (1 -> 0, 2 -> 1, ...). Driven: 1->2 0.6 vkm, 2->1 0.4 vkm (one feature),
    3->4 0.5 vkm."""
    from kl_mobility.network import network_from_osm
    from kl_mobility.network.ways import edge_ways
    from kl_mobility.report.gis import node_point_layer, segment_layer, stop_layer, write_gpkg

    net = network_from_osm(TINY)
    ways = edge_ways(net, TINY)
    e = [net.edge_id(0, 1), net.edge_id(1, 0), net.edge_id(2, 3)]
    edges = pd.DataFrame({"edge_id": e, "u": [0, 1, 2], "v": [1, 0, 3],
                          "vkm_total": [0.6, 0.4, 0.5], "vkm_occupied": [0.3, 0.0, 0.5],
                          "passenger_km": [0.3, 0.0, 1.0], "n_traversals": [3, 2, 1]})
    trips = pd.DataFrame({"status": ["served"], "passengers": [2], "origin_node": [0],
                          "dest_node": [3]})
    layers = {"segments": (segment_layer(net, edges, ways), "street segments"),
              "stops": (stop_layer(net, trips), "stops"),
              "depots": (node_point_layer(net, [1], {"depot": [0]}), "depots")}
    path = write_gpkg(tmp_path / "run.gpkg", layers, title="tiny")
    return net, path


def test_gpkg_layers_crs_and_one_feature_per_street_segment(tmp_path):
    """5 segments (not 8 directed edges); segment 1-2 carries 0.6 vkm along the drawn
    direction (OSM node 1 -> 2) and 0.4 against it; 3->4 is one-way; way ids from OSM."""
    import pyogrio

    _net, path = _tiny_gpkg(tmp_path)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["segments", "stops", "depots"]
    info = pyogrio.read_info(path, layer="segments")
    assert info["crs"] == "EPSG:25832" and info["geometry_type"] == "LineString"
    assert info["features"] == 5
    seg = pyogrio.read_dataframe(path, layer="segments")
    assert seg.crs.to_epsg() == 25832
    s12 = seg[(seg["u_osm"] == 1) & (seg["v_osm"] == 2)].iloc[0]
    assert s12["vkm_uv"] == pytest.approx(0.6) and s12["vkm_vu"] == pytest.approx(0.4)
    assert s12["vkm_total"] == pytest.approx(1.0) and s12["oneway"] == 0
    assert s12["osm_way_id"] == 10 and s12["n_traversals"] == 5
    s34 = seg[(seg["u_osm"] == 3) & (seg["v_osm"] == 4)].iloc[0]
    assert s34["oneway"] == 1 and s34["osm_way_id"] == 11 and s34["vkm_vu"] == 0.0
    assert set(seg["osm_way_id"]) == {10, 11, 15}
    assert seg["vkm_total"].sum() == pytest.approx(1.5)  # 0.6 + 0.4 + 0.5, nothing lost
    # UTM 32N: 7.7 E lies ~94 km west of the 9 E central meridian (easting ~406 km)
    x0 = seg.geometry.iloc[0].coords[0][0]
    assert 400_000 < x0 < 410_000
    stops = pyogrio.read_dataframe(path, layer="stops")
    assert sorted(stops["boardings"]) == [0.0, 2.0] and stops.crs.to_epsg() == 25832
    meta = pyogrio.read_info(path, layer="segments")
    assert "ATTRIBUTION" in (meta.get("layer_metadata") or {})


def test_gpkg_opens_with_gdal_ogrinfo(tmp_path):
    """The command-line GDAL of the system lists the three layers and the CRS (skipped
    when ogrinfo is not installed)."""
    import shutil
    import subprocess

    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo not installed")
    _net, path = _tiny_gpkg(tmp_path)
    out = subprocess.run(["ogrinfo", "-ro", "-so", str(path), "segments"], check=True,
                         capture_output=True, text=True).stdout
    assert "Feature Count: 5" in out and "UTM zone 32N" in out and "osm_way_id" in out


def test_report_writes_a_geopackage_per_scenario(fake_batch, tmp_path, grid):
    """The fake batch (scenarios base, pooling, pooling-more on a 3 x 3 grid: 2 x 3 x 2 =
    12 street segments, each two-way, 24 directed edges) gets <scenario>_segments and <scenario>_stops layers in EPSG:25832; the grid has no OSM
    file, so its way ids are -1 and the layer says why."""
    import pyogrio

    write_report(fake_batch, tmp_path, network=grid, baseline="base")
    path = tmp_path / "report.gpkg"
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert "pooling_segments" in names and "pooling-more_stops" in names
    info = pyogrio.read_info(path, layer="pooling_segments")
    assert info["crs"] == "EPSG:25832" and info["features"] == 12
    seg = pyogrio.read_dataframe(path, layer="pooling_segments", read_geometry=False)
    assert (seg["osm_way_id"] == -1).all() and (seg["oneway"] == 0).all()
    assert "no OSM way ids" in info["layer_metadata"]["DESCRIPTION"]


def test_way_table_is_cached_beside_the_network_and_rebuilt_when_damaged(tmp_path):
    """The first call writes ways-<key>.npz with a manifest; the second reads the same ids
    and names; a truncated cache file is reported and rebuilt with the same answer."""
    from kl_mobility.network import network_from_osm
    from kl_mobility.network.ways import cached_edge_ways, edge_ways

    net = network_from_osm(TINY)
    direct = edge_ways(net, TINY)
    first = cached_edge_ways(net, TINY, tmp_path)
    (entry,) = tmp_path.glob("ways-*.npz")
    again = cached_edge_ways(net, TINY, tmp_path)
    for w in (first, again):
        assert list(w.way_id) == list(direct.way_id) and list(w.name) == list(direct.name)
    entry.write_bytes(entry.read_bytes()[:20])
    rebuilt = cached_edge_ways(net, TINY, tmp_path)
    assert list(rebuilt.way_id) == list(direct.way_id)
    assert (entry.parent / (entry.name + ".manifest.json")).is_file() or any(
        tmp_path.glob("*.manifest.json"))


def test_gpkg_written_without_fsync_and_the_setting_restored(tmp_path, monkeypatch):
    """Every layer is written with GDAL's OGR_SQLITE_SYNCHRONOUS = OFF (no fsync per
    transaction; pyogrio reads "OFF" back as ``False``); before and after, the option has
    its earlier value (here: unset)."""
    import pyogrio

    seen = []
    write = pyogrio.write_dataframe

    def spy(*args, **kwargs):
        seen.append(pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS"))
        return write(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", spy)
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is None
    _net, path = _tiny_gpkg(tmp_path)
    assert seen == [False, False, False]  # segments, stops, depots
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is None
    assert [n for n, _ in pyogrio.list_layers(path)] == ["segments", "stops", "depots"]
