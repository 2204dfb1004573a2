"""GTFS feeds in: read (zip or folder, through partridge), validate, flatten for the router.

:func:`read_gtfs` reads any GTFS feed and checks what the model relies on; the first
problem found is one :class:`GtfsError` naming the file, the line (1-based, the header is
line 1) and the field:

- the source is a folder or a complete zip archive (a truncated or damaged archive is
  named as such, with the member that fails its CRC check);
- the required files are present (``agency.txt``, ``stops.txt``, ``routes.txt``,
  ``trips.txt``, ``stop_times.txt``, and ``calendar.txt`` or ``calendar_dates.txt``) with
  their required columns;
- every id is unique where it is a key and known where it is a reference (a stop time's
  ``stop_id`` and ``trip_id``, a trip's ``route_id`` and ``service_id``);
- coordinates are numbers in range, times are ``H:MM:SS`` with minutes and seconds below
  60 (hours may exceed 24: service after midnight), each trip's times never decrease along
  its ``stop_sequence``;
- ``frequencies.txt`` with rows is refused (frequency-based trips are not expanded).

Stops outside the network area (farther than ``area_margin_m`` from the bounding box of the
road network) are not an error: a regional feed serves places beyond the city. They are
counted in :attr:`TransitFeed.warnings` (one line naming the first of them) and kept.

The day the model simulates is one service date (``pt.service_date``, ``YYYYMMDD``; empty:
the date with the most trips among the feed's Monday-to-Friday dates, the earliest of ties).
"""

from __future__ import annotations

import datetime
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kl_mobility.errors import InputError

__all__ = ["REQUIRED_COLUMNS", "GtfsError", "TransitFeed", "parse_gtfs_time", "read_gtfs"]


class GtfsError(InputError):
    """A GTFS feed that cannot be used; the message names the file, line and field."""


REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                     "saturday", "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
}
"""Columns each file must have (GTFS reference; ``calendar.txt`` or
``calendar_dates.txt`` may be left out, not both)."""

_TIME_RE = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, eq=False)
class TransitFeed:
    """A validated feed, flattened to arrays for one service date.

    Stops: ``stop_id`` (object), ``stop_name``, ``stop_lat``, ``stop_lon`` (float64).
    Trips running on :attr:`service_date`: ``trip_id``, ``trip_route`` (index into the
    route arrays). Routes: ``route_id``, ``route_name`` (short name, else long name, else
    id), ``route_type`` (int). Stop times of those trips, sorted by trip then sequence:
    ``st_trip`` (trip index), ``st_stop`` (stop index), ``st_arr_s``, ``st_dep_s`` (int64
    seconds after midnight of the service date), ``st_ptr`` (int64, trip ``t``'s stop
    times are ``st_ptr[t]:st_ptr[t+1]``), ``st_dist_m`` (distance along the trip from its
    first stop: ``shape_dist_traveled`` in metres when the feed gives it for the whole
    trip, else the straight-line distance between consecutive stops summed).
    """

    source: str
    service_date: str
    stop_id: np.ndarray
    stop_name: np.ndarray
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    route_id: np.ndarray
    route_name: np.ndarray
    route_type: np.ndarray
    trip_id: np.ndarray
    trip_route: np.ndarray
    st_ptr: np.ndarray
    st_stop: np.ndarray
    st_arr_s: np.ndarray
    st_dep_s: np.ndarray
    st_dist_m: np.ndarray
    feed_info: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def n_stops(self) -> int:
        return int(self.stop_id.shape[0])

    @property
    def n_trips(self) -> int:
        return int(self.trip_id.shape[0])

    @property
    def st_trip(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_trips, dtype=np.int64), np.diff(self.st_ptr))

    def vehicle_km(self, route_types: tuple[int, ...] | None = None) -> float:
        """Vehicle-km of the service date's trips (optionally of some route types only):
        each trip's distance from its first to its last stop (``st_dist_m``)."""
        last = self.st_dist_m[self.st_ptr[1:] - 1]
        first = self.st_dist_m[self.st_ptr[:-1]]
        keep = np.ones(self.n_trips, bool) if route_types is None else np.isin(
            self.route_type[self.trip_route], route_types)
        return float((last - first)[keep].sum() / 1000.0)


