"""Static plans for request tables on the road network (pre-booked service).

:func:`problem_from_requests` turns a request table (:mod:`kl_mobility.demand.schema`
columns) into a :class:`RoutingProblem` on the travel-time oracle, using the *same* service
rules as the simulation (:class:`kl_mobility.service.ServiceConfig` and the rules of
:mod:`kl_mobility.service`):

- pickup window ``[e, e + max_wait_s]`` with ``e = earliest_pickup_s`` (else
  ``request_time_s``);
- drop-off deadline ``e + max_wait_s + ceil(detour_factor * direct_s) + detour_const_s``,
  or the request's ``latest_dropoff_s`` when earlier;
- stop time ``stop_dwell_s + board_s_per_passenger * passengers`` at pickup and drop-off;
- vehicles leave the depot (``ServiceConfig.depot_nodes[0]``, else the node nearest the
  network's centre) and return to it unless ``return_to_depot=False``;
- (in :func:`plan_requests`) a request whose desired pickup lies outside the service's
  ``[start_s, end_s)`` or outside every vehicle type's own hours is not planned and is
  ``rejected`` as ``outside_hours`` (:func:`kl_mobility.service.in_service_hours`, the
  simulation's rule).

External zones (Ortsbezirke outside the network, attached to a boundary node with a one-way
travel-time offset ``origin_offset_s`` / ``dest_offset_s``) are served as the simulation
serves them (:mod:`kl_mobility.sim.engine`, ``Engine._req_args``): the stop is planned at the
boundary node and the vehicle drives out to the zone and back while there, so the stop time
grows by ``2 x offset`` and the windows move back by the offset (pickup
``[e - off_o, e + max_wait_s - off_o]``, drop-off deadline ``late_drop - off_d``); the
rider's windows, direct time ``off_o + tt + off_d`` and so the detour deadline are door to
door. The out-and-back distance (``*_offset_m`` when the table has it, else
``offset_s x external_speed_kmh / 3.6``) counts in ``km_total`` (occupied when someone is
aboard on that leg, and in passenger-km) and in ``km_external``.

Requests may be left unserved at a prohibitive penalty (served count first, then
vehicle-km). Door-to-door service at the request's ``origin_node``/``dest_node``.

:func:`plan_requests` solves and tabulates the plan like a simulation run (trips, stops,
vehicles, KPIs via :func:`kl_mobility.results.kpis.compute_kpis`; energy or fuel per
vehicle from the vehicle type's consumption and, with an emissions config, the CO2 account
of :func:`kl_mobility.emissions.co2_account`, the simulation's). The hindsight benchmark
of a simulated day (``kl-mobility hindsight``) builds on it in
:mod:`kl_mobility.planning.hindsight`.
"""

from __future__ import annotations

import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.emissions import EmissionsConfig
from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback
from kl_mobility.routing.model import SearchOptions, solve
from kl_mobility.routing.types import RoutingProblem, Solution
from kl_mobility.service import (
    DEFAULT_EXTERNAL_SPEED_KMH,
    ServiceConfig,
    at_boundary,
    depot_nodes,
    desired_pickup_s,
    dropoff_deadline,
    dwell_s,
    in_service_hours,
    optional_times,
    pickup_deadline,
    structural_reasons,
    wrap_past_midnight,
)
from kl_mobility.service import external_offsets as _external_offsets
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = [
    "PlanResult",
    "PlanSetup",
    "default_depot",
    "desired_pickup_s",
    "external_offsets",
    "plan_requests",
    "plan_vehicle_type",
    "problem_from_requests",
    "read_plan_requests",
]

#: Travel time standing in for "unreachable" so matrices stay finite (10 days, in s).
UNREACHABLE_S = 10 * 86_400
#: Distance standing in for "unreachable" (m).
UNREACHABLE_M = 1e7


