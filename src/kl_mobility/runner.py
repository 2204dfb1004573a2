"""One scenario run from end to end: network -> demand -> simulation -> results on disk.

:func:`run_scenario` is what ``kl-mobility run`` and every batch job call. It

1. loads (or builds) the road network of the scenario with its speed caps and the
   travel-time oracle (both cached in ``networks/``);
2. builds the day (:mod:`kl_mobility.rounds`): snaps the explicit stops of stop-based
   vehicle types (``fleet.stops_latlon``) to network nodes (:func:`scenario_stops`),
   derives where and when the service can take a trip (:func:`service_area`), builds the
   on-demand requests (:func:`scenario_requests`: a requests file, or generated demand) and,
   with ``demand.service_iterations > 1``, iterates demand and service to agreement
   (:func:`settle_demand`; a warning is logged when they do not agree within the rounds);
   the last round's run is the result;
3. simulates the day with the scenario's fleet (with those stops), service rules and
   dispatch policy (part of every round; a ``rebalancing`` policy gets its forecast from
   :func:`rebalancing_forecast`);
4. writes the output files the scenario's ``[outputs]`` asks for (the event log and the
   road-segment table can be switched off) plus the resolved scenario, the demand summary
   (with every round in ``demand.json``: requests, the requests its measured level gives,
   gaps, step, service figures; ``converged``), the CO2 account and the operator costs
   (``costs.json``, :mod:`kl_mobility.economics`), the who-gains tables by district and
   hour (``districts.csv``, ``district_dest.csv``, ``hours.csv``, ``accessibility.csv``,
   :mod:`kl_mobility.results.districts`) and the GeoPackage ``run.gpkg``
   (``outputs.gpkg``, :mod:`kl_mobility.report.gis`) into a staging folder
   that is renamed onto ``out_dir`` at the end, so a run folder is either complete or
   absent.

Besides the simulation's key figures, the returned KPIs (``kpis.json``) carry the CO2
account's (``co2_*``), ``runtime_s`` and the rounds (:data:`ROUND_KPIS`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kl_mobility import __version__
from kl_mobility.context import (
    MAX_STOP_SNAP_M,
    RunContext,
    prepare_network,
    pt_supply,
    reference_supply,
    scenario_stops,
)
from kl_mobility.network import RoadNetwork, TravelTimeOracle
from kl_mobility.progress import ProgressCallback
from kl_mobility.rounds import (
    FORECAST_SEED_TAG,
    REJECTS_KEY,
    SettledDemand,
    demand_feedback,
    forecast_seed,
    measured_local_level,
    rebalancing_forecast,
    scenario_requests,
    service_area,
    settle_demand,
)
from kl_mobility.scenario import Scenario

if TYPE_CHECKING:
    from kl_mobility.planning.options import HindsightWindow
    from kl_mobility.planning.window import HindsightRun

__all__ = ["FORECAST_SEED_TAG", "MAX_STOP_SNAP_M", "ROUND_KPIS", "CityBasis", "RunContext",
           "SettledDemand", "city_basis", "demand_feedback", "forecast_seed",
           "measured_local_level", "prepare_network", "rebalancing_forecast", "run_hindsight",
           "run_scenario", "scenario_requests", "scenario_stops", "service_area",
           "settle_demand", "structural_warnings"]

ROUND_KPIS: tuple[tuple[str, str], ...] = (
    ("demand_rounds", "demand <-> simulation rounds run (1 without feedback: a requests "
     "file or no on-demand service)"),
    ("demand_converged", "1 when the last round's demand and service agree within "
     "demand.service_requests_tol / service_level_tol (always 1 without feedback), else 0"),
    ("demand_requests_gap", "last round: (requests its measured service level gives - "
     "requests simulated) / the larger of the two"),
    ("demand_level_gap", "last round: largest relative change of wait, detour and share "
     "served since the round before (round 0: since the assumed level)"),
)
"""Keys of the demand rounds in the run's KPIs (numbers, so batch summaries keep them)."""

log = logging.getLogger(__name__)


def _write_json(path: Path, data: Any) -> None:
    from kl_mobility.io import write_json

    write_json(path, data, sort_keys=True)


