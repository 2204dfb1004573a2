"""The instance folder: a dispatch problem any engine can read, and kl-mobility reads and
writes (:func:`read_instance`, :func:`write_instance`).

A folder holds five or six files (CSV with a header line; times in seconds since midnight
of the simulated day, fractions allowed; node ids 0..n-1):

``instance.toml``
    ``format = "kl-mobility-instance/1"``, ``name``; ``[rules]``: the service rules
    (keys of :data:`RULE_KEYS`: hours ``start_s``/``end_s``, ``stop_dwell_s`` +
    ``board_s_per_passenger`` x party, ``unserved`` = reject/keep, ``max_wait_s``,
    ``detour_factor``/``detour_const_s`` for requests without their own deadlines,
    ``request_windows`` = replace/tighten, ``max_stops``, charging ``depot_nodes``...);
    ``[types.<name>]``: what a vehicle type is beyond its seats (keys of
    :data:`TYPE_KEYS`: ``drivetrain``, ``battery_kwh``, ``speed_cap_kmh``, ``stop_based``
    with ``stop_nodes``, own ``max_wait_s``...).
``nodes.csv``
    ``node_id``, and ``lat``, ``lon`` (WGS84) or ``x_m``, ``y_m`` (metres).
``edges.csv``
    directed edges ``tail``, ``head``, ``travel_time_s``, ``length_m`` (optional
    ``speed_kmh``, used only by speed-capped types).
``requests.csv``
    ``request_id``, ``request_time_s`` (when it becomes known), ``origin_node``,
    ``dest_node``, ``passengers``; optional windows ``earliest_pickup_s``,
    ``latest_pickup_s``, ``latest_dropoff_s`` (empty: the rule), ``booking_time_s``
    (pre-booked), outer-district offsets ``origin_offset_s``/``_m``,
    ``dest_offset_s``/``_m``, ``alt_mode``, ``origin_lat``/``_lon``, ``dest_lat``/``_lon``,
    ``origin_zone``, ``dest_zone`` (carried into the trips table), and a public-transport
    feeder's connection: ``feeder`` (empty, ``first``: a ride to a departure whose
    ``latest_dropoff_s`` is the connection deadline, ``last``: a ride from an arrival),
    ``pt_stop_id``, ``pt_trip_id``, ``pt_time_s`` (the departure or arrival),
    ``pt_gained`` (true/false), which the trips table's connection columns and the feeder
    KPIs are computed from.
``fleet.csv``
    ``vehicle_id``, ``start_node``, ``capacity``, ``type`` (a ``[types.*]`` name or any
    label), optional shift ``shift_start_s``, ``shift_end_s`` (empty: the service hours).
``forecast.csv`` (optional)
    ``time_s``, ``origin_node``: expected requests, for rebalancing policies.

Reading applies no hidden default: every rule the folder does not give is listed in
:attr:`Instance.not_given` with the value used. Fractional times are rounded (travel times
to the nearest second; earliest times up and latest times down, so no window grows) and
every change is listed in :attr:`Instance.rounding`: edges, the fastest time of every node
pair, each time column, and each request whose direct trip was feasible with the given
times and no longer is (or the reverse).

Vehicles with the same type, seats and shift form one kl-mobility vehicle type (in
first-appearance order); :attr:`Instance.vehicle_ids` maps the simulation's vehicle ids
back to the folder's.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.config import ConfigError, from_mapping
from kl_mobility.errors import InputError
from kl_mobility.instance.edges import (
    EdgeTableReport,
    exact_pair_rounding,
    network_from_edge_table,
    round_half_up,
)
from kl_mobility.io import staged_dir, write_text
from kl_mobility.network.graph import RoadNetwork
from kl_mobility.service import ServiceConfig
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = ["FORMAT", "INSTANCE_DEFAULTS", "RULE_KEYS", "TYPE_KEYS", "Instance",
           "InstanceError", "instance_of_day", "read_instance", "write_instance"]

FORMAT = "kl-mobility-instance/1"
"""Value of ``format`` in ``instance.toml``."""

RULE_KEYS = ("start_s", "end_s", "max_wait_s", "detour_factor", "detour_const_s", "unserved",
             "prebook_release_s", "stop_dwell_s", "board_s_per_passenger", "request_windows",
             "max_stops", "depot_nodes", "charge_threshold", "charge_time_s",
             "walk_speed_kmh", "walk_detour_factor", "max_walk_m")
"""Keys of ``[rules]`` (fields of :class:`~kl_mobility.service.ServiceConfig`)."""

INSTANCE_DEFAULTS: dict[str, Any] = {"request_windows": "replace"}
"""Rules whose value, when the folder does not give them, differs from the scenario
default: a request's own deadline replaces the rule (the instance's windows are the
problem). Listed in :attr:`Instance.not_given` like every other rule not given."""

_TYPE_EXCLUDED = ("name", "count", "capacity", "start_s", "end_s", "start_nodes",
                  "stops_latlon")
TYPE_KEYS = tuple(f.name for f in dataclasses.fields(VehicleTypeConfig)
                  if f.name not in _TYPE_EXCLUDED) + ("stop_nodes",)
"""Keys of a ``[types.<name>]`` table (fields of
:class:`~kl_mobility.sim.config.VehicleTypeConfig` but seats, count and hours, which
``fleet.csv`` gives per vehicle; plus ``stop_nodes`` of a stop-based type)."""

TYPE_DEFAULTS_FOR_UNDESCRIBED = {"drivetrain": "diesel", "battery_kwh": 0.0}
"""A type the folder does not describe has no battery (no charging stops) and counts its
energy as diesel: listed in :attr:`Instance.not_given`."""

REQUEST_REQUIRED = ("request_id", "request_time_s", "origin_node", "dest_node", "passengers")
REQUEST_OPTIONAL = ("earliest_pickup_s", "latest_pickup_s", "latest_dropoff_s",
                    "booking_time_s", "origin_offset_s", "dest_offset_s", "origin_offset_m",
                    "dest_offset_m", "alt_mode", "origin_lat", "origin_lon", "dest_lat",
                    "dest_lon", "origin_zone", "dest_zone", "feeder", "pt_stop_id",
                    "pt_trip_id", "pt_time_s", "pt_gained")
_TEXT_COLUMNS = ("origin_zone", "dest_zone", "feeder", "pt_stop_id", "pt_trip_id")
"""Text columns carried into the outputs (empty cell: ``""``)."""
_ROUND_UP = ("request_time_s", "earliest_pickup_s", "shift_start_s")
_ROUND_DOWN = ("latest_pickup_s", "latest_dropoff_s", "booking_time_s", "shift_end_s")
FLEET_REQUIRED = ("vehicle_id", "start_node", "capacity", "type")


class InstanceError(InputError, ValueError):
    """An instance folder that cannot be read; names the file, row and column."""


@dataclass(frozen=True, eq=False)
class Instance:
    """A read instance, ready to simulate (:meth:`sim_inputs`)."""

    name: str
    network: RoadNetwork
    requests: pd.DataFrame
    fleet: tuple[VehicleTypeConfig, ...]
    service: ServiceConfig
    vehicle_ids: np.ndarray
    stops: dict[str, np.ndarray] = field(default_factory=dict)
    forecast: pd.DataFrame | None = None
    not_given: tuple[str, ...] = ()
    rounding: tuple[str, ...] = ()
    infeasible_after_rounding: tuple[int, ...] = ()
    feasible_after_rounding: tuple[int, ...] = ()

    def sim_inputs(self, oracle: Any, dispatch: Any, seed: int) -> Any:
        """The :class:`~kl_mobility.sim.SimInputs` of this instance with ``dispatch`` (a
        :class:`~kl_mobility.dispatch.DispatchConfig`) and ``seed``."""
        from kl_mobility.sim import SimInputs

        return SimInputs(self.network, oracle, self.requests, self.service, self.fleet,
                         dispatch, seed=seed, stops=self.stops or None,
                         forecast=self.forecast)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InstanceError(f"{path}: file not found")
    try:
        return pd.read_csv(path, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: not a readable CSV table: "
                            f"{str(exc).splitlines()[0]}") from None


def _need(df: pd.DataFrame, cols: tuple[str, ...], path: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InstanceError(f"{path}: missing column(s) {', '.join(missing)} "
                            f"(have {', '.join(map(str, df.columns))})")


def _numbers(df: pd.DataFrame, col: str, path: Path, *, optional: bool) -> np.ndarray:
    """float64 of column ``col`` (NaN where empty, allowed when ``optional``)."""
    raw = df[col]
    v = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    bad = (raw.notna().to_numpy() & ~np.isfinite(v)) | (~optional & ~np.isfinite(v))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InstanceError(f"{path}: line {k + 2}: {col} {raw.iloc[k]!r} is not a "
                            f"{'number' if optional else 'number (required)'}")
    return v


def _round_times(df: pd.DataFrame, path: Path, cols: tuple[str, ...],
                 notes: list[str]) -> pd.DataFrame:
    """Whole seconds in the time columns ``cols`` present in ``df``: earliest times up,
    latest times down, others to the nearest; every change noted."""
    out = df.copy()
    for col in cols:
        if col not in df.columns:
            continue
        v = _numbers(df, col, path, optional=col not in ("request_time_s",))
        fin = np.isfinite(v)
        if col in _ROUND_UP:
            r, how = np.ceil(v), "up"
        elif col in _ROUND_DOWN:
            r, how = np.floor(v), "down"
        else:
            r, how = np.floor(v + 0.5), "to the nearest second"
        changed = fin & (r != v)
        if changed.any():
            d = np.abs(r - v)[changed]
            notes.append(f"{path.name}: {int(changed.sum())} value(s) of {col} rounded {how} "
                         f"to whole seconds (largest change {d.max():.3f} s)")
        out[col] = pd.array(np.where(fin, r, 0).astype(np.int64), dtype="Int64")
        out.loc[~fin, col] = pd.NA
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InstanceError(f"{path}: file not found")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"format", "name", "rules", "types"})
    if unknown:
        raise InstanceError(f"{path}: key '{unknown[0]}': unknown key; valid keys here are: "
                            f"format, name, rules, types")
    if data.get("format") != FORMAT:
        raise InstanceError(f"{path}: key 'format': must be {FORMAT!r}, got "
                            f"{data.get('format')!r}")
    return data


def _service(rules: dict[str, Any], path: Path) -> tuple[ServiceConfig, list[str]]:
    unknown = sorted(set(rules) - set(RULE_KEYS))
    if unknown:
        raise InstanceError(f"{path}: key 'rules.{unknown[0]}': unknown key; valid keys "
                            f"here are: {', '.join(RULE_KEYS)}")
    given = dict(rules)
    for k, v in INSTANCE_DEFAULTS.items():
        given.setdefault(k, v)
    try:
        service = from_mapping(ServiceConfig, given, file=path, prefix="rules")
    except ConfigError as exc:
        raise InstanceError(str(exc)) from None
    notes = []
    for k in RULE_KEYS:
        if k not in rules:
            where = ("instance default" if k in INSTANCE_DEFAULTS else "kl-mobility default")
            notes.append(f"rules.{k} not given: {getattr(service, k)!r} ({where})")
    return service, notes


def _type_notes(tname: np.ndarray, types: dict[str, Any], out: list[VehicleTypeConfig],
                notes: list[str]) -> None:
    """One line per type listing the type keys the folder does not give."""
    for t in dict.fromkeys(tname):  # every type once, in order of appearance
        given = set(types.get(t, {}))
        vt = next(v for v in out if v.name == t or v.name.startswith(f"{t}#"))
        vals = []
        for k in TYPE_KEYS:
            if (k in given or k == "stop_nodes" or getattr(vt, k) is None  # None: the rules'
                    or (k in TYPE_DEFAULTS_FOR_UNDESCRIBED and t not in types)):
                continue
            vals.append(f"{k}={getattr(vt, k)!r}")
        if t not in types:
            notes.append(f"types.{t} not given: drivetrain 'diesel' with battery_kwh 0 (no "
                         f"charging stops; instance default)")
        if vals:
            notes.append(f"types.{t}: not given, kl-mobility defaults used: {', '.join(vals)}")


def _fleet(fleet: pd.DataFrame, types: dict[str, Any], path: Path, toml: Path,
           service: ServiceConfig, n_nodes: int, notes: list[str]
           ) -> tuple[tuple[VehicleTypeConfig, ...], np.ndarray, dict[str, np.ndarray]]:
    _need(fleet, FLEET_REQUIRED, path)
    fleet = _round_times(fleet, path, ("shift_start_s", "shift_end_s"), notes)
    vid = _numbers(fleet, "vehicle_id", path, optional=False).astype(np.int64)
    if pd.Series(vid).duplicated().any():
        raise InstanceError(f"{path}: vehicle_id must be unique")
    start = _numbers(fleet, "start_node", path, optional=False).astype(np.int64)
    bad = (start < 0) | (start >= n_nodes)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InstanceError(f"{path}: line {k + 2}: start_node {start[k]} is not a node id "
                            f"0..{n_nodes - 1}")
    cap = _numbers(fleet, "capacity", path, optional=False).astype(np.int64)
    tname = fleet["type"].astype(str).to_numpy()
    s0 = (fleet["shift_start_s"] if "shift_start_s" in fleet else pd.Series([pd.NA] * len(fleet)))
    s1 = (fleet["shift_end_s"] if "shift_end_s" in fleet else pd.Series([pd.NA] * len(fleet)))
    keys = [(tname[i], int(cap[i]), None if pd.isna(s0.iloc[i]) else int(s0.iloc[i]),
             None if pd.isna(s1.iloc[i]) else int(s1.iloc[i])) for i in range(len(fleet))]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    per_type = pd.Series([k[0] for k in groups]).value_counts()
    unknown = sorted(set(types) - set(tname))
    if unknown:
        raise InstanceError(f"{toml}: key 'types.{unknown[0]}': no vehicle of fleet.csv has "
                            f"this type")
    out, order, stops = [], [], {}
    seen: dict[str, int] = {}
    for (t, c, a, b), rows in groups.items():
        spec = dict(types.get(t, {}))
        bad_keys = sorted(set(spec) - set(TYPE_KEYS))
        if bad_keys:
            raise InstanceError(f"{toml}: key 'types.{t}.{bad_keys[0]}': unknown key; valid "
                                f"keys here are: {', '.join(TYPE_KEYS)}")
        if t not in types:
            spec.update(TYPE_DEFAULTS_FOR_UNDESCRIBED)
        stop_nodes = spec.pop("stop_nodes", None)
        seen[t] = seen.get(t, 0) + 1
        name = t if per_type[t] == 1 else f"{t}#{seen[t]}"
        spec.update(name=name, count=len(rows), capacity=c, start_s=a, end_s=b,
                    start_nodes=[int(start[i]) for i in rows])
        try:
            out.append(from_mapping(VehicleTypeConfig, spec, file=toml, prefix=f"types.{t}"))
        except ConfigError as exc:
            raise InstanceError(str(exc)) from None
        if stop_nodes is not None:
            stops[name] = np.asarray(stop_nodes, np.int64)
        order.extend(rows)
    _type_notes(tname, types, out, notes)
    if not (("shift_start_s" in fleet) and ("shift_end_s" in fleet)):
        notes.append(f"fleet.csv shift_start_s/shift_end_s not given: every vehicle works the "
                     f"service hours {service.start_s}-{service.end_s} s")
    return tuple(out), vid[np.asarray(order, np.int64)], stops


def _requests(folder: Path, n_nodes: int, notes: list[str]) -> pd.DataFrame:
    path = folder / "requests.csv"
    raw = _read_csv(path)
    _need(raw, REQUEST_REQUIRED, path)
    extra = [c for c in raw.columns if c not in REQUEST_REQUIRED + REQUEST_OPTIONAL]
    if extra:
        raise InstanceError(f"{path}: unknown column(s) {', '.join(map(str, extra))}; valid "
                            f"columns: {', '.join(REQUEST_REQUIRED + REQUEST_OPTIONAL)}")
    times = ("request_time_s", "earliest_pickup_s", "latest_pickup_s", "latest_dropoff_s",
             "booking_time_s", "origin_offset_s", "dest_offset_s", "pt_time_s")
    req = _round_times(raw, path, times, notes)
    _feeder_columns(raw, req, path)
    for col in ("request_id", "origin_node", "dest_node", "passengers"):
        v = _numbers(raw, col, path, optional=False)
        if (v != np.round(v)).any():
            k = int(np.flatnonzero(v != np.round(v))[0])
            raise InstanceError(f"{path}: line {k + 2}: {col} {raw[col].iloc[k]!r} is not a "
                                f"whole number")
        req[col] = v.astype(np.int64)
    for col in ("origin_node", "dest_node"):
        bad = (req[col] < 0) | (req[col] >= n_nodes)
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise InstanceError(f"{path}: line {k + 2}: {col} {req[col].iloc[k]} is not a node "
                                f"id 0..{n_nodes - 1}")
    if (req["passengers"] < 1).any():
        k = int(np.flatnonzero((req["passengers"] < 1).to_numpy())[0])
        raise InstanceError(f"{path}: line {k + 2}: passengers must be >= 1")
    if req["request_id"].duplicated().any():
        k = int(np.flatnonzero(req["request_id"].duplicated().to_numpy())[0])
        raise InstanceError(f"{path}: line {k + 2}: duplicate request_id "
                            f"{req['request_id'].iloc[k]}")
    for col in ("origin_offset_s", "dest_offset_s"):
        if col in req:
            req[col] = req[col].fillna(0).astype(np.int32)
    req["origin_node"] = req["origin_node"].astype(np.int32)
    req["dest_node"] = req["dest_node"].astype(np.int32)
    req["passengers"] = req["passengers"].astype(np.int16)
    return req.reset_index(drop=True)


def _feeder_columns(raw: pd.DataFrame, req: pd.DataFrame, path: Path) -> None:
    """The text columns as ``str`` (empty: ``""``), ``feeder`` one of
    :data:`~kl_mobility.demand.schema.FEEDER_KINDS`, ``pt_gained`` true/false (empty:
    false); in place."""
    from kl_mobility.demand.schema import FEEDER_KINDS

    for col in _TEXT_COLUMNS:
        if col in raw.columns:
            v = raw[col]
            req[col] = v.astype(object).where(v.notna(), "").astype(str)
    if "feeder" in req.columns:
        bad = ~req["feeder"].isin(FEEDER_KINDS)
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise InstanceError(f"{path}: line {k + 2}: feeder {req['feeder'].iloc[k]!r} is "
                                f"not one of '', 'first', 'last'")
    if "pt_gained" in raw.columns:
        text = raw["pt_gained"].astype(object).where(raw["pt_gained"].notna(), "false")
        low = text.astype(str).str.strip().str.lower()
        ok = low.isin(("true", "false", "1", "0", "1.0", "0.0"))
        if not ok.all():
            k = int(np.flatnonzero(~ok.to_numpy())[0])
            raise InstanceError(f"{path}: line {k + 2}: pt_gained {raw['pt_gained'].iloc[k]!r} "
                                f"is not true or false")
        req["pt_gained"] = low.isin(("true", "1", "1.0")).to_numpy(bool)


def _direct_feasible(early: np.ndarray, late_pick: np.ndarray, late_drop: np.ndarray,
                     direct: np.ndarray, dwell: np.ndarray) -> np.ndarray:
    """A vehicle waiting at the origin at the earliest pickup can deliver in time."""
    return (early <= late_pick) & (early + dwell + direct <= late_drop)


def _windows(early: np.ndarray, own_pick: np.ndarray, own_drop: np.ndarray,
             direct: np.ndarray, service: ServiceConfig) -> tuple[np.ndarray, np.ndarray]:
    rule_pick = early + service.max_wait_s
    late_pick = np.where(np.isfinite(own_pick), own_pick if service.request_windows ==
                         "replace" else np.minimum(own_pick, rule_pick), rule_pick)
    rule_drop = late_pick + np.ceil(service.detour_factor * direct) + service.detour_const_s
    late_drop = np.where(np.isfinite(own_drop), own_drop if service.request_windows ==
                         "replace" else np.minimum(own_drop, rule_drop), rule_drop)
    return late_pick, late_drop


def _feasibility_changes(raw: pd.DataFrame, req: pd.DataFrame, net: RoadNetwork,
                         rep: EdgeTableReport, tt: Any, service: ServiceConfig,
                         ) -> tuple[tuple[int, ...], tuple[int, ...], str | None]:
    """Request ids whose direct trip turns infeasible / feasible by the rounding, and the
    pair comparison's line (``None`` when no edge time changed)."""
    edges_changed = bool(rep.n_rounded or rep.n_raised_to_1s)
    o = req["origin_node"].to_numpy(np.int64)
    d = req["dest_node"].to_numpy(np.int64)
    pax = req["passengers"].to_numpy(np.int64)
    dwell = (service.stop_dwell_s + service.board_s_per_passenger * pax).astype(np.float64)
    tt = np.asarray(tt)
    line = None
    if edges_changed:
        pr, direct_f = exact_pair_rounding(net, rep.exact_time_s, tt, (o, d))
        line = pr.line()
    else:
        direct_f = tt[o, d].astype(np.float64)

    def col(df: pd.DataFrame, c: str) -> np.ndarray:
        if c not in df:
            return np.full(len(df), np.nan)
        return pd.to_numeric(df[c], errors="coerce").to_numpy(np.float64)

    def offsets(df: pd.DataFrame) -> np.ndarray:
        return np.nan_to_num(col(df, "origin_offset_s")) + np.nan_to_num(col(df, "dest_offset_s"))

    def feasible(df: pd.DataFrame, direct: np.ndarray) -> np.ndarray:
        t = col(df, "request_time_s")
        e = col(df, "earliest_pickup_s")
        early = np.where(np.isfinite(e), e, t)
        full = direct + offsets(df)
        lp, ld = _windows(early, col(df, "latest_pickup_s"), col(df, "latest_dropoff_s"),
                          full, service)
        return _direct_feasible(early, lp, ld, full, dwell)

    before = feasible(raw, direct_f)
    after = feasible(req, tt[o, d].astype(np.float64))
    rid = req["request_id"].to_numpy(np.int64)
    return (tuple(int(x) for x in rid[before & ~after]),
            tuple(int(x) for x in rid[~before & after]), line)


