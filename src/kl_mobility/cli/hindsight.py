"""``kl-mobility hindsight``: an online day against its static optimum, on a small window.

The command builds the scenario's network and demand as ``kl-mobility run`` does
(:mod:`kl_mobility.runner`), keeps the requests of a small window of the day
(:func:`kl_mobility.planning.hindsight.select_window`: desired pickup in
``[--from, --to)``, at most ``--max-requests`` of them, the earliest first), simulates those requests online with
the scenario's service rules and dispatch policy, and plans the requests the online run
served (``--turned-away``: also those its dispatch turned away, so hindsight may serve
more) with hindsight (OR-Tools, every request known in advance) with the same vehicles,
started where the run's vehicles started
(:func:`kl_mobility.planning.hindsight.simulated_start_nodes`). It prints and writes the
accounting of every request of the day and the comparison table
(:func:`kl_mobility.planning.hindsight.hindsight_table`).

Scope (what the static model can represent): door-to-door vehicle types on the network's
travel times. Stop-based types and types with a speed cap (the shuttles of
klima-plus-2030) are left out of both sides, and so are types whose hours do not reach
the window; a type whose hours cover only part of the window's requests is an error.

Which day: by default the day ``kl-mobility run`` reports, the requests of the last
demand <-> service round (:func:`kl_mobility.runner.settle_demand`: up to
``demand.service_iterations`` full-day simulations, stopping once demand and service
agree); the online window simulation is a separate simulation of the window alone (with
the last round's rebalancing forecast). ``--first-round`` takes the demand model's first
round instead (the assumed service level, no full-day simulation; in klima-plus-2030
seed 1 that day has 24,538 requests, the settled one 9,466). Requests read from a file do not depend on the service:
they are the day either way. The round used, the rounds run and whether they converged
are printed and recorded (``hindsight.json`` "demand"). Hindsight is for *small*
instances: the default window is 07:00-07:15 with at most 50 requests and a 60 s search
(``--time-limit``); the settled day first runs its rounds (each a full-day simulation,
at most ``demand.service_iterations``), which ``--first-round`` skips.
When the service runs past midnight, early-morning requests that it takes at the end of
the day count at their wrapped time (00:30 -> 24:30,
:func:`kl_mobility.service.wrap_past_midnight`), so such a window is ``--from 24:00``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kl_mobility.cli import options
from kl_mobility.planning.options import (
    DEFAULT_FROM_S,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_SPAN_S,
    demand_source,
)
from kl_mobility.planning.options import clock as _clock

if TYPE_CHECKING:
    from kl_mobility.planning.window import HindsightRun

__all__ = ["format_demand_source", "format_hindsight", "parse_clock", "register"]


def parse_clock(text: str) -> int:
    """``"HH:MM"`` (or ``"HH:MM:SS"``) -> seconds since midnight; up to 48:00."""
    parts = text.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        h, m = int(parts[0]), int(parts[1])
        s = int(parts[2]) if len(parts) == 3 else 0
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HH:MM, got {text!r}") from None
    if not (0 <= m < 60 and 0 <= s < 60 and 0 <= h and h * 3600 + m * 60 + s <= 48 * 3600):
        raise argparse.ArgumentTypeError(f"not a time of day: {text!r}")
    return h * 3600 + m * 60 + s


def _num(v: float, digits: int) -> str:
    if not math.isfinite(v):
        return "-"
    return f"{0.0 if abs(v) < 0.5 * 10 ** -digits else v:,.{digits}f}"  # no "-0.0"


def format_demand_source(d: dict[str, Any]) -> str:
    """One line on which demand round the day's requests come from (:func:`demand_source`)."""
    if d["requests_from"] == "first_round":
        return ("demand: the first round (assumed service level, --first-round; rounds not "
                "run, so not the day kl-mobility run reports)")
    if d["requests_from"] == "fixed":
        return "demand: fixed requests (they do not depend on the service: one round)"
    gaps = (f"requests gap {abs(d['requests_gap']):.1%}, service-level change "
            f"{d['level_gap']:.1%}")
    where = (f"round {d['round'] + 1} of {d['rounds']} run (at most {d['max_rounds']}): "
             f"{gaps}")
    if d["converged"]:
        return f"demand: the settled day, {where}, demand and service agree"
    return (f"WARNING: demand: the last round, {where}; demand and service did NOT agree "
            "(raise demand.service_iterations)")


