"""Packed kernels cost no speed: simulated days with the packed dispatch kernels against
the same days with the positional kernels they replaced, in the same process.

The kernels take packs of arrays (:mod:`kl_mobility.kernels._pack`). This file keeps a
reference copy of the previous kernels, which took every array as its own positional
argument (``_best_insertion_at`` 37 arguments, ``_cost_matrix`` 25, ``_drive`` 16), and of
the engine methods that called them (``PositionalEngine``). Both engines simulate the same
days: the insertion policy (one fused search per request) and the batch policy (cost
matrices), on the Kaiserslautern network with ``simbench.weekday_requests`` (deterministic
sample). Each day is simulated ``KL_PACKING_ROUNDS`` times (default 3) per engine,
alternating, and the least CPU time (``time.process_time``) of each is compared; the
trips, vehicles, edges, events and occupancy tables must be equal.

Reported: ``ratio`` = packed CPU s / positional CPU s (least of the rounds). Asserted: the
results are equal, and the ratio stays below 1.05 (a 5 % allowance for noise on a shared
machine; a real cost of packing, a per-call overhead, would show on every round).

Run: ``python -m pytest benchmarks/bench_packing.py -s``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kl_mobility.kernels._options import njit  # noqa: E402
from kl_mobility.kernels.insertion import COST_ADDED_TIME, INFEASIBLE, Cursor  # noqa: E402
from kl_mobility.kernels.shortest_path import edge_id  # noqa: E402
from kl_mobility.service import at_boundary, dwell_s  # noqa: E402
from kl_mobility.sim import engine as engine_module  # noqa: E402

ROUNDS = int(os.environ.get("KL_PACKING_ROUNDS", "3"))
SCALE = float(os.environ.get("KL_PACKING_SCALE", "0.25"))
"""Share of simbench's weekday: 0.25 = 5,000 requests and 50 vans of 6 seats."""

# --------------------------------------------------------------------------------------
# Reference copy of the positional kernels (as they were before packing; not product code)
# --------------------------------------------------------------------------------------

@njit
def _legs(tt, s_node, m, sn, leg):
    """``leg[k]`` = travel time into old stop ``k`` (from the start for ``k = 0``)."""
    node = s_node
    for k in range(m):
        leg[k] = tt[node, sn[k]]
        node = sn[k]


@njit
def _finish_legs(t, m, leg, se, sw):
    """Time the vehicle finishes its ``m`` stops (deadlines ignored)."""
    for k in range(m):
        t += leg[k]
        if t < se[k]:
            t = se[k]
        t += sw[k]
    return t


@njit
def _finish_waits(t, m, leg, se, sw):
    """(finish time, total waiting) of ``m`` stops driven with ``leg`` from time ``t``."""
    wait = np.int64(0)
    for k in range(m):
        t += leg[k]
        if t < se[k]:
            wait += se[k] - t
            t = se[k]
        t += sw[k]
    return t, wait


@njit
def _detour_bound(s_node, m, leg, sn, to_o, from_o, to_d, from_d, t_od):
    """Least extra driving to fit both ``o`` and ``d`` into a schedule of ``m >= 1`` stops.

    Putting ``o`` between ``P`` and ``Q`` delays ``Q`` by ``tt[P, o] + tt[o, Q] - tt[P, Q]``
    (appending it: ``tt[P_m, o]``). The drop-off then adds, at least, either its own detour
    between two old stops (or ``tt[P_m, d]`` appended) or, right after the pickup, ``tt[o, d]
    + tt[d, Q] - tt[o, Q]`` (``tt[o, d]`` appended): all >= 0 by the triangle inequality,
    and the two add up. Reads only the route's nodes and legs and four table rows shared by
    all vehicles.
    """
    last = sn[m - 1]
    det_o = np.int64(to_o[last])
    x = np.int64(to_d[last])
    if t_od < x:
        x = t_od
    node = s_node
    for i in range(m):
        q = sn[i]
        a = to_o[node] + from_o[q] - leg[i]
        if a < det_o:
            det_o = a
        b = to_d[node] + from_d[q] - leg[i]
        if b < x:
            x = b
        c = t_od + from_d[q] - from_o[q]
        if c < x:
            x = c
        node = q
    return det_o + x