def read_instance(folder: str | Path, *, oracle: Any = None, progress: Any = None,
                  ) -> tuple[Instance, Any]:
    """``(instance, oracle)`` of the folder (module docstring): network from the edge table,
    requests, fleet, rules, what was not given and what rounding changed. ``oracle``: a
    ready travel-time oracle of the network, else one is built (cached under its
    content key; ``progress`` sees the build). Raises :class:`InstanceError` naming the
    file, line and column."""
    from kl_mobility.network import build_oracle

    folder = Path(folder)
    if not folder.is_dir():
        raise InstanceError(f"{folder}: not an instance folder (no such directory)")
    toml = folder / "instance.toml"
    meta = _read_toml(toml)
    rules = meta.get("rules", {})
    types = meta.get("types", {})
    if not isinstance(rules, dict) or not isinstance(types, dict) or not all(
            isinstance(v, dict) for v in types.values()):
        raise InstanceError(f"{toml}: rules and types.<name> must be tables")
    service, not_given = _service(rules, toml)
    notes: list[str] = []
    nodes = _read_csv(folder / "nodes.csv")
    edges_raw = _read_csv(folder / "edges.csv")
    try:
        # one network name for every folder: the travel-time tables are cached under the
        # name and the content hash, so days on the same network share them
        net, rep = network_from_edge_table(nodes, edges_raw, name="instance",
                                           where=str(folder / "edges.csv"))
    except ValueError as exc:
        raise InstanceError(str(exc) if str(exc).startswith(str(folder)) else
                            f"{folder}: {exc}") from None
    notes.extend(f"edges.csv: {line}" for line in rep.lines())
    raw_req = _read_csv(folder / "requests.csv")
    req = _requests(folder, net.n_nodes, notes)
    fleet_cfg, vids, stops = _fleet(_read_csv(folder / "fleet.csv"), types,
                                    folder / "fleet.csv", toml, service, net.n_nodes, not_given)
    forecast = None
    if (folder / "forecast.csv").is_file():
        fc = _read_csv(folder / "forecast.csv")
        _need(fc, ("time_s", "origin_node"), folder / "forecast.csv")
        forecast = pd.DataFrame({
            "time_s": round_half_up(_numbers(fc, "time_s", folder / "forecast.csv",
                                             optional=False)),
            "origin_node": _numbers(fc, "origin_node", folder / "forecast.csv",
                                    optional=False).astype(np.int64)})
    if oracle is None:
        oracle = build_oracle(net, progress=progress)
    worse, better, line = _feasibility_changes(raw_req, req, net, rep, oracle.tt, service)
    if line is not None:
        notes.append(f"edges.csv: {line}")
    if worse:
        notes.append(f"requests.csv: {len(worse)} request(s) whose direct trip was feasible "
                     f"with the given times are not after rounding: {_ids(worse)}")
    if better:
        notes.append(f"requests.csv: {len(better)} request(s) whose direct trip was "
                     f"infeasible with the given times are feasible after rounding: "
                     f"{_ids(better)}")
    inst = Instance(name=str(meta.get("name", folder.name)), network=net, requests=req,
                    fleet=fleet_cfg, service=service, vehicle_ids=vids, stops=stops,
                    forecast=forecast, not_given=tuple(not_given), rounding=tuple(notes),
                    infeasible_after_rounding=worse, feasible_after_rounding=better)
    return inst, oracle


