"""The engine's event loop for immediate insertion dispatch, whole, over flat arrays.

:func:`run_chunk` runs the same processes as :class:`kl_mobility.sim.engine.Engine` on its
:class:`~kl_mobility.sim.clock.Clock` when the policy is the built-in immediate insertion
(no batch interval, no rebalancing, no event callback), in exactly the clock's order: a
binary heap of ``(time, event id, kind, vehicle, plan version)``; a process started (a
charging stop) or a call planned (a vehicle's arrival) during a step gets its event id after
the step, in the order started, after the step's own next wait (see
:mod:`kl_mobility.sim.clock`). The request source resumes at each release time (requests in
``(release, index)`` order), planned arrivals whose vehicle was re-planned since are skipped
(stale version), charging waits ``charge_time_s`` and a kept request is retried by a
ticker. Driving, insertion and schedule edits call the engine's own kernels
(:func:`~kl_mobility.kernels.movement._drive`,
:func:`~kl_mobility.kernels.insertion._best_insertion_at`,
:func:`~kl_mobility.kernels.schedule.insert_stops` / ``pop_stop``); the external-zone
out-and-back, energy, fuel and charge accounting are the engine's arithmetic, in its order.

The log rows are ``(time, kind code, vehicle, request id, node)``, the engine's event log.
State that lives across calls (the heap, the counters in ``state``, the log) is passed in
and out, so the caller can stop after a chunk (for progress reports) and resume.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numba
import numpy as np

from kl_mobility.kernels._options import NJIT_OPTIONS, njit
from kl_mobility.kernels.insertion import INFEASIBLE, _best_insertion_at
from kl_mobility.kernels.movement import _drive
from kl_mobility.kernels.schedule import insert_stops, pop_stop

__all__ = ["CODES", "REASONS", "STATE_FIELDS", "TABLE_SLOTS", "LoopFleet", "LoopRequests", "LoopRules",
           "Work", "World", "run_chunk"]

# heap kinds
K_SOURCE, K_TICKER, K_ARRIVAL, K_CHARGE_END = 0, 1, 2, 3
# starting items
S_SOURCE, S_TICKER, S_CHARGE, S_CALL = 0, 1, 2, 3

CODES = ("request", "assign", "reject", "cancel", "pickup", "dropoff", "arrive",
         "charge_start", "charge_end")
"""Event kinds the loop logs; ``LoopRules.codes[k]`` is the log code of ``CODES[k]``."""
C_REQUEST, C_ASSIGN, C_REJECT, C_CANCEL, C_PICKUP, C_DROPOFF, C_ARRIVE = 0, 1, 2, 3, 4, 5, 6
C_CHARGE_START, C_CHARGE_END = 7, 8

TABLE_SLOTS = 4
"""Vehicle types the loop runs (their tables travel in this many slots); a day with more
runs on the engine's clock."""

REASONS = ("", "no_vehicle", "deadline_passed")
"""Reasons the loop gives (``reason_code`` 1, 2; 0: the request's reason is unchanged)."""

STATE_FIELDS = ("now", "eid", "n_heap", "k_src", "source_done", "n_pending", "n_log",
                "n_legs", "skips", "started", "ticker_alive", "report_at", "n_start")
"""Scalars of ``state`` (int64), by index: the clock's time and event-id counter, heap
size, requests the source handled, whether it is done, kept requests waiting, log and leg
rows used, vehicles passed over for ``max_stops``, whether the processes started, whether
the retry ticker runs, the count of handled requests after which a call returns, and items
started during the current step."""
(I_NOW, I_EID, I_HEAP, I_KSRC, I_SRCDONE, I_PEND, I_LOG, I_LEGS, I_SKIPS, I_STARTED,
 I_TICKER, I_REPORT, I_NSTART) = range(13)

_FAR = np.iinfo(np.int64).max // 4
ST_SERVED, ST_REJECTED, ST_CANCELLED = 1, 2, 3


class LoopFleet(NamedTuple):
    """The engine's fleet arrays (:class:`kl_mobility.sim.state.FleetState`), by vehicle,
    plus ``onboard`` (int64[V, S], the requests on board in its first ``n_onboard[v]``
    entries) and ``full`` (bool[V], passed over for ``max_stops`` at least once)."""

    type_idx: Any
    capacity: Any
    pos_node: Any
    pos_time: Any
    target: Any
    idle_target: Any
    load: Any
    available: Any
    charging: Any
    version: Any
    sched_len: Any
    sched_node: Any
    sched_early: Any
    sched_late: Any
    sched_delta: Any
    sched_dwell: Any
    sched_req: Any
    km: Any
    km_occupied: Any
    passenger_km: Any
    km_external: Any
    energy_kwh: Any
    fuel_l: Any
    soc_kwh: Any
    n_charges: Any
    n_served: Any
    last_active_s: Any
    onboard: Any
    n_onboard: Any
    full: Any


