"""Who gains: a run's requests and service by district and by hour, and accessibility.

Districts
---------
The nine Ortsbezirke (the demand model's external zones, FACTS.md section 1) and the
Kernstadt split by postcode area (the PLZ polygons of ``shared/data/zones/``; FACTS.md
section 1: per-Stadtteil populations of the Kernstadt are NOT FOUND, the PLZ polygons serve
as coarse zones). A point belongs to its Ortsbezirk when the demand model placed it there
(``origin_zone`` / ``dest_zone`` not ``"core"``), else to the PLZ polygon containing it
("Kernstadt 67655"), else to :data:`OUTSIDE` (kept as its own row, never dropped).

Batch: :func:`collect_who_gains` stacks a table over the runs of a batch
(``<name>_runs.csv``), :func:`mean_over_seeds` averages it per scenario
(``<name>.csv``).

Tables (every count is of the simulated day; the rows of a table sum to the city totals)
--------------------------------------------------------------------------------------
:func:`district_table` and :func:`hour_table`: one row per district of the request's
**origin** (convention; ``by="dest"`` for destinations) or per hour of ``request_time_s``,
with :data:`SERVICE_COLUMNS`. Mode shift = served persons by their base mode (the mode the
trip would otherwise use): ``from_car`` etc. ``residents`` (district table): the demand
model's residents of the district (zones' points), where the zones are known.

:func:`accessibility_table`: per district, the share of its residents (demand-model zones,
weighted by residents) who reach Kaiserslautern Hbf and the RPTU campus within
``threshold_min`` door to door, and the share of the city's attraction units (the demand
model's destination weights: residents, non-residential floor space, shops, schools; a
proxy for jobs and services, FACTS.md has no job counts by place) reachable within it, by

- **car**: door to door: driving time with junction and signal delays + walks + parking
  search (:attr:`kl_mobility.demand.modechoice.ZoneLos.car_door_to_door_min`);
- **bus** exactly as the mode choice sees it (:func:`bus_door_min`), for a departure at
  :data:`ACCESS_DEPART_S` (08:00): with ``pt.mode_choice = "router"`` the timetable's
  door-to-door time of the period containing it (:mod:`kl_mobility.pt.zonetimes`, the CSA
  router: access walk + wait for the first vehicle + in-vehicle + transfers + egress walk,
  mean over the sampled departures of the period); no bus where the router finds journeys
  for fewer than half of them; pairs where a zone has no stop within the access radius
  keep the approximation (walk to and from the stop + half the headway + ``bus_ivt_factor``
  x car time), as the mode choice does. With ``pt.mode_choice = "factor"`` the
  approximation everywhere, available within ``bus_start_s``-``bus_end_s``;
- **on-demand**: the run's mean wait of the served requests from the district of most of
  the zone's residents + the run's mean detour ratio (ride / direct time) x car time; a
  district without a served request reaches nothing; only where the service was offered
  (``ondemand_nodes``); the district's share served is given beside it (a rejected request
  reaches nothing, so the share is an upper bound).

Residents are those of the demand model's points (each point in its own district, as in
:func:`district_table`). The outer districts lie beyond the network extract and its
stops, so their bus is the approximation: it waits half the district's headway (60 min
for Hohenecken and Einsiedlerhof: 30 min of waiting alone) and reaches nothing within
30 min there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACCESS_DEPART_S",
    "ACCESS_TARGETS",
    "OUTSIDE",
    "SERVICE_COLUMNS",
    "WHO_GAINS_TABLES",
    "DistrictMap",
    "accessibility_table",
    "bus_door_min",
    "collect_who_gains",
    "default_districts_path",
    "district_map_from_geojson",
    "district_table",
    "hour_table",
    "mean_over_seeds",
    "who_gains",
]

OUTSIDE = "outside PLZ areas"
"""District of a Kernstadt point in no PLZ polygon."""

ACCESS_TARGETS: dict[str, tuple[float, float]] = {
    "hbf": (49.43598, 7.76893),
    "rptu": (49.42549, 7.75580),
}
"""Accessibility targets (lat, lon): Hauptbahnhof station node and RPTU campus centroid
(OSM2013, FACTS.md section 2)."""

ACCESS_DEPART_S = 8 * 3600
"""Departure time of the accessibility's bus (named convention: 08:00 on the weekday, the
morning commute to work, the station and the university); the bus of the timetable
period that contains it."""

SERVICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("requests", "on-demand requests"),
    ("persons", "persons of the requests"),
    ("served", "requests served"),
    ("rejected", "requests rejected"),
    ("cancelled", "requests cancelled"),
    ("served_persons", "persons of the served requests"),
    ("served_share", "served / requests (NaN without requests)"),
    ("wait_mean_min", "mean wait of the served requests (min)"),
    ("wait_p95_min", "95th percentile wait of the served requests (min)"),
    ("ride_mean_min", "mean in-vehicle time of the served requests (min)"),
    ("from_car", "served persons whose base mode is car"),
    ("from_bus", "served persons whose base mode is bus"),
    ("from_walk", "served persons whose base mode is walk"),
    ("from_bike", "served persons whose base mode is bike"),
    ("car_pkm_replaced", "person-km of the served persons whose base mode is car "
     "(fastest-path distance)"),
)
"""Columns of :func:`district_table` and :func:`hour_table` besides the key."""


def default_districts_path() -> Path:
    """``shared/data/zones/kaiserslautern_plz.geojson`` beside the repository."""
    repo = Path(__file__).resolve().parents[3]
    for base in (repo.parent, Path.cwd().parent):
        p = base / "shared" / "data" / "zones" / "kaiserslautern_plz.geojson"
        if p.is_file():
            return p
    return repo.parent / "shared" / "data" / "zones" / "kaiserslautern_plz.geojson"


class DistrictMap:
    """Kernstadt PLZ polygons (WGS84 shapely geometries) and the Ortsbezirk names.

    ``areas``: ``(name, geometry)`` of the Kernstadt areas (parts of one postcode merged);
    ``ortsbezirke``: names of the demand model's external zones; ``points``: their
    ``(lat, lon)`` where known (for maps).
    """

    def __init__(self, areas: Sequence[tuple[str, Any]], ortsbezirke: Sequence[str],
                 points: dict[str, tuple[float, float]] | None = None):
        self.areas = list(areas)
        self.ortsbezirke = list(ortsbezirke)
        self.points = dict(points or {})

    @property
    def names(self) -> list[str]:
        """All district names: the Kernstadt areas, the Ortsbezirke, then :data:`OUTSIDE`."""
        return [n for n, _ in self.areas] + list(self.ortsbezirke) + [OUTSIDE]

    def kind(self, name: str) -> str:
        return ("Ortsbezirk" if name in self.ortsbezirke
                else "outside" if name == OUTSIDE else "Kernstadt PLZ area")

    def locate(self, lat: np.ndarray, lon: np.ndarray, zone: np.ndarray | None = None
               ) -> np.ndarray:
        """District name of each point (object array); ``zone``: the demand model's zone
        names (``"core"`` or an Ortsbezirk), which take precedence."""
        import shapely

        lat = np.asarray(lat, np.float64)
        lon = np.asarray(lon, np.float64)
        out = np.full(lat.shape[0], OUTSIDE, dtype=object)
        todo = np.ones(lat.shape[0], bool)
        if zone is not None:
            z = np.asarray(zone).astype(str)
            ext = z != "core"
            out[ext] = z[ext]
            todo &= ~ext
        for name, geom in self.areas:
            hit = todo & shapely.contains_xy(geom, lon, lat)
            out[hit] = name
            todo &= ~hit
        return out


def district_map_from_geojson(path: str | Path, ortsbezirke: Sequence[Any]) -> DistrictMap:
    """The :class:`DistrictMap` of a PLZ GeoJSON file (property ``plz_code``); a missing or
    unreadable file is a ``ValueError`` naming it. ``ortsbezirke``: names, or the demand's
    external zones (with ``name``, ``lat``, ``lon``)."""
    import shapely
    from shapely.geometry import shape

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parts: dict[str, list[Any]] = {}
        for f in data["features"]:
            code = str(f["properties"]["plz_code"])
            parts.setdefault(code, []).append(shape(f["geometry"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a readable PLZ GeoJSON file ({exc})") from None
    areas = [(f"Kernstadt {code}", shapely.union_all(geoms))
             for code, geoms in sorted(parts.items())]
    names = [z if isinstance(z, str) else z.name for z in ortsbezirke]
    points = {z.name: (z.lat, z.lon) for z in ortsbezirke if not isinstance(z, str)}
    return DistrictMap(areas, names, points)


def _ends(trips: pd.DataFrame, requests: pd.DataFrame | None, by: str
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    if by not in ("origin", "dest"):
        raise ValueError(f"by must be 'origin' or 'dest', got {by!r}")
    zone = None
    col = f"{by}_zone"
    if col in trips.columns:
        zone = trips[col].to_numpy()
    elif requests is not None and col in requests.columns:
        zmap = pd.Series(requests[col].astype(str).to_numpy(),
                         index=requests["request_id"].to_numpy())
        zone = zmap.reindex(trips["request_id"].to_numpy()).fillna("core").to_numpy()
    return trips[f"{by}_lat"].to_numpy(), trips[f"{by}_lon"].to_numpy(), zone


def _service_rows(trips: pd.DataFrame, key: np.ndarray, keys: list[Any]) -> pd.DataFrame:
    status = trips["status"].astype(str).to_numpy()
    served = status == "served"
    pax = trips["passengers"].to_numpy(np.float64)
    alt = trips["alt_mode"].astype(str).to_numpy()
    wait = trips["wait_s"].to_numpy(np.float64) / 60.0
    ride = trips["ride_s"].to_numpy(np.float64) / 60.0
    km = trips["direct_m"].to_numpy(np.float64) / 1000.0
    rejected, cancelled = status == "rejected", status == "cancelled"
    served_from = {mode: served & (alt == mode) for mode in ("car", "bus", "walk", "bike")}
    car_pkm = pax * km
    rows = []
    for k in keys:
        m = key == k
        s = m & served
        n = int(m.sum())
        row: dict[str, Any] = {
            "requests": n, "persons": float(pax[m].sum()), "served": int(s.sum()),
            "rejected": int((m & rejected).sum()),
            "cancelled": int((m & cancelled).sum()),
            "served_persons": float(pax[s].sum()),
            "served_share": s.sum() / n if n else math.nan,
            "wait_mean_min": float(wait[s].mean()) if s.any() else math.nan,
            "wait_p95_min": float(np.percentile(wait[s], 95)) if s.any() else math.nan,
            "ride_mean_min": float(ride[s].mean()) if s.any() else math.nan,
        }
        for mode, from_mode in served_from.items():
            row[f"from_{mode}"] = float(pax[m & from_mode].sum())
        row["car_pkm_replaced"] = float(car_pkm[m & served_from["car"]].sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=[c for c, _ in SERVICE_COLUMNS])


def district_table(trips: pd.DataFrame, districts: DistrictMap, *,
                   requests: pd.DataFrame | None = None, by: str = "origin",
                   zones: Any = None) -> pd.DataFrame:
    """Requests and service by district of the trips' origin (``by="dest"``: destination).

    ``trips``: a run's ``trips.parquet``; ``requests``: its ``requests.parquet`` (for the
    Ortsbezirk of each end, ``origin_zone``/``dest_zone``); ``zones``: the demand's
    :class:`~kl_mobility.demand.zones.ZoneTable` for the residents per district. Every
    district of ``districts`` gets a row, with or without requests.
    """
    lat, lon, zone = _ends(trips, requests, by)
    key = districts.locate(lat, lon, zone)
    names = districts.names
    table = _service_rows(trips, key, names)
    table.insert(0, "kind", [districts.kind(n) for n in names])
    table.insert(0, "district", names)
    if zones is not None:
        ext = np.repeat(zones.is_external, np.diff(zones.point_ptr))
        zname = np.repeat(zones.name, np.diff(zones.point_ptr))
        pk = districts.locate(zones.point_lat, zones.point_lon,
                              np.where(ext, zname, "core"))
        pop = pd.Series(zones.point_pop).groupby(pk).sum()
        table["residents"] = [float(pop.get(n, 0.0)) for n in names]
        table["requests_per_1000_residents"] = np.where(
            table["residents"] > 0, 1000.0 * table["requests"] / table["residents"].where(
                table["residents"] > 0, 1.0), math.nan)
    return table


def hour_table(trips: pd.DataFrame) -> pd.DataFrame:
    """Requests and service by hour of ``request_time_s`` (``hour`` = floor(t / 3600); past
    midnight of the simulated day the hour counts on, 24, 25, ...); every hour from the first
    to the last request gets a row."""
    t = trips["request_time_s"].to_numpy(np.int64)
    hour = t // 3600
    keys = list(range(int(hour.min()), int(hour.max()) + 1)) if len(t) else []
    table = _service_rows(trips, hour, keys)
    table.insert(0, "hour", keys)
    return table


def bus_door_min(los: Any, config: Any, depart_s: int = ACCESS_DEPART_S) -> np.ndarray:
    """Door-to-door bus time ``[k, k]`` (minutes; ``inf`` where the mode choice has no bus)
    of a departure at ``depart_s``, as the mode choice's bus alternative has it
    (:func:`kl_mobility.demand.modechoice.zone_los`; module docstring): the timetable's
    ``door`` time of the period of ``depart_s`` where both zones have a stop and the
    router finds journeys (``pt.available``), the approximation where a zone has no stop
    (when that period lies mostly within the bus hours), else no bus. The mode choice
    weights the parts of the time (and adds a penalty per change); this is the time."""
    from kl_mobility.demand.modechoice import _fallback_periods, bus_slot

    factor = los.bus_access_min + los.bus_wait_min + config.bus_ivt_factor * los.car_min
    slot = int(bus_slot(los, config, np.array([depart_s], np.int64))[0])
    if los.pt is None:
        return factor if slot == 1 else np.full_like(factor, np.inf)
    pt, p = los.pt, slot - 1
    routed = pt.has_stop[:, None] & pt.has_stop[None, :]
    avail = routed & pt.available[p]
    fallback = bool(_fallback_periods(pt.bounds_s, config)[p])
    door = np.where(avail, pt.values["door"][p], factor)
    return np.where(avail | (~routed & fallback), door, np.inf)


def _zone_majority(point_zone: np.ndarray, labels: np.ndarray, n_zones: int) -> np.ndarray:
    """Per zone the label most of its points have (ties: the smallest label, as
    ``Series.mode().iloc[0]``); :data:`OUTSIDE` for a zone without points."""
    out = np.full(n_zones, OUTSIDE, dtype=object)
    if not len(labels):
        return out
    names, code = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    counts = np.zeros((n_zones, len(names)), np.int64)
    np.add.at(counts, (point_zone, code.ravel()), 1)
    has = counts.sum(axis=1) > 0
    out[has] = names[counts.argmax(axis=1)[has]]  # argmax: the first, smallest, of ties
    return out


def accessibility_table(  # noqa: PLR0913 - keyword-only options
        zones: Any, oracle: Any, config: Any, districts: DistrictMap, *,
        trips: pd.DataFrame | None = None, requests: pd.DataFrame | None = None,
        ondemand_nodes: np.ndarray | None = None, threshold_min: float = 30.0,
        transit: Any = None, cache_dir: str | Path | None = None) -> pd.DataFrame:
    """Accessibility by district (module docstring): ``zones`` the demand's zone table,
    ``oracle`` the run's travel-time oracle, ``config`` its ``DemandConfig``; ``trips`` and
    ``requests`` the run's tables (without them, or without served trips, no on-demand
    column); ``ondemand_nodes``: boolean mask over network nodes where the service takes a
    trip (``None``: everywhere); ``transit``: the run's public transport supply when the
    mode choice routes the bus on the timetable (``pt.mode_choice = "router"``, the
    :class:`~kl_mobility.pt.supply.PtSupply` of the run), else ``None`` (the
    approximation); ``cache_dir``: where the router's zone times are cached.

    Columns: ``district, kind, residents``, then for each mode ``car``, ``bus``,
    ``ondemand``: ``<mode>_hbf_share``, ``<mode>_rptu_share`` (residents' share reaching
    the target within the threshold) and ``<mode>_attraction_share`` (resident-weighted
    mean share of the city's attraction units within it); ``ondemand_wait_min``,
    ``ondemand_served_share``, ``threshold_min``, ``bus_depart_s`` (the bus's departure
    time, :data:`ACCESS_DEPART_S`) and ``bus_source`` (``router`` or ``approximation``).
    """
    from kl_mobility.demand.generate import level_of_service

    los = level_of_service(zones, oracle, config, transit=transit, cache_dir=cache_dir)
    car = los.car_door_to_door_min
    bus = bus_door_min(los, config)
    reach = los.reachable
    # residents of each zone by the district of each of its points (as district_table)
    per_zone = np.diff(zones.point_ptr)
    point_zone = np.repeat(np.arange(zones.n_zones), per_zone)
    zname = np.repeat(np.asarray(zones.name).astype(str), per_zone)
    pdist = districts.locate(zones.point_lat, zones.point_lon,
                             np.where(np.repeat(zones.is_external, per_zone), zname, "core"))
    attr = np.asarray(zones.attr, np.float64)
    targets = {}
    for tname, (tlat, tlon) in ACCESS_TARGETS.items():
        d = (zones.lat - tlat) ** 2 + ((zones.lon - tlon) * math.cos(math.radians(tlat))) ** 2
        targets[tname] = int(np.argmin(np.where(zones.is_external, np.inf, d)))
    modes: dict[str, np.ndarray] = {"car": car, "bus": bus}
    wait_by_district: dict[str, float] = {}
    share_by_district: dict[str, float] = {}
    if trips is not None and len(trips) and (trips["status"].astype(str) == "served").any():
        served = trips["status"].astype(str).to_numpy() == "served"
        lat, lon, zone = _ends(trips, requests, "origin")
        key = districts.locate(lat, lon, zone)
        wait = trips["wait_s"].to_numpy(np.float64) / 60.0
        ratio = (trips["ride_s"].to_numpy(np.float64)[served]
                 / np.maximum(trips["direct_s"].to_numpy(np.float64)[served], 1.0))
        detour = float(ratio.mean())
        for n in districts.names:
            m = key == n
            wait_by_district[n] = float(wait[m & served].mean()) if (m & served).any() \
                else math.nan
            share_by_district[n] = float((m & served).sum() / m.sum()) if m.any() else math.nan
        # a zone's wait: that of the district of most of its residents (ties: first point)
        zwait = np.array([wait_by_district.get(str(d), math.nan)
                          for d in _zone_majority(point_zone, pdist, zones.n_zones)])
        # no served request from the district: the service reached nothing from there
        od = np.where(np.isnan(zwait), np.inf, zwait)[:, None] + detour * los.car_min
        offered = np.ones(zones.n_zones, bool) if ondemand_nodes is None else \
            np.asarray(ondemand_nodes, bool)[zones.node]
        od = np.where(offered[:, None] & offered[None, :] & los.distinct_nodes, od, np.inf)
        modes["ondemand"] = od
    total_attr = float(attr.sum())
    rows = []
    for n in districts.names:
        pm = pdist == n
        w_all = np.bincount(point_zone[pm], zones.point_pop[pm], zones.n_zones)
        m = w_all > 0
        w = w_all[m]
        wsum = float(w.sum())
        row: dict[str, Any] = {"district": n, "kind": districts.kind(n), "residents": wsum}
        for mode in ("car", "bus", "ondemand"):
            for tname in ACCESS_TARGETS:
                key_ = f"{mode}_{tname}_share"
                if mode not in modes or wsum <= 0:
                    row[key_] = math.nan
                    continue
                t = modes[mode][m, targets[tname]]
                ok = (t <= threshold_min) & reach[m, targets[tname]]
                row[key_] = float((w * ok).sum() / wsum)
            key_ = f"{mode}_attraction_share"
            if mode not in modes or wsum <= 0:
                row[key_] = math.nan
            else:
                ok = (modes[mode][m] <= threshold_min) & reach[m]
                per_zone = (ok * attr[None, :]).sum(axis=1) / total_attr
                row[key_] = float((w * per_zone).sum() / wsum)
        row["ondemand_wait_min"] = wait_by_district.get(n, math.nan)
        row["ondemand_served_share"] = share_by_district.get(n, math.nan)
        row["threshold_min"] = threshold_min
        row["bus_depart_s"] = ACCESS_DEPART_S
        row["bus_source"] = "approximation" if los.pt is None else "router"
        rows.append(row)
    return pd.DataFrame(rows)


WHO_GAINS_TABLES = ("districts", "district_dest", "hours", "accessibility")
"""Tables :func:`who_gains` returns (``<name>.csv`` in a run folder)."""


def who_gains(  # noqa: PLR0913 - keyword-only options
        trips: pd.DataFrame, requests: pd.DataFrame | None, zones: Any, oracle: Any,
        config: Any, *, door_to_door: bool, districts: DistrictMap | None = None,
        transit: Any = None, cache_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """The who-gains tables of a run (:data:`WHO_GAINS_TABLES`): by district of the origin
    (``districts``) and of the destination (``district_dest``), by hour, and the
    accessibility by district (only with the demand's ``zones``; its on-demand columns only
    when a door-to-door type ran, ``door_to_door``: stop-based shuttles reach only their
    corridors). ``districts``: default the shared PLZ polygons and ``config``'s
    Ortsbezirke. ``transit`` / ``cache_dir``: the run's timetable supply for the bus
    column (:func:`accessibility_table`)."""
    if districts is None:
        districts = district_map_from_geojson(default_districts_path(),
                                              config.external_zones)
    out = {"districts": district_table(trips, districts, requests=requests, zones=zones),
           "district_dest": district_table(trips, districts, requests=requests, by="dest",
                                           zones=zones),
           "hours": hour_table(trips)}
    if zones is not None:
        out["accessibility"] = accessibility_table(
            zones, oracle, config, districts, trips=trips if door_to_door else None,
            requests=requests, transit=transit, cache_dir=cache_dir)
    return out


def collect_who_gains(batch_dir: str | Path, name: str) -> pd.DataFrame:
    """Table ``name`` (:data:`WHO_GAINS_TABLES`) of every finished run under ``batch_dir``
    (``<scenario>/<seed>/run.json``), stacked with ``scenario`` and ``seed`` first; runs
    written before the table existed contribute no rows (an empty frame when none has it)."""
    if name not in WHO_GAINS_TABLES:
        raise ValueError(f"unknown table {name!r}; known: {', '.join(WHO_GAINS_TABLES)}")
    frames = []
    for path in sorted(Path(batch_dir).glob("*/*/run.json")):
        csv = path.parent / f"{name}.csv"
        if not csv.is_file():
            continue
        info = json.loads(path.read_text(encoding="utf-8"))
        t = pd.read_csv(csv)
        t.insert(0, "seed", int(info["seed"]))
        t.insert(0, "scenario", str(info["scenario"]))
        frames.append(t)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def mean_over_seeds(table: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of every numeric column of a :func:`collect_who_gains` table per
    scenario and key (``district`` or ``hour``), with ``n_seeds``. A seed without a row
    for a key (an hour without requests) counts as absent, not as zero."""
    if table.empty:
        return table
    key = "hour" if "hour" in table.columns else "district"
    keys = ["scenario", key] + (["kind"] if "kind" in table.columns else [])
    num = [c for c in table.columns if c not in (*keys, "seed")
           and pd.api.types.is_numeric_dtype(table[c])]
    g = table.groupby(keys, sort=False)
    out = g[num].mean().reset_index()
    out.insert(len(keys), "n_seeds", g["seed"].nunique().to_numpy())
    return out
