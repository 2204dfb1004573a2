"""Public transport route relations of an OSM extract (the routes of the synthetic feed).

Reads every ``type=route`` relation with ``route`` in bus, trolleybus, train, light_rail,
tram: its ``ref``, name, ``from``/``to``, and its stop nodes in member order (roles
``stop``, ``stop_entry_only``, ``stop_exit_only``), with their coordinates and names. A
relation with fewer than two stop nodes inside the extract is kept in the result with its
count (the caller reports it; it cannot form a trip).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from kl_mobility.network.osm import NetworkSourceError, open_osm

__all__ = ["OsmRoute", "osm_routes"]

PT_ROUTE_TYPES = ("bus", "trolleybus", "train", "light_rail", "tram")
_STOP_ROLES = ("stop", "stop_entry_only", "stop_exit_only")


@dataclass(frozen=True)
class OsmRoute:
    """One route relation: ``stops`` are (osm node id, lat, lon, name) in member order."""

    relation_id: int
    route: str
    ref: str
    name: str
    from_name: str
    to_name: str
    stops: tuple[tuple[int, float, float, str], ...]


def osm_routes(path: str | Path) -> list[OsmRoute]:
    """The public transport route relations of the OSM file ``path``, by relation id."""
    path = Path(path)
    nodes: dict[int, tuple[float, float, str]] = {}
    raw: list[tuple[int, dict[str, str], list[int]]] = []
    try:
        with open_osm(path) as fh:
            for _, el in ET.iterparse(fh):
                if el.tag == "node":
                    name = ""
                    for t in el.findall("tag"):
                        if t.get("k") == "name":
                            name = t.get("v") or ""
                    nodes[int(el.get("id", "0"))] = (float(el.get("lat", "nan")),
                                                     float(el.get("lon", "nan")), name)
                    el.clear()
                elif el.tag == "relation":
                    tags = {t.get("k", ""): t.get("v", "") for t in el.findall("tag")}
                    if tags.get("type") == "route" and tags.get("route") in PT_ROUTE_TYPES:
                        ids = [int(m.get("ref", "0")) for m in el.findall("member")
                               if m.get("type") == "node" and m.get("role") in _STOP_ROLES]
                        raw.append((int(el.get("id", "0")), tags, ids))
                    el.clear()
                elif el.tag == "way":
                    el.clear()
    except ET.ParseError as exc:
        raise NetworkSourceError(f"{path}: not valid OSM XML ({exc})") from None
    out = []
    for rid, tags, stop_ids in sorted(raw):
        stops = tuple((s, *nodes[s]) for s in stop_ids if s in nodes)
        out.append(OsmRoute(rid, tags["route"], tags.get("ref", ""), tags.get("name", ""),
                            tags.get("from", ""), tags.get("to", ""), stops))
    return out
