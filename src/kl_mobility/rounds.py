"""A scenario's day: its demand, and demand and service iterated to agreement.

What a run simulates, before anything is written (:mod:`kl_mobility.runner` writes it):

- :func:`service_area`: where and when the scenario's active vehicle types can take a trip
  (the types' own hours and snapped stops), for the demand model;
- :func:`scenario_requests`: the on-demand requests, read from ``demand.requests_file``
  when given, else generated from the synthetic Kaiserslautern demand with the mode choice
  pivoting on a service level and offering on-demand only inside that service area;
- :func:`settle_demand`: with ``demand.service_iterations > 1`` demand and service are
  iterated to agreement (:class:`kl_mobility.demand.modechoice.DemandRounds`): after each
  simulation the demand moves ``demand.service_step`` of the way towards the demand the
  measured service level (wait, detour, share served; per district and period with
  ``demand.service_feedback = "district"``, :func:`measured_local_level`) gives, until the
  requests simulated and those the measured level gives agree within
  ``demand.service_requests_tol`` and the level moved by at most
  ``demand.service_level_tol``, or ``service_iterations`` rounds are done; the last round's
  run is the result (a :class:`SettledDemand`: the last round's requests, measured level,
  forecast and simulation, every round booked);
- :func:`rebalancing_forecast`: a ``rebalancing`` policy steers idle vehicles toward a
  forecast drawn from the demand model, not toward the day's realised requests (the same
  demand model, service level and service area with a separate seed,
  :func:`forecast_seed`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kl_mobility.context import RunContext, scenario_stops
from kl_mobility.network import RoadNetwork
from kl_mobility.progress import report
from kl_mobility.scenario import Scenario

if TYPE_CHECKING:
    from kl_mobility.calibration import Calibration
    from kl_mobility.demand.generate import Demand
    from kl_mobility.demand.modechoice import DemandRounds, ServiceLevel
    from kl_mobility.demand.servicearea import ServiceArea
    from kl_mobility.results.records import SimulationResult
    from kl_mobility.sim import SimInputs

__all__ = ["FORECAST_SEED_TAG", "REJECTS_KEY", "SettledDemand", "SharedDay", "demand_feedback",
           "forecast_seed", "measured_local_level", "rebalancing_forecast",
           "feeder_link", "scenario_requests", "service_area", "settle_demand",
           "with_feeder_day"]

FORECAST_SEED_TAG = 0x666F7265  # "fore"
"""Mixed with the run's seed into the forecast's own seed (:func:`forecast_seed`)."""

REJECTS_KEY = "rejects"
"""Key of the rejected rows (a DataFrame: ``line``, ``reason``, raw fields) in the demand
summary of :func:`scenario_requests` with ``demand.requests_skip_invalid``; a run writes
them to ``rejects.csv`` (every rejected row, none dropped silently) and counts them in the
KPI ``requests_rejected``."""


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
                     area: Any = False, same_day: Demand | None = None,
                     settle: bool = True) -> Demand:
    """The generated demand of a scenario (``area``: a prepared :func:`service_area`;
    ``same_day``: a demand of this scenario, seed and area whose draws are reused;
    ``settle=False``: its requests not built, see
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
        service_area=area, cache_dir=ctx.cache_dir, progress=ctx.progress,
        transit=ctx.transit, same_day=same_day, settle=settle,
        feeder=feeder_link(ctx) if has_service and ctx.transit is not None else None,
    )


def feeder_link(ctx: RunContext) -> Any:
    """How the scenario's intermodal trips become feeder requests
    (:class:`~kl_mobility.demand.intermodal.FeederLink`): the legs through
    :func:`kl_mobility.demand.feeder.feeder_requests` with the scenario's service rules
    and ``[feeder]`` transfer buffer and egress time."""
    import functools

    from kl_mobility.demand.feeder import feeder_requests
    from kl_mobility.demand.intermodal import FeederLink

    sc = ctx.scenario

    def build(legs: pd.DataFrame, first_id: int, *, network: Any, oracle: Any) -> pd.DataFrame:
        return feeder_requests(network, oracle, legs, service=sc.service, feeder=sc.feeder,
                               first_id=first_id)

    return FeederLink(functools.partial(build, network=ctx.network, oracle=ctx.oracle),
                      int(sc.feeder.transfer_buffer_s))


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


