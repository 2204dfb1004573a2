"""Fleet sizing: the smallest fleet of one vehicle type that meets a service target, with
demand re-settled at every size.

Each size evaluated is a whole run of the scenario with that type's ``count`` changed: the
demand <-> service rounds of :func:`kl_mobility.rounds.settle_demand` (so a better service
draws more requests, exactly as ``kl-mobility run`` would at that size), then the KPIs of
the last round and its CO2: the city-wide net change of the residents' transport CO2 (car +
bus + fleet) against the scenario's reference case, the convention of ``kl-mobility run``'s
headline (:func:`kl_mobility.runner.run_city_co2`, :mod:`kl_mobility.citywide`). The
expected travel of both sides does not depend on the fleet; it is prepared once, with the
first size evaluated (:func:`kl_mobility.runner.city_basis`), and every further size only
adds its served requests and fleet CO2.

The search (:func:`search_fleet_size`) assumes the target is monotone in the fleet size
(more vehicles never make it worse): it brackets from the scenario's own count, doubling
up (or halving down) until one size meets the target and the next smaller one does not,
then bisects between the two. That takes about ``2 log2(answer)`` runs instead of one per
size. A size met while a larger one evaluated was not is reported (:attr:`SizeSearch.
non_monotone`): the bracket is then only as good as the assumption.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.scenario import Scenario

__all__ = ["CO2_CONVENTION", "CURVE_COLUMNS", "SizeSearch", "SizeTarget", "curve_frame",
           "curve_record", "evaluate_size", "parse_target", "plot_curve", "search_fleet_size",
           "size_fleet"]

CO2_CONVENTION = ("change of the residents' transport CO2e (car + bus + fleet) against the "
                  "reference case")
"""What ``co2_city_net_kg`` of a curve is (followed by the reference case's name)."""

_OPS = {">=": operator.ge, "<=": operator.le}

TARGET_KPIS = {
    "share_served": ">=",
    "wait_mean_s": "<=",
    "wait_median_s": "<=",
    "wait_p95_s": "<=",
}
"""KPIs a target may name, each with the direction a larger fleet moves it."""

CURVE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("count", "vehicles of the sized type"),
    ("meets_target", "1 when the target holds at this size, else 0"),
    ("requests", "requests of the settled day (demand re-settled at this size)"),
    ("served", "requests served"),
    ("share_served", "served / requests"),
    ("wait_mean_s", "mean wait of served requests (s)"),
    ("wait_p95_s", "95th percentile wait of served requests (s)"),
    ("fleet_co2_kg", "fleet CO2e well to wheel of the whole fleet (kg/day)"),
    ("co2_city_net_kg", "city-wide net change of the residents' transport CO2e (car + bus + "
                        "fleet) against the reference case, the headline of kl-mobility run "
                        "(kg/day; kl_mobility.citywide)"),
    ("co2_city_car_change_kg", "change of the residents' car CO2e against the reference "
                               "case (kg/day; part of co2_city_net_kg)"),
    ("co2_per_rider_net_kg", "alternative convention: fleet CO2e minus one car per rider "
                             "whose alternative was the car and UBA g/pkm per bus rider "
                             "(kg/day; kl_mobility.emissions.co2_account)"),
    ("demand_rounds", "demand <-> service rounds run"),
    ("demand_converged", "1 when demand and service agreed within the tolerances"),
    ("cpu_s", "CPU seconds of this size (process time)"),
)
"""Columns of the curve CSV with their units and conventions."""


@dataclass(frozen=True)
class SizeTarget:
    """``kpi op value``, e.g. ``share_served >= 0.95``."""

    kpi: str
    op: str
    value: float

    def met(self, kpis: dict[str, Any]) -> bool:
        v = kpis.get(self.kpi)
        return v is not None and not math.isnan(float(v)) and _OPS[self.op](float(v),
                                                                              self.value)

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"


