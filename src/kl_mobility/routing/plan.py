"""Static plans for request tables on the road network: pre-booked service and hindsight.

:func:`problem_from_requests` turns a request table (:mod:`kl_mobility.demand.schema`
columns) into a :class:`RoutingProblem` on the travel-time oracle, using the *same* service
rules as the simulation (:class:`kl_mobility.sim.config.ServiceConfig`):

- pickup window ``[e, e + max_wait_s]`` with ``e = earliest_pickup_s`` (else
  ``request_time_s``);
- drop-off deadline ``e + max_wait_s + ceil(detour_factor * direct_s) + detour_const_s``,
  or the request's ``latest_dropoff_s`` when earlier;
- stop time ``stop_dwell_s + board_s_per_passenger * passengers`` at pickup and drop-off;
- vehicles leave the depot (``ServiceConfig.depot_nodes[0]``, else the node nearest the
  network's centre) and return to it unless ``return_to_depot=False``.

Requests may be left unserved at a prohibitive penalty (served count first, then
vehicle-km). Door-to-door service at the request's ``origin_node``/``dest_node``; like the
simulation, external-zone offsets (``*_offset_s``) are not driven.

:func:`plan_requests` solves and tabulates the plan like a simulation run (trips, stops,
vehicles, KPIs via :func:`kl_mobility.results.kpis.compute_kpis`); :func:`hindsight_plan`
is the same for the hindsight benchmark of a simulated day.
"""

from __future__ import annotations

import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback
from kl_mobility.routing.model import SearchOptions, solve
from kl_mobility.routing.types import RoutingProblem, Solution
from kl_mobility.sim.config import ServiceConfig

__all__ = [
    "PlanResult",
    "hindsight_compare",
    "hindsight_plan",
    "plan_requests",
    "problem_from_requests",
    "read_plan_requests",
]

#: Travel time standing in for "unreachable" so matrices stay finite (10 days, in s).
UNREACHABLE_S = 10 * 86_400
#: Distance standing in for "unreachable" (m).
UNREACHABLE_M = 1e7


@dataclass(frozen=True, eq=False)
class PlanResult:
    """A solved plan and its tables.

    ``trips``: one row per request (request_id, status, vehicle_id, pickup_time_s,
    dropoff_time_s, wait_s, ride_s, direct_s, direct_m, detour_ratio, shared, passengers);
    ``stops``: one row per stop (vehicle_id, seq, kind, request_id, node, arrival_s,
    start_s, departure_s, load); ``vehicles``: per used vehicle (km_total, km_occupied,
    km_empty, passenger_km, hours_in_service); ``kpis``: the simulation's KPI keys plus
    ``vehicles_used``, ``distance_m`` and ``solve_s``.
    """

    solution: Solution
    problem: RoutingProblem
    loc_node: np.ndarray
    trips: pd.DataFrame
    stops: pd.DataFrame
    vehicles: pd.DataFrame
    kpis: dict[str, float]


def read_plan_requests(path: str | Path, network: Any) -> pd.DataFrame:
    """Read a request table with the demand model's validating reader (raises InputError)."""
    from kl_mobility.demand.io import requests_from_file

    requests, _rejects = requests_from_file(path, network)
    return requests


