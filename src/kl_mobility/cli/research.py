"""CLI commands for dispatch research.

- ``kl-mobility instance export SCENARIO --seed S --out DIR``: a scenario's settled day as
  an instance folder (:mod:`kl_mobility.instance.folder`).
- ``kl-mobility instance check DIR``: read an instance folder and print what it holds, every
  rule it does not give (with the value used) and what rounding changed.
- ``kl-mobility bench dispatch --instances ... --policies ... [--csv FILE]``: every policy
  on every instance, one table (:mod:`kl_mobility.dispatchbench`).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from kl_mobility.cli import options

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``instance`` and ``bench dispatch``."""
    from kl_mobility.cli.routing import _bench_parsers

    inst = sub.add_parser("instance", help="dispatch instances: export a scenario day, "
                          "check a folder",
                          description="Instance folders: the documented exchange format of "
                          "dispatch problems (kl_mobility.instance.folder).")
    isub = inst.add_subparsers(dest="instance_command", metavar="ACTION")
    p = isub.add_parser("export", help="write a scenario's settled day as an instance folder",
                        description="Settle the scenario's demand as `kl-mobility run` does "
                        "and write that day (network, requests, fleet with the run's start "
                        "nodes, every rule) as an instance folder.")
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--seed", type=options.seed, default=1, help="seed (default 1)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR",
                   help="instance folder to write (atomically; an existing folder only when "
                   "kl-mobility wrote it)")
    p.set_defaults(func=_export)
    p = isub.add_parser("check", help="read an instance folder and report it",
                        description="Read an instance folder; print its size, every rule it "
                        "does not give with the value used, and every change rounding made.")
    p.add_argument("folder", type=Path)
    p.set_defaults(func=_check)

    bench = _bench_parsers(sub)
    p = bench.add_parser(
        "dispatch", help="dispatch policies on instances: one table",
        description="Simulate every policy on every instance (instance folders or scenario "
        "files, whose settled day is used) with one seed; print one table with served, "
        "waits, ride time, detour, vehicle-km and empty km, occupancy, CPU seconds per "
        "simulated day and the violations an independent check of the outputs finds.")
    p.add_argument("--instances", nargs="+", required=True, metavar="PATH",
                   help="instance folders or scenario .toml files")
    p.add_argument("--policies", nargs="+", default=["insertion", "batch"], metavar="NAME",
                   help="registered policy names or entry points (default insertion batch)")
    p.add_argument("--seed", type=options.seed, default=1, help="seed (default 1)")
    p.add_argument("--options", type=Path, metavar="FILE",
                   help="TOML file with one table per policy: its [dispatch.options], e.g. "
                   "[mine] k = 3")
    p.add_argument("--csv", metavar="FILE", help="also write the table as CSV (atomically, "
                   "after every row)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a --csv file that exists already (default: refuse)")
    p.set_defaults(func=_bench_dispatch)


def _print_instance(label: str, inst) -> None:
    n_veh = sum(vt.count for vt in inst.fleet)
    print(f"{label}: {inst.network.n_nodes:,} nodes, {inst.network.n_edges:,} edges, "
          f"{len(inst.requests):,} requests, {n_veh} vehicles in {len(inst.fleet)} type(s)")
    for line in inst.not_given:
        print(f"  not given: {line}")
    for line in inst.rounding:
        print(f"  rounding: {line}")


def _export(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.dispatchbench import scenario_instance
    from kl_mobility.instance import write_instance
    from kl_mobility.io import check_output_dir

    check_output_dir(args.out, what="instance folder")
    bar = TqdmProgress()
    try:
        inst, _ = scenario_instance(args.scenario, args.seed, progress=bar)
    finally:
        bar.close()
    write_instance(args.out, inst)
    _print_instance(inst.name, inst)
    print(f"written {args.out}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from kl_mobility.instance import read_instance

    inst, _ = read_instance(args.folder)
    _print_instance(str(args.folder), inst)
    return 0


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:,.2f}"
    return str(v)


def _bench_dispatch(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.config import ConfigError
    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.dispatchbench import COLUMNS, bench_dispatch, load_bench_instance, rows_to_csv

    opts: dict = {}
    if args.options is not None:
        import tomllib

        try:
            opts = tomllib.loads(args.options.read_text())
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{args.options}: cannot be read as TOML: {exc}") from None
        extra = sorted(set(opts) - set(args.policies))
        if extra or not all(isinstance(v, dict) for v in opts.values()):
            raise ConfigError(f"{args.options}: one table per policy of --policies "
                              f"({', '.join(args.policies)}) expected"
                              + (f", got [{extra[0]}]" if extra else ""))
    for name in args.policies:
        try:
            DispatchConfig(policy=name, options=opts.get(name, {}))
        except ValueError as exc:
            where = f"{args.options}: [{name}]" if name in opts else "--policies"
            raise ConfigError(f"{where}: {exc}") from None
    if args.csv:
        from kl_mobility.io import check_output_file

        check_output_file(args.csv, replace=args.overwrite)
    bar = TqdmProgress()
    try:
        loaded = [load_bench_instance(p, args.seed, progress=bar) for p in args.instances]
    finally:
        bar.close()
    for bi in loaded:
        _print_instance(bi.label, bi.instance)
    done: list[dict] = []

    def on_row(row: dict) -> None:
        done.append(row)
        if args.csv:
            rows_to_csv(done, args.csv)

    rows = bench_dispatch(loaded, args.policies, seed=args.seed, options=opts, on_row=on_row)
    shown = [c for c, _ in COLUMNS if c != "first_violation"]
    table = [shown] + [[_fmt(r[c]) for c in shown] for r in rows]
    width = [max(len(row[i]) for row in table) for i in range(len(shown))]
    for row in table:
        print("  ".join(v.rjust(w) for v, w in zip(row, width, strict=True)))
    print("wait, ride, detour over served requests; vehicle-km incl. outer-district legs; "
          "occupancy = passenger-km / vehicle-km; CPU s = process time of simulating the day "
          f"(seed {args.seed}); violations from kl_mobility.results.check")
    for r in rows:
        if r["violations"]:
            print(f"VIOLATION {r['instance']} / {r['policy']}: {r['first_violation']}")
    if args.csv:
        print(f"written {args.csv}")
    return 1 if any(r["violations"] for r in rows) else 0