@dataclass(frozen=True, eq=False)
class PlanSetup:
    """The vehicles and rules of a static plan (:func:`plan_requests`,
    :func:`~kl_mobility.planning.hindsight.hindsight_plan`, :func:`problem_from_requests`).

    ``fleet`` vehicles of ``capacity`` seats (one for all, or one per vehicle);
    ``depot_node``: where they leave from and return to (default
    ``service.depot_nodes[0]``, else the node nearest the centre of ``network``);
    ``service``: the service rules (default :class:`~kl_mobility.service.ServiceConfig`),
    with ``service_overrides`` (field -> value, e.g. ``{"max_wait_s": 300}``) applied;
    ``start_nodes``: one start node per vehicle (default the depot);
    ``return_to_depot``: end at the depot (else at the last drop-off); ``max_ride_s``: a
    ride-time limit on top of the drop-off deadlines (the simulation has none);
    ``vehicle_type``: one type for all, or one per vehicle (default the simulation's
    default electric van), for type names, drivetrain and consumption; ``emissions``: the
    CO2 factors (default factors); ``external_speed_kmh``: speed between an outer district
    and its boundary node when the table has no distance column.
    """

    fleet: int
    capacity: int | Sequence[int]
    depot_node: int | None = None
    network: Any | None = None
    service: ServiceConfig | None = None
    service_overrides: Mapping[str, Any] | None = None
    start_nodes: Sequence[int] | None = None
    return_to_depot: bool = True
    max_ride_s: float | None = None
    vehicle_type: VehicleTypeConfig | Sequence[VehicleTypeConfig] | None = None
    emissions: EmissionsConfig | None = None
    external_speed_kmh: float = DEFAULT_EXTERNAL_SPEED_KMH


