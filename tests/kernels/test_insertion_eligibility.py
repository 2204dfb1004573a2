"""Which vehicles the engine's fused search may use: available ones, with room in their
schedule, with enough seats; on random instances against the reference restricted to them.

The engine marks charging vehicles unavailable and keeps two schedule slots free
(``max_len``); the fused search must skip the others even when they would be cheaper.
"""

from __future__ import annotations

import numpy as np
from insertion_reference import random_instance, reference_best

from kl_mobility.kernels.insertion import (
    INFEASIBLE,
    Fleet,
    Request,
    Rules,
    Schedules,
    Tables,
    best_insertion_at,
)


def _fused(veh, req, available, max_len):
    tt, cand, start_node, start_time, start_load, capacity, *sched = veh
    nxt = np.zeros_like(tt)
    target = np.full(start_node.shape, -1, np.int64)
    return best_insertion_at(0, Tables(tt, nxt=nxt), cand,
                             Fleet(start_node, start_time, start_load, capacity, target,
                                   available), Schedules(*sched),
                             Request(origin=req["o"], dest=req["d"], early=req["early"],
                                     late_pick=req["late_pick"], late_drop=req["late_drop"],
                                     passengers=req["pax"], dwell_pick=req["dwell_pick"],
                                     dwell_drop=req["dwell_drop"]),
                             rules=Rules(max_len=max_len))


def _reference(veh, req, allowed):
    sub = list(veh)
    sub[1] = np.array([v for v in veh[1] if allowed[v]], np.int64)
    return reference_best(*sub, req["o"], req["d"], req["early"], req["late_pick"],
                          req["late_drop"], req["pax"], req["dwell_pick"], req["dwell_drop"], 0)


def test_unavailable_and_full_vehicles_are_skipped():
    """Random availability and a random ``max_len``: the fused search equals the reference
    over the vehicles that are available and have at most ``max_len`` planned stops, and
    never picks another; the restriction changes the answer in some instances."""
    rng = np.random.default_rng(5)
    changed = 0
    for seed in range(600):
        veh, req = random_instance(20_000 + seed, max_vehicles=6)
        n_veh = veh[5].shape[0]  # capacity array: one entry per vehicle
        sched_len = veh[6]
        available = rng.random(n_veh) < 0.6
        max_len = int(rng.integers(0, int(sched_len.max()) + 2))
        allowed = available & (sched_len <= max_len)
        got = _fused(veh, req, available, max_len)
        want = _reference(veh, req, allowed)
        assert got[0] == want[0], seed
        if got[0] != INFEASIBLE:
            assert allowed[got[1]] and got[1:] == want[1:], seed
        unrestricted = _reference(veh, req, np.ones(n_veh, bool))
        changed += unrestricted[0] != want[0]
    assert changed > 30


def test_party_larger_than_a_vehicle_is_never_placed_in_it():
    """A party of 3 and vehicles of 2 and 3 seats, both empty at the pickup node: only the
    3-seat vehicle (id 1) qualifies, though vehicle 0 is listed first and as close."""
    tt = (np.abs(np.subtract.outer(np.arange(3), np.arange(3))) * 10).astype(np.int32)
    z = np.zeros((2, 4), np.int64)
    got = best_insertion_at(0, Tables(tt, nxt=np.zeros_like(tt)), [0, 1],
                            Fleet(np.array([0, 0]), np.array([0, 0]), np.array([0, 0]),
                                  np.array([2, 3]), np.array([-1, -1]),
                                  np.array([True, True])),
                            Schedules(np.array([0, 0]), z, z, z, z, z),
                            Request(origin=0, dest=2, early=0, late_pick=100, late_drop=100,
                                    passengers=3, dwell_pick=0, dwell_drop=0),
                            rules=Rules(max_len=2))
    # 0 -> 2 takes 20 s: added time 20, vehicle 1, i = j = 0
    assert got == (20, 1, 0, 0)
