"""Fastest-path kernels over a CSR road graph with integer edge times.

Ties in travel time are broken by length, then by settling order, so that the fastest path
between two nodes is unique in (time, length) and sub-paths of fastest paths are fastest
paths themselves. Hence walking the next-hop table from ``o`` towards ``d`` accumulates
exactly ``tt[o, d]`` seconds and (up to float rounding) ``dist[o, d]`` metres.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from kl_mobility.kernels._options import njit, njit_inline, njit_parallel

__all__ = ["all_pairs", "edge_id", "single_source"]

INF_TIME = np.iinfo(np.int32).max


@njit
def _less(t1, l1, n1, t2, l2, n2):
    if t1 != t2:
        return t1 < t2
    if l1 != l2:
        return l1 < l2
    return n1 < n2


@njit
def single_source(indptr, head, time_s, length_m, src, tt, dist, first, pred):
    """Dijkstra from ``src``; fills ``tt`` (int), ``dist`` (float), ``first`` (first hop
    after ``src``), ``pred`` (predecessor) for every node. Unreached nodes keep ``INF_TIME``,
    ``inf``, ``-1``, ``-1``."""
    n = indptr.shape[0] - 1
    for i in range(n):
        tt[i] = INF_TIME
        dist[i] = np.inf
        first[i] = -1
        pred[i] = -1
    m = head.shape[0]
    cap = m + 1
    h_t = np.empty(cap, np.int64)
    h_l = np.empty(cap, np.float64)
    h_n = np.empty(cap, np.int64)
    done = np.zeros(n, np.bool_)
    size = 0
    tt[src] = 0
    dist[src] = 0.0
    first[src] = src
    h_t[0] = 0
    h_l[0] = 0.0
    h_n[0] = src
    size = 1
    while size > 0:
        t = h_t[0]
        ln = h_l[0]
        u = h_n[0]
        size -= 1
        if size > 0:
            # move last to root and sift down
            lt = h_t[size]
            ll = h_l[size]
            lnode = h_n[size]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= size:
                    break
                if c + 1 < size and _less(h_t[c + 1], h_l[c + 1], h_n[c + 1], h_t[c], h_l[c], h_n[c]):
                    c += 1
                if _less(h_t[c], h_l[c], h_n[c], lt, ll, lnode):
                    h_t[i] = h_t[c]
                    h_l[i] = h_l[c]
                    h_n[i] = h_n[c]
                    i = c
                else:
                    break
            h_t[i] = lt
            h_l[i] = ll
            h_n[i] = lnode
        if done[u]:
            continue
        if t != tt[u] or ln != dist[u]:
            continue
        done[u] = True
        for e in range(indptr[u], indptr[u + 1]):
            v = head[e]
            if done[v]:
                continue
            nt = t + time_s[e]
            nl = ln + length_m[e]
            if nt < tt[v] or (nt == tt[v] and nl < dist[v]):
                tt[v] = nt
                dist[v] = nl
                pred[v] = u
                first[v] = v if u == src else first[u]
                # push and sift up
                i = size
                size += 1
                while i > 0:
                    p = (i - 1) // 2
                    if _less(nt, nl, v, h_t[p], h_l[p], h_n[p]):
                        h_t[i] = h_t[p]
                        h_l[i] = h_l[p]
                        h_n[i] = h_n[p]
                        i = p
                    else:
                        break
                h_t[i] = nt
                h_l[i] = nl
                h_n[i] = v
    return tt


@njit_parallel
def all_pairs(indptr, head, time_s, length_m, tt, dist, nxt):
    """Fill the dense tables ``tt[n, n]`` (int32 s), ``dist[n, n]`` (float32 m) and
    ``nxt[n, n]`` (int32 next hop) by one Dijkstra per source, sources in parallel."""
    n = indptr.shape[0] - 1
    for s in prange(n):
        t_row = np.empty(n, np.int64)
        d_row = np.empty(n, np.float64)
        f_row = np.empty(n, np.int64)
        p_row = np.empty(n, np.int64)
        single_source(indptr, head, time_s, length_m, s, t_row, d_row, f_row, p_row)
        for j in range(n):
            tt[s, j] = t_row[j] if t_row[j] < INF_TIME else INF_TIME
            dist[s, j] = d_row[j]
            nxt[s, j] = f_row[j]


@njit_inline
def edge_id(indptr, head, u, v):
    """Index of edge ``u -> v`` in the CSR arrays (heads sorted per tail), or -1."""
    lo = indptr[u]
    hi = indptr[u + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if head[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    if lo < indptr[u + 1] and head[lo] == v:
        return lo
    return -1