def _ids(ids: tuple[int, ...], shown: int = 10) -> str:
    more = f" ... and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(map(str, ids[:shown])) + more


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v!r} to TOML")
        return repr(v)
    if isinstance(v, tuple | list | np.ndarray):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(int(v)) if isinstance(v, int | np.integer) else repr(v)


def _float_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, float_format="%.17g")


def instance_of_day(name: str, network: RoadNetwork, requests: pd.DataFrame,
                    fleet: tuple[VehicleTypeConfig, ...] | list[Any], start_nodes: np.ndarray,
                    service: ServiceConfig, *, stops: dict[str, np.ndarray] | None = None,
                    forecast: pd.DataFrame | None = None) -> Instance:
    """A simulated day as an :class:`Instance`: the vehicle types get their vehicles'
    ``start_nodes`` (types in order, as :func:`~kl_mobility.sim.simulate` numbers the
    vehicles, e.g. the run's ``vehicles.start_node``). Outer districts' offsets without
    ``*_offset_m`` get the distance the simulation gives them by default
    (``offset_s`` x 50 km/h, :data:`~kl_mobility.service.DEFAULT_EXTERNAL_SPEED_KMH`):
    give ``*_offset_m`` for another speed."""
    from kl_mobility.service import DEFAULT_EXTERNAL_SPEED_KMH

    fleet = tuple(fleet)
    n_veh = sum(vt.count for vt in fleet)
    start_nodes = np.asarray(start_nodes, np.int64)
    if start_nodes.shape != (n_veh,):
        raise ValueError(f"start_nodes must give {n_veh} nodes, got {start_nodes.shape}")
    typed, k = [], 0
    for vt in fleet:
        typed.append(dataclasses.replace(
            vt, start_nodes=tuple(int(x) for x in start_nodes[k:k + vt.count])))
        k += vt.count
    req = requests.copy()
    for end in ("origin", "dest"):
        if f"{end}_offset_s" in req and f"{end}_offset_m" not in req:
            req[f"{end}_offset_m"] = (req[f"{end}_offset_s"].astype(np.float64)
                                      * (DEFAULT_EXTERNAL_SPEED_KMH / 3.6))
    return Instance(name=name, network=network, requests=req, fleet=tuple(typed),
                    service=service, vehicle_ids=np.arange(n_veh), stops=dict(stops or {}),
                    forecast=forecast)


