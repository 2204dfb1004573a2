"""Route minimisation (guided ejection search) and the ruin-and-recreate distance search."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from routing_reference import find_insertion_brute

from kl_mobility.kernels.routing_insertion import (
    build,
    insertion_ok,
    ride_duration_ok,
    scan_insertion,
    schedule,
)
from kl_mobility.routing import check_routes, read_cordeau, read_li_lim
from kl_mobility.routing.arrays import kernel_arrays, tightened_windows
from kl_mobility.routing.ges import GesOptions, minimise_routes
from kl_mobility.routing.lns import LnsOptions, improve_distance


def _singles(p):
    return [[int(a), int(b)] for a, b in zip(p.pickups, p.deliveries)]


def _lc101(shared_benchmarks):
    return read_li_lim(shared_benchmarks / "pdptw" / "lc101.txt").problem


def test_ges_reaches_best_known_count_on_lc101(shared_benchmarks):
    """53 one-request routes down to lc101's best-known 10, every request still served."""
    p = _lc101(shared_benchmarks)
    e, lt = tightened_windows(p)
    res = minimise_routes(p, _singles(p), 300.0, GesOptions(seed=3), tw_early=e, tw_late=lt,
                          target_routes=10)
    assert res.n_routes_start == 53
    assert len(res.routes) == 10
    assert [n for n, _ in res.history] == list(range(52, 9, -1))
    rep = check_routes(p, res.routes)
    assert rep.feasible, rep.violations[:3]
    assert rep.dropped == ()
    assert sorted(x for r in res.routes for x in r) == sorted(
        np.concatenate([p.pickups, p.deliveries]).tolist())


def test_ges_keeps_ride_time_limits(shared_benchmarks):
    """On a dial-a-ride instance (ride times, route durations) every plan stays feasible."""
    p = read_cordeau(shared_benchmarks / "darp" / "a2-16.txt").problem
    e, lt = tightened_windows(p)
    p16 = p.with_vehicles(16)  # room for the one-request routes it starts from
    res = minimise_routes(p16, _singles(p), 300.0, GesOptions(seed=1, max_iterations=2_000),
                          tw_early=e, tw_late=lt, target_routes=2)
    assert len(res.routes) < 16
    rep = check_routes(p16, res.routes)
    assert rep.feasible, rep.violations[:3]


def test_ges_same_seed_same_plan(shared_benchmarks):
    p = _lc101(shared_benchmarks)
    opts = GesOptions(seed=5, max_iterations=400, chunk=100)
    a = minimise_routes(p, _singles(p), 300.0, opts, target_routes=10)
    b = minimise_routes(p, _singles(p), 300.0, opts, target_routes=10)
    assert a.routes == b.routes
    assert a.iterations == b.iterations


def test_ges_rejects_incomplete_plan(shared_benchmarks):
    p = _lc101(shared_benchmarks)
    with pytest.raises(ValueError, match="serves every request"):
        minimise_routes(p, _singles(p)[1:], 1.0)


def test_insertion_check_agrees_with_checker(shared_benchmarks):
    """The O(segment) insertion test accepts exactly the positions the checker accepts."""
    p = _lc101(shared_benchmarks)
    arr = kernel_arrays(p, p.tw_early, p.tw_late)
    res = minimise_routes(p, _singles(p), 300.0, GesOptions(seed=2), target_routes=30)
    rng = np.random.default_rng(0)
    one = replace(p.with_vehicles(1), drop_penalty=0.0)  # other requests may stay out
    n_ok = n_bad = 0
    a = np.empty(300)
    z = np.empty(300)
    ld = np.empty(300, dtype=np.int64)
    buf = np.empty(300, dtype=np.int64)
    for _ in range(40):
        k1, k2 = rng.choice(len(res.routes), 2, replace=False)
        seq = np.array(res.routes[k2], dtype=np.int64)
        r = int(p.request_of()[res.routes[k1][0]])
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        n = seq.size
        assert schedule(seq, n, arr["T"], arr["s"], arr["e"], arr["l"], arr["q"], arr["d0"],
                         arr["d1"], arr["cap"], a, z, ld)
        for i in range(1, n + 2):
            for j in range(i, n + 2):
                fast = insertion_ok(seq, n, a, z, ld, pu, de, i, j, arr["T"], arr["s"], arr["e"],
                               arr["l"], arr["q"], arr["d0"], arr["d1"], arr["cap"])
                m = build(seq, n, pu, de, i, j, buf)
                new = buf[:m].tolist()
                assert new.index(pu) < new.index(de) and len(new) == n + 2
                truth = check_routes(one, [new]).feasible
                full = ride_duration_ok(buf, m, arr["T"], arr["s"], arr["e"], arr["l"], arr["q"],
                                arr["d0"], arr["d1"], arr["cap"], arr["maxride"],
                                arr["maxdur"], arr["mate"])
                assert fast == truth == full, (k2, r, i, j)
                n_ok += truth
                n_bad += not truth
    assert n_ok > 0 and n_bad > 0  # both outcomes were exercised