@njit
def _insert_vehicle(tt, ttT, s_node, s_time, s_load, cap, m, sn, se, sl, sd, sw,
                    o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop, cost_kind,
                    leg):
    """Best insertion into one vehicle: (cost, i, j), cost INFEASIBLE when none.

    Memory-friendly: every travel time used is a leg of the old route (``leg``, filled by
    the caller with :func:`_legs`), a row of ``tt`` from ``o`` or ``d``, or a row of ``ttT``
    (the transpose) to ``o`` or ``d``; so the search touches O(m) scattered table entries,
    not O(m^3).
    """
    best = INFEASIBLE
    bi = -1
    bj = -1
    old_end = _finish_legs(np.int64(s_time), m, leg, se, sw)
    to_o = ttT[o]
    to_d = ttT[d]
    from_o = tt[o]
    from_d = tt[d]
    t_od = np.int64(tt[o, d])
    t = np.int64(s_time)
    node = s_node
    load = s_load
    for i in range(m + 1):
        ta = t + to_o[node]
        if ta > late_pick:
            break
        if load + pax <= cap:
            tp = ta if ta > early else early
            t_pick = tp
            t2 = tp + dwell_pick
            l2 = load + pax
            for j in range(i, m + 1):
                if j == i:
                    td = t2 + t_od
                else:
                    td = t2 + to_d[sn[j - 1]]
                if td > late_drop:
                    break
                t3 = td + dwell_drop
                feasible = True
                for k in range(j, m):
                    if k == j:
                        t3 += from_d[sn[k]]
                    else:
                        t3 += leg[k]
                    if t3 > sl[k]:
                        feasible = False
                        break
                    if t3 < se[k]:
                        t3 = se[k]
                    t3 += sw[k]
                if feasible:
                    if cost_kind == 0:
                        c = t3 - old_end
                    elif cost_kind == 1:
                        c = t_pick - early
                    else:
                        c = t3 - old_end + t_pick - early
                    if c < best:
                        best = c
                        bi = i
                        bj = j
                if j == m:
                    break
                # carry the new party past old stop j
                if j == i:
                    t2 += from_o[sn[j]]
                else:
                    t2 += leg[j]
                if t2 > sl[j]:
                    break
                if t2 < se[j]:
                    t2 = se[j]
                l2 += sd[j]
                if l2 > cap:
                    break
                t2 += sw[j]
        if i == m:
            break
        t += leg[i]
        if t > sl[i]:
            break
        if t < se[i]:
            t = se[i]
        load += sd[i]
        t += sw[i]
        node = sn[i]
    return best, bi, bj




@njit
def _cost_matrix(tt, ttT, cand, start_node, start_time, start_load, capacity, sched_len,
                 sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                 o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop, cost_kind,
                 out_cost, out_i, out_j):
    leg = np.empty(sched_node.shape[1], np.int64)
    for r in range(o.shape[0]):
        for k in range(cand.shape[0]):
            v = cand[k]
            out_cost[r, k] = INFEASIBLE
            out_i[r, k] = -1
            out_j[r, k] = -1
            if pax[r] > capacity[v]:
                continue
            if np.int64(start_time[v]) + ttT[o[r], start_node[v]] > late_pick[r]:
                continue
            _legs(tt, start_node[v], sched_len[v], sched_node[v], leg)
            c, i, j = _insert_vehicle(tt, ttT, start_node[v], start_time[v], start_load[v],
                                      capacity[v], sched_len[v], sched_node[v], sched_early[v],
                                      sched_late[v], sched_delta[v], sched_dwell[v], o[r], d[r],
                                      early[r], late_pick[r], late_drop[r], pax[r],
                                      dwell_pick[r], dwell_drop[r], cost_kind, leg)
            out_cost[r, k] = c
            out_i[r, k] = i
            out_j[r, k] = j


