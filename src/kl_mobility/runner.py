"""One scenario run from end to end: network -> demand -> simulation -> results on disk.

:func:`run_scenario` is what ``kl-mobility run`` and every batch job call. It

1. loads (or builds) the road network of the scenario with its speed caps and the
   travel-time oracle (both cached in ``networks/``);
2. snaps the explicit stops of stop-based vehicle types (``fleet.stops_latlon``) to network
   nodes (:func:`scenario_stops`) and derives where and when the service can take a trip
   (:func:`service_area`: the types' own hours and stops);
   builds the on-demand requests: read from ``demand.requests_file`` when given, else
   generated from the synthetic Kaiserslautern demand with the mode choice pivoting on a
   service level and offering on-demand only inside that service area;
   with ``demand.service_iterations > 1`` demand and service are iterated to agreement
   (:class:`kl_mobility.demand.modechoice.DemandRounds`): after each simulation the
   demand moves ``demand.service_step`` of the way towards the demand the measured service
   level (wait, detour, share served) gives, until the requests simulated and those the
   measured level gives agree within ``demand.service_requests_tol`` and the level moved
   by at most ``demand.service_level_tol``, or ``service_iterations`` rounds are done
   (a warning is logged then); the last round's run is the result. The loop is
   :func:`settle_demand` (a :class:`SettledDemand`: the last round's requests, measured
   level, forecast and simulation, every round booked), public for callers that need the
   settled day without writing a run (``kl-mobility hindsight``);
3. simulates the day with the scenario's fleet (with those stops), service rules and
   dispatch policy; a ``rebalancing`` policy steers idle vehicles toward a forecast drawn
   from the demand model, not toward the day's realised requests
   (:func:`rebalancing_forecast`: the same demand model, service level and service area
   with a separate seed, :func:`forecast_seed`);
4. writes the output files the scenario's ``[outputs]`` asks for (the event log and the
   road-segment table can be switched off) plus the resolved scenario, the demand summary
   (with every round in ``demand.json``: requests, the requests its measured level gives,
   gaps, step, service figures; ``converged``), the CO2 account and the operator costs
   (``costs.json``, :mod:`kl_mobility.economics`), the who-gains tables by district and
   hour (``districts.csv``, ``district_dest.csv``, ``hours.csv``, ``accessibility.csv``,
   :mod:`kl_mobility.results.districts`) into a staging folder
   that is renamed onto ``out_dir`` at the end, so a run folder is either complete or
   absent.

Besides the simulation's key figures, the returned KPIs (``kpis.json``) carry the CO2
account's (``co2_*``), ``runtime_s`` and the rounds (:data:`ROUND_KPIS`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kl_mobility import __version__
from kl_mobility.context import MAX_STOP_SNAP_M, RunContext, prepare_network, scenario_stops
from kl_mobility.network import RoadNetwork, TravelTimeOracle
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.scenario import Scenario

if TYPE_CHECKING:
    from kl_mobility.calibration import Calibration
    from kl_mobility.demand.generate import Demand
    from kl_mobility.demand.modechoice import DemandRounds, ServiceLevel
    from kl_mobility.demand.servicearea import ServiceArea
    from kl_mobility.planning.options import HindsightWindow
    from kl_mobility.planning.window import HindsightRun
    from kl_mobility.results.records import SimulationResult

__all__ = ["FORECAST_SEED_TAG", "MAX_STOP_SNAP_M", "ROUND_KPIS", "RunContext", "SettledDemand",
           "demand_feedback", "forecast_seed", "measured_local_level", "prepare_network",
           "rebalancing_forecast", "run_hindsight", "run_scenario", "scenario_requests",
           "scenario_stops", "service_area", "settle_demand", "structural_warnings"]

FORECAST_SEED_TAG = 0x666F7265  # "fore"
"""Mixed with the run's seed into the forecast's own seed (:func:`forecast_seed`)."""

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

REJECTS_KEY = "rejects"
"""Key of the rejected rows (a DataFrame: ``line``, ``reason``, raw fields) in the demand
summary of :func:`scenario_requests` with ``demand.requests_skip_invalid``; a run writes
them to ``rejects.csv`` (every rejected row, none dropped silently) and counts them in the
KPI ``requests_rejected``."""

log = logging.getLogger(__name__)


def service_area(scenario: Scenario, network: RoadNetwork,
                 stops: Mapping[str, np.ndarray] | None = None) -> ServiceArea | None:
    """Where and when the scenario's active vehicle types can take a trip, for the demand
    model (:class:`kl_mobility.demand.ServiceArea`): each type's own hours and, for a type
    with explicit stops, their positions; ``None`` when no type restricts anything (every
    active type door to door or on virtual stops, in the service's hours).
    """
    from kl_mobility.demand.servicearea import ServiceArea

    stops = scenario_stops(scenario, network) if stops is None else stops
    svc = scenario.service
    active = [vt for vt in scenario.fleet if vt.count > 0]
    if not active:
        return None
    hours = [vt.hours(svc) for vt in active]
    x = np.asarray(network.node_x, np.float64)
    y = np.asarray(network.node_y, np.float64)
    xy = tuple(np.column_stack([x[stops[vt.name]], y[stops[vt.name]]])
               if vt.name in stops else None for vt in active)
    if all(s is None for s in xy) and all(h == (svc.start_s, svc.end_s) for h in hours):
        return None
    return ServiceArea(tuple(h[0] for h in hours), tuple(h[1] for h in hours), xy,
                       max_walk_m=svc.max_walk_m, walk_detour_factor=svc.walk_detour_factor,
                       walk_speed_kmh=svc.walk_speed_kmh)


def _write_json(path: Path, data: Any) -> None:
    from kl_mobility.io import write_json

    write_json(path, data, sort_keys=True)


def scenario_requests(
    ctx: RunContext,
    *,
    seed: int,
    service_level: Any = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The on-demand requests of ``ctx.scenario`` and a summary of the demand behind them
    (the first round's, at ``service_level``: default the assumed level).

    Generated requests lie inside the :func:`service_area` of ``ctx.stops``."""
    from kl_mobility.demand import requests_from_file

    cfg = ctx.scenario.demand
    if cfg.requests_file:
        requests, rejects = requests_from_file(
            cfg.requests_file, network=ctx.network, skip_invalid=cfg.requests_skip_invalid
        )
        summary: dict[str, Any] = {
            "source": cfg.requests_file,
            "rows_accepted": len(requests),
            "rows_rejected": 0 if rejects is None else len(rejects),
        }
        if cfg.requests_skip_invalid and rejects is not None:
            summary[REJECTS_KEY] = rejects  # written by run_scenario as rejects.csv
        return requests, summary
    from kl_mobility.calibration import calibrated_scenario

    scenario, calibration = calibrated_scenario(ctx.scenario, cache_dir=ctx.cache_dir,
                                                progress=ctx.progress)
    demand = _scenario_demand(replace(ctx, scenario=scenario), seed=seed,
                              service_level=service_level)
    return demand.requests, {**demand.summary(), "calibration": calibration.to_dict()}


def _scenario_demand(ctx: RunContext, *, seed: int, service_level: Any,
                     area: Any = False, same_day: Demand | None = None) -> Demand:
    """The generated demand of a scenario (``area``: a prepared :func:`service_area`;
    ``same_day``: a demand of this scenario, seed and area whose draws are reused, see
    :func:`~kl_mobility.demand.generate_demand`)."""
    from kl_mobility.demand import generate_demand

    scenario = ctx.scenario
    has_service = any(v.count > 0 for v in scenario.fleet)
    if area is False:
        area = service_area(scenario, ctx.network, ctx.stops) if has_service else None
    return generate_demand(
        ctx.network, ctx.oracle, scenario.demand, seed=seed, service_level=service_level,
        ondemand=has_service,
        service_hours=(scenario.service.start_s, scenario.service.end_s),
        service_area=area, cache_dir=ctx.cache_dir, progress=ctx.progress, same_day=same_day,
    )


def forecast_seed(seed: int) -> int:
    """The demand seed of the rebalancing forecast of a run with ``seed``: the first 32-bit
    word of ``np.random.SeedSequence([seed, FORECAST_SEED_TAG])``, deterministic and
    independent of the realised day's streams (``SeedSequence(seed)`` and its spawns)."""
    return int(np.random.SeedSequence([int(seed), FORECAST_SEED_TAG]).generate_state(1)[0])


def rebalancing_forecast(
    ctx: RunContext,
    *,
    seed: int,
    service_level: Any = None,
) -> pd.DataFrame | None:
    """Expected demand for the ``rebalancing`` policy (``None`` for other policies).

    One more day drawn from the demand model (same configuration, ``service_level`` and
    service area as the realised requests, but seed :func:`forecast_seed(seed)
    <forecast_seed>`), so the rebalancer knows where and when demand is *expected* without
    seeing the day's actual requests. Columns ``time_s`` (its ``request_time_s``: the
    desired departure) and ``origin_node``, as ``SimInputs(..., forecast=)`` takes them.
    Scenarios reading ``demand.requests_file`` get their forecast from the demand model too.
    """
    if ctx.scenario.dispatch.policy != "rebalancing":
        return None
    from kl_mobility.calibration import calibrated_scenario

    scenario, _ = calibrated_scenario(ctx.scenario, cache_dir=ctx.cache_dir,
                                      progress=ctx.progress)
    demand = _scenario_demand(replace(ctx, scenario=scenario), seed=forecast_seed(seed),
                              service_level=service_level)
    return _forecast_table(demand)


def _forecast_table(demand: Demand) -> pd.DataFrame:
    req = demand.requests
    return pd.DataFrame({"time_s": req["request_time_s"].to_numpy(np.int64),
                         "origin_node": req["origin_node"].to_numpy(np.int64)})


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

    source = source_run(scenario, seed, requests_from, net, settle=settle_demand,
                        cache_dir=cache_dir, progress=progress)
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
    from kl_mobility.economics import operator_costs

    costs = operator_costs(result.vehicles, result.trips, scenario.costs,
                           fare_eur=scenario.demand.fare_eur,
                           fare_per_km_eur=scenario.demand.fare_per_km_eur,
                           co2_city_net_kg=city.terms["net_kg"],
                           co2_per_rider_net_kg=float(account.totals["net_co2_kg"]))
    kpis.update(costs.kpis())
    from kl_mobility.results.districts import who_gains

    gains = who_gains(result.trips, settled.requests,
                      settled.demand.zones if settled.demand is not None else None,
                      ctx.oracle, scenario.demand,
                      door_to_door=any(v.count > 0 and not v.stop_based for v in scenario.fleet))
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
        from kl_mobility.demand import requests_to_parquet

        requests_to_parquet(settled.requests, run_dir / "requests.parquet")
        _write_json(run_dir / "demand.json", {
            "summary": demand_summary, "iterations": rounds.rounds,
            "structural_warnings": warnings,
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


def run_city_co2(scenario: Scenario, settled: SettledDemand, net: RoadNetwork,
                 oracle: TravelTimeOracle, account: Any, *,
                 cache_dir: str | Path | None = None,
                 progress: ProgressCallback | None = None) -> Any:
    """The city-wide CO2 of a settled run against its reference case
    (:mod:`kl_mobility.citywide`): the reference case's network and demand (with the
    constants the run used under the pivot point), the run's served requests and fleet
    CO2; ``account``: the run's :class:`~kl_mobility.emissions.CO2Account`."""
    from kl_mobility.calibration import reference_case
    from kl_mobility.citywide import scenario_city_co2

    base = reference_case(scenario)
    ran = settled.scenario or scenario
    ref_demand = base.demand
    if settled.calibration is not None and settled.calibration.convention == "baseline":
        asc = settled.calibration.asc
        ref_demand = dataclasses.replace(base.demand, asc_walk=asc["walk"],
                                         asc_bike=asc["bike"], asc_bus=asc["bus"],
                                         calibrate=False)
    ref = prepare_network(Scenario(name="reference", network=base.network, demand=ref_demand),
                          cache_dir=cache_dir, progress=progress)
    zones = settled.demand.zones if settled.demand is not None else None
    return scenario_city_co2(ran, settled.result.trips, net, oracle,
                             float(account.totals["fleet_co2_kg"]),
                             float(account.totals["net_co2_kg"]), reference_name=base.name,
                             reference_network=ref, reference_demand=ref_demand, zones=zones,
                             cache_dir=cache_dir)


@dataclass(frozen=True, eq=False)
class SettledDemand:
    """A scenario's day once demand and service agree, as :func:`settle_demand` (and so
    :func:`run_scenario`) leaves it.

    ``requests``: the request table of the last round (the day ``kl-mobility run``
    reports; its ``trips.parquet`` has one row per request); ``summary``: that demand's
    summary (``demand.json`` "summary"); ``service_level``: the
    :class:`~kl_mobility.demand.modechoice.ServiceLevel` the last round's simulation
    measured (the one the requests were checked against); ``forecast``: the last round's
    rebalancing forecast (``None`` unless the policy is ``rebalancing``); ``result``: the
    last round's :class:`~kl_mobility.results.records.SimulationResult`; ``rounds``: the
    :class:`~kl_mobility.demand.modechoice.DemandRounds` with every round booked
    (``rounds.rounds``: the rows of ``demand.json`` "iterations"); ``feedback``: whether
    the requests respond to the service at all (:func:`demand_feedback`; without it there
    is one round, in agreement by definition); ``demand``: the last round's generated
    :class:`~kl_mobility.demand.generate.Demand` (every resident's trip with its mode;
    ``None`` when the requests come from ``demand.requests_file``).
    """

    requests: pd.DataFrame
    summary: dict[str, Any]
    service_level: ServiceLevel
    forecast: pd.DataFrame | None
    result: SimulationResult
    rounds: DemandRounds
    feedback: bool
    calibration: Calibration | None = None
    """The mode-choice constants used and their origin (``None`` when no demand was
    generated: a requests file without rebalancing forecast)."""
    scenario: Scenario | None = None
    """The scenario as run: its demand section with the calibrated constants fixed."""
    demand: Demand | None = None
    """The last round's generated demand (every resident trip; ``None`` for a requests
    file)."""

    @property
    def history(self) -> list[dict[str, Any]]:
        """One row per round (:meth:`DemandRounds.record`, plus ``forecast_requests``,
        ``share_served``, ``wait_mean_s``, ``detour_mean`` of its simulation)."""
        return self.rounds.rounds

    @property
    def n_rounds(self) -> int:
        """Rounds run (simulations of the whole day)."""
        return len(self.rounds.rounds)

    @property
    def final_round(self) -> int:
        """0-based index of the round the requests come from (``iteration`` in
        ``demand.json``): the last one."""
        return self.n_rounds - 1

    @property
    def converged(self) -> bool:
        """The last round's demand and service agree within the scenario's tolerances."""
        return self.rounds.converged


def demand_feedback(scenario: Scenario) -> bool:
    """Whether the scenario's requests respond to its service: generated demand (no
    ``demand.requests_file``) with an active on-demand fleet."""
    return any(v.count > 0 for v in scenario.fleet) and not scenario.demand.requests_file


def settle_demand(ctx: RunContext, *, seed: int, requests: pd.DataFrame | None = None,
                  requests_summary: dict[str, Any] | None = None) -> SettledDemand:
    """Demand and simulation of ``ctx.scenario``'s day iterated to agreement (module
    docstring, step 2), exactly as :func:`run_scenario` does it: every round simulates the
    whole day; the last round's requests, level, forecast and simulation are returned with
    every round booked. ``requests`` (with ``requests_summary``): another run's settled
    requests, simulated as they are (one round, no demand of this scenario's own).
    Deterministic in ``seed``; the result is the one ``run_scenario(scenario, seed, ...)``
    writes. Logs nothing; an unconverged result says so in ``converged``."""
    from kl_mobility.calibration import calibrated_scenario
    from kl_mobility.demand import ServiceLevel
    from kl_mobility.demand.modechoice import DemandRounds
    from kl_mobility.sim import SimInputs, simulate

    calibration = None
    if not ctx.scenario.demand.requests_file or ctx.scenario.dispatch.policy == "rebalancing":
        scenario, calibration = calibrated_scenario(ctx.scenario, cache_dir=ctx.cache_dir,
                                                    progress=ctx.progress)
        ctx = replace(ctx, scenario=scenario)
    scenario, net, stops = ctx.scenario, ctx.network, ctx.stops
    cfg = scenario.demand
    svc = scenario.service
    has_service = any(v.count > 0 for v in scenario.fleet)
    feedback = demand_feedback(scenario) and requests is None
    rounds = DemandRounds.from_config(cfg, max_rounds=cfg.service_iterations if feedback
                                      else 1)
    rebalancing = scenario.dispatch.policy == "rebalancing"
    area = service_area(scenario, net, stops) if has_service else None
    gen: dict[str, Any] = {"area": area}
    fc_seed = forecast_seed(seed)
    expected = ServiceLevel.assumed(cfg, start_s=svc.start_s, end_s=svc.end_s)
    demand = fc_demand = day = None
    if requests is not None:  # another run's settled requests (the same demand)
        summary = dict(requests_summary or {})
        summary.setdefault("requests", len(requests))
    elif feedback:
        demand = day = _scenario_demand(ctx, seed=seed, service_level=None, **gen)
        requests, summary = demand.requests, demand.summary()
    elif cfg.requests_file:
        requests, summary = scenario_requests(ctx, seed=seed)
    else:  # generated demand that does not respond to a service: one round
        day = _scenario_demand(ctx, seed=seed, service_level=None, **gen)
        requests, summary = day.requests, day.summary()
    if rebalancing:
        fc_demand = _scenario_demand(ctx, seed=fc_seed, service_level=None, **gen)
    while True:
        it = len(rounds.rounds)
        report(ctx.progress, "demand rounds", it, rounds.max_rounds)
        forecast = None if fc_demand is None else _forecast_table(fc_demand)
        result = simulate(SimInputs(net, ctx.oracle, requests, scenario.service, scenario.fleet,
                                    scenario.dispatch, seed=seed, stops=stops or None,
                                    external_speed_kmh=cfg.external_speed_kmh,
                                    forecast=forecast),
                          progress=ctx.progress, cache_dir=ctx.cache_dir)
        level = expected.with_kpis(result.kpis)  # nothing measured: as expected
        level = measured_local_level(level, requests, result.trips, cfg)
        response = response_fc = None
        if demand is not None:
            response = _scenario_demand(ctx, seed=seed, service_level=level, same_day=demand,
                                        **gen)
            row = rounds.record(len(requests), len(response.requests), level, expected)
        else:  # the requests do not depend on the service: agreement by definition
            row = rounds.record(len(requests), len(requests), level, level)
        row.update({"forecast_requests": None if forecast is None else len(forecast),
                    "share_served": result.kpis.get("share_served"),
                    "wait_mean_s": result.kpis.get("wait_mean_s"),
                    "detour_mean": result.kpis.get("detour_mean")})
        if rounds.done:
            break
        assert demand is not None and response is not None
        demand = day = _next_demand(rounds, demand, response)
        requests, summary = demand.requests, demand.summary()
        if fc_demand is not None:
            response_fc = _scenario_demand(ctx, seed=fc_seed, service_level=level,
                                           same_day=fc_demand, **gen)
            fc_demand = _next_demand(rounds, fc_demand, response_fc)
        expected = level
    report(ctx.progress, "demand rounds", rounds.max_rounds, rounds.max_rounds)
    return SettledDemand(requests=requests, summary=summary, service_level=level,
                         forecast=forecast, result=result, rounds=rounds, feedback=feedback,
                         calibration=calibration, scenario=scenario, demand=day)


def structural_warnings(scenario: Scenario, network: RoadNetwork, *,
                        cache_dir: str | Path | None = None) -> list[str]:
    """Demand the scenario can never serve, found before anything runs: an outer district
    whose drive from the network's edge (its offset) is longer than the longest pickup
    deadline of the door-to-door types (``fleet.<type>.max_wait_s``, else
    ``service.max_wait_s``: no vehicle reaches it in time), and a stop farther
    than ``service.max_walk_m`` from the road network. One line each, naming the district
    or stop and the key to change."""
    from kl_mobility.network import nearest_nodes

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
        for name, off in zip(zones.name, zones.offset_s):
            if off > wait:
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


def measured_local_level(level: ServiceLevel, requests: pd.DataFrame, trips: pd.DataFrame,
                         config: Any) -> ServiceLevel:
    """``level`` with the share served and mean wait measured per district and period
    (:func:`kl_mobility.demand.modechoice.local_service`) when ``config.service_feedback``
    is ``"district"`` and requests were simulated; else ``level`` without local parts.
    A request's district is its outer district (an end with an offset), else the core;
    its period that of its desired pickup."""
    from kl_mobility.demand.modechoice import local_service

    if config.service_feedback != "district" or len(requests) == 0:
        return dataclasses.replace(level, local=None)
    req = requests.set_index("request_id")
    t = trips.set_index("request_id").reindex(req.index)
    dest_out = req["dest_offset_s"].to_numpy() > 0
    orig_out = req["origin_offset_s"].to_numpy() > 0
    district = np.where(dest_out, req["dest_zone"].astype(str).to_numpy(),
                        np.where(orig_out, req["origin_zone"].astype(str).to_numpy(), "core"))
    depart = req["earliest_pickup_s"].astype("float64").fillna(
        req["request_time_s"].astype("float64")).to_numpy()
    served = t["status"].astype(str).to_numpy() == "served"
    wait = t["wait_s"].astype("float64").fillna(0.0).to_numpy()
    return dataclasses.replace(level, local=local_service(district, depart, served, wait,
                                                          level, config))


def _next_demand(rounds: Any, current: Demand, response: Demand) -> Demand:
    """The next round's demand: the day of ``response`` (the same trips and draws as
    ``current``, same seed; its summary names the measured level) with the probabilities
    :meth:`DemandRounds.next_probability` moves from ``current`` towards ``response``."""
    if current.ondemand_probability is None or response.ondemand_probability is None:
        raise ValueError("demand without per-trip on-demand probabilities")
    return response.with_ondemand_probability(rounds.next_probability(
        current.ondemand_probability, response.ondemand_probability))


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
