"""The report's maps, one per question, on the offline context of
:mod:`kl_mobility.report.basemap`:

- :func:`vkm_map`: where do the vehicles drive? Vehicle-km per weekday per road segment,
  both directions of a street summed onto one line, mean over the scenario's seeds, in
  classes with a colour bar.
- :func:`requests_map`: where do requests come from and how well are they served? Request
  origins counted in square grid cells (``cell_m``), a circle per cell with area
  proportional to the requests per weekday and colour by the share served.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import BoundaryNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from kl_mobility.report.basemap import MapContext, draw_context  # noqa: E402

__all__ = ["request_cells", "requests_map", "segment_vkm", "vkm_map"]


def _legend_handles(ctx: MapContext, t: dict[str, str]) -> list[Line2D]:
    h = [Line2D([], [], color="0.6", lw=1.2, label=t["lg_streets"])]
    if ctx.districts:
        h.append(Line2D([], [], color="#5a4a8a", lw=0.9, ls="--", label=t["lg_plz"]))
    if ctx.outer:
        h.append(Line2D([], [], color="#5a4a8a", marker="s", ls="none", ms=4,
                        label=t["lg_outer"]))
    if ctx.landmarks:
        h.append(Line2D([], [], color="#d62728", marker="*", ls="none", ms=10, mec="black",
                        label=t["lg_landmark"]))
    return h


def _context_legend(ax, ctx: MapContext, t: dict[str, str]) -> None:
    """The legend of the map context, below the map (it covers no data there)."""
    ax.legend(handles=_legend_handles(ctx, t), loc="upper center", fontsize=8,
              bbox_to_anchor=(0.5, -0.01), ncol=4, frameon=False)


def _num_formatter(lang: str, decimals: int = 0):
    from matplotlib.ticker import FuncFormatter

    from kl_mobility.report.units import format_number

    return FuncFormatter(lambda v, _pos: format_number(v, decimals, lang))


def segment_vkm(edges: pd.DataFrame) -> pd.DataFrame:
    """``a, b, vkm`` per undirected street segment (``a < b``): the seeds' mean of the
    vehicle-km of both directions (a seed in which a segment was not driven counts 0)."""
    if not len(edges):
        return pd.DataFrame({"a": [], "b": [], "vkm": []})
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    df = pd.DataFrame({"a": np.minimum(u, v), "b": np.maximum(u, v),
                       "vkm": edges["vkm_total"].to_numpy(float)})
    k = edges["seed"].nunique()
    out = df.groupby(["a", "b"], sort=True)["vkm"].sum() / k
    return out.reset_index()


def vkm_map(ctx: MapContext, edges: pd.DataFrame, title: str, t: dict[str, str],
            lang: str) -> Figure:
    """Vehicle-km per segment on the context (module docstring)."""
    fig, ax = plt.subplots(figsize=(10.0, 8.2))
    draw_context(ax, ctx, lang)
    seg = segment_vkm(edges)
    seg = seg[seg["vkm"] > 0]
    if len(seg):
        a, b = seg["a"].to_numpy(np.int64), seg["b"].to_numpy(np.int64)
        lines = np.stack([np.column_stack([ctx.node_lon[a], ctx.node_lat[a]]),
                          np.column_stack([ctx.node_lon[b], ctx.node_lat[b]])], axis=1)
        vmax = float(seg["vkm"].max())
        bounds = [x for x in (0.0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if x < vmax]
        bounds.append(vmax)
        cmap = plt.get_cmap("YlOrRd", len(bounds) - 1)
        norm = BoundaryNorm(bounds, cmap.N)
        vals = seg["vkm"].to_numpy(float)
        widths = 0.8 + 3.2 * np.searchsorted(bounds, vals) / max(1, len(bounds) - 1)
        order = np.argsort(vals)
        lc = LineCollection(list(lines[order]), linewidths=widths[order],
                            colors=cmap(norm(vals[order])), zorder=4, capstyle="round")
        ax.add_collection(lc)
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        cb = fig.colorbar(sm, ax=ax, shrink=0.7, pad=0.02, spacing="uniform")
        cb.set_ticks(bounds)
        cb.ax.yaxis.set_major_formatter(_num_formatter(lang, 0))
        cb.set_label(t["cb_vkm"] + " (km)")
    _context_legend(ax, ctx, t)
    ax.set_title(title, fontsize=12, wrap=True)
    fig.tight_layout()
    return fig


def request_cells(trips: pd.DataFrame, cell_m: float) -> pd.DataFrame:
    """``lon, lat, requests, served_share`` per grid cell of request origins: requests per
    weekday (mean over the seeds) and the share of them served; cell position = mean origin
    of its requests."""
    if not len(trips):
        return pd.DataFrame({"lon": [], "lat": [], "requests": [], "served_share": []})
    lat0 = float(trips["origin_lat"].mean())
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ix = np.floor(trips["origin_lon"].to_numpy(float) * kx / cell_m).astype(np.int64)
    iy = np.floor(trips["origin_lat"].to_numpy(float) * 110_574.0 / cell_m).astype(np.int64)
    df = pd.DataFrame({"ix": ix, "iy": iy, "lon": trips["origin_lon"].to_numpy(float),
                       "lat": trips["origin_lat"].to_numpy(float),
                       "served": (trips["status"].astype(str) == "served").to_numpy(float)})
    k = trips["seed"].nunique()
    g = df.groupby(["ix", "iy"], sort=True)
    out = pd.DataFrame({"lon": g["lon"].mean(), "lat": g["lat"].mean(),
                        "requests": g.size() / k, "served_share": g["served"].mean()})
    return out.reset_index(drop=True)


def requests_map(ctx: MapContext, trips: pd.DataFrame, title: str, t: dict[str, str],
                 lang: str, *, cell_m: float = 500.0) -> Figure:
    """Request origins and the share served on the context (module docstring)."""
    fig, ax = plt.subplots(figsize=(10.0, 8.2))
    draw_context(ax, ctx, lang)
    cells = request_cells(trips, cell_m)
    if len(cells):
        rmax = float(cells["requests"].max())
        size = 600.0 * cells["requests"].to_numpy(float) / max(rmax, 1e-9)
        sc = ax.scatter(cells["lon"], cells["lat"], s=np.maximum(size, 4.0),
                        c=100.0 * cells["served_share"].to_numpy(float), cmap="RdYlGn",
                        vmin=0, vmax=100, alpha=0.8, edgecolors="0.2", linewidths=0.4,
                        zorder=4)
        cb = fig.colorbar(sc, ax=ax, shrink=0.7, pad=0.02)
        cb.ax.yaxis.set_major_formatter(_num_formatter(lang, 0))
        cb.set_label(t["cb_served"])
        refs = _nice_steps(rmax)
        handles = [plt.scatter([], [], s=600.0 * r / rmax, color="0.7", edgecolors="0.2",
                               linewidths=0.4, label=t["lg_req_size"].format(
                                   n=f"{r:g}".replace(".", ",") if lang == "de" else f"{r:g}"))
                   for r in refs]
        leg2 = ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9,
                         borderpad=1.0, labelspacing=1.3, bbox_to_anchor=(0.0, 0.09))
        ax.add_artist(leg2)
    _context_legend(ax, ctx, t)
    ax.set_title(title, fontsize=12, wrap=True)
    fig.tight_layout()
    return fig


def _nice_steps(rmax: float) -> list[float]:
    """Three round reference sizes up to ``rmax`` for the circle legend (1-2-5 steps)."""
    if rmax <= 0:
        return []
    p = 10.0 ** math.floor(math.log10(rmax))
    top = max(x * p for x in (1.0, 2.0, 5.0) if x * p <= rmax)
    return [top / 25.0, top / 5.0, top]
