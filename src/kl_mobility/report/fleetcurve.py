"""Fleet-size curves in the report: what ``kl-mobility size`` found, over its seeds.

Input (``kl-mobility report BATCH --fleet-curve PATH``, repeatable): the JSON record
``kl-mobility size`` writes beside its curve CSV (:func:`kl_mobility.size.curve_record`),
that CSV itself (its record beside it), or a folder holding such records. Records of the
same scenario, vehicle type and target are one curve; each record is one seed (a seed given
twice is an error, as is a record without its CSV or of another kind).

Per curve and fleet size the report shows the mean over the seeds that evaluated the size
(the search of each seed visits its own sizes, so ``n_seeds`` may differ between sizes)
and, where at least two did, the Student-t 95 % interval (the one of ``kpis.csv``). The
smallest fleet meeting the target is given per seed (the search's answer) and for the mean
curve: the smallest size evaluated whose mean meets the target while every larger size
evaluated meets it too (``None`` when no size does).

Tables (written into the report folder, the HTML's numbers come from them):
``fleet_curve.csv`` with :data:`CURVE_TABLE_COLUMNS` and ``fleet_answer.csv`` with
:data:`ANSWER_COLUMNS`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.errors import InputError

__all__ = ["ANSWER_COLUMNS", "CURVE_KPIS", "CURVE_TABLE_COLUMNS", "Curve", "answer_table",
           "curve_figure", "curve_table", "load_curves"]

RECORD_KIND = "kl-mobility fleet-size curve"

CURVE_KPIS = ("requests", "share_served", "wait_mean_s", "wait_p95_s", "fleet_co2_kg",
              "co2_city_net_kg", "meets_target")
"""Columns of a size CSV the report summarises per fleet size (``meets_target``: its mean
is the share of the seeds meeting the target at that size)."""

CURVE_TABLE_COLUMNS = ["curve", "scenario", "vehicle_type", "target", "count", "kpi",
                       "n_seeds", "seeds", "mean", "ci95_low", "ci95_high"]
ANSWER_COLUMNS = ["curve", "scenario", "vehicle_type", "target", "seed", "answer",
                  "max_count", "non_monotone", "reference"]
"""``seed`` "mean" is the mean curve's answer; ``answer`` NaN: not reached."""


@dataclass(frozen=True)
class Curve:
    """One curve: its records (one per seed) and their CSV rows (with ``seed``)."""

    scenario: str
    vehicle_type: str
    target: dict[str, Any]
    records: tuple[dict[str, Any], ...]
    rows: pd.DataFrame

    @property
    def key(self) -> str:
        return f"{self.scenario}/{self.vehicle_type}/{self.target['text']}"

    @property
    def seeds(self) -> list[int]:
        return sorted(int(r["seed"]) for r in self.records)

    @property
    def reference(self) -> str:
        return str(self.records[0].get("reference", ""))


def _record_files(path: Path) -> list[Path]:
    if path.is_dir():
        found = []
        for p in sorted(path.glob("*.json")):
            try:
                kind = json.loads(p.read_text(encoding="utf-8")).get("kind")
            except (ValueError, OSError, AttributeError):
                continue
            if kind == RECORD_KIND:
                found.append(p)
        if not found:
            raise InputError(f"--fleet-curve {path}: no fleet-size record (the .json "
                             "kl-mobility size writes beside its CSV) in this folder")
        return found
    if path.suffix == ".csv":
        path = path.with_suffix(".json")
    if not path.is_file():
        raise InputError(f"--fleet-curve {path}: file not found (give the .json record "
                         "kl-mobility size writes beside its CSV, the CSV, or their folder)")
    return [path]


def _read_record(path: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"--fleet-curve {path}: not valid JSON ({exc})") from None
    if not isinstance(rec, dict) or rec.get("kind") != RECORD_KIND:
        raise InputError(f"--fleet-curve {path}: not a fleet-size record of kl-mobility size "
                         f"(\"kind\" must be {RECORD_KIND!r})")
    for key in ("scenario", "vehicle_type", "seed", "target", "csv", "answer"):
        if key not in rec:
            raise InputError(f"--fleet-curve {path}: the record has no {key!r}")
    csv = path.parent / str(rec["csv"])
    if not csv.is_file():
        raise InputError(f"--fleet-curve {path}: its curve {csv} is missing")
    rows = pd.read_csv(csv)
    missing = [c for c in ("count", *CURVE_KPIS) if c not in rows.columns]
    if missing:
        raise InputError(f"{csv}: column(s) {', '.join(missing)} missing (a curve written "
                         "before the city-wide CO2 convention? run kl-mobility size again)")
    rows = rows.copy()
    rows.insert(0, "seed", int(rec["seed"]))
    return rec, rows