def parse_target(text: str) -> SizeTarget:
    """``"share_served>=0.95"`` -> :class:`SizeTarget`; :class:`InputError` naming the
    target for another form, an unknown KPI or a direction a larger fleet does not
    improve."""
    m = re.fullmatch(r"\s*([a-z0-9_]+)\s*(>=|<=)\s*([-+0-9.eE]+)\s*", text)
    if m is None:
        raise InputError(f"--target {text!r}: expected KPI>=VALUE or KPI<=VALUE, e.g. "
                         "share_served>=0.95")
    kpi, op, raw = m.groups()
    if kpi not in TARGET_KPIS:
        raise InputError(f"--target {text!r}: unknown KPI {kpi!r}; one of "
                         f"{', '.join(sorted(TARGET_KPIS))}")
    if op != TARGET_KPIS[kpi]:
        raise InputError(f"--target {text!r}: a larger fleet moves {kpi} the other way; "
                         f"use {kpi}{TARGET_KPIS[kpi]}VALUE")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"--target {text!r}: {raw!r} is not a number") from None
    if not math.isfinite(value) or (kpi == "share_served" and not 0.0 <= value <= 1.0):
        raise InputError(f"--target {text!r}: the value must be finite"
                         + (" and in [0, 1] (a share, not %)" if kpi == "share_served"
                            else ""))
    return SizeTarget(kpi, op, value)


def sized_type(scenario: Scenario, name: str | None) -> str:
    """The vehicle type to size: ``name``, else the scenario's only type;
    :class:`InputError` listing the types otherwise."""
    names = [vt.name for vt in scenario.fleet]
    if name is None:
        if len(names) != 1:
            raise InputError(f"scenario {scenario.name!r} has {len(names)} vehicle types "
                             f"({', '.join(names) or 'none'}); name one with --vehicle-type")
        return names[0]
    if name not in names:
        raise InputError(f"--vehicle-type {name!r}: scenario {scenario.name!r} has the types "
                         f"{', '.join(names) or '(none)'}")
    return name


def with_count(scenario: Scenario, vtype: str, count: int) -> Scenario:
    """``scenario`` with ``count`` vehicles of type ``vtype``."""
    fleet = tuple(dataclasses.replace(vt, count=int(count)) if vt.name == vtype else vt
                  for vt in scenario.fleet)
    return dataclasses.replace(scenario, fleet=fleet)


def evaluate_size(ctx: Any, vtype: str, count: int, seed: int, *,
                  basis: dict[str, Any] | None = None) -> dict[str, Any]:
    """One row of the curve (:data:`CURVE_COLUMNS` without ``meets_target``): the scenario
    of ``ctx`` (a :class:`~kl_mobility.context.RunContext`) with ``count`` vehicles of
    ``vtype``, its demand settled (:func:`~kl_mobility.rounds.settle_demand`), its CO2 the
    city-wide net of ``kl-mobility run`` (:func:`~kl_mobility.runner.run_city_co2`).
    ``basis``: a dict shared by the sizes of one curve; its ``"city"`` entry (the
    :class:`~kl_mobility.runner.CityBasis`) is made by the first size and reused, its
    ``"rounds"`` entry (a :class:`~kl_mobility.rounds.SharedDay`) shares the service area
    and the first demand round between the sizes."""
    from kl_mobility.emissions import co2_account
    from kl_mobility.rounds import SharedDay, settle_demand
    from kl_mobility.runner import city_basis, run_city_co2

    c0 = time.process_time()
    shared = {} if basis is None else basis
    scenario = with_count(ctx.scenario, vtype, count)
    settled = settle_demand(dataclasses.replace(ctx, scenario=scenario), seed=seed,
                            shared=shared.setdefault("rounds", SharedDay()))
    k = settled.result.kpis
    account = co2_account(settled.result.trips, settled.result.vehicles, scenario.fleet,
                          scenario.emissions)
    if "city" not in shared:
        shared["city"] = city_basis(scenario, settled, ctx.network, ctx.oracle,
                                    cache_dir=ctx.cache_dir)
    city = run_city_co2(scenario, settled, ctx.network, ctx.oracle, account,
                        basis=shared["city"])
    return {"count": int(count), "requests": int(k["n_requests"]),
            "served": int(k["n_served"]),
            "share_served": float(k["share_served"]),
            "wait_mean_s": float(k.get("wait_mean_s", math.nan)),
            "wait_p95_s": float(k.get("wait_p95_s", math.nan)),
            "fleet_co2_kg": float(account.totals["fleet_co2_kg"]),
            "co2_city_net_kg": float(city.terms["net_kg"]),
            "co2_city_car_change_kg": float(city.terms["car_change_kg"]),
            "co2_per_rider_net_kg": float(account.totals["net_co2_kg"]),
            "demand_rounds": settled.n_rounds, "demand_converged": int(settled.converged),
            "cpu_s": round(time.process_time() - c0, 3)}


