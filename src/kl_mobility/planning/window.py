"""The hindsight benchmark of one window of a scenario's day (``kl-mobility hindsight``).

Given the day's requests (the settled day of :func:`kl_mobility.runner.settle_demand`, or
the first round, or a requests file), :func:`hindsight_window` keeps the requests of a small
window (:func:`kl_mobility.planning.hindsight.select_window`: desired pickup in
``[from_s, to_s)``, at most ``max_requests`` of them, the earliest first), simulates those
requests online with the scenario's service rules and dispatch policy, and plans the
requests the online run served (``include_turned_away``: also those its dispatch turned
away, so hindsight may serve more) with hindsight (OR-Tools, every request known in
advance) with the same vehicles, started where the run's vehicles started
(:func:`kl_mobility.planning.hindsight.simulated_start_nodes`). The result, a
:class:`HindsightRun`, carries the accounting of every request of the day and the
comparison table (:func:`kl_mobility.planning.hindsight.hindsight_table`);
:func:`write_hindsight` writes it. :func:`kl_mobility.runner.run_hindsight` chooses the day
and calls :func:`hindsight_window`.

Scope (what the static model can represent): door-to-door vehicle types on the network's
travel times. Stop-based types and types with a speed cap (the shuttles of
klima-plus-2030) are left out of both sides, and so are types whose hours do not reach
the window; a type whose hours cover only part of the window's requests is an error
(:func:`window_fleet`).

When the service runs past midnight, early-morning requests that it takes at the end of
the day count at their wrapped time (00:30 -> 24:30,
:func:`kl_mobility.service.wrap_past_midnight`), so such a window is ``from_s = 24:00``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.config import ConfigError
from kl_mobility.context import RunContext
from kl_mobility.errors import InputError
from kl_mobility.planning.hindsight import (
    hindsight_plan,
    hindsight_table,
    select_window,
    simulated_start_nodes,
)
from kl_mobility.planning.options import HindsightWindow, clock
from kl_mobility.planning.plan import PlanSetup
from kl_mobility.routing.model import SearchOptions
from kl_mobility.service import desired_pickup_s, wrap_past_midnight
from kl_mobility.sim import SimInputs, simulate
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = ["HindsightRun", "hindsight_window", "window_fleet", "write_hindsight"]

@dataclass(frozen=True, eq=False)
class HindsightRun:
    """Everything of one hindsight comparison (see :func:`hindsight_window`)."""

    scenario: str
    seed: int
    from_s: int
    to_s: int
    max_requests: int | None
    counts: dict[str, int]
    requests: pd.DataFrame
    fleet: tuple[Any, ...]
    left_out_types: dict[str, str]
    start_nodes: np.ndarray
    online: Any
    plan: Any
    table: pd.DataFrame
    time_limit_s: float
    include_turned_away: bool = False
    demand: dict[str, Any] | None = None
    """Where the day's requests come from (:func:`demand_source`): ``requests_from``
    ("settled", "first_round" or "fixed": a requests file, the same in every round),
    ``round`` (0-based, as ``iteration`` in ``demand.json``), ``rounds`` run (``None``:
    not run), ``max_rounds``, ``converged`` (``None``: not checked), ``requests_gap``,
    ``level_gap`` (the last round's, ``None`` when not run)."""

    def accounting(self) -> dict[str, Any]:
        """Every request of the day, where it went (JSON-able)."""
        trips = self.online.trips
        reasons = trips.loc[trips["status"] != "served", "reason"].astype(str)
        ht = self.plan.trips
        return {
            **{f"day_{k}": int(v) for k, v in self.counts.items()},
            "online_served": int((trips["status"] == "served").sum()),
            "online_rejected": int((trips["status"] == "rejected").sum()),
            "online_cancelled": int((trips["status"] == "cancelled").sum()),
            "online_unserved_reasons": {str(k): int(v)
                                        for k, v in reasons.value_counts().items()},
            "hindsight_planned": len(ht),
            "hindsight_served": int((ht["status"] == "served").sum()),
            "hindsight_unserved": int((ht["status"] != "served").sum()),
            "hindsight_feasible": bool(self.plan.solution.feasible),
        }


def window_fleet(scenario: Any, requests: pd.DataFrame, fleet_size: int | None,
                 ) -> tuple[tuple[VehicleTypeConfig, ...], dict[str, str]]:
    """The vehicle types both sides can share, and why the others are left out."""
    svc = scenario.service
    early = desired_pickup_s(requests)
    keep, left = [], {}
    for vt in scenario.fleet:
        if vt.count <= 0:
            continue
        if vt.stop_based:
            left[vt.name] = "stop-based (the static model serves door to door)"
            continue
        if vt.speed_cap_kmh > 0:
            left[vt.name] = "speed cap (the static model has one travel-time table)"
            continue
        a, b = vt.hours(svc)
        inside = (early >= a) & (early < b)
        if not inside.any():
            left[vt.name] = f"off duty in the window (hours {clock(a)}-{clock(b)})"
            continue
        if not inside.all():
            raise InputError(
                f"scenario {scenario.name!r}: vehicle type {vt.name!r} works "
                f"{clock(a)}-{clock(b)}, which covers only part of the window's requests; "
                "choose a window inside or outside its hours")
        keep.append(vt)
    if not keep:
        raise InputError(f"scenario {scenario.name!r}: no door-to-door vehicle type without "
                         f"a speed cap is on duty in the window ({left})")
    if fleet_size is not None:
        if fleet_size < 1:
            raise ConfigError(f"--fleet must be >= 1, got {fleet_size}")
        total, out = 0, []
        for vt in keep:  # the first fleet_size vehicles in scenario order
            n = min(vt.count, fleet_size - total)
            if n > 0:
                out.append(replace(vt, count=n))
                total += n
        keep = out
    return tuple(keep), left


def hindsight_window(ctx: RunContext, day: pd.DataFrame, *, seed: int,
                     window: HindsightWindow, forecast: pd.DataFrame | None = None,
                     demand: dict[str, Any] | None = None) -> HindsightRun:
    """Simulate ``window`` of the day's requests ``day`` online and plan it with hindsight
    (the requests served online; with ``window.include_turned_away`` also those online
    dispatch turned away, see :func:`kl_mobility.planning.hindsight.hindsight_plan`).

    ``forecast``: the rebalancing forecast of the day (``None`` unless the policy is
    ``rebalancing``); ``demand``: where the day comes from (:func:`demand_source`), kept in
    the result."""
    scenario, net, stops = ctx.scenario, ctx.network, ctx.stops
    from_s, to_s = window.from_s, window.end_s
    opts = SearchOptions(time_limit_s=window.time_limit_s)
    hours = [vt.hours(scenario.service) for vt in scenario.fleet if vt.count > 0]
    day = wrap_past_midnight(day, scenario.service, hours)  # as the simulation takes them
    try:
        requests, counts = select_window(day, from_s=from_s, to_s=to_s,
                                         max_requests=window.max_requests)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if requests.empty:
        raise InputError(f"no request of scenario {scenario.name!r} (seed {seed}) wants a "
                         f"pickup in {clock(from_s)}-{clock(to_s)}")
    fleet, left = window_fleet(scenario, requests, window.fleet_size)
    online = simulate(SimInputs(net, ctx.oracle, requests, scenario.service, fleet, scenario.dispatch, seed=seed, stops={k: v for k, v in stops.items()
                             if k in {vt.name for vt in fleet}} or None, external_speed_kmh=scenario.demand.external_speed_kmh, forecast=forecast), progress=ctx.progress, cache_dir=ctx.cache_dir)
    start = simulated_start_nodes(online)
    by_name = {vt.name: vt for vt in fleet}
    types = [by_name[str(t)] for t in online.vehicles["vehicle_type"]]
    caps = online.vehicles["capacity"].to_numpy(np.int64)
    setup = PlanSetup(fleet=int(caps.size), capacity=caps, network=net,
                      service=scenario.service, start_nodes=start.tolist(),
                      return_to_depot=False, vehicle_type=types, emissions=scenario.emissions,
                      external_speed_kmh=scenario.demand.external_speed_kmh)
    plan = hindsight_plan(requests, ctx.oracle, setup, trips=online.trips,
                          include_turned_away=window.include_turned_away, options=opts,
                          progress=ctx.progress)
    return HindsightRun(scenario=scenario.name, seed=seed, from_s=from_s, to_s=to_s,
                        max_requests=window.max_requests, counts=counts, requests=requests,
                        fleet=fleet, left_out_types=left, start_nodes=start, online=online,
                        plan=plan, table=hindsight_table(online, plan),
                        time_limit_s=window.time_limit_s,
                        include_turned_away=window.include_turned_away, demand=demand)


def write_hindsight(run: HindsightRun, out_dir: str | Path) -> Path:
    """Write the comparison atomically (staging folder renamed onto ``out_dir``):
    ``hindsight.csv`` (the table), ``hindsight.json`` (window, fleet, accounting, table),
    ``requests.csv`` (the included requests), ``online_trips.csv``, ``online_vehicles.csv``,
    ``hindsight_trips.csv``, ``hindsight_stops.csv``, ``hindsight_vehicles.csv``."""
    from kl_mobility.io import staged_dir, write_json

    out = Path(out_dir)
    with staged_dir(out, kind="hindsight") as d:
        run.table.to_csv(d / "hindsight.csv", index=False)
        meta = {
            "scenario": run.scenario, "seed": run.seed, "from_s": run.from_s,
            "to_s": run.to_s, "max_requests": run.max_requests,
            "time_limit_s": run.time_limit_s,
            "include_turned_away": run.include_turned_away,
            "demand": run.demand,
            "fleet": {vt.name: vt.count for vt in run.fleet},
            "left_out_types": run.left_out_types,
            "start_nodes": [int(v) for v in run.start_nodes],
            "accounting": run.accounting(),
            "table": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                       for k, v in r.items()} for r in run.table.to_dict(orient="records")],
        }
        write_json(d / "hindsight.json", meta)
        run.requests.to_csv(d / "requests.csv", index=False)
        run.online.trips.to_csv(d / "online_trips.csv", index=False)
        run.online.vehicles.to_csv(d / "online_vehicles.csv", index=False)
        run.plan.trips.to_csv(d / "hindsight_trips.csv", index=False)
        run.plan.stops.to_csv(d / "hindsight_stops.csv", index=False)
        run.plan.vehicles.to_csv(d / "hindsight_vehicles.csv", index=False)
    return out
