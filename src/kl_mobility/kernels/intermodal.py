"""Kernels of the intermodal alternative: public transport between zones and transfer stops
(hubs), the best hub of every zone pair, and the connection of single trips.

All work on the flat timetable of :mod:`kl_mobility.kernels.transit` and follow its journey
rules (:func:`~kl_mobility.kernels.transit.csa_scan`).
"""

from __future__ import annotations

import numba
import numpy as np

from kl_mobility.kernels._options import njit, njit_parallel
from kl_mobility.kernels.transit import UNREACHED, _best_egress, add_journey, csa_scan

__all__ = ["best_hub", "csa_link_periods", "first_last_trip"]

NEG = -1e300
"""Utility of "no way" (below any real utility)."""


@njit_parallel
def csa_link_periods(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips, n_stops,
                     fp_ptr, fp_to, fp_s, o_ptr, o_stop, o_s, d_ptr, d_stop, d_s,
                     dep_times, dep_period, horizon_s, transfer_s, sums, counts):
    """Like :func:`kl_mobility.kernels.transit.csa_zone_periods` between two different
    sets of places: origins with access links ``o_stop[o_ptr[o]:o_ptr[o+1]]`` (walks
    ``o_s``) and destinations with egress links ``d_*``. ``sums[p, o, d, :]`` += door,
    access, wait, in-vehicle, transfer, egress (s) and boardings of every journey found
    departing in period ``dep_period[ti]``; ``counts[p, o, d]`` += 1. Both zero on entry."""
    n_o = o_ptr.shape[0] - 1
    n_d = d_ptr.shape[0] - 1
    n_t = dep_times.shape[0]
    for o in numba.prange(n_o):
        ready = np.empty((n_stops, 6), np.int64)
        veh = np.empty((n_stops, 6), np.int64)
        board = np.empty((n_trips, 6), np.int64)
        row = np.empty(7, np.int64)
        acc_stop = o_stop[o_ptr[o]:o_ptr[o + 1]]
        acc_s = o_s[o_ptr[o]:o_ptr[o + 1]]
        if acc_stop.shape[0] == 0:
            continue
        for ti in range(n_t):
            t0 = dep_times[ti]
            p = dep_period[ti]
            csa_scan(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips,
                     fp_ptr, fp_to, fp_s, acc_stop, acc_s, t0, horizon_s,
                     transfer_s, ready, veh, board)
            for d in range(n_d):
                _best_egress(veh, d_stop, d_s, d_ptr[d], d_ptr[d + 1], row)
                if row[0] != UNREACHED:
                    add_journey(sums, counts, p, o, d, row, t0)


@njit_parallel
def best_hub(first_od, first_pt, last_pt, last_od, out_v, out_hub, out_dir):
    """The best transfer stop of every period and zone pair.

    First mile via hub ``h``: ``first_od[i, h] + first_pt[p, h, j]`` (on-demand from zone
    ``i`` to the hub, public transport on to ``j``); last mile: ``last_pt[p, i, h] +
    last_od[h, j]``. Entries ``<= NEG / 2`` (or NaN) mean "no way". ``out_v[p, i, j]``:
    the larger utility (``NEG`` when none), ``out_hub``: its hub (-1 none), ``out_dir``:
    0 first mile, 1 last mile (-1 none). Ties keep the first mile and the lower hub."""
    n_p = first_pt.shape[0]
    k = first_od.shape[0]
    n_h = first_od.shape[1]
    # per origin and period, the hubs in order (first mile, then last mile) over rows of
    # destinations: each hub's leg from the origin is read once, the other leg row by row
    # (contiguous); a destination's best changes exactly where the loop over hubs per
    # destination would change it
    for i in numba.prange(k):
        best = np.empty(k)
        hub = np.empty(k, np.int64)
        dr = np.empty(k, np.int64)
        for p in range(n_p):
            for j in range(k):
                best[j] = NEG
                hub[j] = -1
                dr[j] = -1
            for h in range(n_h):
                a = first_od[i, h]
                if not a > NEG / 2:
                    continue
                for j in range(k):
                    b = first_pt[p, h, j]
                    if b > NEG / 2:
                        v = a + b
                        if v > best[j]:
                            best[j] = v
                            hub[j] = h
                            dr[j] = 0
            for h in range(n_h):
                a = last_pt[p, i, h]
                if not a > NEG / 2:
                    continue
                for j in range(k):
                    b = last_od[h, j]
                    if b > NEG / 2:
                        v = a + b
                        if v > best[j]:
                            best[j] = v
                            hub[j] = h
                            dr[j] = 1
            for j in range(k):
                out_v[p, i, j] = best[j]
                out_hub[p, i, j] = hub[j]
                out_dir[p, i, j] = dr[j]


