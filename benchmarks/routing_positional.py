# ruff: noqa: E741, NPY002, PLR0913
"""Reference copies of the route search's entry kernels as they were before they took
packs (one positional argument per array), for ``bench_routing_packing.py`` only.

Identical bodies; the packed kernels (:func:`kl_mobility.kernels.routing_lns.lns_chunk`,
:func:`kl_mobility.kernels.routing_ges.ges_chunk`) must return the same results at the
same speed.
"""

from __future__ import annotations

import math

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels.routing_ges import eject_insert, perturb
from kl_mobility.kernels.routing_insertion import (
    find_insertion,
    insert,
    remove,
    route_dist,
    scan_insertion,
)
from kl_mobility.kernels.routing_lns import SCORE_ACCEPTED, SCORE_BEST, SCORE_BETTER, ruin


@njit
def lns_chunk_positional(R, L, nr, m_routes, rt, bank, nbank, BR, BL, best_cost, cur_cost, pick, dele,
              related, req_of, weights, scores, uses, fixed, bank_pen, open_pen, q_lo, q_hi,
              blink, temp0, temp1, iters, seed, T, D, s, e, l, q, d0, d1, cap, side, maxride,
              maxdur, mate):
    """``iters`` ruin-and-recreate steps; temperature falls from temp0 to temp1.

    Each step draws a removal operator with probability proportional to ``weights`` and
    adds its score to ``scores[op]`` (``uses[op]`` counts its steps), for the caller's
    adaptive weights. Requests that fit nowhere during a recreate wait in the *bank*
    (``bank[:nbank[0]]``) at ``bank_pen`` each and are tried again by every later step; the
    best plan (``BR``/``BL``) is only taken from steps whose bank is empty. Of the ``nr``
    rows, up to ``m_routes`` routes cost the fixed cost each; a route beyond them costs
    ``open_pen`` (a spare route the search may open for a while) and such plans never count
    as the best. Returns (current cost, best cost, accepted steps).
    """
    np.random.seed(seed)
    nreq = pick.size
    W = R.shape[1] + 4
    a = np.empty(W, dtype=np.float64)
    z = np.empty(W, dtype=np.float64)
    ld = np.empty(W, dtype=np.int64)
    buf = np.empty(W, dtype=np.int64)
    R2 = R.copy()
    L2 = L.copy()
    rt2 = rt.copy()
    out = np.empty(nreq, dtype=np.int64)
    bank2 = np.empty(nreq, dtype=np.int64)
    gain = np.empty(nreq, dtype=np.float64)
    cum = np.cumsum(weights)
    accepted = 0
    q_hi = min(q_hi, nreq)
    q_lo = min(q_lo, q_hi)
    ratio = temp1 / temp0
    for it in range(iters):
        temp = temp0 * ratio ** (it / max(1, iters - 1))
        R2[:nr] = R[:nr]
        L2[:nr] = L[:nr]
        rt2[:] = rt
        nq = q_lo + np.random.randint(q_hi - q_lo + 1)
        u = np.random.random() * cum[-1]
        op = 0
        while op < cum.size - 1 and u >= cum[op]:
            op += 1
        uses[op] += 1
        nout = ruin(op, nq, R2, L2, nr, rt2, related, req_of, q, D, d0, d1, out, gain)
        for t in range(nout):
            r = out[t]
            remove(R2, L2, rt2[r], pick[r], dele[r])
            rt2[r] = -1
        for t in range(nbank[0]):  # the banked requests get another chance
            out[nout] = bank[t]
            nout += 1
        np.random.shuffle(out[:nout])
        nb2 = 0
        used2 = 0
        for k in range(nr):
            if L2[k] > 0:
                used2 += 1
        for t in range(nout):
            r = out[t]
            ph, dh = pick[r], dele[r]
            bk, bi, bj, bd = -1, -1, -1, np.inf
            for k in range(nr):
                add = 0.0
                if L2[k] == 0:
                    add = fixed if used2 < m_routes else open_pen
                i, j, dl = scan_insertion(R2[k], L2[k], ph, dh, 0, blink, T, D, s, e, l, q, d0,
                                          d1, cap, side, maxride, maxdur, mate, a, z, ld, buf)
                if i >= 0 and dl + add < bd:
                    bk, bi, bj, bd = k, i, j, dl + add
            if bk < 0:
                bank2[nb2] = r
                nb2 += 1
                continue
            if L2[bk] == 0:
                used2 += 1
            insert(R2, L2, bk, ph, dh, bi, bj, buf)
            rt2[r] = bk
        cost = bank_pen * nb2 if nb2 > 0 else 0.0
        used2 = 0
        for k in range(nr):
            if L2[k] > 0:
                used2 += 1
                cost += route_dist(R2[k], L2[k], D, d0, d1)
        cost += fixed * min(used2, m_routes)
        if used2 > m_routes:
            cost += open_pen * (used2 - m_routes)
        if cost < cur_cost - temp * math.log(np.random.random() + 1e-300):
            score = SCORE_BETTER if cost < cur_cost - 1e-9 else SCORE_ACCEPTED
            R[:nr] = R2[:nr]
            L[:nr] = L2[:nr]
            rt[:] = rt2
            bank[:nb2] = bank2[:nb2]
            nbank[0] = nb2
            cur_cost = cost
            accepted += 1
            if nb2 == 0 and used2 <= m_routes and cost < best_cost - 1e-9:
                best_cost = cost
                BR[:nr] = R[:nr]
                BL[:nr] = L[:nr]
                score = SCORE_BEST
            scores[op] += score
    return cur_cost, best_cost, accepted


