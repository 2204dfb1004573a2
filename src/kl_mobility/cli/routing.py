"""CLI commands of the routing area.

- ``kl-mobility bench routing PATH... --time-limit S [--csv FILE]``: solve benchmark instances
  (Cordeau DARP or Li & Lim PDPTW files, or directories of them) and print a table against
  the best-known values.
- ``kl-mobility plan --requests FILE --fleet N [--capacity Q] [--scenario FILE]
  [--vehicle-type NAME]``: plan a pre-booked request table on the scenario's network with
  the static solver and the scenario's service rules; outer-district ends are driven out
  and back as in the simulation, and requests outside the service hours are rejected
  (``outside_hours``) as there; print the plan's KPIs with energy/fuel and CO2 of the
  vehicle type (:mod:`kl_mobility.emissions`, the simulation's accounting).
- ``kl-mobility hindsight``: registered from :mod:`kl_mobility.cli.hindsight`.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from kl_mobility.cli import options

__all__ = ["register"]


def _bench_parsers(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The subcommands of ``bench``, creating the group unless another area did."""
    bench = sub.choices.get("bench")
    if bench is None:
        bench = sub.add_parser("bench", help="run benchmarks",
                               description="Benchmarks of kl-mobility's solvers.")
    for action in bench._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return bench.add_subparsers(dest="bench_command", metavar="BENCHMARK")


def _search_args(p: argparse.ArgumentParser, default_limit: float) -> None:
    from kl_mobility.routing.options import (  # not .model: --help needs no solver
        FIRST_SOLUTION_STRATEGIES,
        METAHEURISTICS,
        ROUTE_MINIMISERS,
        SearchOptions,
    )

    d = SearchOptions()
    p.add_argument("--time-limit", type=options.finite_float(0.0, lo_open=True), default=default_limit, metavar="S",
                   help=f"seconds per instance / plan (default {default_limit:g})")
    p.add_argument("--first-solution", default=d.first_solution,
                   choices=FIRST_SOLUTION_STRATEGIES, metavar="NAME",
                   help="OR-Tools first-solution strategy (default: PARALLEL_CHEAPEST_INSERTION "
                   "with a fixed vehicle cost, else LOCAL_CHEAPEST_INSERTION)")
    p.add_argument("--metaheuristic", default=d.metaheuristic, choices=METAHEURISTICS,
                   metavar="NAME", help=f"OR-Tools local-search metaheuristic "
                   f"(default {d.metaheuristic})")
    p.add_argument("--route-minimiser", default=d.route_minimiser, choices=ROUTE_MINIMISERS,
                   help="with a fixed vehicle cost: remove routes by guided ejection search "
                   "(ges) or by OR-Tools' own re-insertion (ortools); default "
                   f"{d.route_minimiser}")
    p.add_argument("--search-seed", type=options.seed, default=d.seed, metavar="N",
                   help=f"seed of the ejection and ruin-and-recreate searches (default {d.seed})")
    p.add_argument("--workers", type=options.int_at_least(1), default=d.num_workers,
                   metavar="N", help="independent distance-search workers run at once in "
                   "threads, each with its own start plans and seeds, the best plan kept "
                   f"(default {d.num_workers}; more than the free cores only splits them)")