@dataclass(frozen=True)
class SizeSearch:
    """What :func:`search_fleet_size` found: ``answer`` (the smallest size meeting the
    target, ``None`` when even ``max_count`` does not), every size evaluated (``rows``, by
    size), and the sizes met although a larger evaluated size was not (``non_monotone``)."""

    answer: int | None
    rows: dict[int, dict[str, Any]]
    non_monotone: tuple[int, ...]
    reference: str = ""
    """The reference case of the rows' city-wide CO2 (:func:`size_fleet`)."""
    discarded: tuple[int, ...] = ()
    """Sizes evaluated ahead by a worker (``workers > 1``) that the search did not reach:
    not in ``rows``, not part of the curve."""


def search_fleet_size(  # noqa: PLR0913 - keyword-only options
        evaluate: Callable[[int], dict[str, Any]], target: SizeTarget, *,
        start: int, max_count: int, min_count: int = 1, extra_points: int = 0,
        progress: ProgressCallback | None = None, workers: int = 1,
        worker_evaluate: Callable[[int], dict[str, Any]] | None = None) -> SizeSearch:
    """The smallest ``n`` in ``[min_count, max_count]`` with ``target.met(evaluate(n))``,
    assuming it is monotone in ``n``: bracketing from ``start`` (doubling up until met, or
    halving down until not met), then bisection (module docstring). Each size is evaluated
    at most once. ``extra_points``: that many more sizes spread evenly over ``min_count..``
    the largest size evaluated, for a denser curve (they do not change the answer; a size
    among them that contradicts monotonicity shows in ``non_monotone``).

    ``workers > 1``: up to that many sizes at once, each in a forked worker process that
    calls ``worker_evaluate`` (default ``evaluate``; the first size is evaluated here with
    ``evaluate``, so the workers inherit what it prepared): the sizes the search will need
    whatever the pending results are (the spread points once the largest size is known)
    and, on a worker that is free otherwise, the likeliest next sizes of the search
    (:func:`kl_mobility.sizepool.evaluate_parallel`). The search, its rows and its answer
    are the ones of ``workers=1``: a size evaluated ahead that the search does not reach is
    left out of ``rows`` and listed in ``SizeSearch.discarded``."""
    if not 1 <= min_count <= max_count:
        raise ValueError(f"need 1 <= min_count <= max_count, got {min_count}, {max_count}")
    if workers < 1:
        raise ValueError(f"need workers >= 1, got {workers}")
    plan = SearchPlan(min(max(int(start), min_count), max_count), min_count, max_count,
                      extra_points)
    discarded: tuple[int, ...] = ()
    from kl_mobility.sizepool import evaluate_parallel, parallel_ok

    if workers == 1 or not parallel_ok():
        rows = _search_here(evaluate, target, plan, progress)
    else:
        rows, discarded = evaluate_parallel(evaluate, worker_evaluate or evaluate, target,
                                            plan, workers=workers, progress=progress)
    answer = plan.replay({n: bool(r["meets_target"]) for n, r in rows.items()}).answer
    sizes = sorted(rows)
    bad = tuple(n for n in sizes if rows[n]["meets_target"]
                and any(not rows[m]["meets_target"] for m in sizes if m > n))
    return SizeSearch(answer, dict(sorted(rows.items())), bad, discarded=discarded)


def _search_here(evaluate: Callable[[int], dict[str, Any]], target: SizeTarget,
                 plan: SearchPlan, progress: ProgressCallback | None
                 ) -> dict[int, dict[str, Any]]:
    """The rows of ``plan``'s sizes, evaluated one after the other in this process."""
    rows: dict[int, dict[str, Any]] = {}
    steps = plan.steps()
    n = next(steps, None)
    while n is not None:
        if n not in rows:
            report(progress, "fleet sizes", len(rows), len(rows) + 1)
            row = dict(evaluate(n))
            row["meets_target"] = int(target.met(row))
            rows[n] = row
        n = _send(steps, bool(rows[n]["meets_target"]))
    report(progress, "fleet sizes", len(rows), len(rows))
    return rows


def _send(steps: Generator[int, bool, Any], met: bool) -> int | None:
    try:
        return steps.send(met)
    except StopIteration:
        return None


