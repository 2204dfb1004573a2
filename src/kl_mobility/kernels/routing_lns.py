# ruff: noqa: E741, NPY002
# (``l`` is the latest-start window as in the literature; inside the kernels ``np.random`` is
# numba's own per-thread generator, seeded explicitly by the search kernels)
"""Kernel of the ruin-and-recreate distance search; see :mod:`kl_mobility.routing.lns` for
the method and :mod:`kl_mobility.kernels.routing_insertion` for the array convention."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels.routing_insertion import (
    Instance,
    insert,
    remove,
    route_dist,
    scan_insertion,
)

__all__ = ["N_OPERATORS", "LnsPlan", "LnsStep", "LnsTables", "lns_chunk", "removal_gains",
           "ruin"]

#: Removal operators, in this order: random, related (Shaw), worst, route, string (SISR).
N_OPERATORS = 5
#: Score of an operator's step (Ropke & Pisinger 2006): a new best plan, a better current
#: plan, a worse plan accepted.
SCORE_BEST, SCORE_BETTER, SCORE_ACCEPTED = 33.0, 9.0, 13.0


class LnsPlan(NamedTuple):
    """The search's plans, updated in place by :func:`lns_chunk` (rows = routes)."""

    R: Any
    """int64[rows, W]: current plan, row ``k`` = route ``k``'s stops (``L[k]`` used)."""
    L: Any
    """int64[rows]: stops per route of the current plan."""
    rt: Any
    """int64[requests]: each request's route in the current plan (-1: in the bank)."""
    bank: Any
    """int64[requests]: requests of the current plan waiting in the bank (``nbank[0]``)."""
    nbank: Any
    """int64[1]: size of the bank."""
    BR: Any
    """int64[rows, W]: best complete plan (as ``R``)."""
    BL: Any
    """int64[rows]: stops per route of the best plan."""


class LnsTables(NamedTuple):
    """Per-request tables and per-operator accumulators."""

    pick: Any
    """int64[requests]: pickup location."""
    dele: Any
    """int64[requests]: delivery location."""
    related: Any
    """int64[requests, requests]: the other requests by relatedness, closest first."""
    req_of: Any
    """int64[N]: request of each location (-1 at depots)."""
    weights: Any
    """float64[operators]: removal operator weights (drawn in proportion)."""
    scores: Any
    """float64[operators]: scores accumulated in the chunk (updated in place)."""
    uses: Any
    """int64[operators]: steps per operator in the chunk (updated in place)."""


class LnsStep(NamedTuple):
    """The chunk's scalars (see :func:`lns_chunk`)."""

    nr: Any
    """int: rows of the plan in use."""
    m_routes: Any
    """int: routes that cost the fixed cost (more are spare routes)."""
    best_cost: Any
    """float: cost of the best plan."""
    cur_cost: Any
    """float: cost of the current plan."""
    fixed: Any
    """float: fixed cost per used route."""
    bank_pen: Any
    """float: cost of a request in the bank."""
    open_pen: Any
    """float: cost of a spare route."""
    q_lo: Any
    """int: fewest requests removed per step."""
    q_hi: Any
    """int: most requests removed per step."""
    blink: Any
    """float: probability of passing over a candidate position."""
    temp0: Any
    """float: temperature at the first step."""
    temp1: Any
    """float: temperature at the last step."""
    iters: Any
    """int: steps."""
    seed: Any
    """int: seed of numba's generator for the chunk."""


@njit
def removal_gains(R, L, nr, req_of, q, D, d0, d1, gain):
    """``gain[r]``: distance saved by taking request ``r`` out of its route (``-inf`` for a
    request on no route)."""
    gain[:] = -np.inf
    for k in range(nr):
        n = L[k]
        seq = R[k]
        for i in range(n):
            x = seq[i]
            if q[x] <= 0:
                continue
            r = req_of[x]
            j = i + 1
            while req_of[seq[j]] != r:
                j += 1
            a = seq[i - 1] if i >= 1 else d0
            b = seq[i + 1]
            f = seq[j + 1] if j + 1 < n else d1
            if j == i + 1:
                gain[r] = D[a, x] + D[x, b] + D[b, f] - D[a, f]
            else:
                c = seq[j - 1]
                y = seq[j]
                gain[r] = (D[a, x] + D[x, b] - D[a, b]) + (D[c, y] + D[y, f] - D[c, f])
    return gain