def run_scenario(
    scenario: Scenario,
    seed: int,
    out_dir: str | Path,
    *,
    cache_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
    requests_from: str | Path | None = None,
) -> dict[str, Any]:
    """Run ``scenario`` with ``seed`` and write its results to ``out_dir`` (atomically).

    Returns the KPI dictionary (also in ``out_dir/kpis.json``). ``requests_from``: a
    finished run folder whose settled requests (``requests.parquet``) this run simulates
    instead of its own demand (no demand rounds); the scenario key
    ``demand.requests_from_scenario`` does the same with another scenario settled first in
    this process. Either way ``co2.json`` "same_demand" splits the difference to that run
    (:mod:`kl_mobility.samedemand`).
    """
    from kl_mobility.emissions import co2_account
    from kl_mobility.io import staged_dir
    from kl_mobility.results.io import write_run

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    ctx = RunContext.prepare(scenario, cache_dir=cache_dir, progress=progress)
    net = ctx.network
    warnings = structural_warnings(scenario, net, cache_dir=cache_dir)
    for w in warnings:
        log.warning("scenario %s: %s", scenario.name, w)
    from kl_mobility.samedemand import compare_same_demand, source_run

    source = source_run(scenario, seed, requests_from, net, cache_dir=cache_dir,
                        progress=progress)
    settled = settle_demand(ctx, seed=seed,
                            requests=None if source is None else source.requests,
                            requests_summary=None if source is None else source.summary)
    result, demand_summary, rounds = settled.result, settled.summary, settled.rounds
    forecast = settled.forecast
    last = rounds.rounds[-1]
    if not rounds.converged:
        log.warning(
            "run %s seed %d: demand and service did not agree within %d rounds (requests "
            "gap %.1f %%, tolerance %.1f %%; service-level change %.1f %%, tolerance %.1f %%)",
            scenario.name, seed, len(rounds.rounds), 100 * last["requests_gap"],
            100 * rounds.requests_tol, 100 * last["level_gap"], 100 * rounds.level_tol)

    demand_summary = dict(demand_summary)
    rejects = demand_summary.pop(REJECTS_KEY, None)
    account = co2_account(result.trips, result.vehicles, scenario.fleet, scenario.emissions)
    city = run_city_co2(scenario, settled, net, ctx.oracle, account, cache_dir=cache_dir,
                        progress=progress)
    kpis = dict(result.kpis)
    if rejects is not None:
        kpis["requests_rejected"] = len(rejects)
        if len(rejects):
            log.warning("run %s: %d row(s) of %s rejected (requests_skip_invalid); listed "
                        "in %s", scenario.name, len(rejects), scenario.demand.requests_file,
                        out_dir / "rejects.csv")
    kpis.update(account.kpis())
    kpis.update({f"co2_{k}": v for k, v in city.kpis().items()})
    kpis.update(_pt_supply_kpis(ctx))
    from kl_mobility.economics import operator_costs

    costs = operator_costs(result.vehicles, result.trips, scenario.costs,
                           fare_eur=scenario.demand.fare_eur,
                           fare_per_km_eur=scenario.demand.fare_per_km_eur,
                           co2_city_net_kg=city.terms["net_kg"],
                           co2_per_rider_net_kg=float(account.totals["net_co2_kg"]))
    kpis.update(costs.kpis())
    from kl_mobility.results.districts import (
        default_districts_path,
        district_map_from_geojson,
        who_gains,
    )

    zones = settled.demand.zones if settled.demand is not None else None
    districts = district_map_from_geojson(default_districts_path(),
                                          scenario.demand.external_zones)
    gains = who_gains(result.trips, settled.requests, zones, ctx.oracle, scenario.demand,
                      door_to_door=any(v.count > 0 and not v.stop_based for v in scenario.fleet),
                      districts=districts, transit=ctx.transit, cache_dir=cache_dir)
    same = None if source is None else compare_same_demand(source, scenario, result, account)
    if same is not None:
        kpis.update(same.kpis())
    kpis.update({"demand_rounds": len(rounds.rounds),
                 "demand_converged": int(rounds.converged),
                 "demand_requests_gap": float(last["requests_gap"]),
                 "demand_level_gap": float(last["level_gap"])})
    kpis["runtime_s"] = round(time.perf_counter() - t0, 3)

    with staged_dir(out_dir) as run_dir:
        write_run(result, run_dir, events=scenario.outputs.event_log)
        if not scenario.outputs.edges:
            (run_dir / "edges.parquet").unlink(missing_ok=True)
        _write_json(run_dir / "kpis.json", kpis)
        co2 = {"citywide": city.to_dict(), "per_rider_avoided": account.to_dict()}
        if same is not None:
            co2["same_demand"] = same.to_dict()
        _write_json(run_dir / "co2.json", co2)
        _write_json(run_dir / "costs.json", costs.to_dict())
        for name, table in gains.items():
            table.to_csv(run_dir / f"{name}.csv", index=False)
        if scenario.outputs.gpkg:
            _write_run_gpkg(run_dir / "run.gpkg", ctx, result, settled, zones, gains,
                            districts)
        from kl_mobility.demand import requests_to_parquet
        from kl_mobility.demand.driving import driver_terms

        requests_to_parquet(settled.requests, run_dir / "requests.parquet")
        _write_json(run_dir / "demand.json", {
            "summary": demand_summary, "iterations": rounds.rounds,
            "structural_warnings": warnings,
            "car_terms": driver_terms(scenario.demand),
            "calibration": (None if settled.calibration is None
                            else settled.calibration.to_dict()),
            "converged": rounds.converged, "rounds": len(rounds.rounds),
            "max_rounds": rounds.max_rounds, "requests_tol": rounds.requests_tol,
            "level_tol": rounds.level_tol,
            "forecast_seed": forecast_seed(seed) if forecast is not None else None})
        _write_json(run_dir / "run.json", {
            "scenario": scenario.name, "seed": seed, "scenario_hash": scenario.content_hash(),
            "version": __version__, "network_key": net.key, "n_nodes": net.n_nodes,
        })
        _write_json(run_dir / "scenario.json", scenario.to_mapping())
        if rejects is not None:
            rejects.to_csv(run_dir / "rejects.csv", index=False)
    log.info("run %s seed %d done in %.1f s", scenario.name, seed, kpis["runtime_s"])
    return kpis


