"""The synthetic GTFS feed of Kaiserslautern, derived from the OSM extract's route relations.

SYNTHETIC: the routes and stops are the OSM route relations of the extract (state of 2013,
clipped to its box); running times and timetables are modelled, not SWK's or DB's
timetable. The feed says so in ``feed_info.txt`` and in every route's description.

How it is made (:func:`build_feed`):

- **Patterns.** Every bus and rail route relation with at least two stop nodes inside the
  extract is one pattern (its stops in member order). A rail relation whose reverse is not
  in the extract is also run reversed (assumption: trains serve both directions). Relations
  with fewer than two stops inside the box (S2, RE7, RB49, RB65, ICE82 reach only the
  Hauptbahnhof or no stop at all) cannot form a trip and are listed in
  :attr:`BuildReport.skipped`.
- **Stops** are the relations' stop nodes (``stop_id`` = ``n<osm node id>``), named by
  their OSM name.
- **Bus running times**: fastest free-flow car time on the road network between the
  stops' nearest network nodes x ``pt.bus_time_factor`` (assumption 1.3, range 1.15-1.5),
  plus ``pt.dwell_s`` (assumption 20 s, range 10-40) at every intermediate stop; the shape
  is that road path. **Rail running times**: straight-line distance x
  :data:`RAIL_DETOUR` at :data:`RAIL_SPEED_KMH` (assumptions), shape the straight line.
- **Timetables** (:data:`LINE_SERVICE`): the headways of FACTS.md section 5 where it gives
  them (101, 102, 104, 106, 117), otherwise a named assumption; buses from
  ``pt.bus_first_departure_s`` (assumption 05:30) until ``pt.bus_last_departure_s`` (23:15,
  FACTS.md section 5); headways divided by ``pt.service_scale``. Trains arrive at the
  Hauptbahnhof at minute 26 (FACTS.md section 8: "regional trains mostly arrive minute 26").
- **Calendar**: one Monday-to-Friday service over 2013.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kl_mobility.network import RoadNetwork, TravelTimeOracle, nearest_nodes
from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.osmroutes import OsmRoute, osm_routes

__all__ = ["LINE_SERVICE", "RAIL_DETOUR", "RAIL_SPEED_KMH", "BuildReport", "build_feed",
           "feed_tables", "write_feed_zip"]

RAIL_SPEED_KMH = 60.0
"""Assumption: mean rail speed between two stations in the city incl. acceleration
(range 40-80 km/h)."""
RAIL_DETOUR = 1.15
"""Assumption: track length / straight line between neighbouring stations (1.05-1.3)."""
RAIL_DWELL_S = 60
"""Assumption: dwell of a train at an intermediate station (30-120 s)."""
HBF_ARRIVAL_MINUTE = 26
"""FACTS.md section 8: regional trains mostly arrive at Kaiserslautern Hbf at minute 26."""
RAIL_FIRST_S = 5 * 3600
"""Assumption: first trains 05:00 (NOT FOUND in FACTS.md; range 04:30-06:00)."""
RAIL_LAST_S = 23 * 3600
"""Assumption: last trains 23:00 (NOT FOUND in FACTS.md; range 22:00-01:00)."""


@dataclass(frozen=True)
class LineService:
    """Service of one line: ``headway_min`` per direction shared by its variants (or run by
    each variant with ``per_variant``), or ``trips_per_day`` per direction; ``source``."""

    headway_min: float = 0.0
    per_variant: bool = False
    trips_per_day: int = 0
    source: str = ""


DEFAULT_BUS_SERVICE = LineService(
    30.0, source="assumption: 30 min per direction (NOT FOUND in FACTS.md section 8; range 20-60)")
LINE_SERVICE: dict[str, LineService] = {
    "101": LineService(30.0, per_variant=True, source="FACTS.md section 5: 30 min; each variant "
                       "30 min, so the trunk where they overlap runs about every 10 min "
                       "(FACTS: trunk Stadtmitte-Vogelweh <= 10 min)"),
    "101-Hohenecken": LineService(60.0, per_variant=True,
                                  source="FACTS.md section 5: branch to Hohenecken 60 min"),
    "102": LineService(30.0, source="FACTS.md section 5: 30 min (variants share it)"),
    "104": LineService(30.0, per_variant=True,
                       source="FACTS.md section 5: PRE-Park branch half-hourly; each branch "
                              "taken as 30 min (assumption for the other branches)"),
    "106": LineService(trips_per_day=13, source="FACTS.md section 5: 13 weekday connections "
                                                "(Mölschbach)"),
    "117": LineService(30.0, source="derived from FACTS.md section 5: with 102 a 15-min "
                                    "headway in Barbarossastraße, so 30 min"),
}
"""Bus service by line (``101-Hohenecken``: the 101 relations to or from Hohenecken)."""
RAIL_SERVICE = LineService(60.0, source="assumption: one train an hour per line and direction "
                           "(FACTS.md section 8: S-Bahn 30/60-min Grundtakt; range 30-120)")

_GTFS_BUS, _GTFS_RAIL = 3, 2


@dataclass
class BuildReport:
    """What the build made and left out (printed by ``kl-mobility pt build``)."""

    lines: list[str] = field(default_factory=list)
    patterns: int = 0
    stops: int = 0
    trips: int = 0
    stop_times: int = 0
    skipped: list[str] = field(default_factory=list)
    reversed_rail: list[str] = field(default_factory=list)
    snap_max_m: float = 0.0
    vehicle_km_bus: float = 0.0
    vehicle_km_rail: float = 0.0


def _service(route: OsmRoute) -> LineService:
    if route.route not in ("bus", "trolleybus"):
        return RAIL_SERVICE
    if route.ref == "101" and "Hohenecken" in (route.from_name + route.to_name):
        return LINE_SERVICE["101-Hohenecken"]
    return LINE_SERVICE.get(route.ref, DEFAULT_BUS_SERVICE)


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000.0 * math.asin(math.sqrt(min(a, 1.0)))


def _hms(t: int) -> str:
    return f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"


@dataclass
class _Pattern:
    route: OsmRoute
    stops: list[tuple[int, float, float, str]]
    offsets_s: list[tuple[int, int]]  # (arrival, departure) after the first departure
    shape: list[tuple[float, float, float]]  # lat, lon, dist_m
    stop_dist_m: list[float]
    rail: bool
    suffix: str = ""


def _bus_pattern(route: OsmRoute, net: RoadNetwork, oracle: TravelTimeOracle,
                 cfg: PtConfig, report: BuildReport) -> _Pattern:
    lat = np.array([s[1] for s in route.stops])
    lon = np.array([s[2] for s in route.stops])
    node, dist = nearest_nodes(net, lat, lon)
    report.snap_max_m = max(report.snap_max_m, float(dist.max()))
    offsets = [(0, 0)]
    shape: list[tuple[float, float, float]] = [(float(lat[0]), float(lon[0]), 0.0)]
    stop_dist = [0.0]
    t = 0
    d_along = 0.0
    for i in range(1, len(node)):
        o, d = int(node[i - 1]), int(node[i])
        ride = int(oracle.time_s(o, d))
        if ride >= 2**30:
            raise ValueError(f"route relation {route.relation_id} ({route.ref}): stop "
                             f"{route.stops[i][0]} cannot be reached by road from the previous")
        t += int(round(ride * cfg.bus_time_factor))
        arr = t
        last = i == len(node) - 1
        t += 0 if last else cfg.dwell_s
        offsets.append((arr, t))
        path = oracle.path(o, d) if o != d else np.array([o])
        for a, b in zip(path[:-1], path[1:]):
            e = net.edge_id(int(a), int(b))
            d_along += float(net.edge_length_m[e])
            shape.append((float(net.node_lat[b]), float(net.node_lon[b]), d_along))
        stop_dist.append(d_along)
    return _Pattern(route, list(route.stops), offsets, shape, stop_dist, rail=False)


def _rail_pattern(route: OsmRoute, stops: list[tuple[int, float, float, str]]) -> _Pattern:
    offsets = [(0, 0)]
    shape = [(stops[0][1], stops[0][2], 0.0)]
    stop_dist = [0.0]
    t = 0
    d_along = 0.0
    for i in range(1, len(stops)):
        d = _haversine(stops[i - 1][1], stops[i - 1][2], stops[i][1], stops[i][2]) * RAIL_DETOUR
        d_along += d
        t += int(round(d / (RAIL_SPEED_KMH / 3.6)))
        arr = t
        t += 0 if i == len(stops) - 1 else RAIL_DWELL_S
        offsets.append((arr, t))
        shape.append((stops[i][1], stops[i][2], d_along))
        stop_dist.append(d_along)
    return _Pattern(route, stops, offsets, shape, stop_dist, rail=True)


def _patterns(routes: list[OsmRoute], net: RoadNetwork, oracle: TravelTimeOracle,
              cfg: PtConfig, report: BuildReport) -> list[_Pattern]:
    out = []
    rail_seqs = {(r.ref, tuple(s[0] for s in r.stops)) for r in routes if r.route != "bus"}
    for r in routes:
        if len(r.stops) < 2:
            report.skipped.append(f"{r.ref or r.name} (relation {r.relation_id}, "
                                  f"{r.from_name} - {r.to_name}): {len(r.stops)} stop(s) "
                                  "inside the extract")
            continue
        if r.route in ("bus", "trolleybus"):
            out.append(_bus_pattern(r, net, oracle, cfg, report))
            continue
        out.append(_rail_pattern(r, list(r.stops)))
        rev = list(reversed(r.stops))
        if (r.ref, tuple(s[0] for s in rev)) not in rail_seqs:
            p = _rail_pattern(r, rev)
            p.suffix = "-rev"
            out.append(p)
            report.reversed_rail.append(f"{r.ref} (relation {r.relation_id})")
    return out


def _departures(p: _Pattern, n_variants: int, k_variant: int, cfg: PtConfig) -> list[int]:
    """First-stop departure times of a pattern (seconds after midnight)."""
    if p.rail:
        hbf = [i for i, s in enumerate(p.stops) if "Hauptbahnhof" in s[3]]
        at_hbf = p.offsets_s[hbf[0]][0] if hbf else 0
        first = RAIL_FIRST_S + (HBF_ARRIVAL_MINUTE * 60 - at_hbf) % 3600
        step = int(RAIL_SERVICE.headway_min * 60)
        return list(range(first, RAIL_LAST_S + 1, step))
    svc = _service(p.route)
    start, end = cfg.bus_first_departure_s, cfg.bus_last_departure_s
    per_dir = max(1, math.ceil(n_variants / 2))
    if svc.trips_per_day:
        head_dir = (end - start) / svc.trips_per_day
    else:
        head_dir = svc.headway_min * 60.0
    head_dir /= cfg.service_scale
    head = head_dir if svc.per_variant else head_dir * per_dir
    phase = 0.0 if svc.per_variant else (k_variant // 2) * head_dir
    times = []
    t = start + phase % head
    while t <= end + 1e-9:
        times.append(int(round(t)))
        t += head
    return times


def build_feed(osm_path: str | Path, network: RoadNetwork, oracle: TravelTimeOracle,
               cfg: PtConfig) -> tuple[dict[str, list[list[str]]], BuildReport]:
    """The synthetic feed's tables (file name -> rows, header first) and the build report."""
    report = BuildReport()
    routes = osm_routes(osm_path)
    patterns = _patterns(routes, network, oracle, cfg, report)
    tables = feed_tables(patterns, cfg, report)
    return tables, report