class LoopRequests(NamedTuple):
    """The requests: inputs as the kernels see them per type (``[T, n]``: served nodes,
    windows at the served nodes, dwell with the out-and-back drive; see
    :func:`kl_mobility.service.at_boundary`), per request (``[n]``) and the outcome arrays
    the loop writes (:class:`kl_mobility.sim.state.RequestState`)."""

    order: Any
    """int64[n]: requests in ``(release_s, index)`` order."""
    release_s: Any
    request_id: Any
    origin: Any
    has_reason: Any
    """bool[n]: rejected before dispatch (a structural reason)."""
    o: Any
    d: Any
    early: Any
    late_pick: Any
    late_drop: Any
    dwell_pick: Any
    dwell_drop: Any
    passengers: Any
    off_o: Any
    off_d: Any
    off_o_m: Any
    off_d_m: Any
    deadline: Any
    """int64[n]: the latest pickup start any type could still make (kept requests)."""
    status: Any
    reason_code: Any
    vehicle: Any
    assigned_type: Any
    pickup_s: Any
    dropoff_s: Any
    shared: Any
    pending: Any
    """int64[n]: kept requests waiting (first ``state[n_pending]``), in the order kept."""
    pending_tmp: Any


class LoopRules(NamedTuple):
    """Constants of the run."""

    staffed: Any
    """int64[]: types with vehicles, in fleet order."""
    tv_ptr: Any
    tv_idx: Any
    """vehicles of type ``ti``: ``tv_idx[tv_ptr[ti]:tv_ptr[ti + 1]]``, ascending."""
    type_end: Any
    battery: Any
    kwh_per_km: Any
    l_per_km: Any
    depots: Any
    codes: Any
    """int64[len(CODES)]: the log code of each of :data:`CODES`."""
    max_stops: int
    charge_time_s: int
    charge_threshold: float
    retry_interval_s: int
    keep: bool
    record_legs: bool


def _inline(fn):
    """``njit`` with the project's options, inlined into its caller (numba IR): the loop's
    steps compile once, as one function, instead of once per calling step."""
    return numba.njit(inline="always", **NJIT_OPTIONS)(fn)



class World(NamedTuple):
    """Everything the loop reads and updates in place: the fleet, requests and rules packs
    above; ``tables``: the types' plain ``Tables`` tuples in :data:`TABLE_SLOTS` slots
    (one numba type whatever the number of types, the free slots repeating a type's); ``edges``, ``acc``: plain
    :class:`~kl_mobility.kernels.movement.Edges` / ``Accounts``; ``kfleet``, ``cursor``,
    ``sched``, ``irules``: the plain packs
    :func:`~kl_mobility.kernels.insertion._best_insertion_at` takes."""

    fleet: Any
    req: Any
    rules: Any
    tables: Any
    edges: Any
    acc: Any
    kfleet: Any
    cursor: Any
    sched: Any
    irules: Any


class Work(NamedTuple):
    """The loop's own arrays, carried from call to call (grown by the loop when needed):
    ``state`` int64[len(STATE_FIELDS)]; ``heap`` int64[:, 5] rows ``(time, event id, kind,
    vehicle, version)``; ``log`` int64[:, 5] rows ``(time, kind code, vehicle, request id,
    node)``; ``legs`` int64[:, 3] rows ``(from, to, type)``; ``start`` int64[:, 4] rows
    ``(item, time, vehicle, version)`` started during a step."""

    state: Any
    heap: Any
    log: Any
    legs: Any
    start: Any


@njit
def _grow(a, need):
    """``a`` (rows x columns) with at least ``need`` rows, doubling."""
    n = a.shape[0]
    while n < need:
        n = 2 * n + 16
    if n == a.shape[0]:
        return a
    out = np.zeros((n, a.shape[1]), a.dtype)
    out[: a.shape[0]] = a
    return out


