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
    TRIP_STATUSES,
    TRIPS_COLUMNS,
    VEHICLES_COLUMNS,
    column_names,
)

__all__ = ["SimulationResult", "binned_mean", "check_frames"]


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
