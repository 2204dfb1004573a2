"""An independent check of a simulated day from its outputs alone.

:func:`check_outputs` recomputes what the engine promises from the request table, the
service rules, the travel-time and distance tables and the result's tables (trips, event
log, vehicles, edges, driven legs), without using the engine's own state:

- every request ends exactly once in one final state (served, rejected, cancelled), none is
  lost or served twice; a served request has one pickup and one drop-off, by its vehicle,
  pickup before drop-off;
- deadlines: pickup within ``[earliest, latest pickup]`` and drop-off by the latest drop-off,
  recomputed from the service rules (:mod:`kl_mobility.service`: desired pickup +
  ``max_wait_s``; pickup deadline + ``ceil(detour_factor x direct) + detour_const_s``; the
  request's own ``latest_pickup_s`` / ``latest_dropoff_s`` tighten or replace them as
  ``service.request_windows`` says), and the trips table's deadline columns must equal
  them; the direct times are recomputed from the table;
- capacity: the boardings replayed per vehicle in time order never exceed its seats and
  every vehicle ends empty;
- vehicle-km: the vehicles' network km equal the edges table's and, when the result holds
  its driven legs, the summed lengths of those paths; passenger-km of vehicles and edges
  agree;
- the KPI counts agree with the trips table;
- feeder rides (:mod:`kl_mobility.pt.feeder`): a connection is made exactly when the feeder
  is served, a first-mile ride is set down by its own deadline, a last-mile ride is never
  picked up before the arrival.

The rules are the service's for door-to-door vehicle types; with per-type rule overrides
(``VehicleTypeConfig.max_wait_s`` ...) or stop-based types, ``per_type_rules=True`` takes the
deadlines from the trips table instead. The result is a list of :class:`Violation` (empty: nothing found).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.service import ServiceConfig

__all__ = ["Violation", "check_outputs"]


@dataclass(frozen=True)
class Violation:
    """One broken invariant: its name, how many rows break it and the first of them."""

    invariant: str
    count: int
    example: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.count} case(s), e.g. {self.example}"


class _Collector:
    def __init__(self) -> None:
        self.found: list[Violation] = []

    def rows(self, invariant: str, bad: Any, ids: Any, describe: Any) -> None:
        """Record ``invariant`` when the boolean array ``bad`` has a True entry; ``describe``
        renders the first one from its position."""
        bad = np.asarray(bad, bool)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            self.found.append(Violation(invariant, int(bad.sum()),
                                        f"request {int(np.asarray(ids)[k])}: {describe(k)}"))

    def fact(self, invariant: str, ok: bool, example: str) -> None:
        if not ok:
            self.found.append(Violation(invariant, 1, example))


def _int_col(df: pd.DataFrame, col: str, default: np.ndarray) -> np.ndarray:
    if col not in df:
        return default
    s = df[col]
    return np.where(s.isna().to_numpy(), default, s.fillna(0).to_numpy(np.int64))


def _deadlines(trips: pd.DataFrame, req: pd.DataFrame, service: ServiceConfig,
               direct: np.ndarray, c: _Collector,
               per_type_rules: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(earliest, latest pickup, latest drop-off)`` of the served rows recomputed from the
    service rules and the requests' own windows (``service.request_windows``); the trips
    table's deadline columns must agree. With ``per_type_rules`` (vehicle types with their
    own rules or stops) the trips table's columns are taken as they are."""
    rid = req["request_id"].to_numpy(np.int64)
    if per_type_rules and "latest_pickup_s" in trips:
        return (trips["earliest_pickup_s"].to_numpy(np.int64),
                trips["latest_pickup_s"].to_numpy(np.int64),
                trips["latest_dropoff_s"].to_numpy(np.int64))
    t_req = req["request_time_s"].to_numpy(np.int64)
    early = _int_col(req, "earliest_pickup_s", t_req)
    replace = service.request_windows == "replace"
    rule_pick = early + service.max_wait_s
    own_pick = _int_col(req, "latest_pickup_s", rule_pick)
    late_pick = own_pick if replace else np.minimum(rule_pick, own_pick)
    rule_drop = (late_pick + np.ceil(service.detour_factor * direct).astype(np.int64)
                 + service.detour_const_s)
    own_drop = _int_col(req, "latest_dropoff_s", rule_drop)
    late_drop = own_drop if replace else np.minimum(rule_drop, own_drop)
    if "latest_pickup_s" in trips:
        for col, mine in (("earliest_pickup_s", early), ("latest_pickup_s", late_pick),
                          ("latest_dropoff_s", late_drop)):
            got = trips[col].to_numpy(np.int64)
            c.rows(f"trips {col} = the rules", got != mine, rid,
                   lambda k, got=got, mine=mine: f"{got[k]} s != {mine[k]} s")
    return early, late_pick, late_drop


