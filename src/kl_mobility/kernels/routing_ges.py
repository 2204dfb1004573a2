# ruff: noqa: E741, NPY002
# (``l`` is the latest-start window as in the literature; inside the kernels ``np.random`` is
# numba's own per-thread generator, seeded explicitly by the search kernels)
"""Kernels of the guided ejection search (route minimisation); see
:mod:`kl_mobility.routing.ges` for the method and :mod:`kl_mobility.kernels.routing_insertion`
for the array convention."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels.routing_insertion import (
    Instance,
    build,
    find_insertion,
    insert,
    remove,
    ride_duration_ok,
    schedule,
    without,
)

__all__ = ["GesPlan", "GesStep", "eject_insert", "ges_chunk", "perturb"]


class GesPlan(NamedTuple):
    """The plan and the ejection pool, updated in place by :func:`ges_chunk`."""

    R: Any
    """int64[rows, W]: row ``k`` = route ``k``'s stops (``L[k]`` used)."""
    L: Any
    """int64[rows]: stops per route."""
    rt: Any
    """int64[requests]: each request's route (-1: in the pool)."""
    pen: Any
    """int64[requests]: penalty counter of each request (failed insertions)."""
    ep: Any
    """int64[requests]: the ejection pool, ``ep[:ep_n]`` (popped from the end)."""
    pick: Any
    """int64[requests]: pickup location."""
    dele: Any
    """int64[requests]: delivery location."""
    req_of: Any
    """int64[N]: request of each location (-1 at depots)."""


class GesStep(NamedTuple):
    """The chunk's scalars (see :func:`ges_chunk`)."""

    nr: Any
    """int: routes in use."""
    ep_n: Any
    """int: requests in the pool."""
    k_max: Any
    """int: most requests ejected per insertion."""
    moves: Any
    """int: random moves of the perturbation after each ejection."""
    iters: Any
    """int: most pool pops."""
    seed: Any
    """int: seed of numba's generator for the chunk."""


@njit
def perturb(R, L, nr, rt, pick, dele, req_of, moves, T, D, s, e, l, q, d0, d1, cap, side,
            maxride, maxdur, mate, a, z, ld, buf, tmp1, tmp2):
    """Random feasible moves: shift a request to another route, or swap two."""
    nreq = pick.size
    if nr < 2:
        return
    for _ in range(moves):
        r1 = np.random.randint(nreq)
        k1 = rt[r1]
        if k1 < 0:
            continue
        k2 = np.random.randint(nr - 1)
        if k2 >= k1:
            k2 += 1
        p1, d1_ = pick[r1], dele[r1]
        m1 = without(R[k1], L[k1], p1, d1_, tmp1)  # route k1 without r1
        if np.random.random() < 0.5:  # shift r1 to k2
            i, j, _dl = find_insertion(R[k2], L[k2], p1, d1_, 1, T, D, s, e, l, q, d0, d1,
                                        cap, side, maxride, maxdur, mate, a, z, ld, buf)
            if i < 0:
                continue
            if not schedule(tmp1, m1, T, s, e, l, q, d0, d1, cap, a, z, ld):
                continue
            if side and not ride_duration_ok(tmp1, m1, T, s, e, l, q, d0, d1, cap, maxride, maxdur,
                                     mate):
                continue
            insert(R, L, k2, p1, d1_, i, j, buf)
            R[k1, :m1] = tmp1[:m1]
            L[k1] = m1
            rt[r1] = k2
        else:  # swap r1 with a random request r2 of k2
            if L[k2] == 0:
                continue
            r2 = req_of[R[k2, np.random.randint(L[k2])]]
            p2, d2 = pick[r2], dele[r2]
            m2 = without(R[k2], L[k2], p2, d2, tmp2)
            i1, j1, _dl = find_insertion(tmp1, m1, p2, d2, 1, T, D, s, e, l, q, d0, d1, cap,
                                          side, maxride, maxdur, mate, a, z, ld, buf)
            if i1 < 0:
                continue
            i2, j2, _dl = find_insertion(tmp2, m2, p1, d1_, 1, T, D, s, e, l, q, d0, d1, cap,
                                          side, maxride, maxdur, mate, a, z, ld, buf)
            if i2 < 0:
                continue
            m = build(tmp1, m1, p2, d2, i1, j1, buf)
            R[k1, :m] = buf[:m]
            L[k1] = m
            m = build(tmp2, m2, p1, d1_, i2, j2, buf)
            R[k2, :m] = buf[:m]
            L[k2] = m
            rt[r1] = k2
            rt[r2] = k1


