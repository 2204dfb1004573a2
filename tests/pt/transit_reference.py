"""Plain reference of the connection-scan router (tests and benchmarks) and random
GTFS feeds to compare them on."""

from __future__ import annotations


def reference_arrival(trips, fps, transfer_s, acc, eg, t0, horizon_s):
    """Plain earliest arrival by relaxation to a fixed point over whole trips.

    ``trips``: lists of (stop, arr, dep); ``fps``: dict stop -> list of (stop, walk_s).
    ``ready[s]``: earliest boarding time at s; ``veh[s]``: earliest vehicle arrival.
    A trip is boarded at its first position p with ``ready[stop_p] <= dep_p`` and
    ``t0 <= dep_p <= t0 + horizon``; each later position q is then reached at arr_q (its
    connection departs at dep_{q-1}, which must lie within the horizon too).
    """
    inf = float("inf")
    ready: dict[int, float] = {}
    for s, w in acc:
        ready[s] = min(ready.get(s, inf), t0 + w)
    veh: dict[int, float] = {}
    changed = True
    while changed:
        changed = False
        for trip in trips:
            boarded = False
            for p in range(len(trip) - 1):
                s, _, dep = trip[p]
                if dep < t0 or dep > t0 + horizon_s:
                    if boarded and dep > t0 + horizon_s:
                        break
                    continue
                if not boarded and ready.get(s, inf) <= dep:
                    boarded = True
                if boarded:
                    a, arr, _ = trip[p + 1]
                    if arr < veh.get(a, inf):
                        veh[a] = arr
                        changed = True
        for a, t in list(veh.items()):
            cands = [(a, t + transfer_s)] + [(b, t + max(w, transfer_s)) for b, w in fps.get(a, [])]
            for b, tb in cands:
                if tb < ready.get(b, inf):
                    ready[b] = tb
                    changed = True
    best = min((veh[s] + w for s, w in eg if s in veh), default=inf)
    return None if best == inf else int(best)


def random_feed(rng, tmp_path, n_stops=12, n_trips=25):
    lat = 49.44 + rng.uniform(0, 0.01, n_stops)
    lon = 7.75 + rng.uniform(0, 0.015, n_stops)
    rows = []
    trips = []
    for t in range(n_trips):
        k = int(rng.integers(2, 6))
        stops = rng.choice(n_stops, k, replace=False)
        time = int(rng.integers(7 * 3600, 9 * 3600))
        trip = []
        for q, s in enumerate(stops):
            arr = time
            dep = arr + int(rng.integers(0, 2)) * 30
            trip.append((int(s), arr, dep))
            rows.append(f"t{t},{hms(arr)},{hms(dep)},s{s},{q + 1}")
            time = dep + int(rng.integers(0, 10)) * 60
        trips.append(trip)
    (tmp_path / "agency.txt").write_text("agency_name,agency_url,agency_timezone\nX,https://example.org,Europe/Berlin\n")
    (tmp_path / "stops.txt").write_text("stop_id,stop_name,stop_lat,stop_lon\n" + "".join(
        f"s{i},S{i},{lat[i]:.6f},{lon[i]:.6f}\n" for i in range(n_stops)))
    (tmp_path / "routes.txt").write_text("route_id,route_short_name,route_type\nr,1,3\n")
    (tmp_path / "trips.txt").write_text("route_id,service_id,trip_id\n" + "".join(
        f"r,WD,t{t}\n" for t in range(n_trips)))
    (tmp_path / "stop_times.txt").write_text(
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "\n".join(rows) + "\n")
    (tmp_path / "calendar.txt").write_text(
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20240101,20240131\n")
    return trips


def hms(t):
    return f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"