def _check_states(c: _Collector, trips: pd.DataFrame, ev: pd.DataFrame,
                  requests: pd.DataFrame) -> pd.DataFrame:
    ids = requests["request_id"].to_numpy(np.int64)
    got = trips["request_id"].to_numpy(np.int64)
    missing = np.setdiff1d(ids, got)
    c.fact("every request in the trips table", missing.size == 0,
           f"{missing.size} request(s) missing, first {missing[:1].tolist()}")
    dup = trips["request_id"].duplicated().to_numpy()
    c.rows("one trips row per request", dup, got, lambda k: "listed twice")
    c.rows("final state is served, rejected or cancelled",
           ~trips["status"].isin(("served", "rejected", "cancelled")).to_numpy(), got,
           lambda k: f"status {trips['status'].iloc[k]!r}")
    c.rows("reason empty exactly when served",
           (trips["status"] == "served").to_numpy() != (trips["reason"] == "").to_numpy(),
           got, lambda k: f"status {trips['status'].iloc[k]}, reason {trips['reason'].iloc[k]!r}")
    final = ev[ev["kind"].isin(("reject", "cancel", "dropoff"))]
    counts = final["request_id"].value_counts()
    twice = counts[counts > 1]
    c.fact("one final event per request (nothing served twice)", twice.empty,
           f"request {twice.index[0] if len(twice) else -1}: {twice.iloc[0] if len(twice) else 0} "
           f"final events")
    never = np.setdiff1d(got, final["request_id"].to_numpy(np.int64))
    c.fact("every request reaches a final event (nothing lost)", never.size == 0,
           f"{never.size} request(s) without one, first {never[:1].tolist()}")
    return trips[trips["status"] == "served"].drop_duplicates("request_id")


def _check_served(c: _Collector, served: pd.DataFrame, ev: pd.DataFrame,
                  requests: pd.DataFrame, service: ServiceConfig, tt: np.ndarray,
                  per_type_rules: bool) -> None:
    rid = served["request_id"].to_numpy(np.int64)
    picks = ev[ev["kind"] == "pickup"].drop_duplicates("request_id").set_index("request_id")
    drops = ev[ev["kind"] == "dropoff"].drop_duplicates("request_id").set_index("request_id")
    for name, log in (("pickup", picks), ("dropoff", drops)):
        n = ev[ev["kind"] == name]["request_id"]
        extra = n[n.duplicated()]
        c.fact(f"one {name} event per served request", extra.empty,
               f"request {int(extra.iloc[0]) if len(extra) else -1} has several")
        has = np.isin(rid, log.index.to_numpy(np.int64))
        c.rows(f"a served request has a {name} event", ~has, rid, lambda k: "none logged")
        if not has.all():
            return
    veh = served["vehicle_id"].to_numpy(np.int64)
    for name, log in (("pickup", picks), ("dropoff", drops)):
        lv = log.loc[rid, "vehicle_id"].to_numpy(np.int64)
        c.rows(f"{name} by the serving vehicle", lv != veh, rid,
               lambda k, lv=lv: f"vehicle {lv[k]} != {veh[k]}")
    pt = served["pickup_time_s"].to_numpy(np.int64)
    dt = served["dropoff_time_s"].to_numpy(np.int64)
    c.rows("pickup before drop-off", pt > dt, rid, lambda k: f"{pt[k]} s > {dt[k]} s")
    c.rows("pickup time as logged", picks.loc[rid, "time_s"].to_numpy(np.int64) != pt, rid,
           lambda k: f"trips {pt[k]} s")
    req = requests.drop_duplicates("request_id").set_index("request_id").loc[rid]
    off_o = _int_col(req, "origin_offset_s", np.zeros(len(req), np.int64))
    off_d = _int_col(req, "dest_offset_s", np.zeros(len(req), np.int64))
    direct = (tt[req["origin_node"].to_numpy(np.int64), req["dest_node"].to_numpy(np.int64)]
              .astype(np.int64) + off_o + off_d)
    got = served["direct_s"].to_numpy(np.int64)
    c.rows("direct time = travel-time table (+ offsets)", got != direct, rid,
           lambda k: f"{got[k]} s != {direct[k]} s")
    early, late_pick, late_drop = _deadlines(served, req.reset_index(), service, direct, c,
                                             per_type_rules)
    c.rows("pickup not before the earliest pickup", pt < early, rid,
           lambda k: f"{pt[k]} s < {early[k]} s")
    c.rows("pickup by the latest pickup", pt > late_pick, rid,
           lambda k: f"{pt[k]} s > {late_pick[k]} s")
    c.rows("drop-off by the latest drop-off", dt > late_drop, rid,
           lambda k: f"{dt[k]} s > {late_drop[k]} s")


