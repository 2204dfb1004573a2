"""Feeder rides: on-demand trips that connect to public transport, and their KPIs.

A *feeder* request (request-table column ``feeder``, :mod:`kl_mobility.demand.schema`) is

- **first mile** (``"first"``): a ride from a door to a public transport stop to catch a
  departure ``pt_time_s`` (GTFS ``pt_stop_id``, ``pt_trip_id``). Its own drop-off deadline
  is ``latest_dropoff_s = pt_time_s - transfer_buffer_s`` (``[feeder]``,
  :class:`~kl_mobility.pt.feederconfig.FeederConfig`); the simulation holds it like every
  request's own window (``service.request_windows``: "tighten" takes the earlier of it and
  the rule's deadline, "replace" takes it), so no policy may set the rider down later. The
  rider asks at ``request_time_s = deadline - (max_wait_s + ceil(detour_factor x direct) +
  detour_const_s)``: early enough that the service's ordinary promise (pickup within
  ``max_wait_s``, ride within the detour rule) ends exactly at the deadline.
- **last mile** (``"last"``): a ride from a stop to a door after an arrival ``pt_time_s``.
  It is released when the vehicle arrives (``request_time_s = pt_time_s``) and the rider
  can be picked up from ``earliest_pickup_s = pt_time_s + egress_s`` on, never earlier.

:func:`kl_mobility.demand.feeder.feeder_requests` turns feeder legs (door, stop,
connection, direction) into such requests; anyone who builds feeder demand (the rail
passengers of :func:`kl_mobility.demand.feeder.rail_feeder_legs`, an intermodal mode choice)
goes through it. This module reads them back: the trips table's connection columns and the
KPIs.

Trips table (:func:`connection_columns`,
:data:`kl_mobility.results.schema.CONNECTION_COLUMNS`): ``connection`` is
"made" for a served first-mile ride set down by its deadline and for a served last-mile ride,
"missed" for every feeder request not served (the rider does not reach the departure by
this service, or has no on-demand ride from the arrival), "" for ordinary requests.
``transfer_wait_s`` is the time spent at the transfer of a made connection: first mile
``pt_time_s - dropoff_time_s`` (set-down to departure: includes the buffer and, stop-based,
the walk from the vehicle's stop to the platform); last mile ``pickup_time_s - pt_time_s``
(arrival to boarding: includes ``egress_s``).

KPIs (:func:`feeder_kpis`, keys :data:`kl_mobility.results.schema.FEEDER_KPI_KEYS`): counts of requests (parties)
made/missed, transfer waits over made connections, feeder riders (persons served) per
vehicle-hour in service of the whole fleet, and public transport riders gained: persons
served on a feeder ride marked ``pt_gained`` (they would not use public transport at all
without it; rail passengers who are on the train anyway are never gained).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["connection_columns", "feeder_kpis", "hub_connections"]


def _column(requests: pd.DataFrame, name: str, default: Any, n: int) -> np.ndarray:
    if name not in requests.columns:
        return np.full(n, default, dtype=object if isinstance(default, str) else None)
    s = requests[name]
    if isinstance(default, str):
        return s.astype(object).where(s.notna(), default).astype(str).to_numpy(object)
    return s.to_numpy()


def connection_columns(requests: pd.DataFrame, served: np.ndarray, pickup_s: np.ndarray,
                       dropoff_s: np.ndarray, latest_dropoff_s: np.ndarray
                       ) -> dict[str, np.ndarray]:
    """The feeder columns (:data:`~kl_mobility.results.schema.CONNECTION_COLUMNS`) of the
    trips table, row for row with ``requests``
    (a table without feeder columns has only ordinary requests): ``served`` (bool),
    ``pickup_s``, ``dropoff_s`` (the trips' times, -1 when not served) and
    ``latest_dropoff_s`` (the deadline the serving type held)."""
    from kl_mobility.service import optional_times

    n = len(requests)
    kind = _column(requests, "feeder", "", n)
    t_pt, has_pt = optional_times(requests, "pt_time_s")
    own_drop, has_drop = optional_times(requests, "latest_dropoff_s")
    first = (kind == "first") & has_pt
    last = (kind == "last") & has_pt
    served = np.asarray(served, bool)
    made = served & ((first & (dropoff_s <= latest_dropoff_s)) | last)
    connection = np.where(first | last, np.where(made, "made", "missed"), "").astype(object)
    wait = np.where(made & first, t_pt - dropoff_s, np.where(made & last, pickup_s - t_pt, -1))
    gained = (_column(requests, "pt_gained", False, n).astype(bool)
              if "pt_gained" in requests.columns else np.zeros(n, bool))
    return {
        "feeder": kind.astype(object),
        "pt_stop_id": _column(requests, "pt_stop_id", "", n),
        "pt_trip_id": _column(requests, "pt_trip_id", "", n),
        "pt_time_s": np.where(has_pt, t_pt, -1).astype(np.int64),
        "connection_deadline_s": np.where(first & has_drop, own_drop, -1).astype(np.int64),
        "connection": connection,
        "transfer_wait_s": wait.astype(np.int64),
        "pt_gained": gained & (first | last),
    }


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else math.nan


def feeder_kpis(trips: pd.DataFrame, vehicle_hours: float) -> dict[str, float]:
    """The :data:`~kl_mobility.results.schema.FEEDER_KPI_KEYS` of a trips table (columns of :func:`connection_columns`;
    a table without them has no feeder requests) with ``vehicle_hours`` in service."""
    nan = math.nan
    if "connection" not in trips.columns:
        kind = np.full(len(trips), "", object)
        conn = kind
        wait_all = np.zeros(len(trips))
        pax = np.zeros(len(trips))
        gained = np.zeros(len(trips), bool)
    else:
        kind = trips["feeder"].astype(str).to_numpy(object)
        conn = trips["connection"].astype(str).to_numpy(object)
        wait_all = trips["transfer_wait_s"].to_numpy(np.float64)
        pax = trips["passengers"].to_numpy(np.float64)
        gained = trips["pt_gained"].to_numpy(bool)
    made = conn == "made"
    missed = conn == "missed"
    wait = wait_all[made]
    first, last = kind == "first", kind == "last"
    riders = float(pax[made].sum())
    return {
        "feeder_requests": int((first | last).sum()),
        "feeder_connections_made": int(made.sum()),
        "feeder_connections_missed": int(missed.sum()),
        "feeder_first_made": int((made & first).sum()),
        "feeder_first_missed": int((missed & first).sum()),
        "feeder_last_made": int((made & last).sum()),
        "feeder_last_missed": int((missed & last).sum()),
        "feeder_transfer_wait_mean_s": float(wait.mean()) if wait.size else nan,
        "feeder_transfer_wait_p95_s": float(np.percentile(wait, 95)) if wait.size else nan,
        "feeder_first_transfer_wait_mean_s": _mean(wait_all[made & first]),
        "feeder_last_transfer_wait_mean_s": _mean(wait_all[made & last]),
        "feeder_riders": riders,
        "feeder_riders_per_vehicle_hour": riders / vehicle_hours if vehicle_hours > 0 else nan,
        "feeder_pt_riders_gained": float(pax[made & gained].sum()),
    }


def hub_connections(supply: Any, direction: str, hub_stop: np.ndarray, time_s: np.ndarray,
                    lat: np.ndarray, lon: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The concrete public transport connection of feeder rides at hub stops, by the
    router (:func:`kl_mobility.pt.router.earliest_arrival`) on ``supply``'s timetable:
    ``(pt_time_s int64, trip_id object, found bool)`` per ride.

    ``direction`` "first": the rider is at feed stop ``hub_stop`` ready to board at
    ``time_s`` (the feeder's drop-off + the transfer buffer) and travels on to
    ``(lat, lon)``; ``pt_time_s`` is the departure of the first vehicle boarded and
    ``trip_id`` that trip's id ("" when the journey starts with a footpath to another
    stop). "last": the rider leaves ``(lat, lon)`` at ``time_s`` for the hub stop;
    ``pt_time_s`` is the arrival at the hub and ``trip_id`` the trip arriving there then.
    ``found`` is False (time -1) where the router finds no journey within its horizon."""
    from kl_mobility.pt.router import earliest_arrival, walk_links

    if direction not in ("first", "last"):
        raise ValueError(f"direction must be 'first' or 'last', got {direction!r}")
    tt, feed = supply.timetable, supply.feed
    hub = np.asarray(hub_stop, np.int64)
    t0 = np.asarray(time_s, np.int64)
    n = hub.shape[0]
    if n and (hub.min() < 0 or hub.max() >= tt.n_stops):
        raise ValueError(f"hub_stop must be feed stop indices 0..{tt.n_stops - 1}")
    ptr, stop, walk = walk_links(tt, np.asarray(lat, np.float64), np.asarray(lon, np.float64))
    out_t = np.full(n, -1, np.int64)
    out_trip = np.full(n, "", dtype=object)
    found = np.zeros(n, bool)
    zero = np.zeros(1, np.int64)
    for k in range(n):
        links = (stop[ptr[k]:ptr[k + 1]], walk[ptr[k]:ptr[k + 1]])
        here = (hub[k:k + 1], zero)
        j = earliest_arrival(tt, here, links, int(t0[k])) if direction == "first" else \
            earliest_arrival(tt, links, here, int(t0[k]))
        if j is None or j.boardings == 0:
            continue
        found[k] = True
        if direction == "first":
            out_t[k] = j.depart_s + j.access_s + j.wait_s
            c = np.flatnonzero((tt.c_dep_stop == hub[k]) & (tt.c_dep_t == out_t[k]))
        else:
            out_t[k] = j.arrival_s
            c = np.flatnonzero((tt.c_arr_stop == hub[k]) & (tt.c_arr_t == out_t[k]))
        if c.size:
            out_trip[k] = str(feed.trip_id[tt.c_trip[c[0]]])
    return out_t, out_trip, found
