"""The report's headline: net city-wide CO2 change per scenario with its terms, the band
of the sensitivity analysis next to it, what the figure leaves out, and every assumption
and convention (value and source) of the runs' ``co2.json``.

Sensitivity records (``sensitivity.json`` of ``kl-mobility sensitivity``) are taken from
the paths given, else found beside the batch folder as ``<scenario>-sensitivity/`` (the
command's default output folder ``results/<scenario>-sensitivity``) and matched to the
report's scenarios by the record's scenario name.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kl_mobility.errors import InputError

__all__ = ["find_sensitivity", "headline_html"]

_TERMS = (("co2_city_car_change_kg", "car change"), ("co2_city_bus_change_kg", "bus change"),
          ("co2_city_fleet_kg", "fleet"), ("co2_city_net_kg", "NET change"),
          ("co2_city_net_average_kg", "alt.: bus at 83 g/Pkm"),
          ("co2_net_co2_kg", "alt.: one car per rider"))


def find_sensitivity(batch_dir: Path, paths: Iterable[str | Path] = ()) -> dict[str, dict]:
    """Sensitivity records by scenario name (module docstring). A file given in ``paths``
    that cannot be read or is no sensitivity record is an :class:`InputError` naming it;
    one found beside the batch is skipped with a warning naming it (never silently)."""
    files = [Path(p) / "sensitivity.json" if Path(p).is_dir() else Path(p) for p in paths]
    given = bool(files)
    if not files:
        files = sorted(Path(batch_dir).resolve().parent.glob("*-sensitivity/sensitivity.json"))
    out: dict[str, dict] = {}
    for f in files:
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
            problem = None if isinstance(rec, dict) and "scenario" in rec else \
                "no sensitivity record (no 'scenario' key)"
        except (OSError, ValueError) as exc:
            problem = str(exc)
        if problem is not None:
            if given:
                raise InputError(f"{f}: cannot use it as a sensitivity record: {problem}")
            logging.getLogger(__name__).warning(
                "%s: not used as a sensitivity record: %s", f, problem)
            continue
        rec["_path"] = str(f)
        out[str(rec["scenario"])] = rec
    return out


def _fmt(v: float) -> str:
    return "–" if v != v else f"{v:+,.0f}"


def headline_html(summary: pd.DataFrame, scenarios: list[str], batch_dir: Path,
                  sensitivity: dict[str, dict]) -> str:
    """The headline section (HTML)."""
    from kl_mobility.citywide import OUTSIDE_THE_MODEL

    s = summary.set_index(["scenario", "kpi"])
    if not any((sc, "co2_city_net_kg") in s.index for sc in scenarios):
        return ""
    head = "".join(f"<th>{html.escape(label)} (kg/day)</th>" for _, label in _TERMS)
    rows = []
    for sc in scenarios:
        cells = "".join(
            f"<td>{_fmt(float(s.loc[(sc, k), 'mean']))}</td>" if (sc, k) in s.index
            else "<td>–</td>" for k, _ in _TERMS)
        rec = sensitivity.get(sc)
        band = "–"
        if rec:
            net = rec.get("outputs", {}).get("co2_city_net_kg", {})
            if "p05" in net:
                band = (f"{net['p05']:+,.0f} … {net['p95']:+,.0f} (5–95 %, {rec['runs']} "
                        f"Morris runs); {html.escape(str(rec.get('sign_statement', '')))}")
        rows.append(f"<tr><th>{html.escape(sc)}</th>{cells}<td class=\"assumption\">"
                    f"{band}</td></tr>")
    assumptions = ""
    for sc in scenarios:
        co2 = next(iter(sorted((batch_dir / sc).glob("*/co2.json"))), None)
        if co2 is None:
            continue
        city = json.loads(co2.read_text(encoding="utf-8")).get("citywide", {})
        items = [(k, v) for part in ("conventions", "assumptions")
                 for k, v in city.get(part, {}).items()]
        if items:
            assumptions = (
                f"<h3>Conventions and assumptions of the figure (from {html.escape(sc)}'s "
                "co2.json; every run lists its own)</h3><table><thead><tr><th>name</th>"
                "<th>value</th><th>source</th></tr></thead><tbody>" + "".join(
                    f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v.get('value')))}"
                    f"</td><td class=\"assumption\">{html.escape(str(v.get('source')))}</td>"
                    "</tr>" for k, v in items) + "</tbody></table>")
            break
    return ("<h2>Headline: change of the residents' transport CO2 against the baseline "
            "(mean over seeds)</h2><table><thead><tr><th>scenario</th>" + head +
            "<th>band over the assumptions</th></tr></thead><tbody>" + "".join(rows) +
            f"</tbody></table><p>{html.escape(OUTSIDE_THE_MODEL)}</p>" + assumptions)
