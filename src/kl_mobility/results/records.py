"""The typed result of one simulation and its conversion to documented DataFrames."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.results.kpis import compute_kpis
from kl_mobility.results.schema import (
    EDGES_COLUMNS,
    EDGES_TYPE_COLUMN_PREFIX,
    EVENT_KINDS,
    EVENTS_COLUMNS,
    OCCUPANCY_COLUMNS,
    TRIP_STATUSES,
    TRIPS_COLUMNS,
    VEHICLES_COLUMNS,
    column_names,
)

__all__ = ["SimulationResult", "binned_mean", "events_frame", "occupancy_frame"]


@dataclass
class SimulationResult:
    """Outputs of one run: DataFrames with the columns of :mod:`kl_mobility.results.schema`.

    ``meta`` holds run facts (seed, policy, wall time); ``legs`` the driven legs
    ``(from_node, to_node, type_index)`` when the run recorded them (for checks).
    """

    trips: pd.DataFrame
    vehicles: pd.DataFrame
    edges: pd.DataFrame
    events: pd.DataFrame
    occupancy: pd.DataFrame
    kpis: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)
    legs: list[tuple[int, int, int]] = field(default_factory=list)

    @classmethod
    def from_frames(cls, trips: pd.DataFrame, vehicles: pd.DataFrame, edges: pd.DataFrame,
                    events: pd.DataFrame, occupancy: pd.DataFrame,
                    meta: dict[str, Any] | None = None) -> SimulationResult:
        """Build a result (KPIs computed from ``trips`` and ``vehicles``)."""
        return cls(trips, vehicles, edges, events, occupancy, compute_kpis(trips, vehicles),
                   dict(meta or {}))


def events_frame(t: list[int], kind: list[int], v: list[int], r: list[int],
                 node: list[int]) -> pd.DataFrame:
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


def binned_mean(times: np.ndarray, deltas: np.ndarray, start: int, end: int,
                bin_s: int) -> np.ndarray:
    """Time-mean per bin of the step function that starts at 0 and jumps by ``deltas`` at
    ``times`` (integer seconds), over bins ``[start + k*bin_s, ...)`` up to ``end``."""
    n_bins = max(1, -(-(end - start) // bin_s))
    span = n_bins * bin_s
    jumps = np.zeros(span + 1, np.float64)
    t = np.clip(np.asarray(times, np.int64) - start, 0, span)
    np.add.at(jumps, t, np.asarray(deltas, np.float64))
    level = np.cumsum(jumps)[:span]
    return level.reshape(n_bins, bin_s).mean(axis=1)


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


def check_frames(trips: pd.DataFrame, vehicles: pd.DataFrame, edges: pd.DataFrame) -> None:
    """Raise ``ValueError`` when a table lacks a documented column or has a bad status."""
    for name, df, cols in (("trips", trips, TRIPS_COLUMNS), ("vehicles", vehicles,
                                                             VEHICLES_COLUMNS),
                           ("edges", edges, EDGES_COLUMNS)):
        missing = [c for c in column_names(cols) if c not in df.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
    bad = set(trips["status"]) - set(TRIP_STATUSES)
    if bad:
        raise ValueError(f"trips.status has unknown values {sorted(bad)}")
    extra = [c for c in edges.columns if c not in column_names(EDGES_COLUMNS)
             and not c.startswith(EDGES_TYPE_COLUMN_PREFIX)]
    if extra:
        raise ValueError(f"edges has undocumented columns {extra}")