def write_instance(out_dir: str | Path, inst: Instance) -> Path:
    """Write ``inst`` as an instance folder ``out_dir`` (atomically; an existing folder only
    when kl-mobility wrote it). Every rule and every type key is written, so reading it
    back gives the same day; vehicles are numbered 0..n-1 in type order."""
    network, service, stops = inst.network, inst.service, inst.stops
    lines = [f'format = "{FORMAT}"', f"name = {_toml_value(inst.name)}", "", "[rules]"]
    for k in RULE_KEYS:
        lines.append(f"{k} = {_toml_value(getattr(service, k))}")
    rows: list[dict[str, Any]] = []
    for vt in inst.fleet:
        lines += ["", f"[types.{_toml_value(vt.name)}]"]
        for k in TYPE_KEYS:
            v = stops.get(vt.name) if k == "stop_nodes" else getattr(vt, k)
            if v is not None:
                lines.append(f"{k} = {_toml_value(v)}")
        if vt.stop_based and vt.stops_latlon and vt.name not in stops:
            raise ValueError(f"fleet type {vt.name!r}: its stops must be given as snapped "
                             f"nodes (stops)")
        if len(vt.start_nodes) != vt.count:
            raise ValueError(f"fleet type {vt.name!r}: an instance needs every vehicle's "
                             f"start node (start_nodes)")
        for node in vt.start_nodes:
            rows.append({"vehicle_id": len(rows), "start_node": int(node),
                         "capacity": vt.capacity, "type": vt.name,
                         "shift_start_s": vt.start_s, "shift_end_s": vt.end_s})
    nodes = pd.DataFrame({"node_id": np.arange(network.n_nodes),
                          "lat": np.asarray(network.node_lat), "lon": np.asarray(network.node_lon)})
    edges = pd.DataFrame({"tail": np.asarray(network.edge_tail),
                          "head": np.asarray(network.edge_head),
                          "travel_time_s": np.asarray(network.edge_time_s, np.int64),
                          "length_m": np.asarray(network.edge_length_m, np.float64),
                          "speed_kmh": np.asarray(network.edge_speed_kmh, np.float64)})
    cols = [c for c in REQUEST_REQUIRED + REQUEST_OPTIONAL if c in inst.requests.columns]
    left = [str(c) for c in inst.requests.columns if c not in cols]
    if left:
        logging.getLogger(__name__).warning(
            "instance %s: request column(s) %s are not part of the instance format and are "
            "not written", inst.name, ", ".join(left))
    fl = pd.DataFrame(rows, columns=["vehicle_id", "start_node", "capacity", "type",
                                     "shift_start_s", "shift_end_s"])
    for c in ("shift_start_s", "shift_end_s"):
        fl[c] = pd.array(fl[c].tolist(), dtype="Int64")
    with staged_dir(out_dir, kind="instance") as tmp:
        write_text(tmp / "instance.toml", "\n".join(lines) + "\n")
        _float_csv(nodes, tmp / "nodes.csv")
        _float_csv(edges, tmp / "edges.csv")
        _float_csv(inst.requests[cols], tmp / "requests.csv")
        fl.to_csv(tmp / "fleet.csv", index=False)
        if inst.forecast is not None:
            inst.forecast[["time_s", "origin_node"]].to_csv(tmp / "forecast.csv", index=False)
    return Path(out_dir)
