"""Network section of a scenario: where the road network comes from and how it is modified."""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_finite_fields, check_range

__all__ = ["NetworkConfig", "SpeedCapConfig"]


@dataclass(frozen=True)
class SpeedCapConfig:
    """A speed cap applied to part of the network (for example Tempo 30, Ziel 5-4-2).

    The cap applies to every edge whose highway type is in ``highway_types`` (all types when
    empty) and, when ``polygon_latlon`` is given, whose midpoint lies inside that polygon.
    """

    max_speed_kmh: float
    name: str = "speed cap"
    highway_types: tuple[str, ...] = ()
    polygon_latlon: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("max_speed_kmh", self.max_speed_kmh, 0.0, 200.0, lo_open=True)
        if self.polygon_latlon and len(self.polygon_latlon) < 3:
            raise ValueError("polygon_latlon needs at least 3 (lat, lon) points")


@dataclass(frozen=True)
class NetworkConfig:
    """Where the drivable road network comes from.

    ``osm_file``: an OSM XML file (plain, .gz, .bz2); empty means the default source
    (``$KL_MOBILITY_OSM`` or ``../shared/data/osm/kaiserslautern.osm.gz``).
    ``place``: a place name fetched online through osmnx instead of a file.
    ``speed_caps``: speed modifications applied after the build, in order.
    """

    osm_file: str = ""
    place: str = ""
    speed_caps: tuple[SpeedCapConfig, ...] = ()

    def __post_init__(self) -> None:
        check_finite_fields(self)
        if self.osm_file and self.place:
            raise ValueError("osm_file and place are exclusive; give one of them")