def _check_capacity(c: _Collector, ev: pd.DataFrame, requests: pd.DataFrame,
                    vehicles: pd.DataFrame) -> None:
    pax = requests.drop_duplicates("request_id").set_index("request_id")["passengers"]
    cap = vehicles.set_index("vehicle_id")["capacity"]
    stops = ev[ev["kind"].isin(("pickup", "dropoff"))]
    stops = stops[stops["request_id"].isin(pax.index)].sort_values(["vehicle_id", "time_s"],
                                                                     kind="stable")
    if stops.empty:
        return
    d = (np.where(stops["kind"] == "pickup", 1, -1)
         * pax.loc[stops["request_id"]].to_numpy(np.int64))
    load = pd.Series(d, index=stops.index).groupby(stops["vehicle_id"].to_numpy()).cumsum()
    seats = cap.reindex(stops["vehicle_id"]).to_numpy()
    over = load.to_numpy() > seats
    c.rows("load within capacity", over, stops["request_id"].to_numpy(np.int64),
           lambda k: f"vehicle {int(stops['vehicle_id'].iloc[k])} holds "
                     f"{int(load.iloc[k])} > {int(seats[k])} seats at {int(stops['time_s'].iloc[k])} s")
    end = load.groupby(stops["vehicle_id"].to_numpy()).last()
    c.fact("every vehicle ends the day empty", bool((end == 0).all()),
           f"vehicle {int(end.index[np.flatnonzero(end.to_numpy() != 0)[0]]) if (end != 0).any() else -1}"
           f" ends with passengers on board")


def _check_km(c: _Collector, res: Any, trips: pd.DataFrame, dist: np.ndarray | None) -> None:
    veh = res.vehicles
    km_ext = float(veh["km_external"].sum())
    c.fact("external km: vehicles = trips",
           math.isclose(km_ext, float(trips["km_external"].sum()), rel_tol=1e-9, abs_tol=1e-9),
           f"{km_ext} km != {float(trips['km_external'].sum())} km")
    km = float(veh["km_total"].sum()) - km_ext
    edges = float(res.edges["vkm_total"].sum())
    c.fact("vehicle-km = edges table", math.isclose(km, edges, rel_tol=1e-9, abs_tol=1e-9),
           f"{km:.6f} km != {edges:.6f} km")
    if res.legs and dist is not None:
        legs = sum(float(dist[a, b]) for a, b, _ in res.legs) / 1000.0
        c.fact("vehicle-km = driven paths", math.isclose(km, legs, rel_tol=1e-6, abs_tol=1e-6),
               f"{km:.6f} km != {legs:.6f} km of the legs")
    occ = veh["km_occupied"].to_numpy() > veh["km_total"].to_numpy() + 1e-9
    c.fact("occupied km within total km", not occ.any(),
           f"vehicle {int(veh['vehicle_id'].to_numpy()[occ][0]) if occ.any() else -1}")
    pkm_edges = float(res.edges["passenger_km"].sum())
    pkm = float(veh["passenger_km"].sum())
    if km_ext == 0:
        c.fact("passenger-km: vehicles = edges table",
               math.isclose(pkm, pkm_edges, rel_tol=1e-9, abs_tol=1e-9),
               f"{pkm:.6f} pkm != {pkm_edges:.6f} pkm")
    else:  # each external stop carries its own party one way (and maybe others both ways)
        c.fact("passenger-km: vehicles >= edges table + external legs",
               pkm >= pkm_edges + km_ext / 2 - 1e-9, f"{pkm:.6f} pkm < {pkm_edges:.6f} pkm")


