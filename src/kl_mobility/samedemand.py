"""Comparisons on the same demand: a run simulating another run's settled requests.

Drivetrain, fleet-size and dispatch comparisons are only clean when both sides serve the
same requests. With its own demand rounds, a diesel twin of an electric package gets more
requests (no charging stops -> better service -> more riders), so its CO2 difference mixes
the drivetrain with a demand effect. A run therefore can take the settled requests of
another run:

- ``kl-mobility run SCENARIO --requests-from RUN_DIR`` (the folder of a finished run: its
  ``requests.parquet``, ``run.json``, ``kpis.json`` and ``co2.json``), or
- the scenario key ``demand.requests_from_scenario = "other.toml"``: that scenario is
  settled first, in the same process, with the same seed (its own network and rounds).

The run then simulates those requests once with its own fleet (no demand rounds) and
``co2.json`` "same_demand" splits the fleet CO2 difference to the source run exactly:

- **drivetrain effect** = the source's vehicle-km by vehicle type x (this run's g per
  vehicle-km - the source's): the same kilometres, other factors;
- **operations effect** = (this run's vehicle-km - the source's) by type x this run's
  factors: what the vehicles drive differently on the same requests. For the diesel twin
  of an electric fleet it is the **charging effect** (electric vehicles leave service to
  charge; diesel vehicles do not), plus dispatch noise from the changed schedules;
- drivetrain + operations = this run's fleet CO2 - the source's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kl_mobility.context import RunContext
from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback

__all__ = ["SameDemand", "SourceRun", "compare_same_demand", "source_run"]


@dataclass(frozen=True, eq=False)
class SourceRun:
    """The run whose requests are simulated: its settled ``requests`` and what the
    comparison needs of its fleet (vehicle-km and g per vehicle-km by vehicle type)."""

    label: str
    requests: pd.DataFrame
    summary: dict[str, Any]
    km_by_type: dict[str, float]
    g_by_type: dict[str, float]
    fleet_kg: float
    n_served: float
    vehicle_km: float


@dataclass(frozen=True)
class SameDemand:
    """The split of the fleet CO2 difference to the source run (module docstring)."""

    source: str
    terms: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def kpis(self) -> dict[str, float]:
        """Flat KPIs ``co2_same_demand_<term>``."""
        return {f"co2_same_demand_{k}": float(v) for k, v in self.terms.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (``co2.json`` "same_demand")."""
        return {"source": self.source, "terms": dict(self.terms), "notes": list(self.notes),
                "convention": "drivetrain = source km x (own - source g/vkm); operations "
                "(charging for an electric source) = (own - source km) x own g/vkm"}


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found (--requests-from needs a finished run folder "
                         "of this version: requests.parquet, run.json, kpis.json, co2.json)"
                         ) from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def _from_folder(run_dir: Path, network: Any) -> SourceRun:
    from kl_mobility.demand import requests_from_file

    run = _read(run_dir / "run.json")
    kpis = _read(run_dir / "kpis.json")
    co2 = _read(run_dir / "co2.json")
    if run.get("n_nodes") != network.n_nodes:
        raise InputError(f"{run_dir / 'run.json'}: the run used a network of "
                         f"{run.get('n_nodes')} nodes, this scenario's has {network.n_nodes}; "
                         "its requests' nodes do not apply")
    path = run_dir / "requests.parquet"
    if not path.is_file():
        raise InputError(f"{path}: not found (runs write their settled requests there; "
                         "re-run the source with this version)")
    requests, _ = requests_from_file(path, network=network)
    rows = co2.get("per_rider_avoided", {}).get("by_type", [])
    return SourceRun(
        f"run folder {run_dir} (scenario {run.get('scenario')}, seed {run.get('seed')})",
        requests, {"source": str(path), "requests": len(requests)},
        {r["vehicle_type"]: float(r["km_total"]) for r in rows},
        {r["vehicle_type"]: float(r["g_per_vkm"]) for r in rows},
        float(co2.get("per_rider_avoided", {}).get("totals", {}).get("fleet_co2_kg", 0.0)),
        float(kpis.get("n_served", 0.0)), float(kpis.get("vehicle_km", 0.0)))


def source_run(scenario: Any, seed: int, requests_from: str | Path | None, network: Any, *,
               cache_dir: str | Path | None = None,
               progress: ProgressCallback | None = None) -> SourceRun | None:
    """The source of a run's requests: the folder ``requests_from``, else the settled
    ``scenario.requests_source`` (same seed, demand rounds of
    :func:`kl_mobility.rounds.settle_demand`), else ``None`` (the run's own demand)."""
    if requests_from is not None:
        return _from_folder(Path(requests_from), network)
    source = scenario.requests_source
    if source is None:
        return None
    from kl_mobility.emissions import co2_account
    from kl_mobility.rounds import settle_demand

    ctx = RunContext.prepare(source, cache_dir=cache_dir, progress=progress)
    net = ctx.network
    if net.n_nodes != network.n_nodes:
        raise InputError(f"scenario {scenario.name!r}: key 'demand.requests_from_scenario': "
                         f"{source.name} runs on a network of {net.n_nodes} nodes, this "
                         f"scenario's has {network.n_nodes}")
    settled = settle_demand(ctx, seed=seed)
    acc = co2_account(settled.result.trips, settled.result.vehicles, source.fleet,
                      source.emissions)
    rows = acc.by_type
    return SourceRun(
        f"scenario {source.name}, seed {seed} (settled in this run, "
        f"{settled.n_rounds} demand rounds)",
        settled.requests, {"source": f"scenario {source.name}, seed {seed}",
                           "requests": len(settled.requests),
                           "source_converged": settled.converged},
        dict(zip(rows["vehicle_type"], rows["km_total"].astype(float))),
        dict(zip(rows["vehicle_type"], rows["g_per_vkm"].astype(float))),
        float(acc.totals["fleet_co2_kg"]), float(settled.result.kpis.get("n_served", 0.0)),
        float(settled.result.kpis.get("vehicle_km", 0.0)))


def compare_same_demand(source: SourceRun, scenario: Any, result: Any, account: Any
                        ) -> SameDemand:
    """The split of the module docstring from this run's :class:`CO2Account`."""
    rows = account.by_type
    own_km = dict(zip(rows["vehicle_type"], rows["km_total"].astype(float)))
    own_g = dict(zip(rows["vehicle_type"], rows["g_per_vkm"].astype(float)))
    notes = []
    drivetrain = operations = 0.0
    for t, km in source.km_by_type.items():
        if t not in own_g:
            notes.append(f"vehicle type {t!r} of the source is not in this run: its "
                         f"{km:,.0f} km count as operations (not driven here)")
            operations -= km * source.g_by_type[t] / 1000.0
            continue
        drivetrain += km * (own_g[t] - source.g_by_type[t]) / 1000.0
        operations += (own_km[t] - km) * own_g[t] / 1000.0
    for t, km in own_km.items():
        if t not in source.km_by_type:
            notes.append(f"vehicle type {t!r} is not in the source run")
            operations += km * own_g[t] / 1000.0
    fleet = float(account.totals["fleet_co2_kg"])
    terms = {"source_fleet_kg": source.fleet_kg, "fleet_kg": fleet,
             "fleet_change_kg": fleet - source.fleet_kg,
             "drivetrain_effect_kg": drivetrain, "operations_effect_kg": operations,
             "source_n_served": source.n_served,
             "n_served_change": float(result.kpis.get("n_served", 0.0)) - source.n_served,
             "vehicle_km_change": float(result.kpis.get("vehicle_km", 0.0))
             - source.vehicle_km}
    return SameDemand(source.label, terms, notes)
