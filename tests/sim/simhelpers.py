"""Small grid networks with their oracles (built once per shape), random request tables,
and the reference clock on simpy (:class:`kl_mobility.sim.simpyclock.SimpyClock`)."""

from __future__ import annotations

import tempfile
from functools import cache

import numpy as np
import pandas as pd

from kl_mobility.network import build_oracle, grid_network
from kl_mobility.sim.simpyclock import SimpyClock

__all__ = ["SimpyClock", "grid", "random_requests"]

_CACHE = tempfile.mkdtemp(prefix="kl-sim-tests-")


@cache
def grid(rows: int, cols: int, spacing_m: float = 200.0, speed_kmh: float = 36.0):
    """``(network, oracle)`` of a two-way grid; 200 m at 36 km/h = 20 s per edge."""
    net = grid_network(rows, cols, spacing_m, speed_kmh)
    return net, build_oracle(net, cache_dir=_CACHE)


def random_requests(rng: np.random.Generator, n: int, n_nodes: int, t0: int, t1: int,
                    *, prebooked_share: float = 0.0, max_pax: int = 2) -> pd.DataFrame:
    """``n`` requests with random nodes (origin != destination), times in ``[t0, t1)``."""
    o = rng.integers(0, n_nodes, n)
    d = (o + rng.integers(1, n_nodes, n)) % n_nodes
    t = np.sort(rng.integers(t0, t1, n))
    pre = rng.random(n) < prebooked_share
    earliest = pd.array(np.where(pre, t + rng.integers(0, 1800, n), 0), dtype="Int64")
    earliest[~pre] = pd.NA
    booking = pd.array(np.where(pre, np.maximum(t - 3600, 0), 0), dtype="Int64")
    booking[~pre] = pd.NA
    return pd.DataFrame({
        "request_id": np.arange(1000, 1000 + n, dtype=np.int64),
        "request_time_s": t.astype(np.int64),
        "origin_node": o.astype(np.int32),
        "dest_node": d.astype(np.int32),
        "passengers": rng.integers(1, max_pax + 1, n).astype(np.int16),
        "earliest_pickup_s": earliest,
        "latest_dropoff_s": pd.array([pd.NA] * n, dtype="Int64"),
        "booking_time_s": booking,
        "alt_mode": pd.Categorical(rng.choice(["car", "walk", "bike", "bus"], n)),
    })