def load_curves(paths: Sequence[str | Path]) -> list[Curve]:
    """The curves of the records under ``paths`` (module docstring), in the order first
    given; :class:`InputError` (one line naming the file) for a bad or duplicate record."""
    groups: dict[tuple[str, str, str], list[tuple[Path, dict[str, Any], pd.DataFrame]]] = {}
    for p in paths:
        for f in _record_files(Path(p)):
            rec, rows = _read_record(f)
            key = (str(rec["scenario"]), str(rec["vehicle_type"]), str(rec["target"]["text"]))
            prior = groups.setdefault(key, [])
            for other, orec, _ in prior:
                if int(orec["seed"]) == int(rec["seed"]):
                    raise InputError(f"--fleet-curve {f}: seed {rec['seed']} of "
                                     f"{'/'.join(key)} is also in {other}")
            prior.append((f, rec, rows))
    curves = []
    for (scen, vtype, _), items in groups.items():
        items.sort(key=lambda x: int(x[1]["seed"]))
        curves.append(Curve(scen, vtype, dict(items[0][1]["target"]),
                            tuple(r for _, r, _ in items),
                            pd.concat([rows for _, _, rows in items], ignore_index=True)))
    return curves


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    from kl_mobility.report.summary import _ci as ci

    _n, mean, _std, lo, hi = ci(values)
    return mean, lo, hi


def _met(value: float, target: dict[str, Any]) -> bool:
    if not math.isfinite(value):
        return False
    return value >= target["value"] if target["op"] == ">=" else value <= target["value"]


def curve_table(curves: Sequence[Curve]) -> pd.DataFrame:
    """:data:`CURVE_TABLE_COLUMNS`: per curve, fleet size and KPI the mean over the seeds
    that evaluated the size, with the t-interval where two or more did."""
    out = []
    for c in curves:
        for count, g in c.rows.groupby("count", sort=True):
            seeds = ";".join(str(s) for s in sorted(g["seed"]))
            for kpi in CURVE_KPIS:
                v = g[kpi].to_numpy(np.float64)
                mean, lo, hi = _ci(v)
                out.append({"curve": c.key, "scenario": c.scenario,
                            "vehicle_type": c.vehicle_type, "target": c.target["text"],
                            "count": int(count), "kpi": kpi,
                            "n_seeds": int(np.isfinite(v).sum()), "seeds": seeds,
                            "mean": mean, "ci95_low": lo, "ci95_high": hi})
    return pd.DataFrame(out, columns=CURVE_TABLE_COLUMNS)


def mean_curve_answer(table: pd.DataFrame, curve: Curve) -> int | None:
    """The smallest size whose mean meets the target with every larger size meeting it (a
    target KPI the curve does not hold, the median wait: every seed meets it there)."""
    kpi = curve.target["kpi"]
    shown = kpi in CURVE_KPIS
    g = table[(table["curve"] == curve.key)
              & (table["kpi"] == (kpi if shown else "meets_target"))].sort_values("count")
    ok = [_met(float(v), curve.target) if shown else float(v) == 1.0 for v in g["mean"]]
    answer = None
    for count, good in zip(g["count"].tolist()[::-1], ok[::-1], strict=True):
        if not good:
            break
        answer = int(count)
    return answer