@dataclass(frozen=True)
class Replay:
    """Where a :class:`SearchPlan` stands given some sizes' outcomes: ``sizes``, the sizes
    it asked for in order (each once); ``next``, the first size asked for whose outcome is
    not known (``None``: the search is over); ``deciding``, whether that outcome steers the
    search (not for a spread point); ``top``, the largest size the search asks for when no
    larger one can follow (else ``None``); ``answer``, its answer when over."""

    sizes: tuple[int, ...]
    next: int | None
    deciding: bool
    top: int | None
    answer: int | None


@dataclass(frozen=True)
class SearchPlan:
    """The sequence of sizes :func:`search_fleet_size` evaluates, as a function of their
    outcomes (met or not): :meth:`steps` yields each size and is sent whether it meets the
    target; bracketing and bisection (:func:`_bracket_and_bisect`), then ``extra_points``
    sizes spread over ``min_count..`` the largest size asked for."""

    start: int
    min_count: int
    max_count: int
    extra_points: int = 0

    def steps(self) -> Generator[int, bool, int | None]:
        """Yields each size (again when asked for again) and is sent whether it meets the
        target; returns the answer."""
        steps = self._steps()
        try:
            n, _, _ = next(steps)
            while True:
                n, _, _ = steps.send((yield n))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def spread(self, top: int) -> list[int]:
        """The ``extra_points`` sizes spread over ``min_count..top``."""
        lo = self.min_count
        return [max(lo, round(lo + (top - lo) * (k + 1) / (self.extra_points + 1)))
                for k in range(self.extra_points)]

    def _steps(self) -> Generator[tuple[int, bool, int | None], bool, int | None]:
        """Yields (size, whether its outcome steers the search, the largest size the
        search asks for when no larger one can follow, else ``None``)."""
        search = _bracket_and_bisect(self.start, self.min_count, self.max_count)
        top = 0
        try:
            n, final = next(search)
            while True:
                top = max(top, n)
                n, final = search.send((yield n, True, top if final else None))
        except StopIteration as stop:
            answer = stop.value
        for n in self.spread(top):
            yield n, False, top
        return answer

    def replay(self, known: Mapping[int, bool]) -> Replay:
        """The search run on the outcomes ``known`` up to the first size not among them."""
        asked: dict[int, None] = {}
        steps = self._steps()
        try:
            n, deciding, top = next(steps)
            while True:
                asked[n] = None
                if n not in known:
                    return Replay(tuple(asked), n, deciding, top, None)
                n, deciding, top = steps.send(known[n])
        except StopIteration as stop:
            return Replay(tuple(asked), None, False, None, stop.value)

    def chances(self, known: Mapping[int, bool], depth: int) -> dict[int, float]:
        """The probability that the search asks for each size whose outcome is not known,
        with every unknown outcome that steers the search met or not at even odds, over the
        next ``depth`` of them (a size asked for whatever they are has chance 1: e.g. the
        spread points once the largest size is known). In the order found, outcome "not
        met" first."""
        out: dict[int, float] = {}

        def walk(hyp: dict[int, bool], p: float, left: int) -> None:
            state = self.replay(hyp)
            n = state.next
            if n is None:
                return
            out[n] = out.get(n, 0.0) + p
            if not state.deciding:
                walk({**hyp, n: False}, p, left)
            elif left > 0:
                walk({**hyp, n: False}, p / 2, left - 1)
                walk({**hyp, n: True}, p / 2, left - 1)
            elif state.top is not None:  # beyond the look-ahead: the spread points follow
                for m in dict.fromkeys(self.spread(state.top)):
                    if m not in hyp and m != n:
                        out[m] = out.get(m, 0.0) + p

        walk(dict(known), 1.0, depth)
        return out


