"""The on-demand request table: column names, dtypes, units and meaning.

One row per on-demand request, as produced by :func:`kl_mobility.demand.generate_demand`,
read by :func:`kl_mobility.demand.requests_from_file` and consumed by the simulation.

==================  ============  ==========================================================
column              dtype         meaning
==================  ============  ==========================================================
request_id          int64         unique id of the request
request_time_s      int64         seconds since midnight of the simulated day when the
                                  request is made (desired departure for pre-bookings)
origin_lat/_lon     float64       origin (WGS84 degrees)
dest_lat/_lon       float64       destination (WGS84 degrees)
origin_node         int32         network node of the origin (0..n_nodes-1)
dest_node           int32         network node of the destination
passengers          int16         party size, >= 1
earliest_pickup_s   Int64 (null)  earliest pickup time, seconds since midnight
latest_pickup_s     Int64 (null)  latest pickup time (the request's own pickup deadline)
latest_dropoff_s    Int64 (null)  latest drop-off time, seconds since midnight
booking_time_s      Int64 (null)  when a pre-booked request was booked (<= request_time_s);
                                  null = immediate request
alt_mode            category      the mode the trip would otherwise use: car|walk|bike|bus
origin_zone         str           "core" inside the network, else the Ortsbezirk's name
dest_zone           str           as origin_zone
origin_offset_s     int32         travel time from the origin to ``origin_node`` (external
                                  zones attached to a boundary node), 0 inside the network
dest_offset_s       int32         travel time from ``dest_node`` to the destination
feeder              str           "" = an ordinary request; "first" = a ride to a public
                                  transport stop to catch a departure; "last" = a ride from
                                  a stop after an arrival (:mod:`kl_mobility.pt.feeder`)
pt_stop_id          str           GTFS stop_id of a feeder's connection, "" otherwise
pt_trip_id          str           GTFS trip_id of a feeder's connection, "" otherwise
pt_time_s           Int64 (null)  the departure a first-mile ride connects to, the arrival
                                  a last-mile ride starts from; null for ordinary requests
pt_gained           bool          the rider would not use public transport at all without
                                  this feeder ride (False for ordinary requests)
==================  ============  ==========================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ALT_MODES",
    "CORE_ZONE",
    "FEEDER_KINDS",
    "MODES",
    "OPTIONAL_COLUMNS",
    "REQUEST_COLUMNS",
    "REQUEST_DTYPES",
    "REQUIRED_COLUMNS",
    "check_requests",
    "empty_requests",
    "ordinary_feeder_columns",
]

ALT_MODES: tuple[str, ...] = ("car", "walk", "bike", "bus")
"""Modes a request would otherwise use (the 2023 modal-split categories)."""
MODES: tuple[str, ...] = (*ALT_MODES, "ondemand", "intermodal")
"""All modes of the mode choice (codes 0-5): the base modes, on-demand door to door, and
intermodal (on-demand to or from a public transport hub, public transport beyond)."""
CORE_ZONE = "core"
FEEDER_KINDS: tuple[str, ...] = ("", "first", "last")
"""Values of ``feeder``: ordinary, first mile (to a departure), last mile (from an
arrival)."""

REQUEST_DTYPES: dict[str, str] = {
    "request_id": "int64",
    "request_time_s": "int64",
    "origin_lat": "float64",
    "origin_lon": "float64",
    "dest_lat": "float64",
    "dest_lon": "float64",
    "origin_node": "int32",
    "dest_node": "int32",
    "passengers": "int16",
    "earliest_pickup_s": "Int64",
    "latest_pickup_s": "Int64",
    "latest_dropoff_s": "Int64",
    "booking_time_s": "Int64",
    "alt_mode": "category",
    "origin_zone": "object",
    "dest_zone": "object",
    "origin_offset_s": "int32",
    "dest_offset_s": "int32",
    "feeder": "object",
    "pt_stop_id": "object",
    "pt_trip_id": "object",
    "pt_time_s": "Int64",
    "pt_gained": "bool",
}
REQUEST_COLUMNS: tuple[str, ...] = tuple(REQUEST_DTYPES)

REQUIRED_COLUMNS: tuple[str, ...] = ("request_time_s",)
"""A user's file needs these, plus origin and destination as lat/lon or as nodes."""
OPTIONAL_COLUMNS: dict[str, object] = {
    "passengers": 1,
    "alt_mode": "car",
    "origin_zone": CORE_ZONE,
    "dest_zone": CORE_ZONE,
    "origin_offset_s": 0,
    "dest_offset_s": 0,
    "feeder": "",
    "pt_stop_id": "",
    "pt_trip_id": "",
    "pt_gained": False,
}
"""Defaults for columns a user's file may leave out (``request_id`` defaults to the row
order, nullable time columns to null, ``alt_mode`` to "car" - the majority mode)."""


