"""Exact travel times on the tiny hand-written fixture (tests/data/tiny.osm).

Edge lengths are great-circle distances with osmnx's Earth radius (6,371,009 m); edge
times are round(length / speed) seconds:
  1-2, 2-3:  1000.756 m at 5 m/s  -> 200 s (two-way)
  3->4:      1413.571 m at 20 m/s -> 71 s  (one-way)
  4->1:      1413.700 m at 20 m/s -> 71 s  (one-way)
  3-5:        998.242 m at 30 km/h (8.333 m/s) -> 120 s (two-way)
"""

from __future__ import annotations

import bz2
import gzip
import math

import networkx as nx
import numpy as np
import pytest

from kl_mobility.network import build_oracle, network_from_osm

R = 6_371_009.0


def gc(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def tiny(tiny_osm):
    net = network_from_osm(tiny_osm)
    return net, build_oracle(net, use_cache=False)


def node(net, osmid):
    return int(np.flatnonzero(net.node_osmid == osmid)[0])


def test_only_drivable_ways_are_kept(tiny):
    net, _ = tiny
    pairs = {(int(net.node_osmid[t]), int(net.node_osmid[h]))
             for t, h in zip(net.edge_tail, net.edge_head)}
    # 1-2, 2-3 two-way; 3->4, 4->1 one-way; 3-5 two-way; nothing else (footway,
    # parking aisle and private road between 1/2 and 4 are not drivable).
    assert pairs == {(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 1), (3, 5), (5, 3)}


def test_edge_times_follow_maxspeed(tiny):
    net, _ = tiny
    e = net.edge_id(node(net, 3), node(net, 4))
    length = gc(49.418, 7.700, 49.409, 7.7138)
    assert net.edge_length_m[e] == pytest.approx(length, rel=1e-6)
    assert net.edge_time_s[e] == round(length / 20.0) == 71
    e12 = net.edge_id(node(net, 1), node(net, 2))
    assert net.edge_time_s[e12] == round(gc(49.4, 7.7, 49.409, 7.7) / 5.0) == 200


def test_exact_shortest_times_with_one_way(tiny):
    net, oracle = tiny
    t = lambda a, b: oracle.time_s(node(net, a), node(net, b))  # noqa: E731
    # 3 -> 1 uses the fast one-way 3->4->1: 71 + 71 = 142 s (not 400 s via 2)
    assert t(3, 1) == 142
    # 1 -> 3 cannot use the one-way against its direction: 200 + 200 = 400 s
    assert t(1, 3) == 400
    # 1 -> 4 must go 1->2->3->4: 200 + 200 + 71 = 471 s
    assert t(1, 4) == 471
    # 4 -> 5: 4->1->2->3->5 = 71 + 200 + 200 + 120 = 591 s
    assert t(4, 5) == 591
    assert t(2, 2) == 0


def test_path_and_distance_follow_the_fastest_path(tiny):
    net, oracle = tiny
    p = oracle.path(node(net, 3), node(net, 1))
    assert net.node_osmid[p].tolist() == [3, 4, 1]
    expected = gc(49.418, 7.7, 49.409, 7.7138) + gc(49.409, 7.7138, 49.4, 7.7)
    assert oracle.dist_m(node(net, 3), node(net, 1)) == pytest.approx(expected, rel=1e-5)


def test_lazy_mode_matches_dense(tiny):
    net, dense = tiny
    lazy = build_oracle(net, mode="lazy")
    n = net.n_nodes
    o, d = np.divmod(np.arange(n * n), n)
    assert np.array_equal(lazy.times_s(o, d), dense.times_s(o, d))
    assert np.allclose(lazy.dists_m(o, d), dense.dists_m(o, d))
    for a in range(n):
        for b in range(n):
            assert lazy.path(a, b).tolist() == dense.path(a, b).tolist()


def test_agrees_with_networkx(tiny):
    net, oracle = tiny
    g = net.to_networkx()
    lengths = dict(nx.all_pairs_dijkstra_path_length(g, weight="travel_time"))
    for a in range(net.n_nodes):
        for b in range(net.n_nodes):
            assert oracle.time_s(a, b) == lengths[a][b]


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".osm.gz"), (bz2.open, ".osm.bz2")])
def test_compressed_inputs_give_the_same_network(tiny_osm, tmp_path, tiny, opener, suffix):
    net, _ = tiny
    target = tmp_path / f"tiny{suffix}"
    with opener(target, "wb") as fh:
        fh.write(tiny_osm.read_bytes())
    other = network_from_osm(target)
    assert np.array_equal(other.edge_time_s, net.edge_time_s)
    assert np.array_equal(other.edge_head, net.edge_head)
