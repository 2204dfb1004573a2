"""Figures of a batch report (matplotlib, Agg backend); each function returns a Figure.

Inputs are the tidy tables of :mod:`kl_mobility.report.html` (``scenario`` and ``seed``
columns added to the run tables of :mod:`kl_mobility.results.schema`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["co2_figure", "map_figure", "occupancy_figure", "wait_detour_figure"]


def _colors(n: int) -> list:
    cmap = plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(n)]


def co2_figure(means: pd.DataFrame, scenarios: Sequence[str]) -> Figure:
    """CO2 per day by scenario with its decomposition (mean over seeds, kg).

    ``means``: index scenario, columns KPI names. Fleet emissions by vehicle type
    (``co2_kg__<type>``) stack upwards; avoided car (``co2_car_co2_avoided_kg``) and bus
    (``co2_bus_co2_avoided_kg``) emissions stack downwards; a diamond marks the net change
    (``co2_net_co2_kg``).
    """
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(scenarios) + 2), 4.5))
    x = np.arange(len(scenarios))
    m = means.reindex(list(scenarios))
    type_cols = sorted(c for c in m.columns if c.startswith("co2_kg__"))
    bottom = np.zeros(len(scenarios))
    greens = ["#00441b", "#74c476", "#238b45", "#c7e9c0", "#41ab5d", "#a1d99b"]
    for i, col in enumerate(type_cols):
        color = greens[i % len(greens)]
        vals = m[col].fillna(0.0).to_numpy(float)
        ax.bar(x, vals, bottom=bottom, color=color, label=f"fleet: {col[8:]}")
        bottom += vals
    if not type_cols and "co2_fleet_co2_kg" in m:
        ax.bar(x, m["co2_fleet_co2_kg"].fillna(0.0), color="tab:green", label="fleet")
    neg = np.zeros(len(scenarios))
    for col, color, label in (("co2_car_co2_avoided_kg", "tab:red", "avoided car trips"),
                              ("co2_bus_co2_avoided_kg", "tab:orange", "avoided bus pkm")):
        if col in m:
            vals = -m[col].fillna(0.0).to_numpy(float)
            ax.bar(x, vals, bottom=neg, color=color, label=label)
            neg += vals
    if "co2_net_co2_kg" in m:
        ax.scatter(x, m["co2_net_co2_kg"].fillna(0.0), marker="D", color="black", zorder=3,
                   label="net change")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x, list(scenarios), rotation=25, ha="right")
    ax.set_ylabel("kg CO2e per simulated day")
    ax.set_title("CO2: on-demand fleet emissions and avoided emissions of replaced trips")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def wait_detour_figure(trips: pd.DataFrame, scenarios: Sequence[str]) -> Figure:
    """Box plots (whiskers 5-95 %) of wait (min) and detour ratio of served trips."""
    fig, axes = plt.subplots(1, 2, figsize=(max(8.0, 1.6 * len(scenarios) + 3), 4.2))
    served = trips[trips["status"].astype(str) == "served"] if len(trips) else trips
    for ax, col, scale, label in ((axes[0], "wait_s", 1 / 60, "wait (min)"),
                                  (axes[1], "detour_ratio", 1.0, "ride time / direct time")):
        data, names = [], []
        for s in scenarios:
            v = served.loc[served["scenario"] == s, col].to_numpy(float) * scale if len(served) \
                else np.array([])
            v = v[np.isfinite(v)]
            if len(v):
                data.append(v)
                names.append(s)
        if data:
            ax.boxplot(data, whis=(5, 95), showfliers=False, showmeans=True)
            ax.set_xticks(np.arange(1, len(names) + 1), names, rotation=25, ha="right")
        else:
            ax.text(0.5, 0.5, "no served trips", ha="center", va="center",
                    transform=ax.transAxes)
        ax.set_ylabel(label)
    axes[0].set_title("Wait distribution")
    axes[1].set_title("Detour distribution")
    fig.tight_layout()
    return fig


def occupancy_figure(occupancy: pd.DataFrame, scenarios: Sequence[str]) -> Figure:
    """Fleet use (busy / in-service vehicles) and passengers on board over the day."""
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
        axes[0].step(hours, g["vehicles_in_service"], where="post", color=color, ls=":",
                     lw=0.9)
        axes[1].step(hours, g["passengers_on_board"], where="post", color=color, label=s)
        drawn = True
    axes[0].set_title("Vehicles busy (solid) and in service (dotted)")
    axes[1].set_title("Passengers on board")
    for ax in axes:
        ax.set_xlabel("hour of day")
        ax.set_xlim(0, max(24, ax.get_xlim()[1]))
        if drawn:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def map_figure(
    trips: pd.DataFrame,
    edges: pd.DataFrame,
    node_lat: np.ndarray,
    node_lon: np.ndarray,
    scenarios: Sequence[str],
) -> Figure:
    """One map panel per scenario: requested trip origins as hexbin density (blue, log
    scale) and vehicle-km per road segment (mean over seeds) as lines whose width and colour
    grow with the logarithm of the vehicle-km."""
    n = max(1, len(scenarios))
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 3.6 * rows + 0.6),
                             squeeze=False)
    lat0 = float(np.mean(node_lat)) if len(node_lat) else 49.44
    extent = (float(np.min(node_lon)), float(np.max(node_lon)),
              float(np.min(node_lat)), float(np.max(node_lat))) if len(node_lat) else None
    vmax = 0.0
    per = {}
    for s in scenarios:
        e = edges[edges["scenario"] == s] if len(edges) else edges
        if len(e):
            k = e["seed"].nunique()
            agg = e.groupby(["u", "v"])["vkm_total"].sum() / k
            per[s] = agg
            vmax = max(vmax, float(agg.max()))
    cmap = plt.get_cmap("plasma_r")
    for ax, s in zip(axes.ravel(), scenarios):
        ax.plot(node_lon, node_lat, ",", color="0.85")
        t = trips[trips["scenario"] == s] if len(trips) else trips
        if len(t):
            ax.hexbin(t["origin_lon"], t["origin_lat"], gridsize=40, cmap="Blues", mincnt=1,
                      bins="log", alpha=0.75, extent=extent, linewidths=0)
        if s in per and vmax > 0:
            agg = per[s]
            u = agg.index.get_level_values(0).to_numpy().astype(np.int64)
            v = agg.index.get_level_values(1).to_numpy().astype(np.int64)
            segs = np.stack([np.column_stack([node_lon[u], node_lat[u]]),
                             np.column_stack([node_lon[v], node_lat[v]])], axis=1)
            rel = np.log1p(agg.to_numpy(float)) / math.log1p(vmax)
            lc = LineCollection(list(segs), linewidths=0.2 + 2.5 * rel, colors=cmap(0.1 + 0.9 * rel))
            ax.add_collection(lc)
        ax.set_title(s, fontsize=10)
        ax.set_aspect(1.0 / math.cos(math.radians(lat0)))
        ax.tick_params(labelsize=7)
        if extent:
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
    for ax in axes.ravel()[len(scenarios):]:
        ax.axis("off")
    fig.suptitle("Kaiserslautern: on-demand trip origins (blue, log density) and vehicle-km "
                 f"per road segment (log colour/width, max {vmax:.1f} vkm/day)", fontsize=11)
    fig.tight_layout()
    return fig
