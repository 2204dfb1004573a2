"""``kl-mobility size``: the smallest fleet of one vehicle type meeting a service target."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from kl_mobility.cli import options

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``size`` command."""
    p = sub.add_parser(
        "size",
        help="smallest fleet meeting a service target, demand re-settled at each size",
        description=(
            "Find the smallest number of vehicles of one type for which the scenario meets "
            "--target (e.g. share_served>=0.95), each size a whole run with its demand "
            "rounds (the demand re-settled to that size's service). The search assumes a "
            "larger fleet never does worse: it brackets from the scenario's own count "
            "(doubling or halving) and bisects. Prints the curve of served share, wait and "
            "CO2 of every size evaluated (CO2: the city-wide net of kl-mobility run), writes it "
            "as CSV with a JSON record beside it (scenario, seed, target, answer; what "
            "kl-mobility report --fleet-curve reads) and plots it (PNG)."
        ),
    )
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--target", required=True, metavar="KPI>=VALUE",
                   help="share_served>=X, or wait_mean_s<=S / wait_median_s<=S / "
                   "wait_p95_s<=S (seconds)")
    p.add_argument("--vehicle-type", default=None, metavar="NAME",
                   help="the type whose count is sized (default: the scenario's only type)")
    p.add_argument("--seed", type=options.seed, default=None,
                   help="random seed (default: the scenario's seed)")
    p.add_argument("--max-count", type=options.int_at_least(1), default=None, metavar="N",
                   help="largest fleet tried (default: 8 x the scenario's count, at least 64)")
    p.add_argument("--points", type=options.int_at_least(0), default=0, metavar="N",
                   help="N more sizes spread evenly up to the largest one evaluated, for a "
                   "denser curve (default 0: the search's sizes only)")
    p.add_argument("--workers", type=options.int_at_least(1, 64), default=1, metavar="N",
                   help="evaluate up to N sizes at once in worker processes (default 1); "
                   "the search, the curve and the answer are those of --workers 1: the "
                   "spread points run beside the search's sizes, free workers evaluate the "
                   "search's likeliest next sizes, and a size evaluated ahead that the "
                   "search does not reach is reported and left out of the curve")
    p.add_argument("--csv", type=Path, default=None, metavar="FILE",
                   help="curve CSV (default: size-<scenario>-<type>.csv)")
    p.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                   help="curve figure (default: the CSV's name with .png)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the CSV, the JSON record and the figure when they exist")
    p.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                   help="network cache folder (default: $KL_MOBILITY_CACHE or ./networks)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_size)


def _fmt(v: float, spec: str) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def format_curve(frame) -> str:
    """The curve as a text table (sizes ascending)."""
    lines = ["vehicles  meets  requests  served share  wait mean (min)  wait p95 (min)  "
             "fleet CO2e (kg/day)  city net CO2e (kg/day)  rounds"]
    for r in frame.itertuples(index=False):
        lines.append(f"{r.count:>8}  {'yes' if r.meets_target else 'no':>5}  "
                     f"{r.requests:>8,}  {_fmt(100 * r.share_served, '11.1f')} %  "
                     f"{_fmt(r.wait_mean_s / 60, '15.1f')}  {_fmt(r.wait_p95_s / 60, '14.1f')}  "
                     f"{_fmt(r.fleet_co2_kg, '19,.0f')}  {_fmt(r.co2_city_net_kg, '+22,.0f')}  "
                     f"{r.demand_rounds:>6}{'' if r.demand_converged else '*'}")
    return "\n".join(lines)


