# ruff: noqa: E741, NPY002
# (``l`` is the latest-start window as in the literature; inside the kernels ``np.random`` is
# numba's own per-thread generator, seeded explicitly by the search kernels)
"""Kernel of the ruin-and-recreate distance search; see :mod:`kl_mobility.routing.lns` for
the method and :mod:`kl_mobility.kernels.routing_insertion` for the array convention."""

from __future__ import annotations

import math

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels.routing_insertion import insert, remove, route_dist, scan_insertion

__all__ = ["lns_chunk"]


@njit
def lns_chunk(R, L, nr, m_routes, rt, bank, nbank, BR, BL, best_cost, cur_cost, pick, dele,
              related, fixed, bank_pen, open_pen, q_lo, q_hi, rel_share, blink, temp0, temp1, iters, seed,
              T, D, s, e, l, q, d0, d1, cap, side, maxride, maxdur, mate):
    """``iters`` ruin-and-recreate steps; temperature falls from temp0 to temp1.

    Requests that fit nowhere during a recreate wait in the *bank* (``bank[:nbank[0]]``) at
    ``bank_pen`` each and are tried again by every later step; the best plan (``BR``/``BL``)
    is only taken from steps whose bank is empty. Of the ``nr`` rows, up to ``m_routes``
    routes cost the fixed cost each; a route beyond them costs ``open_pen`` (a spare route
    the search may open for a while) and such plans never count as the best. Returns
    (current cost, best cost, accepted steps).
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
        nout = 0
        if np.random.random() < rel_share:
            r0 = np.random.randint(nreq)
            for t in range(nreq):
                r = related[r0, t]
                if rt2[r] >= 0 and np.random.random() < 0.8:  # a little noise
                    out[nout] = r
                    nout += 1
                    if nout == nq:
                        break
        else:
            perm = np.random.permutation(nreq)
            for t in range(nreq):
                if rt2[perm[t]] >= 0:
                    out[nout] = perm[t]
                    nout += 1
                    if nout == nq:
                        break
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
    return cur_cost, best_cost, accepted
