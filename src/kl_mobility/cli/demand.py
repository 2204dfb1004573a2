"""``kl-mobility demand generate|validate``: synthetic demand and request-file checks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kl_mobility.cli import options

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demand`` command group."""
    p = sub.add_parser("demand", help="synthetic demand and on-demand request files")
    dsub = p.add_subparsers(dest="demand_command", metavar="SUBCOMMAND")

    g = dsub.add_parser(
        "generate",
        help="generate a weekday of trips and the on-demand requests of a scenario",
        description=(
            "Generate the synthetic Kaiserslautern weekday demand of a scenario (trips of all "
            "residents with their modes, calibrated to the 2023 modal split) and write the "
            "on-demand request table. The requests written are the settled demand that "
            "kl-mobility run simulates: with demand.service_iterations > 1, demand and "
            "service are iterated to agreement (kl_mobility.runner.settle_demand; every "
            "round simulates the whole day) and the last round is written, not the first "
            "round's demand at the assumed service level. Prints which round that is and "
            "a summary by mode and by hour."
        ),
    )
    g.add_argument("--scenario", metavar="FILE", type=Path, required=True,
                   help="scenario TOML file (network, [demand] and [service] sections)")
    g.add_argument("--seed", type=options.seed, default=None,
                   help="random seed (default: the scenario's seed)")
    g.add_argument("--out", metavar="FILE", type=Path, required=True,
                   help="request table to write (.parquet or .csv)")
    g.add_argument("--trips", metavar="FILE", type=Path,
                   help="also write every trip with its mode (.parquet or .csv)")
    g.add_argument("--no-ondemand", action="store_true",
                   help="base case without an on-demand service (the scenario without its "
                   "fleet: no requests, one round)")
    g.add_argument("--summary-json", metavar="FILE", type=Path,
                   help="also write the summary as JSON")
    g.add_argument("--cache-dir", metavar="DIR", type=Path,
                   help="cache folder (default: $KL_MOBILITY_CACHE or ./networks)")
    g.add_argument("--overwrite", action="store_true",
                   help="replace output files that exist already (default: refuse)")
    g.set_defaults(func=_generate)

    v = dsub.add_parser(
        "validate",
        help="check a request file (CSV or Parquet) row by row",
        description=(
            "Check every row of a request file and print the accepted and rejected counts "
            "with each rejected row's line and reason. Exit code 0 when all rows are valid, "
            "2 otherwise. With --skip-invalid the rejected rows are written to a rejects "
            "file (and the accepted ones to --out when given)."
        ),
    )
    v.add_argument("file", type=Path, help="request file (.csv or .parquet)")
    v.add_argument("--scenario", metavar="FILE", type=Path,
                   help="take the network from this scenario (default: the default extract)")
    v.add_argument("--osm", metavar="FILE", help="OSM extract of the network")
    v.add_argument("--skip-invalid", action="store_true",
                   help="write the rejected rows to a rejects file")
    v.add_argument("--rejects", metavar="FILE", type=Path,
                   help="rejects file (default: FILE with suffix .rejects.csv)")
    v.add_argument("--out", metavar="FILE", type=Path,
                   help="with --skip-invalid: write the accepted rows here (.parquet or .csv)")
    v.add_argument("--max-snap-m", type=options.finite_float(0.0, lo_open=True), default=500.0,
                   help="largest distance of a point from a road node (default 500 m)")
    v.add_argument("--cache-dir", metavar="DIR", type=Path,
                   help="cache folder (default: $KL_MOBILITY_CACHE or ./networks)")
    v.add_argument("--overwrite", action="store_true",
                   help="replace a rejects or --out file that exists already (default: "
                   "refuse)")
    v.set_defaults(func=_validate)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _write_table(df, path: Path) -> None:
    from kl_mobility.demand import requests_to_csv, requests_to_parquet

    if path.suffix.lower() == ".csv":
        requests_to_csv(df, path)
    else:
        requests_to_parquet(df, path)


