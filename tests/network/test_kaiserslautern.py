"""The network of the shared Kaiserslautern extract (../shared/data/osm/kaiserslautern.osm.gz)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from kl_mobility.kernels.shortest_path import INF_TIME
from kl_mobility.network import SnapError, load_network, snap


def test_size_and_connectivity(kl_network):
    # SOURCE.md of the extract: ~7,300 drivable nodes, ~98-99 % in the largest SCC
    assert 5_000 < kl_network.n_nodes < 10_000
    assert kl_network.n_edges > kl_network.n_nodes
    assert kl_network.meta["component_share"] > 0.95
    assert 300 < kl_network.total_length_km() < 600


def test_every_table_entry_is_finite(kl_oracle):
    tt = np.asarray(kl_oracle.tt)
    assert int(tt.max()) < INF_TIME
    assert np.all(np.diag(tt) == 0)
    assert int(tt.min()) == 0


def test_table_agrees_with_networkx_dijkstra(kl_network, kl_oracle):
    g = kl_network.to_networkx()
    rng = np.random.default_rng(7)
    for src in rng.choice(kl_network.n_nodes, 5, replace=False).tolist():
        lengths = nx.single_source_dijkstra_path_length(g, src, weight="travel_time")
        targets = rng.choice(kl_network.n_nodes, 200, replace=False)
        for t in targets.tolist():
            assert kl_oracle.time_s(src, t) == lengths[t]


def test_triangle_inequality_on_a_sample(kl_network, kl_oracle):
    rng = np.random.default_rng(11)
    a, b, c = rng.integers(0, kl_network.n_nodes, (3, 20_000))
    tt = np.asarray(kl_oracle.tt).astype(np.int64)
    assert np.all(tt[a, c] <= tt[a, b] + tt[b, c])


def test_paths_add_up_to_table_times(kl_network, kl_oracle):
    rng = np.random.default_rng(3)
    for o, d in rng.integers(0, kl_network.n_nodes, (50, 2)).tolist():
        p = kl_oracle.path(o, d)
        edges = [kl_network.edge_id(u, v) for u, v in zip(p[:-1], p[1:])]
        assert min(edges, default=0) >= 0
        assert int(kl_network.edge_time_s[edges].sum()) == kl_oracle.time_s(o, d)
        assert float(kl_network.edge_length_m[edges].sum()) == pytest.approx(
            kl_oracle.dist_m(o, d), rel=1e-5, abs=0.01)


def test_plausible_against_published_times(kl_network, kl_oracle):
    # FACTS.md section 2 coordinates (OSM2013 positions). FACTS.md section 5: line 117
    # Hbf -> PRE-Park takes 11 min by bus; Rheinpfalz "Alternativen zum Auto im Fokus":
    # TU campus -> Fruchthalle 17 min by car door to door. Stadtmitte is taken at the
    # Schillerplatz stop next to the Fruchthalle (FACTS.md section 2).
    hbf, pre_park, campus, stadtmitte = snap(
        kl_network,
        [49.43598, 49.45537, 49.42549, 49.4454],
        [7.76893, 7.80585, 7.75580, 7.7696],
    ).tolist()
    assert kl_oracle.time_s(hbf, pre_park) < 11 * 60
    assert kl_oracle.time_s(campus, stadtmitte) < 17 * 60
    assert kl_oracle.time_s(stadtmitte, campus) < 17 * 60


def test_snap_rejects_far_points_by_name(kl_network):
    # Mölschbach (FACTS.md section 1) lies ~5 km outside the extract
    with pytest.raises(SnapError, match=r"point 1 \(49\.381700, 7\.816400\)"):
        snap(kl_network, [49.4447, 49.3817], [7.7689, 7.8164])


def test_cache_roundtrip_and_key(kl_network, tmp_path):
    from kl_mobility.network.speeds import GERMAN_URBAN_DEFAULT_SPEEDS_KMH

    src = kl_network.meta["source"]
    a = load_network(src, cache_dir=tmp_path)
    b = load_network(src, cache_dir=tmp_path)  # from the cache file just written
    assert a.key == b.key == kl_network.key
    assert np.array_equal(a.edge_time_s, b.edge_time_s)
    slower = dict(GERMAN_URBAN_DEFAULT_SPEEDS_KMH, residential=30.0)
    c = load_network(src, cache_dir=tmp_path, default_speeds_kmh=slower)
    assert c.key != a.key
    assert len(list(tmp_path.glob("*.npz"))) == 2
    assert c.edge_time_s.sum() > a.edge_time_s.sum()
