# ruff: noqa: E741, NPY002
# (``l`` is the latest-start window as in the literature; inside the kernels ``np.random`` is
# numba's own per-thread generator, seeded explicitly by the search kernels)
"""Insertion of a request into one route of a static pickup-and-delivery plan (numba).

The kernels of the static solver's searches (:mod:`kl_mobility.kernels.routing_ges`,
:mod:`kl_mobility.kernels.routing_lns`) share one convention for the problem, documented
once here and packed by :func:`kl_mobility.routing.arrays.kernel_arrays`:

``T``, ``D``  travel time and distance matrices (float64, locations x locations)
``s``         service duration per location; ``e``, ``l``: window on the service start
``q``         load change per location (+ at a pickup, - at its delivery, 0 at depots)
``d0``, ``d1`` start and end depot; ``cap``: vehicle capacity (identical vehicles)
``side``      whether ride-time or route-duration limits exist (the extra checks run only
              then); ``maxride``: ride limit per pickup location (``inf`` elsewhere);
              ``maxdur``: route duration limit; ``mate``: the other stop of each request

A route is ``seq[:n]``, its stops without depots; position ``k`` (0..n+1) counts the start
depot as 0 and the end depot as n+1. Inserting request ``(p, d)`` at ``(i, j)`` puts ``p``
before old position ``i`` and ``d`` before old position ``j`` (``1 <= i <= j <= n+1``).
Scratch arrays ``a``, ``z`` (float64) and ``ld``, ``buf`` (int64) of at least ``n + 4``
entries are passed in so the searches allocate nothing per call.

Packs (the convention of :mod:`kl_mobility.kernels._pack`): the searches' entry kernels
(``lns_chunk``, ``ges_chunk``) take the problem as one :class:`Instance` (the arrays above)
and their plan, request tables and step parameters as packs of their own modules, passed
from Python as plain tuples and named again in the kernel's first lines. The helpers in
this module are called in the searches' innermost loops and keep one argument per array:
they receive the fields the entry kernel bound to local names once at its top.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from kl_mobility.kernels._options import njit

__all__ = [
    "EPS",
    "Instance",
    "build",
    "find_insertion",
    "insert",
    "insertion_delta",
    "insertion_ok",
    "remove",
    "ride_duration_ok",
    "route_dist",
    "scan_insertion",
    "schedule",
    "without",
]

#: Time comparisons allow this much rounding error (the independent checker's is 1e-6).
EPS = 1e-7


class Instance(NamedTuple):
    """The problem as the route kernels see it (identical vehicles); the fields are the
    arrays of the convention above, built by :func:`kl_mobility.routing.arrays.kernel_arrays`
    (``Instance(**kernel_arrays(...))``)."""

    T: Any
    """float64[N, N]: travel time."""
    D: Any
    """float64[N, N]: distance."""
    s: Any
    """float64[N]: service duration."""
    e: Any
    """float64[N]: earliest service start."""
    l: Any  # noqa: E741
    """float64[N]: latest service start."""
    q: Any
    """int64[N]: load change."""
    d0: Any
    """int: start depot."""
    d1: Any
    """int: end depot."""
    cap: Any
    """int: vehicle capacity."""
    side: Any
    """bool: ride-time or duration limits exist."""
    maxride: Any
    """float64[N]: ride limit per pickup location (inf elsewhere)."""
    maxdur: Any
    """float: route duration limit."""
    mate: Any
    """int64[N]: the other stop of each request's stop (-1 at depots)."""

@njit
def schedule(seq, n, T, s, e, l, q, d0, d1, cap, a, z, ld):
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
        if t > l[x] + EPS:
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
def ride_duration_ok(seq, n, T, s, e, l, q, d0, d1, cap, maxride, maxdur, mate):
    """Exact test: does route ``d0 seq[:n] d1`` have a schedule meeting capacity, windows,
    ride-time and route-duration limits?

    The schedule constraints are difference constraints between service starts ``B``
    (``B_k+1 >= B_k + s + T``, ``e <= B <= l``, ``B_d - (B_p + s_p) <= L``,
    ``B_end - B_start <= maxdur``). Their least solution is found by raising lower bounds:
    a forward pass gives the earliest starts; a ride time above its limit raises the
    pickup's lower bound to ``B_d - s_p - L`` and a duration above the limit raises the
    depot departure's to ``B_end - maxdur`` (any schedule is at least these values, so
    nothing feasible is lost), and the pass repeats. A fixed point meets every constraint
    (feasible); a window exceeded on the way, or raising still going on after one pass more
    than there are limits (a positive cycle: the limits contradict each other), proves
    that no schedule exists. Each pass is O(n); forward time slack in the sense of Cordeau
    & Laporte (2003) is what these raises consume.
    """
    m = n + 2
    lb = np.empty(m, dtype=np.float64)
    b = np.empty(m, dtype=np.float64)
    where = np.empty(e.size, dtype=np.int64)
    load = 0
    n_lim = 1
    for k in range(m):
        x = d0 if k == 0 else (seq[k - 1] if k <= n else d1)
        lb[k] = e[x]
        if 0 < k <= n:
            load += q[x]
            if load > cap:
                return False
            if q[x] > 0:
                where[x] = k
                if maxride[x] < np.inf:
                    n_lim += 1
    for _ in range(n_lim + 2):
        t = lb[0]
        if t > l[d0] + EPS:
            return False
        b[0] = t
        prev = d0
        for k in range(1, m):
            x = seq[k - 1] if k <= n else d1
            t = max(lb[k], t + s[prev] + T[prev, x])
            if t > l[x] + EPS:
                return False
            b[k] = t
            prev = x
        raised = False
        for k in range(1, n + 1):
            x = seq[k - 1]
            if q[x] < 0:
                pu = mate[x]
                if maxride[pu] == np.inf:
                    continue
                need = b[k] - s[pu] - maxride[pu]
                kp = where[pu]
                if b[kp] < need - EPS:
                    lb[kp] = need
                    raised = True
        if b[m - 1] - b[0] > maxdur + EPS:
            lb[0] = b[m - 1] - maxdur
            raised = True
        if not raised:
            return True
    return False


