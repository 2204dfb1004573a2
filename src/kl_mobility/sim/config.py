"""The fleet section of a scenario (:class:`VehicleTypeConfig`); the service section,
:class:`~kl_mobility.service.ServiceConfig`, and its rules live in :mod:`kl_mobility.service`
(re-exported here).

Figures not taken from FACTS.md (the project's table of sourced figures) are named
*assumptions*: scenario parameters with a default that a scenario file can and should
override.
"""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_choice, check_finite_fields, check_range
from kl_mobility.service import DAY_S, ServiceConfig, type_hours, type_rules

__all__ = ["DAY_S", "ServiceConfig", "VehicleTypeConfig"]


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
    - ``start_nodes``: where each of the ``count`` vehicles starts the day (network node
      ids, one per vehicle); empty = ``service.initial_positions`` (random nodes or the
      depots). Unlike ``service.depot_nodes`` they are not charging depots.
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
    start_nodes: tuple[int, ...] = ()

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
        if self.start_nodes:
            if len(self.start_nodes) != self.count:
                raise ValueError(f"start_nodes must give one node per vehicle ({self.count}),"
                                 f" got {len(self.start_nodes)}")
            for n in self.start_nodes:
                check_range("start_nodes", n, 0)

    def rules(self, service: ServiceConfig) -> tuple[int, float, int]:
        """``(max_wait_s, detour_factor, detour_const_s)`` of this type: its own, else the
        service's (:func:`kl_mobility.service.type_rules`)."""
        return type_rules(self.max_wait_s, self.detour_factor, self.detour_const_s, service)

    def hours(self, service: ServiceConfig) -> tuple[int, int]:
        """``(start_s, end_s)`` of this type: its own, else the service's
        (:func:`kl_mobility.service.type_hours`)."""
        return type_hours(self.start_s, self.end_s, service)