def answer_table(curves: Sequence[Curve], table: pd.DataFrame) -> pd.DataFrame:
    """:data:`ANSWER_COLUMNS`: each seed's answer and the mean curve's (seed "mean")."""
    out = []
    for c in curves:
        base = {"curve": c.key, "scenario": c.scenario, "vehicle_type": c.vehicle_type,
                "target": c.target["text"], "reference": c.reference}
        for r in c.records:
            out.append({**base, "seed": str(r["seed"]),
                        "answer": math.nan if r["answer"] is None else float(r["answer"]),
                        "max_count": float(r.get("max_count", math.nan)),
                        "non_monotone": ";".join(str(n) for n in r.get("non_monotone", []))})
        ans = mean_curve_answer(table, c)
        out.append({**base, "seed": "mean", "answer": math.nan if ans is None else float(ans),
                    "max_count": float(max(r.get("max_count", 0) for r in c.records)),
                    "non_monotone": ""})
    return pd.DataFrame(out, columns=ANSWER_COLUMNS)


PANELS = (("share_served", "pct", "fc_ax_served"),
          ("wait", "min", "fc_ax_wait"),
          ("co2_city_net_kg", "t_day", "fc_ax_co2"))
"""The figure's panels: KPI (``wait``: the target's wait KPI, else the mean wait), unit,
axis label key."""


def target_text(target: dict[str, Any], t: dict[str, str], lang: str) -> str:
    """The target in words: "share served >= 95 %", "mean wait <= 10.0 min"."""
    from kl_mobility.report.units import format_number

    op = "\u2265" if target["op"] == ">=" else "\u2264"
    v = float(target["value"])
    if target["kpi"] == "share_served":
        return f"{t['fc_k_share_served']} {op} {format_number(100 * v, 1, lang)} %"
    return f"{t['fc_k_' + target['kpi']]} {op} {format_number(v / 60.0, 1, lang)} min"


def wait_kpi(curve: Curve) -> str:
    """The wait the curve shows: the target's when it is a wait, else the mean wait."""
    kpi = curve.target["kpi"]
    return kpi if kpi in ("wait_mean_s", "wait_p95_s") else "wait_mean_s"