def ordinary_feeder_columns(n: int) -> dict[str, object]:
    """The feeder columns (``feeder`` .. ``pt_gained``) of ``n`` ordinary requests."""
    return {"feeder": np.full(n, "", dtype=object), "pt_stop_id": np.full(n, "", dtype=object),
            "pt_trip_id": np.full(n, "", dtype=object),
            "pt_time_s": pd.array([pd.NA] * n, dtype="Int64"),
            "pt_gained": np.zeros(n, bool)}


def empty_requests(n: int = 0) -> pd.DataFrame:
    """A request table with ``n`` rows of default values and the documented dtypes."""
    data: dict[str, object] = {}
    for col, dt in REQUEST_DTYPES.items():
        if dt == "Int64":
            data[col] = pd.array([pd.NA] * n, dtype="Int64")
        elif dt == "category":
            data[col] = pd.Categorical(["car"] * n, categories=ALT_MODES)
        elif dt == "object":
            fill = OPTIONAL_COLUMNS[col]
            data[col] = np.full(n, fill, dtype=object)
        else:
            data[col] = np.zeros(n, dtype=dt)
    return pd.DataFrame(data)


def check_requests(df: pd.DataFrame, n_nodes: int | None = None) -> None:
    """Raise ``ValueError`` naming the column when ``df`` breaks the documented schema.

    Checks columns, dtypes, unique ids, passengers >= 1, node range and time order. Used
    by the writers, so a written table is always readable.
    """
    missing = [c for c in REQUEST_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"request table lacks column(s) {missing}")
    extra = [c for c in df.columns if c not in REQUEST_DTYPES]
    if extra:
        raise ValueError(f"request table has unknown column(s) {extra}")
    for col, dt in REQUEST_DTYPES.items():
        got = df[col].dtype
        if dt == "object" and (pd.api.types.is_object_dtype(got)
                               or pd.api.types.is_string_dtype(got)):
            continue  # zone names: object or pandas' string dtype
        if str(got) != dt:
            raise ValueError(f"{col} must have dtype {dt}, got {got}")
    if not df["request_id"].is_unique:
        raise ValueError("request_id must be unique")
    if (df["passengers"] < 1).any():
        raise ValueError("passengers must be >= 1")
    if set(df["alt_mode"].cat.categories) - set(ALT_MODES):
        raise ValueError(f"alt_mode categories must be within {list(ALT_MODES)}")
    if n_nodes is not None:
        for col in ("origin_node", "dest_node"):
            if len(df) and (df[col].min() < 0 or df[col].max() >= n_nodes):
                raise ValueError(f"{col} must be in 0..{n_nodes - 1}")
    kinds = df["feeder"].astype(str)
    if not kinds.isin(FEEDER_KINDS).all():
        raise ValueError(f"feeder must be one of {list(FEEDER_KINDS)}")
    if (df["pt_time_s"].notna() != (kinds != "")).any():
        raise ValueError("pt_time_s must be set exactly for feeder requests")
    bt = df["booking_time_s"]
    if (bt.notna() & (bt > df["request_time_s"])).any():
        raise ValueError("booking_time_s must be <= request_time_s")
