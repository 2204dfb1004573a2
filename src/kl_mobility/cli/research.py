"""CLI commands for dispatch research.

- ``kl-mobility instance export SCENARIO --seed S --out DIR [--verify]``: a scenario's
  settled day as an instance folder (:mod:`kl_mobility.instance.folder`); ``--verify``
  reads it back, simulates it and compares with the day's own simulation.
- ``kl-mobility instance check DIR``: read an instance folder and print what it holds, every
  rule it does not give (with the value used) and what rounding changed.
- ``kl-mobility instance list``: the shipped Kaiserslautern days (:mod:`kl_mobility.instance.shipped`).
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
    p.add_argument("--verify", action="store_true",
                   help="read the written folder back, simulate it with the scenario's "
                   "policy and seed, and compare trips, vehicles, events and KPIs with the "
                   "day's own simulation (exit 1 on any difference)")
    p.set_defaults(func=_export)
    p = isub.add_parser("check", help="read an instance folder and report it",
                        description="Read an instance folder (or a shipped day by name); "
                        "print its size, every rule it does not give with the value used, and "
                        "every change rounding made.")
    p.add_argument("folder", help="instance folder, or the name of a shipped day "
                   "(kl-mobility instance list)")
    p.set_defaults(func=_check)
    p = isub.add_parser("list", help="the shipped Kaiserslautern days",
                        description="List the instance days shipped with kl-mobility "
                        "(usable by name in bench dispatch and instance check): sizes, "
                        "recipe, folder.")
    p.set_defaults(func=_list)

    bench = _bench_parsers(sub)
    p = bench.add_parser(
        "dispatch", help="dispatch policies on instances: one table",
        description="Simulate every policy on every instance (instance folders or scenario "
        "files, whose settled day is used) with one seed; print one table with served, "
        "waits, ride time, detour, vehicle-km and empty km, occupancy, CPU seconds per "
        "simulated day and the violations an independent check of the outputs finds.")
    p.add_argument("--instances", nargs="+", required=True, metavar="PATH",
                   help="instance folders, scenario .toml files, or names of shipped days "
                   "(kl-small, kl-medium, kl-large: kl-mobility instance list)")
    p.add_argument("--policies", nargs="+", default=["insertion", "batch"], metavar="NAME",
                   help="registered policy names or entry points (default insertion batch)")
    p.add_argument("--seed", type=options.seed, default=1, help="seed (default 1)")
    p.add_argument("--options", type=Path, metavar="FILE",
                   help="TOML file with one table per policy: its [dispatch.options], e.g. "
                   "[mine] k = 3")
    p.add_argument("--cost", default="added_time", metavar="COST",
                   help="dispatch.cost of every policy, what an insertion costs: added_time "
                   "(default), wait, added_time_plus_wait or rider_time (the shipped "
                   "scenarios' choice: use it to reproduce their runs)")
    p.add_argument("--csv", metavar="FILE", help="also write the table as CSV (atomically, "
                   "after every row)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a --csv file that exists already (default: refuse)")
    p.add_argument("--hindsight", type=_window, default=None, metavar="HH:MM-HH:MM",
                   help="add the hindsight gap on this window of desired pickups: the "
                   "window simulated online with each policy, its served requests planned "
                   "with every request known in advance (as kl-mobility hindsight), gap = "
                   "(online - hindsight) vehicle-km / hindsight vehicle-km")
    p.add_argument("--hindsight-max-requests", type=options.int_at_least(1), default=50,
                   metavar="N", help="the window's earliest N requests (default 50)")
    p.add_argument("--hindsight-time-limit", type=options.finite_float(0.0, lo_open=True),
                   default=30.0, metavar="S",
                   help="seconds of each hindsight search (default 30)")
    p.set_defaults(func=_bench_dispatch)


def _window(text: str) -> tuple[int, int]:
    from kl_mobility.cli.hindsight import parse_clock

    a, sep, b = text.partition("-")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected HH:MM-HH:MM, got {text!r}")
    lo, hi = parse_clock(a), parse_clock(b)
    if hi <= lo:
        raise argparse.ArgumentTypeError(f"the window must end after it starts: {text!r}")
    return lo, hi


def _print_instance(label: str, inst) -> None:
    n_veh = sum(vt.count for vt in inst.fleet)
    print(f"{label}: {inst.network.n_nodes:,} nodes, {inst.network.n_edges:,} edges, "
          f"{len(inst.requests):,} requests, {n_veh} vehicles in {len(inst.fleet)} type(s)")
    for line in inst.not_given:
        print(f"  not given: {line}")
    if not inst.not_given:
        print("  every rule and type key given (no default applied)")
    for line in inst.rounding:
        print(f"  rounding: {line}")
    if not inst.rounding:
        print("  times in whole seconds as given (no rounding)")


def _export(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.dispatchbench import round_trip_differences, scenario_day
    from kl_mobility.instance import write_instance
    from kl_mobility.io import check_output_dir

    check_output_dir(args.out, what="instance folder")
    bar = TqdmProgress()
    try:
        inst, _, day = scenario_day(args.scenario, args.seed, progress=bar)
    finally:
        bar.close()
    write_instance(args.out, inst)
    _print_instance(inst.name, inst)
    print(f"written {args.out}")
    if not args.verify:
        return 0
    diffs = round_trip_differences(args.out, day, args.seed)
    for line in diffs:
        print(f"ROUND TRIP DIFFERS: {line}")
    if not diffs:
        k = day.result.kpis
        print(f"round trip: the folder read back and simulated ({day.scenario.dispatch.policy}, "
              f"seed {args.seed}) gives the day's own trips ({len(day.result.trips):,} rows, "
              f"{int(k['n_served']):,} served), vehicles, events "
              f"({len(day.result.events):,} rows) and KPIs exactly")
    return 1 if diffs else 0


def _check(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.dispatchbench import resolve_instance
    from kl_mobility.instance import read_instance

    bar = TqdmProgress()
    try:
        inst, _ = read_instance(resolve_instance(args.folder), progress=bar)
    finally:
        bar.close()
    _print_instance(str(args.folder), inst)
    return 0


def _list(args: argparse.Namespace) -> int:
    from kl_mobility.instance.shipped import DAYS_DIR, shipped_days

    for name, d in shipped_days().items():
        print(f"{name}: {d['requests']:,} requests, {d['vehicles']} vehicles, "
              f"{d['nodes']:,} nodes, {d['edges']:,} edges")
        print(f"  recipe: {d['recipe']}")
    print(f"folders under {DAYS_DIR} (checked against days.json when used)")
    return 0


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:,.2f}"
    return str(v)


def _policy_options(args: argparse.Namespace) -> dict:
    """The ``--options`` file's tables, each checked against its policy."""
    from kl_mobility.config import ConfigError
    from kl_mobility.dispatch import DispatchConfig

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
    try:
        DispatchConfig(cost=args.cost)
    except ValueError as exc:
        raise ConfigError(f"--cost: {exc}") from None
    for name in args.policies:
        try:
            DispatchConfig(policy=name, options=opts.get(name, {}), cost=args.cost)
        except ValueError as exc:
            where = f"{args.options}: [{name}]" if name in opts else "--policies"
            raise ConfigError(f"{where}: {exc}") from None
    return opts