def _write_run_gpkg(path: Path, ctx: RunContext, result: Any, settled: SettledDemand,
                    zones: Any, gains: dict[str, pd.DataFrame], districts: Any) -> None:
    """``run.gpkg`` of a run (:func:`kl_mobility.report.gis.run_gpkg_layers`)."""
    from kl_mobility.report.gis import network_ways, run_gpkg_layers, write_gpkg
    from kl_mobility.service import depot_nodes

    sc, net = ctx.scenario, ctx.network
    layers = run_gpkg_layers(
        net, network_ways(net, cache_dir=ctx.cache_dir), result, requests=settled.requests,
        zones=zones, who=(districts, gains),
        depots=depot_nodes(sc.service, net.node_x, net.node_y), stops=dict(ctx.stops))
    write_gpkg(path, layers, title=f"kl-mobility run {sc.name}")


def _pt_supply_kpis(ctx: RunContext) -> dict[str, float]:
    """The feed's bus trips, vehicle-km and CO2 (:func:`kl_mobility.pt.supply.pt_kpis`) when
    the scenario routes the bus on a timetable, else nothing."""
    if ctx.transit is None:
        return {}
    from kl_mobility.pt.supply import pt_kpis

    return pt_kpis(ctx.transit, ctx.scenario.emissions.bus_g_per_vkm)


@dataclass(frozen=True, eq=False)
class CityBasis:
    """What the city-wide CO2 of a scenario compares, prepared once for every run of it
    that differs only in its fleet (``kl-mobility size``): the expected travel of the
    residents without on-demand service on the scenario's network (``travel``, its demand
    section with the constants used) and on the reference case's network (``reference``,
    with the constants the run used under the pivot point), and the reference's name.
    Neither depends on the fleet: the fleet enters only through the served requests and the
    fleet CO2 (:func:`kl_mobility.citywide.city_co2`). ``asc``: the mode-choice constants
    the basis was made with (a run with other constants cannot use it)."""

    travel: Any
    reference: Any
    reference_name: str
    asc: dict[str, float] | None
    pt_vkm: Any = None
    """Public transport vehicle-km of both sides (:func:`kl_mobility.citywide.pt_vehicle_km`)."""
    reference_bus_drivetrain: str | None = None