def format_hindsight(run: HindsightRun) -> str:
    """The accounting and the comparison table as printed by the command."""
    c, a = run.counts, run.accounting()
    cap = "" if run.max_requests is None else f", at most {run.max_requests} requests"
    fleet = ", ".join(f"{vt.name} x{vt.count}" for vt in run.fleet)
    lines = [
        f"hindsight: scenario {run.scenario}, seed {run.seed}, window "
        f"{_clock(run.from_s)}-{_clock(run.to_s)}{cap}; fleet {fleet}",
    ]
    for name, why in run.left_out_types.items():
        lines.append(f"  left out: {name} ({why})")
    lines.append(format_demand_source(run.demand or demand_source()))
    reasons = ", ".join(f"{k} {v}" for k, v in a["online_unserved_reasons"].items())
    lines += [
        f"requests of the day                     {c['day']:>7,}",
        f"  desired pickup before {_clock(run.from_s)}             {c['before']:>7,}",
        f"  desired pickup at/after {_clock(run.to_s)}           {c['after']:>7,}",
        f"  in the window                           {c['in_window']:>7,}",
        f"    beyond the cap (left out)             {c['over_cap']:>7,}",
        f"    included                              {c['selected']:>7,}",
        f"online: served {a['online_served']}, rejected {a['online_rejected']}, cancelled "
        f"{a['online_cancelled']}" + (f" ({reasons})" if reasons else ""),
        f"hindsight: plans the {a['hindsight_planned']} requests "
        + ("served or turned away by dispatch online" if run.include_turned_away
           else "served online") + f": served "
        f"{a['hindsight_served']}, not served {a['hindsight_unserved']}; feasible "
        f"{'yes' if a['hindsight_feasible'] else 'NO'} ({run.time_limit_s:g} s search)",
        "",
    ]
    t = run.table
    w = max(len(m) for m in t["metric"])
    lines.append(f"{'metric':<{w}}  {'online':>10}  {'hindsight':>10}  {'gap %':>7}")
    lines.append(f"{'-' * w}  {'-' * 10}  {'-' * 10}  {'-' * 7}")
    for row in t.itertuples(index=False):
        d = 0 if row.key in ("n_served", "vehicles_used") else 2
        lines.append(f"{row.metric:<{w}}  {_num(row.online, d):>10}  "
                     f"{_num(row.hindsight, d):>10}  {_num(row.gap_pct, 1):>7}")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``hindsight`` command."""
    p = sub.add_parser(
        "hindsight",
        help="online dispatcher against the static optimum on a small window of the day",
        description=(
            "Simulate the requests of a small window of a scenario's day online, then plan "
            "the requests the online run served with all of them known in advance "
            "(OR-Tools), with the same vehicles starting where the run's vehicles started. "
            "Prints where every request of the day went and the comparison (served, "
            "vehicle-km, active vehicle-hours, mean wait, ride time and detour, gap in %), "
            "and writes it atomically to --out. Door-to-door types without a speed cap "
            "only. The day is the one kl-mobility run reports (the last demand <-> "
            "service round); --first-round takes the first round instead."),
    )
    p.add_argument("scenario", nargs="?", type=Path,
                   help="scenario TOML file (default: scenarios/klima-plus-2030.toml)")
    p.add_argument("--seed", type=options.seed, default=None,
                   help="random seed (default: the scenario's seed)")
    p.add_argument("--from", dest="from_s", type=parse_clock, default=DEFAULT_FROM_S,
                   metavar="HH:MM", help="window start: desired pickups from here "
                   f"(default {_clock(DEFAULT_FROM_S)})")
    p.add_argument("--to", dest="to_s", type=parse_clock, default=None, metavar="HH:MM",
                   help=f"window end, exclusive (default: start + {DEFAULT_SPAN_S // 60} min)")
    p.add_argument("--max-requests", type=options.int_at_least(0), default=DEFAULT_MAX_REQUESTS, metavar="N",
                   help="keep the first N requests of the window by desired pickup "
                   f"(default {DEFAULT_MAX_REQUESTS}; 0 = no cap)")
    p.add_argument("--fleet", type=options.int_at_least(1), default=None, metavar="N",
                   help="use only the first N vehicles of the eligible types (default all)")
    p.add_argument("--turned-away", action="store_true",
                   help="also plan the requests online dispatch turned away (no vehicle in "
                   "time), so hindsight may serve more; default: only those served online "
                   "(the same work)")
    p.add_argument("--first-round", action="store_true",
                   help="take the day of the demand model's first round (assumed service "
                   "level, no full-day simulations) instead of the settled day of "
                   "kl-mobility run (the last demand <-> service round)")
    p.add_argument("--time-limit", type=options.finite_float(0.0, lo_open=True), default=60.0, metavar="S",
                   help="seconds for the hindsight search (default 60)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="result folder (default results/<scenario>/hindsight-<seed>)")
    p.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                   help="network cache folder (default: $KL_MOBILITY_CACHE or ./networks)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_hindsight)


def _hindsight(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.config import ConfigError
    from kl_mobility.io import check_output_dir
    from kl_mobility.planning.options import HindsightWindow
    from kl_mobility.planning.window import write_hindsight
    from kl_mobility.runner import run_hindsight
    from kl_mobility.scenario import default_scenario_path, scenario_from_file

    if args.max_requests < 0:
        raise ConfigError(f"--max-requests must be >= 0, got {args.max_requests}")
    scenario = scenario_from_file(args.scenario or default_scenario_path())
    seed = scenario.seed if args.seed is None else args.seed
    window = HindsightWindow(from_s=args.from_s, to_s=args.to_s,
                             max_requests=args.max_requests or None, fleet_size=args.fleet,
                             time_limit_s=args.time_limit,
                             include_turned_away=args.turned_away)
    out = args.out or Path("results") / scenario.name / f"hindsight-{seed}"
    check_output_dir(out)
    progress = None if args.quiet else TqdmProgress()
    try:
        run = run_hindsight(scenario, seed, window, first_round=args.first_round,
                            cache_dir=args.cache_dir, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    print(format_hindsight(run))
    write_hindsight(run, out)
    print(f"written {out}/hindsight.csv, hindsight.json and the trip/stop tables")
    return 0 if run.plan.solution.feasible else 1
