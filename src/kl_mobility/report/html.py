"""Batch report: one self-contained HTML file, PNG figures, tidy tables and GeoJSON.

``write_report(batch_dir)`` reads a batch folder written by :func:`kl_mobility.batch.run_batch`
(``<scenario>/<seed>/`` run folders with the tables of :mod:`kl_mobility.results.schema`) and
writes into ``<batch_dir>/report/``:

- ``report.html``: KPI table per scenario (mean over seeds and 95 % CI) and its change against
  the baseline; CO2 per passenger-km next to the UBA car and bus figures; vehicle-km by type
  (occupied/empty); the emission factors used with their sources and the assumptions flagged;
  figures (embedded as base64 PNG): CO2 decomposition, wait and detour distributions, fleet
  use and occupancy over the day, a map of demand density and vehicle-km per road segment.
- ``co2.png``, ``wait_detour.png``, ``occupancy.png``, ``map.png``: the same figures.
- ``kpis.csv``: tidy ``scenario, kpi, n, mean, std, ci95_low, ci95_high, baseline_mean,
  delta_vs_baseline``; every number of the HTML tables comes from it (``data-value``).
- ``trips.parquet``, ``vehicles.parquet``: every run's table with ``scenario`` and ``seed``.
- ``edges_vkm.geojson``, ``stops.geojson``: road-segment vehicle-km and boarding/alighting
  nodes (see :mod:`kl_mobility.report.gis`), RFC 7946 lon/lat.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.emissions import (
    ASSUMPTIONS,
    EmissionsConfig,
    fleet_factors,
    reference_factor_table,
)
from kl_mobility.errors import InputError
from kl_mobility.io import atomic_file, check_output_dir, staged_dir, write_text
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.report.gis import edges_geojson, stops_geojson, write_geojson
from kl_mobility.report.summary import (
    BASELINE,
    collect_runs,
    summarize,
    versus_baseline,
    write_atomic_csv,
)
from kl_mobility.scenario import scenario_from_mapping

__all__ = ["MAIN_KPIS", "BatchData", "fmt", "load_batch", "write_report"]

log = logging.getLogger(__name__)

MAIN_KPIS: tuple[tuple[str, str], ...] = (
    ("n_requests", "requests"),
    ("share_served", "share served"),
    ("wait_mean_s", "mean wait (s)"),
    ("wait_p95_s", "p95 wait (s)"),
    ("detour_mean", "mean detour"),
    ("occupancy", "occupancy (pkm/vkm)"),
    ("empty_km_share", "empty-km share"),
    ("passengers_per_vehicle_hour", "passengers per vehicle-hour"),
    ("vehicle_km", "vehicle-km"),
    ("passenger_km", "passenger-km"),
    ("co2_city_car_change_kg", "car CO2 change vs baseline (kg)"),
    ("co2_city_bus_change_kg", "bus CO2 change (kg, scenario's bus convention)"),
    ("co2_fleet_co2_kg", "fleet CO2, well to wheel (kg)"),
    ("co2_city_net_kg", "NET city-wide CO2 change (kg)"),
    ("co2_city_net_average_kg", "alternative: bus at 83 g/Pkm (kg)"),
    ("co2_net_co2_kg", "alternative: one car avoided per rider (kg)"),
)
"""KPIs shown in the HTML tables (all KPIs are in ``kpis.csv``)."""

_TABLES = ("trips", "vehicles", "edges", "occupancy")


def fmt(value: float) -> str:
    """How the report prints a number: ``–`` for NaN, thousands separators from 1,000,
    one decimal from 100, else three significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    if v == 0:
        return "0"
    return f"{v:.3g}"


@dataclass
class BatchData:
    """Everything a report needs from a batch folder (tables with ``scenario``, ``seed``)."""

    batch_dir: Path
    scenarios: list[str]
    scenario_maps: dict[str, dict[str, Any]]
    runs: pd.DataFrame
    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    failed: list[dict[str, Any]] = field(default_factory=list)
    baseline: str = BASELINE
    n_nodes: int = 0
    """Network size the runs recorded in run.json (0 = unknown)."""


