"""``kl-mobility sensitivity``: Morris screening of a scenario's assumptions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` command."""
    from kl_mobility.assumptions import ASSUMPTION_RANGES, DEFAULT_ASSUMPTIONS  # light: --help

    p = sub.add_parser(
        "sensitivity",
        help="global sensitivity of a scenario's results to its assumptions (Morris)",
        description=(
            "Vary named assumptions over their documented ranges with the Morris method "
            "(SALib): TRAJECTORIES x (assumptions + 1) full runs of the scenario (demand "
            "rounds in every sample, same seed), distributed like a batch and resumable. "
            "Writes sensitivity.json, samples.csv and mu_star.png to the output folder and "
            "prints the range and 5-95 %% band of net CO2, share served and on-demand trips, "
            "the ranking of the assumptions and whether the sign of the net CO2 change is "
            "robust. Assumptions: " + ", ".join(
                f"{n} [{a.low:g}, {a.high:g}]" for n, a in ASSUMPTION_RANGES.items())),
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO.toml")
    p.add_argument("--assumptions", default=",".join(DEFAULT_ASSUMPTIONS), metavar="A,B,...",
                   help="comma-separated assumptions to vary (default: %(default)s)")
    p.add_argument("--trajectories", type=int, default=4, metavar="R",
                   help="Morris trajectories (default 4): R x (k + 1) runs")
    p.add_argument("--levels", type=int, default=4, metavar="P",
                   help="Morris grid levels, even (default 4)")
    p.add_argument("--seed", type=int, default=None, help="run seed (default: the scenario's)")
    p.add_argument("--sample-seed", type=int, default=0, help="seed of the Morris design")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default results/<scenario>-sensitivity)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the local cluster (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_sensitivity)


def _sensitivity(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.sensitivity import run_sensitivity

    names = [a.strip() for a in args.assumptions.split(",") if a.strip()]
    out = args.out or Path("results") / f"{args.scenario.stem}-sensitivity"
    progress = None if args.quiet else TqdmProgress()

    def failed(outcome) -> None:
        if outcome.status == "failed":
            print(f"sample {outcome.scenario} failed: {outcome.error}", file=sys.stderr)

    try:
        res = run_sensitivity(args.scenario, out, assumptions=names,
                              trajectories=args.trajectories, levels=args.levels,
                              seed=args.seed, sample_seed=args.sample_seed,
                              scheduler=args.scheduler, workers=args.workers,
                              progress=progress, on_outcome=failed)
    finally:
        if progress is not None:
            progress.close()
    print(format_sensitivity(res.record))
    print(f"results in {out}")
    return 1 if res.record["failed"] else 0


def format_sensitivity(record: dict) -> str:
    """The printed summary of a sensitivity record."""
    lines = [f"Morris screening of {record['scenario']} (seed {record['seed']}): "
             f"{record['runs']} runs, {record['trajectories']} trajectories x "
             f"{len(record['assumptions']) + 1}; failed: {len(record['failed'])}",
             f"{'output':<62} {'min':>10} {'5 %':>10} {'95 %':>10} {'max':>10}"]
    for kpi, entry in record["outputs"].items():
        if "min" not in entry:
            continue
        fmt = ("{:>10.1%}" if "share" in kpi else
               "{:>+10,.0f}" if kpi.startswith("co2") else "{:>10,.0f}")
        vals = " ".join(fmt.format(entry[k]) for k in ("min", "p05", "p95", "max"))
        lines.append(f"{entry['label']:<62} {vals}")
    net = record["outputs"].get("co2_city_net_kg", {})
    if net.get("morris"):
        lines.append("ranking by mu* (net city-wide CO2, kg/day): " + "; ".join(
            f"{r['assumption']} {r['mu_star']:,.0f}" for r in net["morris"]))
    lines.append("sign: " + record["sign_statement"])
    lines.append("band: " + record["band_caveat"])
    return "\n".join(lines)