@njit
def ruin(op, nq, R, L, nr, rt, related, req_of, q, D, d0, d1, out, gain):
    """Choose up to ``nq`` requests on routes with operator ``op`` (see ``N_OPERATORS``);
    writes them to ``out`` and returns their number.

    0 random; 1 related: a random request and the ones closest to it (pickups and
    deliveries near its own), with a little noise; 2 worst: the requests whose removal
    saves the most distance, drawn with a bias ``u**3`` towards the top (Ropke & Pisinger
    2006); 3 route: the requests of a random route; 4 string: around a random request and
    its closest neighbours, strings of consecutive stops of their routes, at most one
    string per route (Christiaens & Vanden Berghe 2020).
    """
    nreq = rt.size
    nout = 0
    if op == 1:
        r0 = np.random.randint(nreq)
        for t in range(nreq):
            r = related[r0, t]
            if rt[r] >= 0 and np.random.random() < 0.8:  # a little noise
                out[nout] = r
                nout += 1
                if nout == nq:
                    break
    elif op == 2:
        removal_gains(R, L, nr, req_of, q, D, d0, d1, gain)
        order = np.argsort(-gain)
        m = 0
        while m < nreq and gain[order[m]] > -np.inf:
            m += 1
        while nout < nq and m > 0:
            u = np.random.random()
            pick = int(u * u * u * m)
            out[nout] = order[pick]
            nout += 1
            for t in range(pick, m - 1):
                order[t] = order[t + 1]
            m -= 1
    elif op == 3:
        used = 0
        for k in range(nr):
            if L[k] > 0:
                used += 1
        if used > 0:
            c = np.random.randint(used)
            for k in range(nr):
                if L[k] > 0:
                    if c == 0:
                        for x in range(L[k]):
                            v = R[k, x]
                            if q[v] > 0 and nout < nq:
                                out[nout] = req_of[v]
                                nout += 1
                        break
                    c -= 1
    elif op == 4:
        done_route = np.zeros(nr, dtype=np.bool_)
        taken = np.zeros(nreq, dtype=np.bool_)
        r0 = np.random.randint(nreq)
        for t in range(nreq):
            if nout >= nq:
                break
            r = related[r0, t]
            k = rt[r]
            if k < 0 or done_route[k]:
                continue
            done_route[k] = True
            n = L[k]
            ls = 1 + np.random.randint(min(n, max(2, 2 * (nq - nout))))
            pos = 0
            while req_of[R[k, pos]] != r:
                pos += 1
            lo = max(0, min(pos - np.random.randint(ls), n - ls))
            for x in range(lo, lo + ls):
                v = req_of[R[k, x]]
                if not taken[v] and nout < nq:
                    taken[v] = True
                    out[nout] = v
                    nout += 1
    else:
        perm = np.random.permutation(nreq)
        for t in range(nreq):
            if rt[perm[t]] >= 0:
                out[nout] = perm[t]
                nout += 1
                if nout == nq:
                    break
    return nout


@njit
def lns_chunk(plan, tables, step, inst):
    """``step.iters`` ruin-and-recreate steps; temperature falls from ``temp0`` to
    ``temp1``. Packs (plain tuples from Python): :class:`LnsPlan`, :class:`LnsTables`,
    :class:`LnsStep`, :class:`~kl_mobility.kernels.routing_insertion.Instance`.

    Each step draws a removal operator with probability proportional to ``weights`` and
    adds its score to ``scores[op]`` (``uses[op]`` counts its steps), for the caller's
    adaptive weights. Requests that fit nowhere during a recreate wait in the *bank*
    (``bank[:nbank[0]]``) at ``bank_pen`` each and are tried again by every later step; the
    best plan (``BR``/``BL``) is only taken from steps whose bank is empty. Of the ``nr``
    rows, up to ``m_routes`` routes cost the fixed cost each; a route beyond them costs
    ``open_pen`` (a spare route the search may open for a while) and such plans never count
    as the best. Returns (current cost, best cost, accepted steps).
    """
    plan = LnsPlan(*plan)
    tables = LnsTables(*tables)
    step = LnsStep(*step)
    inst = Instance(*inst)
    R, L, rt, bank, nbank, BR, BL = (plan.R, plan.L, plan.rt, plan.bank, plan.nbank, plan.BR,
                                      plan.BL)
    pick, dele, related, req_of = tables.pick, tables.dele, tables.related, tables.req_of
    weights, scores, uses = tables.weights, tables.scores, tables.uses
    nr, m_routes, best_cost, cur_cost = step.nr, step.m_routes, step.best_cost, step.cur_cost
    fixed, bank_pen, open_pen = step.fixed, step.bank_pen, step.open_pen
    q_lo, q_hi, blink = step.q_lo, step.q_hi, step.blink
    temp0, temp1, iters, seed = step.temp0, step.temp1, step.iters, step.seed
    T, D, s, e, l, q = inst.T, inst.D, inst.s, inst.e, inst.l, inst.q
    d0, d1, cap, side = inst.d0, inst.d1, inst.cap, inst.side
    maxride, maxdur, mate = inst.maxride, inst.maxdur, inst.mate
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