def _read_table(path: Path, scenario: str, seed: int) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    df = pd.read_parquet(path)
    df.insert(0, "seed", seed)
    df.insert(0, "scenario", scenario)
    return df


def load_batch(batch_dir: str | Path, *, baseline: str = BASELINE) -> BatchData:
    """Read every finished run of ``batch_dir``; raises ``InputError`` when there is none."""
    batch_dir = Path(batch_dir)
    run_files = sorted(batch_dir.glob("*/*/run.json"))
    if not run_files:
        raise InputError(f"{batch_dir}: no finished runs (<scenario>/<seed>/run.json) found")
    order: list[str] = []
    batch_json = batch_dir / "batch.json"
    failed: list[dict[str, Any]] = []
    if batch_json.is_file():
        info = json.loads(batch_json.read_text(encoding="utf-8"))
        for r in info.get("runs", []):
            if r["scenario"] not in order:
                order.append(r["scenario"])
            if r.get("status") == "failed":
                failed.append(r)
    maps: dict[str, dict[str, Any]] = {}
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in _TABLES}
    n_nodes = 0
    for rf in run_files:
        run = json.loads(rf.read_text(encoding="utf-8"))
        scen, seed = run["scenario"], int(run["seed"])
        n_nodes = int(run.get("n_nodes") or n_nodes)
        sj = rf.parent / "scenario.json"
        if scen not in maps and sj.is_file():
            maps[scen] = json.loads(sj.read_text(encoding="utf-8"))
        for t in _TABLES:
            df = _read_table(rf.parent / f"{t}.parquet", scen, seed)
            if df is not None:
                parts[t].append(df)
    found = sorted({json.loads(rf.read_text(encoding="utf-8"))["scenario"] for rf in run_files})
    scenarios = [s for s in order if s in found] + [s for s in found if s not in order]
    if baseline in scenarios:
        scenarios.remove(baseline)
        scenarios.insert(0, baseline)
    runs = collect_runs(batch_dir)
    summary = versus_baseline(summarize(runs), baseline)
    tables = {t: (pd.concat(p, ignore_index=True) if p else pd.DataFrame(
        columns=["scenario", "seed"])) for t, p in parts.items()}
    return BatchData(batch_dir, scenarios, maps, runs, summary, tables, failed, baseline,
                     n_nodes)


