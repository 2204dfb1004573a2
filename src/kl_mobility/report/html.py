"""Batch report: one self-contained HTML file (German or English), PNG figures and maps,
tidy tables and GeoJSON.

``write_report(batch_dir, lang=...)`` reads a batch folder written by
:func:`kl_mobility.batch.run_batch` (``<scenario>/<seed>/`` run folders with the tables of
:mod:`kl_mobility.results.schema`) and writes into ``<batch_dir>/report/``:

- ``report.html``: rendered from ``templates/report.html.j2`` (jinja2). Page one is the
  summary: per scenario the net change of the residents' transport CO2 against the baseline
  per weekday and per year with its 95 % interval over the seed pairs and, where a
  ``kl-mobility sensitivity`` record exists, the band over the assumptions; car-km, car
  share, service; what the scenario file changes; the method; the key assumptions
  (:data:`kl_mobility.assumptions.ASSUMPTION_RANGES` and the annualisation), each once.
  Then the tables (modal split, car-km and CO2 by mode, service quality), one map per
  question (:mod:`kl_mobility.report.maps`), the figures and an appendix (emission factors,
  every further assumption and convention of the CO2 account).
- ``kpis.csv``: ``scenario, kpi, n, mean, std, ci95_low, ci95_high, baseline_mean,
  delta_vs_baseline`` (levels over seeds); ``paired.csv``: paired differences against the
  baseline (:mod:`kl_mobility.report.paired`); ``sensitivity.csv``: the bands shown;
  ``districts.csv``: the results by district (mean over seeds). Every
  number of the HTML carries the table, row and field it comes from (``data-*``).
- ``co2.png``, ``service.png``, ``wait_detour.png``, ``occupancy.png``, ``map_vkm_<s>.png``,
  ``map_requests_<s>.png``: the figures and maps.
- ``trips.parquet``, ``vehicles.parquet``: every run's table with ``scenario`` and ``seed``.
- ``edges_vkm.geojson``, ``stops.geojson``: see :mod:`kl_mobility.report.gis`.
- ``interactive_map.html`` (with ``interactive``): the offline interactive map
  (:mod:`kl_mobility.report.interactive`), linked from the maps section.
- ``fleet_curve.csv``, ``fleet_answer.csv``, ``fleet_*.png`` (with ``fleet_curves``): the
  fleet-size curves of ``kl-mobility size`` (:mod:`kl_mobility.report.fleetcurve`).
- ``report.gpkg``: the GeoPackage (EPSG:25832) for QGIS, per scenario street segments
  (one feature per segment, vehicle-km per direction, OSM way ids and names), stops and,
  with the batch's who-gains tables, districts (:func:`kl_mobility.report.gis.write_report_gpkg`).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.errors import InputError
from kl_mobility.io import atomic_file, check_output_dir, staged_dir, write_text
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.report import content as C
from kl_mobility.report.gis import (
    edges_geojson,
    stops_geojson,
    write_geojson,
    write_report_gpkg,
)
from kl_mobility.report.i18n import LANGS, texts
from kl_mobility.report.paired import paired_differences
from kl_mobility.report.summary import (
    BASELINE,
    RUNS_COLUMNS,
    collect_runs,
    summarize,
    versus_baseline,
    write_atomic_csv,
)
from kl_mobility.report.units import UNITS, WEEKDAY_EQUIVALENTS_PER_YEAR, format_number

__all__ = ["BatchData", "fmt", "load_batch", "write_report"]

log = logging.getLogger(__name__)

_TABLES = ("trips", "vehicles", "edges", "occupancy")
INTERACTIVE_FILE = "interactive_map.html"
SENSITIVITY_COLUMNS = ["scenario", "kpi", "runs", "seed", "varied", "min", "p05", "median",
                       "p95", "max"]


def fmt(value: float) -> str:
    """How the command line prints a number: ``–`` for NaN, thousands separators from
    1,000, one decimal from 100, else three significant digits."""
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
    paired: pd.DataFrame = field(default_factory=pd.DataFrame)
    co2_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per scenario the ``citywide`` record of its first seed's ``co2.json``."""
    cost_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per scenario its first seed's ``costs.json`` (runs with an operator cost account)."""


