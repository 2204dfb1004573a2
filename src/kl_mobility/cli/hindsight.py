"""``kl-mobility hindsight``: an online day against its static optimum, on a small window.

The command builds the scenario's network and demand as ``kl-mobility run`` does
(:mod:`kl_mobility.runner`), keeps the requests of a small window of the day
(:func:`kl_mobility.routing.hindsight.select_window`: desired pickup in
``[--from, --to)``, at most ``--max-requests`` of them, the earliest first), simulates those requests online with
the scenario's service rules and dispatch policy, and plans the requests the online run
served (``--turned-away``: also those its dispatch turned away, so hindsight may serve
more) with hindsight (OR-Tools, every request known in advance) with the same vehicles,
started where the run's vehicles started
(:func:`kl_mobility.routing.hindsight.simulated_start_nodes`). It prints and writes the
accounting of every request of the day and the comparison table
(:func:`kl_mobility.routing.hindsight.hindsight_table`).

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
seed 1 that day has 15,076 requests, the settled one 6,745). Requests read from a file do not depend on the service:
they are the day either way. The round used, the rounds run and whether they converged
are printed and recorded (``hindsight.json`` "demand"). Hindsight is for *small*
instances: the default window (07:00-07:15, at most 50 requests, 60 s search) solves in
about a minute; the settled day adds its rounds (klima-plus-2030 seed 1: 5 full-day
simulations, about 20 s; 82 s for the whole command against 66 s with ``--first-round``).
When the service runs past midnight, early-morning requests that it takes at the end of
the day count at their wrapped time (00:30 -> 24:30,
:func:`kl_mobility.sim.setup.wrap_past_midnight`), so such a window is ``--from 24:00``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.cli import options
from kl_mobility.errors import InputError

__all__ = ["DEFAULT_FROM_S", "DEFAULT_MAX_REQUESTS", "DEFAULT_SPAN_S", "HindsightRun",
           "demand_source", "format_demand_source", "format_hindsight", "parse_clock",
           "register", "run_hindsight", "write_hindsight"]

DEFAULT_FROM_S = 7 * 3600
"""Default window start: 07:00, in the morning peak."""
DEFAULT_SPAN_S = 15 * 60
"""Default window length when ``--to`` is not given: 15 minutes."""
DEFAULT_MAX_REQUESTS = 50
"""Default cap on the window's requests (a static solve of hundreds is out of scope)."""


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


def _clock(t: float) -> str:
    t = int(t)
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}"


@dataclass(frozen=True, eq=False)
class HindsightRun:
    """Everything of one hindsight comparison (see :func:`run_hindsight`)."""

    scenario: str
    seed: int
    from_s: int
    to_s: int
    max_requests: int | None
    counts: dict[str, int]
    requests: pd.DataFrame
    fleet: tuple[Any, ...]
    left_out_types: dict[str, str]
    start_nodes: np.ndarray
    online: Any
    plan: Any
    table: pd.DataFrame
    time_limit_s: float
    include_turned_away: bool = False
    demand: dict[str, Any] | None = None
    """Where the day's requests come from (:func:`demand_source`): ``requests_from``
    ("settled", "first_round" or "fixed": a requests file, the same in every round),
    ``round`` (0-based, as ``iteration`` in ``demand.json``), ``rounds`` run (``None``:
    not run), ``max_rounds``, ``converged`` (``None``: not checked), ``requests_gap``,
    ``level_gap`` (the last round's, ``None`` when not run)."""

    def accounting(self) -> dict[str, Any]:
        """Every request of the day, where it went (JSON-able)."""
        trips = self.online.trips
        reasons = trips.loc[trips["status"] != "served", "reason"].astype(str)
        ht = self.plan.trips
        return {
            **{f"day_{k}": int(v) for k, v in self.counts.items()},
            "online_served": int((trips["status"] == "served").sum()),
            "online_rejected": int((trips["status"] == "rejected").sum()),
            "online_cancelled": int((trips["status"] == "cancelled").sum()),
            "online_unserved_reasons": {str(k): int(v)
                                        for k, v in reasons.value_counts().items()},
            "hindsight_planned": len(ht),
            "hindsight_served": int((ht["status"] == "served").sum()),
            "hindsight_unserved": int((ht["status"] != "served").sum()),
            "hindsight_feasible": bool(self.plan.solution.feasible),
        }


