"""A slow, obvious pure-Python insertion search and a random instance generator.

The reference tries every pickup/drop-off position pair in every vehicle, builds the new
stop list and drives it from the start, checking every deadline and the capacity at every
stop. It shares no code with :mod:`kl_mobility.kernels.insertion`.
"""

from __future__ import annotations

import numpy as np

INF = np.iinfo(np.int64).max


def drive_stops(tt, node, t, load, cap, stops):
    """Drive ``stops`` [(node, early, late, delta, dwell)]; return (ok, finish, service times)."""
    times = []
    for s_node, early, late, delta, dwell in stops:
        t = t + int(tt[node][s_node])
        if t > late:
            return False, None, None
        b = max(t, early)
        times.append(b)
        load += delta
        if load > cap:
            return False, None, None
        t = b + dwell
        node = s_node
    return True, t, times


def rider_cost(weights, added, old_stops, old_times, new_times, i, j, early, pax):
    """Rider-time cost (kind 3) from the old and new service times, stop by stop:
    waiting W = the new party's wait + each old pickup's delay x party; door-to-door T =
    the new party's drop-off - its earliest time + each old drop-off's delay x party;
    floor(w_vehicle x added + (w_wait - w_ride) x W + w_ride x T)."""
    w_vehicle, w_wait, w_ride = weights
    wait = pax * (new_times[i] - early)
    door = pax * (new_times[j + 1] - early)
    for k, stop in enumerate(old_stops):
        new_k = k if k < i else (k + 1 if k < j else k + 2)
        delay = new_times[new_k] - old_times[k]
        if stop[3] > 0:
            wait += stop[3] * delay
        else:
            door += -stop[3] * delay
    return int(np.floor(w_vehicle * added + (w_wait - w_ride) * wait + w_ride * door))


def reference_best(tt, cand, start_node, start_time, start_load, capacity, sched_len,
                   sched_node, sched_early, sched_late, sched_delta, sched_dwell,
                   o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop, cost_kind=0,
                   weights=(2.875, 1.6, 1.0)):
    """(best cost, vehicle, i, j) over all vehicles and positions, INF when infeasible.
    ``weights``: (vehicle, wait, ride) of the rider-time cost (kind 3)."""
    best = (INF, -1, -1, -1)
    for v in cand:
        m = int(sched_len[v])
        old = [(int(sched_node[v][k]), int(sched_early[v][k]), int(sched_late[v][k]),
                int(sched_delta[v][k]), int(sched_dwell[v][k])) for k in range(m)]
        # the old schedule's service times and finish, deadlines ignored
        t, node = int(start_time[v]), int(start_node[v])
        old_times = []
        for s in old:
            t = max(t + int(tt[node][s[0]]), s[1])
            old_times.append(t)
            t += s[4]
            node = s[0]
        old_end = t
        for i in range(m + 1):
            for j in range(i, m + 1):
                new = (old[:i] + [(o, early, late_pick, pax, dwell_pick)] + old[i:j]
                       + [(d, 0, late_drop, -pax, dwell_drop)] + old[j:])
                ok, end, times = drive_stops(tt, int(start_node[v]), int(start_time[v]),
                                             int(start_load[v]), int(capacity[v]), new)
                if not ok:
                    continue
                wait = times[i] - early
                if cost_kind == 3:
                    cost = rider_cost(weights, end - old_end, old, old_times, times, i, j,
                                      early, pax)
                else:
                    cost = [end - old_end, wait, end - old_end + wait][cost_kind]
                if cost < best[0]:
                    best = (cost, int(v), i, j)
    return best


def metric(rng, n, max_w=60):
    """Random shortest-path travel-time table of a random strongly connected digraph."""
    w = rng.integers(1, max_w, size=(n, n)).astype(np.int64)
    keep = rng.random((n, n)) < 0.5
    big = 10**7
    w = np.where(keep, w, big)
    for k in range(n):  # a ring keeps it strongly connected
        w[k, (k + 1) % n] = min(w[k, (k + 1) % n], rng.integers(1, max_w))
    np.fill_diagonal(w, 0)
    for k in range(n):
        w = np.minimum(w, w[:, k:k + 1] + w[k:k + 1, :])
    return w.astype(np.int32)


