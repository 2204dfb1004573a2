"""Sums of a per-edge value along fastest paths, and fastest times under other edge weights
(e.g. a driver's time with junction delays, :mod:`kl_mobility.demand.driving`).

The fastest path is the one of :func:`kl_mobility.kernels.shortest_path.single_source`
(integer edge times, ties broken by length), i.e. the path the travel-time oracle and the
simulation use, so a sum belongs to exactly the path whose time and distance the oracle
reports. Per source, the value is accumulated down the shortest-path tree (each node once,
from its predecessor), then gathered at the targets.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from kl_mobility.kernels._options import njit, njit_parallel
from kl_mobility.kernels.shortest_path import INF_TIME, edge_id, single_source

__all__ = ["fastest_times", "path_value_sums"]


@njit
def _tree_sums(indptr, head, value, src, pred, acc, stack):
    """``acc[v]``: the sum of ``value`` along the tree path ``src -> v`` (NaN: unreached)."""
    n = pred.shape[0]
    for i in range(n):
        acc[i] = np.nan
    acc[src] = 0.0
    for v in range(n):
        if not np.isnan(acc[v]) or pred[v] < 0:
            continue
        # climb to the first node whose sum is known, then fill back down
        top = 0
        u = v
        while np.isnan(acc[u]) and pred[u] >= 0:
            stack[top] = u
            top += 1
            u = pred[u]
        if np.isnan(acc[u]):
            continue  # pragma: no cover - a tree path always reaches src
        while top > 0:
            top -= 1
            w = stack[top]
            p = pred[w]
            acc[w] = acc[p] + value[edge_id(indptr, head, p, w)]


@njit_parallel
def path_value_sums(indptr, head, time_s, length_m, value, sources, targets, out):
    """``out[i, j]``: the sum of ``value`` (one float per edge) along the fastest path from
    node ``sources[i]`` to node ``targets[j]`` (NaN where unreachable); sources in
    parallel."""
    n = indptr.shape[0] - 1
    for i in prange(sources.shape[0]):
        tt = np.empty(n, np.int64)
        dist = np.empty(n, np.float64)
        first = np.empty(n, np.int64)
        pred = np.empty(n, np.int64)
        acc = np.empty(n, np.float64)
        stack = np.empty(n, np.int64)
        single_source(indptr, head, time_s, length_m, sources[i], tt, dist, first, pred)
        _tree_sums(indptr, head, value, sources[i], pred, acc, stack)
        for j in range(targets.shape[0]):
            out[i, j] = acc[targets[j]]
    return out


@njit_parallel
def fastest_times(indptr, head, time, length_m, sources, targets, out):
    """``out[i, j]``: the fastest time (in the units of the integer ``time`` per edge) from
    node ``sources[i]`` to node ``targets[j]`` (-1 where unreachable); sources in
    parallel."""
    n = indptr.shape[0] - 1
    for i in prange(sources.shape[0]):
        tt = np.empty(n, np.int64)
        dist = np.empty(n, np.float64)
        first = np.empty(n, np.int64)
        pred = np.empty(n, np.int64)
        single_source(indptr, head, time, length_m, sources[i], tt, dist, first, pred)
        for j in range(targets.shape[0]):
            t = tt[targets[j]]
            out[i, j] = -1 if t == INF_TIME else t
    return out