def _window_fleet(scenario: Any, requests: pd.DataFrame, fleet_size: int | None,
                  ) -> tuple[tuple[Any, ...], dict[str, str]]:
    """The vehicle types both sides can share, and why the others are left out."""
    from kl_mobility.config import ConfigError

    svc = scenario.service
    if len(requests):
        e = (requests["earliest_pickup_s"].fillna(requests["request_time_s"])
             if "earliest_pickup_s" in requests.columns else requests["request_time_s"])
        early = e.to_numpy(np.int64)
    else:
        early = np.zeros(0, np.int64)
    keep, left = [], {}
    for vt in scenario.fleet:
        if vt.count <= 0:
            continue
        if vt.stop_based:
            left[vt.name] = "stop-based (the static model serves door to door)"
            continue
        if vt.speed_cap_kmh > 0:
            left[vt.name] = "speed cap (the static model has one travel-time table)"
            continue
        a, b = vt.hours(svc)
        inside = (early >= a) & (early < b)
        if not inside.any():
            left[vt.name] = f"off duty in the window (hours {_clock(a)}-{_clock(b)})"
            continue
        if not inside.all():
            raise InputError(
                f"scenario {scenario.name!r}: vehicle type {vt.name!r} works "
                f"{_clock(a)}-{_clock(b)}, which covers only part of the window's requests; "
                "choose a window inside or outside its hours")
        keep.append(vt)
    if not keep:
        raise InputError(f"scenario {scenario.name!r}: no door-to-door vehicle type without "
                         f"a speed cap is on duty in the window ({left})")
    if fleet_size is not None:
        if fleet_size < 1:
            raise ConfigError(f"--fleet must be >= 1, got {fleet_size}")
        total, out = 0, []
        for vt in keep:  # the first fleet_size vehicles in scenario order
            n = min(vt.count, fleet_size - total)
            if n > 0:
                out.append(replace(vt, count=n))
                total += n
        keep = out
    return tuple(keep), left


def demand_source(settled: Any = None, *, first_round: bool = False,
                  max_rounds: int = 1) -> dict[str, Any]:
    """The ``demand`` record of a :class:`HindsightRun`: from a
    :class:`kl_mobility.runner.SettledDemand` (the settled day), or the first round
    (``first_round``) or a day that does not depend on the service (neither)."""
    if settled is not None:
        last = settled.history[-1]
        return {"requests_from": "settled" if settled.feedback else "fixed",
                "round": settled.final_round, "rounds": settled.n_rounds,
                "max_rounds": settled.rounds.max_rounds,
                "converged": bool(settled.converged),
                "requests_gap": float(last["requests_gap"]),
                "level_gap": float(last["level_gap"])}
    return {"requests_from": "first_round" if first_round else "fixed", "round": 0,
            "rounds": None if first_round else 1, "max_rounds": max_rounds,
            "converged": None if first_round else True, "requests_gap": None,
            "level_gap": None}


def run_hindsight(scenario: Any, seed: int, *, from_s: int = DEFAULT_FROM_S,
                  to_s: int | None = None, max_requests: int | None = DEFAULT_MAX_REQUESTS,
                  fleet_size: int | None = None, time_limit_s: float = 60.0,
                  include_turned_away: bool = False, first_round: bool = False,
                  cache_dir: str | Path | None = None, progress: Any = None) -> HindsightRun:
    """Simulate a window of the scenario's day online and plan it with hindsight (the
    requests served online; with ``include_turned_away`` also those online dispatch turned
    away, see :func:`kl_mobility.routing.hindsight.hindsight_plan`).

    The day is the settled one (:func:`kl_mobility.runner.settle_demand`, the day
    ``kl-mobility run`` reports), or with ``first_round`` the demand model's first round
    (assumed service level); a requests file is the day either way (no rounds are run)."""
    from kl_mobility.routing.hindsight import (
        hindsight_plan,
        hindsight_table,
        select_window,
        simulated_start_nodes,
    )
    from kl_mobility.routing.model import SearchOptions
    from kl_mobility.runner import (
        demand_feedback,
        prepare_network,
        rebalancing_forecast,
        scenario_requests,
        scenario_stops,
        settle_demand,
    )
    from kl_mobility.sim import simulate
    from kl_mobility.sim.setup import wrap_past_midnight

    to_s = from_s + DEFAULT_SPAN_S if to_s is None else to_s
    try:
        opts = SearchOptions(time_limit_s=time_limit_s)
    except ValueError as exc:
        raise InputError(f"--time-limit: {exc}") from exc
    if to_s <= from_s:
        raise InputError(f"the window must end after it starts: {_clock(from_s)}-"
                         f"{_clock(to_s)}")
    net, oracle = prepare_network(scenario, cache_dir=cache_dir, progress=progress)
    stops = scenario_stops(scenario, net)
    forecast: pd.DataFrame | None
    if demand_feedback(scenario) and not first_round:
        settled = settle_demand(scenario, net, oracle, seed=seed, stops=stops,
                                cache_dir=cache_dir, progress=progress)
        day, forecast = settled.requests, settled.forecast
        source = demand_source(settled)
    else:  # the first round, or requests that do not depend on the service
        day, _summary = scenario_requests(scenario, net, oracle, seed=seed, stops=stops,
                                          cache_dir=cache_dir, progress=progress)
        forecast = rebalancing_forecast(scenario, net, oracle, seed=seed, stops=stops,
                                        cache_dir=cache_dir, progress=progress)
        first = first_round and demand_feedback(scenario)
        source = demand_source(first_round=first, max_rounds=(
            scenario.demand.service_iterations if first else 1))
    hours = [vt.hours(scenario.service) for vt in scenario.fleet if vt.count > 0]
    day = wrap_past_midnight(day, scenario.service, hours)  # as the simulation takes them
    try:
        requests, counts = select_window(day, from_s=from_s, to_s=to_s,
                                         max_requests=max_requests)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if requests.empty:
        raise InputError(f"no request of scenario {scenario.name!r} (seed {seed}) wants a "
                         f"pickup in {_clock(from_s)}-{_clock(to_s)}")
    fleet, left = _window_fleet(scenario, requests, fleet_size)
    online = simulate(net, oracle, requests, scenario.service, fleet, scenario.dispatch,
                      seed=seed, progress=progress, cache_dir=cache_dir,
                      stops={k: v for k, v in stops.items()
                             if k in {vt.name for vt in fleet}} or None,
                      external_speed_kmh=scenario.demand.external_speed_kmh,
                      forecast=forecast)
    start = simulated_start_nodes(online)
    by_name = {vt.name: vt for vt in fleet}
    types = [by_name[str(t)] for t in online.vehicles["vehicle_type"]]
    caps = online.vehicles["capacity"].to_numpy(np.int64)
    plan = hindsight_plan(requests, oracle, int(caps.size), caps, service=scenario.service,
                          network=net, start_nodes=start.tolist(), trips=online.trips,
                          options=opts, vehicle_type=types, emissions=scenario.emissions,
                          external_speed_kmh=scenario.demand.external_speed_kmh,
                          include_turned_away=include_turned_away, progress=progress)
    return HindsightRun(scenario=scenario.name, seed=seed, from_s=from_s, to_s=to_s,
                        max_requests=max_requests, counts=counts, requests=requests,
                        fleet=fleet, left_out_types=left, start_nodes=start, online=online,
                        plan=plan, table=hindsight_table(online, plan),
                        time_limit_s=time_limit_s, include_turned_away=include_turned_away,
                        demand=source)


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


