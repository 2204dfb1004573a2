"""Parts of the report: number formats, paired differences, modal split, scenario changes,
the map context (landmarks from OSM, postcode polygons) and the map tables."""

from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pandas as pd
import pytest

from kl_mobility.report import basemap, content, maps
from kl_mobility.report.i18n import TEXT
from kl_mobility.report.paired import paired_differences
from kl_mobility.report.units import UNITS, format_number, shown


def test_number_formats_by_language():
    """German: decimal comma, thousands point; English the other way round; a true minus
    sign; plus only when signed; NaN as a dash; -0.004 rounds to 0 without a sign."""
    assert format_number(-1234.5, 1, "de") == "\u22121.234,5"
    assert format_number(1234.5, 1, "en", signed=True) == "+1,234.5"
    assert format_number(float("nan"), 2, "en") == "–"
    assert format_number(-0.004, 2, "de", signed=True) == "0,00"
    # units: 0.6932 share -> 69.3 %, 409.6 s -> 6.8 min, -441.9 kg/day -> -0.44 t/day and
    # -441.9 x 300 / 1000 = -132.57 -> -133 t/year
    assert shown(0.6932, "pct", "en") == "69.3"
    assert shown(409.6, "min", "en") == "6.8"
    assert shown(-441.9, "t_day", "de", signed=True) == "\u22120,44"
    assert shown(-441.9, "t_year", "en", signed=True) == "\u2212133"
    assert UNITS["pct"].label("de", delta=True) == "%-Pkt."


def test_both_languages_have_the_same_keys():
    assert TEXT["de"].keys() == TEXT["en"].keys()
    assert all(TEXT["de"][k] and TEXT["en"][k] for k in TEXT["de"])


def test_paired_differences_by_hand():
    """Seeds 1-3: scenario 3, 5, 10, baseline 1, 2, 4 -> differences 2, 3, 6: mean 11/3 =
    3.6667, std sqrt(((2-11/3)^2 + (3-11/3)^2 + (6-11/3)^2) / 2) = sqrt(13/3) = 2.0817,
    t(0.975, 2) = 4.3027 -> half width 4.3027 x 2.0817 / sqrt(3) = 5.1713. Seed 4 of the
    scenario has no baseline partner and is left out; a KPI with one pair has no interval."""
    runs = pd.DataFrame({
        "scenario": ["s"] * 4 + ["b"] * 3 + ["s", "b"],
        "seed": [1, 2, 3, 4, 1, 2, 3, 1, 1],
        "kpi": ["x"] * 7 + ["y", "y"],
        "value": [3.0, 5.0, 10.0, 99.0, 1.0, 2.0, 4.0, 7.0, 5.0]})
    p = paired_differences(runs, "b").set_index("kpi")
    x = p.loc["x"]
    assert x["n_pairs"] == 3 and x["delta_mean"] == pytest.approx(11 / 3)
    assert x["delta_std"] == pytest.approx(math.sqrt(13 / 3))
    assert x["ci95_low"] == pytest.approx(11 / 3 - 5.1713, abs=1e-3)
    assert x["ci95_high"] == pytest.approx(11 / 3 + 5.1713, abs=1e-3)
    assert x["baseline_mean"] == pytest.approx(7 / 3) and x["scenario_mean"] == 6.0
    y = p.loc["y"]
    assert y["n_pairs"] == 1 and y["delta_mean"] == 2.0 and math.isnan(y["ci95_low"])
    assert paired_differences(runs, "missing").empty


def test_modal_split_of_a_run(tmp_path):
    """Sampled day: walk 10, bike 0, bus 5, car 20, on-demand 5 = 40 trips. Of the 5
    requests 3 are served; the unserved ones (usual modes car and walk) return there:
    walk 11, car 21, on-demand 3 -> shares 11/40, 0, 5/40, 21/40, 3/40."""
    (tmp_path / "demand.json").write_text(json.dumps({"summary": {"trips_by_mode": {
        "walk": 10, "bike": 0, "bus": 5, "car": 20, "ondemand": 5}}}))
    pd.DataFrame({"status": ["served", "served", "served", "rejected", "cancelled"],
                  "alt_mode": ["car", "bus", "walk", "car", "walk"],
                  "passengers": np.ones(5, np.int16)}).to_parquet(tmp_path / "trips.parquet")
    k = content.derived_kpis(tmp_path)
    assert k == pytest.approx({"mode_share_walk": 11 / 40, "mode_share_bike": 0.0,
                               "mode_share_bus": 5 / 40, "mode_share_car": 21 / 40,
                               "mode_share_ondemand": 3 / 40})
    assert sum(k.values()) == pytest.approx(1.0)