@dataclass(frozen=True, eq=False)
class SettledDemand:
    """A scenario's day once demand and service agree, as :func:`settle_demand` (and so
    :func:`~kl_mobility.runner.run_scenario`) leaves it.

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


@dataclass(eq=False)
class SharedDay:
    """What :func:`settle_demand` calls on one prepared context share when only the number
    of vehicles changes between them (``kl-mobility size``): the service area and the
    first round's demand (and rebalancing forecast), which depend on which vehicle types
    run, never on how many. Keyed by the scenario with every count set to 1 if it is
    above 0 (else 0) and the seed; used only for the same network, oracle and public
    transport objects. The demand of the first round is drawn with no measured service, so
    reusing it gives the day drawing it anew gives (the later rounds reuse its draws
    anyway, ``same_day``)."""

    entries: dict[tuple[Any, ...], tuple[Any, ...]] = dataclasses.field(default_factory=dict)

    def key(self, ctx: RunContext, seed: int) -> tuple[Any, ...]:
        sc = ctx.scenario
        fleet = tuple(replace(vt, count=int(vt.count > 0)) for vt in sc.fleet)
        return (replace(sc, fleet=fleet), int(seed))

    def get(self, ctx: RunContext, seed: int) -> tuple[Any, ...] | None:
        hit = self.entries.get(self.key(ctx, seed))
        if hit is None or hit[0] is not ctx.network or hit[1] is not ctx.oracle \
                or hit[2] is not ctx.transit:
            return None
        return hit[3:]

    def put(self, ctx: RunContext, seed: int, *values: Any) -> None:
        self.entries[self.key(ctx, seed)] = (ctx.network, ctx.oracle, ctx.transit, *values)


def settle_demand(ctx: RunContext, *, seed: int, requests: pd.DataFrame | None = None,
                  requests_summary: dict[str, Any] | None = None,
                  shared: SharedDay | None = None) -> SettledDemand:
    """Demand and simulation of ``ctx.scenario``'s day iterated to agreement (module
    docstring), exactly as :func:`~kl_mobility.runner.run_scenario` does it: every round simulates the
    whole day; the last round's requests, level, forecast and simulation are returned with
    every round booked. ``requests`` (with ``requests_summary``): another run's settled
    requests, simulated as they are (one round, no demand of this scenario's own).
    Deterministic in ``seed``; the result is the one ``run_scenario(scenario, seed, ...)``
    writes. Logs nothing; an unconverged result says so in ``converged``. ``shared``: the
    first round shared with other calls at other fleet sizes (:class:`SharedDay`)."""
    from kl_mobility.calibration import calibrated_scenario
    from kl_mobility.demand import ServiceLevel
    from kl_mobility.demand.modechoice import DemandRounds
    from kl_mobility.sim import SimInputs

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
    first = shared.get(ctx, seed) if shared is not None and feedback else None
    area, demand, fc_demand = first or (
        service_area(scenario, net, stops) if has_service else None, None, None)
    gen: dict[str, Any] = {"area": area}
    fc_seed = forecast_seed(seed)
    expected = ServiceLevel.assumed(cfg, start_s=svc.start_s, end_s=svc.end_s)
    day = None
    if requests is not None:  # another run's settled requests (the same demand)
        summary = dict(requests_summary or {})
        summary.setdefault("requests", len(requests))
    elif feedback:
        if demand is None:
            demand = _scenario_demand(ctx, seed=seed, service_level=None, **gen)
        day = demand
        requests, summary = demand.requests, demand.summary()
    elif cfg.requests_file:
        requests, summary = scenario_requests(ctx, seed=seed)
    else:  # generated demand that does not respond to a service: one round
        day = _scenario_demand(ctx, seed=seed, service_level=None, **gen)
        requests, summary = day.requests, day.summary()
    if rebalancing and fc_demand is None:
        fc_demand = _scenario_demand(ctx, seed=fc_seed, service_level=None, **gen)
    if shared is not None and feedback and first is None:
        shared.put(ctx, seed, area, demand, fc_demand)
    while True:
        it = len(rounds.rounds)
        report(ctx.progress, "demand rounds", it, rounds.max_rounds)
        forecast = None if fc_demand is None else _forecast_table(fc_demand)
        generated = requests
        requests, summary = _add_feeder_day(ctx, requests, summary, day, seed)
        result = _simulate_round(ctx, it + 1, SimInputs(
            net, ctx.oracle, requests, scenario.service, scenario.fleet, scenario.dispatch,
            seed=seed, stops=stops or None, external_speed_kmh=cfg.external_speed_kmh,
            forecast=forecast))
        level = expected.with_kpis(result.kpis)  # nothing measured: as expected
        level = measured_local_level(level, generated, result.trips, cfg)
        response = response_fc = None
        if demand is not None:
            response = _scenario_demand(ctx, seed=seed, service_level=level, same_day=demand,
                                        settle=False, **gen)  # compared and moved towards
            row = rounds.record(len(generated), response.request_count(), level, expected)
        else:  # the requests do not depend on the service: agreement by definition
            row = rounds.record(len(generated), len(generated), level, level)
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
                                           same_day=fc_demand, settle=False, **gen)
            fc_demand = _next_demand(rounds, fc_demand, response_fc)
        expected = level
    report(ctx.progress, "demand rounds", rounds.max_rounds, rounds.max_rounds)
    return SettledDemand(requests=requests, summary=summary, service_level=level,
                         forecast=forecast, result=result, rounds=rounds, feedback=feedback,
                         calibration=calibration, scenario=scenario, demand=day)


class _RoundPrefix(logging.Filter):
    """Prefixes a simulation's log records with its demand round."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = f"demand round {self.k}: {record.msg}"
        return True


def _simulate_round(ctx: RunContext, k: int, inputs: SimInputs) -> Any:
    """The simulation of demand round ``k`` (its warnings name the round)."""
    from kl_mobility.sim import simulate

    with _round_label(k):
        return simulate(inputs, progress=ctx.progress, cache_dir=ctx.cache_dir)


@contextmanager
def _round_label(k: int) -> Iterator[None]:
    """Within the block, the simulation's warnings (e.g. ``service.max_stops`` bound) name
    demand round ``k``, so a user can tell which one belongs to the reported day (the
    last round)."""
    log = logging.getLogger("kl_mobility.sim.simulate")
    flt = _RoundPrefix(k)
    log.addFilter(flt)
    try:
        yield
    finally:
        log.removeFilter(flt)


def _add_feeder_day(ctx: RunContext, requests: pd.DataFrame, summary: dict[str, Any],
                    demand: Demand | None, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`with_feeder_day`, its summary under the demand summary's ``feeder``."""
    out, feeder = with_feeder_day(ctx, requests, demand, seed=seed)
    return out, summary if feeder is None else {**summary, "feeder": feeder}


def with_feeder_day(ctx: RunContext, requests: pd.DataFrame, demand: Demand | None, *,
                    seed: int) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """``requests`` with the day's feeder requests of rail passengers appended
    (:func:`kl_mobility.demand.feeder.rail_feeder_legs`: ``[feeder]``
    ``rail_arrivals_per_train`` / ``rail_departures_per_train``, the trains of the
    scenario's feed) and a summary of their choices; ``requests`` and ``None`` when the
    scenario has no such demand, no timetable or no generated ``demand`` (a requests file
    or another run's requests carry their own feeder rows). The feeder requests are
    simulated with the day's requests; the demand rounds compare the generated requests
    only (the feeder passengers answer the service through ``demand.service_level``)."""
    fcfg = ctx.scenario.feeder
    if not fcfg.rail_demand or demand is None or ctx.transit is None:
        return requests, None
    from kl_mobility.demand.feeder import feeder_requests, rail_calls, rail_feeder_legs

    feed, day = ctx.transit.feed, demand.day
    hit = None if day is None else day.cache.get(("rail_calls", fcfg))
    if hit is None or hit[0] is not feed or hit[1] is not ctx.network:
        hit = (feed, ctx.network, rail_calls(feed, ctx.network, fcfg))
        if day is not None:  # the same calls in every round of the day
            day.cache[("rail_calls", fcfg)] = hit
    calls = hit[2]
    legs, summary = rail_feeder_legs(calls, demand, ctx.network, fcfg, seed=seed)
    first_id = int(requests["request_id"].max()) + 1 if len(requests) else 0
    extra = feeder_requests(ctx.network, ctx.oracle, legs, service=ctx.scenario.service,
                            feeder=fcfg, first_id=first_id)
    summary["requests"] = len(extra)
    return pd.concat([requests, extra], ignore_index=True), summary


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
    t = trips.set_index("request_id")[["status", "wait_s"]].reindex(req.index)
    dest_out = req["dest_offset_s"].to_numpy() > 0
    orig_out = req["origin_offset_s"].to_numpy() > 0
    # zone names as they are: local_service names a district by str() of its entry
    district = np.where(dest_out, req["dest_zone"].to_numpy(dtype=object),
                        np.where(orig_out, req["origin_zone"].to_numpy(dtype=object), "core"))
    depart = req["earliest_pickup_s"].astype("float64").fillna(
        req["request_time_s"].astype("float64")).to_numpy()
    served = np.asarray((t["status"] == "served").fillna(False), bool)
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