def _read_table(path: Path, scenario: str, seed: int) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    df = pd.read_parquet(path)
    df.insert(0, "seed", seed)
    df.insert(0, "scenario", scenario)
    return df


def _batch_order(batch_dir: Path) -> tuple[list[str], list[dict[str, Any]]]:
    order: list[str] = []
    failed: list[dict[str, Any]] = []
    batch_json = batch_dir / "batch.json"
    if batch_json.is_file():
        info = json.loads(batch_json.read_text(encoding="utf-8"))
        for r in info.get("runs", []):
            if r["scenario"] not in order:
                order.append(r["scenario"])
            if r.get("status") == "failed":
                failed.append(r)
    return order, failed


def load_batch(batch_dir: str | Path, *, baseline: str = BASELINE) -> BatchData:
    """Read every finished run of ``batch_dir``; raises ``InputError`` when there is none."""
    batch_dir = Path(batch_dir)
    run_files = sorted(batch_dir.glob("*/*/run.json"))
    if not run_files:
        raise InputError(f"{batch_dir}: no finished runs (<scenario>/<seed>/run.json) found")
    order, failed = _batch_order(batch_dir)
    maps: dict[str, dict[str, Any]] = {}
    co2: dict[str, dict[str, Any]] = {}
    costs: dict[str, dict[str, Any]] = {}
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in _TABLES}
    derived: list[dict[str, Any]] = []
    n_nodes = 0
    for rf in run_files:
        run = json.loads(rf.read_text(encoding="utf-8"))
        scen, seed = run["scenario"], int(run["seed"])
        n_nodes = int(run.get("n_nodes") or n_nodes)
        sj, cj = rf.parent / "scenario.json", rf.parent / "co2.json"
        if scen not in maps and sj.is_file():
            maps[scen] = json.loads(sj.read_text(encoding="utf-8"))
        if scen not in co2 and cj.is_file():
            co2[scen] = json.loads(cj.read_text(encoding="utf-8")).get("citywide", {})
        kj = rf.parent / "costs.json"
        if scen not in costs and kj.is_file():
            costs[scen] = json.loads(kj.read_text(encoding="utf-8"))
        for t in _TABLES:
            df = _read_table(rf.parent / f"{t}.parquet", scen, seed)
            if df is not None:
                parts[t].append(df)
        derived += [{"scenario": scen, "seed": seed, "kpi": k, "value": v}
                    for k, v in C.derived_kpis(rf.parent).items()]
    found = sorted({json.loads(rf.read_text(encoding="utf-8"))["scenario"] for rf in run_files})
    scenarios = [s for s in order if s in found] + [s for s in found if s not in order]
    if baseline in scenarios:
        scenarios.remove(baseline)
        scenarios.insert(0, baseline)
    runs = collect_runs(batch_dir)
    if derived:
        runs = pd.concat([runs, pd.DataFrame(derived, columns=RUNS_COLUMNS)],
                         ignore_index=True).sort_values(["scenario", "kpi", "seed"],
                                                        kind="stable").reset_index(drop=True)
    summary = versus_baseline(summarize(runs), baseline)
    tables = {t: (pd.concat(p, ignore_index=True) if p else pd.DataFrame(
        columns=["scenario", "seed"])) for t, p in parts.items()}
    return BatchData(batch_dir, scenarios, maps, runs, summary, tables, failed, baseline,
                     n_nodes, paired_differences(runs, baseline), co2, costs)


