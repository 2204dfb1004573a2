"""Shared inputs of the simulation benchmarks: the Kaiserslautern network and sampled requests.

Until the demand module's generator is used here, the benchmark samples its own requests
(deterministic seed): origins and destinations uniformly over network nodes (at least
500 m apart as the crow flies), request times from a two-peak weekday profile (morning peak
around 07:30, afternoon peak around 16:30, a flat base between 06:00 and 22:00).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEKDAY_START_S = 6 * 3600
WEEKDAY_END_S = 22 * 3600


def kaiserslautern():
    """``(network, oracle)`` of Kaiserslautern from the cache in ``networks/``."""
    from kl_mobility.network import build_oracle, load_network

    net = load_network()
    return net, build_oracle(net)


def weekday_requests(network, n: int, seed: int = 20240521) -> pd.DataFrame:
    """``n`` requests over a weekday, sampled as the module docstring says."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(3, size=n, p=[0.25, 0.25, 0.5])
    t = np.where(kind == 0, rng.normal(7.5 * 3600, 3600, n),
                 np.where(kind == 1, rng.normal(16.5 * 3600, 4500, n),
                          rng.uniform(WEEKDAY_START_S, WEEKDAY_END_S, n)))
    t = np.clip(np.rint(t), WEEKDAY_START_S, WEEKDAY_END_S - 1).astype(np.int64)
    t.sort()
    nn = network.n_nodes
    o = rng.integers(0, nn, n)
    d = rng.integers(0, nn, n)
    x, y = np.asarray(network.node_x), np.asarray(network.node_y)
    for _ in range(50):
        bad = np.hypot(x[o] - x[d], y[o] - y[d]) < 500.0
        if not bad.any():
            break
        d[bad] = rng.integers(0, nn, int(bad.sum()))
    return pd.DataFrame({
        "request_id": np.arange(n, dtype=np.int64),
        "request_time_s": t,
        "origin_node": o.astype(np.int32),
        "dest_node": d.astype(np.int32),
        "passengers": rng.choice([1, 2, 3], size=n, p=[0.8, 0.15, 0.05]).astype(np.int16),
    })


def run_level(mult: float, policy: str = "insertion", seed: int = 1) -> dict:
    """Simulate ``mult`` x (20,000 requests, 200 vans of capacity 6) on Kaiserslautern.

    Returns wall and CPU seconds of :func:`simulate` alone (network and tables already
    loaded), the process's peak resident memory, and the served count.
    """
    import resource
    import time

    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

    net, oracle = kaiserslautern()
    req = weekday_requests(net, int(round(20_000 * mult)))
    fleet = [VehicleTypeConfig("van", int(round(200 * mult)), 6)]
    wall, cpu = time.perf_counter(), time.process_time()
    res = simulate(SimInputs(net, oracle, req, ServiceConfig(), fleet, DispatchConfig(policy=policy), seed=seed))
    return {
        "mult": mult, "policy": policy, "requests": len(req), "vehicles": fleet[0].count,
        "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "served": int(res.kpis["n_served"]), "n_final": int(res.kpis["n_served"]
                                                           + res.kpis["n_rejected"]
                                                           + res.kpis["n_cancelled"]),
        "share_served": res.kpis["share_served"], "wait_mean_s": res.kpis["wait_mean_s"],
        "vehicle_km": res.kpis["vehicle_km"], "occupancy": res.kpis["occupancy"],
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run_level(float(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2
                               else "insertion")))
