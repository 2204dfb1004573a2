"""A full synthetic Kaiserslautern weekday (~315,000 trips) and request-file IO.

Target on a 2-core machine: a full weekday generated in under 20 s (zones from the cached
OSM features, network and travel-time table loaded from cache). Each benchmark asserts what
it computed (trip total, modal split, round trip) and records a ratio against a reference in
the same run: generation against the bare numpy work of drawing and sorting the same number
of trips; reading a request CSV against pandas' own ``read_csv`` of the same file.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from kl_mobility.demand import (
    DemandConfig,
    generate_demand,
    load_zones,
    requests_from_file,
    requests_to_csv,
)
from kl_mobility.network import default_osm_path

pytestmark = pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")

MODAL_SPLIT_2023 = {"car": 50.0, "walk": 33.3, "bike": 8.3, "bus": 8.5}  # FACTS.md section 3


def _numpy_reference(n: int) -> float:
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    cells = rng.integers(0, 50_000, n)
    times = rng.integers(0, 86_400, n)
    order = np.argsort(times, kind="stable")
    _ = cells[order], rng.random((n, 4))
    return time.perf_counter() - t0


def test_full_weekday(benchmark, net, oracle):
    cfg = DemandConfig()
    load_zones(net, cfg)  # warm the feature cache (parsed once per OSM file)

    def run():
        return generate_demand(net, oracle, cfg, seed=1, service_hours=(5 * 3600, 86_400))

    demand = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    s = demand.summary()
    assert s["trips"] == 314_707  # (75,848 + 22,498) residents x 3.2
    for mode, target in MODAL_SPLIT_2023.items():
        assert abs(s["base_share_pct"][mode] - target) < 1.0
    ref = _numpy_reference(s["trips"])
    benchmark.extra_info.update({
        "trips": s["trips"], "requests": s["requests"],
        "share_by_mode_pct": {k: round(v, 2) for k, v in s["share_by_mode_pct"].items()},
        "base_share_pct": {k: round(v, 2) for k, v in s["base_share_pct"].items()},
        "target_s": 20.0, "numpy_reference_s": ref,
        "ratio_vs_numpy_reference": benchmark.stats.stats.median / ref,
    })


def test_read_requests_csv(benchmark, net, oracle, tmp_path):
    demand = generate_demand(net, oracle, DemandConfig(), seed=2)
    path = requests_to_csv(demand.requests, tmp_path / "requests.csv")
    t0 = time.perf_counter()
    pd.read_csv(path)
    t_ref = time.perf_counter() - t0
    req, rejects = benchmark.pedantic(requests_from_file, args=(path, net), rounds=3,
                                      iterations=1)
    assert rejects.empty
    pd.testing.assert_frame_equal(req, demand.requests)
    benchmark.extra_info.update({
        "rows": len(req), "pandas_read_csv_s": t_ref,
        "ratio_vs_pandas_read_csv": benchmark.stats.stats.median / t_ref,
    })