def test_lns_lowers_distance_without_new_routes(shared_benchmarks):
    p = _lc101(shared_benchmarks)
    e, lt = tightened_windows(p)
    ges = minimise_routes(p, _singles(p), 300.0, GesOptions(seed=1), tw_early=e, tw_late=lt,
                          target_routes=10)
    start = check_routes(p, ges.routes)
    opts = LnsOptions(seed=1, max_iterations=3_000)
    res = improve_distance(p, ges.routes, 300.0, opts, tw_early=e, tw_late=lt)
    rep = check_routes(p, res.routes)
    assert rep.feasible, rep.violations[:3]
    assert len(res.routes) <= 10
    assert res.distance_start == pytest.approx(start.distance)
    assert rep.distance == pytest.approx(res.distance)
    assert rep.distance < start.distance - 1.0
    again = improve_distance(p, ges.routes, 300.0, opts, tw_early=e, tw_late=lt)
    assert again.routes == res.routes  # same seed and iterations: same plan


def test_options_validate():
    with pytest.raises(ValueError, match="k_max"):
        GesOptions(k_max=0)
    with pytest.raises(ValueError, match="min_removed"):
        LnsOptions(min_removed=5, max_removed=2)
    with pytest.raises(ValueError, match="blink"):
        LnsOptions(blink=1.5)
    assert replace(LnsOptions(), seed=2).seed == 2


@pytest.fixture
def warm_kernels(shared_benchmarks):
    """Compile the kernels (cached on disk) before a test whose budget is wall-clock."""
    p = _lc101(shared_benchmarks)
    res = minimise_routes(p, _singles(p), 300.0, GesOptions(max_iterations=10, chunk=10))
    improve_distance(p, res.routes, 300.0, LnsOptions(max_iterations=10, chunk=10))
    return p


def test_solve_takes_the_ejection_search_path(warm_kernels):
    """Vehicles first (lc101's fixed cost): ejection search from one route per request,
    then ruin and recreate; the best-known 10 vehicles and close to 828.94."""
    from kl_mobility.routing import SearchOptions, solve

    p = warm_kernels
    sol = solve(p, SearchOptions(time_limit_s=8.0, seed=1))
    assert sol.feasible and sol.dropped == ()
    assert sol.n_vehicles_used == 10
    assert sol.distance <= 1.05 * 828.94
    assert sol.stats.phases[0].startswith("ejection search: 53 -> 10 routes")
    assert any(ph.startswith("ruin and recreate") for ph in sol.stats.phases)


@pytest.mark.parametrize("name", ["pdptw/lc104.txt", "pdptw/lr105.txt", "darp/a2-16.txt"])
def test_scan_insertion_equals_brute_force(shared_benchmarks, name):
    """The O(n^2) walk finds exactly what trying every pair of positions finds: whether any
    insertion is feasible, and the cheapest one's cost (a2-16: with ride-time limits)."""
    from kl_mobility.routing import read_instance

    p = read_instance(shared_benchmarks / name).problem
    arr = kernel_arrays(p, *tightened_windows(p))
    res = minimise_routes(p, _singles(p), 300.0, GesOptions(seed=4, max_iterations=100,
                                                                   chunk=20))
    req_of = p.request_of()
    w = 2 * p.n_requests + 4
    bufs = [np.empty(w), np.empty(w), np.empty(w, dtype=np.int64), np.empty(w, dtype=np.int64)]
    found = 0
    for k, seq in enumerate(res.routes):
        seq_a = np.array(seq, dtype=np.int64)
        for other in res.routes[:k] + res.routes[k + 1:]:
            for r in sorted({int(req_of[x]) for x in other}):
                args = (arr["T"], arr["D"], arr["s"], arr["e"], arr["l"], arr["q"], arr["d0"],
                        arr["d1"], arr["cap"], arr["side"], arr["maxride"], arr["maxdur"],
                        arr["mate"], *bufs)
                pu, de = int(p.pickups[r]), int(p.deliveries[r])
                fast = scan_insertion(seq_a, len(seq), pu, de, 0, 0.0, *args)
                slow = find_insertion_brute(seq_a, len(seq), pu, de, 0, *args)
                assert (fast[0] < 0) == (slow[0] < 0)
                if fast[0] >= 0:
                    found += 1
                    assert fast[2] == pytest.approx(slow[2])
                    assert (scan_insertion(seq_a, len(seq), pu, de, 2, 0.0, *args)[0] >= 0)
    assert found > 0