@njit
def ges_chunk_positional(R, L, nr, rt, pen, ep, ep_n, pick, dele, req_of, k_max, moves, iters, seed,
              T, D, s, e, l, q, d0, d1, cap, side, maxride, maxdur, mate):
    """Up to ``iters`` pool pops; returns the new pool size (0: the route is gone) and the
    number of pops done."""
    np.random.seed(seed)
    W = R.shape[1] + 4
    a = np.empty(W, dtype=np.float64)
    z = np.empty(W, dtype=np.float64)
    ld = np.empty(W, dtype=np.int64)
    buf = np.empty(W, dtype=np.int64)
    tmp1 = np.empty(W, dtype=np.int64)
    tmp2 = np.empty(W, dtype=np.int64)
    out = np.empty(3, dtype=np.int64)
    done = 0
    for _ in range(iters):
        if ep_n == 0:
            break
        done += 1
        ep_n -= 1
        h = ep[ep_n]
        ph, dh = pick[h], dele[h]
        bk, bi, bj, bd = -1, -1, -1, np.inf
        for k in range(nr):
            i, j, dl = find_insertion(R[k], L[k], ph, dh, 0, T, D, s, e, l, q, d0, d1, cap,
                                       side, maxride, maxdur, mate, a, z, ld, buf)
            if i >= 0 and dl < bd:
                bk, bi, bj, bd = k, i, j, dl
        if bk >= 0:
            insert(R, L, bk, ph, dh, bi, bj, buf)
            rt[h] = bk
            continue
        pen[h] += 1
        nout = eject_insert(R, L, nr, rt, pen, h, pick, dele, req_of, k_max, T, s, e, l, q,
                             d0, d1, cap, side, maxride, maxdur, mate, a, z, ld, buf, tmp1,
                             out)
        if nout < 0:  # cannot place h even with ejections: back to the bottom of the pool
            for t in range(ep_n, 0, -1):
                ep[t] = ep[t - 1]
            ep[0] = h
            ep_n += 1
        else:
            for t in range(nout):
                ep[ep_n] = out[t]
                ep_n += 1
        perturb(R, L, nr, rt, pick, dele, req_of, moves, T, D, s, e, l, q, d0, d1, cap, side,
                 maxride, maxdur, mate, a, z, ld, buf, tmp1, tmp2)
    return ep_n, done
