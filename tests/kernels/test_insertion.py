"""The insertion kernel against the slow pure-Python reference on random small instances."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from insertion_reference import random_instance, reference_best

from kl_mobility.kernels.insertion import (
    COST_KINDS,
    INFEASIBLE,
    Fleet,
    Request,
    Rules,
    Schedules,
    Tables,
    best_insertion,
    best_insertion_at,
    insertion_cost_matrix,
    start_states,
)

N_EXAMPLES = int(os.environ.get("KL_INSERTION_EXAMPLES", "2500"))


def _request(req, wrap=lambda x: x):
    return Request(*(wrap(req[k]) for k in ("o", "d", "early", "late_pick", "late_drop", "pax",
                                            "dwell_pick", "dwell_drop")))


def _kernel(veh, req, cost_kind=0, prune=True):
    tt, cand, start_node, start_time, start_load, capacity, *sched = veh
    return best_insertion(Tables(tt), cand, Fleet(start_node, start_time, start_load, capacity),
                          Schedules(*sched), _request(req),
                          rules=Rules(cost_kind=cost_kind, prune=prune))


def _fused(veh, req, cost_kind=0):
    """The engine's fused search with parked vehicles (start state = position) at t = 0."""
    tt, cand, start_node, start_time, start_load, capacity, *sched = veh
    nxt = np.zeros_like(tt)
    target = np.full(start_node.shape, -1, np.int64)
    return best_insertion_at(0, Tables(tt, nxt=nxt), cand,
                             Fleet(start_node, start_time, start_load, capacity, target),
                             Schedules(*sched), _request(req),
                             rules=Rules(cost_kind=cost_kind))


def _reference(veh, req, cost_kind=0):
    return reference_best(*veh, req["o"], req["d"], req["early"], req["late_pick"],
                          req["late_drop"], req["pax"], req["dwell_pick"], req["dwell_drop"],
                          cost_kind)


@settings(max_examples=N_EXAMPLES, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), cost_kind=st.sampled_from(sorted(COST_KINDS.values())))
def test_kernel_matches_reference(seed, cost_kind):
    """Same best cost as the brute-force reference, with and without reachability pruning
    and with the best-first search by lower bound; the choice is feasible at that cost."""
    veh, req = random_instance(seed)
    ref = _reference(veh, req, cost_kind)
    got = _kernel(veh, req, cost_kind, prune=True)
    unpruned = _kernel(veh, req, cost_kind, prune=False)
    fused = _fused(veh, req, cost_kind)
    assert got[0] == ref[0] == unpruned[0] == fused[0]
    assert fused == got
    if ref[0] != INFEASIBLE:
        # the chosen (vehicle, i, j) evaluated alone by the reference gives the same cost
        v, i, j = got[1:]
        only = list(veh)
        only[1] = np.array([v])
        assert _reference(tuple(only), req, cost_kind)[0] == got[0]
        assert got[1:] == ref[1:]  # same tie-breaking: lowest vehicle, then i, then j
    else:
        assert got[1:] == (-1, -1, -1)


