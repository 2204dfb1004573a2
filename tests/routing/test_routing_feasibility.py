"""The insertion tests of the static solver's searches against the independent checker.

Random dial-a-ride problems in seconds (Cordeau-like: a 15-minute window on one stop of
each request, ride-time limits of 1.1-2.5 times the direct ride plus a few minutes, a
route-duration limit on some problems). For each random route and request, every pair of
insertion positions is judged by the kernels the searches use and by
:func:`check_routes`; they must agree on every one, and both outcomes must occur. Loosening
a window or a ride-time limit inside the kernels by a few seconds is caught by the same kind
of agreement check (the mutation check in :mod:`test_routing_limits_mutation`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from routing_reference import find_insertion_brute

from kl_mobility.kernels.routing_insertion import (
    build,
    insertion_delta,
    insertion_ok,
    ride_duration_ok,
    scan_insertion,
    schedule,
)
from kl_mobility.routing import RoutingProblem, check_routes
from kl_mobility.routing.arrays import kernel_arrays, tightened_windows

N_PAIRS = int(os.environ.get("KL_RIDE_PAIRS", "2000"))


def random_darp(rng: np.random.Generator, n_req: int = 8) -> RoutingProblem:
    """A random dial-a-ride problem: depot in the middle of a 1000 x 1000 square (time =
    distance in seconds), service 30-120 s, capacity 3, each request with a 900 s window on
    its pickup or its drop-off starting between 10 and 40 minutes into a 3-hour day."""
    xy = rng.uniform(0, 1000, size=(2 * n_req + 1, 2))
    xy[0] = 500.0
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    pu = np.arange(1, n_req + 1)
    de = pu + n_req
    service = np.concatenate([[0.0], rng.uniform(30, 120, 2 * n_req)])
    early = np.zeros(2 * n_req + 1)
    late = np.full(2 * n_req + 1, 3 * 3600.0)
    start = rng.uniform(600, 2400, n_req)
    on_pickup = rng.random(n_req) < 0.5
    for r in range(n_req):
        loc = pu[r] if on_pickup[r] else de[r]
        early[loc], late[loc] = start[r], start[r] + 900.0
    direct = service[pu] + d[pu, de]
    ride = rng.uniform(1.1, 2.5, n_req) * direct + rng.uniform(0, 300, n_req)
    max_dur = float(rng.uniform(2400, 6000)) if rng.random() < 0.5 else np.inf
    load = np.zeros(2 * n_req + 1, dtype=np.int64)
    load[pu] = 1
    load[de] = -1
    return RoutingProblem(time=d, dist=d, service=service, load=load, tw_early=early,
                          tw_late=late, pickups=pu, deliveries=de, max_ride=ride,
                          n_vehicles=1, capacity=3, start=0, end=0, max_duration=max_dur,
                          drop_penalty=0.0)


def random_route(rng: np.random.Generator, p: RoutingProblem, reqs: np.ndarray) -> list[int]:
    """The requests ``reqs`` ordered by a noisy estimate of each stop's time (its window's
    middle, or the partner's minus/plus the direct ride), each pickup before its drop-off:
    routes that are often but not always feasible."""
    direct = p.service[p.pickups] + p.time[p.pickups, p.deliveries]
    keys = []
    for r in reqs:
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        if p.tw_late[pu] - p.tw_early[pu] < p.tw_late[de] - p.tw_early[de]:
            tp = 0.5 * (p.tw_early[pu] + p.tw_late[pu])
            td = tp + direct[r]
        else:
            td = 0.5 * (p.tw_early[de] + p.tw_late[de])
            tp = td - direct[r]
        noise = rng.normal(0, 300, 2)
        keys += [(tp + noise[0], pu), (max(td + noise[1], tp + noise[0] + 1e-3), de)]
    return [x for _, x in sorted(keys)]


def _kernel_args(arr: dict) -> tuple:
    return (arr["T"], arr["s"], arr["e"], arr["l"], arr["q"], arr["d0"], arr["d1"], arr["cap"])


def _pairs(seed: int, n_pairs: int):
    """(problem, kernel arrays, route, request) for ``n_pairs`` random pairs; half of them
    with the windows tightened as the solver tightens them."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < n_pairs:
        p = random_darp(rng)
        arr = kernel_arrays(p, *(tightened_windows(p) if made % 2 else
                                 (p.tw_early, p.tw_late)))
        for _ in range(20):
            k = int(rng.integers(1, 4))
            reqs = rng.choice(p.n_requests, size=k + 1, replace=False)
            yield p, arr, random_route(rng, p, reqs[1:]), int(reqs[0])
            made += 1


