"""Service and fleet sections of a scenario.

Figures not taken from /work/shared/data/FACTS.md are named *assumptions*: scenario
parameters with a default that a scenario file can and should override.
"""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_choice, check_finite_fields, check_range

__all__ = ["ServiceConfig", "VehicleTypeConfig"]

DAY_S = 24 * 3600


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
      is infeasible).
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
        check_range("charge_threshold", self.charge_threshold, 0.0, 1.0)
        check_range("charge_time_s", self.charge_time_s, 0, DAY_S)
        check_range("max_stops", self.max_stops, 2, 1000)
        check_range("occupancy_bin_s", self.occupancy_bin_s, 60, DAY_S)


@dataclass(frozen=True)
class VehicleTypeConfig:
    """One vehicle type of the fleet and how many of it.

    - ``kind``: ``"van"`` (ride-pooling van, door to door at network speeds) or
      ``"shuttle"`` (automated shuttle; usually with ``speed_cap_kmh`` and ``stop_based``).
    - ``capacity``: seats (FACTS.md: Navya 15 pax incl. standing, EasyMile EZ10 6-11 pax,
      derletztefuehrerscheinneuling.com / autonv.de).
    - ``drivetrain``: ``"electric"``, ``"diesel"`` or ``"petrol"``.
    - ``energy_kwh_per_km``: electric use; default 0.281 = Nissan e-NV200 van, ADAC Ecotest
      28.1 kWh/100 km (FACTS.md section 6, elektroauto-news.net). Shuttle kWh/km is NOT in
      FACTS.md: give it in the scenario.
    - ``fuel_l_per_100km``: diesel/petrol use; 0 = not given (emissions then fall back to
      the fleet-average car factor, an assumption flagged in reports).
    - ``speed_cap_kmh``: 0 = none; else every edge is driven at most this fast (FACTS.md:
      Navya usually 25 km/h, EasyMile EZ10 10-25 km/h in service). The type gets its own
      travel-time tables.
    - ``battery_kwh``: usable battery (assumption 40 kWh for a van; Navya 16.5-33 kWh per
      FACTS.md). 0 = no state-of-charge tracking.
    - ``stop_based``: passengers walk to the nearest stop (``stops`` given to ``simulate``,
      else a virtual stop every ``stop_spacing_m`` metres, assumption 400 m).
    - ``stops_latlon``: explicit stop positions ``((lat, lon), ...)`` of a stop-based type
      (at least two). The runner snaps each to the nearest network node
      (:func:`kl_mobility.network.snap`; an error names the stop when it lies farther than
      500 m from the network) and passes them to ``simulate`` as ``stops``; the type then
      serves only trips that start and end within ``service.max_walk_m`` of one of them.
      Empty = virtual stops.
    - ``start_s``, ``end_s``: this type's own operating hours (seconds since midnight; unset
      = the service's ``start_s``/``end_s``, see :meth:`hours`). A request is offered to the
      type only when its earliest pickup lies in ``[start_s, end_s)``; after ``end_s`` the
      type's vehicles take no new requests and finish their schedules; outside its hours
      a vehicle is not rebalanced. ``end_s`` past 86400 (e.g. 90000 = 01:00) serves the
      early morning at the end of the day, as for the service's ``end_s``.
    - ``max_wait_s``, ``detour_factor``, ``detour_const_s``: this type's own service rules
      (unset = the service's, see :meth:`rules`): a request offered to the type gets the
      type's pickup deadline and drop-off deadline, so a night service keeps its 15-minute
      deadline inside a package whose daytime service promises 10 minutes.
    """

    name: str
    count: int
    capacity: int = 6
    kind: str = "van"
    drivetrain: str = "electric"
    energy_kwh_per_km: float = 0.281
    fuel_l_per_100km: float = 0.0
    speed_cap_kmh: float = 0.0
    battery_kwh: float = 40.0
    stop_based: bool = False
    stop_spacing_m: float = 400.0
    stops_latlon: tuple[tuple[float, float], ...] = ()
    start_s: int | None = None
    end_s: int | None = None
    max_wait_s: int | None = None
    detour_factor: float | None = None
    detour_const_s: int | None = None

    def __post_init__(self) -> None:
        check_finite_fields(self)
        if not self.name:
            raise ValueError("name must not be empty")
        check_range("count", self.count, 0)
        check_range("capacity", self.capacity, 1, 100)
        check_choice("kind", self.kind, ("van", "shuttle"))
        check_choice("drivetrain", self.drivetrain, ("electric", "diesel", "petrol"))
        check_range("energy_kwh_per_km", self.energy_kwh_per_km, 0.0, 10.0)
        check_range("fuel_l_per_100km", self.fuel_l_per_100km, 0.0, 100.0)
        check_range("speed_cap_kmh", self.speed_cap_kmh, 0.0, 200.0)
        check_range("battery_kwh", self.battery_kwh, 0.0, 2000.0)
        check_range("stop_spacing_m", self.stop_spacing_m, 10.0, 10_000.0)
        if self.stops_latlon:
            if not self.stop_based:
                raise ValueError("stops_latlon needs stop_based = true")
            if len(self.stops_latlon) < 2:
                raise ValueError("stops_latlon needs at least two stops, got "
                                 f"{len(self.stops_latlon)}")
            for k, pt in enumerate(self.stops_latlon):
                if (len(pt) != 2 or not -90.0 <= pt[0] <= 90.0
                        or not -180.0 <= pt[1] <= 180.0):
                    raise ValueError(f"stops_latlon[{k}] must be (lat, lon) in degrees, "
                                     f"got {pt!r}")
        if self.start_s is not None:
            check_range("start_s", self.start_s, 0, 2 * DAY_S)
        if self.end_s is not None:
            check_range("end_s", self.end_s, 0 if self.start_s is None else self.start_s,
                        2 * DAY_S, lo_open=self.start_s is not None)
        if self.max_wait_s is not None:
            check_range("max_wait_s", self.max_wait_s, 0, DAY_S, lo_open=True)
        if self.detour_factor is not None:
            check_range("detour_factor", self.detour_factor, 1.0, 10.0)
        if self.detour_const_s is not None:
            check_range("detour_const_s", self.detour_const_s, 0, DAY_S)

    def rules(self, service: ServiceConfig) -> tuple[int, float, int]:
        """``(max_wait_s, detour_factor, detour_const_s)`` of this type: its own, else the
        service's."""
        return (service.max_wait_s if self.max_wait_s is None else self.max_wait_s,
                service.detour_factor if self.detour_factor is None else self.detour_factor,
                service.detour_const_s if self.detour_const_s is None else self.detour_const_s)

    def hours(self, service: ServiceConfig) -> tuple[int, int]:
        """``(start_s, end_s)`` of this type: its own, else the service's."""
        start = service.start_s if self.start_s is None else self.start_s
        end = service.end_s if self.end_s is None else self.end_s
        return start, end
