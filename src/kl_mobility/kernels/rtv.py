"""Trip enumeration for request-trip-vehicle (RTV) batch dispatch, over flat arrays.

A *trip* is a set of requests one vehicle can serve together on top of its remaining
schedule. Trips are built per vehicle level by level (size 1, 2, ... ``max_size``):

- size 1: the request-vehicle edges of the shareability graph, i.e. every request whose
  best insertion into the vehicle on its own is feasible (the cost matrix of
  :func:`kl_mobility.kernels.insertion.insertion_cost_matrix`) and that the caller keeps
  for that vehicle (``keep``);
- size ``s > 1``: a set ``T`` is a candidate only when every subset of ``T`` with one
  request fewer is a feasible trip of the same vehicle (so every pair inside ``T`` is an
  edge of the request-request graph as served by that vehicle: the pruning of Alonso-Mora
  et al., 2017). Its feasibility and cost are tested with the insertion kernel: for every
  ``e`` in ``T`` the requests of ``T - {e}`` are re-inserted one after another at their
  stored positions and ``e`` is inserted last at its best position
  (:func:`kl_mobility.kernels.insertion._insert_vehicle`); the cheapest ``e`` wins (ties:
  the lowest member index). The trip is feasible when one of them is.

Sequential insertion is exact for a single request and a heuristic for several (it does
not try every interleaving of stops), so a trip may be missed, never accepted wrongly:
every stop of an accepted trip is checked against its deadline and the seats.

The cost of a trip is the sum of the costs of its sequential insertions under the
engine's cost kind; for ``added_time`` that telescopes to the vehicle's added time, for
``rider_time`` to the weighted added vehicle and rider time of the whole trip (each
insertion counts the delays it causes to the members inserted before it).
A trip that needs more stops than the schedule arrays hold (``max_stops``) is infeasible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels._pack import Fleet, Request, Rules, Schedules, Tables, row
from kl_mobility.kernels.insertion import (
    INFEASIBLE,
    Start,
    _float_weights,
    _insert_vehicle,
    _legs,
    _plain,
    _rider_cost,
    _stops,
    _tables,
)

__all__ = ["Trips", "enumerate_trips", "replay_cost"]


@njit
def _apply(buf, m, i, j, req):
    """Insert the pickup and drop-off of ``req`` before stops ``i`` and ``j`` of the
    ``m``-stop schedule in row 0 of the buffers ``buf = (node, early, late, delta, dwell)``."""
    vals_p = (req.origin, req.early, req.late_pick, req.passengers, req.dwell_pick)
    vals_d = (req.dest, np.int64(0), req.late_drop, -req.passengers, req.dwell_drop)
    for f in range(5):
        a = buf[f]
        # shift the tail: old [j, m) -> [j + 2, m + 2), old [i, j) -> [i + 1, j + 1)
        for k in range(m - 1, j - 1, -1):
            a[0, k + 2] = a[0, k]
        for k in range(j - 1, i - 1, -1):
            a[0, k + 1] = a[0, k]
        a[0, i] = vals_p[f]
        a[0, j + 1] = vals_d[f]


@njit
def _grow(n, n_cap, t_k, t_size, t_cost, rows):
    """The trip arrays grown to ``n_cap`` trips, the first ``n`` kept (per-trip scalars
    ``t_k``, ``t_size``, ``t_cost``; ``rows = (members, order, i, j)`` [T, S], -1 padded)."""
    out = []
    for a in rows:
        b = np.full((n_cap, a.shape[1]), -1, np.int64)
        b[:n] = a[:n]
        out.append(b)
    return (np.resize(t_k, n_cap), np.resize(t_size, n_cap), np.resize(t_cost, n_cap),
            out[0], out[1], out[2], out[3])


@njit
def _same_members(a, b, s):
    for x in range(s):
        if a[x] != b[x]:
            return False
    return True


@njit
def _enumerate(tab, cand, fleet, sch, reqs, rules, rv, limits):
    """``rv = (cost, i, j, keep)`` of the request-vehicle graph, ``limits = (max_size,
    initial trip capacity)``; see :func:`enumerate_trips`."""
    tab, fleet, sch, reqs = Tables(*tab), Fleet(*fleet), Schedules(*sch), Request(*reqs)
    rules = Rules(*rules)
    rv_cost, rv_i, rv_j, keep = rv
    max_size, cap0 = limits
    width = sch.node.shape[1]
    S = max_size
    n_cap = cap0
    t_k = np.empty(n_cap, np.int64)
    t_size = np.empty(n_cap, np.int64)
    t_cost = np.empty(n_cap, np.int64)
    t_mem = np.full((n_cap, S), -1, np.int64)   # members, ascending
    t_ord = np.full((n_cap, S), -1, np.int64)   # insertion order
    t_i = np.full((n_cap, S), -1, np.int64)     # positions of each sequential insertion
    t_j = np.full((n_cap, S), -1, np.int64)
    n = 0
    bw = width + 2 * S
    bnode = np.empty((1, bw), np.int64)
    bearly = np.empty((1, bw), np.int64)
    blate = np.empty((1, bw), np.int64)
    bdelta = np.empty((1, bw), np.int64)
    bdwell = np.empty((1, bw), np.int64)
    blen = np.zeros(1, np.int64)
    leg = np.empty(bw, np.int64)
    scratch = np.empty((2, bw), np.int64)
    mem = np.empty(S, np.int64)
    sub = np.empty(S, np.int64)
    n_req = reqs.origin.shape[0]
    for k in range(cand.shape[0]):
        v = cand[k]
        m0 = sch.length[v]
        start = Start(fleet.node[v], fleet.time[v], fleet.load[v], fleet.capacity[v])
        lvl_lo = n
        # size 1
        for r in range(n_req):
            if keep[r, k] and rv_cost[r, k] != INFEASIBLE and m0 + 2 <= width:
                if n == n_cap:
                    n_cap *= 2
                    t_k, t_size, t_cost, t_mem, t_ord, t_i, t_j = _grow(
                        n, n_cap, t_k, t_size, t_cost, (t_mem, t_ord, t_i, t_j))
                t_k[n] = k
                t_size[n] = 1
                t_cost[n] = rv_cost[r, k]
                t_mem[n, 0] = r
                t_ord[n, 0] = r
                t_i[n, 0] = rv_i[r, k]
                t_j[n, 0] = rv_j[r, k]
                n += 1
        lvl_hi = n
        for s in range(2, S + 1):
            if m0 + 2 * s > width or lvl_hi == lvl_lo:
                break
            new_lo = n
            for t in range(lvl_lo, lvl_hi):
                last = t_mem[t, s - 2]
                # extend by each kept request with a higher index
                for r in range(last + 1, n_req):
                    if not (keep[r, k] and rv_cost[r, k] != INFEASIBLE):
                        continue
                    for x in range(s - 1):
                        mem[x] = t_mem[t, x]
                    mem[s - 1] = r
                    # every subset without one member must be a trip of the previous level
                    best = INFEASIBLE
                    b_base = -1
                    b_i = -1
                    b_j = -1
                    ok = True
                    for e in range(s):
                        y = 0
                        for x in range(s):
                            if x != e:
                                sub[y] = mem[x]
                                y += 1
                        base = -1
                        for u in range(lvl_lo, lvl_hi):
                            if _same_members(t_mem[u], sub, s - 1):
                                base = u
                                break
                        if base < 0:
                            ok = False
                            break
                        if t_cost[base] >= best:
                            continue
                        # replay the base trip, then insert mem[e] at its best
                        m = m0
                        for x in range(m0):
                            bnode[0, x] = sch.node[v, x]
                            bearly[0, x] = sch.early[v, x]
                            blate[0, x] = sch.late[v, x]
                            bdelta[0, x] = sch.delta[v, x]
                            bdwell[0, x] = sch.dwell[v, x]
                        for x in range(s - 1):
                            _apply((bnode, bearly, blate, bdelta, bdwell), m, t_i[base, x],
                                   t_j[base, x], row(reqs, t_ord[base, x]))
                            m += 2
                        blen[0] = m
                        bs = Schedules(blen, bnode, bearly, blate, bdelta, bdwell)
                        _legs(tab.tt, start.node, m, bnode[0], leg)
                        c, i, j = _insert_vehicle(tab.tt, tab.ttT, start, _stops(bs, 0),
                                                  row(reqs, mem[e]), rules, leg, scratch)
                        if c != INFEASIBLE and t_cost[base] + c < best:
                            best = t_cost[base] + c
                            b_base = base
                            b_i = i
                            b_j = j
                    if not ok or b_base < 0:
                        continue
                    if n == n_cap:
                        n_cap *= 2
                        t_k, t_size, t_cost, t_mem, t_ord, t_i, t_j = _grow(
                            n, n_cap, t_k, t_size, t_cost, (t_mem, t_ord, t_i, t_j))
                    t_k[n] = k
                    t_size[n] = s
                    t_cost[n] = best
                    for x in range(s):
                        t_mem[n, x] = mem[x]
                    for x in range(s - 1):
                        t_ord[n, x] = t_ord[b_base, x]
                        t_i[n, x] = t_i[b_base, x]
                        t_j[n, x] = t_j[b_base, x]
                    # the request inserted last: the member not in the base trip
                    for x in range(s):
                        found = False
                        for y in range(s - 1):
                            if t_mem[b_base, y] == mem[x]:
                                found = True
                                break
                        if not found:
                            t_ord[n, s - 1] = mem[x]
                            break
                    t_i[n, s - 1] = b_i
                    t_j[n, s - 1] = b_j
                    n += 1
            lvl_lo, lvl_hi = new_lo, n
    return (t_k[:n].copy(), t_size[:n].copy(), t_cost[:n].copy(), t_mem[:n].copy(),
            t_ord[:n].copy(), t_i[:n].copy(), t_j[:n].copy())


@njit
def _drive_times(tt, start, m, buf, out):
    """Service start of each of the ``m`` stops in row 0 of ``buf`` into ``out``; returns
    (finish time, feasible: every deadline and the seats kept)."""
    node_a, early_a, late_a, delta_a, dwell_a = buf
    t = np.int64(start.time)
    node = start.node
    load = start.load
    ok = True
    for k in range(m):
        t += tt[node, node_a[0, k]]
        if t > late_a[0, k]:
            ok = False
        if t < early_a[0, k]:
            t = early_a[0, k]
        out[k] = t
        load += delta_a[0, k]
        if load > start.capacity:
            ok = False
        t += dwell_a[0, k]
        node = node_a[0, k]
    return t, ok


@njit
def _replay(tab, fleet, sch, reqs, rules, plan):
    """Cost of the given insertions, one vehicle (see :func:`replay_cost`)."""
    tab, fleet, sch, reqs = Tables(*tab), Fleet(*fleet), Schedules(*sch), Request(*reqs)
    rules = Rules(*rules)
    v, order, ii, jj = plan
    width = sch.node.shape[1]
    s = order.shape[0]
    bw = width + 2 * s
    buf = (np.empty((1, bw), np.int64), np.empty((1, bw), np.int64),
           np.empty((1, bw), np.int64), np.empty((1, bw), np.int64),
           np.empty((1, bw), np.int64))
    old_t = np.empty(bw, np.int64)
    new_t = np.empty(bw, np.int64)
    m = sch.length[v]
    for x in range(m):
        buf[0][0, x] = sch.node[v, x]
        buf[1][0, x] = sch.early[v, x]
        buf[2][0, x] = sch.late[v, x]
        buf[3][0, x] = sch.delta[v, x]
        buf[4][0, x] = sch.dwell[v, x]
    start = Start(fleet.node[v], fleet.time[v], fleet.load[v], fleet.capacity[v])
    total = np.int64(0)
    for step in range(s):
        r, i, j = order[step], ii[step], jj[step]
        if not (0 <= i <= j <= m) or m + 2 > bw:
            return INFEASIBLE
        old_end, _ = _drive_times(tab.tt, start, m, buf, old_t)
        req = row(reqs, r)
        _apply(buf, m, i, j, req)
        new_end, ok = _drive_times(tab.tt, start, m + 2, buf, new_t)
        if not ok:
            return INFEASIBLE
        pax = req.passengers
        wait_new = new_t[i] - req.early
        if rules.cost_kind == 0:
            c = new_end - old_end
        elif rules.cost_kind == 1:
            c = wait_new
        elif rules.cost_kind == 2:
            c = new_end - old_end + wait_new
        else:
            w = pax * wait_new
            door = pax * (new_t[j + 1] - req.early)
            for k in range(m):
                nk = k if k < i else (k + 1 if k < j else k + 2)
                dk = buf[3][0, nk]
                if dk > 0:
                    w += dk * (new_t[nk] - old_t[k])
                else:
                    door -= dk * (new_t[nk] - old_t[k])
            c = _rider_cost(rules, new_end - old_end, w, door)
        total += c
        m += 2
    return total


def replay_cost(tables: Tables, fleet: Fleet, sched: Schedules, reqs: Request, rules: Rules,
                vehicle: int, plan: tuple[Any, Any, Any]) -> int:
    """Summed cost (under ``rules``, as the insertion kernel counts it) of inserting the
    requests ``order`` (rows of the batch ``reqs``) of ``plan = (order, i, j)`` one after
    another at the positions ``(i[s], j[s])`` into the schedule of ``vehicle`` (``fleet`` holds start states as for
    the cost matrix); ``INFEASIBLE`` when a step breaks a deadline or the seats. Gives
    the cost of a trip whose positions are known but that the enumeration did not find
    (its sequential insertion being a heuristic), e.g. a vehicle's current plan."""
    reqs = Request(*(np.ascontiguousarray(a, np.int64) for a in reqs))
    order, i, j = plan
    packed = (np.int64(vehicle), np.asarray(order, np.int64), np.asarray(i, np.int64),
              np.asarray(j, np.int64))
    return int(_replay(*_plain(_tables(tables), fleet, sched, reqs, _float_weights(rules),
                               packed)))