def _opt(requests: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    if col not in requests.columns:
        n = len(requests)
        return np.zeros(n, np.int64), np.zeros(n, bool)
    s = requests[col]
    has = s.notna().to_numpy()
    return s.fillna(0).to_numpy(np.int64), has


def default_depot(service: ServiceConfig, network: Any | None) -> int:
    """``service.depot_nodes[0]``, else the node nearest the network's centre."""
    if service.depot_nodes:
        return int(service.depot_nodes[0])
    if network is None:
        raise ValueError("depot_node is required when no network is given")
    x, y = np.asarray(network.node_x), np.asarray(network.node_y)
    return int(np.argmin((x - x.mean()) ** 2 + (y - y.mean()) ** 2))


def problem_from_requests(requests: pd.DataFrame, oracle: Any, *, fleet: int,
                          capacity: int | Sequence[int],
                          depot_node: int, service: ServiceConfig | None = None,
                          start_nodes: Sequence[int] | None = None,
                          return_to_depot: bool = True,
                          max_ride_s: float | None = None,
                          fixed_cost_m: float = 0.0) -> tuple[RoutingProblem, np.ndarray]:
    """The routing problem of ``requests``; also returns the network node of each location.

    Locations: the start nodes (one per distinct start), the end (the depot, or a virtual
    location at zero time and distance from everywhere when ``return_to_depot`` is false;
    its node is -1), then one pickup and one drop-off per request, in table order. Times in
    seconds, distances in metres. ``max_ride_s`` adds a ride-time limit on top of the
    drop-off deadlines (the simulation has none).
    """
    svc = service or ServiceConfig()
    n = len(requests)
    if fleet < 1 or int(np.min(capacity)) < 1:
        raise ValueError("fleet and capacity must be >= 1")
    for col in ("request_id", "request_time_s", "origin_node", "dest_node"):
        if col not in requests.columns:
            raise InputError(f"requests: missing column {col!r}")
    origin = requests["origin_node"].to_numpy(np.int64)
    dest = requests["dest_node"].to_numpy(np.int64)
    pax = (requests["passengers"].to_numpy(np.int64) if "passengers" in requests.columns
           else np.ones(n, np.int64))
    t_req = requests["request_time_s"].to_numpy(np.int64)
    earliest, has_e = _opt(requests, "earliest_pickup_s")
    latest, has_l = _opt(requests, "latest_dropoff_s")
    early0 = np.where(has_e, earliest, t_req)
    starts = np.asarray(start_nodes if start_nodes is not None else [depot_node] * fleet,
                        np.int64)
    if starts.shape != (fleet,):
        raise ValueError(f"start_nodes must have {fleet} entries")
    start_u, start_loc = np.unique(starts, return_inverse=True)
    n_start = start_u.size
    end_node = depot_node if return_to_depot else -1
    loc_node = np.concatenate([start_u, [end_node], origin, dest]).astype(np.int64)
    real = loc_node >= 0
    tt_r, dist_r = oracle.submatrix(loc_node[real])
    tt_r = np.asarray(tt_r, np.float64)
    dist_r = np.asarray(dist_r, np.float64)
    bad = ~np.isfinite(tt_r) | (tt_r >= UNREACHABLE_S)
    tt_r[bad] = UNREACHABLE_S
    dist_r[bad | ~np.isfinite(dist_r)] = UNREACHABLE_M
    m = loc_node.size
    tt = np.zeros((m, m))
    dist = np.zeros((m, m))
    ix = np.flatnonzero(real)
    tt[np.ix_(ix, ix)] = tt_r
    dist[np.ix_(ix, ix)] = dist_r
    end_loc = n_start
    pu = n_start + 1 + np.arange(n)
    de = pu + n
    direct = tt[pu, de]
    late_pick = early0 + svc.max_wait_s
    late_drop = late_pick + np.ceil(svc.detour_factor * direct).astype(np.int64) \
        + svc.detour_const_s
    late_drop = np.where(has_l, np.minimum(late_drop, latest), late_drop)
    stop_s = svc.stop_dwell_s + svc.board_s_per_passenger * pax
    stop_time = np.zeros(m)
    stop_time[pu] = stop_s
    stop_time[de] = stop_s
    load = np.zeros(m, np.int64)
    load[pu] = pax
    load[de] = -pax
    finite_back = tt[:, end_loc][tt[:, end_loc] < UNREACHABLE_S]
    horizon = float(max(late_drop.max(initial=0), svc.end_s) + stop_s.max(initial=0)
                    + finite_back.max(initial=0))
    e = np.zeros(m)
    lt = np.full(m, horizon)
    e[pu] = early0
    lt[pu] = np.minimum(late_pick, horizon)
    e[de] = early0
    lt[de] = np.minimum(np.maximum(late_drop, early0), horizon)
    penalty = 100.0 * float(dist_r[dist_r < UNREACHABLE_M].max(initial=1000.0)) + 1e6
    problem = RoutingProblem(
        time=tt, dist=dist, service=stop_time, load=load, tw_early=e, tw_late=lt,
        pickups=pu, deliveries=de,
        max_ride=np.inf if max_ride_s is None else float(max_ride_s),
        n_vehicles=fleet, capacity=capacity, start=start_loc, end=end_loc,
        max_duration=np.inf, fixed_cost=fixed_cost_m, drop_penalty=penalty, name="plan",
    )
    return problem, loc_node


def _tables(problem: RoutingProblem, sol: Solution, loc_node: np.ndarray,
            requests: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n = problem.n_requests
    rid = requests["request_id"].to_numpy(np.int64)
    pax = problem.load[problem.pickups]
    veh = np.full(n, -1, np.int64)
    t_pu = np.full(n, -1.0)
    t_de = np.full(n, -1.0)
    shared = np.zeros(n, bool)
    stops_rows = []
    veh_rows = []
    for route in sol.routes:
        onboard: set[int] = set()
        km = km_occ = pkm = 0.0
        prev = None
        for seq, s in enumerate(route.stops):
            if prev is not None:
                d = float(problem.dist[prev.location, s.location]) / 1000.0
                km += d
                if prev.load > 0:
                    km_occ += d
                    pkm += prev.load * d
            if s.kind == "pickup":
                veh[s.request] = route.vehicle
                t_pu[s.request] = s.start
                onboard.add(s.request)
                if len(onboard) > 1:
                    shared[list(onboard)] = True
            elif s.kind == "delivery":
                t_de[s.request] = s.start
                onboard.discard(s.request)
            stops_rows.append((route.vehicle, seq, s.kind,
                               int(rid[s.request]) if s.request >= 0 else -1,
                               int(loc_node[s.location]), s.arrival, s.start, s.departure,
                               s.load))
            prev = s
        veh_rows.append((route.vehicle, km, km_occ, km - km_occ, pkm, route.duration / 3600))
    served = veh >= 0
    direct_s = problem.time[problem.pickups, problem.deliveries]
    direct_m = problem.dist[problem.pickups, problem.deliveries]
    early0 = problem.tw_early[problem.pickups]
    ride = np.where(served, t_de - t_pu, -1.0)
    trips = pd.DataFrame({
        "request_id": rid,
        "status": np.where(served, "served", "rejected"),
        "reason": np.where(served, "", "not_planned"),
        "vehicle_id": veh,
        "passengers": pax.astype(np.int64),
        "pickup_time_s": np.round(t_pu).astype(np.int64),
        "dropoff_time_s": np.round(t_de).astype(np.int64),
        "wait_s": np.where(served, np.round(t_pu - early0), -1).astype(np.int64),
        "ride_s": np.round(ride).astype(np.int64),
        "direct_s": direct_s.astype(np.int64),
        "direct_m": direct_m,
        "detour_ratio": np.where(served, ride / np.maximum(direct_s, 1.0), np.nan),
        "shared": shared,
    })
    stops = pd.DataFrame(stops_rows, columns=["vehicle_id", "seq", "kind", "request_id",
                                              "node", "arrival_s", "start_s", "departure_s",
                                              "load"])
    vehicles = pd.DataFrame(veh_rows, columns=["vehicle_id", "km_total", "km_occupied",
                                               "km_empty", "passenger_km", "hours_in_service"])
    vehicles["energy_kwh"] = 0.0
    vehicles["fuel_l"] = 0.0
    return trips, stops, vehicles


def plan_requests(requests: pd.DataFrame, oracle: Any, *, fleet: int,
                  capacity: int | Sequence[int],
                  depot_node: int | None = None, network: Any | None = None,
                  service: ServiceConfig | None = None,
                  service_overrides: Mapping[str, Any] | None = None,
                  start_nodes: Sequence[int] | None = None, return_to_depot: bool = True,
                  max_ride_s: float | None = None, options: SearchOptions | None = None,
                  progress: ProgressCallback | None = None) -> PlanResult:
    """Plan ``requests`` with ``fleet`` vehicles of ``capacity`` seats; see the module doc."""
    from kl_mobility.results.kpis import compute_kpis

    svc = service or ServiceConfig()
    if service_overrides:
        try:
            svc = replace(svc, **dict(service_overrides))
        except (TypeError, ValueError) as exc:
            raise InputError(f"service: {exc}") from exc
    depot = int(depot_node) if depot_node is not None else default_depot(svc, network)
    n_nodes = int(getattr(oracle, "n_nodes", depot + 1))
    if not 0 <= depot < n_nodes:
        raise InputError(f"depot node {depot} is not a network node (0..{n_nodes - 1})")
    t0 = _time.perf_counter()
    problem, loc_node = problem_from_requests(
        requests, oracle, fleet=fleet, capacity=capacity, depot_node=depot, service=svc,
        start_nodes=start_nodes, return_to_depot=return_to_depot, max_ride_s=max_ride_s)
    opts = options or SearchOptions(time_limit_s=60.0)
    sol = solve(problem, opts, progress=progress)
    trips, stops, vehicles = _tables(problem, sol, loc_node, requests)
    kpis = compute_kpis(trips, vehicles)
    for key in ("energy_kwh", "fuel_l"):  # not modelled by the static plan
        kpis.pop(key, None)
    kpis.update({"vehicles_used": float(sol.n_vehicles_used), "distance_m": sol.distance,
                 "feasible": float(sol.feasible), "solve_s": _time.perf_counter() - t0})
    return PlanResult(solution=sol, problem=problem, loc_node=loc_node, trips=trips,
                      stops=stops, vehicles=vehicles, kpis=kpis)


def hindsight_plan(requests: pd.DataFrame, oracle: Any, fleet: int,
                   capacity: int | Sequence[int], *,
                   service: ServiceConfig | None = None, depot_node: int | None = None,
                   network: Any | None = None, start_nodes: Sequence[int] | None = None,
                   trips: pd.DataFrame | None = None, return_to_depot: bool = False,
                   time_limit_s: float = 60.0,
                   options: SearchOptions | None = None) -> PlanResult:
    """The static optimum of a simulated day, with every request known in advance.

    Pass the simulation's ``trips`` table to plan only the requests the online dispatcher
    served (the fair comparison of vehicle-km for the same work), and its vehicles' initial
    nodes as ``start_nodes``. By default vehicles need not return to a depot (as in the
    simulation). Compare ``result.kpis["vehicle_km"]`` with the run's KPI.
    """
    req = requests
    if trips is not None:
        served_ids = trips.loc[trips["status"] == "served", "request_id"].to_numpy()
        req = requests[requests["request_id"].isin(served_ids)].reset_index(drop=True)
    opts = options or SearchOptions(time_limit_s=time_limit_s)
    return plan_requests(req, oracle, fleet=fleet, capacity=capacity, depot_node=depot_node,
                         network=network, service=service, start_nodes=start_nodes,
                         return_to_depot=return_to_depot, options=opts)


def hindsight_compare(result: Any, requests: pd.DataFrame, oracle: Any, *,
                      service: ServiceConfig | None = None, network: Any | None = None,
                      start_nodes: Sequence[int] | None = None,
                      time_limit_s: float = 60.0) -> dict[str, float]:
    """Online day against hindsight: the simulation ``result`` (``trips``, ``vehicles`` and
    ``kpis`` as in :class:`kl_mobility.results.records.SimulationResult`) against the static
    plan of the requests it served, with the same vehicles (count and capacities).

    Returns ``n_served``, ``online_vehicle_km``, ``hindsight_vehicle_km``, ``km_ratio``
    (online / hindsight), ``online_vehicle_hours``, ``hindsight_vehicle_hours``,
    ``hindsight_served`` and ``hindsight_feasible``. Vehicles start at the depot unless
    ``start_nodes`` are given (use the run's initial positions when vehicles start spread).
    The online vehicle-km include any empty driving the policy chose (e.g. rebalancing).
    """
    caps = result.vehicles["capacity"].to_numpy(np.int64)
    plan = hindsight_plan(requests, oracle, int(caps.size), caps, service=service,
                          network=network, start_nodes=start_nodes, trips=result.trips,
                          time_limit_s=time_limit_s)
    online_km = float(result.kpis.get("vehicle_km", result.vehicles["km_total"].sum()))
    hind_km = float(plan.kpis["vehicle_km"])
    return {
        "n_served": float((result.trips["status"] == "served").sum()),
        "online_vehicle_km": online_km,
        "hindsight_vehicle_km": hind_km,
        "km_ratio": online_km / hind_km if hind_km > 0 else float("nan"),
        "online_vehicle_hours": float(result.vehicles["hours_in_service"].sum()),
        "hindsight_vehicle_hours": float(plan.kpis["vehicle_hours"]),
        "hindsight_served": float(plan.kpis["n_served"]),
        "hindsight_feasible": float(plan.solution.feasible),
    }
