"""maxspeed parsing and German default speeds."""

from __future__ import annotations

import numpy as np
import pytest

from kl_mobility.network import SpeedCapConfig, apply_speed_cap, grid_network
from kl_mobility.network.speeds import parse_maxspeed, speed_for_edge


@pytest.mark.parametrize(
    "value,expected",
    [
        ("50", 50.0),
        ("30 mph", 30 * 1.609344),
        ("DE:urban", 50.0),
        ("DE:zone30", 30.0),
        ("DE:zone:30", 30.0),
        ("walk", 7.0),
        ("none", 130.0),
        ("30;50", 40.0),
        (["30", "50"], 40.0),
        ("signals", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value, expected):
    got = parse_maxspeed(value)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_defaults_by_highway_type():
    assert speed_for_edge(None, "residential") == 50.0
    assert speed_for_edge(None, "living_street") == 7.0
    assert speed_for_edge(None, "motorway") == 130.0
    assert speed_for_edge("30", "primary") == 30.0


def test_speed_cap_inside_polygon_only():
    # 3 x 3 grid, 200 m spacing at 36 km/h (20 s per edge); cap the lower-left corner
    net = grid_network(3, 3, 200.0, 36.0)
    lat, lon = net.node_lat, net.node_lon
    # box around node 0 reaching 60 % of the way to nodes 1 and 3: holds the midpoints of
    # edges 0-1 and 0-3 only
    lat_hi = lat[0] + 0.6 * (lat[3] - lat[0])
    lon_hi = lon[0] + 0.6 * (lon[1] - lon[0])
    box = ((lat[0] - 1e-4, lon[0] - 1e-4), (lat[0] - 1e-4, lon_hi),
           (lat_hi, lon_hi), (lat_hi, lon[0] - 1e-4))
    capped = apply_speed_cap(net, SpeedCapConfig(max_speed_kmh=18.0, polygon_latlon=box))
    inside = {(0, 1), (1, 0), (0, 3), (3, 0)}
    for e in range(net.n_edges):
        pair = (int(net.edge_tail[e]), int(net.edge_head[e]))
        # 200 m at 18 km/h = 40 s inside the box, unchanged 20 s elsewhere
        assert capped.edge_time_s[e] == (40 if pair in inside else 20), pair
    assert capped.key != net.key
    assert np.array_equal(net.edge_time_s, np.full(net.n_edges, 20))


def test_speed_cap_by_highway_type_never_raises_speed():
    net = grid_network(2, 2, 100.0, 20.0)
    capped = apply_speed_cap(net, SpeedCapConfig(max_speed_kmh=30.0, highway_types=("residential",)))
    assert np.array_equal(capped.edge_speed_kmh, net.edge_speed_kmh)


def test_speed_cap_from_toml_mapping_keeps_coordinates():
    from kl_mobility.config import from_mapping

    cap = from_mapping(SpeedCapConfig, {"max_speed_kmh": 30, "polygon_latlon": [[49.4, 7.7], [49.5, 7.7], [49.5, 7.8]]})
    assert cap.polygon_latlon == ((49.4, 7.7), (49.5, 7.7), (49.5, 7.8))