@_inline
def _push(heap, st, t, kind, v, ver):
    """Schedule a wait ending at ``t`` with the next event id (``heapq`` order)."""
    st[I_EID] += 1
    eid = st[I_EID]
    k = st[I_HEAP]
    st[I_HEAP] = k + 1
    while k > 0:
        p = (k - 1) >> 1
        if heap[p, 0] < t or (heap[p, 0] == t and heap[p, 1] < eid):
            break
        heap[k] = heap[p]
        k = p
    heap[k, 0] = t
    heap[k, 1] = eid
    heap[k, 2] = kind
    heap[k, 3] = v
    heap[k, 4] = ver


@_inline
def _pop(heap, st):
    """Remove the first wait; returns ``(time, kind, vehicle, version)``."""
    t, kind, v, ver = heap[0, 0], heap[0, 2], heap[0, 3], heap[0, 4]
    n = st[I_HEAP] - 1
    st[I_HEAP] = n
    if n > 0:
        lt, le = heap[n, 0], heap[n, 1]
        k = 0
        while True:
            c = 2 * k + 1
            if c >= n:
                break
            if c + 1 < n and (heap[c + 1, 0] < heap[c, 0]
                              or (heap[c + 1, 0] == heap[c, 0] and heap[c + 1, 1] < heap[c, 1])):
                c += 1
            if lt < heap[c, 0] or (lt == heap[c, 0] and le < heap[c, 1]):
                break
            heap[k] = heap[c]
            k = c
        heap[k] = heap[n]
    return t, kind, v, ver


@_inline
def _log(wk, rules, t, code, v, rid, node):
    st, log = wk.state, wk.log
    k = st[I_LOG]
    log[k, 0] = t
    log[k, 1] = rules.codes[code]
    log[k, 2] = v
    log[k, 3] = rid
    log[k, 4] = node
    st[I_LOG] = k + 1


@_inline
def _start_item(wk, kind, t, v, ver):
    """Start an item after the current step (``Clock.process`` / ``Clock.call_at``)."""
    st, start = wk.state, wk.start
    k = st[I_NSTART]
    start[k, 0] = kind
    start[k, 1] = t
    start[k, 2] = v
    start[k, 3] = ver
    st[I_NSTART] = k + 1


@_inline
def _drive_to(w, wk, v, target, until):
    """:meth:`Engine._drive`: drive vehicle ``v`` and account its distance, energy, fuel."""
    fl, rules = w.fleet, w.rules
    ti = fl.type_idx[v]
    start = fl.pos_node[v]
    node, t, m_tot, m_occ, m_pax = _drive(
        w.tables[ti], w.edges, w.acc, (start, fl.pos_time[v], target, until, fl.load[v], ti))
    if node != start:
        if rules.record_legs:
            st, legs = wk.state, wk.legs
            k = st[I_LEGS]
            legs[k, 0] = start
            legs[k, 1] = node
            legs[k, 2] = ti
            st[I_LEGS] = k + 1
        km = m_tot / 1000.0
        fl.km[v] += km
        fl.km_occupied[v] += m_occ / 1000.0
        fl.passenger_km[v] += m_pax / 1000.0
        e = km * rules.kwh_per_km[ti]
        fl.energy_kwh[v] += e
        fl.soc_kwh[v] -= e
        fl.fuel_l[v] += km * rules.l_per_km[ti]
    fl.pos_node[v] = node
    fl.pos_time[v] = t


@_inline
def _drive_external(fl, rules, v, off_m, load_out, load_back):
    """:meth:`Engine._drive_external`: out to an external zone and back, off the roads."""
    ti = fl.type_idx[v]
    km_leg = off_m / 1000.0
    km = 2.0 * km_leg
    fl.km[v] += km
    fl.km_external[v] += km
    n_occ = (1 if load_out > 0 else 0) + (1 if load_back > 0 else 0)
    fl.km_occupied[v] += km_leg * n_occ
    fl.passenger_km[v] += km_leg * (load_out + load_back)
    e = km * rules.kwh_per_km[ti]
    fl.energy_kwh[v] += e
    fl.soc_kwh[v] -= e
    fl.fuel_l[v] += km * rules.l_per_km[ti]


@_inline
def _plan(w, wk, v):
    """:meth:`Engine._plan`: target from the schedule; the arrival is called at its time."""
    fl = w.fleet
    fl.version[v] += 1
    tgt = fl.sched_node[v, 0] if fl.sched_len[v] > 0 else fl.idle_target[v]
    fl.target[v] = tgt
    if tgt >= 0:
        tt = w.tables[fl.type_idx[v]][0]
        t_arr = fl.pos_time[v] + np.int64(tt[fl.pos_node[v], tgt])
        _start_item(wk, S_CALL, t_arr, v, fl.version[v])


