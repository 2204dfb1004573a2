"""``kl-mobility run``: one scenario with one seed, from network to results on disk."""

from __future__ import annotations

import argparse
from pathlib import Path

from kl_mobility.cli import options

__all__ = ["register"]

KPI_ROWS = (
    ("n_requests", "requests", "{:,.0f}"),
    ("n_served", "served", "{:,.0f}"),
    ("n_rejected", "rejected", "{:,.0f}"),
    ("n_cancelled", "cancelled", "{:,.0f}"),
    ("requests_rejected", "request rows rejected (rejects.csv)", "{:,.0f}"),
    ("share_served", "share served", "{:.1%}"),
    ("wait_mean_s", "wait mean (min)", "{:.1f}", 1 / 60),
    ("wait_median_s", "wait median (min)", "{:.1f}", 1 / 60),
    ("wait_p95_s", "wait p95 (min)", "{:.1f}", 1 / 60),
    ("detour_mean", "detour (ride / direct time)", "{:.2f}"),
    ("shared_share", "share of trips shared", "{:.1%}"),
    ("occupancy", "occupancy (pkm / vkm)", "{:.2f}"),
    ("empty_km_share", "empty-km share", "{:.1%}"),
    ("passengers_per_vehicle_hour", "passengers per vehicle-hour", "{:.2f}"),
    ("vehicle_km", "vehicle-km", "{:,.0f}"),
    ("passenger_km", "passenger-km", "{:,.0f}"),
    ("co2_fleet_co2_kg", "fleet CO2e (kg)", "{:,.0f}"),
    ("co2_fleet_g_per_pkm", "fleet CO2e per pkm (g)", "{:.0f}"),
    ("co2_uba_car_g_per_pkm", "  UBA car (g/pkm)", "{:.0f}"),
    ("co2_uba_bus_g_per_pkm", "  UBA city bus (g/pkm)", "{:.0f}"),
    ("co2_city_car_share_baseline", "car share of trips, baseline", "{:.2%}"),
    ("co2_city_car_share_scenario", "car share of trips, scenario", "{:.2%}"),
    ("co2_city_car_change_kg", "car CO2e change vs baseline (kg/day)", "{:+,.0f}"),
    ("co2_city_bus_vkm_reference", "bus vehicle-km a day, baseline (feed)", "{:,.0f}"),
    ("co2_city_bus_vkm_scenario", "bus vehicle-km a day, scenario (feed + outside)",
     "{:,.0f}"),
    ("co2_city_rail_vkm_scenario", "rail vehicle-km a day in the area (CO2 not counted)",
     "{:,.0f}"),
    ("co2_city_bus_change_kg", "bus CO2e change (kg/day, supply: bus-km x g/km)",
     "{:+,.0f}"),
    ("co2_city_fleet_kg", "on-demand fleet CO2e, well to wheel (kg/day)", "{:+,.0f}"),
    ("co2_city_net_kg", "NET city-wide CO2e change (kg/day)", "{:+,.0f}"),
    ("co2_city_net_average_kg", "  alternative: bus at UBA 83 g/Pkm", "{:+,.0f}"),
    ("co2_net_co2_kg", "  alternative: one car avoided per rider", "{:+,.0f}"),
    ("econ_cost_total_eur", "operator cost (EUR/day, net)", "{:,.0f}"),
    ("econ_cost_eur_per_trip", "  cost per served person trip (EUR)", "{:.2f}"),
    ("econ_subsidy_eur_per_trip", "  subsidy per served person trip (EUR)", "{:.2f}"),
    ("econ_farebox_recovery", "  fare revenue / cost", "{:.1%}"),
    ("econ_eur_per_t_co2_avoided", "  subsidy per t CO2e avoided (EUR, city-wide)",
     "{:,.0f}"),
    ("runtime_s", "run time (s)", "{:.1f}"),
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    p = sub.add_parser(
        "run",
        help="run one scenario with one seed and print its KPIs",
        description=(
            "Run one scenario: build or load the road network (with the scenario's speed "
            "caps), generate the synthetic Kaiserslautern demand (or read the scenario's "
            "request file), simulate the day with the scenario's fleet and dispatch policy, "
            "account CO2, write every result file atomically to --out and print the KPIs."
        ),
    )
    p.add_argument("scenario", nargs="?", type=Path,
                   help="scenario TOML file (default: scenarios/klima-plus-2030.toml)")
    p.add_argument("--seed", type=options.seed, default=None,
                   help="random seed (default: the scenario's seed)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="result folder (default: results/<scenario>/<seed>)")
    p.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                   help="network cache folder (default: $KL_MOBILITY_CACHE or ./networks)")
    p.add_argument("--requests-from", type=Path, default=None, metavar="RUN_DIR",
                   help="simulate the settled requests of the finished run in RUN_DIR "
                   "instead of this scenario's own demand (no demand rounds): drivetrain, "
                   "fleet and dispatch comparisons on the same demand; co2.json "
                   "'same_demand' splits the CO2 difference into drivetrain and operations "
                   "(charging) effects")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_run)


NAN_TEXT = {"econ_eur_per_t_co2_avoided": "undefined: the run saves no CO2",
            "econ_cost_eur_per_trip": "undefined: no trip served",
            "econ_subsidy_eur_per_trip": "undefined: no trip served"}
"""What a KPI without a value (NaN) means, where it has a reason."""


