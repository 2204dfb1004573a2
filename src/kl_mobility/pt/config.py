"""The ``[pt]`` section of a scenario: which public transport feed, how it is walked to and
routed, and the build options of the synthetic Kaiserslautern feed.

Every number that is not a fact of FACTS.md is a named assumption with its plausible range
(the docstring of each field); :data:`PT_ASSUMPTIONS` lists them for reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_choice, check_finite_fields, check_range

__all__ = ["PT_ASSUMPTIONS", "PtConfig"]


@dataclass(frozen=True)
class PtConfig:
    """Public transport supply and routing.

    ``feed``: a GTFS feed (zip or folder; relative paths are taken from the working folder);
    empty = the synthetic Kaiserslautern feed that ``kl-mobility pt build`` derives from the
    scenario's OSM extract (built into the network cache on first use).
    ``service_date``: the day of the feed that is simulated (``YYYYMMDD``; empty: the
    Monday-to-Friday date with the most trips).
    ``mode_choice``: ``"router"`` = the bus alternative of the mode choice takes its times
    from the timetable (access, wait, in-vehicle, transfers, egress); ``"factor"`` = the
    older approximation (``demand.bus_ivt_factor`` x car time + half a headway).
    """

    feed: str = ""
    service_date: str = ""
    mode_choice: str = "factor"
    walk_speed_kmh: float = 4.5
    """Walking speed to, from and between stops (the demand model's walk speed)."""
    walk_detour_factor: float = 1.3
    """Assumption: walking distance / straight-line distance (range 1.2-1.5)."""
    access_radius_m: float = 800.0
    """Assumption: farthest straight-line walk to or from a stop (range 400-1,000 m)."""
    footpath_radius_m: float = 300.0
    """Assumption: farthest straight-line walk between two stops at a transfer (200-500 m)."""
    transfer_s: int = 120
    """Assumption: least time to change vehicles at one stop (range 60-300 s)."""
    horizon_s: int = 7200
    """Journeys are searched up to this long after the departure (2 h covers the city)."""
    sample_step_s: int = 300
    """Departure times sampled in each period of the day for the zone-to-zone times."""
    bus_time_factor: float = 1.3
    """Assumption (synthetic feed): bus running time between stops / free-flow car time on
    the road network, for acceleration, traffic and lights (range 1.15-1.5)."""
    dwell_s: int = 20
    """Assumption (synthetic feed): dwell time per intermediate stop (range 10-40 s)."""
    service_scale: float = 1.0
    """Bus service relative to the synthetic 2013 timetable: headways are divided by it
    (1.3 = the Nahverkehrsplan 2024's +30 %, FACTS.md section 4)."""
    bus_last_departure_s: int = 23 * 3600 + 15 * 60
    """Last regular departures from the Stadtmitte: 23:15 (FACTS.md section 5)."""
    bus_first_departure_s: int = 5 * 3600 + 30 * 60
    """Assumption: first departures 05:30 (NOT FOUND in FACTS.md; range 04:30-06:30)."""
    transfer_penalty_min: float = 5.0
    """Assumption: each change of vehicle weighs like this many minutes in the vehicle,
    besides the transfer time itself (range 3-10 min)."""
    intermodal: bool = True
    """Offer the intermodal alternative (on-demand to or from a hub, public transport
    beyond) where the scenario has on-demand service and a timetable
    (:mod:`kl_mobility.demand.intermodal`)."""
    intermodal_transfer_penalty_min: float = 5.0
    """Assumption: the change between the on-demand vehicle and public transport weighs
    like this many minutes in the vehicle, besides the wait at the stop (the value of a
    change between buses, ``transfer_penalty_min``; range 3-15 min)."""
    intermodal_hub_min_routes: int = 3
    """Assumption: a stop is a hub for feeder rides when rail or at least this many routes
    serve it (range 2-4)."""

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_choice("mode_choice", self.mode_choice, ("factor", "router"))
        if self.service_date and not (len(self.service_date) == 8
                                      and self.service_date.isdigit()):
            raise ValueError(f"service_date must be YYYYMMDD, got {self.service_date!r}")
        check_range("walk_speed_kmh", self.walk_speed_kmh, 1.0, 10.0)
        check_range("walk_detour_factor", self.walk_detour_factor, 1.0, 3.0)
        check_range("access_radius_m", self.access_radius_m, 50.0, 5000.0)
        check_range("footpath_radius_m", self.footpath_radius_m, 0.0, 2000.0)
        check_range("transfer_s", self.transfer_s, 0, 1800)
        check_range("horizon_s", self.horizon_s, 600, 6 * 3600)
        check_range("sample_step_s", self.sample_step_s, 60, 3600)
        check_range("bus_time_factor", self.bus_time_factor, 1.0, 3.0)
        check_range("dwell_s", self.dwell_s, 0, 300)
        check_range("transfer_penalty_min", self.transfer_penalty_min, 0.0, 60.0)
        check_range("intermodal_transfer_penalty_min", self.intermodal_transfer_penalty_min,
                    0.0, 60.0)
        check_range("intermodal_hub_min_routes", self.intermodal_hub_min_routes, 1, 50)
        check_range("service_scale", self.service_scale, 0.2, 5.0)
        check_range("bus_first_departure_s", self.bus_first_departure_s, 0, 12 * 3600)
        check_range("bus_last_departure_s", self.bus_last_departure_s,
                    self.bus_first_departure_s, 30 * 3600)

    @property
    def walk_mps(self) -> float:
        """Walking speed in m/s along the straight line (detour included)."""
        return self.walk_speed_kmh / 3.6 / self.walk_detour_factor


PT_ASSUMPTIONS: dict[str, tuple[str, tuple[float, float]]] = {
    "walk_detour_factor": ("walking / straight-line distance", (1.2, 1.5)),
    "access_radius_m": ("farthest walk to a stop, m", (400.0, 1000.0)),
    "footpath_radius_m": ("farthest walk between stops at a transfer, m", (200.0, 500.0)),
    "transfer_s": ("least change time at a stop, s", (60.0, 300.0)),
    "bus_time_factor": ("bus running time / free-flow car time", (1.15, 1.5)),
    "dwell_s": ("dwell per intermediate stop, s", (10.0, 40.0)),
    "transfer_penalty_min": ("extra weight of a change, in-vehicle minutes", (3.0, 10.0)),
    "intermodal_transfer_penalty_min": ("extra weight of the change between on-demand and "
                                        "public transport, in-vehicle minutes", (3.0, 15.0)),
    "intermodal_hub_min_routes": ("least routes at a stop for it to be a feeder hub",
                                  (2.0, 4.0)),
    "bus_first_departure_s": ("first bus departures, s after midnight", (16200.0, 23400.0)),
}
"""Named assumptions of the public transport model: what, and the plausible range."""