@njit
def _start_states(t, cand, pos_node, pos_time, target, version, cur_node, cur_time, cur_ver,
                  ttT, nxt, out_node, out_time, by_position):
    """Next node each vehicle in ``cand`` reaches at or after ``t`` heading to ``target``.

    ``cur_*`` cache each vehicle's walk along its current leg (valid while ``cur_ver`` equals
    the vehicle's plan ``version``): times only grow, so the walk resumes where it stopped
    and every leg is walked once in total, not once per request. Results go to
    ``out_*[k]`` (``by_position``) or ``out_*[cand[k]]``. Hop times come from the transposed
    table: ``tt[u, tgt] - tt[w, tgt]`` = ``ttT[tgt, u] - ttT[tgt, w]``.
    """
    for k in range(cand.shape[0]):
        v = cand[k]
        tgt = target[v]
        if cur_ver[v] == version[v]:
            cur = cur_node[v]
            ct = cur_time[v]
        else:
            cur = pos_node[v]
            ct = np.int64(pos_time[v])
        if tgt >= 0:
            while ct < t and cur != tgt:
                nx = nxt[cur, tgt]
                ct += ttT[tgt, cur] - ttT[tgt, nx]
                cur = nx
        cur_node[v] = cur
        cur_time[v] = ct
        cur_ver[v] = version[v]
        w = k if by_position else v
        out_node[w] = cur
        out_time[w] = ct if ct > t else t


@njit
def _best_insertion_at(t, cand, available, max_len, pos_node, pos_time, target, version,
                       cur_node, cur_time, cur_ver, end_time, end_ver, legs, leg_ver, end_wait,
                       arr0, tt, ttT, nxt, start_load, capacity, sched_len, sched_node,
                       sched_early, sched_late, sched_delta, sched_dwell, o, d, early,
                       late_pick, late_drop, pax, dwell_pick, dwell_drop, cost_kind):
    """Start states, reachability pruning and best-first search by lower bound, fused.

    Lower bounds of a vehicle's cost (all from the triangle inequality of fastest paths):

    - its new pickup starts no earlier than ``pick = max(reach, early)``, so the wait is
      >= ``pick - early``; after the pickup the vehicle needs at least
      ``dwell_pick + tt[o, d] + dwell_drop``, and a new schedule never ends before the old
      one: added time >= ``pick + dwell_pick + tt[o, d] + dwell_drop - old end`` and >= 0
      (exact for an empty schedule);
    - fitting ``o`` and ``d`` in delays the stops after them by at least the least detours
      (:func:`_detour_bound`) plus both dwells, of which waiting already planned in the old
      schedule can absorb at most its total: added time >= detours + dwells - waiting.

    The vehicle with the least bound is evaluated first (an upper bound); then only vehicles
    whose bound does not exceed the best cost so far, by increasing bound (then id), until
    the next bound exceeds it. So the optimum and its tie-breaking (lowest vehicle id) are
    never lost. Per plan ``version`` the cursor caches what does not change while a
    vehicle drives a fastest path toward its next stop or stands at a stop: the legs between
    planned stops, the arrival at the first stop, the old finish time and total waiting.
    """
    elig = np.empty(cand.shape[0], np.int64)
    nc = 0
    for k in range(cand.shape[0]):
        v = cand[k]
        if available[v] and sched_len[v] <= max_len and pax <= capacity[v]:
            elig[nc] = v
            nc += 1
    cand = elig[:nc]
    st_node = np.empty(nc, np.int64)
    st_time = np.empty(nc, np.int64)
    _start_states(t, cand, pos_node, pos_time, target, version, cur_node, cur_time, cur_ver,
                  ttT, nxt, st_node, st_time, True)
    lbs = np.empty(nc, np.int64)
    keep = np.empty(nc, np.int64)
    to_o = ttT[o]
    t_od = np.int64(tt[o, d])
    nk = 0
    from_o = tt[o]
    to_d = ttT[d]
    from_d = tt[d]
    for k in range(nc):
        v = cand[k]
        reach = st_time[k] + to_o[st_node[k]]
        if reach > late_pick:
            continue
        pick = reach if reach > early else early
        wait = pick - early
        m = sched_len[v]
        if m == 0:
            lb = wait if cost_kind == 1 else pick + dwell_pick + t_od + dwell_drop - st_time[k]
            if cost_kind == 2:
                lb += wait
        else:
            if end_ver[v] != version[v]:
                if leg_ver[v] != version[v]:
                    _legs(tt, st_node[k], m, sched_node[v], legs[v])
                    leg_ver[v] = version[v]
                legs[v, 0] = ttT[sched_node[v, 0], st_node[k]]
                arr0[v] = st_time[k] + legs[v, 0]
                end_time[v], end_wait[v] = _finish_waits(st_time[k], m, legs[v],
                                                         sched_early[v], sched_dwell[v])
                end_ver[v] = version[v]
            else:
                legs[v, 0] = arr0[v] - st_time[k]
            if cost_kind == 1:
                lb = wait
            else:
                lb = pick + dwell_pick + t_od + dwell_drop - end_time[v]
                det = _detour_bound(st_node[k], m, legs[v], sched_node[v], to_o, from_o, to_d,
                                    from_d, t_od)
                lb2 = det + dwell_pick + dwell_drop - end_wait[v]
                if lb2 > lb:
                    lb = lb2
                if lb < 0:
                    lb = 0
                if cost_kind == 2:
                    lb += wait
        lbs[nk] = lb
        keep[nk] = k
        nk += 1
    best = INFEASIBLE
    bv = -1
    bi = -1
    bj = -1
    if nk == 0:
        return best, bv, bi, bj
    # an upper bound first: evaluate the vehicle with the least bound (first by position)
    first = 0
    for q in range(1, nk):
        if lbs[q] < lbs[first]:
            first = q
    survivors = np.empty(nk, np.int64)
    ns = 0
    for rnd in range(2):
        if rnd == 1:  # then only those whose bound does not exceed it, best first
            for q in range(nk):
                if q != first and lbs[q] <= best:
                    survivors[ns] = q
                    ns += 1
        order = (np.array([first], np.int64) if rnd == 0
                 else survivors[:ns][np.argsort(lbs[survivors[:ns]], kind="mergesort")])
        for idx in order:
            if lbs[idx] > best:
                break
            k = keep[idx]
            v = cand[k]
            m = sched_len[v]
            if m > 0:
                legs[v, 0] = arr0[v] - st_time[k]
            c, i, j = _insert_vehicle(tt, ttT, st_node[k], st_time[k], start_load[v],
                                      capacity[v], m, sched_node[v], sched_early[v],
                                      sched_late[v], sched_delta[v], sched_dwell[v], o, d, early,
                                      late_pick, late_drop, pax, dwell_pick, dwell_drop,
                                      cost_kind, legs[v])
            if c < best or (c == best and c != INFEASIBLE and v < bv):
                best = c
                bv = v
                bi = i
                bj = j
    return best, bv, bi, bj


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