def write_hindsight(run: HindsightRun, out_dir: str | Path) -> Path:
    """Write the comparison atomically (staging folder renamed onto ``out_dir``):
    ``hindsight.csv`` (the table), ``hindsight.json`` (window, fleet, accounting, table),
    ``requests.csv`` (the included requests), ``online_trips.csv``, ``online_vehicles.csv``,
    ``hindsight_trips.csv``, ``hindsight_stops.csv``, ``hindsight_vehicles.csv``."""
    from kl_mobility.io import staged_dir, write_json

    out = Path(out_dir)
    with staged_dir(out, kind="hindsight") as d:
        run.table.to_csv(d / "hindsight.csv", index=False)
        meta = {
            "scenario": run.scenario, "seed": run.seed, "from_s": run.from_s,
            "to_s": run.to_s, "max_requests": run.max_requests,
            "time_limit_s": run.time_limit_s,
            "include_turned_away": run.include_turned_away,
            "demand": run.demand,
            "fleet": {vt.name: vt.count for vt in run.fleet},
            "left_out_types": run.left_out_types,
            "start_nodes": [int(v) for v in run.start_nodes],
            "accounting": run.accounting(),
            "table": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                       for k, v in r.items()} for r in run.table.to_dict(orient="records")],
        }
        write_json(d / "hindsight.json", meta)
        run.requests.to_csv(d / "requests.csv", index=False)
        run.online.trips.to_csv(d / "online_trips.csv", index=False)
        run.online.vehicles.to_csv(d / "online_vehicles.csv", index=False)
        run.plan.trips.to_csv(d / "hindsight_trips.csv", index=False)
        run.plan.stops.to_csv(d / "hindsight_stops.csv", index=False)
        run.plan.vehicles.to_csv(d / "hindsight_vehicles.csv", index=False)
    return out


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
    from kl_mobility.scenario import default_scenario_path, scenario_from_file

    if args.max_requests < 0:
        raise ConfigError(f"--max-requests must be >= 0, got {args.max_requests}")
    scenario = scenario_from_file(args.scenario or default_scenario_path())
    seed = scenario.seed if args.seed is None else args.seed
    out = args.out or Path("results") / scenario.name / f"hindsight-{seed}"
    check_output_dir(out)
    progress = None if args.quiet else TqdmProgress()
    try:
        run = run_hindsight(scenario, seed, from_s=args.from_s, to_s=args.to_s,
                            max_requests=args.max_requests or None, fleet_size=args.fleet,
                            time_limit_s=args.time_limit,
                            include_turned_away=args.turned_away,
                            first_round=args.first_round, cache_dir=args.cache_dir,
                            progress=progress)
    finally:
        if progress is not None:
            progress.close()
    print(format_hindsight(run))
    write_hindsight(run, out)
    print(f"written {out}/hindsight.csv, hindsight.json and the trip/stop tables")
    return 0 if run.plan.solution.feasible else 1
