"""The engine's event vocabulary and the event log it writes.

:data:`EVENT_KINDS` names what happens in a simulated day; the engine logs each event as an
integer code (:data:`EV`, the kind's index) and :func:`events_frame` turns the logged lists
into the ``events.parquet`` table (:data:`kl_mobility.results.schema.EVENTS_COLUMNS`);
:func:`occupancy_frame` derives the ``occupancy.parquet`` table from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kl_mobility.results.records import binned_mean
from kl_mobility.results.schema import EVENTS_COLUMNS, OCCUPANCY_COLUMNS, column_names

__all__ = ["EV", "EVENT_KINDS", "events_frame", "occupancy_frame"]

EVENT_KINDS = (
    "request",  # a request enters dispatch (pre-booked: prebook_release_s before its pickup)
    "assign",  # assigned to a vehicle
    "reject",  # rejected (final)
    "cancel",  # cancelled (final)
    "pickup",  # party boarded
    "dropoff",  # party alighted
    "arrive",  # vehicle reached a node where it stops (stop, depot, rebalancing target)
    "rebalance",  # idle vehicle sent toward demand
    "charge_start",
    "charge_end",
    "unassign",  # taken off its vehicle before pickup (re-assigned in the same dispatch)
)
"""What the engine logs (``events.parquet`` column ``kind``)."""

EV = {k: i for i, k in enumerate(EVENT_KINDS)}
"""Integer code of each event kind, as the engine logs it."""


Column = Sequence[int] | np.ndarray
"""A column of the event log: a list of ints or an int64 array."""


def events_frame(t: Column, kind: Column, v: Column, r: Column, node: Column) -> pd.DataFrame:
    """The event log sorted by time (stable: same-time events keep their order)."""
    tt = np.asarray(t, np.int64)
    order = np.argsort(tt, kind="stable")
    kinds = np.asarray(EVENT_KINDS, dtype=object)
    df = pd.DataFrame({
        "time_s": tt[order],
        "kind": kinds[np.asarray(kind, np.int64)[order]] if len(kind) else np.zeros(0, object),
        "vehicle_id": np.asarray(v, np.int32)[order],
        "request_id": np.asarray(r, np.int64)[order],
        "node": np.asarray(node, np.int32)[order],
    })
    return df[column_names(EVENTS_COLUMNS)]


def occupancy_frame(events: pd.DataFrame, passengers_by_request: dict[int, int],
                    n_vehicles: int, service_start: int, service_end: int,
                    bin_s: int) -> pd.DataFrame:
    """Vehicles in service, vehicles carrying passengers and persons on board per time bin."""
    ev = events[events["kind"].isin(("pickup", "dropoff"))]
    end = int(max(service_end, ev["time_s"].max() + 1 if len(ev) else service_end))
    start = int(min(service_start, ev["time_s"].min() if len(ev) else service_start))
    start -= start % bin_s
    sign = np.where(ev["kind"].to_numpy() == "pickup", 1, -1)
    pax = ev["request_id"].map(passengers_by_request).to_numpy(np.int64) * sign
    on_board = binned_mean(ev["time_s"].to_numpy(), pax, start, end, bin_s)
    # per vehicle: load before/after each stop -> busy indicator changes
    busy_t: list[np.ndarray] = []
    busy_d: list[np.ndarray] = []
    if len(ev):
        df = pd.DataFrame({"v": ev["vehicle_id"].to_numpy(), "t": ev["time_s"].to_numpy(),
                           "p": pax})
        df["load"] = df.groupby("v", sort=False)["p"].cumsum()
        df["busy"] = (df["load"] > 0).astype(np.int64)
        df["prev"] = df.groupby("v", sort=False)["busy"].shift(1, fill_value=0)
        ch = df[df["busy"] != df["prev"]]
        busy_t.append(ch["t"].to_numpy())
        busy_d.append((ch["busy"] - ch["prev"]).to_numpy())
    bt = np.concatenate(busy_t) if busy_t else np.zeros(0, np.int64)
    bd = np.concatenate(busy_d) if busy_d else np.zeros(0, np.int64)
    busy = binned_mean(bt, bd, start, end, bin_s)
    in_service = binned_mean(np.array([service_start, service_end]),
                             np.array([n_vehicles, -n_vehicles]), start, end, bin_s)
    edges = start + bin_s * np.arange(on_board.size + 1)
    out = pd.DataFrame({"bin_start_s": edges[:-1].astype(np.int64),
                        "bin_end_s": edges[1:].astype(np.int64),
                        "vehicles_in_service": in_service, "vehicles_busy": busy,
                        "passengers_on_board": on_board})
    return out[column_names(OCCUPANCY_COLUMNS)]
