"""Insertion of one request (pickup + drop-off) into vehicle schedules, over flat arrays.

A vehicle's *start state* is the node it reaches next (``start_node``), the time it is there
and free to move on (``start_time``) and the persons on board then (``start_load``). Its
remaining schedule is row ``v`` of the stop arrays (``m = sched_len[v]`` stops):

``sched_node``   network node of the stop
``sched_early``  earliest service start (a pre-booked pickup window; 0 for drop-offs)
``sched_late``   latest arrival (pickup deadline or drop-off deadline)
``sched_delta``  change of persons on board (+party at a pickup, -party at a drop-off)
``sched_dwell``  seconds the vehicle stands at the stop (boarding or alighting)

Driving a sequence of stops: arrive ``a = t + tt[node, stop]``; infeasible when
``a > late``; service starts at ``b = max(a, early)``; load changes by ``delta`` and must stay
``<= capacity``; the vehicle leaves at ``b + dwell``.

Inserting the request puts its pickup before old stop ``i`` and its drop-off before old stop
``j`` (``0 <= i <= j <= m``; ``j == i`` means right after the pickup). The cost of an
insertion is selected by ``cost_kind``:

``COST_ADDED_TIME`` (0)  added vehicle time: new finish time - old finish time (default)
``COST_WAIT`` (1)        the new request's wait: pickup service start - its earliest time
``COST_ADDED_TIME_PLUS_WAIT`` (2)  the sum of both

Pruning: the pickup cannot be reached before ``start_time + tt[start_node, origin]``
(shortest paths obey the triangle inequality, dwell and waiting are >= 0), so a vehicle with
that bound above the pickup deadline has no feasible insertion and is skipped; inside a
vehicle the arrival at the pickup (drop-off) only grows with ``i`` (``j``), so the loops stop
at the first position past the deadline. Both only drop infeasible insertions, never the
optimum. Ties go to the lowest vehicle index, then lowest ``i``, then lowest ``j``.

:func:`best_insertion` scans every candidate; :func:`best_insertion_at` (the engine's entry)
fuses start states, reachability and a best-first search by lower bounds (see
``_best_insertion_at``) and returns the same answer. Both read travel times *to* ``o`` and
``d`` from rows of a transposed table ``ttT`` and the legs of the old route once per vehicle,
so a search touches few scattered entries of the (n x n) tables.
:func:`insertion_cost_matrix` gives every request x vehicle best cost (batch dispatch).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kl_mobility.kernels._options import njit

__all__ = [
    "COST_ADDED_TIME",
    "COST_ADDED_TIME_PLUS_WAIT",
    "COST_KINDS",
    "COST_WAIT",
    "INFEASIBLE",
    "Cursor",
    "best_insertion",
    "best_insertion_at",
    "insertion_cost_matrix",
    "start_states",
]

COST_ADDED_TIME = 0
COST_WAIT = 1
COST_ADDED_TIME_PLUS_WAIT = 2
COST_KINDS = {"added_time": COST_ADDED_TIME, "wait": COST_WAIT,
              "added_time_plus_wait": COST_ADDED_TIME_PLUS_WAIT}
INFEASIBLE = np.iinfo(np.int64).max
"""Cost returned when no insertion is feasible."""


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
def _best_insertion(tt, ttT, cand, start_node, start_time, start_load, capacity, sched_len,
                    sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                    o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop,
                    cost_kind, prune):
    best = INFEASIBLE
    bv = -1
    bi = -1
    bj = -1
    leg = np.empty(sched_node.shape[1], np.int64)
    for k in range(cand.shape[0]):
        v = cand[k]
        if pax > capacity[v]:
            continue
        if prune and np.int64(start_time[v]) + ttT[o, start_node[v]] > late_pick:
            continue
        _legs(tt, start_node[v], sched_len[v], sched_node[v], leg)
        c, i, j = _insert_vehicle(tt, ttT, start_node[v], start_time[v], start_load[v],
                                  capacity[v], sched_len[v], sched_node[v], sched_early[v],
                                  sched_late[v], sched_delta[v], sched_dwell[v], o, d, early,
                                  late_pick, late_drop, pax, dwell_pick, dwell_drop, cost_kind,
                                  leg)
        if c < best:
            best = c
            bv = v
            bi = i
            bj = j
    return best, bv, bi, bj


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


def _check_sched(n_vehicles: int, arrays: dict[str, np.ndarray]) -> int:
    width = -1
    for name, a in arrays.items():
        if a.ndim != 2 or a.shape[0] != n_vehicles:
            raise ValueError(f"{name} must have shape (n_vehicles, max_stops), got {a.shape}")
        if width < 0:
            width = a.shape[1]
        elif a.shape[1] != width:
            raise ValueError(f"{name} must have {width} columns, got {a.shape[1]}")
    return width


class Cursor(NamedTuple):
    """Per-vehicle caches carried between calls at non-decreasing times (engine use).

    ``version`` is the fleet's plan-version array (bumped on every re-plan); the cached walk
    (``node``, ``time``), old finish time (``end_time``) and legs between planned stops
    (``legs``) of vehicle ``v`` are valid while ``ver[v]`` / ``end_ver[v]`` / ``leg_ver[v]``
    equal ``version[v]``.
    """

    version: np.ndarray
    node: np.ndarray
    time: np.ndarray
    ver: np.ndarray
    end_time: np.ndarray
    end_ver: np.ndarray
    legs: np.ndarray
    leg_ver: np.ndarray
    end_wait: np.ndarray
    arr0: np.ndarray

    @classmethod
    def new(cls, version: np.ndarray, max_stops: int) -> Cursor:
        n = version.shape[0]
        return cls(version, np.zeros(n, np.int64), np.zeros(n, np.int64),
                   np.full(n, -1, np.int64), np.zeros(n, np.int64), np.full(n, -1, np.int64),
                   np.zeros((n, max_stops), np.int32), np.full(n, -1, np.int64),
                   np.zeros(n, np.int64), np.zeros(n, np.int64))


def _transpose(tt, ttT):
    return tt.T if ttT is None else ttT


def best_insertion(tt, cand, start_node, start_time, start_load, capacity, sched_len,
                   sched_node, sched_early, sched_late, sched_delta, sched_dwell, *,
                   origin: int, dest: int, early: int, late_pick: int, late_drop: int,
                   passengers: int, dwell_pick: int, dwell_drop: int,
                   cost_kind: int = COST_ADDED_TIME, prune: bool = True,
                   check: bool = True, ttT=None) -> tuple[int, int, int, int]:
    """Cheapest feasible insertion of one request into the vehicles ``cand``.

    Returns ``(cost, vehicle, i, j)``; ``(INFEASIBLE, -1, -1, -1)`` when none is feasible.
    Vehicle arrays are indexed by vehicle id (``start_*`` too). ``check=False`` skips the
    shape checks (the engine packs the arrays itself). ``ttT``: a C-contiguous transpose of
    ``tt`` (faster on big tables; default a transposed view).
    """
    if check:
        n = tt.shape[0]
        if tt.ndim != 2 or tt.shape[1] != n:
            raise ValueError(f"tt must be square, got {tt.shape}")
        nv = capacity.shape[0]
        for name, a in (("start_node", start_node), ("start_time", start_time),
                        ("start_load", start_load), ("sched_len", sched_len)):
            if a.shape != (nv,):
                raise ValueError(f"{name} must have shape ({nv},), got {a.shape}")
        width = _check_sched(nv, {"sched_node": sched_node, "sched_early": sched_early,
                                  "sched_late": sched_late, "sched_delta": sched_delta,
                                  "sched_dwell": sched_dwell})
        if np.any(sched_len > width) or np.any(sched_len < 0):
            raise ValueError("sched_len must be within 0..max_stops")
        if not (0 <= origin < n and 0 <= dest < n):
            raise ValueError("origin and dest must be node ids of tt")
        if cost_kind not in COST_KINDS.values():
            raise ValueError(f"cost_kind must be one of {sorted(COST_KINDS.values())}")
    c, v, i, j = _best_insertion(tt, _transpose(tt, ttT), np.asarray(cand, np.int64),
                                 start_node, start_time, start_load, capacity, sched_len,
                                 sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                                 origin, dest, np.int64(early), np.int64(late_pick),
                                 np.int64(late_drop), passengers, np.int64(dwell_pick),
                                 np.int64(dwell_drop), cost_kind, prune)
    return int(c), int(v), int(i), int(j)


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