@njit
def eject_insert(R, L, nr, rt, pen, h, pick, dele, req_of, k_max, T, s, e, l, q,
                 d0, d1, cap, side, maxride, maxdur, mate, a, z, ld, buf, tmp1, out):
    """Insert request ``h`` ejecting at most ``k_max`` requests of one route.

    Minimises the penalty sum of the ejected requests; writes them to ``out`` and returns
    their number, or -1 when no ejection of ``k_max`` or fewer requests makes room.
    """
    ph, dh = pick[h], dele[h]
    best = np.iinfo(np.int64).max
    best_k, best_i, best_j = -1, -1, -1
    best_set = np.full(3, -1, dtype=np.int64)
    reqs = np.empty(R.shape[1], dtype=np.int64)
    off = np.random.randint(nr)
    for kk in range(nr):
        k = (kk + off) % nr
        nrq = 0
        for x in range(L[k]):
            v = R[k, x]
            if q[v] > 0:
                reqs[nrq] = req_of[v]
                nrq += 1
        # subsets in increasing size; indices u < v < w of reqs
        for size in range(1, k_max + 1):
            if size > nrq:
                break
            idx = np.arange(size)
            while True:
                ps = 0
                for t in range(size):
                    ps += pen[reqs[idx[t]]]
                if ps < best:
                    m = 0
                    for x in range(L[k]):
                        v = R[k, x]
                        r = req_of[v]
                        drop = False
                        for t in range(size):
                            if reqs[idx[t]] == r:
                                drop = True
                        if not drop:
                            tmp1[m] = v
                            m += 1
                    i, j, _dl = find_insertion(tmp1, m, ph, dh, 2, T, T, s, e, l, q, d0, d1,
                                                cap, side, maxride, maxdur, mate, a, z, ld,
                                                buf)
                    if i >= 0:
                        best = ps
                        best_k, best_i, best_j = k, i, j
                        best_set[:] = -1
                        for t in range(size):
                            best_set[t] = reqs[idx[t]]
                # next combination
                t = size - 1
                while t >= 0 and idx[t] == nrq - size + t:
                    t -= 1
                if t < 0:
                    break
                idx[t] += 1
                for u in range(t + 1, size):
                    idx[u] = idx[u - 1] + 1
    if best_k < 0:
        return -1
    k = best_k
    nout = 0
    for t in range(3):
        r = best_set[t]
        if r >= 0:
            remove(R, L, k, pick[r], dele[r])
            rt[r] = -1
            out[nout] = r
            nout += 1
    # positions were found on exactly this reduced route
    insert(R, L, k, ph, dh, best_i, best_j, buf)
    rt[h] = k
    return nout


@njit
def ges_chunk(plan, step, inst):
    """Up to ``step.iters`` pool pops; returns the new pool size (0: the route is gone)
    and the number of pops done. Packs (plain tuples from Python): :class:`GesPlan`,
    :class:`GesStep`, :class:`~kl_mobility.kernels.routing_insertion.Instance`."""
    plan = GesPlan(*plan)
    step = GesStep(*step)
    inst = Instance(*inst)
    R, L, rt, pen, ep = plan.R, plan.L, plan.rt, plan.pen, plan.ep
    pick, dele, req_of = plan.pick, plan.dele, plan.req_of
    nr, ep_n, k_max, moves, iters, seed = (step.nr, step.ep_n, step.k_max, step.moves,
                                           step.iters, step.seed)
    T, D, s, e, l, q = inst.T, inst.D, inst.s, inst.e, inst.l, inst.q
    d0, d1, cap, side = inst.d0, inst.d1, inst.cap, inst.side
    maxride, maxdur, mate = inst.maxride, inst.maxdur, inst.mate
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
