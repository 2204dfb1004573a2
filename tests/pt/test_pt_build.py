"""The synthetic Kaiserslautern feed built from the shared OSM extract (skipped without it):
valid GTFS, the lines of the 2013 relations, FACTS.md headways, service scaling, cache."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pytest

from kl_mobility.cli import main
from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.gtfs import read_gtfs
from kl_mobility.pt.supply import synthetic_feed_path


@pytest.fixture(scope="module")
def built(kl_network, kl_oracle, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    path, report = synthetic_feed_path(kl_network, kl_oracle, PtConfig(), cache_dir=cache)
    return path, report, read_gtfs(path), cache


def _rows(path, name):
    with zipfile.ZipFile(path) as zf:
        return list(csv.DictReader(io.TextIOWrapper(zf.open(name), encoding="utf-8")))


def test_lines_and_size(built):
    path, report, feed, _ = built
    # the 2013 extract has relations of 13 SWK lines (no 108, 109, 110, 113) and four rail
    # lines with >= 2 stations inside the box
    assert sorted(set(feed.route_name)) == sorted(
        ["101", "102", "103", "104", "105", "106", "107", "111", "112", "114", "115",
         "116", "117", "RB64", "RB66", "RB67", "S1"])
    assert feed.n_stops == report.stops > 200
    assert feed.n_trips == report.trips
    assert any("ICE82" in s for s in report.skipped)  # named, not dropped silently
    assert "SYNTHETIC" in _rows(path, "feed_info.txt")[0]["feed_publisher_name"]


def test_headways_and_hours_follow_facts(built):
    """Line 117 (FACTS.md section 5, derived 30 min): each direction's departures from
    its first stop are 30 min apart from 05:30 to the last before 23:15 (05:30 + 35 x 30
    min = 23:00: 36 trips per direction)."""
    _, _, feed, _ = built
    route = int(np.flatnonzero(feed.route_name == "117")[0])
    trips = np.flatnonzero(feed.trip_route == route)
    first_dep = feed.st_dep_s[feed.st_ptr[trips]]
    first_stop = feed.st_stop[feed.st_ptr[trips]]
    for s in np.unique(first_stop):
        dep = np.sort(first_dep[first_stop == s])
        assert dep[0] == 5 * 3600 + 30 * 60
        assert set(np.diff(dep)) == {1800}
        assert len(dep) == 36 and dep[-1] == 23 * 3600


def test_bus_running_time_is_the_road_time_with_factor_and_dwell(built, kl_network,
                                                                  kl_oracle):
    """The first leg of a bus trip: round(car time x 1.3) between the stops' nearest
    network nodes."""
    from kl_mobility.network import nearest_nodes

    _, _, feed, _ = built
    t = int(np.flatnonzero(feed.route_type[feed.trip_route] == 3)[0])
    a, b = feed.st_ptr[t], feed.st_ptr[t] + 1
    nodes, _ = nearest_nodes(kl_network, feed.stop_lat[[feed.st_stop[a], feed.st_stop[b]]],
                             feed.stop_lon[[feed.st_stop[a], feed.st_stop[b]]])
    car = kl_oracle.time_s(int(nodes[0]), int(nodes[1]))
    assert feed.st_arr_s[b] - feed.st_dep_s[a] == round(car * 1.3)
    if feed.st_ptr[t + 1] - feed.st_ptr[t] > 2:
        assert feed.st_dep_s[b] - feed.st_arr_s[b] == 20  # dwell at an intermediate stop


def test_shapes_and_stops_open_as_geometry(built):
    """stops.txt and shapes.txt open as point layers through GDAL's CSV driver (as QGIS's
    delimited-text import does)."""
    pyogrio = pytest.importorskip("pyogrio")
    path, _, feed, _ = built
    stops = pyogrio.read_dataframe(f"CSV:/vsizip/{path}/stops.txt", X_POSSIBLE_NAMES="stop_lon",
                                   Y_POSSIBLE_NAMES="stop_lat")
    assert len(stops) == feed.n_stops and stops.geometry.notna().all()
    shapes = _rows(path, "shapes.txt")
    trips = _rows(path, "trips.txt")
    assert {t["shape_id"] for t in trips} <= {s["shape_id"] for s in shapes}


def test_service_scale_adds_trips(kl_network, kl_oracle, built, tmp_path):
    """+30 % bus service (Nahverkehrsplan 2024): headways / 1.3, so about 1.3 x the bus
    trips (each pattern's count rounds down to whole departures)."""
    _, _, base, _ = built
    path, _ = synthetic_feed_path(kl_network, kl_oracle, PtConfig(service_scale=1.3),
                                  cache_dir=tmp_path)
    more = read_gtfs(path)
    bus = lambda f: int((f.route_type[f.trip_route] == 3).sum())  # noqa: E731
    assert 1.25 < bus(more) / bus(base) < 1.35
    assert more.vehicle_km((2,)) == pytest.approx(base.vehicle_km((2,)))  # rail unchanged


def test_cached_feed_is_reused(kl_network, kl_oracle, built):
    path, _, _, cache = built
    again, report = synthetic_feed_path(kl_network, kl_oracle, PtConfig(), cache_dir=cache)
    assert again == path and report is None


def test_cli_build_out_refuses_an_existing_file(tmp_path, capsys, built):
    _, _, _, cache = built
    out = tmp_path / "feed.zip"
    out.write_text("mine")
    assert main(["pt", "build", "--cache-dir", str(cache), "--out", str(out)]) == 2
    assert out.read_text() == "mine"
    assert "exists already" in capsys.readouterr().err
