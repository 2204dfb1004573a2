"""Insertion kernel against the pure-Python reference on the same inputs (>= 100x faster).

Instance: a 400-node random shortest-path metric, 200 vehicles with 0-3 parties each (up to
6 planned stops), 50 requests; both find the same best cost for every request.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "kernels"))

from insertion_reference import metric, reference_best  # noqa: E402

from kl_mobility.kernels.insertion import (  # noqa: E402
    Fleet,
    Request,
    Schedules,
    Tables,
    best_insertion,
)


def _instance(seed=1, n=400, nv=200, n_req=50):
    rng = np.random.default_rng(seed)
    tt = metric(rng, n, max_w=120)
    width = 8
    sched = {k: np.zeros((nv, width), np.int64) for k in ("node", "early", "late", "delta",
                                                           "dwell")}
    start_node = rng.integers(0, n, nv).astype(np.int64)
    start_time = np.zeros(nv, np.int64)
    start_load = np.zeros(nv, np.int64)
    sched_len = np.zeros(nv, np.int64)
    capacity = np.full(nv, 6, np.int64)
    for v in range(nv):
        parties = int(rng.integers(0, 4))
        stops = []
        for _ in range(parties):  # pickup then drop-off, appended in turn
            stops.append([int(rng.integers(0, n)), 0, 0, 1, 10])
            stops.append([int(rng.integers(0, n)), 0, 0, -1, 10])
        t, node = 0, int(start_node[v])
        for s in stops:
            t += int(tt[node, s[0]])
            s[2] = t + int(rng.integers(60, 600))
            t += s[4]
            node = s[0]
        sched_len[v] = len(stops)
        for k, s in enumerate(stops):
            for name, val in zip(("node", "early", "late", "delta", "dwell"), s, strict=True):
                sched[name][v, k] = val
    veh = (tt, np.arange(nv, dtype=np.int64), start_node, start_time, start_load, capacity,
           sched_len, sched["node"], sched["early"], sched["late"], sched["delta"],
           sched["dwell"])
    reqs = [(int(rng.integers(0, n)), int(rng.integers(0, n)), 0, 600,
             600 + int(rng.integers(300, 1500))) for _ in range(n_req)]
    return veh, reqs


def _kernel_all(veh, reqs):
    tt, cand, start_node, start_time, start_load, capacity, *sched = veh
    tables, fleet = Tables(tt), Fleet(start_node, start_time, start_load, capacity)
    return [best_insertion(tables, cand, fleet, Schedules(*sched),
                           Request(o, d, e, lp, ld, 1, 10, 10), check=False)[0]
            for o, d, e, lp, ld in reqs]


@pytest.mark.smoke
def test_kernel_vs_reference(benchmark):
    veh, reqs = _instance()
    _kernel_all(veh, reqs)  # compile / load from cache
    t0 = time.perf_counter()
    ref = [reference_best(*veh, o, d, e, lp, ld, 1, 10, 10)[0] for o, d, e, lp, ld in reqs]
    t_ref = time.perf_counter() - t0
    got = benchmark(_kernel_all, veh, reqs)
    assert got == ref
    assert sum(c < np.iinfo(np.int64).max for c in got) > len(reqs) // 2
    t_kernel = benchmark.stats.stats.median
    ratio = t_ref / t_kernel
    benchmark.extra_info.update({"reference_s": t_ref, "kernel_s": t_kernel, "speedup": ratio})
    print(f"\ninsertion: reference {t_ref:.3f} s, kernel {t_kernel * 1e3:.2f} ms, "
          f"speedup {ratio:.0f}x")
    assert ratio >= 100
