"""The ``[feeder]`` section of a scenario: on-demand rides that connect to public transport.

A *feeder* request is an on-demand ride to a stop to catch a departure (first mile) or from
a stop after an arrival (last mile), :mod:`kl_mobility.pt.feeder`. Every number here is a
named assumption with its plausible range (the docstring of each field;
:data:`FEEDER_ASSUMPTIONS` lists them for reports): FACTS.md has no figure for the transfer
times or for the passengers of a train at Kaiserslautern (section 8: "Passengers per day at
Kaiserslautern Hbf: NOT FOUND").
"""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_finite_fields, check_range

__all__ = ["FEEDER_ASSUMPTIONS", "FeederConfig"]


@dataclass(frozen=True)
class FeederConfig:
    """Feeder rides and the rail passengers who may take them.

    ``transfer_buffer_s``: a first-mile ride must set the rider down at the stop at least
    this long before the departure it connects to (its drop-off deadline = departure -
    buffer). ``egress_s``: a last-mile rider is picked up no earlier than this long after
    the arrival (alighting and walking from the platform to the pickup point).
    ``rail_arrivals_per_train`` / ``rail_departures_per_train``: rail passengers per train
    stopping at a station in the network area who end (begin) their journey in the city
    and weigh walking, bus and on-demand for the last (first) mile; 0 = none (the default,
    so a scenario without a feeder service has no such demand).
    ``rail_start_s`` / ``rail_end_s``: the trains (arrival or departure times) that bring
    such demand.
    """

    transfer_buffer_s: int = 180
    """Assumption: drop-off at least this long before the departure (range 60-600 s: a
    bus stop beside the road up to a platform of a large station behind an underpass)."""
    egress_s: int = 180
    """Assumption: alighting to the on-demand pickup point (range 60-480 s)."""
    rail_arrivals_per_train: float = 0.0
    """Assumption: rail passengers per arriving train who alight at a city station for a
    destination in the city (range 5-40 at the Hauptbahnhof; 0 = no such demand)."""
    rail_departures_per_train: float = 0.0
    """Assumption: rail passengers per departing train who board at a city station after
    coming from a place in the city (range 5-40; 0 = none)."""
    rail_start_s: int = 5 * 3600
    """Trains from this time of day bring rail feeder demand (default 05:00)."""
    rail_end_s: int = 24 * 3600
    """... up to (not including) this time (default midnight)."""

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("transfer_buffer_s", self.transfer_buffer_s, 0, 3600)
        check_range("egress_s", self.egress_s, 0, 3600)
        check_range("rail_arrivals_per_train", self.rail_arrivals_per_train, 0.0, 1000.0)
        check_range("rail_departures_per_train", self.rail_departures_per_train, 0.0, 1000.0)
        check_range("rail_start_s", self.rail_start_s, 0, 2 * 86_400)
        check_range("rail_end_s", self.rail_end_s, self.rail_start_s, 2 * 86_400)

    @property
    def rail_demand(self) -> bool:
        """Whether rail passengers bring feeder demand at all."""
        return self.rail_arrivals_per_train > 0 or self.rail_departures_per_train > 0


FEEDER_ASSUMPTIONS: dict[str, tuple[str, tuple[float, float]]] = {
    "transfer_buffer_s": ("first mile: drop-off before the departure, s", (60.0, 600.0)),
    "egress_s": ("last mile: arrival to pickup, s", (60.0, 480.0)),
    "rail_arrivals_per_train": ("rail passengers alighting per train for the city",
                                (5.0, 40.0)),
    "rail_departures_per_train": ("rail passengers boarding per train from the city",
                                  (5.0, 40.0)),
}
