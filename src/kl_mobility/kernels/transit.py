"""Connection scan (earliest arrival) over a flat public transport timetable.

A timetable is a list of *connections* (one vehicle going from one stop to the next:
``dep_stop, arr_stop, dep_t, arr_t, trip``), sorted by departure time, then arrival time,
then trip, then position in the trip. Footpaths between stops are CSR arrays
(``fp_ptr, fp_to, fp_s``: from stop ``u`` one may walk to ``fp_to[fp_ptr[u]:fp_ptr[u+1]]``).

Journey rules (the plain reference implementation in the tests follows the same rules):

- the traveller leaves at ``t0``, walks ``acc_s[i]`` to access stop ``acc_stop[i]`` and may
  board any connection departing there at or after ``t0 + acc_s[i]``;
- staying on a trip is always allowed; after alighting at stop ``s`` at time ``t`` the
  traveller may board another trip at ``s`` from ``t + transfer_s``, or walk one footpath
  ``(s, s', w)`` and board at ``s'`` from ``t + max(w, transfer_s)`` (one footpath between
  two trips, no walking chains);
- the destination is reached by walking ``egress`` from a stop where a vehicle arrived.
Connections departing after ``t0 + horizon_s`` are not scanned.

Labels of a stop (the best known way to be there): time, in-vehicle seconds so far, walking
seconds so far (access + transfer walks), number of trips boarded, departure time of the
first trip, access walk. Updates take strictly earlier times only, so the scan order
decides ties and the result is deterministic.
"""

from __future__ import annotations

import numba
import numpy as np

from kl_mobility.kernels._options import njit, njit_parallel

__all__ = ["UNREACHED", "add_journey", "csa_scan", "csa_zone_matrix", "csa_zone_periods"]

UNREACHED = np.iinfo(np.int64).max // 4
"""Label time of a stop that cannot be reached."""

# label columns
_T, _IVT, _WALK, _NB, _FIRST, _ACC = range(6)


@njit
def csa_scan(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips,
             fp_ptr, fp_to, fp_s, acc_stop, acc_s, t0, horizon_s, transfer_s,
             ready, veh, board):
    """One scan from ``t0``. ``ready[n_stops, 6]``: labels to board at a stop; ``veh[n_stops,
    6]``: labels of vehicle arrivals (egress); ``board[n_trips, 6]`` scratch (``_T`` column:
    the boarding departure time, or ``UNREACHED``). All three are overwritten."""
    ready[:, :] = 0
    ready[:, _T] = UNREACHED
    veh[:, :] = 0
    veh[:, _T] = UNREACHED
    board[:, _T] = UNREACHED
    for i in range(acc_stop.shape[0]):
        s = acc_stop[i]
        t = t0 + acc_s[i]
        if t < ready[s, _T]:
            ready[s, _T] = t
            ready[s, _IVT] = 0
            ready[s, _WALK] = acc_s[i]
            ready[s, _NB] = 0
            ready[s, _FIRST] = 0
            ready[s, _ACC] = acc_s[i]
    end_t = t0 + horizon_s
    c = np.searchsorted(c_dep_t, t0)
    n_c = c_dep_t.shape[0]
    while c < n_c and c_dep_t[c] <= end_t:
        tr = c_trip[c]
        dep = c_dep_t[c]
        if board[tr, _T] == UNREACHED:
            s = c_dep_stop[c]
            if ready[s, _T] <= dep:
                board[tr, _T] = dep
                board[tr, _IVT] = ready[s, _IVT]
                board[tr, _WALK] = ready[s, _WALK]
                board[tr, _NB] = ready[s, _NB] + 1
                board[tr, _FIRST] = dep if ready[s, _NB] == 0 else ready[s, _FIRST]
                board[tr, _ACC] = ready[s, _ACC]
        if board[tr, _T] != UNREACHED:
            a = c_arr_stop[c]
            t = c_arr_t[c]
            if t < veh[a, _T]:
                ivt = board[tr, _IVT] + (t - board[tr, _T])
                veh[a, _T] = t
                veh[a, _IVT] = ivt
                veh[a, _WALK] = board[tr, _WALK]
                veh[a, _NB] = board[tr, _NB]
                veh[a, _FIRST] = board[tr, _FIRST]
                veh[a, _ACC] = board[tr, _ACC]
                if t + transfer_s < ready[a, _T]:
                    ready[a, :] = veh[a, :]
                    ready[a, _T] = t + transfer_s
                for k in range(fp_ptr[a], fp_ptr[a + 1]):
                    b = fp_to[k]
                    w = fp_s[k]
                    tb = t + max(w, transfer_s)
                    if tb < ready[b, _T]:
                        ready[b, :] = veh[a, :]
                        ready[b, _T] = tb
                        ready[b, _WALK] = veh[a, _WALK] + w
        c += 1