def parse_gtfs_time(value: object, *, file: str, line: int, field_name: str) -> int:
    """Seconds after midnight of a GTFS time ``H:MM:SS`` (hours may exceed 24)."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    m = _TIME_RE.match(text.strip())
    if m is None:
        raise GtfsError(f"{file}: line {line}: field '{field_name}': {text!r} is not a time "
                        "H:MM:SS (minutes and seconds 00-59)")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def _vector_times(col: pd.Series, *, file: str, field_name: str) -> np.ndarray:
    parts = col.fillna("").astype(str).str.strip().str.extract(_TIME_RE)
    bad = parts[0].isna().to_numpy()
    if bad.any():
        k = int(np.argmax(bad))
        parse_gtfs_time(col.iloc[k], file=file, line=k + 2, field_name=field_name)
    p = parts.astype(np.int64).to_numpy()
    return p[:, 0] * 3600 + p[:, 1] * 60 + p[:, 2]


def _member_names(path: Path) -> set[str]:
    """Base names of the feed's files; a damaged archive is a :class:`GtfsError`."""
    if path.is_dir():
        return {f for _, _, files in os.walk(path) for f in files}
    if not path.is_file():
        raise GtfsError(f"{path}: GTFS feed not found (give a .zip file or a folder)")
    if not zipfile.is_zipfile(path):
        raise GtfsError(f"{path}: not a complete zip archive (truncated or not a zip file)")
    try:
        with zipfile.ZipFile(path) as zf:
            broken = zf.testzip()
            names = {Path(n).name for n in zf.namelist() if not n.endswith("/")}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise GtfsError(f"{path}: damaged zip archive ({exc})") from None
    if broken is not None:
        raise GtfsError(f"{path}: damaged zip archive: member {broken} fails its CRC check")
    return names


def _load_tables(path: Path, names: set[str]) -> dict[str, pd.DataFrame]:
    import partridge as ptg

    try:
        feed = ptg.load_raw_feed(str(path))  # every column as text: checked here
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise GtfsError(f"{path}: cannot open the feed ({exc})") from None
    out: dict[str, pd.DataFrame] = {}
    wanted = (*REQUIRED_COLUMNS, "shapes.txt", "frequencies.txt", "feed_info.txt")
    for name in wanted:
        if name not in names:
            continue
        try:
            with warnings.catch_warnings():  # partridge's use of a deprecated pandas keyword
                warnings.filterwarnings("ignore", message="The inplace keyword")
                out[name] = feed.get(name)
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise GtfsError(f"{path}: {name}: not a readable CSV file ({first})") from None
    return out