def _load_network(data: BatchData, network: Any) -> Any:
    """The runs' road network; ``None`` (no map, no GIS) when it cannot be loaded or does
    not match the ``n_nodes`` the runs recorded."""
    if network is None:
        try:
            from kl_mobility.network import load_network

            first = next(iter(data.scenario_maps.values()), {}).get("network", {})
            network = load_network(first.get("osm_file") or None,
                                   place=first.get("place") or None)
        except Exception as exc:  # noqa: BLE001 - the report goes on without node positions
            log.warning("no road network for the maps and GIS layers: %s", exc)
            return None
    if data.n_nodes and data.n_nodes != network.n_nodes:
        log.warning("runs used a network of %d nodes, the loaded one has %d: no map, no GIS",
                    data.n_nodes, network.n_nodes)
        return None
    return network


def _png(fig: Any, path: Path, dpi: int) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    raw = buf.getvalue()
    with atomic_file(path) as tmp:
        tmp.write_bytes(raw)
    return base64.b64encode(raw).decode("ascii")


def sensitivity_table(records: dict[str, dict[str, Any]], scenarios: Sequence[str]
                      ) -> pd.DataFrame:
    """``SENSITIVITY_COLUMNS``: the net CO2 band of each scenario's sensitivity record."""
    rows = []
    for s in scenarios:
        net = records.get(s, {}).get("outputs", {}).get("co2_city_net_kg", {})
        if "p05" in net:
            rows.append({"scenario": s, "kpi": "co2_city_net_kg",
                         "runs": int(records[s].get("runs", net.get("n", 0))),
                         "seed": records[s].get("seed", ""),
                         "varied": ";".join(records[s].get("assumptions", {})),
                         **{k: float(net.get(k, math.nan))
                            for k in ("min", "p05", "median", "p95", "max")}})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def _with_number(template: str, part: dict[str, Any]) -> list[Any]:
    """``template`` with its ``{n}`` replaced by the number ``part``."""
    before, _, after = template.partition("{n}")
    return [before, part, after]


def _bare(parts: list[Any]) -> list[Any]:
    """``parts`` without the interval markers of a table cell."""
    return [p for p in parts if p not in (C.CI_OPEN, C.CI_CLOSE)]


def _sign(row: pd.Series, t: dict[str, str]) -> str:
    if row["max"] < 0:
        return t["sign_robust_neg"]
    if row["min"] > 0:
        return t["sign_robust_pos"]
    return t["sign_not_robust"]


def _card(data: BatchData, tb: C.Tables, scen: str, sens: pd.DataFrame, t: dict[str, str],
          lang: str) -> dict[str, Any]:
    base = data.baseline
    n = tb.n_pairs(scen, "co2_city_net_kg")
    net_day, net_year = tb.change(scen, "co2_city_net_kg", "t_day"), tb.change(
        scen, "co2_city_net_kg", "t_year")
    card: dict[str, Any] = {
        "scenario": scen, "description": str(data.scenario_maps.get(scen, {}).get(
            "description", "")),
        "net_day": net_day[:1], "net_day_ci": _bare(net_day[1:]), "net_year": net_year[:1],
        "net_year_ci": _bare(net_year[1:]), "ci_text": _with_number(t["ci_seeds"], C.num(
            "paired", scen, "co2_city_net_kg", "n_pairs", n, "count", lang)), "band": None,
        "sign": "", "changes": C.scenario_changes(data.scenario_maps.get(scen, {}),
                                                  data.scenario_maps.get(base, {}))}
    srow = sens[sens["scenario"] == scen]
    if len(srow):
        r = srow.iloc[0]
        card["band"] = [C.num("sensitivity", scen, "co2_city_net_kg", "p05", r["p05"],
                              "t_day", lang, signed=True), " … ",
                        C.num("sensitivity", scen, "co2_city_net_kg", "p95", r["p95"],
                              "t_day", lang, signed=True)]
        card["sign"] = _sign(r, t)
        card["band_label"] = t["band"].format(runs=int(r["runs"]))
        if isinstance(r["varied"], str) and r["varied"]:
            seed = int(r["seed"]) if pd.notna(r["seed"]) else "?"
            card["band_label"] += ". " + t["band_varied"].format(
                names=", ".join(r["varied"].split(";")), seed=seed)
    facts = [(t["car_km_change"], tb.change(scen, "co2_city_car_vkm_scenario", "km"), "km"),
             (t["car_share_change"], tb.change(scen, "co2_city_car_share_scenario", "pct"),
              "pct_d"),
             (t["requests"], tb.level(scen, "n_requests", "count"), "trips"),
             (t["served_share"], tb.level(scen, "share_served", "pct"), "pct")]
    card["facts"] = []
    for label, cell, unit in facts:
        if cell == ["–"]:
            continue
        sym = UNITS["pct"].label(lang, delta=True) if unit == "pct_d" else \
            UNITS[unit].label(lang)
        card["facts"].append({"label": f"{label} ({sym})", "cell": [
            " " if p == C.CI_OPEN else p for p in cell if p != C.CI_CLOSE]})
    return card


