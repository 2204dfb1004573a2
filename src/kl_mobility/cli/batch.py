"""CLI commands ``kl-mobility batch`` (scenario x seed batches) and ``kl-mobility report``."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from kl_mobility.cli import options

__all__ = ["register"]

_SHOWN = (
    ("share_served", "served"),
    ("wait_mean_s", "wait_s"),
    ("detour_mean", "detour"),
    ("occupancy", "occup."),
    ("vehicle_km", "vkm"),
    ("co2_fleet_co2_kg", "fleet_kgCO2"),
    ("co2_city_net_kg", "net_city_kgCO2"),
    ("co2_net_co2_kg", "per_rider_kgCO2"),
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``batch`` and ``report`` to the top-level parser."""
    p = sub.add_parser(
        "batch",
        help="run every scenario x seed in parallel (Dask), resumable",
        description="Run every scenario file with seeds FIRST..FIRST+N-1 in parallel on a "
        "local Dask cluster (or an existing one with --scheduler). Results go to "
        "RESULTS/NAME/<scenario>/<seed>/; finished runs (same scenario content, seed and "
        "code version) are skipped, so an interrupted batch resumes. A failed run is "
        "reported and does not stop the others. Writes runs.csv and summary.csv (mean and "
        "95 %% CI over seeds of every KPI) and prints the summary. A sweep file (a TOML "
        "file with a [sweep] table: scenario = FILE and [sweep.grid] with arrays of values "
        "per dotted key, e.g. \"fleet.van.count\" = [20, 40]) stands for one scenario per "
        "grid point; sweep.csv lists the points' values.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml",
                   help="scenario files or sweep files")
    p.add_argument("--seeds", type=options.int_at_least(1), default=1, metavar="N",
                   help="number of seeds per scenario (default 1)")
    p.add_argument("--first-seed", type=options.seed, default=0, metavar="S",
                   help="first seed (default 0); every scenario gets the same seeds")
    p.add_argument("--name", default=None, metavar="B",
                   help="batch name (default: the folder name of the scenario files)")
    p.add_argument("--results", default="results", metavar="DIR",
                   help="results folder (default results/)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler (tcp://HOST:8786 or "
                   "tls://HOST:8786); the run folders travel back to this process unless "
                   "--shared-store")
    p.add_argument("--shared-store", action="store_true",
                   help="with --scheduler: the results folder is the same path on every "
                   "worker (a shared file system); the workers write the runs there and this "
                   "process checks each one")
    p.add_argument("--dashboard", action="store_true",
                   help="start the local cluster's Dask dashboard (on 127.0.0.1, a free "
                   "port; its address is printed)")
    p.add_argument("--workers", type=options.int_at_least(1), default=None, metavar="N",
                   help="worker processes of the local cluster (default: all cores)")
    p.add_argument("--report", action="store_true", help="write the report afterwards")
    p.set_defaults(func=_batch)

    r = sub.add_parser(
        "report",
        help="HTML report, tidy tables and GeoJSON of a batch",
        description="Write RESULTS/<batch>/report/: report.html (self-contained, figures "
        "embedded; German or English), the PNG figures and maps, kpis.csv (levels over "
        "seeds), paired.csv (paired differences against the baseline), sensitivity.csv, "
        "trips.parquet, vehicles.parquet, edges_vkm.geojson and stops.geojson (open in QGIS).",
    )
    r.add_argument("batch_dir", metavar="results/<batch>", help="batch folder")
    r.add_argument("--out", default=None, metavar="DIR", help="output folder "
                   "(default <batch>/report)")
    r.add_argument("--baseline", default="baseline", metavar="NAME",
                   help="scenario every other one is compared with (default baseline)")
    r.add_argument("--dpi", type=options.int_at_least(10, 1200), default=100, help="PNG resolution (default 100)")
    r.add_argument("--sensitivity", action="append", default=[], metavar="DIR",
                   help="sensitivity folder (sensitivity.json) whose band the headline "
                   "shows next to the net CO2 (repeatable; default: the <scenario>-"
                   "sensitivity folders beside the batch folder)")
    r.add_argument("--lang", choices=("de", "en"), default="de",
                   help="language of the report's text (default de)")
    r.add_argument("--fleet-curve", action="append", default=[], metavar="PATH",
                   help="fleet-size curve of kl-mobility size to show: the JSON record it "
                   "writes beside its CSV, the CSV, or a folder of records (repeatable; "
                   "records of one scenario, type and target with different seeds form one "
                   "curve with intervals over the seeds)")
    r.add_argument("--interactive", action="store_true",
                   help="also write interactive_map.html: an interactive map for the browser "
                   "(pan, zoom, districts with their figures, vehicle-km, requests), "
                   "self-contained and offline (inline SVG and script, no tiles)")
    r.set_defaults(func=_report)