def _transpose(tt, ttT):
    return tt.T if ttT is None else ttT



def best_insertion_at(t: int, cand, pos_node, pos_time, target, tt, nxt, start_load, capacity,
                      sched_len, sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                      *, origin: int, dest: int, early: int, late_pick: int, late_drop: int,
                      passengers: int, dwell_pick: int, dwell_drop: int,
                      cost_kind: int = COST_ADDED_TIME, cursor: Cursor | None = None,
                      ttT=None, available=None,
                      max_len: int | None = None) -> tuple[int, int, int, int]:
    """:func:`best_insertion` for vehicles re-planned at time ``t`` (see :func:`start_states`),
    searching vehicles best-first by a lower bound of their cost; same result.

    Only vehicles with ``available[v]`` (default all) and at most ``max_len`` planned stops
    (default: room for two more) are considered. ``cursor``: see :class:`Cursor`. Inputs are
    not checked (engine use).
    """
    cand = np.asarray(cand, np.int64)
    if available is None:
        available = np.ones(np.asarray(pos_node).shape[0], np.bool_)
    if max_len is None:
        max_len = sched_node.shape[1] - 2
    if cursor is None:
        cursor = Cursor.new(np.zeros(np.asarray(pos_node).shape[0], np.int64),
                            sched_node.shape[1])
    c, v, i, j = _best_insertion_at(
        np.int64(t), cand, available, np.int64(max_len), pos_node, pos_time, target, *cursor, tt, _transpose(tt, ttT), nxt,
        start_load, capacity, sched_len, sched_node, sched_early, sched_late, sched_delta,
        sched_dwell, origin, dest, np.int64(early), np.int64(late_pick), np.int64(late_drop),
        passengers, np.int64(dwell_pick), np.int64(dwell_drop), cost_kind)
    return int(c), int(v), int(i), int(j)


