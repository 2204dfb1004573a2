"""Public transport router on the synthetic Kaiserslautern feed.

- single queries: the connection-scan kernel against the plain reference
  (tests/pt/transit_reference.py) on 200 random stop-to-stop queries between 06:00 and
  20:00; both give the same arrival for every query; CPU time per query and the ratio;
- zone-to-zone times for every period of the day (the mode choice's input): all zone
  centroids of the default demand model, departures every 5 min over 24 h, CPU time
  (``time.process_time``, both threads of the parallel kernel counted) and wall time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pt"))

from transit_reference import reference_arrival  # noqa: E402

from kl_mobility.pt.config import PtConfig  # noqa: E402
from kl_mobility.pt.router import earliest_arrival  # noqa: E402
from kl_mobility.pt.supply import load_transit  # noqa: E402


@pytest.fixture(scope="module")
def transit(net, oracle):
    return load_transit(PtConfig(), net, oracle)


def _reference_inputs(feed, tt):
    trips = []
    for t in range(feed.n_trips):
        a, b = feed.st_ptr[t], feed.st_ptr[t + 1]
        trips.append(list(zip(feed.st_stop[a:b].tolist(), feed.st_arr_s[a:b].tolist(),
                              feed.st_dep_s[a:b].tolist())))
    fps = {u: [(int(tt.fp_to[k]), int(tt.fp_s[k])) for k in range(tt.fp_ptr[u], tt.fp_ptr[u + 1])]
           for u in range(tt.n_stops)}
    return trips, fps


@pytest.mark.smoke
def test_single_queries_vs_reference(benchmark, transit):
    feed, tt = transit
    rng = np.random.default_rng(7)
    q = [(int(rng.integers(tt.n_stops)), int(rng.integers(tt.n_stops)),
          int(rng.integers(6 * 3600, 20 * 3600))) for _ in range(200)]

    def run():
        return [earliest_arrival(tt, ([o], [0]), ([d], [0]), t0) for o, d, t0 in q]

    run()  # compile / load from cache
    trips, fps = _reference_inputs(feed, tt)
    c0 = time.process_time()
    ref = [reference_arrival(trips, fps, tt.config.transfer_s, [(o, 0)], [(d, 0)], t0,
                             tt.config.horizon_s) for o, d, t0 in q[:20]]
    t_ref = (time.process_time() - c0) / 20
    got = benchmark(run)
    assert [None if j is None else j.arrival_s for j in got[:20]] == ref
    assert sum(j is not None for j in got) > 100
    c0 = time.process_time()
    run()
    t_kernel = (time.process_time() - c0) / len(q)
    benchmark.extra_info.update({"reference_s_per_query": t_ref,
                                 "kernel_s_per_query": t_kernel, "speedup": t_ref / t_kernel})
    print(f"\nPT single query: reference {t_ref * 1e3:.1f} ms, kernel {t_kernel * 1e6:.0f} us "
          f"(CPU), speedup {t_ref / t_kernel:.0f}x; {tt.n_connections:,} connections, "
          f"{tt.n_stops} stops")
    assert t_ref / t_kernel >= 20


def test_zone_periods(benchmark, transit, net):
    from kl_mobility.demand.config import DemandConfig
    from kl_mobility.demand.generate import load_zones
    from kl_mobility.pt.zonetimes import _compute

    _, tt = transit
    cfg = DemandConfig()
    zones = load_zones(net, cfg)
    bounds = tuple(cfg.service_period_bounds_s)
    _compute(tt, zones.lat[:3], zones.lon[:3], bounds)  # compile
    c0, w0 = time.process_time(), time.perf_counter()
    out = benchmark.pedantic(_compute, args=(tt, zones.lat, zones.lon, bounds), rounds=1,
                             iterations=1)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    n_dep = int(out["n_departures"].sum())
    assert n_dep == 288  # every 5 min over 24 h
    assert out["has_stop"].sum() >= zones.n_internal * 0.9
    scans = zones.n_zones * n_dep
    benchmark.extra_info.update({"cpu_s": cpu, "wall_s": wall, "scans": scans})
    print(f"\nPT zone-to-zone: {zones.n_zones} zones x {n_dep} departures = {scans:,} scans, "
          f"CPU {cpu:.1f} s ({cpu / scans * 1e6:.0f} us per scan incl. egress to all zones), "
          f"wall {wall:.1f} s")