@njit
def _scan_trips(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips, fp_ptr, fp_to,
                fp_s, acc_stop, acc_s, t0, horizon_s, transfer_s, ready, veh, board,
                egress_s, min_ride_s):
    """:func:`~kl_mobility.kernels.transit.csa_scan` with two more label columns: 6 the
    first trip boarded, 7 the trip that brought the traveller (``veh``: the arriving one).

    ``egress_s[s]``: the shortest walk from stop ``s`` to the destination (-1: no egress
    link there); ``min_ride_s``: no connection arrives earlier than this after its
    departure. The scan stops at the first connection that departs so late that it
    arrives (at ``dep + min_ride_s`` or later) after the best arrival at the destination
    found so far: no later connection can then reach any egress stop early enough to
    equal or better that arrival, so the vehicle labels of the best egress link are final
    (the labels of other stops may stay larger than a full scan leaves them)."""
    ready[:, :] = -1
    ready[:, 0] = UNREACHED
    veh[:, :] = -1
    veh[:, 0] = UNREACHED
    board[:, 0] = UNREACHED
    for i in range(acc_stop.shape[0]):
        s = acc_stop[i]
        t = t0 + acc_s[i]
        if t < ready[s, 0]:
            ready[s, 0] = t
            ready[s, 1] = 0  # boardings
            ready[s, 6] = -1
    end_t = t0 + horizon_s
    best = UNREACHED
    c = np.searchsorted(c_dep_t, t0)
    n_c = c_dep_t.shape[0]
    while c < n_c and c_dep_t[c] <= end_t:
        tr = c_trip[c]
        dep = c_dep_t[c]
        if best != UNREACHED and dep + min_ride_s > best:
            break
        if board[tr, 0] == UNREACHED:
            s = c_dep_stop[c]
            if ready[s, 0] <= dep:
                board[tr, 0] = dep
                board[tr, 1] = ready[s, 1] + 1
                board[tr, 6] = tr if ready[s, 1] == 0 else ready[s, 6]
        if board[tr, 0] != UNREACHED:
            a = c_arr_stop[c]
            t = c_arr_t[c]
            if t < veh[a, 0]:
                veh[a, 0] = t
                veh[a, 1] = board[tr, 1]
                veh[a, 6] = board[tr, 6]
                veh[a, 7] = tr
                if egress_s[a] >= 0 and (best == UNREACHED or t + egress_s[a] < best):
                    best = t + egress_s[a]
                if t + transfer_s < ready[a, 0]:
                    ready[a, :] = veh[a, :]
                    ready[a, 0] = t + transfer_s
                for k in range(fp_ptr[a], fp_ptr[a + 1]):
                    b = fp_to[k]
                    tb = t + max(fp_s[k], transfer_s)
                    if tb < ready[b, 0]:
                        ready[b, :] = veh[a, :]
                        ready[b, 0] = tb
        c += 1


@njit_parallel
def first_last_trip(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips, n_stops,
                    fp_ptr, fp_to, fp_s, a_ptr, a_stop, a_s, e_ptr, e_stop, e_s, t0,
                    horizon_s, transfer_s, out):
    """One journey per query ``q`` leaving at ``t0[q]`` from the access links
    ``a_stop[a_ptr[q]:a_ptr[q+1]]`` (walks ``a_s``) to the egress links ``e_*``:
    ``out[q]`` = arrival at the destination (after egress), first trip boarded, the trip
    arrived with, the stop it arrived at, its arrival time there (``out[q, 0] =
    UNREACHED`` and -1 elsewhere: none). The arrival minimises the time after egress;
    ties keep the first egress link. Queries run in blocks, one set of labels per block;
    each query's scan ends once no later connection can reach the destination as early
    (:func:`_scan_trips`)."""
    n_q = t0.shape[0]
    n_c = c_dep_t.shape[0]
    min_ride = 0
    for c in range(n_c):
        r = c_arr_t[c] - c_dep_t[c]
        if c == 0 or r < min_ride:
            min_ride = r
    n_blocks = min(n_q, 64)  # a few per thread (numba.get_num_threads would defeat the cache)
    for blk in numba.prange(n_blocks):
        ready = np.empty((n_stops, 8), np.int64)
        veh = np.empty((n_stops, 8), np.int64)
        board = np.empty((n_trips, 8), np.int64)
        egress = np.full(n_stops, -1, np.int64)
        for q in range(blk, n_q, n_blocks):
            for k in range(e_ptr[q], e_ptr[q + 1]):
                s = e_stop[k]
                if egress[s] < 0 or e_s[k] < egress[s]:
                    egress[s] = e_s[k]
            _scan_trips(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips, fp_ptr,
                        fp_to, fp_s, a_stop[a_ptr[q]:a_ptr[q + 1]],
                        a_s[a_ptr[q]:a_ptr[q + 1]], t0[q], horizon_s, transfer_s, ready, veh,
                        board, egress, min_ride)
            out[q, :] = -1
            out[q, 0] = UNREACHED
            for k in range(e_ptr[q], e_ptr[q + 1]):
                s = e_stop[k]
                egress[s] = -1
                if veh[s, 0] == UNREACHED:
                    continue
                t = veh[s, 0] + e_s[k]
                if t < out[q, 0]:
                    out[q, 0] = t
                    out[q, 1] = veh[s, 6]
                    out[q, 2] = veh[s, 7]
                    out[q, 3] = s
                    out[q, 4] = veh[s, 0]