def insertion_cost_matrix(tt, cand, start_node, start_time, start_load, capacity, sched_len,
                          sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                          origin, dest, early, late_pick, late_drop, passengers, dwell_pick,
                          dwell_drop, cost_kind: int = COST_ADDED_TIME, ttT=None):
    """Best insertion of each request ``r`` into each vehicle ``cand[k]`` on its own.

    Returns ``(cost int64[R, K], i int64[R, K], j int64[R, K])`` with ``INFEASIBLE`` cost
    where request ``r`` cannot be inserted into vehicle ``cand[k]``.
    """
    cand = np.asarray(cand, np.int64)
    r = len(origin)
    cost = np.empty((r, cand.shape[0]), np.int64)
    oi = np.empty_like(cost)
    oj = np.empty_like(cost)
    as64 = lambda a: np.ascontiguousarray(a, np.int64)  # noqa: E731
    _cost_matrix(tt, _transpose(tt, ttT), cand, start_node, start_time, start_load, capacity,
                 sched_len, sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                 as64(origin), as64(dest), as64(early), as64(late_pick), as64(late_drop),
                 as64(passengers), as64(dwell_pick), as64(dwell_drop), cost_kind, cost, oi, oj)
    return cost, oi, oj


def start_states(t: int, cand, pos_node, pos_time, target, tt, nxt,
                 cursor: Cursor | None = None, ttT=None):
    """``(node int64[V], time int64[V])``: where each vehicle in ``cand`` can be re-planned.

    A vehicle at ``pos_node`` since ``pos_time`` heading to ``target`` (-1: parked) is
    re-planned from the first node of its fastest path it reaches at or after ``t`` (and not
    before ``t``). Entries of vehicles not in ``cand`` hold ``pos_node``/``pos_time``.
    A :class:`Cursor` lets repeated calls with non-decreasing ``t`` resume each vehicle's
    walk; without it every call walks from ``pos_node``.
    """
    cand = np.asarray(cand, np.int64)
    out_node = np.asarray(pos_node, np.int64).copy()
    out_time = np.asarray(pos_time, np.int64).copy()
    if cursor is None:
        cursor = Cursor.new(np.zeros(out_node.shape[0], np.int64), 1)
    _start_states(np.int64(t), cand, pos_node, pos_time, target, cursor.version, cursor.node,
                  cursor.time, cursor.ver, _transpose(tt, ttT), nxt, out_node, out_time, False)
    return out_node, out_time


# --------------------------------------------------------------------------------------
# The engine as it called the positional kernels
# --------------------------------------------------------------------------------------

