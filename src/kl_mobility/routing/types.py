"""Typed inputs and outputs of the static pickup-and-delivery solver.

A :class:`RoutingProblem` is a dial-a-ride / pickup-and-delivery problem with time windows
over ``N`` *locations* indexed ``0..N-1`` (depots and stops alike). Travel times and
distances are dense ``N x N`` matrices, so the same problem type serves Euclidean benchmark
instances and the Kaiserslautern road network (through the travel-time oracle).

Units are whatever the matrices use (benchmark instances: distance = time units; the road
network: seconds and metres). Solutions carry routes of :class:`Stop` with the arrival, the
service start and the load after service at every stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

__all__ = [
    "CheckReport",
    "RoutingProblem",
    "Route",
    "SolveStats",
    "Solution",
    "Stop",
    "StopKind",
]

StopKind = Literal["start", "pickup", "delivery", "end"]

#: Array-like on input (scalars broadcast where documented); a numpy array once constructed.
Vec = Any


def _vec(name: str, value: object, n: int, dtype: type) -> np.ndarray:
    arr: np.ndarray = np.asarray(value, dtype=dtype)
    if arr.ndim == 0:
        arr = np.full(n, arr.item(), dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """A static pickup-and-delivery problem with time windows (PDPTW / DARP).

    Locations: ``time`` and ``dist`` are ``N x N`` (float64; travel time and travel cost from
    row to column). Per location: ``service`` (service/boarding duration), ``load`` (change
    of load when served: ``+q`` at a pickup, ``-q`` at its delivery, 0 at depots) and the
    window ``[tw_early, tw_late]`` on the *start of service*.

    Requests: ``pickups[r]`` and ``deliveries[r]`` are the locations of request ``r``;
    ``max_ride[r]`` bounds the ride time (delivery service start minus pickup departure,
    i.e. ``B_d - (B_p + s_p)``), ``inf`` for none.

    Vehicles (``K`` = ``n_vehicles``): per-vehicle ``capacity``, ``start`` and ``end``
    location and ``max_duration`` (end arrival minus start departure, ``inf`` for none).
    ``fixed_cost`` is charged once per vehicle used; ``drop_penalty`` (``None``: every
    request must be served) is charged per unserved request.

    Scalars given for per-vehicle or per-request fields are broadcast.
    """

    time: Vec
    dist: Vec
    service: Vec
    load: Vec
    tw_early: Vec
    tw_late: Vec
    pickups: Vec
    deliveries: Vec
    max_ride: Vec
    n_vehicles: int
    capacity: Vec
    start: Vec
    end: Vec
    max_duration: Vec
    fixed_cost: float = 0.0
    drop_penalty: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        time = np.asarray(self.time, dtype=np.float64)
        dist = np.asarray(self.dist, dtype=np.float64)
        if time.ndim != 2 or time.shape[0] != time.shape[1]:
            raise ValueError(f"time must be a square matrix, got shape {time.shape}")
        if dist.shape != time.shape:
            raise ValueError(f"dist must have the shape of time {time.shape}, got {dist.shape}")
        if not (np.all(np.isfinite(time)) and np.all(time >= 0)):
            raise ValueError("time must be finite and >= 0")
        if not (np.all(np.isfinite(dist)) and np.all(dist >= 0)):
            raise ValueError("dist must be finite and >= 0")
        n = time.shape[0]
        set_ = object.__setattr__
        set_(self, "time", time)
        set_(self, "dist", dist)
        for name, dtype in (("service", np.float64), ("load", np.int64),
                            ("tw_early", np.float64), ("tw_late", np.float64)):
            set_(self, name, _vec(name, getattr(self, name), n, dtype))
        if not (np.all(np.isfinite(self.tw_early)) and np.all(np.isfinite(self.tw_late))):
            raise ValueError("tw_early and tw_late must be finite (use the horizon)")
        if np.any(self.service < 0):
            raise ValueError("service must be >= 0")
        if np.any(self.tw_early > self.tw_late):
            i = int(np.argmax(self.tw_early > self.tw_late))
            raise ValueError(f"tw_early must be <= tw_late (location {i})")
        pickups = np.asarray(self.pickups, dtype=np.int64).ravel()
        deliveries = np.asarray(self.deliveries, dtype=np.int64).ravel()
        if pickups.shape != deliveries.shape:
            raise ValueError("pickups and deliveries must have the same length")
        r = pickups.size
        set_(self, "pickups", pickups)
        set_(self, "deliveries", deliveries)
        set_(self, "max_ride", _vec("max_ride", self.max_ride, r, np.float64))
        k = int(self.n_vehicles)
        if k < 1:
            raise ValueError(f"n_vehicles must be >= 1, got {k}")
        set_(self, "n_vehicles", k)
        set_(self, "capacity", _vec("capacity", self.capacity, k, np.int64))
        set_(self, "start", _vec("start", self.start, k, np.int64))
        set_(self, "end", _vec("end", self.end, k, np.int64))
        set_(self, "max_duration", _vec("max_duration", self.max_duration, k, np.float64))
        if np.any(self.capacity < 0):
            raise ValueError("capacity must be >= 0")
        stops = np.concatenate([pickups, deliveries])
        if stops.size and (stops.min() < 0 or stops.max() >= n):
            raise ValueError(f"pickups and deliveries must be locations in 0..{n - 1}")
        if np.unique(stops).size != stops.size:
            raise ValueError("each pickup and delivery must be its own location")
        depots = np.concatenate([self.start, self.end])
        if depots.min() < 0 or depots.max() >= n:
            raise ValueError(f"start and end must be locations in 0..{n - 1}")
        if np.intersect1d(depots, stops).size:
            raise ValueError("depot locations must not be pickup or delivery locations")
        if np.any(self.load[pickups] <= 0) or np.any(self.load[deliveries] != -self.load[pickups]):
            raise ValueError("load must be q > 0 at each pickup and -q at its delivery")
        if self.fixed_cost < 0:
            raise ValueError(f"fixed_cost must be >= 0, got {self.fixed_cost}")
        if self.drop_penalty is not None and self.drop_penalty < 0:
            raise ValueError(f"drop_penalty must be >= 0, got {self.drop_penalty}")

    @property
    def n_locations(self) -> int:
        return int(self.time.shape[0])

    @property
    def n_requests(self) -> int:
        return int(self.pickups.size)

    def with_vehicles(self, n_vehicles: int) -> RoutingProblem:
        """This problem with its first ``n_vehicles`` vehicles (the last one repeated)."""
        idx = np.minimum(np.arange(n_vehicles), self.n_vehicles - 1)
        return replace(self, n_vehicles=n_vehicles, capacity=self.capacity[idx],
                       start=self.start[idx], end=self.end[idx],
                       max_duration=self.max_duration[idx])

    def request_of(self) -> np.ndarray:
        """int64[N]: the request served at each location, -1 at depots / unused locations."""
        out = np.full(self.n_locations, -1, dtype=np.int64)
        out[self.pickups] = np.arange(self.n_requests)
        out[self.deliveries] = np.arange(self.n_requests)
        return out


@dataclass(frozen=True)
class Stop:
    """One stop of a route: ``start`` is the service start (departure at depots)."""

    location: int
    kind: StopKind
    request: int
    arrival: float
    start: float
    departure: float
    load: int


@dataclass(frozen=True)
class Route:
    """A vehicle's route from its start depot to its end depot."""

    vehicle: int
    stops: tuple[Stop, ...]
    distance: float
    duration: float

    @property
    def n_requests(self) -> int:
        return sum(1 for s in self.stops if s.kind == "pickup")

    @property
    def locations(self) -> list[int]:
        """Stop locations without the depots (the form :func:`check_routes` takes)."""
        return [s.location for s in self.stops if s.kind in ("pickup", "delivery")]


