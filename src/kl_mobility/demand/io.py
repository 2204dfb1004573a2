"""Request tables on disk: atomic Parquet/CSV writers and a validating reader.

:func:`requests_from_file` checks every row of a user's request file (CSV or Parquet) and
accounts for every row: ``len(accepted) + len(rejects) == rows in the file`` always (blank
CSV lines are not rows). Without ``skip_invalid`` any bad row raises one
:class:`~kl_mobility.errors.InputError` naming the file, each bad row's line (CSV: physical
line of the record, the header is line 1; Parquet: 1-based row) and its reasons. With
``skip_invalid`` the bad rows come back as a rejects table (``line``, ``reason`` and the raw
fields) for :func:`rejects_to_csv`.

File-level problems (missing file, not UTF-8, no header, unknown or duplicate columns, no
origin/destination columns) always raise :class:`InputError`: no row can be judged then.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kl_mobility.demand.schema import (
    ALT_MODES,
    CORE_ZONE,
    FEEDER_KINDS,
    REQUEST_COLUMNS,
    REQUEST_DTYPES,
    check_requests,
)
from kl_mobility.errors import InputError
from kl_mobility.io import atomic_file

__all__ = [
    "MAX_TIME_S",
    "RequestFileError",
    "rejects_to_csv",
    "requests_from_file",
    "requests_to_csv",
    "requests_to_parquet",
]

MAX_TIME_S = 2 * 86_400
"""Times are seconds since midnight of the simulated day; up to two days are accepted."""
MAX_SHOWN = 20
_ORIGIN = ("origin_lat", "origin_lon")
_DEST = ("dest_lat", "dest_lon")


class RequestFileError(InputError):
    """A request file with bad rows or an unusable layout."""


# ----------------------------------------------------------------------------- writers
def requests_to_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a request table to Parquet atomically after checking its schema."""
    check_requests(df)
    path = Path(path)
    table = pa.Table.from_pandas(df[list(REQUEST_COLUMNS)], preserve_index=False)
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)
    return path


def requests_to_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a request table to CSV atomically (nulls as empty fields, full float precision)."""
    check_requests(df)
    path = Path(path)
    with atomic_file(path) as tmp:
        df[list(REQUEST_COLUMNS)].to_csv(tmp, index=False)
    return path


def rejects_to_csv(rejects: pd.DataFrame, path: str | Path) -> Path:
    """Write a rejects table (``line``, ``reason``, raw fields) to CSV atomically."""
    path = Path(path)
    with atomic_file(path) as tmp:
        rejects.to_csv(tmp, index=False)
    return path


# ----------------------------------------------------------------------------- reading
def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    if path.suffix.lower() in (".csv", ".txt"):
        return False
    with open(path, "rb") as fh:
        return fh.read(4) == b"PAR1"


def _read_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Raw string fields, physical line of each record, and per-record field-count problems.

    Files without quote characters take a fast path (one record per line, split at commas);
    others go through :mod:`csv`, which handles quoted commas and line breaks.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RequestFileError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    if '"' not in text and "\x00" not in text:
        for num, line in enumerate(text.split("\n"), start=1):
            if line.endswith("\r"):
                line = line[:-1]
            if not line:
                continue
            if header is None:
                header = [h.strip() for h in line.split(",")]
                continue
            rows.append(line.split(","))
            lines.append(num)
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            start = 1
            for rec in reader:
                if header is None:
                    if rec:
                        header = [h.strip() for h in rec]
                elif rec:
                    rows.append(rec)
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise RequestFileError(f"{path}: line {reader.line_num}: not valid CSV ({exc})"
                                   ) from None
    if header is None:
        raise RequestFileError(f"{path}: empty file, expected a header line")
    width = len(header)
    problems = [""] * len(rows)
    for i, r in enumerate(rows):
        if len(r) != width:
            problems[i] = f"has {len(r)} fields, the header has {width}"
            rows[i] = r[:width] + [""] * (width - len(r))
    columns = list(zip(*rows)) if rows else [()] * width
    df = pd.DataFrame({j: np.array(c, dtype=object) for j, c in enumerate(columns)},
                      dtype=object)
    df.columns = header
    return df, np.asarray(lines, np.int64), problems


def _read_parquet(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    try:
        df = pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise RequestFileError(f"{path}: not a readable Parquet file ({exc})") from None
    df = df.reset_index(drop=True)
    df.columns = [str(c).strip() for c in df.columns]
    return df, np.arange(1, len(df) + 1, dtype=np.int64), [""] * len(df)


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col.dtype)


def _empty(col: pd.Series) -> np.ndarray:
    if _is_text(col):
        s = col.astype(str).str.strip()
        return (col.isna() | (s == "") | s.str.lower().isin(["nan", "none", "null", "<na>"])
                ).to_numpy()
    return col.isna().to_numpy()


_NUMBER_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
"""A decimal number as a field may hold it (no ``inf``, ``nan``, ``1_000`` or hex)."""


def _numbers(col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float values, empty mask, unparseable mask). Each field is judged on its own (one
    path for every file), so a row's verdict never depends on the other rows."""
    empty = _empty(col)
    if _is_text(col):
        src = col.astype(str).str.strip()
        ok = src.str.fullmatch(_NUMBER_RE).fillna(False).to_numpy(dtype=bool)
        vals = pd.to_numeric(src.where(ok, None), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan, copy=True)
    else:
        vals = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64,
                                                            na_value=np.nan, copy=True)
    bad = ~empty & ~np.isfinite(vals)
    vals[empty] = np.nan
    return vals, empty, bad