def _generate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.context import RunContext
    from kl_mobility.errors import InputError
    from kl_mobility.io import atomic_file, check_output_file, write_json
    from kl_mobility.runner import settle_demand
    from kl_mobility.scenario import scenario_from_file

    sc = scenario_from_file(args.scenario)
    seed = sc.seed if args.seed is None else args.seed
    for path in (args.out, args.trips, args.summary_json):
        if path is not None:
            check_output_file(path, replace=args.overwrite)
    has_service = any(v.count > 0 for v in sc.fleet)
    if args.no_ondemand:
        sc = replace(sc, fleet=())
    if sc.demand.requests_file and args.trips is not None:
        raise InputError(f"{args.scenario}: key 'demand.requests_file': the scenario reads "
                         "its requests from a file, so there are no generated trips for "
                         "--trips")
    progress = TqdmProgress()
    try:
        ctx = RunContext.prepare(sc, cache_dir=args.cache_dir, progress=progress)
        settled = settle_demand(ctx, seed=seed)
    finally:
        progress.close()
    _write_table(settled.requests, args.out)
    demand = settled.demand
    if args.trips is not None and demand is not None:
        with atomic_file(args.trips) as tmp:
            if args.trips.suffix.lower() == ".csv":
                demand.trips.to_csv(tmp, index=False)
            else:
                demand.trips.to_parquet(tmp, index=False)
    if args.summary_json is not None:
        write_json(args.summary_json, settled.summary)
    print(f"scenario {sc.name}, seed {seed}: wrote {len(settled.requests):,} requests to "
          f"{args.out}")
    print(_rounds_line(settled))
    if not has_service and not args.no_ondemand:
        print("(the scenario has no on-demand fleet: base case without on-demand)")
    if demand is not None:
        print(demand.summary_text())
    return 0


def _rounds_line(settled) -> str:
    """Which demand <-> service round the written requests are (the run's last one)."""
    if not settled.feedback:
        return "demand rounds: 1 (the requests do not depend on the service)"
    last = settled.history[-1]
    where = (f"round {settled.final_round + 1} of {settled.n_rounds} run (at most "
             f"{settled.rounds.max_rounds}): requests gap {abs(last['requests_gap']):.1%}, "
             f"service-level change {last['level_gap']:.1%}")
    if settled.converged:
        return f"settled demand, as kl-mobility run simulates it: {where}"
    return (f"WARNING: the last round's demand, {where}; demand and service did NOT agree "
            "(raise demand.service_iterations)")


def _validate(args: argparse.Namespace) -> int:
    from kl_mobility.demand import rejects_to_csv, requests_from_file
    from kl_mobility.network import load_network

    osm, place = args.osm, None
    caps: tuple = ()
    if args.scenario is not None:
        from kl_mobility.scenario import scenario_from_file

        sc = scenario_from_file(args.scenario)
        osm = osm or sc.network.osm_file or None
        place = sc.network.place or None
        caps = sc.network.speed_caps
    if args.skip_invalid:
        from kl_mobility.io import check_output_file

        for path in (args.rejects or args.file.with_suffix(".rejects.csv"), args.out):
            if path is not None:
                check_output_file(path, replace=args.overwrite)
    net = load_network(osm, place=place, cache_dir=args.cache_dir, speed_caps=caps)
    accepted, rejects = requests_from_file(args.file, network=net, skip_invalid=True,
                                           max_snap_m=args.max_snap_m)
    n_in = len(accepted) + len(rejects)
    print(f"{args.file}: {n_in:,} rows, {len(accepted):,} accepted, {len(rejects):,} rejected")
    where = "row" if args.file.suffix.lower() in (".parquet", ".pq") else "line"
    for line, reason in zip(rejects["line"], rejects["reason"]):
        print(f"  {where} {line}: {reason}")
    if args.skip_invalid:
        path = args.rejects or args.file.with_suffix(".rejects.csv")
        rejects_to_csv(rejects, path)
        print(f"rejected rows written to {path}")
        if args.out is not None:
            _write_table(accepted, args.out)
            print(f"accepted rows written to {args.out}")
    elif args.out is not None:
        print("--out is only written with --skip-invalid", file=sys.stderr)
    return 0 if rejects.empty else 2
