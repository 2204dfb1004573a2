"""City-wide transport CO2 of the residents' trips, by mode, against the baseline.

The headline of a run is the change of the CO2 of **all residents' trips** (car + SWK bus +
on-demand fleet; walk and bike emit nothing) against the reference case the mode choice is
calibrated on (:mod:`kl_mobility.calibration`; the shipped scenarios: ``baseline.toml``).

Terms (grams CO2e per simulated weekday)
----------------------------------------
- **Car**: car person-km / ``car_occupancy`` = car vehicle-km, x the car factor per
  vehicle-km. Car person-km of a network: the *expected* car trips of the demand model
  (gravity matrix x 4-mode logit, :func:`kl_mobility.demand.generate.expected_travel`) times
  the distance along the fastest car path between the zones on **that** network (+ the
  outer districts' offsets), minus the person-km of the served on-demand requests whose
  base mode is car (each at its own fastest-path distance ``direct_m``, x passengers; the same
  measure in a run that takes another run's requests). Expected values: a
  measure that changes the network (Tempo 30) is compared without sampling noise; the
  on-demand switch is the simulated one. Requests that were not served stay with their
  base mode.
  The car factor per vehicle-km is 154 g CO2e/Pkm x 1.4 persons/car = 215.6 g (UBA/TREMOD
  2019 fleet average, well-to-wheel, FACTS.md section 6, derived there): a vehicle property,
  so it does not depend on the occupancy used to get vehicle-km. Occupancy: 1.2 by default,
  the local figure for Kaiserslautern (Rheinpfalz "Alternativen zum Auto im Fokus",
  FACTS.md section 3), because the model holds trips within the city, which carry fewer
  persons than the national all-trip average; UBA's 1.4 (FACTS.md section 6) and MiD's 1.5
  (section 10) bound the sensitivity range. A replaced car trip thus saves 1 / 1.2 of a car's
  kilometres, not a whole car.
- **Bus** (``emissions.bus_convention``): ``"marginal"`` (default), the *supply*
  convention: the SWK buses run their timetable whoever rides, so riders moving on or off
  the bus change nothing; the bus CO2 changes with the bus service itself. Bus CO2 of a
  side = its feed's bus vehicle-km of the simulated day (every trip of route type 3,
  first to last stop along its shape distance, :meth:`TransitFeed.vehicle_km`) x that
  side's factor per bus-km; a stop sequence the reference feed also runs is counted at
  the reference's distance (:func:`matched_vehicle_km`). Factor per bus-km
  (``emissions.bus_drivetrain``): diesel ``bus_l_per_100km`` 40 l x 26.45 g per
  l/100 km x the diesel upstream factor (section 11) = 1,227 g; electric
  ``bus_kwh_per_100km`` 115 kWh / 100 x the grid factor, 2024: 417 g; both FACTS.md
  section 6, BVG 12-m city bus); the reference side's drivetrain is its own
  (:attr:`CalibrationBase.bus_drivetrain`), every other parameter the scenario's.
  Bus change = scenario - reference + ``emissions.bus_vkm_change_per_day`` (bus-km outside
  the feed) x the scenario's factor. Added service is thus never "marginal": +30 % bus-km
  cost their CO2 in full, and the riders they win show in the car term.
  Without a timetable (``pt.mode_choice = "factor"``) only ``bus_vkm_change_per_day``
  counts. ``"average"``: bus person-km x 83 g CO2e/Pkm (UBA Linienbus Nahverkehr 2019,
  average occupancy, section 6), the convention of the UBA table; shown as the
  alternative either way. **Rail** vehicle-km (route type 2) are reported for both sides;
  their CO2 is not counted (FACTS.md has no factor per train-km, and rail is outside the
  model).
- **Fleet**: the on-demand vehicles' kilometres x their factor per vehicle-km, well to
  wheel (:mod:`kl_mobility.emissions`: electricity at the UBA grid factor; diesel and petrol
  with the upstream shares of FACTS.md section 11).
- **Net** = (car_scenario - car_baseline) + bus change + fleet.

Alternative convention kept for comparison: ``per_rider_avoided`` (the account of
:func:`kl_mobility.emissions.co2_account`: one whole car at 215.6 g/km per rider whose base
mode was car, 83 g/Pkm per rider whose base mode was the bus, minus the fleet).

Outside the model (stated next to every figure): in-commuters (Einpendlerquote 58.4 %,
FACTS.md section 9), through and commercial traffic, residents' trips leaving the city,
trips between two activities (only home-based tours are modelled), rail, the effect of
speed on the per-km car factor (Tempo 30 changes car km here, not g per km), induced
car trips of vehicles freed by the service, and vehicle manufacture.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kl_mobility.assumptions import ASSUMPTION_RANGES
from kl_mobility.emissions import (
    ASSUMPTIONS,
    FACTOR_SETS,
    GRID_G_PER_KWH,
    UPSTREAM_SHARE,
    EmissionsConfig,
    grid_factor,
)

if TYPE_CHECKING:
    from kl_mobility.demand.generate import ExpectedTravel
    from kl_mobility.scenario import Scenario

__all__ = ["OUTSIDE_THE_MODEL", "CityCO2", "PtVehicleKm", "city_co2", "matched_vehicle_km",
           "pt_vehicle_km", "served_pkm_by_alt_mode"]

OUTSIDE_THE_MODEL = (
    "Residents' home-based trips only: in-commuters (58.4 % of the employees working in "
    "the city, FACTS.md section 9), through and commercial traffic, residents' trips "
    "leaving the city, rail, speed effects on the per-km car factor and vehicle "
    "manufacture are outside the model."
)
"""The statement printed next to every city-wide CO2 figure."""


@dataclass(frozen=True)
class CityCO2:
    """City-wide CO2 of the residents' trips of one run against its reference case.

    ``terms``: kg CO2e per day (``car_baseline_kg``, ``car_scenario_kg``, ``car_change_kg``,
    ``bus_change_kg`` (the scenario's convention), ``bus_change_marginal_kg`` (supply:
    feed bus-km x factor, scenario - reference), ``bus_change_average_kg``,
    ``bus_vkm_scenario`` / ``bus_vkm_reference`` / ``bus_vkm_change`` (incl. the bus-km
    outside the feed), ``bus_g_per_vkm_scenario`` / ``_reference``, ``rail_vkm_*``,
    ``fleet_kg``, ``net_kg`` (the
    headline, with the scenario's bus convention), ``net_marginal_kg``,
    ``net_average_kg``, ``net_per_rider_kg`` (old convention)) and the person-/vehicle-km
    behind them. ``conventions`` and ``assumptions``: name -> {value, source}.
    """

    terms: dict[str, float]
    conventions: dict[str, dict[str, Any]]
    assumptions: dict[str, dict[str, Any]]
    reference: str
    outside: str = OUTSIDE_THE_MODEL
    notes: list[str] = field(default_factory=list)

    def kpis(self) -> dict[str, float]:
        """Flat KPIs ``city_<term>`` (numbers only)."""
        return {f"city_{k}": float(v) for k, v in self.terms.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (``co2.json`` "citywide")."""
        return {"terms": dict(self.terms), "conventions": self.conventions,
                "assumptions": self.assumptions, "reference": self.reference,
                "outside_the_model": self.outside, "notes": list(self.notes)}


def served_pkm_by_alt_mode(trips: pd.DataFrame, intermodal: pd.DataFrame | None = None
                           ) -> dict[str, float]:
    """Person-km (``<mode>``) and persons (``n_<mode>``) of the served on-demand requests by
    base mode, each at its own fastest-path distance on the run's network (``direct_m``,
    incl. the outer districts' offsets) times its passengers.

    ``intermodal`` (``Demand.intermodal``: ``request_id``, ``dist_m``): the feeder legs of
    intermodal trips. A served one stands for its whole trip: its base mode's person-km
    are the trip's zone-to-zone distance (``dist_m``, as in the expected travel), not the
    leg's, and the public transport part of the trip (whole - leg, at least 0) is *added*
    bus person-km (``bus`` is reduced by it; ``im_pt`` reports it; they matter only to the
    average bus convention)."""
    served = trips["status"].astype(str).to_numpy() == "served"
    pax = trips["passengers"].to_numpy(np.float64)[served]
    alt = trips["alt_mode"].astype(str).to_numpy()[served]
    leg_km = trips["direct_m"].to_numpy(np.float64)[served] / 1000.0
    km = leg_km.copy()
    pt_km = np.zeros_like(km)
    if intermodal is not None and len(intermodal):
        rid = trips["request_id"].to_numpy()[served]
        whole = pd.Series(intermodal["dist_m"].to_numpy(np.float64) / 1000.0,
                          index=intermodal["request_id"].to_numpy())
        is_im = np.isin(rid, whole.index.to_numpy())
        km[is_im] = whole.reindex(rid[is_im]).to_numpy()
        pt_km[is_im] = np.maximum(km[is_im] - leg_km[is_im], 0.0)
    out = {m: float((km * pax)[alt == m].sum()) for m in ("car", "walk", "bike", "bus")}
    out["im_pt"] = float((pt_km * pax).sum())
    out["bus"] -= out["im_pt"]
    out.update({f"n_{m}": float(pax[alt == m].sum()) for m in ("car", "walk", "bike", "bus")})
    return out


def _entry(value: Any, source: str) -> dict[str, Any]:
    return {"value": value, "source": source}


_DEMAND_ASSUMPTIONS = (
    ("asc_ondemand_minus_bus", "on-demand constant relative to the bus (new, booked service)"),
    ("beta_reject", "utility per unit rejection probability of the on-demand service"),
    ("fare_eur", "on-demand fare per trip (EUR)"),
    ("car_park_search_centre_min", "parking search in the centre (calibrated, min)"),
    ("car_walk_centre_min", "walk between the car and a trip end in the centre (min)"),
    ("car_signal_wait_s", "mean wait of a car stopped at a signal (s)"),
    ("car_give_way_speed_kmh", "speed a car slows to where it gives way (km/h)"),
    ("beta_ivt_per_min", "logit coefficient of in-vehicle time"),
    ("beta_wait_per_min", "logit coefficient of waiting time"),
    ("beta_cost_per_eur", "logit coefficient of cost"),
    ("gravity_decay_per_min", "distance decay of the destination choice"),
    ("assumed_wait_s", "on-demand wait assumed before the first simulation (s)"),
    ("service_step", "damping of the demand <-> service rounds"),
    ("service_local_prior", "fallback weight of the district feedback (requests)"),
)


def demand_assumptions(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The demand-side and fleet assumptions that move the net CO2 (on-demand constant,
    rejection penalty, fare, the car's driver-experience terms, logit coefficients; the vehicles' battery, which
    sets the charging stops, and energy use), each with its value and "assumption", plus
    its plausible range where :data:`kl_mobility.assumptions.ASSUMPTION_RANGES` has one."""
    ranges = {a.key: a for a in ASSUMPTION_RANGES.values()}
    out: dict[str, dict[str, Any]] = {}
    for name, what in _DEMAND_ASSUMPTIONS:
        r = ranges.get(f"demand.{name}")
        text = r.describe() if r else what
        out[f"demand.{name}"] = _entry(getattr(scenario.demand, name), f"assumption: {text}")
    for vt in scenario.fleet:
        if vt.count <= 0:
            continue
        if vt.drivetrain == "electric":
            r = ranges.get(f"fleet.{vt.kind}.battery_kwh")
            text = r.describe() if r else "usable battery, sets the charging stops"
            out[f"fleet.{vt.name}.battery_kwh"] = _entry(
                vt.battery_kwh, f"assumption: {text} (0 = no state of charge)")
            out[f"fleet.{vt.name}.energy_kwh_per_km"] = _entry(
                vt.energy_kwh_per_km, "e-NV200 0.281 kWh/km (ADAC, FACTS.md section 6)"
                if vt.energy_kwh_per_km == 0.281 else "scenario value (see its comment)")
        else:
            out[f"fleet.{vt.name}.fuel_l_per_100km"] = _entry(
                vt.fuel_l_per_100km, "assumption: FACTS.md has no fuel use of a van or "
                "shuttle (diesel_van_l_per_100km)")
    return out


@dataclass(frozen=True)
class PtVehicleKm:
    """Public transport vehicle-km of the simulated day on both sides of the comparison
    (from the feeds, :meth:`~kl_mobility.pt.gtfs.TransitFeed.vehicle_km`)."""

    bus_scenario: float = 0.0
    bus_reference: float = 0.0
    rail_scenario: float = 0.0
    rail_reference: float = 0.0
    source: str = "no timetable (pt.mode_choice = 'factor'): bus-km unknown, 0 on both sides"


def _trip_km(feed: Any, route_types: tuple[int, ...]) -> tuple[list[str], np.ndarray]:
    """Per trip of ``route_types``: its stop sequence (stop ids joined) and its km."""
    keep = np.isin(feed.route_type[feed.trip_route], route_types)
    ptr = feed.st_ptr
    km = (feed.st_dist_m[ptr[1:] - 1] - feed.st_dist_m[ptr[:-1]]) / 1000.0
    ids = feed.stop_id[feed.st_stop]
    keys = ["|".join(map(str, ids[ptr[t]:ptr[t + 1]])) for t in np.flatnonzero(keep)]
    return keys, km[keep]


def matched_vehicle_km(feed: Any, reference: Any, route_types: tuple[int, ...]
                       ) -> tuple[float, float]:
    """Vehicle-km of ``feed``'s trips of ``route_types`` with every trip whose stop
    sequence the ``reference`` feed also runs counted at the reference's distance for it
    (that of its first trip with the sequence), and the reference's own vehicle-km. The same line between the same stops is the
    same route: the synthetic feed re-derives its road path from the fastest path on each
    scenario's network, which a speed cap can move by some metres (Tempo 30: +8.7 of
    7,785 bus-km), and that is not a change of the bus service."""
    keys_r, km_r = _trip_km(reference, route_types)
    keys_s, km_s = _trip_km(feed, route_types)
    ref_km: dict[str, float] = {}
    for k, v in zip(keys_r, km_r):
        ref_km.setdefault(k, float(v))
    total = math.fsum(ref_km.get(k, float(v)) for k, v in zip(keys_s, km_s))
    return float(total), math.fsum(map(float, km_r))


def pt_vehicle_km(transit: Any, reference_transit: Any) -> PtVehicleKm:
    """:class:`PtVehicleKm` of two public transport supplies (``None`` = no timetable),
    the scenario side by :func:`matched_vehicle_km` against the reference feed; with one
    side missing the other is taken for both (the supply is not compared)."""
    if transit is None and reference_transit is None:
        return PtVehicleKm()
    s = transit if transit is not None else reference_transit
    r = reference_transit if reference_transit is not None else transit
    one = "" if transit is not None and reference_transit is not None else \
        "; only one side has a timetable, its bus-km stand for both (supply not compared)"
    bus_s, bus_r = matched_vehicle_km(s.feed, r.feed, (3,))
    rail_s, rail_r = matched_vehicle_km(s.feed, r.feed, (2,))
    return PtVehicleKm(bus_s, bus_r, rail_s, rail_r,
                       f"feeds: scenario {s.path.name}, reference {r.path.name} (route types "
                       "3 bus, 2 rail; first to last stop of every trip of the service date, "
                       "a stop sequence both feeds run at the reference's distance"
                       f"){one}")


def city_co2(scenario: Scenario, travel: ExpectedTravel, reference: ExpectedTravel,
             served_pkm: dict[str, float], fleet_kg: float, per_rider_net_kg: float, *,
             reference_name: str, pt_vkm: PtVehicleKm | None = None,
             reference_bus_drivetrain: str | None = None) -> CityCO2:
    """The account of the module docstring from the scenario's and the reference case's
    expected travel, the served requests' person-km by base mode, the fleet CO2 and the
    public transport vehicle-km of both sides (``pt_vkm``; ``None``: none known);
    ``reference_bus_drivetrain``: the reference side's buses (default: the scenario's)."""
    cfg: EmissionsConfig = scenario.emissions
    pt_vkm = pt_vkm if pt_vkm is not None else PtVehicleKm()
    ref_cfg = cfg if reference_bus_drivetrain in (None, cfg.bus_drivetrain) else \
        dataclasses.replace(cfg, bus_drivetrain=reference_bus_drivetrain)
    bus_g_s, bus_g_r = cfg.bus_g_per_vkm, ref_cfg.bus_g_per_vkm
    bus_vkm_s = pt_vkm.bus_scenario + cfg.bus_vkm_change_per_day
    bus_vkm_r = pt_vkm.bus_reference
    fs = FACTOR_SETS[cfg.factor_set]
    occ = cfg.car_occupancy
    car_g = cfg.car_g_per_vkm
    car_pkm_b = reference.pkm["car"]
    car_pkm_s = travel.pkm["car"] - served_pkm["car"]
    bus_pkm_b = reference.pkm["bus"]
    bus_pkm_s = travel.pkm["bus"] - served_pkm["bus"]
    car_b = car_pkm_b / occ * car_g / 1000.0
    car_s = car_pkm_s / occ * car_g / 1000.0
    bus_marginal = (bus_vkm_s * bus_g_s - bus_vkm_r * bus_g_r) / 1000.0
    bus_average = (bus_pkm_s - bus_pkm_b) * fs.bus_g_per_pkm / 1000.0
    net_marginal = (car_s - car_b) + bus_marginal + fleet_kg
    net_average = (car_s - car_b) + bus_average + fleet_kg
    terms = {
        "car_pkm_baseline": car_pkm_b, "car_pkm_scenario": car_pkm_s,
        "car_vkm_baseline": car_pkm_b / occ, "car_vkm_scenario": car_pkm_s / occ,
        "car_baseline_kg": car_b, "car_scenario_kg": car_s, "car_change_kg": car_s - car_b,
        "bus_pkm_baseline": bus_pkm_b, "bus_pkm_scenario": bus_pkm_s,
        "bus_change_kg": bus_marginal if cfg.bus_convention == "marginal" else bus_average,
        "bus_change_marginal_kg": bus_marginal, "bus_change_average_kg": bus_average,
        "bus_vkm_scenario": bus_vkm_s, "bus_vkm_reference": bus_vkm_r,
        "bus_vkm_change": bus_vkm_s - bus_vkm_r,
        "bus_vkm_outside_feed": cfg.bus_vkm_change_per_day,
        "bus_g_per_vkm_scenario": bus_g_s, "bus_g_per_vkm_reference": bus_g_r,
        "bus_scenario_kg": bus_vkm_s * bus_g_s / 1000.0,
        "bus_reference_kg": bus_vkm_r * bus_g_r / 1000.0,
        "rail_vkm_scenario": pt_vkm.rail_scenario, "rail_vkm_reference": pt_vkm.rail_reference,
        "rail_vkm_change": pt_vkm.rail_scenario - pt_vkm.rail_reference,
        "fleet_kg": fleet_kg,
        "net_kg": net_marginal if cfg.bus_convention == "marginal" else net_average,
        "net_marginal_kg": net_marginal, "net_average_kg": net_average,
        "net_per_rider_kg": per_rider_net_kg,
        "car_share_baseline": reference.trips["car"] / max(sum(reference.trips.values()), 1e-9),
        "car_share_scenario": (travel.trips["car"] - served_pkm["n_car"])
        / max(sum(travel.trips.values()), 1e-9),
        "served_car_pkm": served_pkm["car"], "served_bus_pkm": served_pkm["bus"],
        "served_walk_bike_pkm": served_pkm["walk"] + served_pkm["bike"],
        "served_intermodal_pt_pkm": served_pkm.get("im_pt", 0.0),
    }
    g_kwh, grid_src = grid_factor(cfg)
    conventions = {
        "headline": _entry("change of residents' transport CO2 (car + bus + fleet) against "
                           f"the reference case '{reference_name}'", "kl_mobility.citywide"),
        "bus_convention": _entry(cfg.bus_convention, "scenario emissions.bus_convention; "
                                 "marginal = the default (supply: the feed's bus-km x the "
                                 "factor per bus-km, scenario - reference; riders moving "
                                 "on or off the bus change nothing, added service counts "
                                 "in full)"),
        "bus_vkm": _entry(pt_vkm.source, "kl_mobility.citywide.pt_vehicle_km"),
        "rail": _entry("rail vehicle-km reported, their CO2 not counted (no factor per "
                       "train-km in FACTS.md; rail is outside the model)",
                       "kl_mobility.citywide"),
        "car_pkm": _entry("expected car trips of the demand model x fastest-path zone-to-"
                          "zone distance on the scenario's network, minus the served "
                          "on-demand requests' person-km (their own fastest-path distance) "
                          "whose base mode is car", "kl_mobility.citywide"),
        "fleet": _entry("well to wheel: grid factor for electricity, fuel x (1 + upstream "
                        "share)", "kl_mobility.emissions"),
        "alternative_per_rider": _entry("net_per_rider_kg: one whole car (215.6 g/km) per "
                                        "rider with base mode car, 83 g/Pkm per bus rider",
                                        "old account, labelled alternative"),
    }
    assumptions = {
        "car_occupancy": _entry(occ, ASSUMPTIONS["car_occupancy"]),
        "car_g_per_vkm": _entry(car_g, f"derived {fs.car_g_per_pkm:g} g/Pkm x "
                                f"{fs.car_occupancy:g} (FACTS.md section 6): {fs.source}"
                                if cfg.car_l_per_100km == 0 else
                                "ASSUMPTION car_l_per_100km x 23.26 x petrol upstream"),
        "car_factor_scope": _entry("fleet average, all road types",
                                   ASSUMPTIONS["car_g_per_vkm_fleet_average"]),
        "bus_g_per_pkm_average": _entry(fs.bus_g_per_pkm, fs.source),
        "bus_g_per_vkm": _entry(bus_g_s, cfg.bus_factor_source()),
        "bus_g_per_vkm_reference": _entry(bus_g_r, ref_cfg.bus_factor_source()
                                          + " (the reference case's drivetrain)"),
        "bus_vkm_change_per_day": _entry(cfg.bus_vkm_change_per_day,
                                         "scenario emissions.bus_vkm_change_per_day: bus-km "
                                         "outside the feed (assumption of the measure; 0 = "
                                         "none)"),
        "grid_g_per_kwh": _entry(g_kwh, grid_src if cfg.grid_g_per_kwh == 0 else
                                 "ASSUMPTION grid_g_per_kwh (scenario parameter)"),
        "grid_scope": _entry("direct CO2 of generation per kWh consumed", "UBA Strommix "
                             "factor (FACTS.md section 6); upstream of power plants' fuels "
                             "not included (FACTS.md has none)"),
        "diesel_upstream_share": _entry(UPSTREAM_SHARE["diesel"][0] if cfg.fuel_wtw_factor == 0
                                        else cfg.fuel_wtw_factor - 1.0,
                                        UPSTREAM_SHARE["diesel"][1]),
        "petrol_upstream_share": _entry(UPSTREAM_SHARE["petrol"][0] if cfg.fuel_wtw_factor == 0
                                        else cfg.fuel_wtw_factor - 1.0,
                                        UPSTREAM_SHARE["petrol"][1]),
        "walk_bike_g_per_pkm": _entry(0.0, "convention: no operating emissions"),
    }
    assumptions.update(demand_assumptions(scenario))
    notes = []
    if cfg.grid_g_per_kwh == 0 and cfg.grid_year not in GRID_G_PER_KWH:  # pragma: no cover
        notes.append("grid year without a factor")
    if not math.isfinite(fleet_kg):
        notes.append("fleet CO2 not finite")
    return CityCO2(terms, conventions, assumptions, reference_name, notes=notes)


def scenario_city_co2(scenario: Scenario, trips: pd.DataFrame, network: Any, oracle: Any,
                      fleet_kg: float, per_rider_net_kg: float, *, reference_name: str,
                      reference_network: tuple[Any, Any], reference_demand: Any,
                      zones: Any = None, cache_dir: str | Path | None = None,
                      transit: Any = None, reference_transit: Any = None,
                      reference_bus_drivetrain: str | None = None) -> CityCO2:
    """:func:`city_co2` of a run: the expected travel on the scenario's network (its demand
    section with the constants used; ``zones``: the run's demand zones, else built) and on
    the reference network (its own zones, ``reference_demand``), the run's served
    requests (``trips``); ``transit`` / ``reference_transit``: the public transport supply
    of each side when the bus is priced by the timetable (``pt.mode_choice = "router"``)."""
    from kl_mobility.demand.generate import expected_travel, load_zones

    if zones is None:
        zones = load_zones(network, scenario.demand, cache_dir=cache_dir)
    travel = expected_travel(network, oracle, scenario.demand, zones=zones, transit=transit,
                             cache_dir=cache_dir)
    ref_net, ref_oracle = reference_network
    ref_zones = load_zones(ref_net, reference_demand, cache_dir=cache_dir)
    reference = expected_travel(ref_net, ref_oracle, reference_demand, zones=ref_zones,
                                transit=reference_transit, cache_dir=cache_dir)
    served = served_pkm_by_alt_mode(trips)
    return city_co2(scenario, travel, reference, served, fleet_kg, per_rider_net_kg,
                    reference_name=reference_name,
                    pt_vkm=pt_vehicle_km(transit, reference_transit),
                    reference_bus_drivetrain=reference_bus_drivetrain)
