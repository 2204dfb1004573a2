# ruff: noqa: E741, NPY002
# (``l`` is the latest-start window as in the literature; inside the kernels ``np.random`` is
# numba's own per-thread generator, seeded explicitly at the start of every chunk)
"""Route minimisation by guided ejection search (numba kernels over flat arrays).

OR-Tools' local search lowers distance well but rarely empties a route of a tight
pickup-and-delivery plan. This module removes routes one at a time with the *guided ejection
search* of Nagata & Kobayashi ("Guided ejection search for the pickup and delivery problem
with time windows", EvoCOP 2010, LNCS 6022, 202-213):

1. take a route out of the plan; its requests go to an ejection pool (EP) and every
   request's penalty counter ``p[h]`` is set to 1;
2. pop a request ``h`` from the pool (last in, first out) and insert it feasibly into the
   remaining routes (the cheapest feasible position by distance);
3. if no feasible insertion exists, ``p[h] += 1`` and ``h`` is inserted while up to
   ``k_max`` requests of the same route are ejected, choosing the ejection with the least
   penalty sum ``p[out_1] + ... + p[out_k]`` (requests that were hard to place before stay
   in); the ejected requests join the pool and the plan is perturbed by random feasible
   moves (moving one request to another route, or swapping two) to leave the basin;
4. when the pool is empty the plan has one route less; start again at 1.

Every plan the search holds is feasible: insertions are checked with earliest-start /
latest-start tables of the route (``O(segment)`` per candidate position) and, when the
problem has ride-time or route-duration limits, with a full schedule check of the candidate
route (an earliest-start schedule: sound, so a plan accepted here is feasible; it may miss a
plan that needs a later departure). :func:`minimise_routes` is the entry point;
:func:`kl_mobility.routing.model.solve` uses it for problems with a fixed vehicle cost
(vehicles first) and gives the rest of the budget to OR-Tools' distance search.

Determinism: the kernels draw from numba's generator seeded per chunk of iterations from
``seed``; the time limit only decides after which chunk the search stops.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.routing.types import RoutingProblem

__all__ = ["GesOptions", "GesResult", "minimise_routes"]

#: Time comparisons allow this much rounding error (the checker's tolerance is 1e-6).
_EPS = 1e-7


@dataclass(frozen=True)
class GesOptions:
    """Parameters of the guided ejection search.

    ``k_max``: most requests ejected when one is inserted (Nagata & Kobayashi use 2-3).
    ``perturb_moves``: random feasible moves after each ejection (``I_rand``).
    ``chunk``: pool pops between time checks (each chunk reseeds the generator from
    ``seed`` and the chunk number, so runs are reproducible up to the chunk where the time
    limit stops them). ``max_iterations``: stop after this many pool pops (whole chunks),
    which makes a run reproducible bit for bit whatever the machine's speed.
    """

    k_max: int = 2
    perturb_moves: int = 100
    chunk: int = 200
    seed: int = 0
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.k_max <= 3:
            raise ValueError(f"k_max must be in 1..3, got {self.k_max}")
        if self.perturb_moves < 0:
            raise ValueError(f"perturb_moves must be >= 0, got {self.perturb_moves}")
        if self.chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {self.chunk}")


@dataclass(frozen=True)
class GesResult:
    """Routes (location sequences without depots) of the smallest plan found."""

    routes: list[list[int]]
    n_routes_start: int
    iterations: int
    wall_time_s: float
    deletions: int
    #: (routes, seconds since the start) after every successful route deletion
    history: tuple[tuple[int, float], ...] = ()


# --------------------------------------------------------------------------- kernels


@njit
def _schedule(seq, n, T, s, e, l, q, d0, d1, cap, a, z, ld):
    """Earliest starts ``a``, latest starts ``z`` and loads ``ld`` along ``d0 seq d1``.

    Positions ``0..n+1`` (0 and n+1 are the depots). False when the route is infeasible.
    """
    prev = d0
    t = e[d0]
    a[0] = t
    ld[0] = 0
    load = 0
    for k in range(1, n + 2):
        x = seq[k - 1] if k <= n else d1
        t = max(e[x], t + s[prev] + T[prev, x])
        if t > l[x] + _EPS:
            return False
        a[k] = t
        if k <= n:
            load += q[x]
            if load > cap:
                return False
        ld[k] = load
        prev = x
    z[n + 1] = l[d1]
    nxt = d1
    for k in range(n, -1, -1):
        x = seq[k - 1] if k >= 1 else d0
        z[k] = min(l[x], z[k + 1] - s[x] - T[x, nxt])
        nxt = x
    return True


@njit
def _full_ok(seq, n, T, s, e, l, q, d0, d1, cap, maxride, maxdur, mate):
    """Earliest-start schedule check with ride-time and route-duration limits."""
    start = np.empty(n, dtype=np.float64)
    prev = d0
    t = e[d0]
    t0 = t
    load = 0
    for k in range(n + 1):
        x = seq[k] if k < n else d1
        t = max(e[x], t + s[prev] + T[prev, x])
        if t > l[x] + _EPS:
            return False
        if k < n:
            start[k] = t
            load += q[x]
            if load > cap:
                return False
            if q[x] < 0:  # delivery: ride time from its pickup
                pu = mate[x]
                for kk in range(k):
                    if seq[kk] == pu:
                        if t - (start[kk] + s[pu]) > maxride[pu] + _EPS:
                            return False
                        break
        prev = x
    return t - t0 <= maxdur + _EPS


@njit
def _build(seq, n, p, d, i, j, out):
    """``out`` = ``seq`` with ``p`` before old index ``i-1`` and ``d`` before ``j-1``."""
    m = 0
    for k in range(n + 1):
        if k == i - 1:
            out[m] = p
            m += 1
        if k == j - 1:
            out[m] = d
            m += 1
        if k < n:
            out[m] = seq[k]
            m += 1
    return m


@njit
def _ins_ok(seq, n, a, z, ld, p, d, i, j, T, s, e, l, q, d0, d1, cap):
    """Can ``p`` go between positions i-1, i and ``d`` between j-1, j (``i <= j``)?"""
    if ld[i - 1] + q[p] > cap:
        return False
    prev = seq[i - 2] if i >= 2 else d0
    t = max(e[p], a[i - 1] + s[prev] + T[prev, p])
    if t > l[p] + _EPS:
        return False
    prev = p
    for k in range(i, j):
        x = seq[k - 1]
        if ld[k] + q[p] > cap:
            return False
        t = max(e[x], t + s[prev] + T[prev, x])
        if t > z[k] + _EPS:
            return False
        prev = x
    t = max(e[d], t + s[prev] + T[prev, d])
    if t > l[d] + _EPS:
        return False
    x = seq[j - 1] if j <= n else d1
    t = max(e[x], t + s[d] + T[d, x])
    return t <= z[j] + _EPS


@njit
def _ins_delta(seq, n, p, d, i, j, D, d0, d1):
    a = seq[i - 2] if i >= 2 else d0
    b = seq[i - 1] if i <= n else d1
    if i == j:
        return D[a, p] + D[p, d] + D[d, b] - D[a, b]
    c = seq[j - 2]
    f = seq[j - 1] if j <= n else d1
    return D[a, p] + D[p, b] - D[a, b] + D[c, d] + D[d, f] - D[c, f]


@njit
def _scan_insertion(seq, n, p, d, mode, blink, T, D, s, e, l, q, d0, d1, cap, side, maxride,
                    maxdur, mate, a, z, ld, buf):
    """Feasible insertion of request (p, d) into ``seq`` in O(n^2).

    For each pickup position ``i`` the walk towards the delivery position ``j`` carries the
    service start forward one stop at a time and stops at the first stop it would make late
    (against the latest-start table ``z``) or overload; each ``j`` on the way is an O(1)
    test. ``mode`` 0: the cheapest by distance; 1: one chosen uniformly at random; 2: the
    first found. ``blink``: probability of passing over a candidate (mode 0). Returns
    (i, j, delta); ``i = -1`` when none is feasible (or the route itself is not).
    """
    bi, bj, best = -1, -1, np.inf
    if not _schedule(seq, n, T, s, e, l, q, d0, d1, cap, a, z, ld):
        return bi, bj, best
    seen = 0
    qp = q[p]
    for i in range(1, n + 2):
        if ld[i - 1] + qp > cap:
            continue
        prev = seq[i - 2] if i >= 2 else d0
        t = max(e[p], a[i - 1] + s[prev] + T[prev, p])
        if t > l[p] + _EPS:
            continue
        prv = p
        for j in range(i, n + 2):
            td = max(e[d], t + s[prv] + T[prv, d])
            if td <= l[d] + _EPS:
                x = seq[j - 1] if j <= n else d1
                if max(e[x], td + s[d] + T[d, x]) <= z[j] + _EPS:
                    ok = True
                    dl = 0.0
                    if mode == 0:
                        dl = _ins_delta(seq, n, p, d, i, j, D, d0, d1)
                        ok = dl < best and not (blink > 0.0 and np.random.random() < blink)
                    if ok and side:
                        m = _build(seq, n, p, d, i, j, buf)
                        ok = _full_ok(buf, m, T, s, e, l, q, d0, d1, cap, maxride, maxdur, mate)
                    if ok:
                        if mode == 2:
                            return i, j, 0.0
                        if mode == 1:
                            seen += 1
                            if np.random.randint(seen) == 0:
                                bi, bj, best = i, j, 0.0
                        else:
                            bi, bj, best = i, j, dl
            if j > n:
                break
            x = seq[j - 1]  # carry the walk past the stop at position j
            if ld[j] + qp > cap:
                break
            t = max(e[x], t + s[prv] + T[prv, x])
            if t > z[j] + _EPS:
                break
            prv = x
    return bi, bj, best


@njit
def _find_insertion(seq, n, p, d, mode, T, D, s, e, l, q, d0, d1, cap, side, maxride, maxdur,
                    mate, a, z, ld, buf):
    """:func:`_scan_insertion` without blinks."""
    return _scan_insertion(seq, n, p, d, mode, 0.0, T, D, s, e, l, q, d0, d1, cap, side,
                           maxride, maxdur, mate, a, z, ld, buf)


@njit
def _find_insertion_brute(seq, n, p, d, mode, T, D, s, e, l, q, d0, d1, cap, side, maxride,
                    maxdur, mate, a, z, ld, buf):
    """Reference for :func:`_scan_insertion` (every pair of positions, O(n^3)); tests only.

    Feasible insertion of request (p, d) into ``seq``.

    ``mode`` 0: the cheapest by distance; 1: one chosen uniformly at random; 2: the first.
    Returns (i, j, delta); ``i = -1`` when none is feasible (or the route itself is not).
    """
    bi, bj, best = -1, -1, np.inf
    if not _schedule(seq, n, T, s, e, l, q, d0, d1, cap, a, z, ld):
        return bi, bj, best
    seen = 0
    for i in range(1, n + 2):
        for j in range(i, n + 2):
            if not _ins_ok(seq, n, a, z, ld, p, d, i, j, T, s, e, l, q, d0, d1, cap):
                continue
            if side:
                m = _build(seq, n, p, d, i, j, buf)
                if not _full_ok(buf, m, T, s, e, l, q, d0, d1, cap, maxride, maxdur, mate):
                    continue
            if mode == 2:
                return i, j, 0.0
            if mode == 1:
                seen += 1
                if np.random.randint(seen) == 0:
                    bi, bj = i, j
                    best = 0.0
                continue
            dl = _ins_delta(seq, n, p, d, i, j, D, d0, d1)
            if dl < best:
                bi, bj, best = i, j, dl
    return bi, bj, best


@njit
def _without(seq, n, p, d, out):
    """``out`` = ``seq[:n]`` without the stops ``p`` and ``d``; returns its length."""
    m = 0
    for x in range(n):
        v = seq[x]
        if v != p and v != d:
            out[m] = v
            m += 1
    return m


@njit
def _remove(R, L, k, p, d):
    L[k] = _without(R[k], L[k], p, d, R[k])


@njit
def _insert(R, L, k, p, d, i, j, buf):
    m = _build(R[k], L[k], p, d, i, j, buf)
    R[k, :m] = buf[:m]
    L[k] = m


@njit
def _perturb(R, L, nr, rt, pick, dele, req_of, moves, T, D, s, e, l, q, d0, d1, cap, side,
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
        m1 = _without(R[k1], L[k1], p1, d1_, tmp1)  # route k1 without r1
        if np.random.random() < 0.5:  # shift r1 to k2
            i, j, _dl = _find_insertion(R[k2], L[k2], p1, d1_, 1, T, D, s, e, l, q, d0, d1,
                                        cap, side, maxride, maxdur, mate, a, z, ld, buf)
            if i < 0:
                continue
            if not _schedule(tmp1, m1, T, s, e, l, q, d0, d1, cap, a, z, ld):
                continue
            if side and not _full_ok(tmp1, m1, T, s, e, l, q, d0, d1, cap, maxride, maxdur,
                                     mate):
                continue
            _insert(R, L, k2, p1, d1_, i, j, buf)
            R[k1, :m1] = tmp1[:m1]
            L[k1] = m1
            rt[r1] = k2
        else:  # swap r1 with a random request r2 of k2
            if L[k2] == 0:
                continue
            r2 = req_of[R[k2, np.random.randint(L[k2])]]
            p2, d2 = pick[r2], dele[r2]
            m2 = _without(R[k2], L[k2], p2, d2, tmp2)
            i1, j1, _dl = _find_insertion(tmp1, m1, p2, d2, 1, T, D, s, e, l, q, d0, d1, cap,
                                          side, maxride, maxdur, mate, a, z, ld, buf)
            if i1 < 0:
                continue
            i2, j2, _dl = _find_insertion(tmp2, m2, p1, d1_, 1, T, D, s, e, l, q, d0, d1, cap,
                                          side, maxride, maxdur, mate, a, z, ld, buf)
            if i2 < 0:
                continue
            m = _build(tmp1, m1, p2, d2, i1, j1, buf)
            R[k1, :m] = buf[:m]
            L[k1] = m
            m = _build(tmp2, m2, p1, d1_, i2, j2, buf)
            R[k2, :m] = buf[:m]
            L[k2] = m
            rt[r1] = k2
            rt[r2] = k1


@njit
def _eject_insert(R, L, nr, rt, pen, h, pick, dele, req_of, k_max, T, s, e, l, q,
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
                    i, j, _dl = _find_insertion(tmp1, m, ph, dh, 2, T, T, s, e, l, q, d0, d1,
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
            _remove(R, L, k, pick[r], dele[r])
            rt[r] = -1
            out[nout] = r
            nout += 1
    # positions were found on exactly this reduced route
    _insert(R, L, k, ph, dh, best_i, best_j, buf)
    rt[h] = k
    return nout


@njit
def _ges_chunk(R, L, nr, rt, pen, ep, ep_n, pick, dele, req_of, k_max, moves, iters, seed,
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
            i, j, dl = _find_insertion(R[k], L[k], ph, dh, 0, T, D, s, e, l, q, d0, d1, cap,
                                       side, maxride, maxdur, mate, a, z, ld, buf)
            if i >= 0 and dl < bd:
                bk, bi, bj, bd = k, i, j, dl
        if bk >= 0:
            _insert(R, L, bk, ph, dh, bi, bj, buf)
            rt[h] = bk
            continue
        pen[h] += 1
        nout = _eject_insert(R, L, nr, rt, pen, h, pick, dele, req_of, k_max, T, s, e, l, q,
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
        _perturb(R, L, nr, rt, pick, dele, req_of, moves, T, D, s, e, l, q, d0, d1, cap, side,
                 maxride, maxdur, mate, a, z, ld, buf, tmp1, tmp2)
    return ep_n, done


# --------------------------------------------------------------------------- driver


def _arrays(p: RoutingProblem, tw_early: np.ndarray, tw_late: np.ndarray) -> dict:
    mate = np.full(p.n_locations, -1, dtype=np.int64)
    mate[p.pickups] = p.deliveries
    mate[p.deliveries] = p.pickups
    maxride = np.full(p.n_locations, np.inf)
    maxride[p.pickups] = p.max_ride
    side = bool(np.any(np.isfinite(p.max_ride)) or np.isfinite(p.max_duration[0]))
    return dict(T=p.time, D=p.dist, s=p.service, e=np.ascontiguousarray(tw_early, np.float64),
                l=np.ascontiguousarray(tw_late, np.float64), q=p.load, d0=int(p.start[0]),
                d1=int(p.end[0]), cap=int(p.capacity[0]), side=side, maxride=maxride,
                maxdur=float(p.max_duration[0]), mate=mate)


def _plan_arrays(p: RoutingProblem, routes: Sequence[Sequence[int]], spare: int, who: str
                 ) -> tuple[list[list[int]], np.ndarray, np.ndarray, np.ndarray]:
    """The non-empty ``routes`` as kernel arrays: rows ``R`` (room for every stop), lengths
    ``L`` and each request's row ``rt``, plus ``spare`` empty rows. The plan must serve every
    request (``who`` names the caller in the error)."""
    used = [list(map(int, r)) for r in routes if len(r)]
    rows = max(len(used), 1) + spare
    R = np.zeros((rows, 2 * p.n_requests + 2), dtype=np.int64)
    L = np.zeros(rows, dtype=np.int64)
    req_of = p.request_of()
    rt = np.full(p.n_requests, -1, dtype=np.int64)
    for k, seq in enumerate(used):
        R[k, :len(seq)] = seq
        L[k] = len(seq)
        rt[req_of[seq]] = k
    if np.any(rt < 0):
        raise ValueError(f"{who} needs a plan that serves every request")
    return used, R, L, rt


def minimise_routes(problem: RoutingProblem, routes: Sequence[Sequence[int]],
                    time_limit_s: float, options: GesOptions | None = None, *,
                    tw_early: np.ndarray | None = None,
                    tw_late: np.ndarray | None = None,
                    target_routes: int = 1) -> GesResult:
    """Remove routes from the complete, feasible plan ``routes`` while time remains.

    Stops at ``target_routes`` routes, at the load bound (total load over the capacity),
    at ``options.max_iterations`` or when the time is up.

    ``problem`` must have identical vehicles (one depot pair, capacity, duration limit).
    ``tw_early``/``tw_late`` may pass windows tightened by preprocessing (they must admit
    the same schedules). Returns the plan with the fewest routes reached; it serves every
    request and passes the same checks as the input.
    """
    opts = options or GesOptions()
    p = problem
    t0 = _time.perf_counter()
    arr = _arrays(p, p.tw_early if tw_early is None else tw_early,
                  p.tw_late if tw_late is None else tw_late)
    nreq = p.n_requests
    used, R, L, rt = _plan_arrays(p, routes, 0, "minimise_routes")
    req_of = p.request_of()
    best = [list(r) for r in used]
    nr = len(used)
    rng = np.random.default_rng(opts.seed)
    chunk_no = 0
    iterations = 0
    deletions = 0
    history: list[tuple[int, float]] = []
    # no plan has fewer routes than the total load over the capacity
    lower = max(1, -(-int(p.load[p.pickups].sum()) // max(1, arr["cap"])))
    lower = max(lower, target_routes)
    cap_it = opts.max_iterations if opts.max_iterations is not None else np.iinfo(np.int64).max

    def go_on() -> bool:
        return _time.perf_counter() - t0 < time_limit_s and iterations < cap_it

    while nr > lower and go_on():
        # take out a random route, its requests form the pool
        k = int(rng.integers(nr))
        saved = (R.copy(), L.copy(), rt.copy())
        ep = np.zeros(nreq, dtype=np.int64)
        ep_n = 0
        for x in R[k, :L[k]]:
            if p.load[x] > 0:
                ep[ep_n] = req_of[x]
                rt[req_of[x]] = -1
                ep_n += 1
        last = nr - 1
        if k != last:
            R[k] = R[last]
            L[k] = L[last]
            rt[rt == last] = k
        L[last] = 0
        nr -= 1
        pen = np.ones(nreq, dtype=np.int64)
        while ep_n > 0 and go_on():
            seed = (opts.seed * 1_000_003 + chunk_no) % (2**31 - 1)
            chunk_no += 1
            ep_n, done = _ges_chunk(R, L, nr, rt, pen, ep, ep_n, p.pickups, p.deliveries,
                                    req_of, opts.k_max, opts.perturb_moves, opts.chunk, seed,
                                    **arr)
            iterations += int(done)
        if ep_n == 0:
            deletions += 1
            best = [list(map(int, R[i, :L[i]])) for i in range(nr)]
            history.append((nr, _time.perf_counter() - t0))
        else:
            R, L, rt = saved
            nr += 1
            break
    return GesResult(routes=best, n_routes_start=len(used), iterations=iterations,
                     wall_time_s=_time.perf_counter() - t0, deletions=deletions, history=tuple(history))