def test_solve_counts_and_logs_a_plan_the_checker_rejects(warm_kernels, monkeypatch, caplog):
    """A ruin-and-recreate plan that breaks the windows (every route reversed: deliveries
    before pickups) is not used, not silently dropped: it is logged, counted in
    ``stats.rejected_plans`` and named in the phases; the ejection search's plan is returned.
    One worker hands on one plan (the best of its runs), so one plan is rejected."""
    import logging

    from kl_mobility.routing import SearchOptions, solve
    from kl_mobility.routing import model as model_mod
    from kl_mobility.routing.lns import LnsResult

    def broken(problem, routes, time_limit_s, options=None, **kw):
        bad = [list(reversed(r)) for r in routes if r]
        return LnsResult(routes=bad, distance_start=0.0, distance=0.0, iterations=0,
                         accepted=0, wall_time_s=0.0)

    monkeypatch.setattr(model_mod, "improve_distance", broken)
    with caplog.at_level(logging.WARNING, logger="kl_mobility.routing.model"):
        sol = solve(warm_kernels, SearchOptions(time_limit_s=4.0, seed=1))
    runs = sum(ph.startswith("ruin and recreate") and "0.00 -> 0.00" in ph
               for ph in sol.stats.phases)
    assert runs >= 1
    assert sol.stats.rejected_plans == 1
    assert sum("fails the independent check" in r.message for r in caplog.records) == 1
    assert sum("rejected by the independent check" in ph for ph in sol.stats.phases) == 1
    assert sol.feasible and sol.dropped == ()
    assert sol.stats.phases[0].startswith("ejection search: 53 -> 10 routes")


def test_parallel_workers_choice_does_not_depend_on_finishing_order(warm_kernels,
                                                                    monkeypatch):
    """Two workers whose plans tie on routes and distance: worker 0's plan is returned
    although worker 1 finishes first (worker 0 waits 0.5 s); with worker 1's distance 1.0
    lower its plan is returned. Both plans are lc101's ejection-search plan, worker 1's
    with its routes in reverse order, so the returned route order tells which won."""
    import time

    from kl_mobility.routing import SearchOptions, solve
    from kl_mobility.routing import model as model_mod
    from kl_mobility.routing.lns import LnsResult

    p = warm_kernels
    plan = minimise_routes(p, _singles(p), 300.0, GesOptions(seed=3), target_routes=10).routes

    def run_with(d1: float):
        def fake_race(run, first, singles, m, worker, end):
            if worker == 0:
                time.sleep(0.5)
            routes = plan if worker == 0 else plan[::-1]
            res = LnsResult(routes=[list(r) for r in routes], distance_start=0.0,
                            distance=100.0 if worker == 0 else d1, iterations=0,
                            accepted=0, wall_time_s=0.0)
            return model_mod._Start(res, [f"fake {worker}"])

        monkeypatch.setattr(model_mod, "_race", fake_race)
        return solve(p, SearchOptions(time_limit_s=4.0, seed=1, num_workers=2))

    tie = run_with(100.0)
    assert [r.locations for r in tie.routes if r.locations] == plan
    assert "worker 0: fake 0" in tie.stats.phases and "worker 1: fake 1" in tie.stats.phases
    better = run_with(99.0)
    assert [r.locations for r in better.routes if r.locations] == plan[::-1]