def random_instance(seed: int, max_vehicles: int = 4, max_parties: int = 3,
                    max_offset: int = 0):
    """A random instance whose existing schedules are feasible (as the engine keeps them).

    ``max_offset > 0``: about 40 % of the stops and of the new request's ends lie in external
    zones, as the engine hands them to the kernel: dwell + 2 x offset (out and back) and
    the new request's windows shifted back by its offsets (offsets 1..max_offset s)."""
    rng = np.random.default_rng(seed)

    def offset() -> int:
        if max_offset <= 0 or rng.random() >= 0.4:
            return 0
        return int(rng.integers(1, max_offset + 1))

    n = int(rng.integers(2, 8))
    tt = metric(rng, n)
    nv = int(rng.integers(1, max_vehicles + 1))
    width = 2 * max_parties + 2
    arr = {k: np.zeros((nv, width), np.int64) for k in
           ("node", "early", "late", "delta", "dwell")}
    start_node = rng.integers(0, n, nv).astype(np.int64)
    start_time = rng.integers(0, 100, nv).astype(np.int64)
    start_load = np.zeros(nv, np.int64)
    capacity = np.zeros(nv, np.int64)
    sched_len = np.zeros(nv, np.int64)
    for v in range(nv):
        onboard = int(rng.integers(0, max_parties))
        waiting = int(rng.integers(0, max_parties - onboard + 1))
        events = []
        for p in range(onboard):
            events.append(("drop", p))
        for p in range(onboard, onboard + waiting):
            events.append(("pick", p))
            events.append(("drop", p))
        # random order keeping each pick before its drop
        order = []
        pool = list(events)
        rng.shuffle(pool)
        placed = set()
        while pool:
            for k, (kind, p) in enumerate(pool):
                if kind == "pick" or p < onboard or ("pick", p) in placed:
                    order.append(pool.pop(k))
                    placed.add((kind, p))
                    break
        party = rng.integers(1, 3, onboard + waiting)
        stops = []
        for kind, p in order:
            node = int(rng.integers(0, n))
            dwell = int(rng.integers(0, 15)) + 2 * offset()
            if kind == "pick":
                stops.append([node, int(rng.integers(0, 250)), 0, int(party[p]), dwell])
            else:
                stops.append([node, 0, 0, -int(party[p]), dwell])
        load = int(party[:onboard].sum())
        start_load[v] = load
        t, node, peak = int(start_time[v]), int(start_node[v]), load
        for s in stops:  # plan times, then give each stop a deadline with slack
            t += int(tt[node, s[0]])
            s[2] = t + int(rng.integers(0, 120))
            t = max(t, s[1]) + s[4]
            node = s[0]
            load += s[3]
            peak = max(peak, load)
        capacity[v] = peak + int(rng.integers(0, 3))
        capacity[v] = max(capacity[v], 1)
        sched_len[v] = len(stops)
        for k, s in enumerate(stops):
            for name, val in zip(("node", "early", "late", "delta", "dwell"), s, strict=True):
                arr[name][v, k] = val
    o, d = (int(x) for x in rng.integers(0, n, 2))
    early = int(rng.integers(0, 150))
    late_pick = early + int(rng.integers(0, 200))
    late_drop = late_pick + int(rng.integers(0, 250))
    req = {"o": o, "d": d, "early": early, "late_pick": late_pick, "late_drop": late_drop,
           "pax": int(rng.integers(1, 3)), "dwell_pick": int(rng.integers(0, 10)),
           "dwell_drop": int(rng.integers(0, 10))}
    off_o, off_d = offset(), offset()
    req["early"] -= off_o
    req["late_pick"] -= off_o
    req["late_drop"] -= off_d
    req["dwell_pick"] += 2 * off_o
    req["dwell_drop"] += 2 * off_d
    veh = (tt, np.arange(nv, dtype=np.int64), start_node, start_time, start_load, capacity,
           sched_len, arr["node"], arr["early"], arr["late"], arr["delta"], arr["dwell"])
    return veh, req
