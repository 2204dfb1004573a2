"""The 500 m snapping limit at its boundary: points just inside and just outside it.

Network: ``grid_network(3, 3)``, 200 m spacing; node 0 is the south-west corner. Every test
point lies due south of node 0 (same longitude), so its nearest node is node 0 and, with
the equirectangular projection the code uses (``local_xy``: ``y = (lat - lat0) x k`` with
``k = pi / 180 x 6,371,008.8 m``, the same ``x`` for the same longitude), its distance is
``(lat_node0 - lat) x k``. A point ``d`` metres south therefore has latitude
``lat_node0 - d / k``; the tests take d = 499.99 m (inside) and 500.01 m (outside), and
check that the code's own distance agrees to 1e-6 m before relying on it.

The limit is inclusive (a point at exactly the limit is snapped): at the computed distance
``dist`` itself the point passes, at the next float below it fails.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from kl_mobility.demand import RequestFileError, requests_from_file
from kl_mobility.errors import InputError
from kl_mobility.network import DEFAULT_MAX_SNAP_M, SnapError, grid_network, nearest_nodes, snap
from kl_mobility.network.graph import EARTH_RADIUS_M
from kl_mobility.sim import VehicleTypeConfig

K = math.pi / 180.0 * EARTH_RADIUS_M  # metres per degree of latitude = 111,195.08 m


@pytest.fixture(scope="module")
def net():
    return grid_network(3, 3, spacing_m=200.0)


def south_of_node0(net, d_m: float) -> tuple[float, float]:
    """(lat, lon) of the point ``d_m`` metres due south of node 0."""
    return float(net.node_lat[0] - d_m / K), float(net.node_lon[0])


def test_default_limit_is_500_m():
    assert DEFAULT_MAX_SNAP_M == 500.0


@pytest.mark.parametrize("d_m", [499.99, 500.01])
def test_distance_is_computed_as_stated(net, d_m):
    """The code's distance of the test points is d to 1e-6 m, to node 0."""
    lat, lon = south_of_node0(net, d_m)
    node, dist = nearest_nodes(net, [lat], [lon])
    assert node.tolist() == [0]
    assert dist[0] == pytest.approx(d_m, abs=1e-6)


def test_snap_just_inside_the_limit(net):
    """499.99 m <= 500 m: snapped to node 0."""
    lat, lon = south_of_node0(net, 499.99)
    assert snap(net, [lat], [lon]).tolist() == [0]


def test_snap_just_outside_the_limit(net):
    """500.01 m > 500 m: an error naming the point and its distance (rounded: 500 m)."""
    lat, lon = south_of_node0(net, 500.01)
    inside = south_of_node0(net, 10.0)
    with pytest.raises(SnapError, match=r"^1 point\(s\) farther than 500 m from the road "
                       r"network: point 1 \(.*\) is 500 m away$"):
        snap(net, [inside[0], lat], [inside[1], lon])


def test_limit_is_inclusive_to_the_last_float(net):
    """At exactly its own distance a point is accepted; one float less is an error."""
    lat, lon = south_of_node0(net, 300.0)
    _, dist = nearest_nodes(net, [lat], [lon])
    assert snap(net, [lat], [lon], max_dist_m=float(dist[0])).tolist() == [0]
    with pytest.raises(SnapError):
        snap(net, [lat], [lon], max_dist_m=float(np.nextafter(dist[0], 0.0)))


def _write_requests(path, net, origins):
    """One request per origin, all to node 8's position (the north-east corner)."""
    dlat, dlon = float(net.node_lat[8]), float(net.node_lon[8])
    lines = ["request_id,request_time_s,origin_lat,origin_lon,dest_lat,dest_lon,passengers"]
    for k, (lat, lon) in enumerate(origins):
        lines.append(f"{k + 1},{28800 + k},{lat!r},{lon!r},{dlat!r},{dlon!r},1")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_request_file_accepts_a_point_just_inside(net, tmp_path):
    """Origin 499.99 m from node 0: the request is kept and snapped to node 0."""
    path = _write_requests(tmp_path / "r.csv", net, [south_of_node0(net, 499.99)])
    req, rejects = requests_from_file(path, net)
    assert rejects.empty
    assert req["origin_node"].tolist() == [0] and req["dest_node"].tolist() == [8]


def test_request_file_rejects_a_point_just_outside(net, tmp_path):
    """Origins 499.99 m (line 2) and 500.01 m (line 3): line 3 alone is rejected, by name."""
    path = _write_requests(tmp_path / "r.csv", net, [south_of_node0(net, 499.99),
                                                    south_of_node0(net, 500.01)])
    with pytest.raises(RequestFileError) as err:
        requests_from_file(path, net)
    msg = str(err.value)
    assert "1 of 2 rows invalid" in msg
    assert "line 3: origin (" in msg and "line 2:" not in msg
    assert "is outside the network area (500 m from the nearest road node, max 500 m)" in msg
    req, rejects = requests_from_file(path, net, skip_invalid=True)
    assert req["request_id"].tolist() == [1] and len(rejects) == 1


def test_scenario_stops_boundary(net):
    """A stop 499.99 m from node 0 is snapped to it; at 500.01 m the error names the stop."""
    from kl_mobility.runner import MAX_STOP_SNAP_M, scenario_stops

    assert MAX_STOP_SNAP_M == 500.0
    near = (south_of_node0(net, 499.99), (float(net.node_lat[4]), float(net.node_lon[4])))
    vt = VehicleTypeConfig("shuttle", 1, kind="shuttle", stop_based=True, stops_latlon=near)
    stops = scenario_stops(SimpleNamespace(name="t", fleet=(vt,)), net)
    assert stops["shuttle"].tolist() == [0, 4]
    far = (near[1], south_of_node0(net, 500.01))
    vt = VehicleTypeConfig("shuttle", 1, kind="shuttle", stop_based=True, stops_latlon=far)
    with pytest.raises(InputError, match=r"'fleet\.shuttle\.stops_latlon\[1\]'.* is 500 m "
                       r"from the road network \(at most 500 m\)"):
        scenario_stops(SimpleNamespace(name="t", fleet=(vt,)), net)


def test_points_without_coordinates_are_named(net):
    """A NaN point is an error naming its index, whether it comes first or later."""
    lat, lon = south_of_node0(net, 10.0)
    with pytest.raises(SnapError, match=r"^point 1 \(nan, .*\) has no valid coordinates$"):
        snap(net, [lat, float("nan")], [lon, lon])
    with pytest.raises(SnapError, match=r"^point 0 \(.*, inf\) has no valid coordinates$"):
        snap(net, [lat], [float("inf")])