@settings(max_examples=max(N_EXAMPLES // 5, 50), deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), cost_kind=st.sampled_from(sorted(COST_KINDS.values())),
       max_offset=st.sampled_from([30, 150]))
def test_kernel_matches_reference_with_external_zone_stops(seed, cost_kind, max_offset):
    """External-zone stops reach the kernel as long dwells (2 x offset) and windows shifted
    by the offset: plain, pruned and fused searches still agree with the reference."""
    veh, req = random_instance(seed, max_offset=max_offset)
    ref = _reference(veh, req, cost_kind)
    got = _kernel(veh, req, cost_kind, prune=True)
    assert got[0] == ref[0] == _kernel(veh, req, cost_kind, prune=False)[0]
    assert _fused(veh, req, cost_kind) == got
    if ref[0] != INFEASIBLE:
        assert got[1:] == ref[1:]


def test_some_random_instances_are_feasible_and_some_not():
    """The generator exercises both outcomes (else the comparison would prove little)."""
    res = [_reference(*random_instance(s))[0] for s in range(300)]
    feasible = sum(r != INFEASIBLE for r in res)
    assert 30 < feasible < 290


def test_cost_matrix_matches_single_vehicle_search():
    """Each cost-matrix entry equals the best insertion into that one vehicle."""
    for seed in range(200):
        veh, req = random_instance(seed)
        tt, cand, start_node, start_time, start_load, capacity, *sched = veh
        one = lambda a: np.array([a], np.int64)  # noqa: E731
        cost, ii, jj = insertion_cost_matrix(
            Tables(tt), cand, Fleet(start_node, start_time, start_load, capacity),
            Schedules(*sched), _request(req, one))
        for k, v in enumerate(cand):
            sub = list(veh)
            sub[1] = np.array([v])
            c, _, i, j = _kernel(tuple(sub), req)
            assert (cost[0, k], ii[0, k], jj[0, k]) == (c, i, j)


def test_insertion_by_hand():
    """Line 0-1-2-3 with 10 s per hop; empty vehicle at node 0 at t=0; request 1 -> 3,
    dwell 5 s each: pickup at 10, leave 15, drop at 35, finish 40 -> added time 40."""
    tt = np.abs(np.subtract.outer(np.arange(4), np.arange(4))).astype(np.int32) * 10
    z = np.zeros((1, 4), np.int64)
    fleet = Fleet(np.array([0]), np.array([0]), np.array([0]), np.array([2]))
    sched = Schedules(np.array([0]), z, z, z, z, z)
    res = best_insertion(Tables(tt), [0], fleet, sched,
                         Request(origin=1, dest=3, early=0, late_pick=100, late_drop=100,
                                 passengers=1, dwell_pick=5, dwell_drop=5))
    assert res == (40, 0, 0, 0)
    # pickup deadline 9 < 10 s needed to reach node 1: infeasible
    res = best_insertion(Tables(tt), [0], fleet, sched,
                         Request(origin=1, dest=3, early=0, late_pick=9, late_drop=100,
                                 passengers=1, dwell_pick=5, dwell_drop=5))
    assert res == (INFEASIBLE, -1, -1, -1)


def test_wrapper_rejects_bad_shapes():
    tt = np.zeros((3, 3), np.int32)
    z = np.zeros((2, 4), np.int64)
    with pytest.raises(ValueError, match="start_node"):
        best_insertion(Tables(tt), [0],
                       Fleet(np.zeros(3, np.int64), np.zeros(2, np.int64),
                             np.zeros(2, np.int64), np.ones(2, np.int64)),
                       Schedules(np.zeros(2, np.int64), z, z, z, z, z),
                       Request(origin=0, dest=1, early=0, late_pick=1, late_drop=2,
                               passengers=1, dwell_pick=0, dwell_drop=0))


def test_start_states_next_node():
    """A vehicle leaving node 0 at t=1000 toward node 4 on a line of 20 s hops passes node 1
    at 1020 and node 2 at 1040: at t=1030 it is re-planned from node 2 at 1040 (next hops
    from ``nxt`` or from its transpose ``nxtT``)."""
    n = 5
    tt = (np.abs(np.subtract.outer(np.arange(n), np.arange(n))) * 20).astype(np.int32)
    idx = np.arange(n)
    nxt = np.where(idx[None, :] > idx[:, None], idx[:, None] + 1,
                   np.where(idx[None, :] < idx[:, None], idx[:, None] - 1, idx[:, None]))
    nxt = nxt.astype(np.int32)
    one = np.array([0]), np.array([1])  # load, capacity (not read)
    pos = Fleet(np.array([0]), np.array([1000]), *one, target=np.array([4]))
    for t, want in ((1000, (0, 1000)), (1030, (2, 1040)), (1040, (2, 1040)),
                    (1041, (3, 1060)), (5000, (4, 5000))):
        node, time = start_states(t, Tables(tt, nxt=nxt), [0], pos)
        assert (node[0], time[0]) == want
        # the same walk with next hops read from the transposed table
        node, time = start_states(t, Tables(tt, nxt=nxt, nxtT=np.ascontiguousarray(nxt.T)),
                                  [0], pos)
        assert (node[0], time[0]) == want
    node, time = start_states(1030, Tables(tt, nxt=nxt), [0],
                              Fleet(np.array([3]), np.array([900]), *one, np.array([-1])))
    assert (node[0], time[0]) == (3, 1030)  # parked


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already without JIT")
def test_matches_reference_without_jit():
    """The same comparison with NUMBA_DISABLE_JIT=1 (pure Python kernels), on a sample."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", KL_INSERTION_EXAMPLES="150")
    here = Path(__file__).resolve()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(here),
         "-k", "matches_reference or by_hand or start_states"],
        env=env, capture_output=True, text=True, timeout=300, cwd=here.parents[2])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "passed" in proc.stdout


def test_best_first_search_on_larger_fleets():
    """With 12 vehicles per instance most are pruned by their lower bounds: the fused
    best-first search still returns exactly the reference's choice."""
    for seed in range(300):
        veh, req = random_instance(10_000 + seed, max_vehicles=12)
        for cost_kind in (0, 2):
            assert _fused(veh, req, cost_kind) == _reference(veh, req, cost_kind)


@pytest.mark.parametrize("weights", [(0.5, 3.0, 0.75), (0.0, 1.0, 1.0), (4.0, 1.25, 1.25)])
def test_rider_time_weights_match_reference(weights):
    """The rider-time cost with other weights: plain, unpruned and fused searches give the
    reference's cost and choice (the reference recomputes every stop's delay itself)."""
    w_vehicle, w_wait, w_ride = weights
    rules = Rules(cost_kind=3, w_vehicle=w_vehicle, w_wait=w_wait, w_ride=w_ride)
    for seed in range(300):
        veh, req = random_instance(seed)
        ref = reference_best(*veh, req["o"], req["d"], req["early"], req["late_pick"],
                             req["late_drop"], req["pax"], req["dwell_pick"],
                             req["dwell_drop"], 3, weights)
        tt, cand, start_node, start_time, start_load, capacity, *sched = veh
        fleet = Fleet(start_node, start_time, start_load, capacity)
        got = best_insertion(Tables(tt), cand, fleet, Schedules(*sched), _request(req),
                             rules=rules)
        unpruned = best_insertion(Tables(tt), cand, fleet, Schedules(*sched), _request(req),
                                  rules=rules._replace(prune=False))
        fused = best_insertion_at(
            0, Tables(tt, nxt=np.zeros_like(tt)), cand,
            fleet._replace(target=np.full(start_node.shape, -1, np.int64)),
            Schedules(*sched), _request(req), rules=rules)
        assert got == ref == unpruned == fused, seed


def test_rider_time_by_hand():
    """Line 0..6, 10 s per hop, no dwell; request 5 -> 6 released at 0. Vehicle 0 at node 0
    carries a rider to node 6; vehicle 1 stands empty at node 4.
    Vehicle 0: pickup at 50, drop at 60, its rider still off at 60: added 0 s, wait 50,
    door-to-door 60, no delay -> rider_time 2.875 x 0 + 0.6 x 50 + 1 x 60 = 90.
    Vehicle 1: pickup at 10, drop at 20: added 20 s, wait 10, door 20 ->
    2.875 x 20 + 0.6 x 10 + 20 = 83.5 -> 83. So added_time picks vehicle 0 (0 < 20) and
    rider_time vehicle 1 (83 < 90)."""
    tt = np.abs(np.subtract.outer(np.arange(7), np.arange(7))).astype(np.int32) * 10
    z = np.zeros((2, 4), np.int64)
    node = z.copy()
    node[0, 0] = 6
    delta = z.copy()
    delta[0, 0] = -1
    late = z.copy()
    late[0, 0] = 1000
    sched = Schedules(np.array([1, 0]), node, z, late, delta, z)
    fleet = Fleet(np.array([0, 4]), np.array([0, 0]), np.array([1, 0]), np.array([2, 2]))
    req = Request(origin=5, dest=6, early=0, late_pick=600, late_drop=1200, passengers=1,
                  dwell_pick=0, dwell_drop=0)
    assert best_insertion(Tables(tt), [0, 1], fleet, sched, req) == (0, 0, 0, 0)
    assert best_insertion(Tables(tt), [0, 1], fleet, sched, req,
                          rules=Rules(cost_kind=3)) == (83, 1, 0, 0)
    cost, _, _ = insertion_cost_matrix(
        Tables(tt), [0, 1], fleet, sched,
        Request(*(np.array([x], np.int64) for x in req)), rules=Rules(cost_kind=3))
    assert cost.tolist() == [[90, 83]]