def _factor_rows(data: BatchData, lang: str) -> list[dict[str, str]]:
    from kl_mobility.emissions import fleet_factors
    from kl_mobility.scenario import scenario_from_mapping

    rows = []
    for scen in data.scenarios:
        m = data.scenario_maps.get(scen)
        if not m or not m.get("fleet"):
            continue
        try:
            sc = scenario_from_mapping(m)
        except Exception as exc:  # noqa: BLE001 - a run written by an older schema
            rows.append({"scenario": scen, "name": "?", "drivetrain": "", "energy": "",
                         "g_vkm": "", "source": f"scenario not readable: {exc}"})
            continue
        for f in fleet_factors(sc.fleet, sc.emissions).values():
            flag = "; ".join(f"ASSUMPTION {a}" for a in f.assumptions)
            rows.append({"scenario": scen, "name": f.name, "drivetrain": f.drivetrain,
                         "energy": f"{format_number(f.energy_per_km, 3, lang)} "
                                   f"{f.energy_unit}",
                         "g_vkm": format_number(f.g_per_vkm, 1, lang),
                         "source": " ; ".join(f.sources) + (f" ({flag})" if flag else "")})
    return rows


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _maps(data: BatchData, network: Any, tb: C.Tables, t: dict[str, str], lang: str,
          out: Path, dpi: int) -> tuple[list[dict[str, Any]], str, Any]:
    from kl_mobility.report import basemap, maps

    if network is None:
        return [], "", None
    first = next(iter(data.scenario_maps.values()), {})
    osm = (first.get("network") or {}).get("osm_file") or None
    zones = _zones_file()
    outer = [(z["name"], float(z["lat"]), float(z["lon"]))
             for z in (first.get("demand") or {}).get("external_zones", [])]
    if osm is None:
        from kl_mobility.network.osm import default_osm_path

        osm = default_osm_path()
    osm_path = Path(osm)
    ctx = basemap.build_context(network, zones_file=zones, osm_file=osm_path if
                                osm_path.is_file() else None, outer=outer)
    out_maps = []
    edges, trips = data.tables["edges"], data.tables["trips"]
    for s in C.with_service(tb, data.scenarios):
        e = edges[edges["scenario"] == s] if len(edges) else edges
        tr = trips[trips["scenario"] == s] if len(trips) else trips
        k = int(tr["seed"].nunique()) if len(tr) else 0
        over = t["over_seeds_1"] if k == 1 else t["over_seeds_n"].format(n=k)
        fig = maps.vkm_map(ctx, e, t["map_vkm_q"].format(scen=s), t, lang)
        out_maps.append({"id": f"vkm-{s}", "title": t["map_vkm_q"].format(scen=s),
                         "caption": t["map_vkm_cap"].format(over_seeds=over),
                         "b64": _png(fig, out / f"map_vkm_{_safe(s)}.png", dpi)})
        fig = maps.requests_map(ctx, tr, t["map_req_q"].format(scen=s), t, lang)
        out_maps.append({"id": f"requests-{s}", "title": t["map_req_q"].format(scen=s),
                         "caption": t["map_req_cap"].format(
                             cell=500, over_seeds_cap=over[:1].upper() + over[1:]),
                         "b64": _png(fig, out / f"map_requests_{_safe(s)}.png", dpi)})
    missing = t["map_missing"].format(names=", ".join(ctx.missing_landmarks)) \
        if ctx.missing_landmarks else ""
    return out_maps, missing, ctx


