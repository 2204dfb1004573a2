"""The connection kernel of single intermodal trips against a slow, obvious reference.

:func:`kl_mobility.kernels.intermodal.first_last_trip` ends each query's scan once no later
connection can reach the destination as early, and runs queries in blocks that share their
label arrays. The reference below scans every connection within the horizon for every query
on fresh labels (the connection scan of the module, written out plainly). Both must give
the same answer on random timetables: random trips over 9 stops (rides of 0-5 minutes,
dwell 0-2 minutes, so arrivals tie often), random footpaths, random access and egress
links with walks of 0-4 minutes.
"""

from __future__ import annotations

import numpy as np
import pytest

from kl_mobility.kernels.intermodal import first_last_trip
from kl_mobility.kernels.transit import UNREACHED


def _reference(tt, a_ptr, a_stop, a_s, e_ptr, e_stop, e_s, t0, horizon_s, transfer_s):
    dep_stop, arr_stop, dep_t, arr_t, trip, n_trips, n_stops, fp_ptr, fp_to, fp_s = tt
    out = np.full((t0.shape[0], 5), -1, np.int64)
    for q in range(t0.shape[0]):
        ready = [[UNREACHED, -1, -1] for _ in range(n_stops)]  # time, boardings, first trip
        veh = [[UNREACHED, -1, -1, -1] for _ in range(n_stops)]  # + the arriving trip
        board = [None] * n_trips
        for i in range(a_ptr[q], a_ptr[q + 1]):
            t = t0[q] + a_s[i]
            if t < ready[a_stop[i]][0]:
                ready[a_stop[i]] = [t, 0, -1]
        for c in range(dep_t.shape[0]):
            if dep_t[c] < t0[q] or dep_t[c] > t0[q] + horizon_s:
                continue
            tr = trip[c]
            s = dep_stop[c]
            if board[tr] is None and ready[s][0] <= dep_t[c]:
                board[tr] = (ready[s][1] + 1, tr if ready[s][1] == 0 else ready[s][2])
            if board[tr] is None:
                continue
            a, t = arr_stop[c], arr_t[c]
            if t < veh[a][0]:
                veh[a] = [t, board[tr][0], board[tr][1], tr]
                if t + transfer_s < ready[a][0]:
                    ready[a] = [t + transfer_s, veh[a][1], veh[a][2]]
                for k in range(fp_ptr[a], fp_ptr[a + 1]):
                    tb = t + max(fp_s[k], transfer_s)
                    if tb < ready[fp_to[k]][0]:
                        ready[fp_to[k]] = [tb, veh[a][1], veh[a][2]]
        out[q, 0] = UNREACHED
        for k in range(e_ptr[q], e_ptr[q + 1]):
            s = e_stop[k]
            if veh[s][0] == UNREACHED:
                continue
            if veh[s][0] + e_s[k] < out[q, 0]:
                out[q] = [veh[s][0] + e_s[k], veh[s][2], veh[s][3], s, veh[s][0]]
    return out


def _timetable(rng, n_stops=9, n_trips=14):
    conns = []
    for tr in range(n_trips):
        stops = rng.choice(n_stops, size=rng.integers(2, 6), replace=False)
        t = int(rng.integers(0, 3600))
        for u, v in zip(stops[:-1], stops[1:]):
            ride = int(rng.integers(0, 6)) * 60
            conns.append((t, t + ride, int(u), int(v), tr))
            t += ride + int(rng.integers(0, 3)) * 60
    conns.sort(key=lambda c: (c[0], c[4]))
    c = np.array(conns, np.int64)
    pairs = [(u, v) for u in range(n_stops) for v in range(n_stops)
             if u != v and rng.random() < 0.15]
    fp_ptr = np.zeros(n_stops + 1, np.int64)
    for u, _ in pairs:
        fp_ptr[u + 1] += 1
    fp_ptr = np.cumsum(fp_ptr)
    fp_to = np.array([v for _, v in sorted(pairs)], np.int64)
    fp_s = rng.integers(0, 300, len(pairs)).astype(np.int64)
    return (c[:, 2].copy(), c[:, 3].copy(), c[:, 0].copy(), c[:, 1].copy(), c[:, 4].copy(),
            n_trips, n_stops, fp_ptr, fp_to, fp_s)


def _links(rng, n_q, n_stops):
    ptr, stop, walk = [0], [], []
    for _ in range(n_q):
        s = sorted(rng.choice(n_stops, size=rng.integers(0, 4), replace=False))
        stop += [int(x) for x in s]
        walk += [int(rng.integers(0, 5)) * 60 for _ in s]
        ptr.append(len(stop))
    return (np.array(ptr, np.int64), np.array(stop, np.int64), np.array(walk, np.int64))


@pytest.mark.parametrize("seed", range(6))
def test_first_last_trip_equals_the_full_scan(seed):
    rng = np.random.default_rng(seed)
    tt = _timetable(rng)
    n_q = 60
    a = _links(rng, n_q, tt[6])
    e = _links(rng, n_q, tt[6])
    t0 = rng.integers(0, 3000, n_q).astype(np.int64)
    horizon_s, transfer_s = 1800, 120
    got = np.empty((n_q, 5), np.int64)
    first_last_trip(*tt, *a, *e, t0, horizon_s, transfer_s, got)
    want = _reference(tt, *a, *e, t0, horizon_s, transfer_s)
    assert (want[:, 0] != UNREACHED).sum() > 10  # most queries find a journey
    assert got.tolist() == want.tolist()
