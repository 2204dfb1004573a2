"""Driving along fastest paths hop by hop, with distance accounting by vehicle and edge.

A vehicle drives from ``node`` (left at ``t``) toward ``target`` along the next-hop table
``nxt``; the time of hop ``u -> w`` on the fastest path to ``target`` is
``tt[u, target] - tt[w, target]`` (the oracle's paths are consistent: sub-paths of fastest
paths are fastest). Every hop adds the edge's length to the per-edge accumulators (total,
occupied when ``load > 0``, passenger-km ``length x load``, and the vehicle type's column).
Arguments are packs (:mod:`kl_mobility.kernels._pack`): :class:`Tables`, :class:`Edges`,
:class:`Accounts`, :class:`Move`. Next hops come from ``Tables.nxtT`` (the transpose of
``nxt``, one row per target) when the pack has it, else from ``nxt``: the same nodes.
"""

from __future__ import annotations

from numba.core import types
from numba.extending import overload

from kl_mobility.kernels._options import njit
from kl_mobility.kernels._pack import Accounts, Edges, Move, Tables
from kl_mobility.kernels.shortest_path import edge_id

__all__ = ["Accounts", "Edges", "Move", "drive", "next_hop"]


def next_hop(nxt, nxt_t, node, target):
    """Next node from ``node`` on the fastest path to ``target``: ``nxt_t[target, node]``
    (the transposed table, :attr:`Tables.nxtT`), or ``nxt[node, target]`` when ``nxt_t`` is
    None (chosen when a kernel is compiled, from the pack's field type)."""
    if nxt_t is None:
        return nxt[node, target]
    return nxt_t[target, node]


@overload(next_hop)
def _next_hop_impl(nxt, nxt_t, node, target):
    if isinstance(nxt_t, types.NoneType):
        return lambda nxt, nxt_t, node, target: nxt[node, target]
    return lambda nxt, nxt_t, node, target: nxt_t[target, node]


@njit
def _drive(tab, edges, acc, move):
    """Drive until reaching ``target`` or the first node at/after ``until``.

    Hop times come from row ``target`` of the transposed table (``ttT[target, u]`` =
    ``tt[u, target]``), next hops from row ``target`` of ``nxtT`` (when given), both staying
    in cache along the path. Returns ``(node, time, metres,
    occupied metres, passenger metres)``.
    """
    tab, edges, acc, move = Tables(*tab), Edges(*edges), Accounts(*acc), Move(*move)
    ttT, nxt, nxt_t = tab.ttT, tab.nxt, tab.nxtT
    indptr, head, length_m = edges.indptr, edges.head, edges.length_m
    edge_vkm, edge_vkm_occ, edge_pkm, edge_count, edge_vkm_type = (
        acc.vkm, acc.vkm_occ, acc.pkm, acc.count, acc.vkm_type)
    node, t, target, until = move.node, move.time, move.target, move.until
    load, type_idx = move.load, move.type_idx
    m_total = 0.0
    m_occ = 0.0
    m_pax = 0.0
    while node != target and t < until:
        w = next_hop(nxt, nxt_t, node, target)
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


def drive(tables: Tables, edges: Edges, acc: Accounts,
          move: Move) -> tuple[int, int, float, float, float]:
    """Drive a vehicle as ``move`` says, along ``tables.nxt`` (read from ``tables.nxtT``
    when given).

    Returns ``(node reached, time there, metres, occupied metres, passenger-metres)``; the
    edge accumulators ``acc`` (float64 metres; ``count`` int64; ``vkm_type`` [types, m])
    are updated in place. ``move`` holds int scalars. ``tables.ttT`` None: a transposed
    view of ``tt`` (slower).
    """
    if tables.ttT is None:
        tables = tables._replace(ttT=tables.tt.T)
    n, tr, a, b, c = _drive(tuple(tables), tuple(edges), tuple(acc), tuple(move))
    return int(n), int(tr), float(a), float(b), float(c)