def test_scenario_changes_lists_what_differs():
    base = {"name": "b", "description": "x", "fleet": [], "service": {"max_wait_s": 600},
            "network": {"speed_caps": []}}
    scen = {"name": "s", "description": "y", "fleet": [
        {"name": "van", "count": 50, "drivetrain": "electric", "capacity": 6}],
        "service": {"max_wait_s": 900}, "network": {"speed_caps": [{"name": "Tempo 30"}]}}
    lines = content.scenario_changes(scen, base)
    assert lines == ["fleet: – → 50 × van (electric, 6)",
                     "network.speed_caps: [] → 1: Tempo 30", "service.max_wait_s: 600 → 900"]
    assert content.scenario_changes(base, base) == []


OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="49.0" lon="7.0"/>
  <node id="2" lat="49.2" lon="7.4"/>
  <node id="3" lat="49.4" lon="7.8">
    <tag k="name" v="PRE-Park"/>
  </node>
  <node id="4" lat="49.1" lon="7.1">
    <tag k="name" v="Westpfalz-Klinikum"/>
  </node>
  <way id="10">
    <nd ref="1"/><nd ref="2"/><nd ref="1"/>
    <tag k="name" v="Westpfalz-Klinikum"/>
  </way>
</osm>
"""


def test_landmarks_come_from_the_osm_file(tmp_path):
    """PRE-Park: its node (49.4, 7.8). Klinikum: the way's distinct nodes 1 and 2 ->
    mean (49.1, 7.2), preferred to the node of the same name. Hbf and RPTU: not in the
    file, reported missing."""
    path = tmp_path / "tiny.osm.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(OSM)
    found, missing = basemap.landmarks_from_osm(path)
    by = {lm.label: lm for lm in found}
    assert set(by) == {"PRE-Park", "Klinikum"} and missing == ["Hbf", "RPTU"]
    assert (by["PRE-Park"].lat, by["PRE-Park"].lon, by["PRE-Park"].osm_ref) == (
        49.4, 7.8, "node/3")
    assert by["Klinikum"].lat == pytest.approx(49.1)
    assert by["Klinikum"].lon == pytest.approx(7.2)
    assert by["Klinikum"].osm_ref == "way/10"


def test_districts_merge_parts_of_one_postcode(tmp_path):
    ring = [[7.0, 49.0], [7.1, 49.0], [7.1, 49.1], [7.0, 49.0]]
    feats = [{"type": "Feature", "properties": {"plz_code": "67661", "geo_point_2d": {
        "lon": 7.05, "lat": 49.05}}, "geometry": {"type": "Polygon", "coordinates": [ring]}},
             {"type": "Feature", "properties": {"plz_code": "67661"}, "geometry": {
                 "type": "MultiPolygon", "coordinates": [[ring], [ring]]}}]
    path = tmp_path / "plz.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    (d,) = basemap.districts_from_geojson(path)
    assert d.name == "PLZ 67661" and len(d.rings) == 3
    assert (d.label_lon, d.label_lat) == (7.05, 49.05)


def test_segment_vkm_sums_both_directions_and_averages_seeds():
    """Edge 0->1 2 km and 1->0 1 km in seed 0, 0->1 3 km in seed 1: segment (0, 1) =
    (2 + 1 + 3) / 2 seeds = 3 km/day; edge 1->2 only in seed 1 (4 km) -> 4 / 2 = 2."""
    edges = pd.DataFrame({"seed": [0, 0, 1, 1], "u": [0, 1, 0, 1], "v": [1, 0, 1, 2],
                          "vkm_total": [2.0, 1.0, 3.0, 4.0]})
    seg = maps.segment_vkm(edges).set_index(["a", "b"])["vkm"]
    assert seg.to_dict() == {(0, 1): 3.0, (1, 2): 2.0}


def test_request_cells_count_per_day_and_share_served():
    """Two seeds; cell A gets 3 requests (2 served) and cell B 1 (not served): requests
    per day 1.5 and 0.5, shares 2/3 and 0."""
    trips = pd.DataFrame({"seed": [0, 0, 1, 1],
                          "origin_lon": [7.7600, 7.7601, 7.7602, 7.8200],
                          "origin_lat": [49.4400, 49.4400, 49.4401, 49.4600],
                          "status": ["served", "rejected", "served", "rejected"]})
    cells = maps.request_cells(trips, 500.0).sort_values("lon")
    assert cells["requests"].tolist() == [1.5, 0.5]
    assert cells["served_share"].tolist() == pytest.approx([2 / 3, 0.0])