def _options(args: argparse.Namespace):
    from kl_mobility.config import ConfigError
    from kl_mobility.routing.model import SearchOptions

    try:
        return SearchOptions(time_limit_s=args.time_limit, first_solution=args.first_solution,
                             metaheuristic=args.metaheuristic,
                             route_minimiser=args.route_minimiser, seed=args.search_seed,
                             num_workers=args.workers)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def register(sub: argparse._SubParsersAction) -> None:
    """Add this area's commands to the top-level parser."""
    bench = _bench_parsers(sub)
    p = bench.add_parser(
        "routing", help="solve DARP / PDPTW benchmark instances",
        description="Solve Cordeau DARP and Li & Lim PDPTW instances with the OR-Tools solver "
        "and compare with best-known values (bks.csv next to the files, or --bks).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="instance files or directories")
    _search_args(p, 30.0)
    p.add_argument("--csv", metavar="FILE", help="also write the table as CSV (after every "
                   "instance)")
    p.add_argument("--bks", metavar="FILE", action="append",
                   help="best-known values (bks.csv layout); may be given more than once. An "
                   "instance found in these files takes its value from there, any other from "
                   "the bks.csv next to its file")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a --csv file that exists already (default: refuse)")
    p.set_defaults(func=_bench_routing)

    p = sub.add_parser(
        "plan", help="plan a pre-booked request table with the static solver",
        description="Plan pre-booked requests on the road network with OR-Tools: all "
        "requests known in advance, vehicles from one depot, the scenario's service rules "
        "(max wait, detour limits, stop times; outer-district trips driven out to the "
        "district and back as in the simulation). Prints the plan's KPIs, energy or fuel "
        "and CO2 of the chosen vehicle type.")
    p.add_argument("--requests", required=True, metavar="FILE",
                   help="request table (CSV or Parquet; kl_mobility.demand.schema columns)")
    p.add_argument("--fleet", required=True, type=options.int_at_least(1), metavar="N", help="vehicles")
    p.add_argument("--capacity", type=options.int_at_least(1), metavar="Q",
                   help="seats per vehicle (default: the vehicle type's capacity)")
    p.add_argument("--scenario", type=Path, metavar="FILE",
                   help="scenario whose service rules, vehicle type, emission factors, "
                   "outer-district speed and (without --osm) road network the plan uses "
                   "(default: scenarios/klima-plus-2030.toml)")
    p.add_argument("--vehicle-type", metavar="NAME",
                   help="the scenario's vehicle type for drivetrain, consumption and "
                   "capacity (default: its first door-to-door type without a speed cap)")
    p.add_argument("--osm", metavar="FILE", help="OSM file, without speed caps (default: "
                   "the scenario's network)")
    p.add_argument("--cache-dir", default="networks", metavar="DIR",
                   help="network cache (default networks)")
    p.add_argument("--depot-node", type=options.int_at_least(0), metavar="NODE",
                   help="depot network node (default: the node nearest the centre)")
    p.add_argument("--max-wait", type=options.int_at_least(0), metavar="S",
                   help="pickup window length in seconds (default: the service default)")
    p.add_argument("--no-return", action="store_true",
                   help="vehicles end at their last drop-off instead of the depot")
    p.add_argument("--out", metavar="DIR", help="write plan_trips.csv, plan_stops.csv, "
                   "plan_vehicles.csv and plan_kpis.json into this folder (written "
                   "atomically; an existing folder is replaced only when kl-mobility wrote it)")
    _search_args(p, 60.0)
    p.set_defaults(func=_plan)

    from kl_mobility.cli import hindsight

    hindsight.register(sub)


def _bench_routing(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.routing.harness import (
        bench_instances,
        format_number,
        format_table,
        rows_to_csv,
        summarize,
    )

    opts = _options(args)
    if args.csv:
        from kl_mobility.io import check_output_file

        check_output_file(args.csv, replace=args.overwrite)
    done = []

    def on_row(row) -> None:
        done.append(row)
        if args.csv:
            rows_to_csv(done, args.csv)

    bar = TqdmProgress()
    try:
        rows = bench_instances(args.paths, opts, bks_file=args.bks, progress=bar,
                               on_row=on_row)
    finally:
        bar.close()
    print(format_table(rows))
    for kind, s in summarize(rows).items():
        line = (f"{kind}: {s['feasible']}/{s['instances']} feasible")
        if s["with_gap"]:
            line += (f", mean gap {format_number(s['mean_gap_pct'])} %, max gap "
                     f"{format_number(s['max_gap_pct'])} % ({s['with_gap']} with best-known)")
        if s["with_bks_vehicles"]:
            line += (f", best-known vehicles reached on {s['bks_vehicles_reached']}/"
                     f"{s['with_bks_vehicles']}")
        print(line)
    if args.csv:
        print(f"written {args.csv}")
    return 0


PLAN_ROWS = ("vehicle_km", "km_external", "vehicle_hours", "passenger_km", "occupancy",
             "empty_km_share", "wait_mean_s", "wait_p95_s", "ride_mean_s", "detour_mean",
             "shared_share", "passengers_per_vehicle_hour", "energy_kwh", "fuel_l",
             "co2_fleet_co2_kg", "co2_fleet_g_per_pkm", "co2_car_co2_avoided_kg",
             "co2_bus_co2_avoided_kg", "co2_net_co2_kg", "solve_s")


def _plan(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.config import ConfigError
    from kl_mobility.io import check_output_dir, staged_dir, write_json
    from kl_mobility.planning.plan import (
        PlanSetup,
        plan_requests,
        plan_vehicle_type,
        read_plan_requests,
    )
    from kl_mobility.scenario import default_scenario_path, scenario_from_file

    if args.fleet < 1:
        raise ConfigError(f"--fleet must be >= 1, got {args.fleet}")
    if args.capacity is not None and args.capacity < 1:
        raise ConfigError(f"--capacity must be >= 1, got {args.capacity}")
    from kl_mobility.network import build_oracle, load_network
    from kl_mobility.runner import prepare_network

    scenario = scenario_from_file(args.scenario or default_scenario_path())
    vtype = plan_vehicle_type(scenario, args.vehicle_type)
    capacity = vtype.capacity if args.capacity is None else args.capacity
    opts = _options(args)
    if args.out:
        check_output_dir(args.out, what="plan folder")
    bar = TqdmProgress()
    try:
        if args.osm:
            network = load_network(args.osm, cache_dir=args.cache_dir, progress=bar)
            oracle = build_oracle(network, cache_dir=args.cache_dir, progress=bar)
        else:
            network, oracle = prepare_network(scenario, cache_dir=args.cache_dir,
                                              progress=bar)
        if args.depot_node is not None and args.depot_node >= network.n_nodes:
            raise ConfigError(f"--depot-node must be a node of the network, in [0, "
                              f"{network.n_nodes - 1}], got {args.depot_node}")
        requests = read_plan_requests(args.requests, network)
        service_kw = {} if args.max_wait is None else {"max_wait_s": args.max_wait}
        setup = PlanSetup(fleet=args.fleet, capacity=capacity, depot_node=args.depot_node,
                          network=network, service=scenario.service,
                          service_overrides=service_kw, return_to_depot=not args.no_return,
                          vehicle_type=vtype, emissions=scenario.emissions,
                          external_speed_kmh=scenario.demand.external_speed_kmh)
        result = plan_requests(requests, oracle, setup, options=opts, progress=bar)
    finally:
        bar.close()
    k = result.kpis
    print(f"plan: {k['n_served']}/{k['n_requests']} requests served by "
          f"{k['vehicles_used']:.0f} of {args.fleet} vehicles ({vtype.name}, "
          f"{vtype.drivetrain}, capacity {capacity}; scenario {scenario.name}); "
          f"feasible: {'yes' if result.solution.feasible else 'NO'}")
    n_ext = int(((result.trips["origin_offset_s"] > 0)
                 | (result.trips["dest_offset_s"] > 0)).sum())
    if n_ext:
        print(f"  {n_ext} requests with an outer-district (external-zone) end")
    n_out = int((result.trips["reason"] == "outside_hours").sum())
    if n_out:
        print(f"  {n_out} requests outside the service hours: rejected (outside_hours), "
              "not planned, as in the simulation")
    for key in PLAN_ROWS:
        v = k.get(key, math.nan)
        print(f"  {key:28s} {v:12.3f}")
    if not result.solution.feasible:
        for msg in result.solution.violations[:10]:
            print(f"  violation: {msg}", file=sys.stderr)
    if args.out:
        out = Path(args.out)
        with staged_dir(out, kind="plan") as d:
            for name, df in (("plan_trips.csv", result.trips), ("plan_stops.csv", result.stops),
                             ("plan_vehicles.csv", result.vehicles)):
                df.to_csv(d / name, index=False)
            write_json(d / "plan_kpis.json", k)
        print(f"written {out}/plan_trips.csv, plan_stops.csv, plan_vehicles.csv, "
              "plan_kpis.json")
    return 0 if result.solution.feasible else 1
