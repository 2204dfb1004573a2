"""The public entry point :func:`simulate`: validate, pack arrays, run the engine, tabulate."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kl_mobility.dispatch.config import DispatchConfig
from kl_mobility.dispatch.registry import policy_factory
from kl_mobility.progress import ProgressCallback
from kl_mobility.pt.feeder import connection_columns
from kl_mobility.results.records import SimulationResult
from kl_mobility.results.schema import (
    EDGES_COLUMNS,
    EDGES_TYPE_COLUMN_PREFIX,
    TRIPS_COLUMNS,
    VEHICLES_COLUMNS,
    column_names,
)
from kl_mobility.service import (
    DEFAULT_EXTERNAL_SPEED_KMH,
    ServiceConfig,
    depot_nodes,
    wrap_past_midnight,
)
from kl_mobility.sim.config import VehicleTypeConfig
from kl_mobility.sim.events import events_frame, occupancy_frame
from kl_mobility.sim.state import ST_CANCELLED, ST_REJECTED, ST_SERVED

if TYPE_CHECKING:
    from kl_mobility.sim.engine import Engine

__all__ = ["SimInputs", "simulate"]

STREAMS = ("fleet", "dispatch")
"""Named random streams spawned from ``np.random.SeedSequence(seed)``, in this order."""


@dataclass(frozen=True, eq=False)
class SimInputs:
    """What one simulated day is made of (the argument of :func:`simulate`).

    ``network``: a :class:`~kl_mobility.network.RoadNetwork`; ``oracle``: its dense
    :class:`~kl_mobility.network.TravelTimeOracle`; ``requests``: the request table
    (:mod:`kl_mobility.demand.schema` columns; ``request_id, request_time_s, origin_node,
    dest_node, passengers`` required); ``service``: the service rules
    (:class:`~kl_mobility.service.ServiceConfig`); ``fleet``: the vehicle types
    (:class:`~kl_mobility.sim.config.VehicleTypeConfig`, scenario order); ``dispatch``: the
    policy and its options. ``seed`` feeds the named streams :data:`STREAMS` (initial
    vehicle positions, policy randomness).

    Optional: ``stops`` maps a stop-based vehicle type's name to its stop nodes (else
    virtual stops); ``type_oracles`` maps a type name to a ready oracle (else a
    speed-capped type gets one built and cached under ``simulate``'s ``cache_dir``);
    ``forecast`` (columns ``time_s``, ``origin_node``) is the expected demand the
    ``rebalancing`` policy steers toward, e.g. the demand model's expected trips (default:
    the request table itself, a perfect forecast); ``external_speed_kmh``: the speed
    between an outer district and its boundary node when the table has no distance
    column (default :data:`kl_mobility.service.DEFAULT_EXTERNAL_SPEED_KMH`).
    """

    network: Any
    oracle: Any
    requests: pd.DataFrame
    service: ServiceConfig
    fleet: Sequence[VehicleTypeConfig]
    dispatch: DispatchConfig
    seed: int
    stops: Mapping[str, np.ndarray] | None = None
    type_oracles: Mapping[str, Any] | None = None
    forecast: pd.DataFrame | None = None
    external_speed_kmh: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fleet", tuple(self.fleet))


def simulate(inputs: SimInputs, *, progress: ProgressCallback | None = None,
             callbacks: Any = None, cache_dir: str | Path | None = None,
             record_legs: bool = False) -> SimulationResult:
    """Simulate one day of on-demand service: the day of ``inputs`` (:class:`SimInputs`).

    ``callbacks.on_event(time_s, kind, vehicle_id, request_id, node)`` is called for every
    logged event; ``progress`` receives progress reports; ``cache_dir`` holds the
    travel-time tables built for speed-capped types; ``record_legs`` keeps the driven legs
    in ``result.legs``.

    Service past midnight: when the service's and a type's hours run past 24:00 (e.g.
    ``end_s`` = 90000 for 01:00), a request whose desired pickup lies outside the hours but
    24 h later inside them (00:30 with hours 19:00-25:00) is simulated 24 h later, at the end
    of the day (:func:`kl_mobility.service.wrap_past_midnight`; its ``request_time_s`` in
    the trips table is then past 86400), as the demand model counts such trips in the hours.

    External zones: requests with ``origin_offset_s`` / ``dest_offset_s`` > 0 (Ortsbezirke
    outside the network, attached to a boundary node) are served door to door at the zone:
    the vehicle drives from the boundary node out to the zone and back at each such stop
    (see :mod:`kl_mobility.sim.engine`); the one-way distance is ``*_offset_m`` when the
    table has it, else ``offset_s x external_speed_kmh / 3.6``.
    """
    from kl_mobility.sim.engine import Engine, EngineSetup
    from kl_mobility.sim.setup import make_fleet, make_requests
    from kl_mobility.sim.travel import TypeTables, type_tables

    wall = time.perf_counter()
    network, oracle, requests = inputs.network, inputs.oracle, inputs.requests
    service, dispatch, seed = inputs.service, inputs.dispatch, inputs.seed
    fleet = tuple(inputs.fleet)
    stops, external_speed_kmh = inputs.stops, inputs.external_speed_kmh
    type_oracles = inputs.type_oracles
    if not all(isinstance(vt, VehicleTypeConfig) for vt in fleet):
        raise TypeError("fleet must be a sequence of VehicleTypeConfig")
    factory = policy_factory(dispatch.policy)  # a registered name or an entry point
    ss = np.random.SeedSequence(seed)
    rng_fleet, rng_dispatch = (np.random.default_rng(s) for s in ss.spawn(len(STREAMS)))
    tables = type_tables(network, oracle, fleet, type_oracles, cache_dir)
    base = next((tb for tb, vt in zip(tables, fleet, strict=True)
                 if vt.speed_cap_kmh == 0 and not (type_oracles and vt.name in type_oracles)),
                None) or TypeTables(np.asarray(oracle.tt), np.asarray(oracle.nxt),
                                    np.asarray(oracle.dist), np.zeros((0, 0), np.int32))
    node_x = np.asarray(network.node_x, np.float64)
    node_y = np.asarray(network.node_y, np.float64)
    if external_speed_kmh is None:
        external_speed_kmh = DEFAULT_EXTERNAL_SPEED_KMH
    if not external_speed_kmh > 0:
        raise ValueError(f"external_speed_kmh must be > 0, got {external_speed_kmh}")
    requests = wrap_past_midnight(requests, service,
                                  [vt.hours(service) for vt in fleet if vt.count > 0])
    req = make_requests(requests, network, base, tables, fleet, service, stops,
                        external_speed_kmh)
    depots = depot_nodes(service, node_x, node_y)
    t0 = int(min(service.start_s, req.release_s.min() if req.n else service.start_s))
    fl = make_fleet(fleet, service, network.n_nodes, depots, rng_fleet, t0)
    policy = factory(dispatch)
    engine = Engine(EngineSetup(network=network, tables=tuple(tables), base=base, req=req,
                                fleet_cfg=fleet, fleet=fl, service=service, policy=policy,
                                cost=dispatch.cost,
                                cost_weights=(dispatch.cost_weight_vehicle,
                                              dispatch.cost_weight_wait,
                                              dispatch.cost_weight_ride),
                                retry_interval_s=dispatch.retry_interval_s, depots=depots,
                                rng=rng_dispatch, t0=t0, record_legs=record_legs),
                    progress=progress, callbacks=callbacks)
    forecast = inputs.forecast
    if forecast is not None:
        ft = forecast["time_s"].to_numpy(np.int64)
        fo = forecast["origin_node"].to_numpy(np.int64)
        if fo.size and (fo.min() < 0 or fo.max() >= network.n_nodes):
            raise ValueError("forecast: origin_node must be network node ids")
        order = np.argsort(ft, kind="stable")
        engine.forecast = (ft[order], fo[order])
    engine.run()
    result = _tabulate(engine, requests, network, fleet, service)
    result.meta.update({"seed": int(seed), "policy": dispatch.policy,
                        "wall_s": time.perf_counter() - wall, "n_vehicles": int(fl.n),
                        "network": getattr(network, "name", ""),
                        "network_key": getattr(network, "key", "")})
    result.legs = engine.legs
    result.meta["max_stops_skips"] = engine.max_stops_skips
    result.meta["max_stops_vehicles"] = int(engine.max_stops_full.sum())
    if engine.max_stops_skips:
        logging.getLogger(__name__).warning(
            "service.max_stops = %d bound the schedules: %d vehicle(s) with full schedules "
            "were passed over %d time(s) when a request was offered (raise max_stops to let "
            "them take more)", service.max_stops, int(engine.max_stops_full.sum()),
            engine.max_stops_skips)
    return result


def _col(df: pd.DataFrame, name: str, default: Any, dtype: Any) -> np.ndarray:
    if name in df.columns:
        return df[name].to_numpy(dtype)
    return np.full(len(df), default, dtype)


def _tabulate(eng: Engine, requests: pd.DataFrame, network: Any,
              fleet: tuple[VehicleTypeConfig, ...], service: ServiceConfig) -> SimulationResult:
    req, f = eng.req, eng.f
    served = req.status == ST_SERVED
    status = np.full(req.n, "served", dtype=object)
    status[req.status == ST_REJECTED] = "rejected"
    status[req.status == ST_CANCELLED] = "cancelled"
    names = np.array([vt.name for vt in fleet] + [""], dtype=object)
    ti = np.where(served, req.assigned_type, -1)
    cols = np.arange(req.n)
    early = np.where(served, req.early[np.maximum(ti, 0), cols] if req.early.size else 0, 0)
    # the deadlines of the serving type, else of the first type offered the request
    offered = req.o >= 0
    dti = np.where(served, ti, np.argmax(offered, axis=0) if req.o.size else 0)
    has = served | (offered.any(axis=0) if req.o.size else np.zeros(req.n, bool))
    dti = np.maximum(dti, 0)
    if req.early.size:
        d_early = np.where(has, req.early[dti, cols], req.earliest_s)
        d_pick = np.where(has, req.late_pick[dti, cols], -1)
        d_drop = np.where(has, req.late_drop[dti, cols], -1)
    else:
        d_early = req.earliest_s
        d_pick = d_drop = np.full(req.n, -1, np.int64)
    walk = np.where(served, req.walk_s[np.maximum(ti, 0), cols] if req.walk_s.size else 0, 0)
    pickup = np.where(served, req.pickup_s, -1)
    dropoff = np.where(served, req.dropoff_s, -1)
    ride = np.where(served, dropoff - pickup, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        detour = np.where(served & (req.direct_s > 0), ride / req.direct_s, np.nan)
    trips = pd.DataFrame({
        "request_id": req.request_id,
        "request_time_s": requests["request_time_s"].to_numpy(np.int64),
        "origin_node": req.origin.astype(np.int32),
        "dest_node": req.dest.astype(np.int32),
        "origin_lat": _col(requests, "origin_lat", np.nan, np.float64),
        "origin_lon": _col(requests, "origin_lon", np.nan, np.float64),
        "dest_lat": _col(requests, "dest_lat", np.nan, np.float64),
        "dest_lon": _col(requests, "dest_lon", np.nan, np.float64),
        "passengers": req.passengers.astype(np.int16),
        "alt_mode": (requests["alt_mode"].astype(str).to_numpy(object)
                     if "alt_mode" in requests.columns else np.full(req.n, "", object)),
        "status": status,
        "reason": req.reason.astype(object),
        "vehicle_id": np.where(served, req.vehicle, -1).astype(np.int32),
        "vehicle_type": names[ti],
        "pickup_time_s": pickup.astype(np.int64),
        "dropoff_time_s": dropoff.astype(np.int64),
        "wait_s": np.where(served, pickup - early, -1).astype(np.int64),
        "earliest_pickup_s": d_early.astype(np.int64),
        "latest_pickup_s": d_pick.astype(np.int64),
        "latest_dropoff_s": d_drop.astype(np.int64),
        "ride_s": ride.astype(np.int64),
        "direct_s": req.direct_s.astype(np.int64),
        "direct_m": req.direct_m.astype(np.float64),
        "detour_ratio": detour.astype(np.float64),
        "shared": req.shared & served,
        "walk_s": walk.astype(np.int64),
        "origin_offset_s": req.off_o.astype(np.int32),
        "dest_offset_s": req.off_d.astype(np.int32),
        "km_external": np.where(served, 2.0 * (req.off_o_m + req.off_d_m) / 1000.0, 0.0),
        **connection_columns(requests, served, pickup, dropoff, d_drop),
    })[column_names(TRIPS_COLUMNS)]
    tcfg = [fleet[t] for t in f.type_idx]
    hours = np.array([vt.hours(service) for vt in tcfg], np.int64).reshape(-1, 2)
    start, end = hours[:, 0], np.maximum(hours[:, 1], f.last_active_s)
    vehicles = pd.DataFrame({
        "vehicle_id": np.arange(f.n, dtype=np.int32),
        "vehicle_type": np.array([vt.name for vt in tcfg], dtype=object),
        "kind": np.array([vt.kind for vt in tcfg], dtype=object),
        "drivetrain": np.array([vt.drivetrain for vt in tcfg], dtype=object),
        "capacity": f.capacity.astype(np.int16),
        "start_node": f.start_node.astype(np.int32),
        "km_total": f.km,
        "km_occupied": f.km_occupied,
        "km_empty": f.km - f.km_occupied,
        "passenger_km": f.passenger_km,
        "km_external": f.km_external,
        "hours_in_service": (end - start) / 3600.0,
        "energy_kwh": f.energy_kwh,
        "fuel_l": f.fuel_l,
        "n_charges": f.n_charges.astype(np.int32),
        "n_served": f.n_served.astype(np.int32),
    })[column_names(VEHICLES_COLUMNS)]
    used = np.flatnonzero(eng.edge_count > 0)
    edges = pd.DataFrame({
        "edge_id": used.astype(np.int32),
        "u": np.asarray(network.edge_tail)[used].astype(np.int32),
        "v": np.asarray(network.edge_head)[used].astype(np.int32),
        "vkm_total": eng.edge_vkm[used] / 1000.0,
        "vkm_occupied": eng.edge_vkm_occ[used] / 1000.0,
        "passenger_km": eng.edge_pkm[used] / 1000.0,
        "n_traversals": eng.edge_count[used].astype(np.int32),
    })[column_names(EDGES_COLUMNS)]
    for k, vt in enumerate(fleet):
        edges[EDGES_TYPE_COLUMN_PREFIX + vt.name] = eng.edge_vkm_type[k, used] / 1000.0
    n_vehicles = f.n
    request_id, passengers = req.request_id, req.passengers

    def event_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
        # made when first read: the demand rounds read only the last round's event log
        events = events_frame(*eng.ev)
        occupancy = occupancy_frame(events, dict(zip(request_id.tolist(), passengers.tolist(),
                                                     strict=True)),
                                    n_vehicles, service.start_s, service.end_s,
                                    service.occupancy_bin_s)
        return events, occupancy

    return SimulationResult.deferred(trips, vehicles, edges, event_frames)