class Trips:
    """Feasible trips of one vehicle type, as arrays over trips ``T``:

    - ``k`` int64[T]: column of the vehicle in ``cand``;
    - ``size`` int64[T]: number of requests;
    - ``cost`` int64[T]: summed cost of the sequential insertions;
    - ``members`` int64[T, S]: request rows (ascending, -1 padded);
    - ``order``, ``i``, ``j`` int64[T, S]: the requests in insertion order and the positions
      ``(i, j)`` of each insertion into the schedule as it is after the previous ones.
    """

    def __init__(self, arrays: tuple[Any, ...]) -> None:
        self.k, self.size, self.cost, self.members, self.order, self.i, self.j = arrays

    def __len__(self) -> int:
        return int(self.k.shape[0])


def enumerate_trips(tables: Tables, cand, fleet: Fleet, sched: Schedules,  # noqa: PLR0913
                    reqs: Request, rules: Rules,
                    rv: tuple[np.ndarray, np.ndarray, np.ndarray], keep: np.ndarray,
                    max_size: int, *, initial_capacity: int | None = None) -> Trips:
    """Every feasible trip of up to ``max_size`` requests of the batch ``reqs`` (arrays
    ``[R]``) for each vehicle ``cand[k]`` (start states in ``fleet`` as for the cost
    matrix), built as the module docstring says from the request-vehicle costs and
    positions ``rv = (cost, i, j)`` (``[R, K]``, from ``insertion_cost_matrix``) and the
    kept request-vehicle pairs ``keep`` (bool ``[R, K]``); costs under ``rules`` (its cost
    kind and weights, as the cost matrix was computed). ``initial_capacity``: trips the
    arrays hold before they grow (default 4 per kept pair, at least 16; the result does not
    depend on it)."""
    cand = np.asarray(cand, np.int64)
    rv_cost, rv_i, rv_j = (np.ascontiguousarray(a, np.int64) for a in rv)
    reqs = Request(*(np.ascontiguousarray(a, np.int64) for a in reqs))
    if max_size < 1:
        raise ValueError(f"max_size must be >= 1, got {max_size}")
    cap0 = (max(16, 4 * int(np.count_nonzero(keep))) if initial_capacity is None
            else int(initial_capacity))
    if cap0 < 1:
        raise ValueError(f"initial_capacity must be >= 1, got {cap0}")
    out = _enumerate(*_plain(_tables(tables), cand, fleet, sched, reqs, _float_weights(rules),
                             (rv_cost, rv_i, rv_j, np.ascontiguousarray(keep, np.bool_)),
                             (np.int64(max_size), np.int64(cap0))))
    return Trips(out)