def city_basis(scenario: Scenario, settled: SettledDemand, net: RoadNetwork,
               oracle: TravelTimeOracle, *, cache_dir: str | Path | None = None,
               progress: ProgressCallback | None = None) -> CityBasis:
    """The :class:`CityBasis` of a settled run of ``scenario`` on ``net`` / ``oracle``."""
    from kl_mobility.calibration import reference_case
    from kl_mobility.demand.generate import expected_travel, load_zones

    base = reference_case(scenario)
    ran = settled.scenario or scenario
    ref_demand = base.demand
    asc = None
    if settled.calibration is not None:
        asc = dict(settled.calibration.asc)
        if settled.calibration.convention == "baseline":
            ref_demand = dataclasses.replace(base.demand, asc_walk=asc["walk"],
                                             asc_bike=asc["bike"], asc_bus=asc["bus"],
                                             calibrate=False)
    ref_net, ref_oracle = prepare_network(
        Scenario(name="reference", network=base.network, demand=ref_demand),
        cache_dir=cache_dir, progress=progress)
    zones = settled.demand.zones if settled.demand is not None else None
    if zones is None:
        zones = load_zones(net, ran.demand, cache_dir=cache_dir)
    transit = pt_supply(ran.pt, ran.network.osm_file, net, oracle, cache_dir=cache_dir)
    ref_transit = reference_supply(base, ref_net, ref_oracle, cache_dir=cache_dir)
    travel = expected_travel(net, oracle, ran.demand, zones=zones, transit=transit,
                             cache_dir=cache_dir)
    ref_zones = load_zones(ref_net, ref_demand, cache_dir=cache_dir)
    reference = expected_travel(ref_net, ref_oracle, ref_demand, zones=ref_zones,
                                transit=ref_transit, cache_dir=cache_dir)
    from kl_mobility.citywide import pt_vehicle_km

    return CityBasis(travel, reference, base.name, asc, pt_vehicle_km(transit, ref_transit),
                     base.bus_drivetrain)


def run_city_co2(scenario: Scenario, settled: SettledDemand, net: RoadNetwork,
                 oracle: TravelTimeOracle, account: Any, *,
                 cache_dir: str | Path | None = None,
                 progress: ProgressCallback | None = None,
                 basis: CityBasis | None = None) -> Any:
    """The city-wide CO2 of a settled run against its reference case
    (:mod:`kl_mobility.citywide`): the reference case's network and demand (with the
    constants the run used under the pivot point), the run's served requests and fleet
    CO2; ``account``: the run's :class:`~kl_mobility.emissions.CO2Account`. ``basis``: the
    expected travel of both sides prepared before (:func:`city_basis`) by another run of
    the same scenario and constants (any fleet); made here when ``None``. A basis made with
    other mode-choice constants is a ``ValueError``."""
    from kl_mobility.citywide import city_co2, served_pkm_by_alt_mode

    if basis is None:
        basis = city_basis(scenario, settled, net, oracle, cache_dir=cache_dir,
                           progress=progress)
    elif settled.calibration is not None and basis.asc != dict(settled.calibration.asc):
        raise ValueError(f"city CO2 basis made with the constants {basis.asc}, the run used "
                         f"{dict(settled.calibration.asc)}")
    ran = settled.scenario or scenario
    return city_co2(ran, basis.travel, basis.reference,
                    served_pkm_by_alt_mode(settled.result.trips, None if settled.demand is None
                                           else settled.demand.intermodal),
                    float(account.totals["fleet_co2_kg"]),
                    float(account.totals["net_co2_kg"]), reference_name=basis.reference_name,
                    pt_vkm=basis.pt_vkm, reference_bus_drivetrain=basis.reference_bus_drivetrain)