def _check_feeder(c: _Collector, trips: pd.DataFrame, requests: pd.DataFrame) -> None:
    """Feeder rides (:mod:`kl_mobility.pt.feeder`): the trips table carries each request's
    connection; a connection is made exactly when the feeder is served; a made first-mile
    ride is set down by its own deadline (the departure - the transfer buffer) and a
    last-mile ride is never picked up before the arrival."""
    if "feeder" not in requests.columns or "connection" not in trips.columns:
        return
    req = requests.set_index("request_id")
    t = trips.set_index("request_id").reindex(req.index)
    rid = req.index.to_numpy(np.int64)
    kind = req["feeder"].astype(str).to_numpy(object)
    got = t["feeder"].astype(str).to_numpy(object)
    c.rows("trips feeder = the request's", got != kind, rid,
           lambda k: f"{got[k]!r} != {kind[k]!r}")
    is_f = kind != ""
    served = (t["status"] == "served").to_numpy()
    conn = t["connection"].astype(str).to_numpy(object)
    want = np.where(is_f, np.where(served, "made", "missed"), "")
    c.rows("connection made exactly when a feeder is served", conn != want, rid,
           lambda k: f"connection {conn[k]!r}, status {t['status'].iloc[k]}")
    pt = _int_col(req, "pt_time_s", np.full(len(req), -1, np.int64))
    own = _int_col(req, "latest_dropoff_s", np.full(len(req), -1, np.int64))
    drop = t["dropoff_time_s"].to_numpy(np.int64)
    pick = t["pickup_time_s"].to_numpy(np.int64)
    late = served & (kind == "first") & (drop > own)
    c.rows("first mile set down by its connection deadline", late, rid,
           lambda k: f"dropoff {drop[k]} s > deadline {own[k]} s (departure {pt[k]} s)")
    early = served & (kind == "last") & (pick < pt)
    c.rows("last mile not picked up before the arrival", early, rid,
           lambda k: f"pickup {pick[k]} s < arrival {pt[k]} s")


def check_outputs(result: Any, requests: pd.DataFrame, service: ServiceConfig,
                  tt: np.ndarray, dist: np.ndarray | None = None, *,
                  per_type_rules: bool = False) -> list[Violation]:
    """Every invariant of the module docstring checked on ``result`` (a
    :class:`~kl_mobility.results.records.SimulationResult`) of simulating ``requests`` under
    ``service`` on the travel-time table ``tt`` (seconds, node x node) and distance table
    ``dist`` (metres; needed to check the driven legs). ``per_type_rules``: the fleet has
    types with their own rules or stops, so the deadlines are read from the trips table
    instead of recomputed. Returns the violations found."""
    c = _Collector()
    trips, ev = result.trips, result.events
    served = _check_states(c, trips, ev, requests)
    if not served.empty:
        _check_served(c, served, ev, requests, service, np.asarray(tt), per_type_rules)
    _check_capacity(c, ev, requests, result.vehicles)
    _check_km(c, result, trips, None if dist is None else np.asarray(dist))
    _check_feeder(c, trips, requests)
    k = result.kpis
    total = int(k["n_served"] + k["n_rejected"] + k["n_cancelled"])
    c.fact("KPI counts = trips table", total == int(k["n_requests"]) == len(trips),
           f"served + rejected + cancelled = {total}, n_requests = {k['n_requests']}, "
           f"trips rows = {len(trips)}")
    return c.found