@njit
def build(seq, n, p, d, i, j, out):
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
def insertion_ok(seq, n, a, z, ld, p, d, i, j, T, s, e, l, q, d0, d1, cap):
    """Can ``p`` go between positions i-1, i and ``d`` between j-1, j (``i <= j``)?"""
    if ld[i - 1] + q[p] > cap:
        return False
    prev = seq[i - 2] if i >= 2 else d0
    t = max(e[p], a[i - 1] + s[prev] + T[prev, p])
    if t > l[p] + EPS:
        return False
    prev = p
    for k in range(i, j):
        x = seq[k - 1]
        if ld[k] + q[p] > cap:
            return False
        t = max(e[x], t + s[prev] + T[prev, x])
        if t > z[k] + EPS:
            return False
        prev = x
    t = max(e[d], t + s[prev] + T[prev, d])
    if t > l[d] + EPS:
        return False
    x = seq[j - 1] if j <= n else d1
    t = max(e[x], t + s[d] + T[d, x])
    return t <= z[j] + EPS


@njit
def insertion_delta(seq, n, p, d, i, j, D, d0, d1):
    a = seq[i - 2] if i >= 2 else d0
    b = seq[i - 1] if i <= n else d1
    if i == j:
        return D[a, p] + D[p, d] + D[d, b] - D[a, b]
    c = seq[j - 2]
    f = seq[j - 1] if j <= n else d1
    return D[a, p] + D[p, b] - D[a, b] + D[c, d] + D[d, f] - D[c, f]


@njit
def scan_insertion(seq, n, p, d, mode, blink, T, D, s, e, l, q, d0, d1, cap, side, maxride,
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
    if not schedule(seq, n, T, s, e, l, q, d0, d1, cap, a, z, ld):
        return bi, bj, best
    seen = 0
    qp = q[p]
    for i in range(1, n + 2):
        if ld[i - 1] + qp > cap:
            continue
        prev = seq[i - 2] if i >= 2 else d0
        t = max(e[p], a[i - 1] + s[prev] + T[prev, p])
        if t > l[p] + EPS:
            continue
        prv = p
        for j in range(i, n + 2):
            td = max(e[d], t + s[prv] + T[prv, d])
            if td <= l[d] + EPS:
                x = seq[j - 1] if j <= n else d1
                if max(e[x], td + s[d] + T[d, x]) <= z[j] + EPS:
                    ok = True
                    dl = 0.0
                    if mode == 0:
                        dl = insertion_delta(seq, n, p, d, i, j, D, d0, d1)
                        ok = dl < best and not (blink > 0.0 and np.random.random() < blink)
                    if ok and side:
                        m = build(seq, n, p, d, i, j, buf)
                        ok = ride_duration_ok(buf, m, T, s, e, l, q, d0, d1, cap, maxride, maxdur, mate)
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
            if t > z[j] + EPS:
                break
            prv = x
    return bi, bj, best


@njit
def find_insertion(seq, n, p, d, mode, T, D, s, e, l, q, d0, d1, cap, side, maxride, maxdur,
                   mate, a, z, ld, buf):
    """:func:`scan_insertion` without blinks."""
    return scan_insertion(seq, n, p, d, mode, 0.0, T, D, s, e, l, q, d0, d1, cap, side,
                           maxride, maxdur, mate, a, z, ld, buf)


@njit
def without(seq, n, p, d, out):
    """``out`` = ``seq[:n]`` without the stops ``p`` and ``d``; returns its length."""
    m = 0
    for x in range(n):
        v = seq[x]
        if v != p and v != d:
            out[m] = v
            m += 1
    return m


@njit
def remove(R, L, k, p, d):
    L[k] = without(R[k], L[k], p, d, R[k])


@njit
def insert(R, L, k, p, d, i, j, buf):
    m = build(R[k], L[k], p, d, i, j, buf)
    R[k, :m] = buf[:m]
    L[k] = m


@njit
def route_dist(seq, n, D, d0, d1):
    if n == 0:
        return 0.0
    tot = D[d0, seq[0]]
    for k in range(n - 1):
        tot += D[seq[k], seq[k + 1]]
    return tot + D[seq[n - 1], d1]
