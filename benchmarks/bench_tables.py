"""Next hops from the transposed table ``nxtT`` against ``nxt``, on the Kaiserslautern network.

The same 4,000 drives (random start and target nodes, a third cut short by ``until``, with
persons on board) and 300 start-state walks of 40 vehicles each run through the driving
kernel and the start-state kernel twice in the same process: with ``Tables(tt, ttT, nxt)``
(next hops ``nxt[node, target]``, a different row every hop) and with ``nxtT`` too (one row
per target). Both give the same nodes, times, metres and accumulators (asserted); the
benchmark reports the CPU seconds of both and their ratio (least of 3 rounds).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from kl_mobility.kernels._pack import Accounts, Edges, Fleet, Move, Tables
from kl_mobility.kernels.insertion import Cursor, _plain, _start_states
from kl_mobility.kernels.movement import _drive
from kl_mobility.sim.travel import _tables


def _cpu(fn, rounds=3):
    best = float("inf")
    out = None
    for _ in range(rounds):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


@pytest.mark.smoke
def test_transposed_next_hops(net, oracle):
    tb = _tables(oracle)
    n = tb.tt.shape[0]
    rng = np.random.default_rng(7)
    edges = tuple(Edges(np.asarray(net.indptr, np.int64), np.asarray(net.edge_head, np.int64),
                        np.asarray(net.edge_length_m, np.float64)))
    m = edges[1].shape[0]
    src, dst = rng.integers(0, n, 4000), rng.integers(0, n, 4000)
    cut = rng.random(4000) < 1 / 3
    moves = [tuple(Move(int(a), 0, int(b), int(tb.tt[a, b]) // 2 if c else 10**9,
                        int(k), 0))
             for a, b, c, k in zip(src, dst, cut, rng.integers(0, 3, 4000), strict=True)]
    veh = 40
    walks = [(rng.integers(0, n, veh), rng.integers(0, n, veh), int(rng.integers(60, 900)))
             for _ in range(300)]

    def drives(tab):
        acc = tuple(Accounts(np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m, np.int64),
                             np.zeros((1, m))))
        res = [_drive(tab, edges, acc, mv) for mv in moves]
        return res, acc

    def starts(tab):
        cand = np.arange(veh, dtype=np.int64)
        res = []
        for pos, target, t in walks:
            fleet = Fleet(pos, np.zeros(veh, np.int64), np.zeros(veh, np.int64),
                          np.ones(veh, np.int64), target, np.ones(veh, np.bool_))
            out_node, out_time = np.empty(veh, np.int64), np.empty(veh, np.int64)
            _start_states(*_plain(np.int64(t), tab, cand, fleet, Cursor.new(
                np.zeros(veh, np.int64), 1), out_node, out_time, True))
            res.append((out_node, out_time))
        return res

    old = tuple(Tables(tb.tt, tb.ttT, tb.nxt))
    new = tuple(Tables(tb.tt, tb.ttT, tb.nxt, tb.nxtT))
    for tab in (old, new):  # compile or load, page the tables in
        drives(tab)
        starts(tab)
    t_old, (r_old, acc_old) = _cpu(lambda: drives(old))
    t_new, (r_new, acc_new) = _cpu(lambda: drives(new))
    assert r_new == r_old
    assert all(np.array_equal(a, b) for a, b in zip(acc_new, acc_old, strict=True))
    assert sum(r[0] != mv[0] for r, mv in zip(r_old, moves, strict=True)) > 3000  # they drive
    s_old, w_old = _cpu(lambda: starts(old))
    s_new, w_new = _cpu(lambda: starts(new))
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
               for a, b in zip(w_old, w_new, strict=True))
    print(f"\ndrive: nxt {t_old:.3f} s, nxtT {t_new:.3f} s CPU (ratio {t_new / t_old:.2f}); "
          f"start states: nxt {s_old:.3f} s, nxtT {s_new:.3f} s (ratio {s_new / s_old:.2f})")
