"""Figures of the report (matplotlib, Agg backend); each function returns a Figure.

Axis labels carry their units, titles are short enough to fit, error bars are the 95 %
intervals of the tables (paired differences against the baseline for changes, intervals
over seeds for levels; none with one seed). Texts come from
:mod:`kl_mobility.report.i18n`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["co2_change_figure", "occupancy_figure", "service_figure", "wait_detour_figure"]

CO2_TERMS = (("co2_city_car_scenario_kg", "lg_car", "#d62728"),
             ("co2_city_bus_change_kg", "lg_bus", "#ff7f0e"),
             ("co2_city_fleet_kg", "lg_fleet", "#2ca02c"),
             ("co2_city_net_kg", "lg_net", "#222222"))
"""KPIs of the CO2 figure (paired differences against the baseline, kg -> t per day)."""


def _decimal_comma(ax, lang: str) -> None:
    """German axes: decimal comma on the y axis (``2,5`` not ``2.5``)."""
    if lang != "de":
        return
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: f"{v:g}".replace("-", "\u2212").replace(".", ",")))


def _colors(n: int) -> list:
    cmap = plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(n)]


def _err(lo: np.ndarray, mid: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    ok = np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return None
    return np.vstack([np.where(ok, mid - lo, 0.0), np.where(ok, hi - mid, 0.0)])


def _labels(ax, names: Sequence[str]) -> None:
    long = max((len(n) for n in names), default=0) > 12
    ax.set_xticks(np.arange(len(names)), list(names), rotation=20 if long else 0,
                  ha="right" if long else "center", fontsize=9)


def co2_change_figure(paired: pd.DataFrame, scenarios: Sequence[str], t: dict[str, str],
                      baseline: str, lang: str = "en") -> Figure:
    """Grouped bars per scenario: change of car, bus and fleet CO2 and the net change
    against the baseline (t CO2e per weekday) with their 95 % intervals."""
    fig, ax = plt.subplots(figsize=(max(6.5, 1.9 * len(scenarios) + 2.5), 4.6))
    p = paired.set_index(["scenario", "kpi"]) if len(paired) else None
    x = np.arange(len(scenarios))
    w = 0.8 / len(CO2_TERMS)
    for i, (kpi, key, color) in enumerate(CO2_TERMS):
        vals = np.full(len(scenarios), np.nan)
        lo, hi = vals.copy(), vals.copy()
        for j, s in enumerate(scenarios):
            if p is not None and (s, kpi) in p.index:
                r = p.loc[(s, kpi)]
                vals[j], lo[j], hi[j] = r["delta_mean"], r["ci95_low"], r["ci95_high"]
        vals, lo, hi = vals / 1000.0, lo / 1000.0, hi / 1000.0
        ax.bar(x + (i - 1.5) * w, np.nan_to_num(vals), w, color=color, label=t[key],
               yerr=_err(lo, vals, hi), capsize=3, ecolor="0.3",
               edgecolor="black" if kpi == "co2_city_net_kg" else "none")
    ax.axhline(0, color="grey", lw=0.8)
    _labels(ax, scenarios)
    ax.set_ylabel(t["ax_t_day"])
    _decimal_comma(ax, lang)
    ax.set_title(t["t_co2"].format(base=baseline), fontsize=11)
    ax.legend(fontsize=8, loc="best", ncol=2)
    fig.tight_layout()
    return fig


def service_figure(summary: pd.DataFrame, scenarios: Sequence[str],
                   t: dict[str, str], lang: str = "en") -> Figure:
    """Share served (%) and mean wait (min) per scenario, mean over seeds with 95 %
    intervals."""
    fig, axes = plt.subplots(1, 2, figsize=(max(8.0, 2.2 * len(scenarios) + 3), 4.0))
    s = summary.set_index(["scenario", "kpi"]) if len(summary) else None
    for ax, kpi, scale, ylabel, color in ((axes[0], "share_served", 100.0, "ax_served_pct",
                                           "#1f77b4"),
                                          (axes[1], "wait_mean_s", 1 / 60, "ax_wait_min",
                                           "#9467bd")):
        vals = np.full(len(scenarios), np.nan)
        lo, hi = vals.copy(), vals.copy()
        for j, sc in enumerate(scenarios):
            if s is not None and (sc, kpi) in s.index:
                r = s.loc[(sc, kpi)]
                vals[j], lo[j], hi[j] = r["mean"], r["ci95_low"], r["ci95_high"]
        vals, lo, hi = vals * scale, lo * scale, hi * scale
        ax.bar(np.arange(len(scenarios)), np.nan_to_num(vals), 0.6, color=color,
               yerr=_err(lo, vals, hi), capsize=4, ecolor="0.2")
        _labels(ax, scenarios)
        ax.set_ylabel(t[ylabel])
        _decimal_comma(ax, lang)
        if kpi == "share_served":
            ax.set_ylim(0, 100)
    fig.suptitle(t["t_service"], fontsize=11)
    fig.tight_layout()
    return fig


def wait_detour_figure(trips: pd.DataFrame, scenarios: Sequence[str],
                       t: dict[str, str], lang: str = "en") -> Figure:
    """Box plots (whiskers 5-95 %) of wait (min) and detour factor of served trips."""
    fig, axes = plt.subplots(1, 2, figsize=(max(8.0, 2.0 * len(scenarios) + 3), 4.0))
    served = trips[trips["status"].astype(str) == "served"] if len(trips) else trips
    for ax, col, scale, ylabel, title in ((axes[0], "wait_s", 1 / 60, "ax_wait_box", "t_wait"),
                                          (axes[1], "detour_ratio", 1.0, "ax_detour",
                                           "t_detour")):
        data, names = [], []
        for s in scenarios:
            v = served.loc[served["scenario"] == s, col].to_numpy(float) * scale \
                if len(served) else np.array([])
            v = v[np.isfinite(v)]
            if len(v):
                data.append(v)
                names.append(s)
        if data:
            ax.boxplot(data, positions=np.arange(len(names)), whis=(5, 95), showfliers=False,
                       showmeans=True)
            _labels(ax, names)
        ax.set_ylabel(t[ylabel])
        _decimal_comma(ax, lang)
        ax.set_title(t[title], fontsize=11)
    fig.tight_layout()
    return fig


def occupancy_figure(occupancy: pd.DataFrame, scenarios: Sequence[str],
                     t: dict[str, str], lang: str = "en") -> Figure:
    """Vehicles busy and passengers on board over the day (mean over seeds)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0), sharex=True)
    drawn = False
    for s, color in zip(scenarios, _colors(len(scenarios))):
        o = occupancy[occupancy["scenario"] == s] if len(occupancy) else occupancy
        if not len(o):
            continue
        g = o.groupby("bin_start_s")[["vehicles_in_service", "vehicles_busy",
                                       "passengers_on_board"]].mean()
        if g["vehicles_in_service"].sum() <= 0:
            continue
        hours = g.index.to_numpy(float) / 3600.0
        axes[0].step(hours, g["vehicles_busy"], where="post", color=color, label=s)
        axes[1].step(hours, g["passengers_on_board"], where="post", color=color, label=s)
        drawn = True
    for ax, ylabel, title in ((axes[0], "ax_vehicles", "t_busy"),
                              (axes[1], "ax_pax", "t_pax")):
        ax.set_xlabel(t["ax_hour"])
        ax.set_ylabel(t[ylabel])
        _decimal_comma(ax, lang)
        ax.set_title(t[title], fontsize=11)
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        if drawn:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
