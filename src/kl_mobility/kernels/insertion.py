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
"""

from __future__ import annotations

import numpy as np

from kl_mobility.kernels._options import njit

__all__ = [
    "COST_ADDED_TIME",
    "COST_ADDED_TIME_PLUS_WAIT",
    "COST_KINDS",
    "COST_WAIT",
    "INFEASIBLE",
    "best_insertion",
    "insertion_cost_matrix",
    "schedule_finish",
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
def _finish(tt, node, t, sched_node, sched_early, sched_dwell, m):
    """Time the vehicle finishes its ``m`` stops (deadlines ignored)."""
    for k in range(m):
        t += tt[node, sched_node[k]]
        if t < sched_early[k]:
            t = sched_early[k]
        t += sched_dwell[k]
        node = sched_node[k]
    return t


@njit
def _insert_vehicle(tt, s_node, s_time, s_load, cap, m, sn, se, sl, sd, sw,
                    o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop, cost_kind):
    """Best insertion into one vehicle: (cost, i, j), cost INFEASIBLE when none."""
    best = INFEASIBLE
    bi = -1
    bj = -1
    old_end = _finish(tt, s_node, np.int64(s_time), sn, se, sw, m)
    t = np.int64(s_time)
    node = s_node
    load = s_load
    for i in range(m + 1):
        ta = t + tt[node, o]
        if ta > late_pick:
            break
        if load + pax <= cap:
            tp = ta if ta > early else early
            t_pick = tp
            t2 = tp + dwell_pick
            n2 = o
            l2 = load + pax
            for j in range(i, m + 1):
                td = t2 + tt[n2, d]
                if td > late_drop:
                    break
                t3 = td + dwell_drop
                n3 = d
                feasible = True
                for k in range(j, m):
                    t3 += tt[n3, sn[k]]
                    if t3 > sl[k]:
                        feasible = False
                        break
                    if t3 < se[k]:
                        t3 = se[k]
                    t3 += sw[k]
                    n3 = sn[k]
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
                t2 += tt[n2, sn[j]]
                if t2 > sl[j]:
                    break
                if t2 < se[j]:
                    t2 = se[j]
                l2 += sd[j]
                if l2 > cap:
                    break
                t2 += sw[j]
                n2 = sn[j]
        if i == m:
            break
        t += tt[node, sn[i]]
        if t > sl[i]:
            break
        if t < se[i]:
            t = se[i]
        load += sd[i]
        t += sw[i]
        node = sn[i]
    return best, bi, bj


@njit
def _best_insertion(tt, cand, start_node, start_time, start_load, capacity, sched_len,
                    sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                    o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop,
                    cost_kind, prune):
    best = INFEASIBLE
    bv = -1
    bi = -1
    bj = -1
    for k in range(cand.shape[0]):
        v = cand[k]
        if pax > capacity[v]:
            continue
        if prune and np.int64(start_time[v]) + tt[start_node[v], o] > late_pick:
            continue
        c, i, j = _insert_vehicle(tt, start_node[v], start_time[v], start_load[v], capacity[v],
                                  sched_len[v], sched_node[v], sched_early[v], sched_late[v],
                                  sched_delta[v], sched_dwell[v], o, d, early, late_pick,
                                  late_drop, pax, dwell_pick, dwell_drop, cost_kind)
        if c < best:
            best = c
            bv = v
            bi = i
            bj = j
    return best, bv, bi, bj


@njit
def _cost_matrix(tt, cand, start_node, start_time, start_load, capacity, sched_len,
                 sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                 o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop, cost_kind,
                 out_cost, out_i, out_j):
    for r in range(o.shape[0]):
        for k in range(cand.shape[0]):
            v = cand[k]
            out_cost[r, k] = INFEASIBLE
            out_i[r, k] = -1
            out_j[r, k] = -1
            if pax[r] > capacity[v]:
                continue
            if np.int64(start_time[v]) + tt[start_node[v], o[r]] > late_pick[r]:
                continue
            c, i, j = _insert_vehicle(tt, start_node[v], start_time[v], start_load[v],
                                      capacity[v], sched_len[v], sched_node[v], sched_early[v],
                                      sched_late[v], sched_delta[v], sched_dwell[v], o[r], d[r],
                                      early[r], late_pick[r], late_drop[r], pax[r],
                                      dwell_pick[r], dwell_drop[r], cost_kind)
            out_cost[r, k] = c
            out_i[r, k] = i
            out_j[r, k] = j


@njit
def _start_states(t, cand, pos_node, pos_time, target, version, cur_node, cur_time, cur_ver,
                  tt, nxt, out_node, out_time):
    """Next node each vehicle in ``cand`` reaches at or after ``t`` heading to ``target``.

    ``cur_*`` cache each vehicle's walk along its current leg (valid while ``cur_ver`` equals
    the vehicle's plan ``version``): times only grow, so the walk resumes where it stopped
    and every leg is walked once in total, not once per request.
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
                ct += tt[cur, tgt] - tt[nx, tgt]
                cur = nx
        cur_node[v] = cur
        cur_time[v] = ct
        cur_ver[v] = version[v]
        out_node[v] = cur
        out_time[v] = ct if ct > t else t


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


