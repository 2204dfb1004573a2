"""Network build, travel-time table, cache load and lookups on the Kaiserslautern extract.

Targets on a 2-core machine: table built in under 30 s, loaded from cache in under 2 s,
batched lookups above 50 million per second. Ratios are against references in the same
run: scipy's compiled Dijkstra for the table, numpy fancy indexing for batched lookups.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from kl_mobility.network import build_oracle, default_osm_path, network_from_osm
from kl_mobility.network.oracle import _gather

pytestmark = pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")


def test_network_build(benchmark):
    result = benchmark.pedantic(network_from_osm, args=(default_osm_path(),), rounds=2, iterations=1)
    assert result.n_nodes > 5000
    benchmark.extra_info["nodes"] = result.n_nodes
    benchmark.extra_info["edges"] = result.n_edges


def test_table_build(benchmark, net, tmp_path):
    # reference: scipy's compiled Dijkstra on the same graph (times only, no paths/distances)
    g = csr_matrix((net.edge_time_s.astype(np.float64), net.edge_head, net.indptr),
                   shape=(net.n_nodes, net.n_nodes))
    t0 = time.perf_counter()
    ref = dijkstra(g, directed=True)
    t_ref = time.perf_counter() - t0
    oracle = benchmark.pedantic(
        build_oracle, args=(net,), kwargs={"cache_dir": tmp_path, "use_cache": False},
        rounds=2, iterations=1, warmup_rounds=1,
    )
    assert np.array_equal(np.asarray(oracle.tt), ref.astype(np.int64))
    benchmark.extra_info["scipy_dijkstra_times_only_s"] = t_ref
    benchmark.extra_info["ratio_vs_scipy"] = benchmark.stats.stats.median / t_ref


@pytest.mark.smoke
def test_cache_load(benchmark, net, oracle):
    def load():
        o = build_oracle(net)
        # touch every page of the tables so the measure includes reading them
        return int(np.asarray(o.tt).sum(dtype=np.int64) & 1), o

    parity, o = benchmark.pedantic(load, rounds=3, iterations=1)
    assert o.tt.shape == (net.n_nodes, net.n_nodes)
    assert parity == int(np.asarray(oracle.tt).sum(dtype=np.int64) & 1)  # the same table


@pytest.mark.smoke
def test_single_lookups(benchmark, net, oracle):
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, net.n_nodes, (10_000, 2)).tolist()

    def run():
        s = 0
        for o, d in pairs:
            s += oracle.time_s(o, d)
        return s

    s = benchmark(run)
    o, d = np.asarray(pairs).T
    assert s == int(np.asarray(oracle.tt)[o, d].sum(dtype=np.int64))  # same as one gather
    benchmark.extra_info["lookups_per_s"] = len(pairs) / benchmark.stats.stats.median


@pytest.mark.smoke
def test_batched_lookups(benchmark, net, oracle):
    rng = np.random.default_rng(1)
    k = 10_000_000
    orig = rng.integers(0, net.n_nodes, k)
    dest = rng.integers(0, net.n_nodes, k)
    out = np.empty(k, np.int32)
    tt = np.asarray(oracle.tt)
    t0 = time.perf_counter()
    ref = tt[orig, dest]
    t_ref = time.perf_counter() - t0
    _gather(tt, orig, dest, out)  # compile/warm
    benchmark.pedantic(_gather, args=(tt, orig, dest, out), rounds=5, iterations=1)
    assert np.array_equal(out, ref)
    rate = k / benchmark.stats.stats.median
    benchmark.extra_info["lookups_per_s"] = rate
    benchmark.extra_info["ratio_vs_numpy_fancy_index"] = t_ref / benchmark.stats.stats.median
