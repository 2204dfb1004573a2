"""The dispatch benchmark: policies x instances, one table.

Each instance is an instance folder (:mod:`kl_mobility.instance.folder`), the name of a
shipped Kaiserslautern day (:mod:`kl_mobility.instance.shipped`: kl-small, kl-medium,
kl-large) or a scenario file, whose settled day (:func:`kl_mobility.runner.settle_demand`: the day ``kl-mobility
run`` reports, with the run's vehicle start nodes) is turned into an instance first
(:func:`scenario_instance`). Every policy simulates every instance with the same seed;
each row holds what the run served and how well, the CPU time of the simulation (of the
whole simulated day, ``time.process_time`` around :func:`~kl_mobility.sim.simulate`, this
process only) and the violations found by the independent check of the outputs
(:func:`kl_mobility.results.check.check_outputs`).

Conventions of the columns (:data:`COLUMNS`): waits, ride times and detours over served
requests (wait = pickup - earliest pickup; detour = ride time / direct time); vehicle-km
include the outer-district legs; empty km = km without a passenger; occupancy =
passenger-km / vehicle-km.

The optional hindsight gap (``window`` given, :data:`HINDSIGHT_COLUMNS`) reuses
``kl-mobility hindsight`` (:mod:`kl_mobility.planning.hindsight`): the instance's requests
whose desired pickup (earliest pickup, else request time) lies in the window, at most
``window.max_requests`` of them (the earliest), are simulated online on their own with the
policy, and the requests that run served are planned with hindsight (OR-Tools, every
request known in advance, time-limited search) with the same vehicles, started where the
online run's vehicles started and free to end anywhere. ``hindsight_gap_pct`` = (online
vehicle-km - hindsight vehicle-km) / hindsight vehicle-km x 100 for the same served
requests (both incl. outer-district legs; the online km include all of its driving, e.g.
rebalancing). The search is time-limited, so the hindsight plan is feasible but not
proven optimal: the gap is a lower bound of how much more the online run drove than the
optimum. What the static model cannot represent is left out as in ``kl-mobility
hindsight``: stop-based types, speed-capped types and types off duty in the window (named in
``hindsight_note``); a window it cannot take at all (no such type on duty, a type on duty for
part of the window, types with rules of their own, requests with their own pickup deadlines
or, under ``request_windows = "replace"``, own drop-off deadlines) gives NaN columns and the
reason in ``hindsight_note``.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kl_mobility.instance.folder import Instance, instance_of_day, read_instance

__all__ = ["COLUMNS", "HINDSIGHT_COLUMNS", "BenchInstance", "bench_dispatch",
           "hindsight_gap", "load_bench_instance", "resolve_instance",
           "round_trip_differences", "rows_to_csv", "scenario_day", "scenario_instance",
           "warm_up"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("instance", "instance folder or scenario name"),
    ("policy", "dispatch policy"),
    ("cost", "insertion cost of the policy's kernels (dispatch.cost: added_time, wait, "
     "added_time_plus_wait, rider_time)"),
    ("requests", "requests of the day"),
    ("served", "requests served"),
    ("share_served", "served / requests"),
    ("wait_mean_s", "mean wait of served requests (s)"),
    ("wait_p95_s", "95th percentile wait (s)"),
    ("ride_mean_s", "mean ride time (s)"),
    ("detour_mean", "mean ride time / direct time"),
    ("vehicle_km", "vehicle-km incl. outer-district legs"),
    ("empty_km", "vehicle-km without a passenger"),
    ("occupancy", "passenger-km / vehicle-km"),
    ("cpu_s_per_day", "CPU seconds to simulate the day"),
    ("max_stops_skips", "times a vehicle with a full schedule (service.max_stops) was passed "
     "over"),
    ("violations", "invariants broken (independent output check; a simulation that "
     "raised counts 1); 0 = none"),
    ("violation_cases", "rows breaking them, summed"),
    ("first_violation", "the first broken invariant, with its first case"),
)
"""Columns of the benchmark table, with their meaning."""

HINDSIGHT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("hindsight_window", "window of desired pickups [from, to) and the cap on its requests"),
    ("hindsight_requests", "requests of the window simulated online"),
    ("hindsight_planned", "of them served online: the requests hindsight plans"),
    ("hindsight_served", "of those, served by the hindsight plan"),
    ("window_online_km", "vehicle-km of the online run of the window"),
    ("window_hindsight_km", "vehicle-km of the hindsight plan"),
    ("hindsight_gap_pct", "(online km - hindsight km) / hindsight km x 100, same served "
     "requests; a lower bound (time-limited search)"),
    ("hindsight_note", "types left out, or why the window has no hindsight"),
)
"""Columns added with a hindsight window (module docstring)."""


@dataclass(frozen=True, eq=False)
class BenchInstance:
    """An instance ready to simulate: its label, the instance, its oracle, and whether
    its vehicle types carry rules or stops of their own (the output check then reads the
    deadlines from the trips table)."""

    label: str
    instance: Instance
    oracle: Any
    per_type_rules: bool


def scenario_instance(path: str | Path, seed: int,
                      progress: Any = None) -> tuple[Instance, Any]:
    """``(instance, oracle)`` of a scenario file's settled day with ``seed``: its network,
    last round's requests, fleet with the start nodes of that round's simulation, service
    rules, stops and rebalancing forecast."""
    inst, oracle, _ = scenario_day(path, seed, progress)
    return inst, oracle


def scenario_day(path: str | Path, seed: int, progress: Any = None) -> tuple[Instance, Any, Any]:
    """:func:`scenario_instance` and the settled day it comes from
    (:class:`~kl_mobility.runner.SettledDemand`: ``result`` is the simulation
    ``kl-mobility run`` reports, ``scenario.dispatch`` its policy)."""
    from kl_mobility.context import RunContext
    from kl_mobility.runner import settle_demand
    from kl_mobility.scenario import scenario_from_file

    scenario = scenario_from_file(path)
    ctx = RunContext.prepare(scenario, progress=progress)
    day = settle_demand(ctx, seed=seed)
    req = day.requests.copy()
    speed = scenario.demand.external_speed_kmh
    for end in ("origin", "dest"):
        if f"{end}_offset_s" in req and f"{end}_offset_m" not in req:
            req[f"{end}_offset_m"] = req[f"{end}_offset_s"].astype(float) * (speed / 3.6)
    forecast = None
    if day.forecast is not None:
        forecast = day.forecast.rename(columns={"request_time_s": "time_s"})
    inst = instance_of_day(f"{scenario.name}-seed{seed}", ctx.network, req, scenario.fleet,
                           day.result.vehicles["start_node"].to_numpy(), scenario.service,
                           stops={k: v for k, v in ctx.stops.items()}, forecast=forecast)
    return inst, ctx.oracle, day


def round_trip_differences(folder: str | Path, day: Any, seed: int) -> list[str]:
    """Read the instance ``folder`` written from the settled ``day``
    (:func:`scenario_day`), simulate it with the day's policy and ``seed``, and compare
    the trips, vehicles and events tables and the KPIs (but the run time) with the day's
    own simulation, exactly (values, dtypes, order). Returns one line per difference;
    empty when the round trip gives the identical day."""
    import pandas as pd

    from kl_mobility.sim import simulate

    inst, oracle = read_instance(folder)
    res = simulate(inst.sim_inputs(oracle, day.scenario.dispatch, seed))
    out = []
    for name in ("trips", "vehicles", "events"):
        a, b = getattr(day.result, name), getattr(res, name)
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        except AssertionError as exc:
            first = " ".join(str(exc).split())[:300]
            out.append(f"{name}: {first}")
    ka = {k: v for k, v in day.result.kpis.items() if k != "runtime_s"}
    kb = {k: v for k, v in res.kpis.items() if k != "runtime_s"}
    diff = sorted(k for k in set(ka) | set(kb)
                  if not (ka.get(k) == kb.get(k) or (ka.get(k) != ka.get(k)
                                                     and kb.get(k) != kb.get(k))))
    if diff:
        out.append(f"kpis: {', '.join(diff[:10])} differ (e.g. {diff[0]}: "
                   f"{ka.get(diff[0])!r} vs {kb.get(diff[0])!r})")
    return out


def resolve_instance(spec: str | Path) -> Path:
    """``spec`` as a path when it exists, else the folder of the shipped day of that name
    (:func:`kl_mobility.instance.shipped.shipped_day_path`, checked against its record)."""
    from kl_mobility.instance.shipped import shipped_day_path

    path = Path(spec)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    return shipped_day_path(str(spec))


def load_bench_instance(spec: str | Path, seed: int, progress: Any = None) -> BenchInstance:
    """An instance folder, a scenario ``.toml`` file (its settled day with ``seed``), or the
    name of a shipped day (:mod:`kl_mobility.instance.shipped`)."""
    path = resolve_instance(spec)
    if path.suffix == ".toml" and path.is_file():
        inst, oracle = scenario_instance(path, seed, progress)
        label = inst.name
    else:
        inst, oracle = read_instance(path, progress=progress)
        label = path.name
    own = any(vt.stop_based or vt.max_wait_s is not None or vt.detour_factor is not None
              or vt.detour_const_s is not None for vt in inst.fleet)
    return BenchInstance(label, inst, oracle, own)


def _dispatch(policy: str, options: dict[str, Any], cost: str) -> Any:
    """The :class:`~kl_mobility.dispatch.DispatchConfig` of a row (default weights)."""
    from kl_mobility.dispatch import DispatchConfig

    return DispatchConfig(policy=policy, options=dict(options), cost=cost)


def _row(bi: BenchInstance, policy: str, options: dict[str, Any], seed: int,
         cost: str = "added_time") -> dict[str, Any]:
    import numpy as np

    from kl_mobility.results.check import check_outputs
    from kl_mobility.sim import simulate

    dispatch = _dispatch(policy, options, cost)
    inputs = bi.instance.sim_inputs(bi.oracle, dispatch, seed)
    t0 = time.process_time()
    try:
        res = simulate(inputs)
    except Exception as exc:  # noqa: BLE001 - an outside policy may raise anything
        nan = float(np.nan)
        return {**dict.fromkeys((c for c, _ in COLUMNS), nan), "instance": bi.label,
                "policy": policy, "cost": cost, "requests": len(inputs.requests), "served": 0,
                "cpu_s_per_day": time.process_time() - t0, "violations": 1,
                "violation_cases": 1,
                "first_violation": f"the simulation raised {type(exc).__name__}: {exc}"}
    cpu = time.process_time() - t0
    found = check_outputs(res, inputs.requests, bi.instance.service, bi.oracle.tt,
                          None, per_type_rules=bi.per_type_rules)
    k = res.kpis
    km = float(res.vehicles["km_total"].sum())
    return {
        "instance": bi.label, "policy": policy, "cost": cost,
        "requests": int(k["n_requests"]),
        "served": int(k["n_served"]), "share_served": float(k["share_served"]),
        "wait_mean_s": float(k["wait_mean_s"]), "wait_p95_s": float(k["wait_p95_s"]),
        "ride_mean_s": float(k["ride_mean_s"]), "detour_mean": float(k["detour_mean"]),
        "vehicle_km": km, "empty_km": float(res.vehicles["km_empty"].sum()),
        "occupancy": float(k["occupancy"]) if km > 0 else float(np.nan),
        "cpu_s_per_day": cpu, "max_stops_skips": int(res.meta["max_stops_skips"]),
        "violations": len(found),
        "violation_cases": sum(v.count for v in found),
        "first_violation": str(found[0]) if found else "",
    }


def _window_label(window: Any) -> str:
    from kl_mobility.planning.options import clock

    cap = "" if window.max_requests is None else f" <= {window.max_requests}"
    return f"{clock(window.from_s)}-{clock(window.end_s)}{cap}"


def _no_hindsight(window: Any, why: str, n_requests: int = 0) -> dict[str, Any]:
    nan = float("nan")
    return {"hindsight_window": _window_label(window), "hindsight_requests": n_requests,
            "hindsight_planned": 0, "hindsight_served": 0, "window_online_km": nan,
            "window_hindsight_km": nan, "hindsight_gap_pct": nan, "hindsight_note": why}


def _window_problem(inst: Instance, requests: Any) -> str | None:
    """Why the static model cannot plan this window's requests as the simulation has them
    (``None``: it can)."""
    from kl_mobility.service import optional_times

    if optional_times(requests, "latest_pickup_s")[1].any():
        return "requests with their own pickup deadline (latest_pickup_s): not in static plans"
    if (inst.service.request_windows == "replace"
            and optional_times(requests, "latest_dropoff_s")[1].any()):
        return ('request_windows = "replace" with own drop-off deadlines: static plans '
                "take the earlier of own and rule")
    return None


def hindsight_gap(bi: BenchInstance, policy: str, options: dict[str, Any], seed: int,
                  window: Any, cost: str = "added_time") -> dict[str, Any]:
    """The :data:`HINDSIGHT_COLUMNS` of ``policy`` on a window (a
    :class:`~kl_mobility.planning.options.HindsightWindow`) of ``bi`` (module docstring)."""
    from dataclasses import replace

    import numpy as np

    from kl_mobility.errors import InputError
    from kl_mobility.planning.hindsight import (
        hindsight_plan,
        hindsight_table,
        select_window,
        simulated_start_nodes,
    )
    from kl_mobility.planning.plan import PlanSetup
    from kl_mobility.planning.window import window_fleet
    from kl_mobility.routing.model import SearchOptions
    from kl_mobility.service import wrap_past_midnight
    from kl_mobility.sim import simulate

    inst = bi.instance
    hours = [vt.hours(inst.service) for vt in inst.fleet if vt.count > 0]
    day = wrap_past_midnight(inst.requests, inst.service, hours)
    requests, _ = select_window(day, from_s=window.from_s, to_s=window.end_s,
                                max_requests=window.max_requests)
    if requests.empty:
        return _no_hindsight(window, "no request in the window")
    why = _window_problem(inst, requests)
    if why is not None:
        return _no_hindsight(window, why, len(requests))
    try:
        fleet, left = window_fleet(inst, requests, window.fleet_size)
    except InputError as exc:
        return _no_hindsight(window, str(exc), len(requests))
    own = [vt.name for vt in fleet if vt.max_wait_s is not None
           or vt.detour_factor is not None or vt.detour_const_s is not None]
    if own:
        return _no_hindsight(window, f"types with rules of their own ({', '.join(own)}): "
                             "static plans take the service's", len(requests))
    sub = replace(inst, requests=requests, fleet=fleet,
                  stops={k: v for k, v in inst.stops.items() if k in {vt.name for vt in fleet}})
    try:
        online = simulate(sub.sim_inputs(bi.oracle, _dispatch(policy, options, cost), seed))
    except Exception as exc:  # noqa: BLE001 - an outside policy may raise anything
        return _no_hindsight(window, f"the simulation of the window raised "
                             f"{type(exc).__name__}: {exc}", len(requests))
    by_name = {vt.name: vt for vt in fleet}
    caps = online.vehicles["capacity"].to_numpy(np.int64)
    setup = PlanSetup(fleet=int(caps.size), capacity=caps, network=inst.network,
                      service=inst.service, start_nodes=simulated_start_nodes(online).tolist(),
                      return_to_depot=False,
                      vehicle_type=[by_name[str(t)] for t in online.vehicles["vehicle_type"]])
    plan = hindsight_plan(requests, bi.oracle, setup, trips=online.trips,
                          options=SearchOptions(time_limit_s=window.time_limit_s))
    table = hindsight_table(online, plan).set_index("key")
    on_km = float(table.loc["vehicle_km", "online"])
    hs_km = float(table.loc["vehicle_km", "hindsight"])
    planned = int(len(plan.trips))
    served = int(plan.kpis["n_served"])
    note = "; ".join(f"left out {k}: {v}" for k, v in left.items())
    if not plan.solution.feasible or served < planned:
        note = "; ".join(x for x in (note, f"hindsight served {served} of {planned}: no "
                                     "gap (not the same work)") if x)
        gap = float("nan")
    else:
        gap = float(table.loc["vehicle_km", "gap_pct"])
    return {"hindsight_window": _window_label(window), "hindsight_requests": len(requests),
            "hindsight_planned": planned, "hindsight_served": served,
            "window_online_km": on_km, "window_hindsight_km": hs_km,
            "hindsight_gap_pct": gap, "hindsight_note": note}


WARM_UP_REQUESTS = 20
"""Requests of the untimed warm-up run before each timed row (:func:`warm_up`)."""


def warm_up(bi: BenchInstance, policy: str, options: dict[str, Any], seed: int,
            cost: str = "added_time") -> None:
    """Simulate ``policy`` on the first :data:`WARM_UP_REQUESTS` requests of ``bi``,
    untimed, so that the timed row includes neither compiling or loading the policy's numba
    kernels nor preparing the instance's travel-time tables (the transposed table, read or
    written once per process and network)."""
    from dataclasses import replace

    from kl_mobility.sim import simulate

    part = replace(bi.instance, requests=bi.instance.requests.iloc[:WARM_UP_REQUESTS])
    simulate(part.sim_inputs(bi.oracle, _dispatch(policy, options, cost), seed))


def bench_dispatch(instances: Sequence[BenchInstance], policies: Sequence[str], *,
                   seed: int = 1, options: dict[str, dict[str, Any]] | None = None,
                   on_row: Callable[[dict[str, Any]], None] | None = None,
                   window: Any = None, cost: str = "added_time") -> list[dict[str, Any]]:
    """One row (:data:`COLUMNS`) per instance x policy, in that order; ``options`` maps a
    policy name to its ``[dispatch.options]``; ``on_row`` sees each row when done;
    ``window`` (a :class:`~kl_mobility.planning.options.HindsightWindow`) adds the
    :data:`HINDSIGHT_COLUMNS`; ``cost``: the ``dispatch.cost`` of every row (the shipped
    scenarios run ``rider_time``; the default is :class:`~kl_mobility.dispatch.
    DispatchConfig`'s)."""
    rows = []
    for bi in instances:
        for policy in policies:
            opts = (options or {}).get(policy, {})
            try:
                warm_up(bi, policy, opts, seed, cost)
            except Exception as exc:  # noqa: BLE001 - the timed run reports what it raises
                logging.getLogger(__name__).warning(
                    "the warm-up of policy %s on %s raised %s: %s; its CPU time may include "
                    "compiling its kernels", policy, bi.label, type(exc).__name__, exc)
            row = _row(bi, policy, opts, seed, cost)
            if window is not None:
                row.update(hindsight_gap(bi, policy, opts, seed, window, cost))
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def rows_to_csv(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write the table atomically (a temporary file renamed onto ``path``)."""
    from kl_mobility.io import atomic_file

    with atomic_file(path) as tmp, open(tmp, "w", newline="") as fh:
        names = [c for c, _ in COLUMNS]
        if any("hindsight_gap_pct" in r for r in rows):
            names += [c for c, _ in HINDSIGHT_COLUMNS]
        w = csv.DictWriter(fh, fieldnames=names)
        w.writeheader()
        for r in rows:
            w.writerow({c: (f"{v:.6g}" if isinstance(v, float) else v) for c, v in r.items()})
    return Path(path)