def test_ride_time_test_agrees_with_checker_on_every_position():
    """On every position of every pair: the exact schedule test on the new route equals the
    checker's verdict, and so does the composition the searches use (window walk over the
    route's earliest/latest tables, then the schedule test). Both outcomes occur, and
    ride-time or duration limits decide some of them (windows alone would accept)."""
    counts = {"feasible": 0, "infeasible": 0, "limits_decide": 0}
    w = 32
    a, z = np.empty(w), np.empty(w)
    ld, buf = np.empty(w, dtype=np.int64), np.empty(w, dtype=np.int64)
    for p, arr, route, r in _pairs(1, N_PAIRS):
        seq = np.array(route, dtype=np.int64)
        n = seq.size
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        base_ok = schedule(seq, n, *_kernel_args(arr), a, z, ld)
        no_limits = replace(p, max_ride=np.inf, max_duration=np.inf)
        for i in range(1, n + 2):
            for j in range(i, n + 2):
                m = build(seq, n, pu, de, i, j, buf)
                new = buf[:m].tolist()
                truth = check_routes(p, [new]).feasible
                exact = ride_duration_ok(buf, m, *_kernel_args(arr), arr["maxride"],
                                         arr["maxdur"], arr["mate"])
                assert exact == truth, (p.name, route, r, i, j)
                if base_ok:
                    walk = insertion_ok(seq, n, a, z, ld, pu, de, i, j, *_kernel_args(arr))
                    assert (walk and exact) == truth, (route, r, i, j)
                counts["feasible" if truth else "infeasible"] += 1
                if not truth and check_routes(no_limits, [new]).feasible:
                    counts["limits_decide"] += 1
    print(counts)
    assert counts["feasible"] > 0.01 * sum(counts.values()) and counts["infeasible"] > 0, counts
    assert counts["limits_decide"] > 0.01 * sum(counts.values()), counts


def test_scan_finds_the_cheapest_position_the_checker_accepts():
    """The O(n^2) scan the searches call (mode 0: cheapest; mode 2: any) against every
    position judged by the checker: same verdict, same cheapest cost; and the slow
    all-pairs reference agrees too."""
    w = 32
    bufs = (np.empty(w), np.empty(w), np.empty(w, dtype=np.int64), np.empty(w, dtype=np.int64))
    found = none = 0
    for p, arr, route, r in _pairs(2, N_PAIRS // 2):
        seq = np.array(route, dtype=np.int64)
        n = seq.size
        if not check_routes(p, [route]).feasible:
            continue  # the searches only insert into feasible routes
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        best = np.inf
        tmp = np.empty(w, dtype=np.int64)
        for i in range(1, n + 2):
            for j in range(i, n + 2):
                m = build(seq, n, pu, de, i, j, tmp)
                if check_routes(p, [tmp[:m].tolist()]).feasible:
                    best = min(best, insertion_delta(seq, n, pu, de, i, j, arr["D"], 0, 0))
        args = (arr["T"], arr["D"], arr["s"], arr["e"], arr["l"], arr["q"], arr["d0"],
                arr["d1"], arr["cap"], True, arr["maxride"], arr["maxdur"], arr["mate"], *bufs)
        i, _j, dl = scan_insertion(seq, n, pu, de, 0, 0.0, *args)
        assert (i >= 0) == np.isfinite(best), (route, r)
        assert (scan_insertion(seq, n, pu, de, 2, 0.0, *args)[0] >= 0) == np.isfinite(best)
        slow = find_insertion_brute(seq, n, pu, de, 0, *args)
        assert (slow[0] >= 0) == np.isfinite(best)
        if i >= 0:
            found += 1
            assert dl == pytest.approx(best, abs=1e-9)
            assert slow[2] == pytest.approx(best, abs=1e-9)
        else:
            none += 1
    assert found > 0.05 * (found + none) and none > 0.05 * (found + none), (found, none)


def test_schedule_test_by_hand():
    """A route where the earliest-start schedule breaks the ride limit but a later pickup
    keeps it: depot 0 at x = 0, pickup 1 at x = 10 (window [0, 100]), drop-off 2 at x = 20
    with window [100, 110], ride limit 20, no service times. Earliest start: pickup at 10,
    drop-off waits until 100, ride 90 > 20. Starting the pickup at 80: ride 100 - 80 = 20, ok.
    With the limit 9 (< the direct ride of 10) no schedule exists."""
    x = np.array([0.0, 10.0, 20.0])
    d = np.abs(x[:, None] - x[None, :])
    p = RoutingProblem(time=d, dist=d, service=0.0, load=[0, 1, -1], tw_early=[0, 0, 100],
                       tw_late=[1000, 100, 110], pickups=[1], deliveries=[2], max_ride=20.0,
                       n_vehicles=1, capacity=1, start=0, end=0, max_duration=np.inf)
    arr = kernel_arrays(p, p.tw_early, p.tw_late)
    seq = np.array([1, 2], dtype=np.int64)
    extra = (arr["maxride"], arr["maxdur"], arr["mate"])
    assert ride_duration_ok(seq, 2, *_kernel_args(arr), *extra)
    assert check_routes(p, [[1, 2]]).feasible
    tight = kernel_arrays(replace(p, max_ride=9.0), p.tw_early, p.tw_late)
    assert not ride_duration_ok(seq, 2, *_kernel_args(tight), tight["maxride"],
                                tight["maxdur"], tight["mate"])
    # the shortest duration: leave at 80, pick up at 90, drop off at 100, back at 120 = 40;
    # a limit of 39 cannot be met, 40 can
    for dur, ok in ((39.0, False), (40.0, True)):
        q = kernel_arrays(replace(p, max_duration=dur), p.tw_early, p.tw_late)
        assert ride_duration_ok(seq, 2, *_kernel_args(q), q["maxride"], q["maxdur"],
                                q["mate"]) == ok
        assert check_routes(replace(p, max_duration=dur), [[1, 2]]).feasible == ok


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already without JIT")
def test_agreement_without_jit():
    """The same comparisons with NUMBA_DISABLE_JIT=1 (the kernels as plain Python)."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", KL_RIDE_PAIRS="300")
    here = Path(__file__).resolve()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(here),
         "-k", "agrees or cheapest or by_hand"],
        env=env, capture_output=True, text=True, timeout=600, cwd=here.parents[2])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "3 passed" in proc.stdout