@dataclass(frozen=True)
class CheckReport:
    """Result of the independent feasibility check of a plan.

    ``violations`` lists every problem found, each naming vehicle, stop or request;
    ``distance`` and ``routes`` are recomputed in double precision from the plan.
    """

    feasible: bool
    violations: tuple[str, ...]
    distance: float
    n_vehicles_used: int
    dropped: tuple[int, ...]
    routes: tuple[Route, ...]

    @property
    def objective(self) -> float:
        """Distance (no fixed or drop costs); see :meth:`Solution.objective`."""
        return self.distance


@dataclass(frozen=True)
class SolveStats:
    """What the solver did: status, wall time, raw integer objective, phases, and how many
    plans of its inner searches the independent checker rejected (each one is a bug of
    that search; the solver never uses such a plan)."""

    status: str
    wall_time_s: float
    solver_objective: int
    time_scale: float
    cost_scale: float
    phases: tuple[str, ...] = ()
    rejected_plans: int = 0


@dataclass(frozen=True)
class Solution:
    """A checked plan: routes of the used vehicles, dropped requests and its cost."""

    routes: tuple[Route, ...]
    dropped: tuple[int, ...]
    distance: float
    n_vehicles_used: int
    objective: float
    feasible: bool
    violations: tuple[str, ...]
    stats: SolveStats
    extra: dict[str, float] = field(default_factory=dict)