def _zones_file() -> Path | None:
    """``zones/kaiserslautern_plz.geojson`` beside the OSM data (``../shared/data``)."""
    from kl_mobility.network.osm import default_osm_path

    p = default_osm_path().parent.parent / "zones" / "kaiserslautern_plz.geojson"
    return p if p.is_file() else None


def write_report(  # noqa: PLR0913 - keyword-only options of the command
    batch_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    network: Any = None,
    baseline: str = BASELINE,
    dpi: int = 100,
    progress: ProgressCallback | None = None,
    sensitivity: Sequence[str | Path] = (),
    lang: str = "de",
    fleet_curves: Sequence[str | Path] = (),
    interactive: bool = False,
) -> Path:
    """Write the report files of a batch (see module doc); returns the HTML path.

    ``lang``: ``de`` or ``en``. ``sensitivity``: ``sensitivity.json`` files (or their
    folders) whose band the summary shows; default: ``<scenario>-sensitivity/`` folders
    beside the batch folder (:func:`kl_mobility.report.headline.find_sensitivity`).
    ``network``: a :class:`~kl_mobility.network.RoadNetwork` for the maps and GIS layers; by
    default the network of the first scenario is loaded (from its cache).
    ``fleet_curves``: records of ``kl-mobility size`` (their JSON, CSV or folder) whose
    curves the report shows (:mod:`kl_mobility.report.fleetcurve`). ``interactive``:
    also write the offline interactive map ``interactive_map.html``
    (:mod:`kl_mobility.report.interactive`), linked from the report.
    """
    from kl_mobility.report.fleetcurve import load_curves

    if lang not in LANGS:
        raise InputError(f"--lang: must be one of {', '.join(LANGS)}, got {lang!r}")
    data = load_batch(batch_dir, baseline=baseline)
    curves = load_curves(fleet_curves)
    final = Path(out_dir) if out_dir is not None else data.batch_dir / "report"
    check_output_dir(final, what="report folder")
    with staged_dir(final, kind="report") as out:
        _report_files(data, out, network=network, dpi=dpi, progress=progress,
                      sensitivity=sensitivity, lang=lang, curves=curves,
                      interactive=interactive)
    return final / "report.html"


def _figures(data: BatchData, tb: C.Tables, t: dict[str, str], lang: str, out: Path,
             dpi: int) -> list[dict[str, Any]]:
    from kl_mobility.report import plots

    base = data.baseline
    others = [s for s in data.scenarios if s != base]
    served = C.with_service(tb, data.scenarios)
    figs: list[tuple[str, Any, str]] = []
    if others and len(data.paired):
        figs.append(("co2", plots.co2_change_figure(data.paired, others, t, base, lang),
                     t["fig_co2_cap"].format(base=base)))
    if served:
        trips, occ = data.tables["trips"], data.tables["occupancy"]
        figs += [("service", plots.service_figure(data.summary, served, t, lang),
                  t["fig_service_cap"]),
                 ("wait_detour", plots.wait_detour_figure(trips, served, t, lang), t["fig_wait_cap"]),
                 ("occupancy", plots.occupancy_figure(occ, served, t, lang), t["fig_occ_cap"])]
    return [{"id": name, "caption": cap, "b64": _png(fig, out / f"{name}.png", dpi)}
            for name, fig, cap in figs]