@_inline
def _offer(w, wk, r, now):
    """:meth:`Engine.best_insertion`: the cheapest insertion over the staffed types."""
    fl, rq, rules, st = w.fleet, w.req, w.rules, wk.state
    best, bv, bi, bj = INFEASIBLE, -1, -1, -1
    max_len = rules.max_stops - 2
    for s in range(rules.staffed.shape[0]):
        ti = rules.staffed[s]
        if rq.o[ti, r] < 0 or now >= rules.type_end[ti]:
            continue
        tv = rules.tv_idx[rules.tv_ptr[ti]:rules.tv_ptr[ti + 1]]
        for v in tv:  # Engine._count_full
            if fl.available[v] and fl.sched_len[v] > max_len:
                st[I_SKIPS] += 1
                fl.full[v] = True
        kreq = (rq.o[ti, r], rq.d[ti, r], rq.early[ti, r], rq.late_pick[ti, r],
                rq.late_drop[ti, r], rq.passengers[r], rq.dwell_pick[ti, r],
                rq.dwell_drop[ti, r])
        c, v, i, j = _best_insertion_at(now, w.tables[ti], tv, w.kfleet, w.cursor, w.sched,
                                        kreq, w.irules)
        if c < best:
            best, bv, bi, bj = c, v, i, j
    return best, bv, bi, bj


@_inline
def _commit(w, wk, r, v, i, j, now):
    """:meth:`Engine.commit`."""
    fl, rq = w.fleet, w.req
    ti = fl.type_idx[v]
    if fl.target[v] >= 0 and fl.pos_time[v] < now:
        _drive_to(w, wk, v, fl.target[v], now)
    if fl.pos_time[v] < now:
        fl.pos_time[v] = now
    fl.idle_target[v] = -1
    m = fl.sched_len[v]
    rows = (fl.sched_node, fl.sched_early, fl.sched_late, fl.sched_delta, fl.sched_dwell,
            fl.sched_req)
    pax = rq.passengers[r]
    insert_stops(rows, v, m, i, j,
                 (rq.o[ti, r], rq.early[ti, r], rq.late_pick[ti, r], pax, rq.dwell_pick[ti, r],
                  np.int64(r)),
                 (rq.d[ti, r], np.int64(0), rq.late_drop[ti, r], -pax, rq.dwell_drop[ti, r],
                  np.int64(r)))
    fl.sched_len[v] = m + 2
    rq.vehicle[r] = v
    rq.assigned_type[r] = ti
    _log(wk, w.rules, now, C_ASSIGN, v, rq.request_id[r], fl.pos_node[v])
    _plan(w, wk, v)


@_inline
def _dispatch_one(w, wk, r, now):
    """Offer request ``r`` (:meth:`Engine.best_insertion`), then commit it or
    :meth:`Engine._unassigned`: keep it waiting, or reject it as ``no_vehicle``."""
    c, v, i, j = _offer(w, wk, r, now)
    if v >= 0:
        _commit(w, wk, r, v, i, j, now)
        return
    rq, rules, st = w.req, w.rules, wk.state
    if rules.keep:
        rq.pending[st[I_PEND]] = r
        st[I_PEND] += 1
    else:
        rq.status[r] = ST_REJECTED
        rq.reason_code[r] = 1
        _log(wk, rules, now, C_REJECT, -1, rq.request_id[r], -1)


@_inline
def _source_step(w, wk):
    """One step of :meth:`Engine._request_source`: every request released now, then the
    wait for the next release (or the end of the source)."""
    rq, rules, st = w.req, w.rules, wk.state
    now = st[I_NOW]
    n = rq.order.shape[0]
    k = st[I_KSRC]
    while k < n:
        r = rq.order[k]
        if rq.release_s[r] > now:
            break
        _log(wk, rules, now, C_REQUEST, -1, rq.request_id[r], rq.origin[r])  # _on_request
        if rq.has_reason[r]:
            rq.status[r] = ST_REJECTED
            _log(wk, rules, now, C_REJECT, -1, rq.request_id[r], -1)
        else:
            _dispatch_one(w, wk, r, now)
        k += 1
        st[I_KSRC] = k
    if k < n:
        _push(wk.heap, st, rq.release_s[rq.order[k]], K_SOURCE, -1, -1)
    else:
        st[I_SRCDONE] = 1