def feed_tables(patterns: list[_Pattern], cfg: PtConfig, report: BuildReport
                ) -> dict[str, list[list[str]]]:
    """GTFS rows of the patterns (see :func:`build_feed`)."""
    label = ("SYNTHETIC feed from OpenStreetMap route relations (2013); modelled running "
             "times and timetables, not the operators' timetable")
    stops: dict[int, tuple[float, float, str]] = {}
    routes: dict[str, list[str]] = {}
    n_var: dict[str, int] = {}
    for p in patterns:
        n_var[p.route.ref] = n_var.get(p.route.ref, 0) + 1
    seen: dict[str, int] = {}
    trips = [["route_id", "service_id", "trip_id", "trip_headsign", "shape_id"]]
    st = [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence",
           "shape_dist_traveled"]]
    shapes = [["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence",
               "shape_dist_traveled"]]
    for p in patterns:
        ref = p.route.ref
        k = seen.get(ref, 0)
        seen[ref] = k + 1
        rid = ref
        rtype = _GTFS_RAIL if p.rail else _GTFS_BUS
        agency = "rail" if p.rail else "swk"
        routes.setdefault(rid, [rid, agency, ref, p.route.name, str(rtype), label])
        shape_id = f"r{p.route.relation_id}{p.suffix}"
        for i, (la, lo, dd) in enumerate(p.shape):
            shapes.append([shape_id, f"{la:.7f}", f"{lo:.7f}", str(i + 1), f"{dd:.1f}"])
        head = p.stops[-1][3]
        for s in p.stops:
            stops[s[0]] = (s[1], s[2], s[3])
        for t0 in _departures(p, n_var[ref], k, cfg):
            tid = f"{shape_id}-{_hms(t0).replace(':', '')}"
            trips.append([rid, "weekday", tid, head, shape_id])
            report.trips += 1
            for q, (s, (a, d), dd) in enumerate(zip(p.stops, p.offsets_s, p.stop_dist_m)):
                st.append([tid, _hms(t0 + a), _hms(t0 + d), f"n{s[0]}", str(q + 1),
                           f"{dd:.1f}"])
            km = p.stop_dist_m[-1] / 1000.0
            if p.rail:
                report.vehicle_km_rail += km
            else:
                report.vehicle_km_bus += km
    report.patterns = len(patterns)
    report.stops = len(stops)
    report.stop_times = len(st) - 1
    report.lines = sorted(routes)
    return {
        "agency.txt": [["agency_id", "agency_name", "agency_url", "agency_timezone"],
                       ["swk", "SWK Verkehrs-AG (synthetic)", "https://www.swk-kl.de",
                        "Europe/Berlin"],
                       ["rail", "Rail services through Kaiserslautern (synthetic)",
                        "https://www.vrn.de", "Europe/Berlin"]],
        "stops.txt": [["stop_id", "stop_name", "stop_lat", "stop_lon"]] + [
            [f"n{sid}", name, f"{la:.7f}", f"{lo:.7f}"]
            for sid, (la, lo, name) in sorted(stops.items())],
        "routes.txt": [["route_id", "agency_id", "route_short_name", "route_long_name",
                        "route_type", "route_desc"]] + [routes[r] for r in sorted(routes)],
        "trips.txt": trips,
        "stop_times.txt": st,
        "shapes.txt": shapes,
        "calendar.txt": [["service_id", "monday", "tuesday", "wednesday", "thursday",
                          "friday", "saturday", "sunday", "start_date", "end_date"],
                         ["weekday", "1", "1", "1", "1", "1", "0", "0", "20130101",
                          "20131231"]],
        "feed_info.txt": [["feed_publisher_name", "feed_publisher_url", "feed_lang",
                           "feed_version"],
                          ["kl-mobility " + label + "; map data (c) OpenStreetMap "
                           "contributors, ODbL", "https://www.openstreetmap.org/copyright",
                           "de", f"synthetic-2013-routes-scale-{cfg.service_scale:g}"]],
    }


def write_feed_zip(tables: dict[str, list[list[str]]], path: str | Path) -> Path:
    """Write the tables as a GTFS zip at ``path`` (the caller makes it atomic)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in tables.items():
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            info = zipfile.ZipInfo(name, date_time=(2013, 4, 24, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())
    return path