def _fleet(curves: Sequence[Any], out: Path, t: dict[str, str], lang: str,
           dpi: int) -> list[dict[str, Any]]:
    """The fleet-size curves: ``fleet_curve.csv`` and ``fleet_answer.csv`` written, read
    back (the HTML shows what they hold) and one figure and table per curve."""
    from kl_mobility.report import fleetcurve as F

    if not curves:
        return []
    table = F.curve_table(curves)
    write_atomic_csv(table, out / "fleet_curve.csv")
    write_atomic_csv(F.answer_table(curves, table), out / "fleet_answer.csv")
    table = pd.read_csv(out / "fleet_curve.csv")
    answers = pd.read_csv(out / "fleet_answer.csv",
                          dtype={"seed": str, "non_monotone": str})
    shown = []
    for c in curves:
        ctx = F.curve_context(table, answers, c, t, lang)
        ctx["b64"] = _png(F.curve_figure(table, answers, c, t, lang),
                          out / f"{ctx['id'].replace('-', '_')}.png", dpi)
        shown.append(ctx)
    return shown


def _context(data: BatchData, tb: C.Tables, sens: pd.DataFrame, t: dict[str, str],
             lang: str, ranked: Sequence[str] = ()) -> dict[str, Any]:
    base = data.baseline
    others = [s for s in data.scenarios if s != base]
    seeds = sorted(int(x) for x in data.runs["seed"].unique()) if len(data.runs) else []
    co2_rec = data.co2_records.get(base) or next(iter(data.co2_records.values()), {})
    key_all = C.key_assumptions(data.scenario_maps, data.scenarios,
                                co2_rec.get("assumptions", {}), t, lang)
    key, key_more = C.split_key_assumptions(key_all, ranked)
    cost_key = C.key_assumptions(data.scenario_maps, data.scenarios,
                                 _cost_assumptions(data), t, lang, economics=True)
    cost = C.cost_table(tb, data.scenarios, t, lang)
    if cost["rows"]:
        cost["assumptions"] = cost_key
    tables = [x for x in (C.modal_table(tb, data.scenarios, base, t, lang),
                          C.car_co2_table(tb, data.scenarios, base, t, lang),
                          C.service_table(tb, data.scenarios, t, lang),
                          C.feeder_table(tb, data.scenarios, t, lang), cost) if x]
    shown = {r["key"] for r in key_all + cost_key} | {r["param"] for r in key_all + cost_key}
    return {
        "lang": lang, "t": t, "batch_name": data.batch_dir.name,
        "subtitle": t["subtitle"].format(n=len(data.scenarios), base=base),
        "seeds_text": t["seeds_used"].format(seeds=", ".join(map(str, seeds))),
        "headline_q": t["headline_q"].format(base=base),
        "what_changes": t["what_changes"].format(base=base),
        "cards": [_card(data, tb, s, sens, t, lang) for s in others],
        "unit_day": UNITS["t_day"].label(lang), "unit_year": UNITS["t_year"].label(lang),
        "band_caveat": len(sens) > 0,
        "method_text": t["method_text"].format(base=base, days=format_number(
            WEEKDAY_EQUIVALENTS_PER_YEAR, 0, lang)),
        "key_assumptions": key, "more_assumptions": key_more, "tables": tables,
        "key_note": t["key_assumptions_note"].format(
            ranked=t["key_ranked"] if ranked else "", n=len(key_more)),
        "other_assumptions": C.other_assumptions(
            {**co2_rec.get("assumptions", {}), **_cost_assumptions(data)},
            {**co2_rec.get("conventions", {}), **_cost_conventions(data)}, shown),
        "factors": _factor_rows(data, lang),
        "failed": [f"{r['scenario']} seed {r['seed']}: {r.get('error', '')}"
                   for r in data.failed],
    }


def _first_cost_record(data: BatchData) -> dict[str, Any]:
    return next((data.cost_records[s] for s in data.scenarios if s in data.cost_records), {})


def _cost_assumptions(data: BatchData) -> dict[str, dict[str, Any]]:
    """The cost account's assumptions (``costs.json``), keys prefixed ``costs.``."""
    rec = _first_cost_record(data).get("assumptions", {})
    return {k if k.startswith("costs.") else f"costs.{k}": v for k, v in rec.items()
            if isinstance(v, dict)}


