"""Independent feasibility checker for pickup-and-delivery plans.

Written apart from the OR-Tools model: it shares only :class:`RoutingProblem`. A plan is one
sequence of stop locations per vehicle (depots implicit). The checker verifies, in double
precision:

- every location belongs to a request and is visited at most once; each request is either
  served completely (pickup, then delivery, same vehicle) or dropped (allowed only when the
  problem has a ``drop_penalty``); at most ``n_vehicles`` routes;
- the load never exceeds the vehicle's capacity (nor drops below zero);
- a schedule exists: service starts ``B`` with ``B_next >= B + service + travel``, windows
  ``tw_early <= B <= tw_late``, ride times ``B_d - (B_p + s_p) <= max_ride`` and route
  duration ``B_end - B_start <= max_duration``. With ride-time and duration limits the
  earliest-start schedule is not enough (waiting must sometimes be shifted); the constraints
  form a simple temporal network, i.e. difference constraints, whose consistency is decided
  exactly by Bellman-Ford (no negative cycle).

The reported schedule ends each route as early as possible, leaves the depot as late as that
allows and serves every stop as early as possible given both (a feasible schedule of the
same temporal network, with little idle time at either end).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kl_mobility.routing.types import CheckReport, Route, RoutingProblem, Stop, StopKind

__all__ = ["check_routes"]

#: Absolute tolerance on time comparisons (time units of the problem).
TIME_TOL = 1e-6


def _bellman_ford(nv: int, u: np.ndarray, v: np.ndarray, w: np.ndarray,
                  source: int) -> np.ndarray | None:
    """Shortest distances from ``source``; ``None`` when a negative cycle is reachable."""
    d = np.full(nv, np.inf)
    d[source] = 0.0
    for _ in range(nv + 1):
        cand = d[u] + w
        new = d.copy()
        np.minimum.at(new, v, cand)
        if np.array_equal(new, d):
            return d
        d = new
    return None


class _Stn:
    """Difference constraints ``x_b - x_a <= w`` over route positions plus a zero node."""

    def __init__(self, n_pos: int) -> None:
        self.n = n_pos + 1
        self.zero = n_pos
        self.edges: list[tuple[int, int, float]] = []

    def le(self, a: int, b: int, w: float) -> None:
        """Add ``x_b - x_a <= w``."""
        if np.isfinite(w):
            self.edges.append((a, b, w + TIME_TOL))

    def arrays(self, extra: Sequence[tuple[int, int, float]] = ()):
        e = self.edges + list(extra)
        u = np.array([x[0] for x in e], dtype=np.int64)
        v = np.array([x[1] for x in e], dtype=np.int64)
        w = np.array([x[2] for x in e], dtype=np.float64)
        return u, v, w

    def consistent(self, extra: Sequence[tuple[int, int, float]] = ()) -> bool:
        u, v, w = self.arrays(extra)
        return _bellman_ford(self.n, v, u, w, self.zero) is not None

    def latest(self, extra: Sequence[tuple[int, int, float]] = ()) -> np.ndarray | None:
        u, v, w = self.arrays(extra)
        return _bellman_ford(self.n, u, v, w, self.zero)

    def earliest(self, extra: Sequence[tuple[int, int, float]] = ()) -> np.ndarray | None:
        u, v, w = self.arrays(extra)
        d = _bellman_ford(self.n, v, u, w, self.zero)  # distances to zero on reversed edges
        return None if d is None else -d


def _check_route(p: RoutingProblem, veh: int, seq: list[int], req_of: np.ndarray,
                 violations: list[str]) -> Route:
    start, end = int(p.start[veh]), int(p.end[veh])
    locs = [start, *seq, end]
    m = len(locs)
    # capacity
    load = 0
    loads = []
    for k, loc in enumerate(locs):
        load += int(p.load[loc])
        loads.append(load)
        if load > p.capacity[veh]:
            violations.append(f"vehicle {veh}: capacity {p.capacity[veh]} exceeded at stop {k} "
                              f"(location {loc}, load {load})")
        if load < 0:
            violations.append(f"vehicle {veh}: negative load at stop {k} (location {loc})")
    # earliest-start pass: the best case for time windows
    b = float(p.tw_early[start])
    times_ok = True
    for k in range(1, m):
        a, c = locs[k - 1], locs[k]
        b = max(b + p.service[a] + p.time[a, c], float(p.tw_early[c]))
        if b > p.tw_late[c] + TIME_TOL:
            violations.append(f"vehicle {veh}: time window of stop {k} (location {c}) missed: "
                              f"earliest service start {b:.4f} > latest {p.tw_late[c]:.4f}")
            times_ok = False
    # temporal network
    stn = _Stn(m)
    z = stn.zero
    for k, loc in enumerate(locs):
        stn.le(z, k, float(p.tw_late[loc]))
        stn.le(k, z, -float(p.tw_early[loc]))
        if k:
            prev = locs[k - 1]
            stn.le(k, k - 1, -float(p.service[prev] + p.time[prev, loc]))
    base = list(stn.edges)
    pos = {loc: k for k, loc in enumerate(locs)}
    ride: list[tuple[int, tuple[int, int, float]]] = []
    for k, loc in enumerate(seq, start=1):
        r = int(req_of[loc])
        if r >= 0 and loc == p.pickups[r] and int(p.deliveries[r]) in pos:
            lim = float(p.max_ride[r])
            if np.isfinite(lim):
                kd = pos[int(p.deliveries[r])]
                ride.append((r, (k, kd, lim + float(p.service[loc]) + TIME_TOL)))
    dur = []
    if np.isfinite(p.max_duration[veh]):
        dur = [(0, m - 1, float(p.max_duration[veh]) + TIME_TOL)]
    stn.edges = base + [e for _, e in ride] + dur
    schedule = None
    if times_ok:
        earliest = stn.earliest()
        if earliest is None:
            stn.edges = base
            if dur and not stn.consistent(dur):
                violations.append(f"vehicle {veh}: maximum route duration "
                                  f"{p.max_duration[veh]:g} cannot be met")
            bad = [r for r, e in ride if not stn.consistent([e])]
            for r in bad:
                violations.append(f"vehicle {veh}: maximum ride time {p.max_ride[r]:g} of "
                                  f"request {r} cannot be met")
            if not bad and not (dur and not stn.consistent(dur)):
                violations.append(f"vehicle {veh}: ride-time and duration limits cannot be "
                                  "met together")
        else:  # finish as early as possible, leave as late as that allows
            t_end = float(earliest[m - 1])
            latest = stn.latest([(z, m - 1, t_end)])
            t0 = float(latest[0]) if latest is not None else float(earliest[0])
            schedule = stn.earliest([(z, 0, t0), (0, z, -t0), (z, m - 1, t_end)])
            if schedule is None:  # pragma: no cover - numerical corner
                schedule = earliest
    if schedule is None:  # report the earliest-start schedule of the infeasible route
        schedule = np.empty(m)
        schedule[0] = p.tw_early[start]
        for k in range(1, m):
            a, c = locs[k - 1], locs[k]
            schedule[k] = max(schedule[k - 1] + p.service[a] + p.time[a, c], p.tw_early[c])
    stops = []
    distance = 0.0
    for k, loc in enumerate(locs):
        kind: StopKind
        if k == 0:
            kind, arrival = "start", float(schedule[0])
        else:
            prev = locs[k - 1]
            distance += float(p.dist[prev, loc])
            arrival = float(schedule[k - 1] + p.service[prev] + p.time[prev, loc])
            if k == m - 1:
                kind = "end"
            else:
                r = int(req_of[loc])
                kind = "pickup" if r >= 0 and p.pickups[r] == loc else "delivery"
        bk = float(schedule[k])
        stops.append(Stop(location=loc, kind=kind, request=int(req_of[loc]) if 0 < k < m - 1
                          else -1, arrival=arrival, start=bk,
                          departure=bk + float(p.service[loc]), load=loads[k]))
    return Route(vehicle=veh, stops=tuple(stops), distance=distance,
                 duration=float(schedule[m - 1] - schedule[0]))


def check_routes(problem: RoutingProblem, routes: Sequence[Sequence[int]]) -> CheckReport:
    """Check a plan against ``problem`` and recompute its schedule and distance.

    ``routes[v]`` is the sequence of pickup/delivery locations vehicle ``v`` visits, without
    its depots (an empty sequence: the vehicle stays unused). Returns a
    :class:`CheckReport` listing every violation found; ``feasible`` is true when there is
    none.
    """
    p = problem
    violations: list[str] = []
    if len(routes) > p.n_vehicles:
        violations.append(f"{len(routes)} routes for {p.n_vehicles} vehicles")
    req_of = p.request_of()
    seen: dict[int, tuple[int, int]] = {}
    clean: list[list[int]] = []
    for veh, seq in enumerate(routes):
        seq = [int(x) for x in seq]
        keep = []
        for k, loc in enumerate(seq, start=1):
            if loc < 0 or loc >= p.n_locations or req_of[loc] < 0:
                violations.append(f"vehicle {veh}: stop {k} location {loc} is no pickup or "
                                  "delivery")
                continue
            if loc in seen:
                violations.append(f"location {loc} visited twice (vehicles {seen[loc][0]} "
                                  f"and {veh})")
                continue
            seen[loc] = (veh, k)
            keep.append(loc)
        clean.append(keep)
    dropped = []
    for r in range(p.n_requests):
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        a, b = seen.get(pu), seen.get(de)
        if a is None and b is None:
            dropped.append(r)
            if p.drop_penalty is None:
                violations.append(f"request {r} not served")
        elif a is None or b is None:
            violations.append(f"request {r}: only its {'pickup' if b is None else 'delivery'} "
                              "is visited")
        elif a[0] != b[0]:
            violations.append(f"request {r}: pickup on vehicle {a[0]}, delivery on vehicle "
                              f"{b[0]}")
        elif a[1] > b[1]:
            violations.append(f"request {r}: delivery before pickup on vehicle {a[0]}")
    out_routes = []
    for veh, seq in enumerate(clean[: p.n_vehicles]):
        if seq:
            out_routes.append(_check_route(p, veh, seq, req_of, violations))
    distance = float(sum(r.distance for r in out_routes))
    return CheckReport(feasible=not violations, violations=tuple(violations), distance=distance,
                       n_vehicles_used=len(out_routes), dropped=tuple(dropped),
                       routes=tuple(out_routes))
