"""Speeds of German roads where OSM gives no ``maxspeed``, and parsing of ``maxspeed`` tags.

Legal defaults (Straßenverkehrs-Ordnung, StVO §3 Abs. 3): 50 km/h inside built-up areas
("innerorts"), 100 km/h outside for cars; Autobahn without a limit has the advisory speed
("Richtgeschwindigkeit") of 130 km/h (Autobahn-Richtgeschwindigkeits-Verordnung); a
``living_street`` (verkehrsberuhigter Bereich, sign 325.1) requires walking pace
("Schrittgeschwindigkeit"), taken as 7 km/h. The Kaiserslautern extract lies inside the
built-up area, so every non-motorway type defaults to the innerorts limit. These are legal
maxima used as free-flow speeds; they are named options of the build
(``default_speeds_kmh``), not measured speeds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

__all__ = ["GERMAN_URBAN_DEFAULT_SPEEDS_KMH", "parse_maxspeed", "speed_for_edge"]

WALKING_PACE_KMH = 7.0
"""Schrittgeschwindigkeit as used for living streets (assumption; StVO names no number)."""

GERMAN_URBAN_DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "motorway": 130.0,  # Richtgeschwindigkeit
    "motorway_link": 80.0,  # assumption: ramps signed below the motorway speed
    "trunk": 50.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 50.0,
    "secondary": 50.0,
    "secondary_link": 50.0,
    "tertiary": 50.0,
    "tertiary_link": 50.0,
    "unclassified": 50.0,
    "residential": 50.0,
    "road": 50.0,
    "living_street": WALKING_PACE_KMH,
}
FALLBACK_SPEED_KMH = 50.0

_SYMBOLIC = {
    "de:urban": 50.0,
    "de:rural": 100.0,
    "de:motorway": 130.0,
    "de:trunk": 100.0,
    "none": 130.0,
    "de:living_street": WALKING_PACE_KMH,
    "walk": WALKING_PACE_KMH,
    "de:walk": WALKING_PACE_KMH,
    "de:bicycle_road": 30.0,
}
_ZONE = re.compile(r"^de:zone:?(\d+)$")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?$")


def _parse_one(value: str) -> float | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in _SYMBOLIC:
        return _SYMBOLIC[v]
    m = _ZONE.match(v)
    if m:
        return float(m.group(1))
    m = _NUMBER.match(v)
    if m:
        speed = float(m.group(1))
        if m.group(2) == "mph":
            speed *= 1.609344
        return speed if speed > 0 else None
    return None


def parse_maxspeed(value: object) -> float | None:
    """Speed in km/h from an OSM ``maxspeed`` value, or ``None`` when it cannot be read.

    Accepts numbers ("50"), units ("30 mph"), German symbolic values ("DE:urban",
    "DE:zone30", "DE:zone:30", "walk", "none"), ``;``-separated alternatives and lists (from
    merged edges), of which the mean of the readable values is returned.
    """
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    if isinstance(value, str):
        parts: Iterable[str] = value.split(";")
    else:
        parts = [p for item in value for p in str(item).split(";")]  # type: ignore[attr-defined]
    speeds = [s for s in (_parse_one(p) for p in parts) if s is not None]
    if not speeds:
        return None
    return sum(speeds) / len(speeds)


def speed_for_edge(
    maxspeed: object, highway: str, defaults: Mapping[str, float] = GERMAN_URBAN_DEFAULT_SPEEDS_KMH
) -> float:
    """Free-flow speed of an edge: its tagged ``maxspeed``, else the default of its type."""
    speed = parse_maxspeed(maxspeed)
    if speed is not None:
        return speed
    return float(defaults.get(highway, FALLBACK_SPEED_KMH))