_ID_MAX = 2**63 - 1


def _exact_id(value: object) -> int | None:
    """The exact integer of one ``request_id`` field, or ``None`` when it is not a whole
    number (text is read digit by digit, so ids beyond 2^53 keep their value; a float
    field is accepted only where floats are exact, up to 2^53)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return int(f) if math.isfinite(f) and f == math.floor(f) and abs(f) <= 2**53 else None
    m = re.fullmatch(r"\+?(\d+)(?:\.0*)?", str(value).strip())
    return int(m.group(1)) if m else None


def _id_column(raw: pd.DataFrame, rows: _Rows, col: str) -> tuple[np.ndarray, np.ndarray]:
    """(int64 ids, valid mask) of the id column, each value read exactly."""
    c = raw[col]
    empty = _empty(c)
    n = len(c)
    ids = np.zeros(n, np.int64)
    valid = np.zeros(n, bool)
    not_int = np.zeros(n, bool)
    out_of_range = np.zeros(n, bool)
    for i, v in enumerate(c.to_numpy(dtype=object)):
        if empty[i]:
            continue
        x = _exact_id(v)
        if x is None:
            not_int[i] = True
        elif not 0 <= x <= _ID_MAX:
            out_of_range[i] = True
        else:
            ids[i] = x
            valid[i] = True
    rows.add(not_int, "{col} {v} is not an integer", col)
    rows.add(out_of_range, "{col} {v} is out of range [0, 2^63 - 1]", col)
    rows.add(empty, "{col} is missing", col)
    return ids, valid


class _Rows:
    """Collects reasons per row index."""

    def __init__(self, n: int, raw: pd.DataFrame) -> None:
        self.n = n
        self.raw = raw
        self.reasons: dict[int, list[str]] = {}

    def add(self, mask: np.ndarray, fmt: str, col: str | None = None) -> None:
        for i in np.flatnonzero(mask):
            value = repr(str(self.raw[col].iat[i]).strip()) if col else ""
            self.reasons.setdefault(int(i), []).append(fmt.format(v=value, col=col))

    @property
    def bad(self) -> np.ndarray:
        m = np.zeros(self.n, bool)
        m[list(self.reasons)] = True
        return m


def _text(raw: pd.DataFrame, col: str, cols: list[str], n: int) -> np.ndarray:
    """A text column's stripped values ("" where empty or absent)."""
    if col not in cols:
        return np.full(n, "", dtype=object)
    v = raw[col].astype(str).str.strip().to_numpy(dtype=object)
    return np.where(_empty(raw[col]), "", v).astype(object)


