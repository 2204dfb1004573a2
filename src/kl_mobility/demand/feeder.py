"""Feeder requests: on-demand rides that connect to public transport, built from their legs.

:func:`feeder_requests` turns feeder legs (a door, a public transport stop, the connection
and its direction) into on-demand requests whose windows come from the connection; the
rules, the trips table's connection columns and the KPIs are described in
:mod:`kl_mobility.pt.feeder`. Every builder of feeder demand (the rail passengers of this
module, an intermodal mode choice) goes through :func:`feeder_requests`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.demand.schema import ALT_MODES, check_requests
from kl_mobility.pt.feederconfig import FeederConfig

__all__ = ["LEG_COLUMNS", "RAIL_TAG", "feeder_requests", "is_rail", "rail_calls", "rail_feeder_legs"]

LEG_COLUMNS: tuple[str, ...] = ("direction", "lat", "lon", "stop_lat", "stop_lon", "stop_id",
                                "trip_id", "pt_time_s")
"""Required columns of the legs given to :func:`feeder_requests` (optional:
``passengers``, ``alt_mode``, ``pt_gained``, ``zone``, ``booking_time_s``)."""


def _legs_error(msg: str) -> ValueError:
    return ValueError(f"feeder legs: {msg}")


def feeder_requests(network: Any, oracle: Any, legs: pd.DataFrame, *, service: Any,
                    feeder: FeederConfig, first_id: int = 0,
                    max_snap_m: float = 500.0) -> pd.DataFrame:
    """The request table (full schema, :func:`~kl_mobility.demand.check_requests` passes)
    of feeder ``legs``, one request per leg, ids ``first_id, first_id + 1, ...`` in order.

    ``legs`` columns: :data:`LEG_COLUMNS` (``direction`` "first" or "last"; ``lat``/``lon``
    the door: origin of a first-mile ride, destination of a last-mile ride;
    ``stop_lat``/``stop_lon`` the stop, served at its nearest road node; ``stop_id``,
    ``trip_id`` the GTFS ids; ``pt_time_s`` the departure or arrival) and optionally
    ``passengers`` (1), ``alt_mode`` (this leg's alternative, "walk"), ``pt_gained``
    (False), ``zone`` (the door's zone, "core"), ``booking_time_s`` (null). The windows are
    those of the module docstring with ``service``'s rules (:class:`ServiceConfig`).
    A leg with a point farther than ``max_snap_m`` from the road network, or whose door and
    stop share a road node, raises ``ValueError`` naming the leg (nothing is dropped)."""
    from kl_mobility.network import nearest_nodes

    missing = [c for c in LEG_COLUMNS if c not in legs.columns]
    if missing:
        raise _legs_error(f"missing column(s) {missing}")
    n = len(legs)
    direction = legs["direction"].astype(str).to_numpy(object)
    bad = ~np.isin(direction, ("first", "last"))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _legs_error(f"row {i}: direction {direction[i]!r} is not 'first' or 'last'")
    t_pt = pd.to_numeric(legs["pt_time_s"], errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(t_pt) | (t_pt < 0) | (t_pt > 2 * 86_400) | (t_pt != np.floor(t_pt))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _legs_error(f"row {i}: pt_time_s {legs['pt_time_s'].iloc[i]!r} is not a whole "
                          "number of seconds in [0, 172800]")
    t_pt_i = t_pt.astype(np.int64)
    first = direction == "first"
    pts = {}
    for name, la, lo in (("door", "lat", "lon"), ("stop", "stop_lat", "stop_lon")):
        lat = legs[la].to_numpy(np.float64)
        lon = legs[lo].to_numpy(np.float64)
        node, dist = nearest_nodes(network, lat, lon) if n else (np.zeros(0, np.int64),
                                                                 np.zeros(0))
        far = np.asarray(dist) > max_snap_m
        if far.any():
            i = int(np.flatnonzero(far)[0])
            raise _legs_error(f"row {i}: the {name} ({lat[i]:.6f}, {lon[i]:.6f}) is "
                              f"{float(dist[i]):.0f} m from the road network (max "
                              f"{max_snap_m:.0f} m)")
        pts[name] = (lat, lon, np.asarray(node, np.int64))
    door_n, stop_n = pts["door"][2], pts["stop"][2]
    same = door_n == stop_n
    if same.any():
        i = int(np.flatnonzero(same)[0])
        raise _legs_error(f"row {i}: door and stop are the same road node {int(door_n[i])} "
                          "(the rider walks: leave such legs out)")
    o = np.where(first, door_n, stop_n)
    d = np.where(first, stop_n, door_n)
    direct = oracle.times_s(o, d).astype(np.int64) if n else np.zeros(0, np.int64)
    deadline = t_pt_i - int(feeder.transfer_buffer_s)
    promise = (service.max_wait_s + np.ceil(service.detour_factor * direct).astype(np.int64)
               + service.detour_const_s)
    t_req = np.where(first, np.maximum(deadline - promise, 0), t_pt_i)
    early = t_pt_i + int(feeder.egress_s)
    nul = pd.array([pd.NA] * n, dtype="Int64")

    def opt(col: str, default: Any) -> np.ndarray:
        if col not in legs.columns:
            return np.full(n, default, dtype=object if isinstance(default, str) else None)
        return legs[col].to_numpy()

    alt = pd.Series(opt("alt_mode", "walk"), dtype=object).fillna("walk").astype(str).to_numpy()
    bad = ~np.isin(alt, ALT_MODES)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _legs_error(f"row {i}: alt_mode {alt[i]!r} is not one of {list(ALT_MODES)}")
    zone = pd.Series(opt("zone", "core"), dtype=object).fillna("core").to_numpy(object)
    earliest = nul.copy()
    earliest[~first] = early[~first]
    latest_drop = nul.copy()
    latest_drop[first] = deadline[first]
    booking = (pd.array(pd.to_numeric(legs["booking_time_s"]), dtype="Int64")
               if "booking_time_s" in legs.columns else nul.copy())
    lat_d, lon_d = pts["door"][0], pts["door"][1]
    lat_s, lon_s = pts["stop"][0], pts["stop"][1]
    df = pd.DataFrame({
        "request_id": np.arange(first_id, first_id + n, dtype=np.int64),
        "request_time_s": t_req.astype(np.int64),
        "origin_lat": np.where(first, lat_d, lat_s), "origin_lon": np.where(first, lon_d, lon_s),
        "dest_lat": np.where(first, lat_s, lat_d), "dest_lon": np.where(first, lon_s, lon_d),
        "origin_node": o.astype(np.int32), "dest_node": d.astype(np.int32),
        "passengers": (legs["passengers"].fillna(1).to_numpy(np.int64).astype(np.int16)
                       if "passengers" in legs.columns else np.ones(n, np.int16)),
        "earliest_pickup_s": earliest,
        "latest_pickup_s": nul.copy(),
        "latest_dropoff_s": latest_drop,
        "booking_time_s": booking,
        "alt_mode": pd.Categorical(alt, categories=ALT_MODES),
        "origin_zone": _objects(np.where(first, zone, "core")),
        "dest_zone": _objects(np.where(first, "core", zone)),
        "origin_offset_s": np.zeros(n, np.int32),
        "dest_offset_s": np.zeros(n, np.int32),
        "feeder": _objects(direction),
        "pt_stop_id": _objects(legs["stop_id"].astype(str).to_numpy(object)),
        "pt_trip_id": _objects(legs["trip_id"].astype(str).to_numpy(object)),
        "pt_time_s": pd.array(t_pt_i, dtype="Int64"),
        "pt_gained": (legs["pt_gained"].astype(object).where(legs["pt_gained"].notna(), False)
                      .astype(bool).to_numpy() if "pt_gained" in legs.columns
                      else np.zeros(n, bool)),
    })  # every column made in its documented dtype (REQUEST_DTYPES)
    check_requests(df, network.n_nodes)
    return df


def _objects(values: np.ndarray) -> pd.Series:
    """An ``object`` column of the values as they are (strings not inferred as ``str``)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


# ---------------------------------------------------------------------- rail passengers
RAIL_TAG = 0x7261696C  # "rail"
"""Mixed with the run's seed into the rail passengers' own random stream."""


def is_rail(route_type: np.ndarray) -> np.ndarray:
    """bool: GTFS route types of trains (2 = rail; 100-199 = the extended railway types a
    real feed such as VRN's uses)."""
    rt = np.asarray(route_type, np.int64)
    return (rt == 2) | ((rt >= 100) & (rt < 200))


def rail_calls(feed: Any, network: Any, feeder: FeederConfig, *, max_snap_m: float = 500.0
               ) -> pd.DataFrame:
    """Every call of a train at a station in the network area on the feed's day: one row per
    arrival (not at the trip's first stop) and per departure (not at its last stop) with
    time in ``[feeder.rail_start_s, feeder.rail_end_s)``. Columns ``direction`` ("last" for
    an arrival, "first" for a departure), ``stop`` (feed stop index), ``stop_id``,
    ``stop_name``, ``stop_lat``, ``stop_lon``, ``trip_id``, ``pt_time_s``. A station lies in
    the area when its nearest road node is at most ``max_snap_m`` away."""
    from kl_mobility.network import nearest_nodes

    trip_rail = is_rail(feed.route_type[feed.trip_route])
    st_trip = feed.st_trip
    rail = trip_rail[st_trip]
    idx = np.arange(st_trip.shape[0])
    first_call = np.zeros(st_trip.shape[0], bool)
    last_call = np.zeros(st_trip.shape[0], bool)
    if feed.n_trips:
        first_call[feed.st_ptr[:-1]] = True
        last_call[feed.st_ptr[1:] - 1] = True
    _, dist = nearest_nodes(network, feed.stop_lat, feed.stop_lon) if feed.n_stops else (
        None, np.zeros(0))
    inside = np.asarray(dist) <= max_snap_m
    ok = rail & inside[feed.st_stop]
    rows = []
    for kind, mask, times in (("last", ok & ~first_call, feed.st_arr_s),
                              ("first", ok & ~last_call, feed.st_dep_s)):
        k = idx[mask & (times >= feeder.rail_start_s) & (times < feeder.rail_end_s)]
        s = feed.st_stop[k]
        rows.append(pd.DataFrame({
            "direction": kind, "stop": s.astype(np.int64), "stop_id": feed.stop_id[s],
            "stop_name": feed.stop_name[s], "stop_lat": feed.stop_lat[s],
            "stop_lon": feed.stop_lon[s], "trip_id": feed.trip_id[st_trip[k]],
            "pt_time_s": times[k].astype(np.int64)}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["pt_time_s", "direction", "stop", "trip_id"],
                           kind="stable").reset_index(drop=True)


def rail_feeder_legs(calls: pd.DataFrame, demand: Any, network: Any, feeder: FeederConfig, *,
                     seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The feeder legs of the rail passengers of ``calls`` (:func:`rail_calls`) who choose
    on-demand, and a summary of every passenger's choice.

    Each arrival brings ``Poisson(feeder.rail_arrivals_per_train x scale)`` passengers (the
    demand's ``scale``, like every other trip of the day) who alight
    for a destination in the city (a point of the network's zones drawn by its attraction,
    the demand model's activity end); each departure ``Poisson(rail_departures_per_train x
    scale)``
    who come from a point drawn by residents (the home end). The outer districts
    (Ortsbezirke outside the network) are left out: they have their own stations or regional
    buses, and stop-based feeders never reach them.

    Their choice for the leg between station and point is the demand model's logit
    (:mod:`kl_mobility.demand.modechoice`, the constants ``demand`` ran with) restricted to
    walk, bus and on-demand: a rail passenger has no car or bike at the station (named
    simplification). As in the demand model, the base mode (walk or bus, the request's
    ``alt_mode``) is drawn from the model without on-demand and the passenger switches to
    on-demand with its logit probability, where the service area (``demand``'s) takes the
    leg in the hour of the leg; the bus is priced in the period of the leg. The on-demand
    level is ``demand.service_level`` (so the passengers answer the measured service in
    the demand rounds, with the same draws). No rider is gained for public transport
    (``pt_gained`` False: they are on the train anyway).

    What no service level changes (the passengers, their points, draws, base modes and
    service area) is kept on the demand's day for these ``calls`` (the same object),
    ``network``, ``feeder`` and ``seed``: the rounds' demands of one day share it."""
    from kl_mobility.demand.modechoice import _ondemand_utility

    day = demand.day
    if day is None:
        raise ValueError("rail feeder demand needs a generated demand (its zones and level of "
                         "service)")
    key = ("rail_passengers", feeder, int(seed))
    hit = day.cache.get(key)
    if hit is None or hit[0] is not calls or hit[1] is not network:
        hit = day.cache[key] = (calls, network, _RailPassengers.draw(calls, day, network,
                                                                       feeder, int(seed)))
    r: _RailPassengers = hit[2]
    los, cfg, asc = day.los, day.config, day.asc
    n, last, base, same, v_walk, e_walk, e_bus = (r.n, r.last, r.base, r.same, r.v_walk,
                                                  r.e_walk, r.e_bus)
    sl = demand.service_level
    offered = np.zeros(n, bool)
    if sl.available and n:
        v_od = _ondemand_utility(los, cfg, asc, sl)[r.zs_o, r.zs_d]
        offered = r.area_offered(day.service_area, network).copy()
        offered &= ~same
        e_od = np.where(offered, np.exp(np.minimum(v_od - v_walk, 700.0)), 0.0)
        p_od = e_od / (e_walk + e_bus + e_od)
    else:
        p_od = np.zeros(n)
    chose = r.u_od < p_od
    pax = r.pax
    legs = pd.DataFrame({  # the passengers who chose on-demand
        "direction": pax["direction"].to_numpy(object)[chose], "lat": r.lat[chose],
        "lon": r.lon[chose], "stop_lat": pax["stop_lat"].to_numpy()[chose],
        "stop_lon": pax["stop_lon"].to_numpy()[chose],
        "stop_id": pax["stop_id"].to_numpy(object)[chose],
        "trip_id": pax["trip_id"].to_numpy(object)[chose],
        "pt_time_s": pax["pt_time_s"].to_numpy(np.int64)[chose], "alt_mode": base[chose],
        "pt_gained": False, "zone": r.zone_name[chose]})
    summary = {
        "calls": {k: int((calls["direction"] == k).sum()) for k in ("last", "first")},
        "passengers": {k: int((last if k == "last" else ~last).sum())
                       for k in ("last", "first")},
        "offered_ondemand": int(offered.sum()),
        "chose": {m: int(((base == m) & ~chose).sum()) for m in ("walk", "bus")}
        | {"ondemand": int(chose.sum())},
        "expected_ondemand": float(p_od.sum()),
    }
    return legs, summary


@dataclass(frozen=True, eq=False)
class _RailPassengers:
    """The rail passengers of :func:`rail_feeder_legs` before their on-demand choice: the
    passenger rows of the calls, their points, draws, zones and base-mode terms."""

    n: int
    pax: pd.DataFrame
    last: np.ndarray
    u_od: np.ndarray
    st_node: np.ndarray
    door_node: np.ndarray
    zs_o: np.ndarray
    zs_d: np.ndarray
    t_leg: np.ndarray
    v_walk: np.ndarray
    e_walk: np.ndarray
    e_bus: np.ndarray
    base: np.ndarray
    same: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    zone_name: np.ndarray
    offered: dict[str, np.ndarray] = field(default_factory=dict)

    def area_offered(self, area: Any, network: Any) -> np.ndarray:
        """Whether the service area (the day's, one per day) takes each passenger's leg in
        its hour (all True without an area); computed once."""
        if "area" not in self.offered:
            if area is None:
                self.offered["area"] = np.ones(self.n, bool)
            else:
                x, y = np.asarray(network.node_x), np.asarray(network.node_y)
                o_node = np.where(self.last, self.st_node, self.door_node)
                d_node = np.where(self.last, self.door_node, self.st_node)
                self.offered["area"] = area.access(self.t_leg, x[o_node], y[o_node],
                                                   x[d_node], y[d_node])[0]
        return self.offered["area"]

    @classmethod
    def draw(cls, calls: pd.DataFrame, day: Any, network: Any, feeder: FeederConfig,
             seed: int) -> _RailPassengers:
        from kl_mobility.demand.modechoice import _bus_slots, bus_slot

        zones, los, cfg, asc = day.zones, day.los, day.config, day.asc
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), RAIL_TAG]))
        rate = np.where(calls["direction"].to_numpy() == "last", feeder.rail_arrivals_per_train,
                        feeder.rail_departures_per_train) * cfg.scale
        count = rng.poisson(rate)
        pax = calls.loc[np.repeat(calls.index.to_numpy(), count)].reset_index(drop=True)
        n = len(pax)
        internal = np.arange(zones.point_ptr[zones.n_internal])
        point_zone = np.repeat(np.arange(len(zones.name)), np.diff(zones.point_ptr))
        last = pax["direction"].to_numpy() == "last"
        pick = np.empty(n, np.int64)
        for mask, w in ((last, zones.point_attr), (~last, zones.point_pop)):
            ww = np.asarray(w, np.float64)[internal]
            pick[mask] = rng.choice(internal, size=int(mask.sum()), p=ww / ww.sum())
        u_base, u_od = rng.random(n), rng.random(n)
        # the station's zone: the zone of the internal point nearest it
        st_node, _ = _nodes(network, pax["stop_lat"].to_numpy(), pax["stop_lon"].to_numpy())
        door_node = zones.point_node[pick].astype(np.int64)
        pz = _nearest_point_zone(network, zones, internal, point_zone, st_node)
        dz = point_zone[pick]
        zs_o = np.where(last, pz, dz)
        zs_d = np.where(last, dz, pz)
        km = np.asarray(los.dist_m, np.float64)[zs_o, zs_d] / 1000.0
        v_walk = asc["walk"] + cfg.beta_walk_per_min * km / cfg.walk_speed_kmh * 60.0
        v_bus_all, bus_ok_all = _bus_slots(los, cfg, _factor_bus(los, cfg, asc),
                                           asc["bus"] + cfg.beta_cost_per_eur * cfg.bus_fare_eur)
        t_leg = np.where(last, pax["pt_time_s"].to_numpy() + feeder.egress_s,
                         pax["pt_time_s"].to_numpy() - feeder.transfer_buffer_s)
        slot = bus_slot(los, cfg, t_leg)
        v_bus = v_bus_all[slot, zs_o, zs_d]
        bus_ok = bus_ok_all[slot, zs_o, zs_d]
        e_walk = np.ones(n)
        e_bus = np.where(bus_ok, np.exp(np.minimum(v_bus - v_walk, 700.0)), 0.0)
        p_bus = e_bus / (e_walk + e_bus)
        base = np.where(u_base < p_bus, "bus", "walk").astype(object)
        same = door_node == st_node
        return cls(n, pax, last, u_od, st_node, door_node, zs_o, zs_d, t_leg, v_walk, e_walk,
                   e_bus, base, same, zones.point_lat[pick], zones.point_lon[pick],
                   zones.name[dz].astype(object))


def _nodes(network: Any, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from kl_mobility.network import nearest_nodes

    if lat.size == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    node, dist = nearest_nodes(network, lat, lon)
    return np.asarray(node, np.int64), np.asarray(dist)


def _nearest_point_zone(network: Any, zones: Any, internal: np.ndarray,
                        point_zone: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Zone of the internal zone point nearest each node (local metres)."""
    from scipy.spatial import cKDTree

    if nodes.size == 0:
        return np.zeros(0, np.int64)
    x, y = np.asarray(network.node_x), np.asarray(network.node_y)
    pn = zones.point_node[internal].astype(np.int64)
    tree = cKDTree(np.column_stack([x[pn], y[pn]]))
    _, k = tree.query(np.column_stack([x[nodes], y[nodes]]))
    return point_zone[internal[np.asarray(k)]]


def _factor_bus(los: Any, cfg: Any, asc: Any) -> np.ndarray:
    """The factor model's bus utility (the fallback of zone pairs without a routed stop),
    as :func:`kl_mobility.demand.modechoice._base_utilities` computes it."""
    return (asc["bus"] + cfg.beta_ivt_per_min * cfg.bus_ivt_factor * los.car_min
            + cfg.beta_access_per_min * los.bus_access_min
            + cfg.beta_wait_per_min * los.bus_wait_min
            + cfg.beta_cost_per_eur * cfg.bus_fare_eur)