def _cost_conventions(data: BatchData) -> dict[str, dict[str, Any]]:
    rec = _first_cost_record(data).get("conventions", {})
    return {f"costs.{k}": {"value": "", "source": str(v)} for k, v in rec.items()}


def render_html(context: dict[str, Any]) -> str:
    """The report's HTML from its template and ``context``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kl_mobility.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(**context)


def _report_files(  # noqa: PLR0913 - keyword-only options
        data: BatchData, out: Path, *, network: Any, dpi: int,
                  progress: ProgressCallback | None, sensitivity: Sequence[str | Path] = (),
                  lang: str = "de", curves: Sequence[Any] = (),
                  interactive: bool = False) -> Path:
    """The report files of ``data`` written into the folder ``out``."""
    from kl_mobility.report.headline import find_sensitivity

    steps = 5
    report(progress, "report", 0, steps)
    t = texts(lang)
    records = find_sensitivity(data.batch_dir, sensitivity)
    sens = sensitivity_table(records, data.scenarios)
    write_atomic_csv(data.summary, out / "kpis.csv")
    write_atomic_csv(data.paired, out / "paired.csv")
    write_atomic_csv(sens, out / "sensitivity.csv")
    # the tables are read back from the CSV files, so the HTML shows exactly what they hold
    tb = C.Tables(pd.read_csv(out / "kpis.csv"), pd.read_csv(out / "paired.csv"), lang)
    sens = pd.read_csv(out / "sensitivity.csv")
    write_atomic_csv(C.district_summary(data.batch_dir), out / "districts.csv")
    dist = pd.read_csv(out / "districts.csv")
    for name in ("trips", "vehicles"):
        with atomic_file(out / f"{name}.parquet") as tmp:
            data.tables[name].to_parquet(tmp, index=False)
    report(progress, "report", 1, steps)
    trips, edges = data.tables["trips"], data.tables["edges"]
    net = _load_network(data, network) if (len(edges) or len(trips)) else None
    if net is not None:
        lat, lon = np.asarray(net.node_lat, float), np.asarray(net.node_lon, float)
        write_geojson(edges_geojson(edges, lat, lon), out / "edges_vkm.geojson")
        write_geojson(stops_geojson(trips, lat, lon), out / "stops.geojson")
        write_report_gpkg(out / "report.gpkg", net, edges, trips, batch_dir=data.batch_dir,
                          scenarios=data.scenarios, scenario_maps=data.scenario_maps)
    report(progress, "report", 2, steps)
    ctx = _context(data, tb, sens, t, lang, C.sensitivity_ranking(records, data.scenarios))
    ctx["tables"] += C.district_tables(dist, C.with_service(tb, data.scenarios), t, lang)
    ctx["figures"] = _figures(data, tb, t, lang, out, dpi)
    ctx["fleet"] = _fleet(curves, out, t, lang, dpi)
    report(progress, "report", 3, steps)
    ctx["maps"], ctx["map_missing"], context = _maps(data, net, tb, t, lang, out, dpi)
    ctx["interactive"] = ctx["interactive_none"] = ""
    if interactive and context is None:
        ctx["interactive_none"] = t["im_none_net"]
    elif interactive:
        from kl_mobility.report.interactive import interactive_html

        write_text(out / INTERACTIVE_FILE, interactive_html(
            context, scenarios=C.with_service(tb, data.scenarios), edges=data.tables["edges"],
            trips=data.tables["trips"], districts=dist, t=t, lang=lang,
            title=t["im_title"].format(batch=data.batch_dir.name)))
        ctx["interactive"] = INTERACTIVE_FILE
    report(progress, "report", 4, steps)
    files = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    ctx["files_text"] = t["files"].format(files=", ".join(files + ["report.html"]))
    path = write_text(out / "report.html", render_html(ctx))
    report(progress, "report", steps, steps)
    return path