@dataclass(frozen=True, eq=False)
class PlanResult:
    """A solved plan and its tables.

    ``problem`` and ``loc_node`` cover the planned requests (those in the service hours);
    ``trips``: one row per request of the table, in its order (request_id, request_time_s, alt_mode, status, reason,
    vehicle_id, vehicle_type, passengers, pickup_time_s, dropoff_time_s, wait_s, ride_s,
    direct_s, direct_m, detour_ratio, shared, origin_offset_s, dest_offset_s, km_external;
    times are the rider's, at an external zone where there is one);
    ``stops``: one row per stop (vehicle_id, seq, kind, request_id, node, arrival_s,
    start_s, departure_s, load; at the boundary node for an external end);
    ``vehicles``: per used vehicle (vehicle_type, drivetrain, capacity, km_total,
    km_occupied, km_empty, passenger_km, km_external, hours_in_service = route duration,
    energy_kwh, fuel_l); ``kpis``: the simulation's KPI keys, ``km_external``, the CO2
    account's ``co2_*`` keys, ``vehicles_used``, ``distance_m`` (road distance of the
    routes, without external km), ``feasible`` and ``solve_s``.
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


def plan_vehicle_type(scenario: Any, name: str | None = None) -> VehicleTypeConfig:
    """The vehicle type a plan of ``scenario`` uses: its type ``name``, else its first
    door-to-door type without a speed cap (the static plan drives door to door at the
    network's speeds), else the simulation's default van. A missing, stop-based or
    speed-capped ``name`` raises :class:`~kl_mobility.errors.InputError` (as
    ``--vehicle-type``)."""
    types = {vt.name: vt for vt in scenario.fleet}
    if name is not None:
        if name not in types:
            raise InputError(f"--vehicle-type: scenario {scenario.name!r} has no type "
                             f"{name!r}; its types: {', '.join(types) or 'none'}")
        vt = types[name]
        if vt.stop_based or vt.speed_cap_kmh > 0:
            raise InputError(f"--vehicle-type: {name!r} is stop-based or speed-capped; the "
                             "static plan serves door to door at the network's speeds")
        return vt
    for vt in scenario.fleet:
        if not vt.stop_based and vt.speed_cap_kmh == 0:
            return vt
    return VehicleTypeConfig(name="van", count=1)


def external_offsets(requests: pd.DataFrame, end: str,
                     speed_kmh: float = DEFAULT_EXTERNAL_SPEED_KMH,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """One-way ``(seconds int64, metres float64)`` between the ``end`` ("origin" or "dest")
    of each request and its network node, as the simulation derives them
    (:func:`kl_mobility.service.external_offsets`); a bad column raises
    :class:`~kl_mobility.errors.InputError`."""
    try:
        return _external_offsets(requests, end, speed_kmh)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def default_depot(service: ServiceConfig, network: Any | None) -> int:
    """``service.depot_nodes[0]``, else the node nearest the network's centre."""
    if service.depot_nodes:
        return int(service.depot_nodes[0])
    if network is None:
        raise ValueError("depot_node is required when no network is given")
    return int(depot_nodes(service, np.asarray(network.node_x, np.float64),
                           np.asarray(network.node_y, np.float64))[0])


def problem_from_requests(requests: pd.DataFrame, oracle: Any, setup: PlanSetup, *,
                          depot_node: int, fixed_cost_m: float = 0.0,
                          ) -> tuple[RoutingProblem, np.ndarray]:
    """The routing problem of ``requests`` with the vehicles and rules of ``setup`` (its
    ``fleet``, ``capacity``, ``service``, ``start_nodes``, ``return_to_depot``,
    ``max_ride_s``, ``external_speed_kmh``; the depot is ``depot_node``, the overrides and
    vehicle types are :func:`plan_requests`'); also returns the network node of each
    location.

    Locations: the start nodes (one per distinct start), the end (the depot, or a virtual
    location at zero time and distance from everywhere when ``return_to_depot`` is false;
    its node is -1), then one pickup and one drop-off per request, in table order. Times in
    seconds, distances in metres. ``max_ride_s`` adds a ride-time limit on top of the
    drop-off deadlines (the simulation has none). External-zone ends (``*_offset_s`` > 0)
    lengthen the stop time by ``2 x offset`` and shift the windows back by the offset (see
    the module doc); ``external_speed_kmh`` is only checked here (distances: :func:`_tables`).
    """
    svc = setup.service or ServiceConfig()
    fleet, capacity, start_nodes = setup.fleet, setup.capacity, setup.start_nodes
    return_to_depot, max_ride_s = setup.return_to_depot, setup.max_ride_s
    external_speed_kmh = setup.external_speed_kmh
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
    earliest, has_e = optional_times(requests, "earliest_pickup_s")
    latest, has_l = optional_times(requests, "latest_dropoff_s")
    if optional_times(requests, "latest_pickup_s")[1].any():
        raise InputError("requests: latest_pickup_s (a request's own pickup deadline) is not "
                         "modelled by static plans; plan those requests without it")
    early0 = np.where(has_e, earliest, t_req)
    off_o, _ = external_offsets(requests, "origin", external_speed_kmh)
    off_d, _ = external_offsets(requests, "dest", external_speed_kmh)
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
    direct = tt[pu, de] + off_o + off_d  # door to door
    late_pick = pickup_deadline(svc.max_wait_s, early0)
    late_drop = dropoff_deadline(late_pick, direct, svc.detour_factor, svc.detour_const_s,
                                 latest, has_l)
    # at the boundary node of an outer district: out to the district and back while there
    early_b, late_pick_b, late_drop_b, dwell_pick, dwell_drop = at_boundary(
        early0, late_pick, late_drop, dwell_s(svc, pax), off_o, off_d)
    stop_time = np.zeros(m)
    stop_time[pu] = dwell_pick
    stop_time[de] = dwell_drop
    load = np.zeros(m, np.int64)
    load[pu] = pax
    load[de] = -pax
    finite_back = tt[:, end_loc][tt[:, end_loc] < UNREACHABLE_S]
    horizon = float(max(late_drop.max(initial=0), svc.end_s) + stop_time.max(initial=0)
                    + finite_back.max(initial=0))
    e = np.zeros(m)
    lt = np.full(m, horizon)
    # windows on the service start at the boundary node: the rider boards off_o later and
    # alights off_d after the arrival there
    e[pu] = np.maximum(early_b, 0)
    lt[pu] = np.maximum(np.minimum(late_pick_b, horizon), e[pu])
    e[de] = e[pu]
    lt[de] = np.minimum(np.maximum(late_drop_b, e[pu]), horizon)
    penalty = 100.0 * float(dist_r[dist_r < UNREACHABLE_M].max(initial=1000.0)) + 1e6
    problem = RoutingProblem(
        time=tt, dist=dist, service=stop_time, load=load, tw_early=e, tw_late=lt,
        pickups=pu, deliveries=de,
        max_ride=np.inf if max_ride_s is None else float(max_ride_s),
        n_vehicles=fleet, capacity=capacity, start=start_loc, end=end_loc,
        max_duration=np.inf, fixed_cost=fixed_cost_m, drop_penalty=penalty, name="plan",
    )
    return problem, loc_node


def _unplanned_reasons(problem: RoutingProblem, loc_node: np.ndarray,
                       served: np.ndarray) -> np.ndarray:
    """Reason per request: "" when served; else the simulation's structural reasons
    (:func:`kl_mobility.service.structural_reasons`: ``unreachable``, ``same_node``,
    ``too_many_passengers``, in that order of precedence), else ``not_planned``."""
    pu, de = problem.pickups, problem.deliveries
    reason = structural_reasons(
        problem.n_requests, unreachable=problem.time[pu, de] >= UNREACHABLE_S,
        same_node=loc_node[pu] == loc_node[de],
        too_many_passengers=problem.load[pu] > int(problem.capacity.max()),
        default="not_planned")
    reason[served] = ""
    return reason


def _tables(problem: RoutingProblem, sol: Solution, loc_node: np.ndarray,
            requests: pd.DataFrame, types: Sequence[VehicleTypeConfig],
            external_speed_kmh: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n = problem.n_requests
    rid = requests["request_id"].to_numpy(np.int64)
    pax = problem.load[problem.pickups]
    off_o, off_o_m = external_offsets(requests, "origin", external_speed_kmh)
    off_d, off_d_m = external_offsets(requests, "dest", external_speed_kmh)
    veh = np.full(n, -1, np.int64)
    t_pu = np.full(n, -1.0)
    t_de = np.full(n, -1.0)
    shared = np.zeros(n, bool)
    stops_rows = []
    veh_rows = []
    for route in sol.routes:
        onboard: set[int] = set()
        km = km_occ = pkm = km_ext = 0.0
        prev = None
        for seq, s in enumerate(route.stops):
            load_before = prev.load if prev is not None else 0
            if prev is not None:
                d = float(problem.dist[prev.location, s.location]) / 1000.0
                km += d
                if load_before > 0:
                    km_occ += d
                    pkm += load_before * d
            r = s.request
            if s.kind in ("pickup", "delivery"):
                leg = float(off_o_m[r] if s.kind == "pickup" else off_d_m[r]) / 1000.0
                if leg > 0:  # out to the external zone with the load before, back after
                    km += 2.0 * leg
                    km_ext += 2.0 * leg
                    km_occ += leg * ((load_before > 0) + (s.load > 0))
                    pkm += leg * (load_before + s.load)
            if s.kind == "pickup":
                veh[r] = route.vehicle
                t_pu[r] = s.start + off_o[r]
                onboard.add(r)
                if len(onboard) > 1:
                    shared[list(onboard)] = True
            elif s.kind == "delivery":
                t_de[r] = s.start + off_d[r]
                onboard.discard(r)
            stops_rows.append((route.vehicle, seq, s.kind, int(rid[r]) if r >= 0 else -1,
                               int(loc_node[s.location]), s.arrival, s.start, s.departure,
                               s.load))
            prev = s
        vt = types[route.vehicle]
        electric = vt.drivetrain == "electric"
        veh_rows.append((route.vehicle, vt.name, vt.drivetrain,
                         int(problem.capacity[route.vehicle]), km, km_occ, km - km_occ, pkm,
                         km_ext, route.duration / 3600,
                         km * vt.energy_kwh_per_km if electric else 0.0,
                         0.0 if electric else km * vt.fuel_l_per_100km / 100.0))
    served = veh >= 0
    direct_s = problem.time[problem.pickups, problem.deliveries] + off_o + off_d
    direct_m = problem.dist[problem.pickups, problem.deliveries] + off_o_m + off_d_m
    early0 = desired_pickup_s(requests)
    ride = np.where(served, t_de - t_pu, -1.0)
    alt = (requests["alt_mode"].astype(str).to_numpy(object) if "alt_mode" in requests.columns
           else np.full(n, "", object))
    trips = pd.DataFrame({
        "request_id": rid,
        "request_time_s": requests["request_time_s"].to_numpy(np.int64),
        "alt_mode": alt,
        "status": np.where(served, "served", "rejected"),
        "reason": _unplanned_reasons(problem, loc_node, served),
        "vehicle_id": veh,
        "vehicle_type": np.array([types[int(v)].name if v >= 0 else "" for v in veh], object),
        "passengers": pax.astype(np.int64),
        "pickup_time_s": np.round(t_pu).astype(np.int64),
        "dropoff_time_s": np.round(t_de).astype(np.int64),
        "wait_s": np.where(served, np.round(t_pu - early0), -1).astype(np.int64),
        "ride_s": np.round(ride).astype(np.int64),
        "direct_s": direct_s.astype(np.int64),
        "direct_m": direct_m,
        "detour_ratio": np.where(served, ride / np.maximum(direct_s, 1.0), np.nan),
        "shared": shared,
        "origin_offset_s": off_o.astype(np.int32),
        "dest_offset_s": off_d.astype(np.int32),
        "km_external": np.where(served, 2.0 * (off_o_m + off_d_m) / 1000.0, 0.0),
    })
    stops = pd.DataFrame(stops_rows, columns=["vehicle_id", "seq", "kind", "request_id",
                                              "node", "arrival_s", "start_s", "departure_s",
                                              "load"])
    vehicles = pd.DataFrame(veh_rows, columns=[
        "vehicle_id", "vehicle_type", "drivetrain", "capacity", "km_total", "km_occupied",
        "km_empty", "passenger_km", "km_external", "hours_in_service", "energy_kwh",
        "fuel_l"])
    return trips, stops, vehicles


def _vehicle_types(vehicle_type: VehicleTypeConfig | Sequence[VehicleTypeConfig] | None,
                   fleet: int) -> tuple[VehicleTypeConfig, ...]:
    if vehicle_type is None:
        vehicle_type = VehicleTypeConfig(name="van", count=fleet)
    if isinstance(vehicle_type, VehicleTypeConfig):
        return (vehicle_type,) * fleet
    types = tuple(vehicle_type)
    if len(types) != fleet:
        raise ValueError(f"vehicle_type: expected one type or {fleet}, got {len(types)}")
    return types


def _in_hours(requests: pd.DataFrame, service: ServiceConfig,
              types: Sequence[VehicleTypeConfig]) -> np.ndarray:
    """bool[n]: the requests the simulation would not reject as ``outside_hours`` with
    these vehicles (:func:`kl_mobility.service.in_service_hours`). The static model
    cannot offer a request to only some vehicles, so a request that the hours of some but
    not all of the types cover is an error."""
    t = desired_pickup_s(requests)
    hours = sorted({vt.hours(service) for vt in types})
    inside = in_service_hours(t, service, hours)
    for a, b in hours:
        part = inside & ~((t >= a) & (t < b))
        if part.any():
            name = next(vt.name for vt in types if vt.hours(service) == (a, b))
            rid = int(requests["request_id"].to_numpy()[np.argmax(part)])
            raise InputError(
                f"request {rid}: desired pickup {int(t[np.argmax(part)])} s lies outside the "
                f"hours [{a}, {b}) s of vehicle type {name!r} but inside another type's; "
                "the static plan cannot restrict a request to some vehicles")
    return inside


def _unplanned_trips(requests: pd.DataFrame, oracle: Any, reason: str,
                     external_speed_kmh: float) -> pd.DataFrame:
    """Trip rows (the columns of :func:`_tables`) of requests rejected before planning."""
    n = len(requests)
    off_o, off_o_m = external_offsets(requests, "origin", external_speed_kmh)
    off_d, off_d_m = external_offsets(requests, "dest", external_speed_kmh)
    o = requests["origin_node"].to_numpy(np.int64)
    d = requests["dest_node"].to_numpy(np.int64)
    tt = np.asarray(oracle.times_s(o, d), np.int64) if n else np.zeros(0, np.int64)
    dist = np.asarray(oracle.dists_m(o, d), np.float64) if n else np.zeros(0)
    none = np.full(n, -1, np.int64)
    return pd.DataFrame({
        "request_id": requests["request_id"].to_numpy(np.int64),
        "request_time_s": requests["request_time_s"].to_numpy(np.int64),
        "alt_mode": (requests["alt_mode"].astype(str).to_numpy(object)
                     if "alt_mode" in requests.columns else np.full(n, "", object)),
        "status": np.full(n, "rejected", object),
        "reason": np.full(n, reason, object),
        "vehicle_id": none, "vehicle_type": np.full(n, "", object),
        "passengers": (requests["passengers"].to_numpy(np.int64)
                       if "passengers" in requests.columns else np.ones(n, np.int64)),
        "pickup_time_s": none, "dropoff_time_s": none, "wait_s": none, "ride_s": none,
        "direct_s": np.minimum(tt, UNREACHABLE_S) + off_o + off_d,
        "direct_m": np.minimum(dist, UNREACHABLE_M) + off_o_m + off_d_m,
        "detour_ratio": np.full(n, np.nan), "shared": np.zeros(n, bool),
        "origin_offset_s": off_o.astype(np.int32), "dest_offset_s": off_d.astype(np.int32),
        "km_external": np.zeros(n),
    })


def plan_requests(requests: pd.DataFrame, oracle: Any, setup: PlanSetup, *,
                  options: SearchOptions | None = None,
                  progress: ProgressCallback | None = None) -> PlanResult:
    """Plan ``requests`` with the vehicles and rules of ``setup`` (:class:`PlanSetup`);
    see the module doc. ``options``: the search (default 60 s).

    Requests whose desired pickup lies outside the service's hours or the vehicle types'
    (:meth:`VehicleTypeConfig.hours`) are not planned: their trip rows are ``rejected``
    with reason ``outside_hours``, as in the simulation, and count in the KPIs
    (``n_requests``, ``share_served``); ``result.problem`` holds the planned requests only.
    Hours past midnight work as in the simulation: an early-morning request that 24 h later
    lies in the hours is planned 24 h later (:func:`kl_mobility.service.wrap_past_midnight`).

    ``setup.vehicle_type`` (one for all, or one per vehicle; default the simulation's default
    electric van, 0.281 kWh/km) gives the vehicles' type name, drivetrain and consumption:
    ``energy_kwh`` / ``fuel_l`` per vehicle as the simulation accounts them (km_total x
    consumption, external km included), and the CO2 KPIs (``co2_*``) of
    :func:`kl_mobility.emissions.co2_account` with ``setup.emissions`` (default factors).
    """
    from kl_mobility.emissions import co2_account
    from kl_mobility.results.kpis import compute_kpis

    fleet, network, external_speed_kmh = setup.fleet, setup.network, setup.external_speed_kmh
    service_overrides, depot_node = setup.service_overrides, setup.depot_node
    svc = setup.service or ServiceConfig()
    if service_overrides:
        try:
            svc = replace(svc, **dict(service_overrides))
        except (TypeError, ValueError) as exc:
            raise InputError(f"service: {exc}") from exc
    types = _vehicle_types(setup.vehicle_type, fleet)
    depot = int(depot_node) if depot_node is not None else default_depot(svc, network)
    n_nodes = int(getattr(oracle, "n_nodes", depot + 1))
    if not 0 <= depot < n_nodes:
        raise InputError(f"depot node {depot} is not a network node (0..{n_nodes - 1})")
    requests = wrap_past_midnight(requests, svc, sorted({vt.hours(svc) for vt in types}))
    inside = _in_hours(requests, svc, types)
    planned = requests[inside].reset_index(drop=True) if not inside.all() else requests
    t0 = _time.perf_counter()
    problem, loc_node = problem_from_requests(
        planned, oracle, replace(setup, service=svc, service_overrides=None), depot_node=depot)
    opts = options or SearchOptions(time_limit_s=60.0)
    sol = solve(problem, opts, progress=progress)
    trips, stops, vehicles = _tables(problem, sol, loc_node, planned, types,
                                     external_speed_kmh)
    if not inside.all():  # the rejected rows, then all rows back in table order
        out = _unplanned_trips(requests[~inside].reset_index(drop=True), oracle,
                               "outside_hours", external_speed_kmh)
        order = np.argsort(np.concatenate([np.flatnonzero(inside), np.flatnonzero(~inside)]),
                           kind="stable")
        trips = pd.concat([trips, out], ignore_index=True).iloc[order].reset_index(drop=True)
    kpis: dict[str, float] = dict(compute_kpis(trips, vehicles))
    kpis["km_external"] = float(vehicles["km_external"].sum())
    distinct = {vt.name: vt for vt in types}
    kpis.update(co2_account(trips, vehicles, list(distinct.values()), setup.emissions).kpis())
    kpis.update({"vehicles_used": float(sol.n_vehicles_used), "distance_m": sol.distance,
                 "feasible": float(sol.feasible), "solve_s": _time.perf_counter() - t0})
    return PlanResult(solution=sol, problem=problem, loc_node=loc_node, trips=trips,
                      stops=stops, vehicles=vehicles, kpis=kpis)