def _feeder_fields(raw: pd.DataFrame, rows: _Rows, cols: list[str], n: int
                   ) -> dict[str, np.ndarray]:
    """The feeder columns (``feeder``, ``pt_stop_id``, ``pt_trip_id``, ``pt_time_s``,
    ``pt_gained``) of a request file, checked row by row: ``feeder`` one of
    :data:`FEEDER_KINDS`, ``pt_time_s`` given exactly for feeder rows, ``pt_gained``
    true/false/1/0 (empty: false)."""
    kind = _text(raw, "feeder", cols, n)
    kind = np.array([k.lower() for k in kind], dtype=object)
    rows.add(~np.isin(kind, FEEDER_KINDS), "feeder {v} is not one of first|last|(empty)",
             "feeder")
    t = (_int_column(raw, rows, "pt_time_s", required=False, lo=0, hi=MAX_TIME_S,
                     what="a whole number of seconds")
         if "pt_time_s" in cols else np.full(n, np.nan))
    is_feeder = kind != ""
    rows.add(is_feeder & ~np.isfinite(t), "pt_time_s is missing for a feeder request")
    rows.add(~is_feeder & np.isfinite(t), "pt_time_s {v} is given for a request that is "
             "not a feeder (feeder is empty)", "pt_time_s")
    gained = np.zeros(n, bool)
    if "pt_gained" in cols:
        g = _text(raw, "pt_gained", cols, n)
        low = np.array([x.lower() for x in g], dtype=object)
        rows.add(~np.isin(low, ("", "true", "false", "1", "0")),
                 "pt_gained {v} is not true or false", "pt_gained")
        gained = np.isin(low, ("true", "1"))
    return {"feeder": kind, "pt_stop_id": _text(raw, "pt_stop_id", cols, n),
            "pt_trip_id": _text(raw, "pt_trip_id", cols, n), "pt_time_s": t,
            "pt_gained": gained}


def _int_column(raw, rows: _Rows, col: str, *, required: bool, lo: float, hi: float,
                what: str) -> np.ndarray:
    vals, empty, bad = _numbers(raw[col])
    rows.add(bad, "{col} {v} is not " + what, col)
    frac = ~empty & ~bad & (vals != np.floor(vals))
    rows.add(frac, "{col} {v} is not " + what, col)
    out = ~empty & ~bad & ~frac & ((vals < lo) | (vals > hi))
    rows.add(out, "{col} {v} is out of range " + f"[{lo:g}, {hi:g}]", col)
    if required:
        rows.add(empty, "{col} is missing", col)
    return vals