def format_kpis(kpis: dict) -> str:
    """The KPI table printed by ``kl-mobility run``."""
    lines = []
    rows = [r for r in KPI_ROWS if r[0] in kpis and kpis[r[0]] is not None]
    width = max(len(r[1]) for r in rows) if rows else 0
    for row in rows:
        key, label, fmt = row[0], row[1], row[2]
        scale = row[3] if len(row) > 3 else 1
        value = kpis[key]
        if key in NAN_TEXT and isinstance(value, float) and value != value:
            lines.append(f"{label:<{width}}  {NAN_TEXT[key]}")
            continue
        try:
            text = fmt.format(value * scale)
        except (TypeError, ValueError):
            text = str(value)
        lines.append(f"{label:<{width}}  {text}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.io import check_output_dir
    from kl_mobility.runner import run_scenario
    from kl_mobility.scenario import default_scenario_path, scenario_from_file

    path = args.scenario or default_scenario_path()
    scenario = scenario_from_file(path)
    seed = scenario.seed if args.seed is None else args.seed
    out = args.out or Path("results") / scenario.name / str(seed)
    check_output_dir(out)
    progress = None if args.quiet else TqdmProgress()
    try:
        kpis = run_scenario(scenario, seed, out, cache_dir=args.cache_dir, progress=progress,
                            requests_from=args.requests_from)
    finally:
        if progress is not None:
            progress.close()
    print(f"scenario {scenario.name}, seed {seed}: results in {out}")
    print(format_kpis(kpis))
    print(format_co2_note(scenario))
    print(format_car_terms(scenario))
    if kpis.get("econ_cost_total_eur"):
        print("costs: capital (annuity / 365 days), staff (vehicle-hours x staff share x wage x "
              "employer and paid-hours factors), energy, maintenance per km, depot, overhead; "
              "revenue = the demand model's fare per served person net of VAT (season "
              "tickets not modelled); per t CO2e avoided = subsidy / the city-wide saving, "
              "absent when nothing is saved; every input with its source or range in "
              "costs.json")
    if "co2_same_demand_drivetrain_effect_kg" in kpis:
        print(f"same demand as the source run: fleet CO2e change "
              f"{kpis['co2_same_demand_fleet_change_kg']:+,.0f} kg = drivetrain "
              f"{kpis['co2_same_demand_drivetrain_effect_kg']:+,.0f} kg (the source's km at "
              f"this fleet's factors) + operations "
              f"{kpis['co2_same_demand_operations_effect_kg']:+,.0f} kg (km driven "
              f"differently, e.g. no charging stops); served "
              f"{kpis['co2_same_demand_n_served_change']:+,.0f}")
    line = format_rounds(kpis, scenario, requests_from=args.requests_from)
    if line:
        print(line)
    return 0


def format_co2_note(scenario) -> str:
    """What the city-wide CO2 figure means and leaves out (printed under the KPIs)."""
    from kl_mobility.citywide import OUTSIDE_THE_MODEL

    em = scenario.emissions
    ref = scenario.calibration_base.name if scenario.calibration_base else "this scenario " \
        "without its measures"
    if em.bus_convention == "marginal":
        bus = (f"bus convention 'marginal' = supply: the feeds' bus-km (scenario - "
               f"reference) x g/km, riders moving on or off the bus change nothing, added "
               f"service counts in full; {em.bus_factor_source()} = "
               f"{em.bus_g_per_vkm:,.1f} g CO2e/bus-km")
    else:
        bus = "bus convention 'average': bus person-km x 83 g CO2e/Pkm (UBA, FACTS.md 6)"
    return (f"CO2: residents' trips against '{ref}'; car {em.car_occupancy:g} persons/car x "
            f"{em.car_g_per_vkm:.1f} g CO2e/car-km (FACTS.md 6); {bus}; fleet well to "
            f"wheel; all assumptions with values and sources in co2.json. "
            f"{OUTSIDE_THE_MODEL}")


def format_car_terms(scenario) -> str:
    """The driver-experience terms of the car alternative (``demand.json`` "car_terms")."""
    d = scenario.demand
    return (f"car time in the mode choice: free flow + junction and signal delays (signal "
            f"stop {d.car_signal_stop_share:g} x {d.car_signal_wait_s:g} s, give way at "
            f"{d.car_give_way_speed_kmh:g} km/h, {d.car_accel_mps2:g}/{d.car_decel_mps2:g} "
            f"m/s2) + walks {d.car_walk_min:g} min ({d.car_walk_centre_min:g} in the centre) + "
            f"parking search {d.car_park_search_min:g} min ({d.car_park_search_centre_min:g} "
            f"in the centre, calibrated); a speed cap changes only the first two "
            f"(demand.json car_terms)")


def format_rounds(kpis: dict, scenario, requests_from: str | Path | None = None) -> str:
    """One line on the demand <-> service rounds of a run of ``scenario`` (its
    ``demand_*`` KPIs, :data:`kl_mobility.runner.ROUND_KPIS`); empty without them.
    ``requests_from``: the run folder of ``run --requests-from``."""
    rounds = kpis.get("demand_rounds")
    if rounds is None:
        return ""
    demand = scenario.demand
    source = requests_from or (demand.requests_from_scenario
                               if scenario.requests_source is not None else "")
    if source:
        return (f"demand rounds: none of its own, the settled requests of {source} "
                "simulated as they are (one simulation)")
    if demand.requests_file or not any(vt.count > 0 for vt in scenario.fleet):
        return "demand rounds: 1 (the requests do not depend on the service)"
    gaps = (f"requests gap {abs(kpis.get('demand_requests_gap') or 0.0):.1%} "
            f"(tolerance {demand.service_requests_tol:.0%}), service-level change "
            f"{kpis.get('demand_level_gap') or 0.0:.1%} (tolerance {demand.service_level_tol:.0%})")
    if kpis.get("demand_converged"):
        return f"demand and service agree after {rounds} round(s): {gaps}"
    return (f"WARNING: demand and service did NOT agree within {rounds} round(s): {gaps}; "
            f"the KPIs are those of the last round (raise demand.service_iterations)")
