"""Turning the request table and fleet section into the engine's flat arrays.

The service rules applied here (deadlines, hours, outer-district offsets, depots, reasons)
are :mod:`kl_mobility.service`'s; the names re-exported from there (``in_service_hours``,
``past_midnight``, ``wrap_past_midnight``, ``depot_nodes``, ``DEFAULT_EXTERNAL_SPEED_KMH``,
``TIME_COLUMNS``) keep their old import path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from kl_mobility.kernels.insertion import Fleet, Request, Schedules, _fused_rules, _tables
from kl_mobility.service import (
    DEFAULT_EXTERNAL_SPEED_KMH,
    TIME_COLUMNS,
    ServiceConfig,
    at_boundary,
    depot_nodes,
    dropoff_deadline,
    dwell_s,
    external_offsets,
    in_service_hours,
    optional_times,
    own_deadline,
    past_midnight,
    pickup_deadline,
    structural_reasons,
    wrap_past_midnight,
)
from kl_mobility.sim.config import VehicleTypeConfig
from kl_mobility.sim.state import ST_OPEN, FleetState, RequestState
from kl_mobility.sim.travel import TypeTables, nearest_stop, virtual_stops

__all__ = ["DEFAULT_EXTERNAL_SPEED_KMH", "REQUIRED_COLUMNS", "TIME_COLUMNS", "depot_nodes",
           "in_service_hours", "kernel_entry", "make_fleet", "make_requests", "past_midnight",
           "wrap_past_midnight"]

REQUIRED_COLUMNS = ("request_id", "request_time_s", "origin_node", "dest_node", "passengers")
INF_TIME = np.iinfo(np.int32).max


def make_requests(requests: pd.DataFrame, network: Any, base: TypeTables,
                  tables: Sequence[TypeTables], fleet: Sequence[VehicleTypeConfig],
                  service: ServiceConfig, stops: Mapping[str, np.ndarray] | None,
                  external_speed_kmh: float = DEFAULT_EXTERNAL_SPEED_KMH) -> RequestState:
    """Validate the request table and derive every per-type window (see ServiceConfig) on
    ``network`` (its ``n_nodes`` and node coordinates ``node_x``/``node_y``).

    A type whose own hours (:meth:`VehicleTypeConfig.hours`) do not cover a request's
    earliest pickup gets ``o = d = -1`` for it (not offered); a request no active type's
    hours cover is rejected as ``outside_hours``.

    External zones: ``origin_offset_s`` / ``dest_offset_s`` (default 0) are the one-way
    travel times between an Ortsbezirk outside the network and the boundary node it is
    attached to; the one-way distances are ``origin_offset_m`` / ``dest_offset_m`` when the
    table has them, else ``offset_s x external_speed_kmh / 3.6`` (the demand model derived
    the offset as ``rint(offset_m / (external_speed_kmh / 3.6))``, so this is its distance
    to within half a second of driving, < 7 m at 50 km/h). The rider's windows, direct time
    and direct distance are door to door (offsets included): ``direct = off_o + tt + off_d``
    and the drop-off deadline grows with it. Stop-based types are not offered a request
    with an external end (no stop within walking distance of an Ortsbezirk).
    """
    n_nodes, node_x, node_y = (network.n_nodes, np.asarray(network.node_x, np.float64),
                               np.asarray(network.node_y, np.float64))
    missing = [c for c in REQUIRED_COLUMNS if c not in requests.columns]
    if missing:
        raise ValueError(f"requests lack columns {missing} (have {list(requests.columns)})")
    n = len(requests)
    rid = requests["request_id"].to_numpy(np.int64)
    if np.unique(rid).size != n:
        raise ValueError("requests: request_id must be unique")
    origin = requests["origin_node"].to_numpy(np.int64)
    dest = requests["dest_node"].to_numpy(np.int64)
    for name, a in (("origin_node", origin), ("dest_node", dest)):
        if n and (a.min() < 0 or a.max() >= n_nodes):
            raise ValueError(f"requests: {name} must be network node ids 0..{n_nodes - 1}")
    pax = requests["passengers"].to_numpy(np.int64)
    if n and pax.min() < 1:
        raise ValueError("requests: passengers must be >= 1")
    t_req = requests["request_time_s"].to_numpy(np.int64)
    earliest, has_earliest = optional_times(requests, "earliest_pickup_s")
    (latest, has_latest), (latest_pick, has_latest_pick) = (
        optional_times(requests, c) for c in ("latest_dropoff_s", "latest_pickup_s"))
    booking, prebooked = optional_times(requests, "booking_time_s")
    early0 = np.where(has_earliest, earliest, t_req)
    release = np.where(prebooked, np.maximum(booking, early0 - service.prebook_release_s), t_req)
    release = np.minimum(release, np.maximum(early0, t_req))
    off_o, off_o_m = external_offsets(requests, "origin", external_speed_kmh)
    off_d, off_d_m = external_offsets(requests, "dest", external_speed_kmh)
    external = (off_o > 0) | (off_d > 0)

    n_types = len(fleet)
    shape = (n_types, n)
    o = np.full(shape, -1, np.int64)
    d = np.full(shape, -1, np.int64)
    early = np.zeros(shape, np.int64)
    late_pick = np.zeros(shape, np.int64)
    late_drop = np.zeros(shape, np.int64)
    walk = np.zeros(shape, np.int64)
    for ti, vt in enumerate(fleet):
        if vt.stop_based:
            sn = None if stops is None else stops.get(vt.name)
            if sn is None:
                sn = virtual_stops(node_x, node_y, vt.stop_spacing_m)
            sn = np.asarray(sn, np.int64)
            so, wo = nearest_stop(sn, node_x, node_y, origin, service)
            sd, wd = nearest_stop(sn, node_x, node_y, dest, service)
            ok = (so >= 0) & (sd >= 0) & (so != sd) & ~external
        else:
            so, sd = origin, dest
            wo = np.zeros(n, np.int64)
            wd = np.zeros(n, np.int64)
            ok = np.ones(n, bool)
        tt = tables[ti].tt
        direct = np.where(ok, tt[np.maximum(so, 0), np.maximum(sd, 0)], INF_TIME).astype(np.int64)
        ok &= direct < INF_TIME
        direct += off_o + off_d  # door to door (0 for stop-based types: never external)
        t_start, t_end = vt.hours(service)
        ok &= (early0 >= t_start) & (early0 < t_end)  # the type's own hours
        o[ti] = np.where(ok, so, -1)
        d[ti] = np.where(ok, sd, -1)
        early[ti] = early0 + wo
        max_wait, detour_factor, detour_const = vt.rules(service)  # the type's own rules
        # the request's own deadlines (at its door: a stop-based type's walk moves them)
        late_pick[ti] = own_deadline(pickup_deadline(max_wait, early[ti]), latest_pick + wo,
                                     has_latest_pick, service)
        late_drop[ti] = own_deadline(
            dropoff_deadline(late_pick[ti], np.where(ok, direct, 0), detour_factor,
                             detour_const), latest - wd, has_latest, service)
        walk[ti] = wo + wd

    direct_s = base.tt[origin, dest].astype(np.int64)
    direct_m = base.dist[origin, dest].astype(np.float64)
    max_cap = max((vt.capacity for vt in fleet if vt.count > 0), default=0)
    hours = [vt.hours(service) for vt in fleet if vt.count > 0]
    reason = structural_reasons(
        n, no_stop=(o < 0).all(axis=0) if n_types else np.ones(n, bool),
        unreachable=direct_s >= INF_TIME, same_node=origin == dest,
        too_many_passengers=pax > max_cap,
        outside_hours=~in_service_hours(early0, service, hours))
    return RequestState(
        n=n, request_id=rid, release_s=release, passengers=pax, origin=origin, dest=dest,
        direct_s=np.where(direct_s < INF_TIME, direct_s + off_o + off_d, direct_s),
        direct_m=direct_m + off_o_m + off_d_m, off_o=off_o, off_d=off_d, off_o_m=off_o_m,
        off_d_m=off_d_m, o=o, d=d, early=early, late_pick=late_pick, late_drop=late_drop,
        walk_s=walk, status=np.full(n, ST_OPEN, np.int8), reason=reason,
        vehicle=np.full(n, -1, np.int64), assigned_type=np.full(n, -1, np.int64),
        pickup_s=np.full(n, -1, np.int64), dropoff_s=np.full(n, -1, np.int64),
        shared=np.zeros(n, bool), earliest_s=early0,
    )


def make_fleet(fleet: Sequence[VehicleTypeConfig], service: ServiceConfig, n_nodes: int,
               depots: np.ndarray, rng: np.random.Generator, t0: int) -> FleetState:
    """Vehicles of every type in scenario order, placed at random nodes (from ``rng``) or
    depots, or at their type's ``start_nodes`` when it gives them (the random draw is made
    for every vehicle either way, so the other types' positions do not change);
    ``start_node`` keeps where each one starts the day."""
    type_idx = np.concatenate([np.full(vt.count, ti, np.int64) for ti, vt in enumerate(fleet)]
                              or [np.zeros(0, np.int64)])
    cap = np.array([fleet[t].capacity for t in type_idx], np.int64)
    battery = np.array([fleet[t].battery_kwh if fleet[t].drivetrain == "electric" else 0.0
                        for t in type_idx], np.float64)
    state = FleetState.empty(type_idx, cap, battery, service.max_stops)
    if service.initial_positions == "random":
        state.pos_node[:] = rng.integers(0, n_nodes, size=state.n)
    else:
        state.pos_node[:] = depots[np.arange(state.n) % depots.size]
    first = 0
    for vt in fleet:  # a type's own start nodes, one per vehicle, win over both
        if vt.start_nodes:
            nodes = np.asarray(vt.start_nodes, np.int64)
            if nodes.max() >= n_nodes:
                raise ValueError(f"fleet type {vt.name!r}: start_nodes must be network node "
                                 f"ids 0..{n_nodes - 1}")
            state.pos_node[first:first + vt.count] = nodes
        first += vt.count
    state.start_node[:] = state.pos_node
    state.pos_time[:] = t0
    state.available[:] = True
    return state


def fleet_arrays(fleet: Sequence[VehicleTypeConfig]) -> dict[str, Any]:
    """Per-type constants the engine reads often."""
    return {
        "kwh_per_km": np.array([vt.energy_kwh_per_km if vt.drivetrain == "electric" else 0.0
                                for vt in fleet]),
        "l_per_km": np.array([vt.fuel_l_per_100km / 100.0 if vt.drivetrain != "electric"
                              else 0.0 for vt in fleet]),
        "battery": np.array([vt.battery_kwh if vt.drivetrain == "electric" else 0.0
                             for vt in fleet]),
    }


def kernel_entry(tables: Sequence[Any], f: FleetState, cursor: Any, rules: Any,
                 req: RequestState, service: ServiceConfig) -> tuple[Any, ...]:
    """What the engine hands the insertion kernel on every offered request, packed once:
    ``(tables per type, fleet, cursor, schedules, rules, requests per type)`` (the last a
    :class:`RequestRows`). The fleet's
    arrays are updated in place, never replaced, so the packs stay valid for the whole run.
    Packs are plain tuples, exactly as
    :func:`~kl_mobility.kernels.insertion.best_insertion_at` passes them
    (:mod:`kl_mobility.kernels._pack`, rule 7); ``tables`` are the types'
    :class:`~kl_mobility.kernels.insertion.Tables`. Each request is one plain
    :class:`~kl_mobility.kernels.insertion.Request` per type, as the kernels see it:
    windows at the served nodes and dwell with the out-and-back drive of an outer district
    (:func:`kl_mobility.service.at_boundary`), all Python ints (fields of ``Request``
    beyond these eight take their defaults)."""
    sched = Schedules(f.sched_len, f.sched_node, f.sched_early, f.sched_late, f.sched_delta,
                      f.sched_dwell)
    early, late_pick, late_drop, dwell_pick, dwell_drop = at_boundary(
        req.early, req.late_pick, req.late_drop, dwell_s(service, req.passengers),
        req.off_o, req.off_d)
    cols = [np.broadcast_to(c, req.o.shape) for c in (
        req.o, req.d, early, late_pick, late_drop, req.passengers, dwell_pick, dwell_drop)]
    return ([tuple(_tables(tb)) for tb in tables],
            tuple(Fleet(f.pos_node, f.pos_time, f.load, f.capacity, f.target, f.available)),
            tuple(cursor), tuple(sched), tuple(_fused_rules(rules, sched)), RequestRows(cols))


class RequestRows(Sequence[list[tuple[int, ...]]]):
    """The requests as the kernels see them, per type: ``rows[ti][r]`` is request ``r``'s
    plain :class:`~kl_mobility.kernels.insertion.Request` for type ``ti`` (Python ints),
    made for a type on its first use (a day run by the loop kernel needs none)."""

    def __init__(self, cols: Sequence[np.ndarray]) -> None:
        self._cols = cols
        self._rows: dict[int, list[tuple[int, ...]]] = {}
        self._n_types = int(cols[0].shape[0])

    def __len__(self) -> int:
        return self._n_types

    @overload
    def __getitem__(self, ti: int) -> list[tuple[int, ...]]: ...

    @overload
    def __getitem__(self, ti: slice) -> Sequence[list[tuple[int, ...]]]: ...

    def __getitem__(self, ti: int | slice) -> Any:
        if isinstance(ti, slice):
            return [self[k] for k in range(self._n_types)[ti]]
        ti = range(self._n_types)[ti]  # IndexError beyond the types, as a list
        rows = self._rows.get(ti)
        if rows is None:
            rest = tuple(Request._field_defaults[k] for k in Request._fields[len(self._cols):])
            rows = [vals + rest for vals in zip(*(c[ti].tolist() for c in self._cols),
                                                strict=True)]
            self._rows[ti] = rows
        return rows