def _node_coords(data: BatchData, network: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Node coordinates of the runs' network; ``None`` (no map, no GIS) when it cannot be
    loaded or does not match the ``n_nodes`` the runs recorded."""
    if network is None:
        try:
            from kl_mobility.network import load_network

            first = next(iter(data.scenario_maps.values()), {}).get("network", {})
            network = load_network(first.get("osm_file") or None,
                                   place=first.get("place") or None)
        except Exception as exc:  # noqa: BLE001 - the report goes on without node positions
            log.warning("no road network for the map and GIS layers: %s", exc)
            return None
    if data.n_nodes and data.n_nodes != network.n_nodes:
        log.warning("runs used a network of %d nodes, the loaded one has %d: no map, no GIS",
                    data.n_nodes, network.n_nodes)
        return None
    return np.asarray(network.node_lat, float), np.asarray(network.node_lon, float)


def _png(fig: Any, path: Path, dpi: int) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    raw = buf.getvalue()
    with atomic_file(path) as tmp:
        tmp.write_bytes(raw)
    return base64.b64encode(raw).decode("ascii")


def _cell(scen: str, kpi: str, field_name: str, value: float, extra: str = "") -> str:
    return (f'<td data-scenario="{html.escape(scen)}" data-kpi="{html.escape(kpi)}" '
            f'data-field="{field_name}" data-value="{value!r}">{html.escape(fmt(value))}'
            f"{extra}</td>")


def _kpi_tables(data: BatchData) -> str:
    s = data.summary.set_index(["scenario", "kpi"])
    kpis = [(k, label) for k, label in MAIN_KPIS if k in set(data.summary["kpi"])]
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in kpis)
    out = []
    for title, field_name in (("KPIs per scenario: mean over seeds [95 % CI]", "mean"),
                              (f"Change against {data.baseline} (difference of means)",
                               "delta_vs_baseline")):
        rows = []
        for scen in data.scenarios:
            cells = []
            for k, _ in kpis:
                if (scen, k) not in s.index:
                    cells.append("<td>–</td>")
                    continue
                r = s.loc[(scen, k)]
                extra = ""
                if field_name == "mean" and not math.isnan(r["ci95_low"]):
                    extra = (f'<br><span class="ci">[{html.escape(fmt(r["ci95_low"]))}, '
                             f'{html.escape(fmt(r["ci95_high"]))}]</span>')
                cells.append(_cell(scen, k, field_name, float(r[field_name]), extra))
            n = int(s.loc[scen]["n"].max()) if scen in s.index.get_level_values(0) else 0
            rows.append(f"<tr><th>{html.escape(scen)} <span class=\"ci\">(n={n})</span></th>"
                        f"{''.join(cells)}</tr>")
        out.append(f"<h2>{html.escape(title)}</h2>\n<table class=\"kpi\" "
                   f"data-field=\"{field_name}\"><thead><tr><th>scenario</th>{head}</tr>"
                   f"</thead><tbody>{''.join(rows)}</tbody></table>")
    return "\n".join(out)


def _co2_pkm_table(data: BatchData) -> str:
    s = data.summary.set_index(["scenario", "kpi"])
    rows = []
    for scen in data.scenarios:
        vals = []
        for k in ("co2_fleet_g_per_pkm", "co2_uba_car_g_per_pkm", "co2_uba_bus_g_per_pkm",
                  "co2_fleet_pkm"):
            vals.append(_cell(scen, k, "mean", float(s.loc[(scen, k), "mean"]))
                        if (scen, k) in s.index else "<td>–</td>")
        rows.append(f"<tr><th>{html.escape(scen)}</th>{''.join(vals)}</tr>")
    return ("<h2>CO2 per passenger-km of the on-demand fleet next to UBA car and bus</h2>"
            "<table><thead><tr><th>scenario</th><th>fleet g CO2e/pkm</th><th>UBA car g/Pkm"
            "</th><th>UBA city bus g/Pkm</th><th>fleet passenger-km</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _vkm_by_type(data: BatchData) -> str:
    s = data.summary
    rows = []
    for scen in data.scenarios:
        sub = s[s["scenario"] == scen].set_index("kpi")["mean"]
        types = sorted({k.split("__", 1)[1] for k in sub.index if k.startswith("co2_kg__")})
        for t in types:
            cells = "".join(
                _cell(scen, f"{p}{t}", "mean", float(sub[f"{p}{t}"]))
                for p in ("co2_vkm_occupied__", "co2_vkm_empty__", "co2_kg__"))
            rows.append(f"<tr><th>{html.escape(scen)}</th><td>{html.escape(t)}</td>{cells}"
                        "</tr>")
    if not rows:
        return ""
    return ("<h2>Vehicle-km by vehicle type (mean per day)</h2><table><thead><tr>"
            "<th>scenario</th><th>vehicle type</th><th>vkm occupied</th><th>vkm empty</th>"
            f"<th>CO2 (kg)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _reference_table(config: EmissionsConfig, diesel_van_l: float | None) -> str:
    t = reference_factor_table(config, diesel_van_l_per_100km=diesel_van_l)
    rows = []
    for r in t.itertuples(index=False):
        energy = "" if math.isnan(r.energy_per_km) else f"{r.energy_per_km:g} {r.energy_unit}"
        flag = ", ".join(f"ASSUMPTION {a}" for a in r.assumptions.split(", ") if a)
        rows.append(f"<tr><th>{html.escape(r.vehicle)}</th><td>{html.escape(r.drivetrain)}</td>"
                    f"<td>{html.escape(energy)}</td><td>{html.escape(fmt(r.g_per_vkm))}</td>"
                    f"<td>{html.escape(fmt(r.g_per_pkm))}</td><td>{html.escape(r.source)}</td>"
                    f"<td class=\"assumption\">{html.escape(flag)}</td></tr>")
    grid = (f"grid factor {config.grid_g_per_kwh:g} g/kWh (assumption)" if
            config.grid_g_per_kwh > 0 else f"UBA grid factor of {config.grid_year}")
    return (f"<h2>Reference CO2 factors per vehicle type ({html.escape(grid)}, factor set "
            f"{html.escape(config.factor_set)})</h2><table><thead><tr><th>vehicle</th>"
            "<th>drivetrain</th><th>energy use</th><th>g CO2/vkm</th><th>g CO2e/Pkm</th>"
            "<th>source</th><th>assumptions</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _factor_table(data: BatchData) -> tuple[str, set[str]]:
    rows: list[str] = []
    used: set[str] = set()
    config: EmissionsConfig | None = None
    diesel_van_l: float | None = None
    for scen in data.scenarios:
        m = data.scenario_maps.get(scen)
        if not m:
            continue
        try:
            sc = scenario_from_mapping(m)
        except Exception as exc:  # noqa: BLE001 - a run written by an older schema
            rows.append(f"<tr><th>{html.escape(scen)}</th><td colspan=\"6\">scenario not "
                        f"readable: {html.escape(str(exc))}</td></tr>")
            continue
        used.update(sc.emissions.assumptions_used())
        if config is None or scen == data.baseline:
            config = sc.emissions
        for vt in sc.fleet:
            if vt.kind == "van" and vt.drivetrain == "diesel" and vt.fuel_l_per_100km > 0:
                diesel_van_l = vt.fuel_l_per_100km
        for f in fleet_factors(sc.fleet, sc.emissions).values():
            used.update(f.assumptions)
            flag = ", ".join(f"ASSUMPTION {a}" for a in f.assumptions)
            rows.append(
                f"<tr><th>{html.escape(scen)}</th><td>{html.escape(f.name)}</td>"
                f"<td>{html.escape(f.drivetrain)}</td><td>{f.energy_per_km:g} "
                f"{html.escape(f.energy_unit)}</td><td>{f.g_per_vkm:.1f}</td>"
                f"<td>{html.escape(' ; '.join(f.sources))}</td>"
                f"<td class=\"assumption\">{html.escape(flag)}</td></tr>")
    if diesel_van_l is not None:
        used.add("diesel_van_l_per_100km")
    table = ("<h2>Emission factors used (well-to-wheel where the source allows)</h2><table>"
             "<thead><tr><th>scenario</th><th>vehicle type</th><th>drivetrain</th>"
             "<th>energy use</th><th>g CO2/vkm</th><th>sources</th><th>assumptions</th></tr>"
             f"</thead><tbody>{''.join(rows)}</tbody></table>")
    table += _reference_table(config or EmissionsConfig(), diesel_van_l)
    return table, used


def _assumption_list(used: set[str]) -> str:
    items = "".join(f"<li><b>ASSUMPTION {html.escape(k)}</b>: {html.escape(ASSUMPTIONS[k])}"
                    "</li>" for k in sorted(used) if k in ASSUMPTIONS)
    return (f"<h2>Assumptions (figures FACTS.md does not provide)</h2><ul>{items}</ul>"
            if items else "")


_CSS = """body{font-family:sans-serif;margin:1.5em;max-width:1400px}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:right;vertical-align:top}
thead th{background:#eee}tbody th{text-align:left}.ci{color:#777;font-size:0.85em}
td.assumption{color:#a40;text-align:left}img{max-width:100%}
"""


def write_report(
    batch_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    network: Any = None,
    baseline: str = BASELINE,
    dpi: int = 100,
    progress: ProgressCallback | None = None,
    sensitivity: Sequence[str | Path] = (),
) -> Path:
    """Write the report files of a batch (see module doc); returns the HTML path.

    ``sensitivity``: ``sensitivity.json`` files (or their folders) whose band the headline
    shows next to each scenario's net CO2; default: ``<scenario>-sensitivity/`` folders
    beside the batch folder (:mod:`kl_mobility.report.headline`).

    ``network``: a :class:`~kl_mobility.network.RoadNetwork` for node coordinates (map and
    GIS layers); by default the network of the first scenario is loaded (from its cache).
    """
    data = load_batch(batch_dir, baseline=baseline)
    final = Path(out_dir) if out_dir is not None else data.batch_dir / "report"
    check_output_dir(final, what="report folder")
    with staged_dir(final, kind="report") as out:
        _report_files(data, out, network=network, baseline=baseline, dpi=dpi,
                      progress=progress, sensitivity=sensitivity)
    return final / "report.html"


def _report_files(data: BatchData, out: Path, *, network: Any, baseline: str, dpi: int,
                  progress: ProgressCallback | None,
                  sensitivity: Sequence[str | Path] = ()) -> Path:
    """The report files of ``data`` written into the folder ``out``."""
    from kl_mobility.report import plots
    from kl_mobility.report.headline import find_sensitivity, headline_html

    steps = 8
    report(progress, "report", 0, steps)
    write_atomic_csv(data.summary, out / "kpis.csv")
    for t in ("trips", "vehicles"):
        with atomic_file(out / f"{t}.parquet") as tmp:
            data.tables[t].to_parquet(tmp, index=False)
    report(progress, "report", 1, steps)
    trips, edges = data.tables["trips"], data.tables["edges"]
    coords = _node_coords(data, network) if (len(edges) or len(trips)) else None
    if coords is not None:
        write_geojson(edges_geojson(edges, *coords), out / "edges_vkm.geojson")
        write_geojson(stops_geojson(trips, *coords), out / "stops.geojson")
    report(progress, "report", 2, steps)
    means = data.summary.pivot(index="scenario", columns="kpi", values="mean")
    figs = {"co2": plots.co2_figure(means, data.scenarios)}
    report(progress, "report", 3, steps)
    figs["wait_detour"] = plots.wait_detour_figure(trips, data.scenarios)
    report(progress, "report", 4, steps)
    figs["occupancy"] = plots.occupancy_figure(data.tables["occupancy"], data.scenarios)
    report(progress, "report", 5, steps)
    if coords is not None:
        figs["map"] = plots.map_figure(trips, edges, *coords, data.scenarios)
    images = {name: _png(fig, out / f"{name}.png", dpi) for name, fig in figs.items()}
    report(progress, "report", 6, steps)
    captions = {
        "co2": "CO2 per simulated day: fleet emissions by vehicle type (up), avoided car and "
               "bus emissions of the riders' alternative modes (down), net change (diamond).",
        "wait_detour": "Wait and detour of served trips (boxes 25-75 %, whiskers 5-95 %, "
                       "triangle = mean).",
        "occupancy": "Fleet use and passengers on board over the day (mean over seeds).",
        "map": "On-demand trip origins (blue, log density) and vehicle-km per road segment "
               "(mean per day over seeds; darker and wider = more).",
    }
    factor_html, used = _factor_table(data)
    desc = "".join(
        f"<li><b>{html.escape(s)}</b>: "
        f"{html.escape(str(data.scenario_maps.get(s, {}).get('description', '')))}</li>"
        for s in data.scenarios)
    failed = "".join(f"<li>{html.escape(r['scenario'])} seed {r['seed']}: "
                     f"{html.escape(str(r.get('error', '')))}</li>" for r in data.failed)
    fig_html = "".join(
        f'<figure><img alt="{name}" src="data:image/png;base64,{b64}">'
        f"<figcaption>{html.escape(captions[name])}</figcaption></figure>"
        for name, b64 in images.items())
    body = [
        f"<h1>kl-mobility report: {html.escape(data.batch_dir.name)}</h1>",
        f"<p>Scenarios ({len(data.scenarios)}), compared with <b>{html.escape(baseline)}"
        f"</b>:</p><ul>{desc}</ul>",
        f"<h2>Failed runs</h2><ul>{failed}</ul>" if failed else "",
        headline_html(data.summary, data.scenarios, data.batch_dir,
                      find_sensitivity(data.batch_dir, sensitivity)),
        _kpi_tables(data), _co2_pkm_table(data), _vkm_by_type(data), fig_html,
        factor_html, _assumption_list(used),
        "<p>Tables: kpis.csv, trips.parquet, vehicles.parquet; GIS: edges_vkm.geojson, "
        "stops.geojson (RFC 7946, lon/lat).</p>",
    ]
    doc = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<title>kl-mobility report {html.escape(data.batch_dir.name)}</title>"
           f"<style>{_CSS}</style></head><body>\n" + "\n".join(b for b in body if b)
           + "\n</body></html>\n")
    path = write_text(out / "report.html", doc)
    report(progress, "report", steps, steps)
    return path