def structural_warnings(scenario: Scenario, network: RoadNetwork, *,
                        cache_dir: str | Path | None = None) -> list[str]:
    """Demand the scenario can never serve, found before anything runs: an outer district
    whose drive from the network's edge (its offset) is longer than the longest pickup
    deadline of the door-to-door types (``fleet.<type>.max_wait_s``, else
    ``service.max_wait_s``: no vehicle reaches it in time), and a stop farther
    than ``service.max_walk_m`` from the road network. One line each, naming the district
    or stop and the key to change."""
    from kl_mobility.network import nearest_nodes
    from kl_mobility.service import unreachable_offsets

    active = [vt for vt in scenario.fleet if vt.count > 0]
    if not active:
        return []
    svc = scenario.service
    out = []
    door = [vt for vt in active if not vt.stop_based]
    if door and not scenario.demand.requests_file:
        from kl_mobility.demand.generate import load_zones

        zones = load_zones(network, scenario.demand, cache_dir=cache_dir)
        longest = max(door, key=lambda vt: vt.rules(svc)[0])
        wait = longest.rules(svc)[0]
        key = (f"fleet.{longest.name}.max_wait_s" if longest.max_wait_s is not None
               else "service.max_wait_s")
        late = unreachable_offsets(np.asarray(zones.offset_s), wait)
        for name, off, bad in zip(zones.name, zones.offset_s, late):
            if bad:
                out.append(f"district {name}: the drive from the network's edge takes "
                           f"{int(off)} s, longer than the longest pickup deadline "
                           f"{key} = {wait} s of the door-to-door types, so trips "
                           f"starting there can never be picked up in time (raise {key})")
    for vt in active:
        if not (vt.stop_based and vt.stops_latlon):
            continue
        lat = np.array([p[0] for p in vt.stops_latlon], np.float64)
        lon = np.array([p[1] for p in vt.stops_latlon], np.float64)
        _, dist = nearest_nodes(network, lat, lon)
        for k, dm in enumerate(np.asarray(dist, np.float64)):
            if dm > svc.max_walk_m:
                out.append(f"stop fleet.{vt.name}.stops_latlon[{k}] ({lat[k]}, {lon[k]}) is "
                           f"{dm:.0f} m from the road network, more than service.max_walk_m "
                           f"= {svc.max_walk_m:g} m: nobody can walk to it (move the stop or "
                           "raise service.max_walk_m)")
    return out


def run_hindsight(scenario: Scenario, seed: int, window: HindsightWindow | None = None, *,
                  first_round: bool = False, cache_dir: str | Path | None = None,
                  progress: ProgressCallback | None = None) -> HindsightRun:
    """The hindsight benchmark of a window of ``scenario``'s day
    (:func:`kl_mobility.planning.window.hindsight_window`, ``window`` default
    :class:`~kl_mobility.planning.window.HindsightWindow`).

    The day is the settled one (:func:`settle_demand`, the day ``kl-mobility run``
    reports), or with ``first_round`` the demand model's first round (assumed service
    level, no full-day simulation); a requests file is the day either way (no rounds are
    run). The result's ``demand`` records which."""
    from kl_mobility.planning.options import HindsightWindow, demand_source
    from kl_mobility.planning.window import hindsight_window

    window = HindsightWindow() if window is None else window
    ctx = RunContext.prepare(scenario, cache_dir=cache_dir, progress=progress)
    forecast: pd.DataFrame | None
    if demand_feedback(scenario) and not first_round:
        settled = settle_demand(ctx, seed=seed)
        day, forecast = settled.requests, settled.forecast
        source = demand_source(settled)
    else:  # the first round, or requests that do not depend on the service
        day, _summary = scenario_requests(ctx, seed=seed)
        forecast = rebalancing_forecast(ctx, seed=seed)
        first = first_round and demand_feedback(scenario)
        source = demand_source(first_round=first, max_rounds=(
            scenario.demand.service_iterations if first else 1))
    return hindsight_window(ctx, day, seed=seed, window=window, forecast=forecast,
                            demand=source)