def curve_figure(table: pd.DataFrame, answers: pd.DataFrame, curve: Curve, t: dict[str, str],
                 lang: str) -> Any:
    """Served share, wait and city-wide net CO2 against fleet size (three panels, shared
    x axis; error bars = the 95 % interval over seeds where two or more evaluated the
    size); the target as a dashed line in its panel, the mean curve's answer dotted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kl_mobility.report.plots import _decimal_comma, _err
    from kl_mobility.report.units import UNITS

    g = table[table["curve"] == curve.key]
    fig, axes = plt.subplots(3, 1, figsize=(7.5, 7.6), sharex=True, constrained_layout=True)
    ans = answers[(answers["curve"] == curve.key) & (answers["seed"] == "mean")]["answer"]
    answer = float(ans.iloc[0]) if len(ans) else math.nan
    for ax, (kpi, unit, label) in zip(axes, PANELS, strict=True):
        kpi = wait_kpi(curve) if kpi == "wait" else kpi
        d = g[g["kpi"] == kpi].sort_values("count")
        scale = UNITS[unit].scale
        x = d["count"].to_numpy(np.float64)
        mid = d["mean"].to_numpy(np.float64) * scale
        lo = d["ci95_low"].to_numpy(np.float64) * scale
        hi = d["ci95_high"].to_numpy(np.float64) * scale
        one = len(curve.seeds) == 1
        ax.errorbar(x, mid, yerr=_err(lo, mid, hi), fmt="o-", color="tab:blue", ms=4,
                    capsize=3, ecolor="0.35", label=t["fc_lg_one"].format(
                        seed=curve.seeds[0]) if one else t["fc_lg_mean"])
        ax.set_ylabel(t[label] if kpi != "wait_p95_s" else t["fc_ax_wait_p95"])
        ax.grid(alpha=0.3)
        if kpi == "co2_city_net_kg":
            ax.axhline(0.0, color="0.5", lw=0.8)
        if kpi == curve.target["kpi"]:
            ax.axhline(float(curve.target["value"]) * scale, color="tab:red", ls="--",
                       label=t["fc_lg_target"].format(target=target_text(curve.target, t,
                                                                         lang)))
        if math.isfinite(answer):
            ax.axvline(answer, color="tab:green", ls=":", label=t["fc_lg_answer"].format(
                n=int(answer)))

        _decimal_comma(ax, lang)
        ax.legend(loc="best", fontsize=8)
    axes[-1].set_xlabel(t["fc_ax_x"].format(vtype=curve.vehicle_type))
    fig.suptitle(t["fc_title"].format(scen=curve.scenario, vtype=curve.vehicle_type),
                 fontsize=11)
    return fig


def _num(table: str, curve: Curve, kpi: str, field: str, value: float, unit: str, lang: str,
         **row: Any) -> dict[str, Any]:
    from kl_mobility.report.content import num

    part = num(table, curve.key, kpi, field, value, unit, lang)
    part.update(row)
    return part


_CELLS = (("requests", "trips", "fc_h_requests"), ("share_served", "pct", "fc_h_served"),
          ("wait", "min", "fc_h_wait"), ("co2_city_net_kg", "t_day", "fc_h_co2"))


def curve_context(table: pd.DataFrame, answers: pd.DataFrame, curve: Curve,
                  t: dict[str, str], lang: str) -> dict[str, Any]:
    """What the template shows of one curve (the figure is added by the caller): title,
    note, the answers (number parts of ``fleet_answer.csv``) and a table with one row per
    size (number parts of ``fleet_curve.csv``)."""
    from kl_mobility.report.content import CI_CLOSE, CI_OPEN

    g = table[table["curve"] == curve.key].set_index(["count", "kpi"])
    wait = wait_kpi(curve)
    head = [t["fc_h_count"].format(vtype=curve.vehicle_type)] + [
        t["fc_h_wait_p95"] if k == "wait" and wait == "wait_p95_s" else t[h]
        for k, _, h in _CELLS] + [t["fc_h_met"]]
    rows = []
    shown_kpi = curve.target["kpi"] in CURVE_KPIS
    for count in sorted({int(c) for c, _ in g.index}):
        cells = []
        for kpi, unit, _ in _CELLS:
            kpi = wait if kpi == "wait" else kpi
            r = g.loc[(count, kpi)]
            cell: list[Any] = [_num("fleet_curve", curve, kpi, "mean", r["mean"], unit, lang,
                                    count=count)]
            if np.isfinite(r["ci95_low"]):
                cell += [CI_OPEN, "[", _num("fleet_curve", curve, kpi, "ci95_low",
                                            r["ci95_low"], unit, lang, count=count), "; ",
                         _num("fleet_curve", curve, kpi, "ci95_high", r["ci95_high"], unit,
                              lang, count=count), "]", CI_CLOSE]
            cells.append(cell)
        if shown_kpi:
            met = _met(float(g.loc[(count, curve.target["kpi"]), "mean"]), curve.target)
        else:
            met = float(g.loc[(count, "meets_target"), "mean"]) == 1.0
        cells.append([t["fc_met"] if met else t["fc_not_met"]])
        rows.append({"label": str(count), "cells": cells})
    a = answers[answers["curve"] == curve.key]
    found = []
    for seed in ["mean"] + [str(s) for s in curve.seeds]:
        r = a[a["seed"] == seed].iloc[0]
        label = t["fc_answer_mean"] if seed == "mean" else t["fc_answer_seed"].format(seed=seed)
        if np.isfinite(r["answer"]):
            parts: list[Any] = [_num("fleet_answer", curve, "answer", "answer", r["answer"],
                                     "count", lang, seed=seed)]
        else:
            before, _, after = t["fc_not_reached"].partition("{n}")
            parts = [before, _num("fleet_answer", curve, "answer", "max_count",
                                  r["max_count"], "count", lang, seed=seed), after]
        found.append({"label": label, "parts": parts, "mean": seed == "mean"})
    warnings = [t["fc_nonmono"].format(seed=r["seed"], sizes=r["non_monotone"].replace(";", ", "))
                for _, r in a.iterrows() if isinstance(r["non_monotone"], str)
                and r["non_monotone"]]
    return {"id": "fleet-" + "".join(ch if ch.isalnum() else "-" for ch in curve.key),
            "title": t["fc_title"].format(scen=curve.scenario, vtype=curve.vehicle_type),
            "note": t["fc_note"].format(seeds=", ".join(map(str, curve.seeds)),
                                        ref=curve.reference),
            "answer_title": t["fc_answer"].format(target=target_text(curve.target, t, lang)),
            "answers": found, "rule": t["fc_answer_rule"], "warnings": warnings,
            "head": head, "rows": rows, "caption": t["fc_cap"]}