@_inline
def _ticker_step(w, wk):
    """One step of :meth:`Engine._ticker` (immediate insertion, kept requests): cancel
    those past their deadline, offer the others again in the order kept."""
    rq, rules, st = w.req, w.rules, wk.state
    now = st[I_NOW]
    n_still = 0
    for q in range(st[I_PEND]):
        r = rq.pending[q]
        if now > rq.deadline[r]:
            rq.status[r] = ST_CANCELLED
            rq.reason_code[r] = 2
            _log(wk, rules, now, C_CANCEL, -1, rq.request_id[r], -1)
        else:
            rq.pending_tmp[n_still] = r
            n_still += 1
    st[I_PEND] = 0
    for q in range(n_still):
        _dispatch_one(w, wk, rq.pending_tmp[q], now)
    if st[I_SRCDONE] and st[I_PEND] == 0:
        st[I_TICKER] = 0
    else:
        _push(wk.heap, st, now + rules.retry_interval_s, K_TICKER, -1, -1)


@_inline
def _serve_stop(w, wk, v):
    """:meth:`Engine._serve_stop`: the first planned stop of ``v``."""
    fl, rq, rules = w.fleet, w.req, w.rules
    a = wk.state[I_NOW]
    node = fl.sched_node[v, 0]
    r = fl.sched_req[v, 0]
    delta = fl.sched_delta[v, 0]
    early = np.int64(fl.sched_early[v, 0])
    b = a if a > early else early
    off_m = rq.off_o_m[r] if delta > 0 else rq.off_d_m[r]
    load = fl.load[v]
    if off_m > 0:
        _drive_external(fl, rules, v, off_m, load, load + delta)
    if delta > 0:
        t_pick = b + rq.off_o[r]
        rq.pickup_s[r] = t_pick
        _log(wk, rules, t_pick, C_PICKUP, v, rq.request_id[r], node)
        nb = fl.n_onboard[v]
        if nb > 0:
            rq.shared[r] = True
            for q in range(nb):
                rq.shared[fl.onboard[v, q]] = True
        fl.onboard[v, nb] = r
        fl.n_onboard[v] = nb + 1
    else:
        t_drop = a + rq.off_d[r]
        rq.dropoff_s[r] = t_drop
        rq.status[r] = ST_SERVED
        fl.n_served[v] += 1
        nb = fl.n_onboard[v]
        for q in range(nb):
            if fl.onboard[v, q] == r:
                fl.onboard[v, q] = fl.onboard[v, nb - 1]
                fl.n_onboard[v] = nb - 1
                break
        _log(wk, rules, t_drop, C_DROPOFF, v, rq.request_id[r], node)
    fl.load[v] += delta
    fl.pos_time[v] = b + fl.sched_dwell[v, 0]
    fl.last_active_s[v] = fl.pos_time[v]
    m = fl.sched_len[v]
    pop_stop((fl.sched_node, fl.sched_early, fl.sched_late, fl.sched_delta, fl.sched_dwell,
              fl.sched_req), v, m)
    fl.sched_len[v] = m - 1


@_inline
def _after_stop(w, wk, v):
    """:meth:`Engine._after_stop`: to a depot when the battery runs low, else plan on."""
    fl, rules = w.fleet, w.rules
    ti = fl.type_idx[v]
    battery = rules.battery[ti]
    if (fl.sched_len[v] == 0 and battery > 0 and not fl.charging[v]
            and fl.soc_kwh[v] < rules.charge_threshold * battery):
        fl.charging[v] = True
        fl.available[v] = False
        tt = w.tables[ti][0]
        u = fl.pos_node[v]
        dep = rules.depots[0]
        best = tt[u, dep]
        for k in range(1, rules.depots.shape[0]):  # the first nearest (np.argmin)
            if tt[u, rules.depots[k]] < best:
                best = tt[u, rules.depots[k]]
                dep = rules.depots[k]
        if dep == u:
            fl.target[v] = -1
            fl.version[v] += 1
            _start_item(wk, S_CHARGE, 0, v, -1)
            return
        fl.idle_target[v] = dep
    _plan(w, wk, v)


@_inline
def _arrive(w, wk, v):
    """:meth:`Engine._arrive`."""
    fl = w.fleet
    _drive_to(w, wk, v, fl.target[v], _FAR)
    if fl.sched_len[v] > 0:
        _serve_stop(w, wk, v)
    else:
        now = wk.state[I_NOW]
        fl.idle_target[v] = -1
        fl.pos_time[v] = now
        _log(wk, w.rules, now, C_ARRIVE, v, -1, fl.pos_node[v])
        if fl.charging[v]:
            fl.target[v] = -1
            fl.version[v] += 1
            _start_item(wk, S_CHARGE, 0, v, -1)
            return
    _after_stop(w, wk, v)


