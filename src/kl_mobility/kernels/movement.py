"""Driving along fastest paths hop by hop, with distance accounting by vehicle and edge.

A vehicle drives from ``node`` (left at ``t``) toward ``target`` along the next-hop table
``nxt``; the time of hop ``u -> w`` on the fastest path to ``target`` is
``tt[u, target] - tt[w, target]`` (the oracle's paths are consistent: sub-paths of fastest
paths are fastest). Every hop adds the edge's length to the per-edge accumulators (total,
occupied when ``load > 0``, passenger-km ``length x load``, and the vehicle type's column).
"""

from __future__ import annotations

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels.shortest_path import edge_id

__all__ = ["drive"]


@njit
def _drive(ttT, nxt, indptr, head, length_m, node, t, target, until, load, type_idx,
           edge_vkm, edge_vkm_occ, edge_pkm, edge_count, edge_vkm_type):
    """Drive until reaching ``target`` or the first node at/after ``until``.

    Hop times come from row ``target`` of the transposed table (``ttT[target, u]`` =
    ``tt[u, target]``), which stays in cache along the path. Returns ``(node, time, metres,
    occupied metres, passenger metres)``.
    """
    m_total = 0.0
    m_occ = 0.0
    m_pax = 0.0
    while node != target and t < until:
        w = nxt[node, target]
        e = edge_id(indptr, head, node, w)
        t += ttT[target, node] - ttT[target, w]
        length = length_m[e]
        m_total += length
        edge_vkm[e] += length
        edge_count[e] += 1
        edge_vkm_type[type_idx, e] += length
        if load > 0:
            m_occ += length
            m_pax += length * load
            edge_vkm_occ[e] += length
            edge_pkm[e] += length * load
        node = w
    return node, t, m_total, m_occ, m_pax


def drive(tt, nxt, indptr, head, length_m, node: int, t: int, target: int, until: int,
          load: int, type_idx: int, edge_vkm, edge_vkm_occ, edge_pkm, edge_count,
          edge_vkm_type, ttT=None) -> tuple[int, int, float, float, float]:
    """Drive a vehicle toward ``target`` until it gets there or passes time ``until``.

    Returns ``(node reached, time there, metres, occupied metres, passenger-metres)``; the
    edge accumulators (float64 metres; ``edge_count`` int64; ``edge_vkm_type`` [types, m])
    are updated in place. ``ttT``: a C-contiguous transpose of ``tt`` (faster; default a
    transposed view).
    """
    n, tr, a, b, c = _drive(tt.T if ttT is None else ttT, nxt, indptr, head, length_m,
                            np.int64(node), np.int64(t), np.int64(target), np.int64(until),
                            np.int64(load), np.int64(type_idx), edge_vkm, edge_vkm_occ,
                            edge_pkm, edge_count, edge_vkm_type)
    return int(n), int(tr), float(a), float(b), float(c)
