"""The dispatch benchmark: policies x instances, one table.

Each instance is an instance folder (:mod:`kl_mobility.instance.folder`) or a scenario
file, whose settled day (:func:`kl_mobility.runner.settle_demand`: the day ``kl-mobility
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
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kl_mobility.instance.folder import Instance, instance_of_day, read_instance

__all__ = ["COLUMNS", "BenchInstance", "bench_dispatch", "load_bench_instance",
           "rows_to_csv", "scenario_instance"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("instance", "instance folder or scenario name"),
    ("policy", "dispatch policy"),
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
    return inst, ctx.oracle


def load_bench_instance(spec: str | Path, seed: int, progress: Any = None) -> BenchInstance:
    """An instance folder, or a scenario ``.toml`` file (its settled day with ``seed``)."""
    path = Path(spec)
    if path.suffix == ".toml" and path.is_file():
        inst, oracle = scenario_instance(path, seed, progress)
        label = inst.name
    else:
        inst, oracle = read_instance(path)
        label = path.name
    own = any(vt.stop_based or vt.max_wait_s is not None or vt.detour_factor is not None
              or vt.detour_const_s is not None for vt in inst.fleet)
    return BenchInstance(label, inst, oracle, own)


def _row(bi: BenchInstance, policy: str, options: dict[str, Any], seed: int) -> dict[str, Any]:
    import numpy as np

    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.results.check import check_outputs
    from kl_mobility.sim import simulate

    dispatch = DispatchConfig(policy=policy, options=dict(options))
    inputs = bi.instance.sim_inputs(bi.oracle, dispatch, seed)
    t0 = time.process_time()
    try:
        res = simulate(inputs)
    except Exception as exc:  # noqa: BLE001 - an outside policy may raise anything
        nan = float(np.nan)
        return {**dict.fromkeys((c for c, _ in COLUMNS), nan), "instance": bi.label,
                "policy": policy, "requests": len(inputs.requests), "served": 0,
                "cpu_s_per_day": time.process_time() - t0, "violations": 1,
                "violation_cases": 1,
                "first_violation": f"the simulation raised {type(exc).__name__}: {exc}"}
    cpu = time.process_time() - t0
    found = check_outputs(res, inputs.requests, bi.instance.service, bi.oracle.tt,
                          None, per_type_rules=bi.per_type_rules)
    k = res.kpis
    km = float(res.vehicles["km_total"].sum())
    return {
        "instance": bi.label, "policy": policy, "requests": int(k["n_requests"]),
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


def bench_dispatch(instances: Sequence[BenchInstance], policies: Sequence[str], *,
                   seed: int = 1, options: dict[str, dict[str, Any]] | None = None,
                   on_row: Callable[[dict[str, Any]], None] | None = None,
                   ) -> list[dict[str, Any]]:
    """One row (:data:`COLUMNS`) per instance x policy, in that order; ``options`` maps a
    policy name to its ``[dispatch.options]``; ``on_row`` sees each row when done."""
    rows = []
    for bi in instances:
        for policy in policies:
            row = _row(bi, policy, (options or {}).get(policy, {}), seed)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def rows_to_csv(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write the table atomically (a temporary file renamed onto ``path``)."""
    from kl_mobility.io import atomic_file

    with atomic_file(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[c for c, _ in COLUMNS])
        w.writeheader()
        for r in rows:
            w.writerow({c: (f"{v:.6g}" if isinstance(v, float) else v) for c, v in r.items()})
    return Path(path)