def best_insertion(tt, cand, start_node, start_time, start_load, capacity, sched_len,
                   sched_node, sched_early, sched_late, sched_delta, sched_dwell, *,
                   origin: int, dest: int, early: int, late_pick: int, late_drop: int,
                   passengers: int, dwell_pick: int, dwell_drop: int,
                   cost_kind: int = COST_ADDED_TIME, prune: bool = True,
                   check: bool = True) -> tuple[int, int, int, int]:
    """Cheapest feasible insertion of one request into the vehicles ``cand``.

    Returns ``(cost, vehicle, i, j)``; ``(INFEASIBLE, -1, -1, -1)`` when none is feasible.
    Vehicle arrays are indexed by vehicle id (``start_*`` too). ``check=False`` skips the
    shape checks (the engine packs the arrays itself).
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
    c, v, i, j = _best_insertion(tt, np.asarray(cand, np.int64), start_node, start_time,
                                 start_load, capacity, sched_len, sched_node, sched_early,
                                 sched_late, sched_delta, sched_dwell, origin, dest,
                                 np.int64(early), np.int64(late_pick), np.int64(late_drop),
                                 passengers, np.int64(dwell_pick), np.int64(dwell_drop),
                                 cost_kind, prune)
    return int(c), int(v), int(i), int(j)


def insertion_cost_matrix(tt, cand, start_node, start_time, start_load, capacity, sched_len,
                          sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                          origin, dest, early, late_pick, late_drop, passengers, dwell_pick,
                          dwell_drop, cost_kind: int = COST_ADDED_TIME):
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
    _cost_matrix(tt, cand, start_node, start_time, start_load, capacity, sched_len, sched_node,
                 sched_early, sched_late, sched_delta, sched_dwell, as64(origin), as64(dest),
                 as64(early), as64(late_pick), as64(late_drop), as64(passengers),
                 as64(dwell_pick), as64(dwell_drop), cost_kind, cost, oi, oj)
    return cost, oi, oj


def start_states(t: int, cand, pos_node, pos_time, target, tt, nxt, cursor=None):
    """``(node int64[V], time int64[V])``: where each vehicle in ``cand`` can be re-planned.

    A vehicle at ``pos_node`` since ``pos_time`` heading to ``target`` (-1: parked) is
    re-planned from the first node of its fastest path it reaches at or after ``t`` (and not
    before ``t``). Entries of vehicles not in ``cand`` hold ``pos_node``/``pos_time``.
    ``cursor = (version, cur_node, cur_time, cur_ver)`` (int64[V] each) lets repeated calls
    with non-decreasing ``t`` resume each vehicle's walk; without it every call walks from
    ``pos_node``.
    """
    cand = np.asarray(cand, np.int64)
    out_node = np.asarray(pos_node, np.int64).copy()
    out_time = np.asarray(pos_time, np.int64).copy()
    if cursor is None:
        nv = out_node.shape[0]
        cursor = (np.zeros(nv, np.int64), np.zeros(nv, np.int64), np.zeros(nv, np.int64),
                  np.full(nv, -1, np.int64))
    version, cur_node, cur_time, cur_ver = cursor
    _start_states(np.int64(t), cand, pos_node, pos_time, target, version, cur_node, cur_time,
                  cur_ver, tt, nxt, out_node, out_time)
    return out_node, out_time


def schedule_finish(tt, node: int, t: int, sched_node, sched_early, sched_dwell, m: int) -> int:
    """Time a vehicle at ``node`` at ``t`` finishes its first ``m`` stops."""
    return int(_finish(tt, node, np.int64(t), sched_node, sched_early, sched_dwell, m))