@njit
def _best_egress(veh, eg_stop, eg_s, lo, hi, out_row):
    """Best arrival over egress stops ``lo:hi``; ``out_row``: arrival, ivt, walk, boardings,
    first departure, access, egress (arrival ``UNREACHED`` and zeros when none)."""
    best = UNREACHED
    for k in range(lo, hi):
        s = eg_stop[k]
        if veh[s, _T] == UNREACHED:
            continue
        t = veh[s, _T] + eg_s[k]
        if t < best:
            best = t
            out_row[0] = t
            out_row[1] = veh[s, _IVT]
            out_row[2] = veh[s, _WALK]
            out_row[3] = veh[s, _NB]
            out_row[4] = veh[s, _FIRST]
            out_row[5] = veh[s, _ACC]
            out_row[6] = eg_s[k]
    if best == UNREACHED:
        out_row[:] = 0
        out_row[0] = UNREACHED


@njit
def _origin_journeys(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips, fp_ptr,
                     fp_to, fp_s, z_ptr, z_stop, z_s, o, t0, horizon_s, transfer_s,
                     ready, veh, board, rows):
    """One scan from zone ``o``'s access stops at ``t0``; ``rows[d, :]`` receives the best
    journey to every zone ``d`` in :func:`_best_egress`'s columns."""
    acc_stop = z_stop[z_ptr[o]:z_ptr[o + 1]]
    acc_s = z_s[z_ptr[o]:z_ptr[o + 1]]
    csa_scan(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips,
             fp_ptr, fp_to, fp_s, acc_stop, acc_s, t0, horizon_s, transfer_s,
             ready, veh, board)
    for d in range(z_ptr.shape[0] - 1):
        _best_egress(veh, z_stop, z_s, z_ptr[d], z_ptr[d + 1], rows[d])


@njit_parallel
def csa_zone_matrix(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips, n_stops,
                    fp_ptr, fp_to, fp_s, z_ptr, z_stop, z_s, dep_times, horizon_s,
                    transfer_s, out):
    """Zone-to-zone journeys for every departure time: ``out[n_times, k, k, 7]`` (int64)
    receives arrival, in-vehicle s, walking s (access + transfer walks), trips boarded,
    first departure, access s, egress s (arrival ``UNREACHED``: no journey). A zone's
    access and egress stops are ``z_stop[z_ptr[z]:z_ptr[z+1]]`` with walks ``z_s``.
    Origins run in parallel (``numba.prange``), each with its own label arrays."""
    k = z_ptr.shape[0] - 1
    n_t = dep_times.shape[0]
    for o in numba.prange(k):
        ready = np.empty((n_stops, 6), np.int64)
        veh = np.empty((n_stops, 6), np.int64)
        board = np.empty((n_trips, 6), np.int64)
        for ti in range(n_t):
            _origin_journeys(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips,
                             fp_ptr, fp_to, fp_s, z_ptr, z_stop, z_s, o, dep_times[ti],
                             horizon_s, transfer_s, ready, veh, board, out[ti, o])


@njit
def add_journey(sums, counts, p, o, d, row, t0):
    """Add one found journey ``row`` (a row of :func:`_best_egress`: arrival, in-vehicle
    s, walk s, boardings, first departure, access s, egress s) departing at
    ``t0`` to ``sums[p, o, d, :]`` (door-to-door, access, wait, in-vehicle, transfer,
    egress, boardings; transfer = door - access - wait - in-vehicle - egress) and count it
    in ``counts[p, o, d]``."""
    door = row[0] - t0
    wait = row[4] - t0 - row[5]
    sums[p, o, d, 0] += door
    sums[p, o, d, 1] += row[5]
    sums[p, o, d, 2] += wait
    sums[p, o, d, 3] += row[1]
    sums[p, o, d, 4] += door - row[5] - wait - row[1] - row[6]
    sums[p, o, d, 5] += row[6]
    sums[p, o, d, 6] += row[3]
    counts[p, o, d] += 1


@njit_parallel
def csa_zone_periods(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips, n_stops,
                     fp_ptr, fp_to, fp_s, z_ptr, z_stop, z_s, dep_times, dep_period,
                     horizon_s, transfer_s, sums, counts):
    """Like :func:`csa_zone_matrix`, summed by period instead of kept per departure:
    ``sums[p, o, d, :]`` += door-to-door, access, wait, in-vehicle, transfer, egress (s)
    and boardings of every found journey departing in period ``dep_period[ti]``;
    ``counts[p, o, d]`` += 1 per found journey. Both must be zero on entry."""
    k = z_ptr.shape[0] - 1
    n_t = dep_times.shape[0]
    for o in numba.prange(k):
        ready = np.empty((n_stops, 6), np.int64)
        veh = np.empty((n_stops, 6), np.int64)
        board = np.empty((n_trips, 6), np.int64)
        rows = np.empty((k, 7), np.int64)
        for ti in range(n_t):
            t0 = dep_times[ti]
            p = dep_period[ti]
            _origin_journeys(c_dep_stop, c_arr_stop, c_dep_t, c_arr_t, c_trip, n_trips,
                             fp_ptr, fp_to, fp_s, z_ptr, z_stop, z_s, o, t0, horizon_s,
                             transfer_s, ready, veh, board, rows)
            for d in range(k):
                if rows[d, 0] != UNREACHED:
                    add_journey(sums, counts, p, o, d, rows[d], t0)