@_inline
def _charge_end(w, wk, v):
    """The second step of :meth:`Engine._charge`: full again, available."""
    fl = w.fleet
    now = wk.state[I_NOW]
    fl.soc_kwh[v] = w.rules.battery[fl.type_idx[v]]
    fl.charging[v] = False
    fl.available[v] = True
    fl.pos_time[v] = now
    fl.version[v] += 1
    fl.last_active_s[v] = now
    _log(wk, w.rules, now, C_CHARGE_END, v, -1, fl.pos_node[v])


@_inline
def _start_items(w, wk):
    """``Clock._start``: the items started during the step, in order (a source step among
    them may start more, which follow)."""
    st, start, rules = wk.state, wk.start, w.rules
    k = 0
    while k < st[I_NSTART]:
        kind, t, v, ver = start[k, 0], start[k, 1], start[k, 2], start[k, 3]
        if kind == S_CALL:
            _push(wk.heap, st, t, K_ARRIVAL, v, ver)
        elif kind == S_CHARGE:  # first step of Engine._charge
            now = st[I_NOW]
            _log(wk, rules, now, C_CHARGE_START, v, -1, w.fleet.pos_node[v])
            w.fleet.n_charges[v] += 1
            _push(wk.heap, st, now + rules.charge_time_s, K_CHARGE_END, v, -1)
        elif kind == S_SOURCE:
            _source_step(w, wk)
        else:  # S_TICKER: its first step only waits
            _push(wk.heap, st, st[I_NOW] + rules.retry_interval_s, K_TICKER, -1, -1)
        k += 1
    st[I_NSTART] = 0


@_inline
def _room(w, wk):
    """``wk`` with room for everything one step can add: per request still to come or
    kept, a started item, a heap entry, a leg and up to three log rows; a few more for the
    step itself."""
    st = wk.state
    bound = (w.req.order.shape[0] - st[I_KSRC]) + st[I_PEND] + 8
    legs = _grow(wk.legs, st[I_LEGS] + 2 * bound) if w.rules.record_legs else wk.legs
    return Work(st, _grow(wk.heap, st[I_HEAP] + 2 * bound), _grow(wk.log, st[I_LOG] + 3 * bound),
                legs, _grow(wk.start, 2 * bound))


@_inline
def _run(w, wk):
    st = wk.state
    if st[I_STARTED] == 0:  # Engine.run: the source, then the retry ticker
        st[I_STARTED] = 1
        wk = _room(w, wk)
        _start_item(wk, S_SOURCE, 0, -1, -1)
        if w.rules.keep:
            st[I_TICKER] = 1
            _start_item(wk, S_TICKER, 0, -1, -1)
    while True:
        wk = _room(w, wk)
        if st[I_NSTART] > 0:
            _start_items(w, wk)
        if st[I_HEAP] == 0:
            return 0, wk
        if st[I_KSRC] >= st[I_REPORT]:
            return 1, wk
        t, kind, v, ver = _pop(wk.heap, st)
        st[I_NOW] = t
        if kind == K_ARRIVAL:
            if w.fleet.version[v] == ver:
                _arrive(w, wk, v)
        elif kind == K_SOURCE:
            _source_step(w, wk)
        elif kind == K_CHARGE_END:
            _charge_end(w, wk, v)
        else:
            _ticker_step(w, wk)


@njit
def _run_chunk(world, work):
    world = World(*world)
    w = World(LoopFleet(*world.fleet), LoopRequests(*world.req), LoopRules(*world.rules),
              world.tables, world.edges, world.acc, world.kfleet, world.cursor, world.sched,
              world.irules)
    status, wk = _run(w, Work(*work))
    return status, (wk.state, wk.heap, wk.log, wk.legs, wk.start)


def run_chunk(world: World, work: Work) -> tuple[int, Work]:
    """Run the loop until no process waits (returns 0) or, at a step's end, until the
    source has handled ``state[report_at]`` requests (returns 1; call again with the
    returned :class:`Work` to resume). The packs travel as plain tuples (rule 7 of
    :mod:`kl_mobility.kernels._pack`)."""
    plain = tuple(tuple(p) if isinstance(p, tuple) else p for p in world)
    status, work_out = _run_chunk(plain, tuple(work))
    return int(status), Work(*work_out)