def _fmt(v: float) -> str:
    from kl_mobility.report.html import fmt

    return fmt(v)


def _print_summary(summary_path: Path) -> None:
    import pandas as pd

    s = pd.read_csv(summary_path)
    if s.empty:
        return
    scenarios = list(dict.fromkeys(s["scenario"]))
    idx = s.set_index(["scenario", "kpi"])
    width = max(len(x) for x in scenarios) + 2
    head = "scenario".ljust(width) + "".join(label.rjust(22) for _, label in _SHOWN)
    print(head)
    for scen in scenarios:
        cells = []
        for k, _ in _SHOWN:
            if (scen, k) in idx.index:
                r = idx.loc[(scen, k)]
                half = (r["ci95_high"] - r["mean"]) if not math.isnan(r["ci95_high"]) else None
                txt = _fmt(r["mean"]) + (f" ±{_fmt(half)}" if half is not None else "")
            else:
                txt = "–"
            cells.append(txt.rjust(22))
        print(scen.ljust(width) + "".join(cells))
    print("mean over the seeds (± half the 95 % t-interval with two or more seeds); served = "
          "share of requests served (0-1); wait_s = mean wait in s; detour = ride / direct "
          "time; occup. = passenger-km / vehicle-km; vkm and kgCO2e per day: fleet well to "
          "wheel, net_city = change of the residents' transport CO2e against the reference "
          "case (the headline of kl-mobility run), per_rider = the one-car-avoided-per-rider "
          "alternative")


def _quiet_dask() -> None:
    """Dask's scheduler and nanny log INFO lines of their own; keep only errors."""
    import logging

    import distributed  # noqa: F401  (configures its loggers on import)

    for name in list(logging.root.manager.loggerDict):
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.ERROR)


def _batch(args: argparse.Namespace) -> int:
    from kl_mobility.batch import check_scheduler_address, default_batch_name, run_batch
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.errors import InputError

    if args.shared_store and not args.scheduler:
        raise InputError("--shared-store needs --scheduler (a local cluster always writes "
                         "into the results folder)")
    if args.scheduler:
        check_scheduler_address(args.scheduler)
    if not getattr(args, "verbose", False):
        _quiet_dask()
    name = args.name or default_batch_name(args.scenarios)
    batch_dir = Path(args.results) / name
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    bar = TqdmProgress()

    def on_outcome(o) -> None:
        if o.status == "failed":
            print(f"FAILED {o.scenario} seed {o.seed}: {o.error}", file=sys.stderr)

    t0 = time.perf_counter()
    try:
        result = run_batch(args.scenarios, seeds, batch_dir, scheduler=args.scheduler,
                           workers=args.workers, progress=bar, on_outcome=on_outcome,
                           shared_store=args.shared_store, dashboard=args.dashboard)
    finally:
        bar.close()
    c = result.counts()
    print(f"batch {name}: {c['done']} run(s) computed now, {c['skipped']} already finished, "
          f"{c['failed']} failed in {time.perf_counter() - t0:.1f} s -> {batch_dir}")
    _print_summary(batch_dir / "summary.csv")
    if args.report and c["done"] + c["skipped"] > 0:
        from kl_mobility.report.html import write_report

        path = write_report(batch_dir, progress=TqdmProgress())
        print(f"report: {path}")
    return 1 if c["failed"] else 0


def _report(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.errors import InputError
    from kl_mobility.report.html import write_report

    if not Path(args.batch_dir).is_dir():
        raise InputError(f"{args.batch_dir}: batch folder not found")
    bar = TqdmProgress()
    try:
        path = write_report(args.batch_dir, args.out, baseline=args.baseline, dpi=args.dpi,
                            progress=bar, sensitivity=args.sensitivity, lang=args.lang,
                            fleet_curves=args.fleet_curve, interactive=args.interactive)
    finally:
        bar.close()
    print(f"report: {path}")
    for name in ("kpis.csv", "paired.csv", "trips.parquet", "vehicles.parquet",
                 "edges_vkm.geojson", "stops.geojson", "interactive_map.html",
                 "fleet_curve.csv"):
        if (path.parent / name).is_file():
            print(f"        {path.parent / name}")
    return 0
