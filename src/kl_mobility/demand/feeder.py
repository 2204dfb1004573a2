"""Feeder requests: on-demand rides that connect to public transport, built from their legs.

:func:`feeder_requests` turns feeder legs (a door, a public transport stop, the connection
and its direction) into on-demand requests whose windows come from the connection; the
rules, the trips table's connection columns and the KPIs are described in
:mod:`kl_mobility.pt.feeder`. Every builder of feeder demand (the rail passengers of this
module, an intermodal mode choice) goes through :func:`feeder_requests`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.demand.schema import ALT_MODES, REQUEST_DTYPES, check_requests
from kl_mobility.pt.feederconfig import FeederConfig

__all__ = ["LEG_COLUMNS", "feeder_requests"]

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
        "origin_zone": np.where(first, zone, "core").astype(object),
        "dest_zone": np.where(first, "core", zone).astype(object),
        "origin_offset_s": np.zeros(n, np.int32),
        "dest_offset_s": np.zeros(n, np.int32),
        "feeder": direction.astype(object),
        "pt_stop_id": legs["stop_id"].astype(str).to_numpy(object),
        "pt_trip_id": legs["trip_id"].astype(str).to_numpy(object),
        "pt_time_s": pd.array(t_pt_i, dtype="Int64"),
        "pt_gained": (legs["pt_gained"].astype(object).where(legs["pt_gained"].notna(), False)
                      .astype(bool).to_numpy() if "pt_gained" in legs.columns
                      else np.zeros(n, bool)),
    }).astype(REQUEST_DTYPES)
    check_requests(df, network.n_nodes)
    return df
