"""Removal operators and adaptive weights of ruin and recreate."""

from __future__ import annotations

import numpy as np
import pytest

from kl_mobility.kernels.routing_lns import N_OPERATORS, removal_gains, ruin
from kl_mobility.routing import check_routes, read_cordeau
from kl_mobility.routing.arrays import plan_arrays, tightened_windows
from kl_mobility.routing.ges import GesOptions, minimise_routes
from kl_mobility.routing.lns import OPERATORS, LnsOptions, _adapt, improve_distance


@pytest.fixture
def a2_plan(shared_benchmarks):
    """a2-16 (16 requests, 2 vehicles) and a feasible 2-route plan of the ejection search."""
    p = read_cordeau(shared_benchmarks / "darp" / "a2-16.txt").problem
    e, lt = tightened_windows(p)
    singles = [[int(a), int(b)] for a, b in zip(p.pickups, p.deliveries)]
    g = minimise_routes(p, singles, 60.0, GesOptions(seed=1, max_iterations=2_000),
                        tw_early=e, tw_late=lt, target_routes=2, stop_at_load_bound=False)
    assert len(g.routes) == 2
    return p, g.routes


def _route_len(p, seq):
    locs = [0, *seq, int(p.end[0])]
    return sum(p.dist[a, b] for a, b in zip(locs[:-1], locs[1:]))


def test_removal_gains_match_recomputed_routes(a2_plan):
    """Each request's gain = length of its route minus the length without the request."""
    p, routes = a2_plan
    _, R, L, _ = plan_arrays(p, routes, 0, "test")
    gain = np.empty(p.n_requests)
    removal_gains(R, L, R.shape[0], p.request_of(), p.load, p.dist, 0, int(p.end[0]), gain)
    req_of = p.request_of()
    for seq in routes:
        for r in {int(req_of[x]) for x in seq}:
            rest = [x for x in seq if req_of[x] != r]
            assert gain[r] == pytest.approx(_route_len(p, seq) - _route_len(p, rest))


@pytest.mark.parametrize("op", range(N_OPERATORS), ids=OPERATORS)
def test_each_operator_picks_distinct_requests_on_routes(a2_plan, op):
    """Every operator returns 1..nq distinct requests, all on a route; route removal takes
    exactly the requests of one route (when it has no more than nq)."""
    p, routes = a2_plan
    _, R, L, rt = plan_arrays(p, routes, 0, "test")
    pu, de = p.pickups, p.deliveries
    related = np.argsort(p.dist[pu][:, pu] + p.dist[de][:, de], axis=1,
                         kind="stable").astype(np.int64)
    out = np.empty(p.n_requests, dtype=np.int64)
    gain = np.empty(p.n_requests)
    req_of = p.request_of()
    for nq in (1, 3, 8, 16):
        nout = ruin(op, nq, R, L, R.shape[0], rt, related, req_of, p.load, p.dist, 0,
                    int(p.end[0]), out, gain)
        got = out[:nout].tolist()
        assert 1 <= nout <= nq
        assert len(set(got)) == nout
        assert all(rt[r] >= 0 for r in got)
        if op == 3 and nq == 16:
            on_route = [{int(req_of[x]) for x in seq} for seq in routes]
            assert set(got) in on_route


def test_adaptive_weights_follow_scores():
    """One chunk: operator 0 scored 33 in each of 2 uses, operator 1 nothing in 4, the rest
    unused: with reaction 0.5 the weights become 0.5 + 0.5 x 33 = 17, 0.5 (then floored at
    5 % of the mean, (17 + 0.5 + 1 + 1 + 1) / 5 = 4.1 -> 0.205: 0.5 stays), 1, 1, 1."""
    w = _adapt(np.ones(5), np.array([66.0, 0, 0, 0, 0]), np.array([2, 4, 0, 0, 0]),
               np.ones(5, dtype=bool), 0.5)
    assert w.tolist() == pytest.approx([17.0, 0.5, 1.0, 1.0, 1.0])
    off = _adapt(np.array([1.0, 0.0, 1, 1, 1]), np.zeros(5), np.array([3, 0, 0, 0, 0]),
                 np.array([True, False, True, True, True]), 0.5)
    # operator 0: 0.5 x 1 + 0 = 0.5 (floor 5 % of the mean of 0.5, 1, 1, 1 = 0.04375)
    assert off.tolist() == pytest.approx([0.5, 0.0, 1.0, 1.0, 1.0])


@pytest.mark.parametrize("ops", [(o,) for o in OPERATORS] + [OPERATORS])
def test_ruin_and_recreate_keeps_plans_feasible(a2_plan, ops):
    """With each operator alone and all together: a plan the checker accepts, no longer
    than the start, using at most the two vehicles; the same seed gives the same plan."""
    p, routes = a2_plan
    e, lt = tightened_windows(p)
    opts = LnsOptions(seed=2, max_iterations=1_000, chunk=250, operators=ops)
    res = improve_distance(p, routes, 60.0, opts, tw_early=e, tw_late=lt, max_routes=2)
    rep = check_routes(p, res.routes)
    assert rep.feasible, rep.violations[:3]
    assert rep.dropped == ()
    assert rep.distance == pytest.approx(res.distance)
    assert res.distance <= res.distance_start + 1e-9
    assert set(res.operator_uses) == set(ops)
    assert sum(res.operator_uses.values()) == 1_000
    again = improve_distance(p, routes, 60.0, opts, tw_early=e, tw_late=lt, max_routes=2)
    assert again.routes == res.routes


def test_options_reject_unknown_operator():
    with pytest.raises(ValueError, match="operators must be"):
        LnsOptions(operators=("random", "biggest"))
    with pytest.raises(ValueError, match="operators must be"):
        LnsOptions(operators=())
