"""The dispatch benchmark on a small instance: every built-in policy simulates the same
6 x 6 grid day (200 requests over two hours, 6 vans of 4 seats) written as an instance
folder and read back; each asserts its row has no violation and serves what a direct
simulation of the day serves; the CPU time per simulated day is reported with its ratio
to insertion's in the same run. The full table on Kaiserslautern days:
``kl-mobility bench dispatch --instances ... --policies ...``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.dispatchbench import bench_dispatch, load_bench_instance
from kl_mobility.instance import instance_of_day, write_instance
from kl_mobility.network import build_oracle, grid_network
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

POLICIES = ("insertion", "batch", "rebalancing")


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dispatch-bench")
    net = grid_network(6, 6)
    oracle = build_oracle(net, cache_dir=tmp / "cache")
    rng = np.random.default_rng(9)
    o = rng.integers(0, 36, 200)
    req = pd.DataFrame({"request_id": np.arange(200),
                        "request_time_s": np.sort(rng.integers(28800, 36000, 200)),
                        "origin_node": o, "dest_node": (o + rng.integers(1, 36, 200)) % 36,
                        "passengers": rng.integers(1, 3, 200)})
    service = ServiceConfig(start_s=25200, end_s=39600)
    fleet = [VehicleTypeConfig("van", 6, 4)]
    direct = {p: simulate(SimInputs(net, oracle, req, service, fleet,
                                    DispatchConfig(policy=p), seed=1)) for p in POLICIES}
    start = direct["insertion"].vehicles["start_node"].to_numpy()
    write_instance(tmp / "grid-day", instance_of_day("grid-day", net, req, fleet, start,
                                                     service))
    return load_bench_instance(tmp / "grid-day", 1), direct


@pytest.mark.smoke
def test_dispatch_bench_rows(benchmark, day):
    bi, direct = day
    rows = benchmark.pedantic(lambda: bench_dispatch([bi], POLICIES, seed=1), rounds=2,
                              iterations=1, warmup_rounds=1)
    ref = rows[0]["cpu_s_per_day"]
    for r in rows:
        assert r["violations"] == 0, r["first_violation"]
        assert r["served"] == direct[r["policy"]].kpis["n_served"] > 0
        assert r["requests"] == 200
        benchmark.extra_info[r["policy"]] = {
            "served": r["served"], "cpu_s_per_day": r["cpu_s_per_day"],
            "cpu_ratio_vs_insertion": r["cpu_s_per_day"] / ref if ref > 0 else None}
