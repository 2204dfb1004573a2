# ruff: noqa: E741, NPY002
"""Slow references for the static solver's insertion kernels (tests and benchmarks only)."""

from __future__ import annotations

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels.routing_insertion import (
    build,
    insertion_delta,
    insertion_ok,
    ride_duration_ok,
    schedule,
)


@njit
def find_insertion_brute(seq, n, p, d, mode, T, D, s, e, l, q, d0, d1, cap, side, maxride,
                         maxdur, mate, a, z, ld, buf):
    """Reference for :func:`scan_insertion` (every pair of positions, O(n^3)); the test-only twin.

    Feasible insertion of request (p, d) into ``seq``.

    ``mode`` 0: the cheapest by distance; 1: one chosen uniformly at random; 2: the first.
    Returns (i, j, delta); ``i = -1`` when none is feasible (or the route itself is not).
    """
    bi, bj, best = -1, -1, np.inf
    if not schedule(seq, n, T, s, e, l, q, d0, d1, cap, a, z, ld):
        return bi, bj, best
    seen = 0
    for i in range(1, n + 2):
        for j in range(i, n + 2):
            if not insertion_ok(seq, n, a, z, ld, p, d, i, j, T, s, e, l, q, d0, d1, cap):
                continue
            if side:
                m = build(seq, n, p, d, i, j, buf)
                if not ride_duration_ok(buf, m, T, s, e, l, q, d0, d1, cap, maxride, maxdur, mate):
                    continue
            if mode == 2:
                return i, j, 0.0
            if mode == 1:
                seen += 1
                if np.random.randint(seen) == 0:
                    bi, bj = i, j
                    best = 0.0
                continue
            dl = insertion_delta(seq, n, p, d, i, j, D, d0, d1)
            if dl < best:
                bi, bj, best = i, j, dl
    return bi, bj, best