def _children_cpu(resource) -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _size(args: argparse.Namespace) -> int:
    import resource
    import time

    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.context import RunContext
    from kl_mobility.errors import InputError
    from kl_mobility.io import atomic_file, check_output_file, write_json
    from kl_mobility.scenario import scenario_from_file
    from kl_mobility.size import (
        CO2_CONVENTION,
        curve_frame,
        curve_record,
        parse_target,
        plot_curve,
        size_fleet,
        sized_type,
    )

    target = parse_target(args.target)
    scenario = scenario_from_file(args.scenario)
    vtype = sized_type(scenario, args.vehicle_type)
    seed = scenario.seed if args.seed is None else args.seed
    count = next(vt.count for vt in scenario.fleet if vt.name == vtype)
    max_count = args.max_count or max(64, 8 * count)
    csv = args.csv or Path(f"size-{scenario.name}-{vtype}.csv")
    png = args.plot or csv.with_suffix(".png")
    meta = csv.with_suffix(".json")
    for path in (csv, png, meta):
        check_output_file(path, replace=args.overwrite)
    if args.workers > 1:
        from kl_mobility.sizepool import fork_available, fork_safe_threads

        if not fork_available():
            raise InputError("--workers above 1 needs worker processes started by fork, "
                             "which this platform does not offer; use --workers 1")
        fork_safe_threads()  # before the first parallel kernel runs here
    progress = None if args.quiet else TqdmProgress()
    c0, w0 = time.process_time(), time.perf_counter()
    k0 = _children_cpu(resource)
    try:
        ctx = RunContext.prepare(scenario, cache_dir=args.cache_dir, progress=progress)
        found = size_fleet(ctx, target, vtype=vtype, seed=seed, max_count=max_count,
                           extra_points=args.points, progress=progress,
                           workers=args.workers)
    finally:
        if progress is not None:
            progress.close()
    frame = curve_frame(found.rows)
    with atomic_file(csv) as tmp:
        frame.to_csv(tmp, index=False)
    write_json(meta, curve_record(scenario.name, vtype, seed, target, found,
                                  max_count=max_count, csv_name=csv.name, png_name=png.name))
    plot_curve(frame, target, found.answer, png,
               title=f"{scenario.name}: fleet size of '{vtype}' (seed {seed})")
    print(f"scenario {scenario.name}, seed {seed}: sizing '{vtype}' for {target} "
          f"(each size: a whole run, demand re-settled; other types as in the scenario)")
    print(format_curve(frame))
    print("* demand and service did not agree within demand.service_iterations rounds"
          if not frame["demand_converged"].all() else
          "every size: demand and service agree within the scenario's tolerances")
    print(f"CO2e per day: fleet = well to wheel of every type's km; city net = {CO2_CONVENTION} "
          f"'{found.reference}' (the headline of kl-mobility run; reference prepared once "
          "for the whole curve); the per-rider account (one car per rider whose alternative "
          "was the car) is in the CSV as co2_per_rider_net_kg")
    if found.answer is not None:
        print(f"smallest fleet meeting {target}: {found.answer} x {vtype}")
    else:
        best = frame.loc[frame[target.kpi].idxmax() if target.op == ">="
                         else frame[target.kpi].idxmin()]
        print(f"{target} not reached up to {max_count} x {vtype} (--max-count); closest: "
              f"{target.kpi} = {best[target.kpi]:.4g} at {int(best['count'])}")
    if found.non_monotone:
        print(f"WARNING: the target held at {list(found.non_monotone)} but failed at a "
              "larger size evaluated: it is not monotone in the fleet size here, so the "
              "bisection's answer rests on an assumption that does not hold")
    if found.discarded:
        print(f"evaluated ahead by a worker and not reached by the search (not in the "
              f"curve): {', '.join(map(str, found.discarded))} vehicles")
    apart = _children_cpu(resource) - k0
    cpu = time.process_time() - c0 + apart
    print(f"{len(frame)} sizes in {cpu:.1f} s CPU"
          + (f" ({apart:.1f} s of it in {args.workers} worker processes)" if apart > 0 else "")
          + f", {time.perf_counter() - w0:.1f} s wall; curve: {csv}; figure: {png}; record "
          f"for kl-mobility report --fleet-curve: {meta}")
    return 0