def _bracket_and_bisect(n: int, min_count: int,
                        max_count: int) -> Generator[tuple[int, bool], bool, int | None]:
    """Yields each size to evaluate, with whether no larger size can follow it, and is sent
    whether it meets the target; returns the smallest size meeting it (``None``: not even
    ``max_count``)."""
    if (yield n, n >= max_count):
        hi = n
        while hi > min_count:  # halve down until a size fails
            m = max(min_count, hi // 2)
            if not (yield m, True):
                lo = m
                break
            hi = m
        else:
            return min_count
    else:
        lo = n
        while True:  # double up until a size meets the target
            if lo >= max_count:
                return None
            m = min(max_count, max(lo + 1, lo * 2))
            if (yield m, m >= max_count):
                hi = m
                break
            lo = m
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (yield mid, True):
            hi = mid
        else:
            lo = mid
    return hi


def curve_frame(rows: dict[int, dict[str, Any]]) -> Any:
    """The evaluated sizes as a DataFrame in :data:`CURVE_COLUMNS` order, by size."""
    import pandas as pd

    return pd.DataFrame([rows[n] for n in sorted(rows)])[[c for c, _ in CURVE_COLUMNS]]


def plot_curve(frame: Any, target: SizeTarget, answer: int | None, path: str | Path, *,
               title: str, dpi: int = 100) -> Path:
    """Served share, mean wait and fleet CO2e against fleet size (three panels, shared
    x axis) into a PNG at ``path``, written atomically; the target and the answer marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kl_mobility.io import atomic_file

    x = frame["count"].to_numpy()
    fig, axes = plt.subplots(3, 1, figsize=(7, 8), sharex=True, constrained_layout=True)
    panels = (("share_served", 100.0, "served share (%)"),
              ("wait_mean_s", 1 / 60.0, "mean wait (min)"),
              ("co2_city_net_kg", 1.0, "city net CO2e (kg/day)"))
    for ax, (col, scale, label) in zip(axes, panels, strict=True):
        ax.plot(x, frame[col].to_numpy() * scale, "o-", color="tab:blue")
        if col == "co2_city_net_kg":
            ax.axhline(0.0, color="0.5", lw=0.8)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if col == target.kpi:
            ax.axhline(target.value * scale, color="tab:red", ls="--",
                       label=f"target {target}")
            ax.legend(loc="best", fontsize=8)
        if answer is not None:
            ax.axvline(answer, color="tab:green", ls=":")
    axes[-1].set_xlabel("fleet size (vehicles of the sized type)")
    found = f"smallest fleet meeting it: {answer}" if answer is not None else "not reached"
    fig.suptitle(f"{title}\ntarget {target}: {found}", fontsize=10)
    path = Path(path)
    with atomic_file(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    plt.close(fig)
    return path


def size_fleet(ctx: Any, target: SizeTarget, *, vtype: str, seed: int, max_count: int,
               extra_points: int = 0, progress: ProgressCallback | None = None,
               workers: int = 1) -> SizeSearch:
    """The search of ``ctx.scenario``'s ``vtype`` for ``target`` (:func:`search_fleet_size`
    from the scenario's own count, each size :func:`evaluate_size` on the one prepared
    ``ctx``: the network, tables, compiled kernels, calibration, the first demand round
    and the city-wide reference are made once and shared by every size). ``workers > 1``:
    the sizes after the first in that many forked processes at once, each starting from
    this one's state (:mod:`kl_mobility.sizepool`; no progress bars of their own), with the
    rows of ``workers=1``."""
    start = next(vt.count for vt in ctx.scenario.fleet if vt.name == vtype)
    basis: dict[str, Any] = {}
    quiet = dataclasses.replace(ctx, progress=None)
    found = search_fleet_size(lambda n: evaluate_size(ctx, vtype, n, seed, basis=basis),
                              target, start=max(start, 1), max_count=max_count,
                              extra_points=extra_points, progress=progress, workers=workers,
                              worker_evaluate=lambda n: evaluate_size(quiet, vtype, n, seed,
                                                                      basis=basis))
    return dataclasses.replace(found, reference=basis["city"].reference_name)


def curve_record(scenario: str, vtype: str, seed: int, target: SizeTarget, found: SizeSearch,
                 *, max_count: int, csv_name: str, png_name: str) -> dict[str, Any]:
    """The JSON record written beside a curve's CSV (what ``kl-mobility report
    --fleet-curve`` reads): scenario, sized type, seed, target, answer (``None``: not
    reached up to ``max_count``), the sizes that contradict monotonicity, the CO2
    convention and the CSV's columns with their units."""
    return {"kind": "kl-mobility fleet-size curve", "format": 1, "scenario": scenario,
            "vehicle_type": vtype, "seed": int(seed),
            "target": {"kpi": target.kpi, "op": target.op, "value": target.value,
                       "text": str(target)},
            "answer": found.answer, "max_count": int(max_count),
            "non_monotone": list(found.non_monotone), "reference": found.reference,
            "co2_convention": f"{CO2_CONVENTION} '{found.reference}'",
            "csv": csv_name, "png": png_name, "columns": dict(CURVE_COLUMNS)}
