"""What the report says: the summary page, the tables and the assumption list, as plain
data for the template (:mod:`kl_mobility.report.html` renders it).

Every number is a :func:`num` part: the stored value, the table and row it comes from
(``kpis`` = ``kpis.csv``, mean over seeds; ``paired`` = ``paired.csv``, paired differences
against the baseline; ``sensitivity`` = ``sensitivity.csv``) and its unit, so the rendered
text can be recomputed from the tables (:func:`kl_mobility.report.units.shown`).

Derived KPIs added to every run before the summaries (:func:`derived_kpis`):
``mode_share_<mode>`` for walk, bike, bus, car and on-demand: the share of the simulated
day's sampled trips (``demand.json`` ``summary.trips_by_mode``) by the mode actually used:
the served on-demand requests count as on-demand, the unserved ones return to their usual
mode (``trips.parquet`` ``alt_mode``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.report.i18n import MODE_LABELS
from kl_mobility.report.units import (
    UNITS,
    WEEKDAY_EQUIVALENTS_PER_YEAR,
    WEEKDAY_EQUIVALENTS_RANGE,
    format_number,
    shown,
)

__all__ = ["MODES", "derived_kpis", "num", "scenario_changes"]

MODES = ("walk", "bike", "bus", "car", "ondemand")

CI_OPEN, CI_CLOSE = "<ci>", "</ci>"
"""Markers around an interval in a cell (the template puts it on a line of its own)."""

_IGNORED = {"name", "description", "seed", "outputs", "calibration_base", "requests_source"}


def derived_kpis(run_dir: Path) -> dict[str, float]:
    """``mode_share_<mode>`` of one run folder (module docstring); ``{}`` without
    ``demand.json``."""
    dj = run_dir / "demand.json"
    if not dj.is_file():
        return {}
    summ = json.loads(dj.read_text(encoding="utf-8")).get("summary", {})
    by_mode = {m: float(summ.get("trips_by_mode", {}).get(m, 0)) for m in MODES}
    total = sum(by_mode.values())
    if total <= 0:
        return {}
    tp = run_dir / "trips.parquet"
    if by_mode["ondemand"] > 0 and tp.is_file():
        t = pd.read_parquet(tp, columns=["status", "alt_mode", "passengers"])
        back = t[t["status"].astype(str) != "served"]
        returned = back.groupby(back["alt_mode"].astype(str))["passengers"].sum()
        served = float(t.loc[t["status"].astype(str) == "served", "passengers"].sum())
        # the sampled on-demand trips are the requests' persons (one trip per person)
        if abs(float(t["passengers"].sum()) - by_mode["ondemand"]) < 0.5:
            for m, n in returned.items():
                if m in by_mode:
                    by_mode[m] += float(n)
            by_mode["ondemand"] = served
    return {f"mode_share_{m}": by_mode[m] / total for m in MODES}


def num(table: str, scenario: str, kpi: str, field: str, value: float, unit: str, lang: str,
        *, signed: bool = False) -> dict[str, Any]:
    """A number part of a cell (module docstring)."""
    v = float(value) if value is not None else math.nan
    return {"num": True, "table": table, "scenario": scenario, "kpi": kpi, "field": field,
            "value": repr(v), "unit": unit, "signed": signed,
            "text": shown(v, unit, lang, signed=signed)}


class Tables:
    """Lookup of the summary (``kpis``) and paired (``paired``) tables of a batch."""

    def __init__(self, summary: pd.DataFrame, paired: pd.DataFrame, lang: str):
        self.s = summary.set_index(["scenario", "kpi"])
        self.p = paired.set_index(["scenario", "kpi"])
        self.lang = lang

    def has(self, scen: str, kpi: str, *, paired: bool = False) -> bool:
        t = self.p if paired else self.s
        if (scen, kpi) not in t.index:
            return False
        col = "delta_mean" if paired else "mean"
        return bool(np.isfinite(float(t.loc[(scen, kpi), col])))

    def level(self, scen: str, kpi: str, unit: str) -> list[Any]:
        """Mean over seeds with its 95 % interval (``kpis.csv``)."""
        if not self.has(scen, kpi):
            return ["–"]
        r = self.s.loc[(scen, kpi)]
        parts: list[Any] = [num("kpis", scen, kpi, "mean", r["mean"], unit, self.lang)]
        if np.isfinite(r["ci95_low"]):
            parts += [CI_OPEN, "[", num("kpis", scen, kpi, "ci95_low", r["ci95_low"], unit,
                                        self.lang),
                      "; ", num("kpis", scen, kpi, "ci95_high", r["ci95_high"], unit,
                                self.lang), "]", CI_CLOSE]
        return parts

    def change(self, scen: str, kpi: str, unit: str) -> list[Any]:
        """Paired mean difference against the baseline with its 95 % interval."""
        if not self.has(scen, kpi, paired=True):
            return ["–"]
        r = self.p.loc[(scen, kpi)]
        parts: list[Any] = [num("paired", scen, kpi, "delta_mean", r["delta_mean"], unit,
                                self.lang, signed=True)]
        if np.isfinite(r["ci95_low"]):
            parts += [CI_OPEN, "[", num("paired", scen, kpi, "ci95_low", r["ci95_low"], unit,
                                        self.lang, signed=True), "; ",
                      num("paired", scen, kpi, "ci95_high", r["ci95_high"], unit, self.lang,
                          signed=True), "]", CI_CLOSE]
        return parts

    def n_pairs(self, scen: str, kpi: str) -> int:
        if (scen, kpi) not in self.p.index:
            return 0
        return int(self.p.loc[(scen, kpi), "n_pairs"])


def _unit_head(t: dict[str, str], key: str, unit: str, lang: str, *, delta: bool = False) -> str:
    sym = UNITS[unit].label(lang, delta=delta)
    return f"{t[key]} ({sym})" if sym else t[key]


def modal_table(tb: Tables, scenarios: list[str], baseline: str, t: dict[str, str],
                lang: str) -> dict[str, Any] | None:
    kpis = [f"mode_share_{m}" for m in MODES]
    if not any(tb.has(s, k) for s in scenarios for k in kpis):
        return None
    head = [t["scenario"]] + [f"{MODE_LABELS[lang][m]} (%)" for m in MODES]
    rows = []
    for s in scenarios:
        cells = []
        for k in kpis:
            cell = tb.level(s, k, "pct")[:1]
            if s != baseline and tb.has(s, k, paired=True):
                cell += [CI_OPEN, *tb.change(s, k, "pct"), CI_CLOSE]
            cells.append(cell)
        rows.append({"label": s, "cells": cells})
    return {"id": "modal", "title": t["modal_split"],
            "note": t["modal_note"].format(base=baseline), "head": head, "rows": rows}


def car_co2_table(tb: Tables, scenarios: list[str], baseline: str, t: dict[str, str],
                  lang: str) -> dict[str, Any] | None:
    if not any(tb.has(s, "co2_city_car_vkm_scenario") for s in scenarios):
        return None
    cols = [("car_vkm", "co2_city_car_vkm_scenario", "km", "level"),
            ("car_vkm_change", "co2_city_car_vkm_scenario", "km", "change"),
            ("co2_car", "co2_city_car_scenario_kg", "t_day", "change"),
            ("co2_bus", "co2_city_bus_change_kg", "t_day", "change"),
            ("co2_fleet", "co2_city_fleet_kg", "t_day", "change"),
            ("co2_net", "co2_city_net_kg", "t_day", "change"),
            ("co2_net_year", "co2_city_net_kg", "t_year", "change")]
    head = [t["scenario"]] + [_unit_head(t, key, unit, lang, delta=kind == "change" and
                                         unit == "pct") for key, _, unit, kind in cols]
    rows = []
    for s in scenarios:
        if s == baseline:
            rows.append({"label": s, "cells": [tb.level(s, cols[0][1], "km")],
                         "rest": t["baseline_row"], "span": len(cols) - 1})
            continue
        cells = [tb.level(s, k, u) if kind == "level" else tb.change(s, k, u)
                 for _, k, u, kind in cols]
        rows.append({"label": s, "cells": cells})
    return {"id": "car_co2", "title": t["car_co2"], "note": t["car_co2_note"].format(
        base=baseline), "head": head, "rows": rows}


SERVICE_COLS = (("k_requests", "n_requests", "count"), ("k_share_served", "share_served", "pct"),
                ("k_wait_mean", "wait_mean_s", "min"), ("k_wait_p95", "wait_p95_s", "min"),
                ("k_detour", "detour_mean", "ratio"), ("k_shared", "shared_share", "pct"),
                ("k_occupancy", "occupancy", "pkm_vkm"), ("k_empty", "empty_km_share", "pct"),
                ("k_vkm", "vehicle_km", "km"),
                ("k_pax_vh", "passengers_per_vehicle_hour", "pax_vh"),
                ("k_fleet_gpkm", "co2_fleet_g_per_pkm", "g_pkm"))


def with_service(tb: Tables, scenarios: list[str]) -> list[str]:
    """Scenarios whose runs had on-demand requests."""
    return [s for s in scenarios if tb.has(s, "n_requests") and
            float(tb.s.loc[(s, "n_requests"), "mean"]) > 0]


def service_table(tb: Tables, scenarios: list[str], t: dict[str, str],
                  lang: str) -> dict[str, Any]:
    """One row per service KPI, one column per scenario with a service (mean [interval])."""
    served = with_service(tb, scenarios)
    none = [s for s in scenarios if s not in served]
    if not served:
        return {"id": "service", "title": t["service"], "note": t["no_service_at_all"],
                "head": [], "rows": []}
    cols = [c for c in SERVICE_COLS if any(tb.has(s, c[1]) for s in served)]
    rows = [{"label": _unit_head(t, key, unit, lang), "cells": [tb.level(s, k, unit)
                                                                for s in served]}
            for key, k, unit in cols]
    return {"id": "service", "title": t["service"],
            "note": t["service_note"].format(none=", ".join(none) or "–"),
            "head": [""] + served, "rows": rows}


FEEDER_COLS = (("k_feeder_requests", "feeder_requests", "count"),
               ("k_feeder_made", "feeder_connections_made", "count"),
               ("k_feeder_missed", "feeder_connections_missed", "count"),
               ("k_feeder_wait_mean", "feeder_transfer_wait_mean_s", "min"),
               ("k_feeder_wait_p95", "feeder_transfer_wait_p95_s", "min"),
               ("k_feeder_riders_vh", "feeder_riders_per_vehicle_hour", "pax_vh"),
               ("k_feeder_gained", "feeder_pt_riders_gained", "count"))
"""Rows of the feeder table (:mod:`kl_mobility.pt.feeder`: connections to public
transport)."""


def feeder_table(tb: Tables, scenarios: list[str], t: dict[str, str],
                 lang: str) -> dict[str, Any] | None:
    """Feeder rides to and from public transport per scenario that has any (mean [95 %
    interval] over the seeds); ``None`` when no scenario has feeder requests."""
    cols = [s for s in scenarios if tb.has(s, "feeder_requests")
            and float(tb.s.loc[(s, "feeder_requests"), "mean"]) > 0]
    if not cols:
        return None
    rows = [{"label": _unit_head(t, key, unit, lang),
             "cells": [tb.level(s, k, unit) for s in cols]} for key, k, unit in FEEDER_COLS]
    return {"id": "feeder", "title": t["feeder"], "note": t["feeder_note"],
            "head": [""] + cols, "rows": rows}


COST_COLS = (("k_cost_total", "econ_cost_total_eur", "eur_day"),
             ("k_revenue", "econ_fare_revenue_eur", "eur_day"),
             ("k_subsidy", "econ_subsidy_eur", "eur_day"),
             ("k_subsidy_year", "econ_subsidy_eur", "eur_year"),
             ("k_cost_trip", "econ_cost_eur_per_trip", "eur"),
             ("k_subsidy_trip", "econ_subsidy_eur_per_trip", "eur"),
             ("k_cost_vh", "econ_cost_eur_per_vehicle_hour", "eur"),
             ("k_farebox", "econ_farebox_recovery", "pct"),
             ("k_eur_t", "econ_eur_per_t_co2_avoided", "eur_t"))


def cost_table(tb: Tables, scenarios: list[str], t: dict[str, str],
               lang: str) -> dict[str, Any]:
    """Operator cost per scenario with a service (``econ_*`` KPIs), one row per figure."""
    served = [s for s in with_service(tb, scenarios) if tb.has(s, "econ_cost_total_eur")]
    if not served:
        return {"id": "cost", "title": t["cost"], "note": t["cost_none"], "head": [],
                "rows": []}
    rows = []
    for key, k, unit in COST_COLS:
        if not any(tb.has(s, k) for s in served):
            continue
        cells = []
        for s in served:
            saving = tb.has(s, "co2_city_net_kg", paired=True) and float(
                tb.p.loc[(s, "co2_city_net_kg"), "ci95_high"]) < 0
            cells.append(tb.level(s, k, unit) if k != "econ_eur_per_t_co2_avoided" or saving
                         else [t["no_saving"]])
        rows.append({"label": _unit_head(t, key, unit, lang), "cells": cells})
    return {"id": "cost", "title": t["cost"], "note": t["cost_note"], "head": [""] + served,
            "rows": rows}


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            if not prefix and k in _IGNORED:
                continue
            out.update(_flatten(v, f"{prefix}{k}."))
    else:
        out[prefix[:-1]] = d
    return out


def _fleet_text(fleet: Any) -> str:
    if not fleet:
        return "–"
    return ", ".join(f"{v.get('count')} × {v.get('name')} ({v.get('drivetrain')}, "
                     f"{v.get('capacity')})" for v in fleet)


def _short(v: Any) -> str:
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        names = [str(x.get("name", "")) for x in v]
        return f"{len(v)}: " + "; ".join(n for n in names if n)
    txt = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return txt if len(txt) <= 60 else txt[:57] + "…"


def scenario_changes(scen_map: dict[str, Any], base_map: dict[str, Any]) -> list[str]:
    """Lines ``key: baseline -> scenario`` of the inputs that differ (fleet as a summary)."""
    lines = []
    if scen_map.get("fleet") != base_map.get("fleet"):
        lines.append(f"fleet: {_fleet_text(base_map.get('fleet'))} → "
                     f"{_fleet_text(scen_map.get('fleet'))}")
    a = _flatten({k: v for k, v in base_map.items() if k != "fleet"})
    b = _flatten({k: v for k, v in scen_map.items() if k != "fleet"})
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"{k}: {_short(a.get(k, '–'))} → {_short(b.get(k, '–'))}")
    return lines


def _get_key(scen_map: dict[str, Any], key: str) -> Any:
    """Value of an assumption key (``emissions.car_occupancy``, ``fleet.van.battery_kwh``)."""
    parts = key.split(".")
    if parts[0] == "fleet" and len(parts) == 3:
        vals = [v.get(parts[2]) for v in scen_map.get("fleet", []) if v.get("name") ==
                parts[1]]
        return vals[0] if vals else None
    cur: Any = scen_map
    for p in parts:
        if not isinstance(cur, dict) or p not in cur:
            return None
        cur = cur[p]
    return cur


HEADLINE_ASSUMPTIONS = ("car_occupancy", "grid_g_per_kwh", "asc_ondemand_minus_bus",
                        "beta_reject", "fare_eur", "battery_kwh", "energy_kwh_per_km",
                        "fuel_wtw_factor")
"""The named assumptions the summary shows when no sensitivity analysis ranks them: those
of the CO2 account (car occupancy, grid and fuel factors, the vans' energy and battery) and
of the on-demand demand (its constant, fare and the weight of a rejection)."""


_DERIVED_WHEN_ZERO = ("grid_g_per_kwh", "fuel_wtw_factor")
"""Assumptions whose 0 in a scenario means "derived" (the UBA factor of ``grid_year``; 1 +
the diesel upstream share), not zero."""


def _derived_value(name: str, scen_map: dict[str, Any],
                   co2_assumptions: dict[str, dict[str, Any]]) -> float:
    """The value a scenario uses for ``name`` set to 0: as its CO2 record states it, else
    derived from its emissions section as :class:`kl_mobility.emissions.EmissionsConfig`
    does (never shown as 0)."""
    from kl_mobility.emissions import GRID_G_PER_KWH, UPSTREAM_SHARE, EmissionsConfig

    if name == "grid_g_per_kwh":
        recorded = co2_assumptions.get("grid_g_per_kwh", {}).get("value")
        if recorded is not None:
            return float(recorded)
        year = _get_key(scen_map, "emissions.grid_year") or EmissionsConfig.grid_year
        return GRID_G_PER_KWH[int(year)][0]
    share = co2_assumptions.get("diesel_upstream_share", {}).get("value")
    return 1.0 + float(share if share is not None else UPSTREAM_SHARE["diesel"][0])


def key_assumptions(scenario_maps: dict[str, dict[str, Any]], scenarios: list[str],
                    co2_assumptions: dict[str, dict[str, Any]], t: dict[str, str],
                    lang: str, *, economics: bool = False) -> list[dict[str, str]]:
    """One row per named assumption of :data:`kl_mobility.assumptions.ASSUMPTION_RANGES`
    (value in the scenarios, several values listed by scenario; what it is and why in
    ``lang``, :func:`kl_mobility.report.i18n.assumption_text`), then the annualisation;
    ``economics``: the cost model's (:data:`~kl_mobility.assumptions.ECONOMICS_RANGES`)
    instead, without the annualisation."""
    from kl_mobility.assumptions import ASSUMPTION_RANGES, ECONOMICS_RANGES
    from kl_mobility.report.i18n import assumption_text

    rows = []
    for name, a in ASSUMPTION_RANGES.items():
        if (name in ECONOMICS_RANGES) != economics:
            continue
        values: dict[str, list[str]] = {}
        for s in scenarios:
            v = _get_key(scenario_maps.get(s, {}), a.key)
            if v is None:
                entry = co2_assumptions.get(name) or co2_assumptions.get(a.key)
                v = entry.get("value") if entry else None
            if v is None:
                continue
            if name in _DERIVED_WHEN_ZERO and float(v) == 0.0:
                v = _derived_value(name, scenario_maps.get(s, {}), co2_assumptions)
            values.setdefault(_fmt_value(v, lang), []).append(s)
        if not values:
            continue
        value = next(iter(values)) if len(values) == 1 else "; ".join(
            f"{v} ({', '.join(ss)})" for v, ss in values.items())
        what, why = assumption_text(name, getattr(a, "what", "") or name, a.source, lang)
        rows.append({"name": what, "key": name, "param": a.key, "value": value,
                     "range": f"{_fmt_value(a.low, lang)} – {_fmt_value(a.high, lang)}",
                     "source": why})
    if economics:
        return rows
    lo, hi = WEEKDAY_EQUIVALENTS_RANGE
    rows.append({"name": t["annualisation"], "key": "weekday_equivalents_per_year", "param": "", "value": _fmt_value(
        WEEKDAY_EQUIVALENTS_PER_YEAR, lang), "range": f"{_fmt_value(lo, lang)} – "
        f"{_fmt_value(hi, lang)}", "source": t["annualisation_src"]})
    return rows


def split_key_assumptions(rows: list[dict[str, str]], ranked: Sequence[str] = ()
                          ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """``(summary, appendix)`` of the rows of :func:`key_assumptions`: the summary holds
    the assumptions of ``ranked`` (a sensitivity analysis' names, most influential first),
    then those of :data:`HEADLINE_ASSUMPTIONS`, then the annualisation; the appendix every
    other row, in the order given. Every row is in exactly one of the two."""
    first = [*dict.fromkeys([*ranked, *HEADLINE_ASSUMPTIONS])]
    by_key = {r["key"]: r for r in rows}
    summary = [by_key[k] for k in first if k in by_key]
    summary += [r for r in rows if r["key"] == "weekday_equivalents_per_year"]
    chosen = {r["key"] for r in summary}
    return summary, [r for r in rows if r["key"] not in chosen]


def sensitivity_ranking(records: dict[str, dict[str, Any]], scenarios: Sequence[str]
                        ) -> list[str]:
    """The assumptions varied by the sensitivity records of ``scenarios``, ordered by their
    largest Morris mu* on the city-wide net CO2 over the scenarios (unranked ones, e.g. of
    a record whose runs did not all finish, after them in the record's order)."""
    best: dict[str, float] = {}
    order: list[str] = []
    for s in scenarios:
        rec = records.get(s) or {}
        order += [n for n in rec.get("assumptions", {}) if n not in order]
        morris = (rec.get("outputs", {}).get("co2_city_net_kg", {}) or {}).get("morris")
        for r in morris or []:
            best[r["assumption"]] = max(best.get(r["assumption"], 0.0), float(r["mu_star"]))
    return sorted(order, key=lambda n: (-best.get(n, -1.0), order.index(n)))


def _fmt_value(v: Any, lang: str) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if abs(float(v)) >= 10_000 and float(v) == int(v):
        return format_number(float(v), 0, lang)
    txt = f"{float(v):g}".replace("-", "\u2212")
    return txt.replace(".", ",") if lang == "de" else txt


def other_assumptions(co2_assumptions: dict[str, dict[str, Any]],
                      conventions: dict[str, dict[str, Any]],
                      shown_names: set[str]) -> list[dict[str, str]]:
    """The co2.json assumptions and conventions not already among the key assumptions."""
    rows = []
    for part in (conventions, co2_assumptions):
        for k, v in part.items():
            short = k.split(".", 1)[1] if k.startswith("demand.") else k
            if k in shown_names or short in shown_names:
                continue
            rows.append({"name": k, "value": str(v.get("value")),
                         "source": str(v.get("source"))})
    return rows


DISTRICT_COLUMNS = ["scenario", "district", "kind", "kpi", "n", "mean", "std", "ci95_low",
                    "ci95_high"]

DISTRICT_KPIS = (("k_residents", "residents", "count", False),
                 ("k_requests", "requests", "count", True),
                 ("k_req_per_1000", "requests_per_1000_residents", "per1000", True),
                 ("k_share_served", "served_share", "pct", True),
                 ("k_wait_mean", "wait_mean_min", "min_direct", True),
                 ("k_from_car", "from_car", "count", True),
                 ("k_hbf_bus", "bus_hbf_share", "pct", False),
                 ("k_hbf_ondemand", "ondemand_hbf_share", "pct", True))
"""(label, column of districts.csv / accessibility.csv, unit, show interval)."""


def district_summary(batch_dir: Path) -> pd.DataFrame:
    """:data:`DISTRICT_COLUMNS`: per scenario, district and KPI of :data:`DISTRICT_KPIS`
    the mean over the seeds of the runs' ``districts.csv`` and ``accessibility.csv``
    (:mod:`kl_mobility.results.districts`) with the Student-t 95 % interval, clipped to
    the values the KPI can take (>= 0; shares <= 1); empty when no run has them."""
    from kl_mobility.report.paired import t_interval
    from kl_mobility.results.districts import collect_who_gains

    d = collect_who_gains(batch_dir, "districts")
    if d.empty:
        return pd.DataFrame(columns=DISTRICT_COLUMNS)
    a = collect_who_gains(batch_dir, "accessibility")
    keys = ["scenario", "seed", "district", "kind"]
    if not a.empty:
        acc_cols = [c for c in ("bus_hbf_share", "ondemand_hbf_share") if c in a.columns]
        d = d.merge(a[keys + acc_cols], on=keys, how="left")
    cols = [k for _, k, _, _ in DISTRICT_KPIS if k in d.columns]
    long = d.melt(id_vars=keys, value_vars=cols, var_name="kpi", value_name="value")
    rows = []
    for (scen, dist, kind, kpi), g in long.groupby(["scenario", "district", "kind", "kpi"],
                                                   sort=False):
        n, mean, std, lo, hi = t_interval(g["value"].to_numpy(np.float64))
        top = 1.0 if kpi.endswith("share") else math.inf
        rows.append({"scenario": scen, "district": dist, "kind": kind, "kpi": kpi, "n": n,
                     "mean": mean, "std": std, "ci95_low": max(lo, 0.0) if n > 1 else lo,
                     "ci95_high": min(hi, top) if n > 1 else hi})
    return pd.DataFrame(rows, columns=DISTRICT_COLUMNS)


def _district_cell(r: pd.Series, district: str, kpi: str, unit: str, lang: str,
                   interval: bool) -> list[Any]:
    def part(f: str) -> dict[str, Any]:
        p = num("districts", r["scenario"], kpi, f, r[f], unit, lang)
        p["district"] = district
        return p

    if not np.isfinite(r["mean"]):
        return ["–"]
    cell: list[Any] = [part("mean")]
    if interval and np.isfinite(r["ci95_low"]) and r["ci95_low"] != r["ci95_high"]:
        cell += [CI_OPEN, "[", part("ci95_low"), "; ", part("ci95_high"), "]", CI_CLOSE]
    return cell


def district_tables(dist: pd.DataFrame, scenarios: list[str], t: dict[str, str],
                    lang: str) -> list[dict[str, Any]]:
    """One table per scenario with a service: a row per district of :func:`district_summary`
    (origin of the request), the columns of :data:`DISTRICT_KPIS`."""
    if dist.empty:
        return [{"id": "districts", "title": t["districts"], "note": t["districts_none"],
                 "head": [], "rows": []}]
    out = []
    for s in scenarios:
        sub = dist[dist["scenario"] == s]
        if sub.empty or float(sub.loc[sub["kpi"] == "requests", "mean"].sum()) <= 0:
            continue
        cols = [c for c in DISTRICT_KPIS if c[1] in set(sub["kpi"])]
        by = sub.set_index(["district", "kpi"])
        rows = []
        empty = [d for d in dict.fromkeys(sub["district"]) if not by.loc[
            by.index.get_level_values(0) == d, "mean"].fillna(0.0).any()]
        for district in dict.fromkeys(sub["district"]):
            if district in empty:
                continue
            cells = [_district_cell(by.loc[(district, k)], district, k, unit, lang, ci)
                     if (district, k) in by.index else ["–"] for _, k, unit, ci in cols]
            rows.append({"label": DISPLAY_DISTRICT.get(district, district), "cells": cells})
        out.append({"id": f"districts-{s}", "title": f"{t['districts']} – {s}",
                    "note": t["districts_note"] + (" " + t["districts_empty"].format(
                        names=", ".join(DISPLAY_DISTRICT.get(d, d) for d in empty))
                        if empty else ""), "head": [t["district"]] + [
                        _unit_head(t, key, unit, lang) for key, _, unit, _ in cols],
                    "rows": rows})
    return out


DISPLAY_DISTRICT = {"Moelschbach": "Mölschbach",
                    "Erzhuetten-Wiesenthalerhof": "Erzhütten-Wiesenthalerhof"}
