"""The typed result of one simulation and its conversion to documented DataFrames."""

from __future__ import annotations

from collections.abc import Callable
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


class SimulationResult:
    """Outputs of one run: DataFrames with the columns of :mod:`kl_mobility.results.schema`.

    ``meta`` holds run facts (seed, policy, wall time); ``legs`` the driven legs
    ``(from_node, to_node, type_index)`` when the run recorded them (for checks).

    ``events`` and ``occupancy`` may be given as one function that makes both
    (:meth:`deferred`): they are then made when first read. A day of the demand rounds
    whose event log nobody reads (every round but the last) never builds it.
    """

    def __init__(self, trips: pd.DataFrame, vehicles: pd.DataFrame, edges: pd.DataFrame,
                 events: pd.DataFrame | None, occupancy: pd.DataFrame | None,
                 kpis: dict[str, float], meta: dict[str, Any] | None = None, *,
                 event_frames: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = None
                 ) -> None:
        if (events is None or occupancy is None) != (event_frames is not None):
            raise ValueError("give events and occupancy, or event_frames to make them")
        self.trips = trips
        self.vehicles = vehicles
        self.edges = edges
        self._events = events
        self._occupancy = occupancy
        self._event_frames = event_frames
        self.kpis = kpis
        self.meta: dict[str, Any] = {} if meta is None else meta
        self.legs: list[tuple[int, int, int]] = []

    def _make_event_frames(self) -> None:
        if self._event_frames is not None:
            self._events, self._occupancy = self._event_frames()
            self._event_frames = None

    @property
    def events(self) -> pd.DataFrame:
        """The event log (:data:`kl_mobility.results.schema.EVENTS_COLUMNS`)."""
        self._make_event_frames()
        assert self._events is not None
        return self._events

    @events.setter
    def events(self, value: pd.DataFrame) -> None:
        self._make_event_frames()
        self._events = value

    @property
    def occupancy(self) -> pd.DataFrame:
        """Occupancy over the day (:data:`kl_mobility.results.schema.OCCUPANCY_COLUMNS`)."""
        self._make_event_frames()
        assert self._occupancy is not None
        return self._occupancy

    @occupancy.setter
    def occupancy(self, value: pd.DataFrame) -> None:
        self._make_event_frames()
        self._occupancy = value

    def __getstate__(self) -> dict[str, Any]:
        self._make_event_frames()  # the function may hold what cannot be pickled
        return self.__dict__.copy()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return (f"SimulationResult({len(self.trips)} trips, {len(self.vehicles)} vehicles, "
                f"{len(self.edges)} edges, kpis={self.kpis!r})")

    @classmethod
    def from_frames(cls, trips: pd.DataFrame, vehicles: pd.DataFrame, edges: pd.DataFrame,
                    events: pd.DataFrame, occupancy: pd.DataFrame,
                    meta: dict[str, Any] | None = None) -> SimulationResult:
        """Build a result (KPIs computed from ``trips`` and ``vehicles``)."""
        return cls(trips, vehicles, edges, events, occupancy, compute_kpis(trips, vehicles),
                   dict(meta or {}))

    @classmethod
    def deferred(cls, trips: pd.DataFrame, vehicles: pd.DataFrame, edges: pd.DataFrame,
                 event_frames: Callable[[], tuple[pd.DataFrame, pd.DataFrame]],
                 meta: dict[str, Any] | None = None) -> SimulationResult:
        """:meth:`from_frames` with ``event_frames()`` making ``(events, occupancy)`` when
        either is first read (once; it must give the same tables whenever it is called)."""
        return cls(trips, vehicles, edges, None, None, compute_kpis(trips, vehicles),
                   dict(meta or {}), event_frames=event_frames)


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