def requests_from_file(
    path: str | Path,
    network=None,
    skip_invalid: bool = False,
    *,
    max_snap_m: float = 500.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate a request file; returns ``(requests, rejects)``.

    Columns are those of :mod:`kl_mobility.demand.schema`; ``request_time_s`` and the origin
    and destination (as lat/lon, or as nodes when ``network`` is given) are required, the
    others optional with documented defaults. With ``network`` every point must lie within
    ``max_snap_m`` of a road node (external points need ``*_node`` and a positive
    ``*_offset_s``); missing nodes are snapped. See the module docstring for the errors.
    """
    path = Path(path)
    if not path.is_file():
        raise RequestFileError(f"{path}: file not found")
    parquet = _is_parquet(path)
    raw, lines, width_problems = _read_parquet(path) if parquet else _read_csv(path)
    where = "row" if parquet else "line"
    cols = list(raw.columns)
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise RequestFileError(f"{path}: line 1: duplicate column(s) {dup}")
    unknown = [c for c in cols if c not in REQUEST_DTYPES]
    if unknown:
        raise RequestFileError(
            f"{path}: {'schema' if parquet else 'line 1'}: unknown column(s) "
            f"{', '.join(map(repr, unknown))}; valid columns: {', '.join(REQUEST_COLUMNS)}")
    has_xy = {e: all(c in cols for c in cc) for e, cc in (("origin", _ORIGIN), ("dest", _DEST))}
    has_node = {e: f"{e}_node" in cols for e in ("origin", "dest")}
    missing = [c for c in ("request_time_s",) if c not in cols]
    for end in ("origin", "dest"):
        if not has_xy[end] and not (has_node[end] and network is not None):
            missing.append(f"{end}_lat/{end}_lon" + ("" if network is None else f" or {end}_node"))
        elif not has_node[end] and network is None:
            missing.append(f"{end}_node (or give a network to snap {end}_lat/{end}_lon)")
    if missing:
        raise RequestFileError(f"{path}: missing column(s): {', '.join(missing)}")

    n = len(raw)
    rows = _Rows(n, raw)
    for row, p in enumerate(width_problems):
        if p:
            rows.reasons.setdefault(row, []).append(p)
    out: dict[str, object] = {}
    if "request_id" in cols:
        rid, ok_id = _id_column(raw, rows, "request_id")
    else:
        rid, ok_id = np.arange(n, dtype=np.int64), np.ones(n, bool)
    t = _int_column(raw, rows, "request_time_s", required=True, lo=0, hi=MAX_TIME_S,
                    what="a whole number of seconds")
    opt_t = {}
    for col in ("earliest_pickup_s", "latest_pickup_s", "latest_dropoff_s", "booking_time_s"):
        opt_t[col] = (_int_column(raw, rows, col, required=False, lo=0, hi=MAX_TIME_S,
                                  what="a whole number of seconds")
                      if col in cols else np.full(n, np.nan))
    if "passengers" in cols:
        pax = _int_column(raw, rows, "passengers", required=True, lo=1, hi=32_767,
                          what="a whole number")
    else:
        pax = np.ones(n)
    offsets = {}
    for end in ("origin", "dest"):
        col = f"{end}_offset_s"
        if col in cols:
            v = _int_column(raw, rows, col, required=False, lo=0, hi=86_400,
                            what="a whole number of seconds")
            offsets[end] = np.nan_to_num(v, nan=0.0)
        else:
            offsets[end] = np.zeros(n)

    n_nodes = network.n_nodes if network is not None else None
    coords: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    nodes: dict[str, np.ndarray] = {}
    for end in ("origin", "dest"):
        node = np.full(n, np.nan)
        if has_node[end]:
            hi = (n_nodes - 1) if n_nodes else 2.0**31 - 1
            node = _int_column(raw, rows, f"{end}_node",
                               required=not has_xy[end] or network is None, lo=0,
                               hi=hi, what="a node id")
        if has_xy[end]:
            lat, e1, b1 = _numbers(raw[f"{end}_lat"])
            lon, e2, b2 = _numbers(raw[f"{end}_lon"])
            for c, e, b in ((f"{end}_lat", e1, b1), (f"{end}_lon", e2, b2)):
                rows.add(b, "{col} {v} is not a number", c)
                rows.add(e, "{col} is missing", c)
            rng_bad = (np.abs(lat) > 90) | (np.abs(lon) > 180)
            rows.add(rng_bad & ~(b1 | b2), f"{end} ({{v}}) is not a valid latitude/longitude",
                     f"{end}_lat")
        else:
            ok = np.isfinite(node) & (node >= 0) & (node < (n_nodes or 0))
            safe = np.where(ok, node, 0).astype(np.int64)
            lat = np.where(ok, network.node_lat[safe], np.nan)
            lon = np.where(ok, network.node_lon[safe], np.nan)
        if network is not None and has_xy[end]:
            from kl_mobility.network import nearest_nodes

            fin = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
            near = np.full(n, -1, np.int64)
            dist = np.full(n, np.inf)
            if fin.any():
                nn, dd = nearest_nodes(network, lat[fin], lon[fin])
                near[fin], dist[fin] = nn, dd
            external = np.isfinite(node) & (offsets[end] > 0)
            far = fin & (dist > max_snap_m) & ~external
            for i in np.flatnonzero(far):
                rows.reasons.setdefault(int(i), []).append(
                    f"{end} ({lat[i]:.6f}, {lon[i]:.6f}) is outside the network area "
                    f"({dist[i]:.0f} m from the nearest road node, max {max_snap_m:.0f} m)")
            node = np.where(np.isfinite(node), node, near)
        coords[end] = (lat, lon)
        nodes[end] = node

    same_xy = (np.round(coords["origin"][0], 7) == np.round(coords["dest"][0], 7)) & \
        (np.round(coords["origin"][1], 7) == np.round(coords["dest"][1], 7))
    same_node = (nodes["origin"] == nodes["dest"]) & np.isfinite(nodes["origin"])
    rows.add(same_xy | same_node, "origin equals destination")
    bt = opt_t["booking_time_s"]
    rows.add(np.isfinite(bt) & np.isfinite(t) & (bt > t),
             "booking_time_s {v} is after request_time_s", "booking_time_s")
    ep, ld = opt_t["earliest_pickup_s"], opt_t["latest_dropoff_s"]
    rows.add(np.isfinite(ep) & np.isfinite(ld) & (ld <= ep),
             "latest_dropoff_s {v} is not after earliest_pickup_s", "latest_dropoff_s")
    rows.add(np.isfinite(ld) & np.isfinite(t) & (ld <= t),
             "latest_dropoff_s {v} is not after request_time_s", "latest_dropoff_s")
    lp = opt_t["latest_pickup_s"]
    rows.add(np.isfinite(lp) & np.isfinite(np.where(np.isfinite(ep), ep, t))
             & (lp < np.where(np.isfinite(ep), ep, t)),
             "latest_pickup_s {v} is before the earliest pickup", "latest_pickup_s")
    rows.add(np.isfinite(lp) & np.isfinite(ld) & (ld <= lp),
             "latest_dropoff_s {v} is not after latest_pickup_s", "latest_dropoff_s")
    feeder = _feeder_fields(raw, rows, cols, n)
    if "alt_mode" in cols:
        am = raw["alt_mode"].astype(str).str.strip().str.lower()
        am = am.where(~_empty(raw["alt_mode"]), "car")
        rows.add(~am.isin(ALT_MODES).to_numpy(),
                 "alt_mode {v} is not one of " + "|".join(ALT_MODES), "alt_mode")
    else:
        am = pd.Series(["car"] * n)
    # duplicate ids among rows that are otherwise valid, first occurrence kept
    dup = pd.Series(np.where(ok_id, rid, -1)).duplicated(keep="first").to_numpy() & ok_id
    first_line = pd.Series(lines).groupby(pd.Series(rid)).transform("first").to_numpy() \
        if n else lines
    for i in np.flatnonzero(dup):
        rows.reasons.setdefault(int(i), []).append(
            f"duplicate request_id {int(rid[i])} (first on {where} {int(first_line[i])})")

    bad = rows.bad
    good = ~bad
    if bad.any() and not skip_invalid:
        idx = np.flatnonzero(bad)
        shown = "; ".join(f"{where} {lines[i]}: {', '.join(rows.reasons[int(i)])}"
                          for i in idx[:MAX_SHOWN])
        more = f"; ... and {idx.size - MAX_SHOWN} more" if idx.size > MAX_SHOWN else ""
        raise RequestFileError(
            f"{path}: {idx.size} of {n} rows invalid: {shown}{more} "
            "(use --skip-invalid to leave them out and list them in a rejects file)")

    def zone(end: str) -> np.ndarray:
        col = f"{end}_zone"
        if col not in cols:
            return np.full(int(good.sum()), CORE_ZONE, dtype=object)
        z = raw[col].astype(str).str.strip().where(~_empty(raw[col]), CORE_ZONE)
        return z.to_numpy(dtype=object)[good]

    def nullable(v: np.ndarray) -> pd.arrays.IntegerArray:
        g = v[good]
        arr = pd.array(np.where(np.isfinite(g), g, 0).astype(np.int64), dtype="Int64")
        arr[~np.isfinite(g)] = pd.NA
        return arr

    out = {
        "request_id": rid[good],
        "request_time_s": t[good].astype(np.int64),
        "origin_lat": coords["origin"][0][good], "origin_lon": coords["origin"][1][good],
        "dest_lat": coords["dest"][0][good], "dest_lon": coords["dest"][1][good],
        "origin_node": np.nan_to_num(nodes["origin"][good], nan=-1).astype(np.int32),
        "dest_node": np.nan_to_num(nodes["dest"][good], nan=-1).astype(np.int32),
        "passengers": pax[good].astype(np.int16),
        "earliest_pickup_s": nullable(ep), "latest_pickup_s": nullable(lp),
        "latest_dropoff_s": nullable(ld),
        "booking_time_s": nullable(bt),
        "alt_mode": pd.Categorical(am.to_numpy()[good], categories=ALT_MODES),
        "origin_zone": zone("origin"), "dest_zone": zone("dest"),
        "origin_offset_s": offsets["origin"][good].astype(np.int32),
        "dest_offset_s": offsets["dest"][good].astype(np.int32),
        "feeder": feeder["feeder"][good], "pt_stop_id": feeder["pt_stop_id"][good],
        "pt_trip_id": feeder["pt_trip_id"][good], "pt_time_s": nullable(feeder["pt_time_s"]),
        "pt_gained": feeder["pt_gained"][good],
    }
    requests = pd.DataFrame(out).astype(REQUEST_DTYPES).reset_index(drop=True)
    idx = np.flatnonzero(bad)
    rejects = raw.iloc[idx].astype(str).reset_index(drop=True)
    rejects.insert(0, "reason", ["; ".join(rows.reasons[int(i)]) for i in idx])
    rejects.insert(0, "line", lines[idx])
    return requests, rejects