def _print_notes(args: argparse.Namespace, rows: list[dict], window: object) -> None:
    print("wait, ride, detour over served requests; vehicle-km incl. outer-district legs; "
          "occupancy = passenger-km / vehicle-km; CPU s = process time of simulating the day "
          f"(seed {args.seed}, dispatch.cost {args.cost}; after an untimed warm-up on the instance's first requests, so "
          "no row includes compiling kernels or preparing tables); violations from "
          "kl_mobility.results.check")
    if window is not None:
        print(f"hindsight: the requests with desired pickup in {rows[0]['hindsight_window']} "
              "(earliest first) simulated online on their own with each policy; those it "
              "served planned with every request known in advance (OR-Tools, "
              f"{args.hindsight_time_limit:g} s search, same vehicles and start nodes, ending "
              "anywhere); gap % = (online km - hindsight km) / hindsight km x 100, km incl. "
              "outer-district legs; a time-limited search, so a lower bound of the online "
              "run's excess over the optimum")
        for r in rows:
            if r["hindsight_note"]:
                print(f"hindsight {r['instance']} / {r['policy']}: {r['hindsight_note']}")
    for r in rows:
        if r["violations"]:
            print(f"VIOLATION {r['instance']} / {r['policy']}: {r['first_violation']}")


def _bench_dispatch(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.dispatchbench import (
        COLUMNS,
        HINDSIGHT_COLUMNS,
        bench_dispatch,
        load_bench_instance,
        rows_to_csv,
    )

    opts = _policy_options(args)
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

    window = None
    if args.hindsight is not None:
        from kl_mobility.planning.options import HindsightWindow

        window = HindsightWindow(from_s=args.hindsight[0], to_s=args.hindsight[1],
                                 max_requests=args.hindsight_max_requests,
                                 time_limit_s=args.hindsight_time_limit)
    rows = bench_dispatch(loaded, args.policies, seed=args.seed, options=opts, on_row=on_row,
                          window=window, cost=args.cost)
    shown = [c for c, _ in COLUMNS if c != "first_violation"]
    if window is not None:
        shown += [c for c, _ in HINDSIGHT_COLUMNS if c != "hindsight_note"]
    table = [shown] + [[_fmt(r[c]) for c in shown] for r in rows]
    width = [max(len(row[i]) for row in table) for i in range(len(shown))]
    for row in table:
        print("  ".join(v.rjust(w) for v, w in zip(row, width, strict=True)))
    _print_notes(args, rows, window)
    if args.csv:
        print(f"written {args.csv}")
    return 1 if any(r["violations"] for r in rows) else 0
