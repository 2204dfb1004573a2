"""The hindsight benchmark: an online day against its static optimum.

A simulated day (:func:`kl_mobility.sim.simulate`) is compared with the static plan of the
same requests made with every request known in advance (:func:`hindsight_plan`, a
:func:`kl_mobility.planning.plan.plan_requests` with the run's vehicles, started where the
run's vehicles started, :func:`simulated_start_nodes`). :func:`select_window` keeps a small
window of a day's requests (a static solve of thousands is out of scope),
:func:`hindsight_table` tabulates online against hindsight (served, vehicle-km, active
vehicle-hours, waits, rides, detours and the gap in %), and :func:`hindsight_compare` does
it all for one run. ``kl-mobility hindsight`` (:mod:`kl_mobility.planning.window`) is the
command: it takes its window from the day ``kl-mobility run`` reports (the last demand <->
service round, :func:`kl_mobility.runner.settle_demand`) and simulates the window online
on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.planning.plan import PlanResult, PlanSetup, plan_requests
from kl_mobility.progress import ProgressCallback
from kl_mobility.routing.model import SearchOptions
from kl_mobility.service import (
    DEFAULT_EXTERNAL_SPEED_KMH,
    DISPATCH_REASONS,
    ServiceConfig,
    desired_pickup_s,
)
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = [
    "DISPATCH_REASONS",
    "HINDSIGHT_ROWS",
    "hindsight_compare",
    "hindsight_plan",
    "hindsight_table",
    "online_active_hours",
    "plan_active_hours",
    "select_window",
    "simulated_start_nodes",
]



def hindsight_plan(requests: pd.DataFrame, oracle: Any, setup: PlanSetup, *,
                   trips: pd.DataFrame | None = None, include_turned_away: bool = False,
                   options: SearchOptions | None = None,
                   progress: ProgressCallback | None = None) -> PlanResult:
    """The static optimum of a simulated day, with every request known in advance.

    Pass the simulation's ``trips`` table to plan only the requests the online dispatcher
    served (the fair comparison of vehicle-km for the same work), and its vehicles' initial
    nodes as ``start_nodes`` (:func:`simulated_start_nodes`). With ``include_turned_away``
    the requests that online dispatch turned away (reasons :data:`DISPATCH_REASONS`) are
    planned too, so hindsight may serve more (served count first, then vehicle-km); those
    rejected for what no vehicle could change (hours, party size, no stop, unreachable,
    same node) stay out. For the simulation's rules, let vehicles end anywhere
    (``setup.return_to_depot = False``, as :func:`hindsight_compare` does). Compare
    ``result.kpis["vehicle_km"]`` with the run's KPI. ``options``: the search (default
    60 s).
    """
    req = requests
    if trips is not None:
        take = trips["status"] == "served"
        if include_turned_away:
            take |= trips["reason"].isin(DISPATCH_REASONS)
        ids = trips.loc[take, "request_id"].to_numpy()
        req = requests[requests["request_id"].isin(ids)].reset_index(drop=True)
    opts = options or SearchOptions(time_limit_s=60.0)
    return plan_requests(req, oracle, setup, options=opts, progress=progress)


def select_window(requests: pd.DataFrame, *, from_s: int | None = None,
                  to_s: int | None = None, max_requests: int | None = None,
                  ) -> tuple[pd.DataFrame, dict[str, int]]:
    """The requests of a small window of the day, for a hindsight comparison.

    A request is in the window when its desired pickup (``earliest_pickup_s``, else
    ``request_time_s``) lies in ``[from_s, to_s)`` (open ends when ``None``); of those, the
    first ``max_requests`` by desired pickup (ties by table order) are kept. Returns the kept
    rows (in table order) and the accounting ``{"day", "before", "after", "in_window",
    "over_cap", "selected"}`` with ``day = before + after + in_window`` and
    ``in_window = over_cap + selected``.
    """
    if max_requests is not None and max_requests < 1:
        raise ValueError(f"max_requests must be >= 1, got {max_requests}")
    if from_s is not None and to_s is not None and to_s <= from_s:
        raise ValueError(f"the window must end after it starts, got [{from_s}, {to_s})")
    early0 = desired_pickup_s(requests)
    before = early0 < from_s if from_s is not None else np.zeros(early0.size, bool)
    after = early0 >= to_s if to_s is not None else np.zeros(early0.size, bool)
    inside = np.flatnonzero(~before & ~after)
    keep = inside[np.argsort(early0[inside], kind="stable")]
    if max_requests is not None:
        keep = keep[:max_requests]
    keep = np.sort(keep)
    counts = {"day": len(requests), "before": int(before.sum()), "after": int(after.sum()),
              "in_window": int(inside.size), "over_cap": int(inside.size - keep.size),
              "selected": int(keep.size)}
    return requests.iloc[keep].reset_index(drop=True), counts


def simulated_start_nodes(result: Any) -> np.ndarray:
    """int64[K]: where each vehicle of a simulation ``result`` stood when the run began, in
    vehicle order: the ``start_node`` column of ``result.vehicles``
    (:data:`kl_mobility.results.schema.VEHICLES_COLUMNS`). A ``ValueError`` when the table
    has no such column (a run written before it existed): pass ``start_nodes`` instead."""
    veh = result.vehicles
    if "start_node" not in veh.columns:
        raise ValueError("the run's vehicle table has no start_node column (written by an "
                         "older version); pass start_nodes explicitly")
    veh = veh.sort_values("vehicle_id")
    vid = veh["vehicle_id"].to_numpy(np.int64)
    if not np.array_equal(vid, np.arange(vid.size)):
        raise ValueError("the run's vehicle ids must be 0..K-1")
    return veh["start_node"].to_numpy(np.int64)


def _active_hours(trips: pd.DataFrame, first_departure: pd.Series) -> float:
    """Sum over vehicles with a served trip of (last drop-off - first departure), hours."""
    served = trips[trips["status"] == "served"]
    if served.empty:
        return 0.0
    last = served.groupby("vehicle_id")["dropoff_time_s"].max()
    first = first_departure.reindex(last.index)
    return float((last - first).sum()) / 3600.0


def online_active_hours(result: Any) -> float:
    """Vehicle-hours of a run counted like a plan's: per vehicle with a served trip, from
    its first assignment (it sets off then) to its last drop-off."""
    ev = result.events
    dep = ev[ev["kind"] == "assign"].groupby("vehicle_id")["time_s"].min()
    return _active_hours(result.trips, dep)


def plan_active_hours(plan: PlanResult) -> float:
    """Vehicle-hours of a plan: per used vehicle, from leaving its start (as late as the
    plan allows) to its last drop-off."""
    st = plan.stops
    dep = st[st["kind"] == "start"].groupby("vehicle_id")["departure_s"].min()
    return _active_hours(plan.trips, dep)


#: Rows of :func:`hindsight_table`: (key, label, scale of the stored value).
HINDSIGHT_ROWS = (
    ("n_served", "served", 1.0),
    ("vehicles_used", "vehicles used", 1.0),
    ("vehicle_km", "vehicle-km", 1.0),
    ("km_external", "  of which external km", 1.0),
    ("vkm_per_served", "vehicle-km per served request", 1.0),
    ("vehicle_hours", "vehicle-hours (active)", 1.0),
    ("wait_mean_s", "mean wait (min)", 1 / 60),
    ("ride_mean_s", "mean ride time (min)", 1 / 60),
    ("detour_mean", "mean detour (ride / direct)", 1.0),
)


def _served_stats(trips: pd.DataFrame) -> dict[str, float]:
    s = trips[trips["status"] == "served"]
    nan = float("nan")
    return {"n_served": float(len(s)),
            "vehicles_used": float(s["vehicle_id"].nunique()),
            "wait_mean_s": float(s["wait_s"].mean()) if len(s) else nan,
            "ride_mean_s": float(s["ride_s"].mean()) if len(s) else nan,
            "detour_mean": float(s["detour_ratio"].mean()) if len(s) else nan}


def hindsight_table(result: Any, plan: PlanResult) -> pd.DataFrame:
    """Online run against its hindsight plan: one row per :data:`HINDSIGHT_ROWS` metric with
    columns ``metric``, ``online``, ``hindsight`` and ``gap_pct`` = (online - hindsight) /
    hindsight x 100 (how much more the online day needed; NaN when hindsight is 0).

    Vehicle-km include external km and all of the run's driving (empty, rebalancing);
    vehicle-hours are active hours (:func:`online_active_hours`, :func:`plan_active_hours`);
    waits, rides and detours are means over served requests, at the rider's door.
    """
    on = _served_stats(result.trips)
    on.update({"vehicle_km": float(result.vehicles["km_total"].sum()),
               "km_external": float(result.vehicles["km_external"].sum())
               if "km_external" in result.vehicles.columns else 0.0,
               "vehicle_hours": online_active_hours(result)})
    hs = _served_stats(plan.trips)
    hs.update({"vehicle_km": float(plan.vehicles["km_total"].sum()),
               "km_external": float(plan.vehicles["km_external"].sum()),
               "vehicle_hours": plan_active_hours(plan)})
    for d in (on, hs):
        d["vkm_per_served"] = d["vehicle_km"] / d["n_served"] if d["n_served"] else np.nan
    rows = []
    for key, label, scale in HINDSIGHT_ROWS:
        o, h = on[key] * scale, hs[key] * scale
        gap = (o - h) / h * 100.0 if h and np.isfinite(h) else float("nan")
        rows.append({"metric": label, "key": key, "online": o, "hindsight": h, "gap_pct": gap})
    return pd.DataFrame(rows)


def hindsight_compare(result: Any, requests: pd.DataFrame, oracle: Any, *,  # noqa: PLR0913
                      service: ServiceConfig | None = None, network: Any | None = None,
                      start_nodes: Sequence[int] | None = None,
                      time_limit_s: float = 60.0,
                      vehicle_types: Sequence[VehicleTypeConfig] | None = None,
                      external_speed_kmh: float = DEFAULT_EXTERNAL_SPEED_KMH,
                      ) -> dict[str, float]:
    """Online day against hindsight: the simulation ``result`` (``trips``, ``vehicles``,
    ``events``, ``meta`` and ``kpis`` as in
    :class:`kl_mobility.results.records.SimulationResult`) against the static plan of the
    requests it served, with the same vehicles (count, capacities, start nodes).

    Returns ``n_served``, ``online_vehicle_km``, ``hindsight_vehicle_km``, ``km_ratio``
    (online / hindsight), ``online_vehicle_hours``, ``hindsight_vehicle_hours`` (active
    hours, see :func:`hindsight_table`), ``hindsight_served`` and ``hindsight_feasible``.
    Vehicles start where the run's vehicles started (:func:`simulated_start_nodes`) unless
    ``start_nodes`` are given. ``vehicle_types`` (the run's fleet
    section) names each vehicle's type for energy; default the simulation's default van.
    The online vehicle-km include any empty driving the policy chose (e.g. rebalancing).
    """
    svc = service or ServiceConfig()
    caps = result.vehicles["capacity"].to_numpy(np.int64)
    if start_nodes is None:
        start_nodes = simulated_start_nodes(result).tolist()
    per_vehicle = None
    if vehicle_types is not None:
        by_name = {vt.name: vt for vt in vehicle_types}
        per_vehicle = [by_name[str(t)] for t in result.vehicles["vehicle_type"]]
    setup = PlanSetup(fleet=int(caps.size), capacity=caps, network=network, service=svc,
                      start_nodes=start_nodes, return_to_depot=False,
                      vehicle_type=per_vehicle, external_speed_kmh=external_speed_kmh)
    plan = hindsight_plan(requests, oracle, setup, trips=result.trips,
                          options=SearchOptions(time_limit_s=time_limit_s))
    table = hindsight_table(result, plan).set_index("key")
    online_km = float(table.loc["vehicle_km", "online"])
    hind_km = float(table.loc["vehicle_km", "hindsight"])
    return {
        "n_served": float((result.trips["status"] == "served").sum()),
        "online_vehicle_km": online_km,
        "hindsight_vehicle_km": hind_km,
        "km_ratio": online_km / hind_km if hind_km > 0 else float("nan"),
        "online_vehicle_hours": float(table.loc["vehicle_hours", "online"]),
        "hindsight_vehicle_hours": float(table.loc["vehicle_hours", "hindsight"]),
        "hindsight_served": float(plan.kpis["n_served"]),
        "hindsight_feasible": float(plan.solution.feasible),
    }
