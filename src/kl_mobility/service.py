"""The on-demand service's rules: :class:`ServiceConfig` and every rule derived from it.

The simulation (:mod:`kl_mobility.sim.setup`, :mod:`kl_mobility.sim.engine`) and the static
plans (:mod:`kl_mobility.planning`) apply the same rules, from here:

- the desired pickup of a request (:func:`desired_pickup_s`: ``earliest_pickup_s``, else
  ``request_time_s``) and the operating hours (:func:`in_service_hours`,
  :func:`type_hours`; service past midnight: :func:`past_midnight`,
  :func:`wrap_past_midnight`);
- the pickup deadline (:func:`pickup_deadline`: desired pickup + ``max_wait_s``) and the
  drop-off deadline (:func:`dropoff_deadline`: pickup deadline +
  ``ceil(detour_factor x direct time) + detour_const_s``, or the request's
  ``latest_dropoff_s`` when earlier);
- the time a vehicle stands at a stop (:func:`dwell_s`: ``stop_dwell_s +
  board_s_per_passenger x party``);
- outer districts (Ortsbezirke outside the network, attached to a boundary node with a
  one-way offset, :func:`external_offsets`): the stop is planned at the boundary node and
  the vehicle drives out to the district and back while there, so the windows move back by
  the offset and the stop lengthens by twice the offset (:func:`at_boundary`);
- the depots (:func:`depot_nodes`: ``depot_nodes``, else the node nearest the network's
  centre);
- why a request is not served (:data:`STRUCTURAL_REASONS`, decided before dispatch by
  :func:`structural_reasons`; :data:`DISPATCH_REASONS`, decided by dispatch).

Times are integer seconds since midnight of the simulated day. Figures not taken from
FACTS.md are named *assumptions*: scenario parameters with a default that a scenario file
can and should override.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.config import check_choice, check_finite_fields, check_range

__all__ = ["DAY_S", "DEFAULT_EXTERNAL_SPEED_KMH", "DISPATCH_REASONS", "REASONS",
           "STRUCTURAL_REASONS",
           "TIME_COLUMNS", "ServiceConfig", "at_boundary", "depot_nodes", "desired_pickup_s",
           "dropoff_deadline", "dwell_s", "external_offsets", "in_service_hours",
           "optional_times", "own_deadline", "past_midnight", "pickup_deadline", "structural_reasons",
           "type_hours", "type_rules", "wrap_past_midnight"]

DAY_S = 24 * 3600
"""Seconds of a day."""

TIME_COLUMNS = ("request_time_s", "earliest_pickup_s", "latest_pickup_s", "latest_dropoff_s",
                "booking_time_s", "pt_time_s")
"""Time columns of the request table (seconds since midnight of the simulated day; a
feeder's ``pt_time_s`` moves with its ride)."""

DEFAULT_EXTERNAL_SPEED_KMH = 50.0
"""Speed between an external zone and its boundary node when no distance column is given:
the demand model's default ``DemandConfig.external_speed_kmh`` (the runner passes the
scenario's value)."""

REASONS: dict[str, str] = {
    "": "served",
    "outside_hours": "rejected: the request (or its pickup window) lies outside operating hours",
    "no_vehicle": "rejected at once: no vehicle could serve it within its deadlines",
    "deadline_passed": "cancelled: kept for later batches but no vehicle found before its "
    "pickup deadline passed",
    "too_many_passengers": "rejected: more passengers than the largest vehicle holds",
    "no_stop": "rejected: no stop of a stop-based vehicle type within walking distance",
    "unreachable": "rejected: destination cannot be reached from the origin on the network",
    "same_node": "rejected: origin and destination are the same network node",
    "end_of_day": "cancelled: still waiting for a vehicle when the simulation ended",
    "not_planned": "static plans only: the solver left it unserved",
}
"""``reason`` values of ``trips.parquet`` (and of the static plans' trip tables) and what
they mean."""

STRUCTURAL_REASONS = ("no_stop", "unreachable", "same_node", "too_many_passengers",
                      "outside_hours")
"""Reasons a request is rejected before dispatch, whatever the vehicles do, in rising
precedence (a later one wins, :func:`structural_reasons`): no stop-based type has a stop
within walking distance of both ends (and no door-to-door type is offered it), no road
path, origin = destination, a party larger than every active type's seats, the desired
pickup outside the service's and the active types' hours."""

DISPATCH_REASONS = ("no_vehicle", "deadline_passed", "end_of_day")
"""Reasons of online rejects and cancellations that a better dispatch could have avoided:
no vehicle could take the request in time (``unserved = "reject"``), its pickup deadline
passed while it waited (``unserved = "keep"``), the day ended while it waited."""


@dataclass(frozen=True)
class ServiceConfig:
    """Service rules of the on-demand operator.

    Times are integer seconds since midnight of the simulated day.

    - ``start_s``, ``end_s``: operating hours. A request whose earliest pickup lies outside
      ``[start_s, end_s)`` is rejected (``outside_hours``); vehicles finish their schedules
      after ``end_s`` but take no new requests. ``end_s`` may pass midnight (up to 48 h):
      with 19:00-01:00 (68400, 90000) a request for 00:30 is served at 24:30, at the end of
      the simulated day (the demand model wraps the hours the same way).
    - ``max_wait_s``: pickup deadline = earliest pickup + ``max_wait_s``.
    - ``detour_factor``, ``detour_const_s``: drop-off deadline = pickup deadline +
      ``ceil(detour_factor x direct time) + detour_const_s`` (or the request's
      ``latest_dropoff_s`` when earlier). Assumption defaults 1.5 and 300 s.
    - ``unserved``: ``"reject"`` rejects a request no vehicle can take at once;
      ``"keep"`` keeps it and retries at every dispatch round until its pickup deadline
      passes (then it is cancelled, reason ``deadline_passed``).
    - ``prebook_release_s``: a pre-booked request (``booking_time_s`` set) enters dispatch this
      long before its earliest pickup (assumption 1800 s), so vehicles do not idle for hours.
    - ``stop_dwell_s`` + ``board_s_per_passenger`` x party: time a vehicle stands at a pickup
      or drop-off (assumptions 20 s and 5 s).
    - ``walk_speed_kmh``, ``walk_detour_factor``, ``max_walk_m``: walking to and from stops of
      stop-based vehicle types; walk time = straight-line metres x detour factor / speed
      (assumptions 4.5 km/h, 1.3, 600 m).
    - ``depot_nodes``: network nodes of depots (charging); empty = the node nearest the
      network's centre. ``initial_positions``: ``"random"`` (vehicles spread over random
      nodes, from the seed) or ``"depot"``.
    - ``charge_threshold``: an electric vehicle whose state of charge falls below this share
      of its battery drives to the nearest depot once idle and charges for
      ``charge_time_s`` (back to full); assumptions 0.2 and 3600 s.
    - ``max_stops``: room for planned stops per vehicle schedule (an insertion needing more
      is infeasible). Never silent: every time a request is offered while a vehicle's
      schedule is full, the simulation counts it (``SimulationResult.meta``
      ``max_stops_skips``, ``max_stops_vehicles``) and warns once at the end of the day.
    - ``request_windows``: how a request's own ``latest_pickup_s`` / ``latest_dropoff_s``
      combine with the rules: ``"tighten"`` (default) takes the earlier of the request's
      and the rule's deadline; ``"replace"`` takes the request's where it gives one (the
      rule only where it gives none), as an instance with its own windows needs.
    - ``occupancy_bin_s``: width of the time bins of ``occupancy.parquet``.
    """

    start_s: int = 5 * 3600
    end_s: int = 24 * 3600
    max_wait_s: int = 600
    detour_factor: float = 1.5
    detour_const_s: int = 300
    unserved: str = "reject"
    prebook_release_s: int = 1800
    stop_dwell_s: int = 20
    board_s_per_passenger: int = 5
    walk_speed_kmh: float = 4.5
    walk_detour_factor: float = 1.3
    max_walk_m: float = 600.0
    depot_nodes: tuple[int, ...] = ()
    initial_positions: str = "random"
    charge_threshold: float = 0.2
    charge_time_s: int = 3600
    max_stops: int = 16
    occupancy_bin_s: int = 900
    request_windows: str = "tighten"

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("start_s", self.start_s, 0, 2 * DAY_S)
        check_range("end_s", self.end_s, self.start_s, 2 * DAY_S)
        check_range("max_wait_s", self.max_wait_s, 0, DAY_S, lo_open=True)
        check_range("detour_factor", self.detour_factor, 1.0, 10.0)
        check_range("detour_const_s", self.detour_const_s, 0, DAY_S)
        check_choice("unserved", self.unserved, ("reject", "keep"))
        check_range("prebook_release_s", self.prebook_release_s, 0, DAY_S)
        check_range("stop_dwell_s", self.stop_dwell_s, 0, 3600)
        check_range("board_s_per_passenger", self.board_s_per_passenger, 0, 600)
        check_range("walk_speed_kmh", self.walk_speed_kmh, 0.0, 20.0, lo_open=True)
        check_range("walk_detour_factor", self.walk_detour_factor, 1.0, 5.0)
        check_range("max_walk_m", self.max_walk_m, 0.0, 10_000.0)
        for n in self.depot_nodes:
            check_range("depot_nodes", n, 0)
        check_choice("initial_positions", self.initial_positions, ("random", "depot"))
        check_choice("request_windows", self.request_windows, ("tighten", "replace"))
        check_range("charge_threshold", self.charge_threshold, 0.0, 1.0)
        check_range("charge_time_s", self.charge_time_s, 0, DAY_S)
        check_range("max_stops", self.max_stops, 2, 1000)
        check_range("occupancy_bin_s", self.occupancy_bin_s, 60, DAY_S)


# ---------------------------------------------------------------------- requests' times
def optional_times(requests: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """``(values int64 with 0 where missing, mask of present values)`` of an optional
    integer column of the request table (all missing when the table has no such column)."""
    if col not in requests.columns:
        return np.zeros(len(requests), np.int64), np.zeros(len(requests), bool)
    s = pd.to_numeric(requests[col], errors="raise")
    present = s.notna().to_numpy()
    vals = s.fillna(0).to_numpy().astype(np.int64)
    return vals, present


def desired_pickup_s(requests: pd.DataFrame) -> np.ndarray:
    """int64[n]: each request's desired pickup, ``earliest_pickup_s`` where set, else
    ``request_time_s`` (the simulation's earliest pickup)."""
    earliest, has_e = optional_times(requests, "earliest_pickup_s")
    return np.where(has_e, earliest, requests["request_time_s"].to_numpy(np.int64))


# ---------------------------------------------------------------------- hours
def type_hours(start_s: int | None, end_s: int | None,
               service: ServiceConfig) -> tuple[int, int]:
    """``(start_s, end_s)`` of a vehicle type with its own hours ``start_s``/``end_s``
    (``None``: the service's)."""
    return (service.start_s if start_s is None else start_s,
            service.end_s if end_s is None else end_s)


def in_service_hours(t: np.ndarray, service: ServiceConfig,
                     hours: Sequence[tuple[int, int]]) -> np.ndarray:
    """bool[n]: whether earliest pickups ``t`` lie in the service's ``[start_s, end_s)`` and
    in the ``[start, end)`` of some active vehicle type (``hours``, e.g.
    :meth:`~kl_mobility.sim.config.VehicleTypeConfig.hours`; none given = the service's
    hours only). A request outside is rejected as ``outside_hours``."""
    t = np.asarray(t, np.int64)
    ok = (t >= service.start_s) & (t < service.end_s)
    if hours:
        ok &= np.logical_or.reduce([(t >= a) & (t < b) for a, b in hours])
    return ok


def in_daily_window(t: np.ndarray, start_s: int, end_s: int) -> np.ndarray:
    """bool[n]: whether times of day ``t`` fall in the window ``[start_s, end_s)`` on the
    day or 24 h later (a window past midnight, ``end_s`` > 86400, takes 00:30 as 24:30: the
    rule of :func:`past_midnight`); a window of 24 h or more takes every time."""
    if end_s - start_s >= DAY_S:
        return np.ones(t.shape, bool)
    return ((t >= start_s) & (t < end_s)) | ((t + DAY_S >= start_s) & (t + DAY_S < end_s))


def past_midnight(t: np.ndarray, service: ServiceConfig,
                  hours: Sequence[tuple[int, int]]) -> np.ndarray:
    """bool[n]: earliest pickups ``t`` (seconds since midnight) outside the hours
    (:func:`in_service_hours`) that ``t + 24 h`` lies inside: early-morning requests that a
    service running past midnight (``end_s`` > 86400, e.g. 19:00-01:00 = 68400-90000) takes
    at the end of the simulated day, as the demand model counts them in its hours
    (:func:`in_daily_window`: the same 24 h shift for one window)."""
    t = np.asarray(t, np.int64)
    return ~in_service_hours(t, service, hours) & in_service_hours(t + DAY_S, service, hours)


def wrap_past_midnight(requests: pd.DataFrame, service: ServiceConfig,
                       hours: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """``requests`` with every time column (:data:`TIME_COLUMNS`) of the
    :func:`past_midnight` rows moved 24 h later (00:30 -> 24:30), so a typical day's early
    morning is served by the evening service that runs into it; the table itself when no
    row moves. The desired pickup is ``earliest_pickup_s``, else ``request_time_s``."""
    t_req = requests["request_time_s"].to_numpy(np.int64)
    earliest, has_e = optional_times(requests, "earliest_pickup_s")
    move = past_midnight(np.where(has_e, earliest, t_req), service, hours)
    if not move.any():
        return requests
    out = requests.copy()
    for col in TIME_COLUMNS:
        if col in out.columns:
            out.loc[move, col] = out.loc[move, col] + DAY_S
    return out


# ---------------------------------------------------------------------- windows and stops
def type_rules(max_wait_s: int | None, detour_factor: float | None,
               detour_const_s: int | None, service: ServiceConfig) -> tuple[int, float, int]:
    """``(max_wait_s, detour_factor, detour_const_s)`` of a vehicle type with its own rules
    (``None``: the service's)."""
    return (service.max_wait_s if max_wait_s is None else max_wait_s,
            service.detour_factor if detour_factor is None else detour_factor,
            service.detour_const_s if detour_const_s is None else detour_const_s)


def pickup_deadline(max_wait_s: int, early: Any) -> Any:
    """Latest pickup: the earliest pickup ``early`` (at the rider's door or stop) +
    ``max_wait_s`` (the service's, or a vehicle type's own, :func:`type_rules`)."""
    return early + max_wait_s


def own_deadline(rule: np.ndarray, own: np.ndarray, has_own: np.ndarray,
                 service: ServiceConfig) -> np.ndarray:
    """int64[n]: a deadline from the rule ``rule`` combined with the requests' own values
    ``own`` where ``has_own``: the earlier of the two (``request_windows = "tighten"``) or
    the request's (``"replace"``)."""
    if service.request_windows == "replace":
        return np.where(has_own, own, rule)
    return np.where(has_own, np.minimum(rule, own), rule)


def unreachable_offsets(offset_s: Any, max_wait_s: int) -> Any:
    """bool: outer-district origins ``offset_s`` (one-way seconds from the network's edge)
    that no vehicle dispatched at the request can pick up in time: at the boundary node
    (:func:`at_boundary`) the pickup deadline (:func:`pickup_deadline` with ``max_wait_s``)
    falls before the desired pickup itself, i.e. ``offset_s > max_wait_s``."""
    off = np.asarray(offset_s)
    early = np.zeros_like(off)
    _, late_pick, _, _, _ = at_boundary(early, pickup_deadline(max_wait_s, early), early,
                                        early, off, early)
    return late_pick < early


def dropoff_deadline(late_pick: np.ndarray, direct_s: np.ndarray, detour_factor: float,
                     detour_const_s: int, latest: np.ndarray | None = None,
                     has_latest: np.ndarray | None = None) -> np.ndarray:
    """int64[n]: latest drop-off: the pickup deadline ``late_pick`` +
    ``ceil(detour_factor x direct_s) + detour_const_s`` (``direct_s``: the direct time,
    door to door; the rules: the service's or a type's own, :func:`type_rules`), or
    ``latest`` where ``has_latest`` (the request's ``latest_dropoff_s``, at the drop-off
    point) when earlier."""
    ld = late_pick + np.ceil(detour_factor * direct_s).astype(np.int64) + detour_const_s
    if latest is None or has_latest is None:
        return ld
    return np.where(has_latest, np.minimum(ld, latest), ld)


def dwell_s(service: ServiceConfig, passengers: Any) -> Any:
    """Time a vehicle stands at a pickup or drop-off of a party of ``passengers``:
    ``stop_dwell_s + board_s_per_passenger x passengers``."""
    return service.stop_dwell_s + service.board_s_per_passenger * passengers


def at_boundary(early: Any, late_pick: Any, late_drop: Any, dwell: Any, off_o: Any,
                off_d: Any) -> tuple[Any, Any, Any, Any, Any]:
    """A request's windows and stop times at the nodes a vehicle serves, for outer-district
    ends (one-way offsets ``off_o``/``off_d`` s, 0 inside the network): the vehicle drives
    from the boundary node out to the district and back while "at" it, so the pickup window
    ``[early - off_o, late_pick - off_o]`` and the drop-off deadline ``late_drop - off_d``
    hold at the boundary node, and the stops last ``dwell + 2 off_o`` and
    ``dwell + 2 off_d``. Returns ``(early, late_pick, late_drop, dwell_pick, dwell_drop)``
    (scalars or arrays, as given)."""
    return (early - off_o, late_pick - off_o, late_drop - off_d, dwell + 2 * off_o,
            dwell + 2 * off_d)


def external_offsets(requests: pd.DataFrame, end: str,
                     speed_kmh: float = DEFAULT_EXTERNAL_SPEED_KMH,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """One-way ``(seconds int64, metres float64)`` between the ``end`` ("origin" or "dest")
    of each request and its network node: ``*_offset_s`` (0 when absent) and
    ``*_offset_m``, else ``offset_s x speed_kmh / 3.6`` (the demand model derived the
    offset as ``rint(offset_m / (speed_kmh / 3.6))``, so this is its distance to within half
    a second of driving, < 7 m at 50 km/h). A negative offset raises ``ValueError``
    naming the column."""
    if not speed_kmh > 0:
        raise ValueError(f"external_speed_kmh must be > 0, got {speed_kmh}")
    n = len(requests)
    col = f"{end}_offset_s"
    off = (pd.to_numeric(requests[col], errors="raise").fillna(0).to_numpy().astype(np.int64)
           if col in requests.columns else np.zeros(n, np.int64))
    if n and off.min() < 0:
        raise ValueError(f"requests: {col} must be >= 0")
    col_m = f"{end}_offset_m"
    if col_m in requests.columns:
        off_m = pd.to_numeric(requests[col_m], errors="raise").fillna(0).to_numpy(np.float64)
        if n and not (off_m >= 0).all():
            raise ValueError(f"requests: {col_m} must be >= 0")
    else:
        off_m = off * (speed_kmh / 3.6)
    return off, off_m


def depot_nodes(service: ServiceConfig, node_x: np.ndarray, node_y: np.ndarray) -> np.ndarray:
    """Depot nodes of the service, or the node nearest the network's centre."""
    if service.depot_nodes:
        dep = np.asarray(service.depot_nodes, np.int64)
        if dep.max() >= node_x.shape[0]:
            raise ValueError("depot_nodes must be network node ids")
        return dep
    cx, cy = float(np.mean(node_x)), float(np.mean(node_y))
    return np.array([int(np.argmin((node_x - cx) ** 2 + (node_y - cy) ** 2))], np.int64)


# ---------------------------------------------------------------------- reasons
def structural_reasons(n: int, *, no_stop: Any = None, unreachable: Any = None,
                       same_node: Any = None, too_many_passengers: Any = None,
                       outside_hours: Any = None, default: str = "") -> np.ndarray:
    """object[n]: the reason each of ``n`` requests is rejected before dispatch, from the
    masks of :data:`STRUCTURAL_REASONS` (``None``: no request), where several hold the
    later in that tuple; ``default`` where none holds."""
    reason = np.full(n, default, dtype=object)
    masks = (no_stop, unreachable, same_node, too_many_passengers, outside_hours)
    for name, mask in zip(STRUCTURAL_REASONS, masks, strict=True):
        if mask is not None:
            reason[mask] = name
    return reason