class PositionalEngine(engine_module.Engine):
    """The engine with its three kernel calls as they were before packing."""

    def _drive(self, v: int, target: int, until: int) -> None:
        f = self.f
        ti = int(f.type_idx[v])
        tb = self.tables[ti]
        start = int(f.pos_node[v])
        node, t, m_tot, m_occ, m_pax = drive(
            tb.tt, tb.nxt, self.indptr, self.head, self.length, start, int(f.pos_time[v]),
            target, until, int(f.load[v]), ti, self.edge_vkm, self.edge_vkm_occ, self.edge_pkm,
            self.edge_count, self.edge_vkm_type, ttT=tb.ttT)
        if node != start:
            if self.record_legs:
                self.legs.append((start, node, ti))
            km = m_tot / 1000.0
            f.km[v] += km
            f.km_occupied[v] += m_occ / 1000.0
            f.passenger_km[v] += m_pax / 1000.0
            e = km * self.consts["kwh_per_km"][ti]
            f.energy_kwh[v] += e
            f.soc_kwh[v] -= e
            f.fuel_l[v] += km * self.consts["l_per_km"][ti]
        f.pos_node[v] = node
        f.pos_time[v] = t


    def best_insertion(self, req: int) -> tuple[int, int, int, int]:
        f = self.f
        best = (int(INFEASIBLE), -1, -1, -1)
        for ti, tb in enumerate(self.tables):
            if (self.req.o[ti, req] < 0 or self.type_vehicles[ti].size == 0
                    or not self._taking_requests(ti)):
                continue
            res = best_insertion_at(self.now, self.type_vehicles[ti], f.pos_node, f.pos_time,
                                    f.target, tb.tt, tb.nxt, f.load, f.capacity, f.sched_len,
                                    f.sched_node, f.sched_early, f.sched_late, f.sched_delta,
                                    f.sched_dwell, cost_kind=self.cost_kind, cursor=self.cursor,
                                    ttT=tb.ttT, available=f.available,
                                    max_len=f.max_stops - 2, **self._req_args(ti, req))
            if res[0] < best[0]:
                best = res
        return best

    def cost_matrix(self, reqs: np.ndarray):
        f, rq = self.f, self.req
        reqs = np.asarray(reqs, np.int64)
        costs, vehicles, iis, jjs = [], [], [], []
        pax = rq.passengers[reqs]
        dw = dwell_s(self.service, pax)
        oo, od = rq.off_o[reqs], rq.off_d[reqs]  # external zones, see _req_args
        for ti, tb in enumerate(self.tables):
            cand = self._candidates(ti)
            if cand.size == 0:
                continue
            sn, st = start_states(self.now, cand, f.pos_node, f.pos_time, f.target, tb.tt,
                                  tb.nxt, self.cursor, ttT=tb.ttT)
            ok = rq.o[ti, reqs] >= 0
            c = np.full((reqs.size, cand.size), INFEASIBLE, np.int64)
            ii = np.full(c.shape, -1, np.int64)
            jj = np.full(c.shape, -1, np.int64)
            if ok.any():
                sub = reqs[ok]
                early, late_pick, late_drop, dwell_pick, dwell_drop = at_boundary(
                    rq.early[ti, sub], rq.late_pick[ti, sub], rq.late_drop[ti, sub], dw[ok],
                    oo[ok], od[ok])
                c2, i2, j2 = insertion_cost_matrix(
                    tb.tt, cand, sn, st, f.load, f.capacity, f.sched_len, f.sched_node,
                    f.sched_early, f.sched_late, f.sched_delta, f.sched_dwell, rq.o[ti, sub],
                    rq.d[ti, sub], early, late_pick, late_drop, pax[ok], dwell_pick,
                    dwell_drop, self.cost_kind, ttT=tb.ttT)
                c[ok], ii[ok], jj[ok] = c2, i2, j2
            costs.append(c)
            vehicles.append(cand)
            iis.append(ii)
            jjs.append(jj)
        if not vehicles:
            z = np.zeros((reqs.size, 0), np.int64)
            return z, np.zeros(0, np.int64), z, z
        return (np.hstack(costs), np.concatenate(vehicles), np.hstack(iis), np.hstack(jjs))


def _day(policy: str, positional: bool):
    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate
    from simbench import kaiserslautern, weekday_requests

    net, oracle = _NETWORK or kaiserslautern()
    _NETWORK[:] = [net, oracle]
    req = weekday_requests(net, int(round(20_000 * SCALE)))
    fleet = [VehicleTypeConfig("van", int(round(200 * SCALE)), 6)]
    original = engine_module.Engine
    engine_module.Engine = PositionalEngine if positional else original
    try:
        cpu = time.process_time()
        res = simulate(SimInputs(net, oracle, req, ServiceConfig(), fleet,
                                 DispatchConfig(policy=policy), seed=1))
        cpu = time.process_time() - cpu
    finally:
        engine_module.Engine = original
    return cpu, res


_NETWORK: list = []


@pytest.mark.parametrize("policy", ["insertion", "batch"])
def test_packed_kernels_cost_no_speed(policy):
    _day(policy, False)  # load the network, compile or load both kernel sets
    _day(policy, True)
    packed, positional = [], []
    for _ in range(ROUNDS):
        cpu, res_packed = _day(policy, False)
        packed.append(cpu)
        cpu, res_positional = _day(policy, True)
        positional.append(cpu)
        for name in ("trips", "vehicles", "edges", "events", "occupancy"):
            pd.testing.assert_frame_equal(getattr(res_packed, name),
                                          getattr(res_positional, name))
    served = int(res_packed.kpis["n_served"])
    assert served > 0.5 * len(res_packed.trips)
    ratio = min(packed) / min(positional)
    print(f"\n{policy}: {len(res_packed.trips)} requests, {served} served; CPU s packed "
          f"{min(packed):.2f} (of {[round(x, 2) for x in packed]}), positional "
          f"{min(positional):.2f} (of {[round(x, 2) for x in positional]}); "
          f"ratio packed/positional {ratio:.3f}")
    assert ratio < 1.05
