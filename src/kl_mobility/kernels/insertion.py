"""Insertion of one request (pickup + drop-off) into vehicle schedules, over flat arrays.

Arguments are packs of flat arrays (:mod:`kl_mobility.kernels._pack`, where the convention
and every field are documented): the travel-time oracle (:class:`Tables`), the vehicles
(:class:`Fleet`), their remaining schedules (:class:`Schedules`), the request
(:class:`Request`) and the search's rules (:class:`Rules`).

A vehicle's *start state* is the node it reaches next (``start_node``), the time it is there
and free to move on (``start_time``) and the persons on board then (``start_load``). Its
remaining schedule is row ``v`` of the stop arrays (``m = sched_len[v]`` stops, the fields
of :class:`Schedules`, bound inside the kernels to these local names):

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
insertion is selected by ``Rules.cost_kind``:

``COST_ADDED_TIME`` (0)  added vehicle time: new finish time - old finish time (default)
``COST_WAIT`` (1)        the new request's wait: pickup service start - its earliest time
``COST_ADDED_TIME_PLUS_WAIT`` (2)  the sum of both
``COST_RIDER_TIME`` (3)  weighted vehicle and rider time (``Rules.w_vehicle``, ``w_wait``,
                        ``w_ride``): ``floor(w_vehicle * A + (w_wait - w_ride) * W + w_ride * T)``
                        with ``A`` the added vehicle time, ``W`` the added waiting in
                        person-seconds (the new party's wait + every later planned pickup's
                        delay x its party) and ``T`` the added door-to-door time in
                        person-seconds (the new party's drop-off arrival - its earliest time,
                        x party, + every later planned drop-off's delay x its party). So
                        each rider's extra wait weighs ``w_wait``, extra riding ``w_ride``;
                        ``w_wait >= w_ride >= 0`` and ``w_vehicle >= 0`` keep it >= 0.

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

from typing import Any, NamedTuple

import numpy as np

from kl_mobility.kernels._options import njit, njit_inline
from kl_mobility.kernels._pack import Fleet, Request, Rules, Schedules, Tables, row
from kl_mobility.kernels.movement import next_hop

__all__ = [
    "COST_ADDED_TIME",
    "COST_ADDED_TIME_PLUS_WAIT",
    "COST_KINDS",
    "COST_RIDER_TIME",
    "COST_WAIT",
    "INFEASIBLE",
    "Cursor",
    "Fleet",
    "Request",
    "Rules",
    "Schedules",
    "Tables",
    "best_insertion",
    "best_insertion_at",
    "insertion_cost_matrix",
    "start_states",
]

COST_ADDED_TIME = 0
COST_WAIT = 1
COST_ADDED_TIME_PLUS_WAIT = 2
COST_RIDER_TIME = 3
COST_KINDS = {"added_time": COST_ADDED_TIME, "wait": COST_WAIT,
              "added_time_plus_wait": COST_ADDED_TIME_PLUS_WAIT,
              "rider_time": COST_RIDER_TIME}
INFEASIBLE = np.iinfo(np.int64).max
"""Cost returned when no insertion is feasible."""


class Start(NamedTuple):
    """A vehicle's start state inside a kernel (scalars): the node it reaches next, the
    time it is free there, persons on board then, and its seats."""

    node: Any
    time: Any
    load: Any
    capacity: Any


class Stops(NamedTuple):
    """One vehicle's remaining stops inside a kernel: its row of each :class:`Schedules`
    field (``length`` a scalar, the others 1-D views)."""

    length: Any
    node: Any
    early: Any
    late: Any
    delta: Any
    dwell: Any


@njit_inline
def _stops(sch, v):
    """Row ``v`` of the schedules as :class:`Stops`."""
    return Stops(sch.length[v], sch.node[v], sch.early[v], sch.late[v], sch.delta[v],
                 sch.dwell[v])


@njit_inline
def _legs(tt, s_node, m, sn, leg):
    """``leg[k]`` = travel time into old stop ``k`` (from the start for ``k = 0``)."""
    node = s_node
    for k in range(m):
        leg[k] = tt[node, sn[k]]
        node = sn[k]


@njit_inline
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


@njit_inline
def _rider_cost(rules, added, wait, door):
    """``COST_RIDER_TIME`` of added vehicle seconds, waiting and door-to-door person-seconds
    (module docstring); the same float expression in the search and its lower bounds."""
    return np.int64(np.floor(rules.w_vehicle * added + (rules.w_wait - rules.w_ride) * wait
                             + rules.w_ride * door))


@njit_inline
def _detour_bound(s_node, m, leg, sn, rows, t_od):
    """Least extra driving to fit both ``o`` and ``d`` into a schedule of ``m >= 1`` stops.

    Putting ``o`` between ``P`` and ``Q`` delays ``Q`` by ``tt[P, o] + tt[o, Q] - tt[P, Q]``
    (appending it: ``tt[P_m, o]``). The drop-off then adds, at least, either its own detour
    between two old stops (or ``tt[P_m, d]`` appended) or, right after the pickup, ``tt[o, d]
    + tt[d, Q] - tt[o, Q]`` (``tt[o, d]`` appended): all >= 0 by the triangle inequality,
    and the two add up. Reads only the route's nodes and legs and four table rows shared by
    all vehicles: ``rows`` = ``(to_o, from_o, to_d, from_d)``.
    """
    to_o, from_o, to_d, from_d = rows
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


_FAR = np.int64(1) << 62
"""Beyond every time of the day, either sign (latest-arrival sentinels, no overflow)."""


@njit_inline
def _old_times(t, m, leg, se, sl, sw, bold, lat):
    """The old schedule driven from time ``t``: service start at each stop into ``bold``,
    and into ``lat`` the latest arrival at each stop from which every later planned stop
    still makes its deadline (``-_FAR``: none does). Returns the finish time.

    ``lat[k]`` = ``min(late[k], lat[k + 1] - dwell[k] - leg[k + 1])``, or ``-_FAR`` when
    the stop's earliest start is already past that (``lat[m - 1]`` = ``late[m - 1]``):
    arriving at ``x`` starts service at ``max(x, early)`` and every later time grows with
    ``x``, so a new arrival at stop ``k`` keeps stops ``k..m-1`` feasible exactly when it
    is ``<= lat[k]``.
    """
    for k in range(m):
        t += leg[k]
        if t < se[k]:
            t = se[k]
        bold[k] = t
        t += sw[k]
    x = _FAR
    for k in range(m - 1, -1, -1):
        if k < m - 1:
            x = x - sw[k] - leg[k + 1]
        if se[k] > x:
            x = -_FAR
        elif sl[k] < x:
            x = np.int64(sl[k])
        lat[k] = x
    return t


@njit_inline
def _insert_vehicle(tt, ttT, start, stops, req, rules, leg, buf):
    """Best insertion of ``req`` into a vehicle with remaining ``stops`` (:func:`_stops`)
    from ``start`` under ``rules`` (its cost kind and weights): (cost, i, j), cost
    INFEASIBLE when none. Takes the tables and one
    vehicle's rows, not whole packs: called per vehicle (per request and vehicle in the
    cost matrix), where passing the packs of 2-D arrays by value costs time. ``buf`` is
    scratch, ``int64[2, >= m]``.

    Memory-friendly: every travel time used is a leg of the old route (``leg``, filled by
    the caller with :func:`_legs`), a row of ``tt`` from ``o`` or ``d``, or a row of ``ttT``
    (the transpose) to ``o`` or ``d``; so the search touches O(m) scattered table entries,
    not O(m^3).

    Work saved without changing the answer (see :func:`_old_times`): a drop-off position
    whose arrival at the next old stop is past that stop's latest feasible arrival is
    infeasible without driving the rest; once the new party's arrival at an old stop is
    past it, no later drop-off position is feasible either (the drop-off detour only delays
    what follows, by the triangle inequality); and driving the rest after the drop-off
    stops at the first old stop whose service start is the old one (from there on the new
    schedule is the old one: its finish time, no further delays).
    """
    s_node, s_time, s_load, cap = start.node, start.time, start.load, start.capacity
    m, sn, se, sl, sd, sw = (stops.length, stops.node, stops.early, stops.late, stops.delta,
                             stops.dwell)
    o, d, early, late_pick, late_drop = (req.origin, req.dest, req.early, req.late_pick,
                                         req.late_drop)
    pax, dwell_pick, dwell_drop = req.passengers, req.dwell_pick, req.dwell_drop
    cost_kind = rules.cost_kind
    best = INFEASIBLE
    bi = -1
    bj = -1
    bold = buf[0]
    lat = buf[1]
    old_end = _old_times(np.int64(s_time), m, leg, se, sl, sw, bold, lat)
    rider = cost_kind == 3
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
            w2 = np.int64(0)  # rider_time: delays x party of old pickups / drop-offs i..j-1
            d2 = np.int64(0)
            for j in range(i, m + 1):
                if j == i:
                    td = t2 + t_od
                else:
                    td = t2 + to_d[sn[j - 1]]
                if td > late_drop:
                    break
                t3 = td + dwell_drop
                w3 = w2
                d3 = d2
                feasible = True
                if j < m:
                    t3 += from_d[sn[j]]
                    if t3 > lat[j]:
                        feasible = False
                    else:
                        for k in range(j, m):
                            if k > j:
                                t3 += leg[k]
                            if t3 < se[k]:
                                t3 = se[k]
                            if t3 == bold[k]:  # back on the old schedule
                                t3 = old_end
                                break
                            if rider:
                                if sd[k] > 0:
                                    w3 += sd[k] * (t3 - bold[k])
                                else:
                                    d3 -= sd[k] * (t3 - bold[k])
                            t3 += sw[k]
                if feasible:
                    if cost_kind == 0:
                        c = t3 - old_end
                    elif cost_kind == 1:
                        c = t_pick - early
                    elif cost_kind == 2:
                        c = t3 - old_end + t_pick - early
                    else:
                        c = _rider_cost(rules, t3 - old_end, pax * (t_pick - early) + w3,
                                        pax * (td - early) + d3)
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
                if t2 > lat[j]:
                    break
                if t2 < se[j]:
                    t2 = se[j]
                if rider:
                    if sd[j] > 0:
                        w2 += sd[j] * (t2 - bold[j])
                    else:
                        d2 -= sd[j] * (t2 - bold[j])
                l2 += sd[j]
                if l2 > cap:
                    break
                t2 += sw[j]
        if i == m:
            break
        t += leg[i]
        if t > lat[i]:
            break
        if t < se[i]:
            t = se[i]
        load += sd[i]
        t += sw[i]
        node = sn[i]
    return best, bi, bj


@njit
def _best_insertion(tab, cand, fleet, sch, req, rules):
    tab, fleet, sch, req, rules = (Tables(*tab), Fleet(*fleet), Schedules(*sch),
                                   Request(*req), Rules(*rules))
    ttT = tab.ttT
    start_node, start_time, start_load, capacity = (fleet.node, fleet.time, fleet.load,
                                                    fleet.capacity)
    sched_len, sched_node = sch.length, sch.node
    o, late_pick, pax = req.origin, req.late_pick, req.passengers
    prune = rules.prune
    best = INFEASIBLE
    bv = -1
    bi = -1
    bj = -1
    leg = np.empty(sched_node.shape[1], np.int64)
    buf = np.empty((2, sched_node.shape[1]), np.int64)
    for k in range(cand.shape[0]):
        v = cand[k]
        if pax > capacity[v]:
            continue
        if prune and np.int64(start_time[v]) + ttT[o, start_node[v]] > late_pick:
            continue
        _legs(tab.tt, start_node[v], sched_len[v], sched_node[v], leg)
        start = Start(start_node[v], start_time[v], start_load[v], capacity[v])
        c, i, j = _insert_vehicle(tab.tt, ttT, start, _stops(sch, v), req, rules, leg, buf)
        if c < best:
            best = c
            bv = v
            bi = i
            bj = j
    return best, bv, bi, bj


@njit
def _cost_matrix(tab, cand, fleet, sch, reqs, rules, out):
    """Best insertion of each request of the batch ``reqs`` into each vehicle ``cand[k]``,
    into ``out`` = ``(cost, i, j)`` arrays ``[R, K]``."""
    tab, fleet, sch, reqs = Tables(*tab), Fleet(*fleet), Schedules(*sch), Request(*reqs)
    rules = Rules(*rules)
    ttT = tab.ttT
    start_node, start_time, start_load, capacity = (fleet.node, fleet.time, fleet.load,
                                                    fleet.capacity)
    sched_len, sched_node = sch.length, sch.node
    o, late_pick, pax = reqs.origin, reqs.late_pick, reqs.passengers
    out_cost, out_i, out_j = out
    leg = np.empty(sched_node.shape[1], np.int64)
    buf = np.empty((2, sched_node.shape[1]), np.int64)
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
            _legs(tab.tt, start_node[v], sched_len[v], sched_node[v], leg)
            start = Start(start_node[v], start_time[v], start_load[v], capacity[v])
            c, i, j = _insert_vehicle(tab.tt, ttT, start, _stops(sch, v), row(reqs, r),
                                      rules, leg, buf)
            out_cost[r, k] = c
            out_i[r, k] = i
            out_j[r, k] = j


@njit
def _start_states(t, tab, cand, fleet, cursor, out_node, out_time, by_position):
    """Next node each vehicle in ``cand`` reaches at or after ``t`` heading to its target.

    ``fleet.node``/``fleet.time``/``fleet.target``: position and target. The cursor's
    ``node``/``time``/``ver`` (``cur_*``) cache each vehicle's walk along its current leg (valid while ``cur_ver`` equals
    the vehicle's plan ``version``): times only grow, so the walk resumes where it stopped
    and every leg is walked once in total, not once per request. Results go to
    ``out_*[k]`` (``by_position``) or ``out_*[cand[k]]``. Hop times come from the transposed
    table: ``tt[u, tgt] - tt[w, tgt]`` = ``ttT[tgt, u] - ttT[tgt, w]``, next hops from the
    transposed ``nxtT`` when the tables have it (:func:`kl_mobility.kernels.movement.next_hop`).
    """
    tab, fleet, cursor = Tables(*tab), Fleet(*fleet), Cursor(*cursor)
    pos_node, pos_time, target = fleet.node, fleet.time, fleet.target
    version, cur_node, cur_time, cur_ver = cursor.version, cursor.node, cursor.time, cursor.ver
    ttT, nxt, nxt_t = tab.ttT, tab.nxt, tab.nxtT
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
                nx = next_hop(nxt, nxt_t, cur, tgt)
                ct += ttT[tgt, cur] - ttT[tgt, nx]
                cur = nx
        cur_node[v] = cur
        cur_time[v] = ct
        cur_ver[v] = version[v]
        w = k if by_position else v
        out_node[w] = cur
        out_time[w] = ct if ct > t else t


@njit
def _best_insertion_at(t, tab, cand, fleet, cursor, sch, req, rules):
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
    tab, fleet, cursor, sch, req, rules = (Tables(*tab), Fleet(*fleet), Cursor(*cursor),
                                           Schedules(*sch), Request(*req), Rules(*rules))
    available, start_load, capacity = fleet.available, fleet.load, fleet.capacity
    version, end_time, end_ver, legs, leg_ver, end_wait, arr0 = (
        cursor.version, cursor.end_time, cursor.end_ver, cursor.legs, cursor.leg_ver,
        cursor.end_wait, cursor.arr0)
    tt, ttT = tab.tt, tab.ttT
    sched_len, sched_node, sched_early, sched_dwell = sch.length, sch.node, sch.early, sch.dwell
    o, d, early, late_pick = req.origin, req.dest, req.early, req.late_pick
    pax, dwell_pick, dwell_drop = req.passengers, req.dwell_pick, req.dwell_drop
    cost_kind, max_len = rules.cost_kind, rules.max_len
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
    _start_states(t, tab, cand, fleet, cursor, st_node, st_time, True)
    lbs = np.empty(nc, np.int64)
    keep = np.empty(nc, np.int64)
    to_o = ttT[o]
    t_od = np.int64(tt[o, d])
    nk = 0
    from_o = tt[o]
    to_d = ttT[d]
    from_d = tt[d]
    rows = (to_o, from_o, to_d, from_d)
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
            elif cost_kind == 3:
                lb = _rider_cost(rules, lb, pax * wait, pax * (wait + dwell_pick + t_od))
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
                det = _detour_bound(st_node[k], m, legs[v], sched_node[v], rows, t_od)
                lb2 = det + dwell_pick + dwell_drop - end_wait[v]
                if lb2 > lb:
                    lb = lb2
                if lb < 0:
                    lb = 0
                if cost_kind == 2:
                    lb += wait
                elif cost_kind == 3:
                    lb = _rider_cost(rules, lb, pax * wait, pax * (wait + dwell_pick + t_od))
        lbs[nk] = lb
        keep[nk] = k
        nk += 1
    sched_late, sched_delta, late_drop = sch.late, sch.delta, req.late_drop
    rider = cost_kind == 3
    buf = np.empty((2, sched_node.shape[1]), np.int64)

    def evaluate(k):
        """:func:`_insert_vehicle` for candidate ``k`` (the same search and answer), as a
        closure over this call's arrays: called per vehicle, where passing the tables, rows
        and scratch to even an inlined call costs an atomic reference count per array.
        ``buf`` holds the old service starts (row 0) and latest arrivals (row 1)."""
        v = cand[k]
        m = sched_len[v]
        s_time = np.int64(st_time[k])
        t = s_time  # _old_times
        for q in range(m):
            t += legs[v, q]
            if t < sched_early[v, q]:
                t = np.int64(sched_early[v, q])
            buf[0, q] = t
            t += sched_dwell[v, q]
        old_end = t
        x = _FAR
        for q in range(m - 1, -1, -1):
            if q < m - 1:
                x = x - sched_dwell[v, q] - legs[v, q + 1]
            if sched_early[v, q] > x:
                x = -_FAR
            elif sched_late[v, q] < x:
                x = np.int64(sched_late[v, q])
            buf[1, q] = x
        cap = capacity[v]
        best_c = INFEASIBLE
        b_i = -1
        b_j = -1
        t = s_time
        node = st_node[k]
        load = start_load[v]
        for i in range(m + 1):
            ta = t + to_o[node]
            if ta > late_pick:
                break
            if load + pax <= cap:
                tp = ta if ta > early else early
                t_pick = tp
                t2 = tp + dwell_pick
                l2 = load + pax
                w2 = np.int64(0)
                d2 = np.int64(0)
                for j in range(i, m + 1):
                    if j == i:
                        td = t2 + t_od
                    else:
                        td = t2 + to_d[sched_node[v, j - 1]]
                    if td > late_drop:
                        break
                    t3 = td + dwell_drop
                    w3 = w2
                    d3 = d2
                    feasible = True
                    if j < m:
                        t3 += from_d[sched_node[v, j]]
                        if t3 > buf[1, j]:
                            feasible = False
                        else:
                            for q in range(j, m):
                                if q > j:
                                    t3 += legs[v, q]
                                if t3 < sched_early[v, q]:
                                    t3 = np.int64(sched_early[v, q])
                                if t3 == buf[0, q]:  # back on the old schedule
                                    t3 = old_end
                                    break
                                if rider:
                                    if sched_delta[v, q] > 0:
                                        w3 += sched_delta[v, q] * (t3 - buf[0, q])
                                    else:
                                        d3 -= sched_delta[v, q] * (t3 - buf[0, q])
                                t3 += sched_dwell[v, q]
                    if feasible:
                        if cost_kind == 0:
                            c = t3 - old_end
                        elif cost_kind == 1:
                            c = t_pick - early
                        elif cost_kind == 2:
                            c = t3 - old_end + t_pick - early
                        else:
                            c = _rider_cost(rules, t3 - old_end, pax * (t_pick - early) + w3,
                                            pax * (td - early) + d3)
                        if c < best_c:
                            best_c = c
                            b_i = i
                            b_j = j
                    if j == m:
                        break
                    if j == i:
                        t2 += from_o[sched_node[v, j]]
                    else:
                        t2 += legs[v, j]
                    if t2 > buf[1, j]:
                        break
                    if t2 < sched_early[v, j]:
                        t2 = np.int64(sched_early[v, j])
                    if rider:
                        if sched_delta[v, j] > 0:
                            w2 += sched_delta[v, j] * (t2 - buf[0, j])
                        else:
                            d2 -= sched_delta[v, j] * (t2 - buf[0, j])
                    l2 += sched_delta[v, j]
                    if l2 > cap:
                        break
                    t2 += sched_dwell[v, j]
            if i == m:
                break
            t += legs[v, i]
            if t > buf[1, i]:
                break
            if t < sched_early[v, i]:
                t = np.int64(sched_early[v, i])
            load += sched_delta[v, i]
            t += sched_dwell[v, i]
            node = sched_node[v, i]
        return best_c, b_i, b_j

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
            c, i, j = evaluate(k)
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


def _plain(*args: Any) -> tuple[Any, ...]:
    """The arguments with every pack as a plain tuple, as entry kernels take them (see
    rule 7 of :mod:`kl_mobility.kernels._pack`)."""
    return tuple(tuple(a) if isinstance(a, tuple) else a for a in args)


def _tables(tables: Tables) -> Tables:
    return tables if tables.ttT is not None else tables._replace(ttT=tables.tt.T)


#: The default :class:`Rules`: added vehicle time, pruning on, room for two more stops.
DEFAULT_RULES = Rules()

#: Integer fields of a :class:`Request`: wrappers pass them to kernels as int64.
_REQUEST_INTS = ("origin", "dest", "early", "late_pick", "late_drop", "passengers",
                 "dwell_pick", "dwell_drop")


def best_insertion(tables: Tables, cand, fleet: Fleet, sched: Schedules, req: Request, *,
                   rules: Rules = DEFAULT_RULES, check: bool = True) -> tuple[int, int, int, int]:
    """Cheapest feasible insertion of the request ``req`` into the vehicles ``cand``.

    ``fleet.node``/``fleet.time`` are the vehicles' start states (see :class:`Fleet`).
    Returns ``(cost, vehicle, i, j)``; ``(INFEASIBLE, -1, -1, -1)`` when none is feasible.
    Uses ``rules.cost_kind`` and ``rules.prune``. ``check=False`` skips the shape checks
    (the engine packs the arrays itself).
    """
    tt = tables.tt
    if check:
        n = tt.shape[0]
        if tt.ndim != 2 or tt.shape[1] != n:
            raise ValueError(f"tt must be square, got {tt.shape}")
        nv = fleet.capacity.shape[0]
        for name, a in (("start_node", fleet.node), ("start_time", fleet.time),
                        ("start_load", fleet.load), ("sched_len", sched.length)):
            if a.shape != (nv,):
                raise ValueError(f"{name} must have shape ({nv},), got {a.shape}")
        width = _check_sched(nv, {"sched_node": sched.node, "sched_early": sched.early,
                                  "sched_late": sched.late, "sched_delta": sched.delta,
                                  "sched_dwell": sched.dwell})
        if np.any(sched.length > width) or np.any(sched.length < 0):
            raise ValueError("sched_len must be within 0..max_stops")
        if not (0 <= req.origin < n and 0 <= req.dest < n):
            raise ValueError("origin and dest must be node ids of tt")
        if rules.cost_kind not in COST_KINDS.values():
            raise ValueError(f"cost_kind must be one of {sorted(COST_KINDS.values())}")
        if not (rules.w_wait >= rules.w_ride >= 0 and rules.w_vehicle >= 0):
            raise ValueError("rider_time weights need w_wait >= w_ride >= 0 and "
                             f"w_vehicle >= 0, got {rules.w_vehicle}, {rules.w_wait}, "
                             f"{rules.w_ride}")
    req = req._replace(**{k: np.int64(getattr(req, k)) for k in _REQUEST_INTS})
    c, v, i, j = _best_insertion(*_plain(_tables(tables), np.asarray(cand, np.int64), fleet,
                                         sched, req, _float_weights(rules)))
    return int(c), int(v), int(i), int(j)


def _float_weights(rules: Rules) -> Rules:
    """``rules`` with float weights (one compiled specialisation whatever the caller gave)."""
    return rules._replace(w_vehicle=float(rules.w_vehicle), w_wait=float(rules.w_wait),
                          w_ride=float(rules.w_ride))


def _fused_rules(rules: Rules | None, sched: Schedules) -> Rules:
    rules = _float_weights(Rules() if rules is None else rules)
    if rules.max_len is None:
        rules = rules._replace(max_len=sched.node.shape[1] - 2)
    return rules


def best_insertion_at(t: int, tables: Tables, cand, fleet: Fleet, sched: Schedules,
                      req: Request, *, rules: Rules | None = None,
                      cursor: Cursor | None = None) -> tuple[int, int, int, int]:
    """:func:`best_insertion` for vehicles re-planned at time ``t`` (see :func:`start_states`),
    searching vehicles best-first by a lower bound of their cost; same result.

    Only vehicles with ``fleet.available[v]`` (None: all) and at most ``rules.max_len``
    planned stops (None: room for two more) are considered. ``cursor``: see
    :class:`Cursor`. Inputs are not checked (engine use); ``req`` holds int scalars.
    """
    cand = np.asarray(cand, np.int64)
    if fleet.available is None:
        fleet = fleet._replace(available=np.ones(np.asarray(fleet.node).shape[0], np.bool_))
    if cursor is None:
        cursor = Cursor.new(np.zeros(np.asarray(fleet.node).shape[0], np.int64),
                            sched.node.shape[1])
    c, v, i, j = _best_insertion_at(*_plain(np.int64(t), _tables(tables), cand, fleet, cursor,
                                            sched, req, _fused_rules(rules, sched)))
    return int(c), int(v), int(i), int(j)


def insertion_cost_matrix(tables: Tables, cand, fleet: Fleet, sched: Schedules, reqs: Request,
                          *, rules: Rules = DEFAULT_RULES):
    """Best insertion of each request ``r`` of the batch ``reqs`` (a :class:`Request` of
    arrays ``[R]``) into each vehicle ``cand[k]`` on its own (start states as in
    :func:`best_insertion`).

    Returns ``(cost int64[R, K], i int64[R, K], j int64[R, K])`` with ``INFEASIBLE`` cost
    where request ``r`` cannot be inserted into vehicle ``cand[k]``.
    """
    cand = np.asarray(cand, np.int64)
    reqs = reqs._replace(**{k: np.ascontiguousarray(getattr(reqs, k), np.int64)
                            for k in _REQUEST_INTS})
    r = reqs.origin.shape[0]
    cost = np.empty((r, cand.shape[0]), np.int64)
    oi = np.empty_like(cost)
    oj = np.empty_like(cost)
    _cost_matrix(*_plain(_tables(tables), cand, fleet, sched, reqs, _float_weights(rules),
                         (cost, oi, oj)))
    return cost, oi, oj


def start_states(t: int, tables: Tables, cand, fleet: Fleet, cursor: Cursor | None = None):
    """``(node int64[V], time int64[V])``: where each vehicle in ``cand`` can be re-planned.

    A vehicle at ``fleet.node`` since ``fleet.time`` heading to ``fleet.target`` (-1:
    parked) is re-planned from the first node of its fastest path it reaches at or after
    ``t`` (and not before ``t``). Entries of vehicles not in ``cand`` hold the position.
    A :class:`Cursor` lets repeated calls with non-decreasing ``t`` resume each vehicle's
    walk; without it every call walks from the position. Reads ``tables.nxt``.
    """
    cand = np.asarray(cand, np.int64)
    out_node = np.asarray(fleet.node, np.int64).copy()
    out_time = np.asarray(fleet.time, np.int64).copy()
    if cursor is None:
        cursor = Cursor.new(np.zeros(out_node.shape[0], np.int64), 1)
    _start_states(*_plain(np.int64(t), _tables(tables), cand, fleet, cursor, out_node,
                          out_time, False))
    return out_node, out_time