def _check_columns(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    for name in ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"):
        if name not in tables:
            raise GtfsError(f"{path}: required file {name} is missing")
    if "calendar.txt" not in tables and "calendar_dates.txt" not in tables:
        raise GtfsError(f"{path}: neither calendar.txt nor calendar_dates.txt is present")
    for name, df in tables.items():
        for col in REQUIRED_COLUMNS.get(name, ()):
            if col not in df.columns:
                raise GtfsError(f"{path}: {name}: required column '{col}' is missing")
            empty = df[col].isna().to_numpy()
            if empty.any():
                k = int(np.argmax(empty))
                raise GtfsError(f"{path}: {name}: line {k + 2}: field '{col}' is empty")


def _unique(path: Path, df: pd.DataFrame, file: str, col: str) -> None:
    dup = df[col].duplicated().to_numpy()
    if dup.any():
        k = int(np.argmax(dup))
        raise GtfsError(f"{path}: {file}: line {k + 2}: field '{col}': "
                        f"{df[col].iloc[k]!r} appears twice")


def _known(path: Path, df: pd.DataFrame, file: str, col: str, keys: pd.Series,
           target: str) -> None:
    unknown = ~df[col].isin(keys).to_numpy()
    if unknown.any():
        k = int(np.argmax(unknown))
        raise GtfsError(f"{path}: {file}: line {k + 2}: field '{col}': {df[col].iloc[k]!r} is "
                        f"not in {target}")


def _numbers(path: Path, df: pd.DataFrame, file: str, col: str, lo: float, hi: float
             ) -> np.ndarray:
    val = pd.to_numeric(df[col], errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(val) | (val < lo) | (val > hi)
    if bad.any():
        k = int(np.argmax(bad))
        raise GtfsError(f"{path}: {file}: line {k + 2}: field '{col}': {df[col].iloc[k]!r} is "
                        f"not a number in [{lo:g}, {hi:g}]")
    return val


def _date(path: Path, value: str, file: str, line: int, col: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(str(value), "%Y%m%d").date()
    except ValueError:
        raise GtfsError(f"{path}: {file}: line {line}: field '{col}': {value!r} is not a date "
                        "YYYYMMDD") from None


def _services_by_date(path: Path, tables: dict[str, pd.DataFrame]
                      ) -> dict[datetime.date, set[str]]:
    """Service ids active on each date the feed mentions."""
    out: dict[datetime.date, set[str]] = {}
    cal = tables.get("calendar.txt")
    if cal is not None:
        for k, row in enumerate(cal.itertuples(index=False)):
            r = row._asdict()
            start = _date(path, r["start_date"], "calendar.txt", k + 2, "start_date")
            end = _date(path, r["end_date"], "calendar.txt", k + 2, "end_date")
            days = [str(r[d]) == "1" for d in _DAYS]
            for d in _DAYS:
                if str(r[d]) not in ("0", "1"):
                    raise GtfsError(f"{path}: calendar.txt: line {k + 2}: field '{d}': "
                                    f"{r[d]!r} is not 0 or 1")
            day = start
            while day <= end:
                if days[day.weekday()]:
                    out.setdefault(day, set()).add(str(r["service_id"]))
                day += datetime.timedelta(days=1)
    cd = tables.get("calendar_dates.txt")
    if cd is not None:
        for k, row in enumerate(cd.itertuples(index=False)):
            r = row._asdict()
            day = _date(path, r["date"], "calendar_dates.txt", k + 2, "date")
            kind = str(r["exception_type"])
            if kind == "1":
                out.setdefault(day, set()).add(str(r["service_id"]))
            elif kind == "2":
                out.get(day, set()).discard(str(r["service_id"]))
            else:
                raise GtfsError(f"{path}: calendar_dates.txt: line {k + 2}: field "
                                f"'exception_type': {kind!r} is not 1 or 2")
    return out


def _pick_date(path: Path, by_date: dict[datetime.date, set[str]], trips: pd.DataFrame,
               service_date: str) -> tuple[datetime.date, set[str]]:
    if service_date:
        day = _date(path, service_date, "pt.service_date", 0, "service_date")
        if day not in by_date or not by_date[day]:
            raise GtfsError(f"{path}: no service runs on pt.service_date {service_date}")
        return day, by_date[day]
    counts = trips["service_id"].value_counts()
    best: tuple[int, datetime.date] | None = None
    for day in sorted(by_date):
        if day.weekday() >= 5:
            continue
        n = int(sum(counts.get(s, 0) for s in by_date[day]))
        if best is None or n > best[0]:
            best = (n, day)
    if best is None or best[0] == 0:
        raise GtfsError(f"{path}: no trip runs on any Monday-to-Friday date of the calendar")
    return best[1], by_date[best[1]]


def _haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
                 ) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _stop_times(path: Path, st: pd.DataFrame, trip_index: pd.Series, stop_index: pd.Series
                ) -> tuple[np.ndarray, ...]:
    file = "stop_times.txt"
    arr = _vector_times(st["arrival_time"], file=file, field_name="arrival_time")
    dep = _vector_times(st["departure_time"], file=file, field_name="departure_time")
    seq = _numbers(path, st, file, "stop_sequence", 0, 2**31 - 1)
    if np.any(seq != np.floor(seq)):
        k = int(np.argmax(seq != np.floor(seq)))
        raise GtfsError(f"{path}: {file}: line {k + 2}: field 'stop_sequence': "
                        f"{st['stop_sequence'].iloc[k]!r} is not an integer")
    trip = st["trip_id"].map(trip_index).to_numpy(np.int64)
    stop = st["stop_id"].map(stop_index).to_numpy(np.int64)
    line = np.arange(len(st), dtype=np.int64) + 2
    order = np.lexsort((seq, trip))
    trip, stop, arr, dep, seq, line = (a[order] for a in (trip, stop, arr, dep, seq, line))
    if np.any(dep < arr):
        k = int(np.argmax(dep < arr))
        raise GtfsError(f"{path}: {file}: line {line[k]}: field 'departure_time' is before "
                        "its arrival_time")
    same = trip[1:] == trip[:-1]
    dup = same & (seq[1:] == seq[:-1])
    if dup.any():
        k = int(np.argmax(dup)) + 1
        raise GtfsError(f"{path}: {file}: line {line[k]}: field 'stop_sequence': "
                        f"{int(seq[k])} appears twice in its trip")
    back = same & (arr[1:] < dep[:-1])
    if back.any():
        k = int(np.argmax(back)) + 1
        raise GtfsError(f"{path}: {file}: line {line[k]}: field 'arrival_time' is before the "
                        "departure from the previous stop of its trip")
    return trip, stop, arr, dep, order


def _distances(st: pd.DataFrame, order: np.ndarray, trip: np.ndarray, stop: np.ndarray,
               lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distance along each trip (m) per sorted stop time (see :class:`TransitFeed`)."""
    seg = np.zeros(trip.shape[0])
    same = np.r_[False, trip[1:] == trip[:-1]]
    seg[1:] = _haversine_m(lat[stop[:-1]], lon[stop[:-1]], lat[stop[1:]], lon[stop[1:]])
    seg[~same] = 0.0
    starts = np.flatnonzero(~same)
    cum = np.cumsum(seg)
    straight = cum - np.repeat(cum[starts], np.diff(np.r_[starts, trip.shape[0]]))
    if "shape_dist_traveled" not in st.columns:
        return straight
    sdt = pd.to_numeric(st["shape_dist_traveled"], errors="coerce").to_numpy(np.float64)[order]
    ok = np.isfinite(sdt)
    trip_ok = np.ones(int(trip.max()) + 1 if trip.size else 0, bool)
    np.logical_and.at(trip_ok, trip, ok)
    use = trip_ok[trip]
    return np.where(use, sdt, straight)


def read_gtfs(path: str | Path, *, service_date: str = "",
              area_bbox: tuple[float, float, float, float] | None = None,
              area_margin_m: float = 2000.0) -> TransitFeed:
    """Read and validate a GTFS feed (zip or folder) for one service date.

    ``area_bbox`` (``south, west, north, east``): the network area; stops farther than
    ``area_margin_m`` outside it are counted in the warnings. See the module docstring for
    every check; the first problem is a :class:`GtfsError`.
    """
    path = Path(path)
    names = _member_names(path)
    tables = _load_tables(path, names)
    _check_columns(path, tables)
    freq = tables.get("frequencies.txt")
    if freq is not None and len(freq):
        raise GtfsError(f"{path}: frequencies.txt: line 2: frequency-based trips are not "
                        "supported; give every trip in stop_times.txt")
    stops, routes, trips, st = (tables[n] for n in ("stops.txt", "routes.txt", "trips.txt",
                                                    "stop_times.txt"))
    for file, df, key in (("stops.txt", stops, "stop_id"), ("routes.txt", routes, "route_id"),
                          ("trips.txt", trips, "trip_id")):
        _unique(path, df, file, key)
    lat = _numbers(path, stops, "stops.txt", "stop_lat", -90.0, 90.0)
    lon = _numbers(path, stops, "stops.txt", "stop_lon", -180.0, 180.0)
    rtype = _numbers(path, routes, "routes.txt", "route_type", 0, 9999).astype(np.int64)
    _known(path, trips, "trips.txt", "route_id", routes["route_id"], "routes.txt")
    _known(path, st, "stop_times.txt", "trip_id", trips["trip_id"], "trips.txt")
    _known(path, st, "stop_times.txt", "stop_id", stops["stop_id"], "stops.txt")
    by_date = _services_by_date(path, tables)
    known_services = set().union(*by_date.values()) if by_date else set()
    _known(path, trips, "trips.txt", "service_id", pd.Series(sorted(known_services)),
           "calendar.txt or calendar_dates.txt")
    day, services = _pick_date(path, by_date, trips, service_date)

    stop_index = pd.Series(np.arange(len(stops)), index=stops["stop_id"].to_numpy())
    all_trip_index = pd.Series(np.arange(len(trips)), index=trips["trip_id"].to_numpy())
    trip, stop, arr, dep, order = _stop_times(path, st, all_trip_index, stop_index)
    dist = _distances(st, order, trip, stop, lat, lon)
    running = trips["service_id"].isin(services).to_numpy()
    has_times = np.zeros(len(trips), bool)
    has_times[trip] = True
    keep = running & has_times
    new_index = np.full(len(trips), -1, np.int64)
    new_index[keep] = np.arange(int(keep.sum()))
    sel = keep[trip]
    trip, stop, arr, dep, dist = (a[sel] for a in (trip, stop, arr, dep, dist))
    trip = new_index[trip]
    counts = np.bincount(trip, minlength=int(keep.sum()))
    ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
    route_index = pd.Series(np.arange(len(routes)), index=routes["route_id"].to_numpy())

    def col(df: pd.DataFrame, name: str) -> pd.Series:
        return df[name] if name in df.columns else pd.Series([None] * len(df), dtype=object)

    rname = col(routes, "route_short_name").fillna(col(routes, "route_long_name")).fillna(
        routes["route_id"]).astype(str).to_numpy(object)
    notes = _area_warnings(path, stops, lat, lon, area_bbox, area_margin_m)
    info = tables.get("feed_info.txt")
    feed_info = ({k: str(v) for k, v in info.iloc[0].items() if isinstance(v, str)}
                 if info is not None and len(info) else {})
    return TransitFeed(
        source=str(path), service_date=day.strftime("%Y%m%d"),
        stop_id=stops["stop_id"].astype(str).to_numpy(object),
        stop_name=stops["stop_name"].astype(str).to_numpy(object),
        stop_lat=lat, stop_lon=lon,
        route_id=routes["route_id"].astype(str).to_numpy(object), route_name=rname,
        route_type=rtype, trip_id=trips["trip_id"].astype(str).to_numpy(object)[keep],
        trip_route=trips["route_id"].map(route_index).to_numpy(np.int64)[keep],
        st_ptr=ptr, st_stop=stop, st_arr_s=arr, st_dep_s=dep, st_dist_m=dist,
        feed_info=feed_info, warnings=notes)


def _area_warnings(path: Path, stops: pd.DataFrame, lat: np.ndarray, lon: np.ndarray,
                   bbox: tuple[float, float, float, float] | None, margin_m: float
                   ) -> tuple[str, ...]:
    if bbox is None:
        return ()
    s, w, n, e = bbox
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * np.cos(np.radians((s + n) / 2)))
    out = (lat < s - dlat) | (lat > n + dlat) | (lon < w - dlon) | (lon > e + dlon)
    if not out.any():
        return ()
    k = int(np.argmax(out))
    return (f"{path}: stops.txt: {int(out.sum())} of {len(stops)} stops lie more than "
            f"{margin_m:.0f} m outside the network area (first: line {k + 2}, stop_id "
            f"{stops['stop_id'].iloc[k]!r} at {lat[k]:.5f}, {lon[k]:.5f}); they are kept "
            "but cannot be reached on foot from the zones",)
