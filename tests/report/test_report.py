"""The batch report: valid self-contained HTML in German and English, and every number it
shows equal to the report's tables (kpis.csv, paired.csv, sensitivity.csv)."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from kl_mobility.report.html import fmt, load_batch, write_report
from kl_mobility.report.units import shown

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class ReportParser(HTMLParser):
    """Checks that every element is closed in order; collects the number spans and, per
    result-table cell and summary fact, the text outside number spans."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.errors: list[str] = []
        self.nums: list[tuple[dict, str]] = []
        self.loose: list[str] = []  # text of checked cells outside number spans
        self.doctype = False
        self.text: list[str] = []
        self._num: dict | None = None
        self._buf: list[str] = []

    def handle_decl(self, decl):
        self.doctype = decl.lower() == "doctype html"

    def _inside_checked(self) -> bool:
        tags = [(t, a) for t, a in self.stack]
        in_table = any(t == "section" and "table" in a.get("class", "") for t, a in tags) \
            and not any(t == "table" and a.get("class") == "text" for t, a in tags)
        # (tables of class "text" list the inputs: assumptions with their values and sources)
        in_card = any(t == "div" and "card" in a.get("class", "") for t, a in tags)
        cell = any(t in ("td", "dd") for t, _ in tags) or any(
            t == "div" and a.get("class") in ("big", "ci", "mid") for t, a in tags)
        return (in_table or in_card) and cell

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in VOID:
            self.stack.append((tag, a))
        if tag == "span" and a.get("class") == "num":
            self._num, self._buf = a, []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]!r} at {self.getpos()}")
            return
        self.stack.pop()
        if tag == "span" and self._num is not None:
            self.nums.append((self._num, "".join(self._buf)))
            self._num = None

    def handle_data(self, data):
        self.text.append(data)
        if self._num is not None:
            self._buf.append(data)
        elif self._inside_checked() and not any(t == "summary" for t, _ in self.stack):
            self.loose.append(data)


def _parse(path):
    p = ReportParser()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


@pytest.fixture(scope="module", params=["de", "en"])
def report(request, fake_batch, grid, fake_curves, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"report-{request.param}")
    path = write_report(fake_batch, out, network=grid, baseline="base", lang=request.param,
                        dpi=40, fleet_curves=[fake_curves])
    return path, _parse(path), request.param


def test_report_is_valid_self_contained_html(report):
    """Doctype, balanced tags, no external resources, figures and maps embedded as PNG."""
    path, parser, lang = report
    assert parser.doctype
    assert parser.errors == [] and parser.stack == []
    doc = path.read_text(encoding="utf-8")
    assert 'src="http' not in doc and "<link" not in doc and "<script" not in doc
    assert f'<html lang="{lang}">' in doc
    # co2, service, wait_detour, occupancy + 2 maps for each of pooling, pooling-more, base
    # (base's fake runs have 3 requests, none served, so it counts as a scenario with
    # requests)
    names = ["co2", "service", "wait_detour", "occupancy"] + [
        f"map_{m}_{s}" for s in ("base", "pooling", "pooling-more") for m in ("vkm", "requests")
    ] + ["fleet_pooling_van_share_served__0_9"]  # the fleet-size curve of fake_curves
    assert doc.count('src="data:image/png;base64,') == len(names)
    for name in names:
        assert (path.parent / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_every_number_shown_comes_from_a_table(report):
    """Each number span carries table, row and field; its value equals that CSV cell bit
    for bit and its text is units.shown() of it. No digit appears in a result-table cell or
    summary figure outside a number span."""
    path, parser, lang = report
    tables = {"kpis": pd.read_csv(path.parent / "kpis.csv").set_index(["scenario", "kpi"]),
              "paired": pd.read_csv(path.parent / "paired.csv").set_index(["scenario", "kpi"]),
              "sensitivity": pd.read_csv(path.parent / "sensitivity.csv").set_index(
                  ["scenario", "kpi"])}
    assert len(parser.nums) > 50
    seen_tables = set()
    districts = pd.read_csv(path.parent / "districts.csv")
    tables["districts"] = districts.set_index(["scenario", "district", "kpi"])
    tables["fleet_curve"] = pd.read_csv(path.parent / "fleet_curve.csv").set_index(
        ["curve", "count", "kpi"])
    tables["fleet_answer"] = pd.read_csv(path.parent / "fleet_answer.csv",
                                         dtype={"seed": str}).set_index(["curve", "seed"])
    for attrs, text in parser.nums:
        key = (attrs["data-scenario"], attrs["data-kpi"])
        if attrs["data-table"] == "districts":
            key = (attrs["data-scenario"], attrs["data-district"], attrs["data-kpi"])
        elif attrs["data-table"] == "fleet_curve":
            key = (attrs["data-scenario"], int(attrs["data-count"]), attrs["data-kpi"])
        elif attrs["data-table"] == "fleet_answer":
            key = (attrs["data-scenario"], attrs["data-seed"])
        expected = float(tables[attrs["data-table"]].loc[key, attrs["data-field"]])
        value = float(attrs["data-value"])
        assert (math.isnan(value) and math.isnan(expected)) or value == expected, attrs
        assert text == shown(value, attrs["data-unit"], lang,
                             signed=attrs["data-signed"] == "1"), attrs
        seen_tables.add(attrs["data-table"])
    # no sensitivity record here
    assert seen_tables == {"kpis", "paired", "districts", "fleet_curve", "fleet_answer"}
    # the cost table of the fake runs' econ_* KPIs: pooling 100 + s EUR -> mean 100.5,
    # shown without decimals, rounded half to even -> "100"
    cost = [t for a, t in parser.nums if a["data-scenario"] == "pooling" and
            a["data-kpi"] == "econ_cost_total_eur" and a["data-field"] == "mean"]
    assert cost == ["100"]
    # the headline of pooling: -45 kg/day = -0.045 t -> "-0.04" or "-0,04"; per year
    # -45 x 300 / 1000 = -13.5 t -> "-14" (rounded half to even: 14)
    big = [t for a, t in parser.nums if a["data-scenario"] == "pooling" and
           a["data-kpi"] == "co2_city_net_kg" and a["data-field"] == "delta_mean"]
    assert big[:2] == ["\u22120" + ("," if lang == "de" else ".") + "04", "\u221214"]
    # digits allowed outside number spans: the names "CO2"/"CO2e" and the "95 %" of an
    # interval's name
    stray = [s for s in parser.loose
             if re.search(r"\d", re.sub(r"CO2e?|95[ -]?-?%", "", s))]
    assert stray == []


def test_paired_numbers_by_hand(report):
    """pooling vs base, seeds 0 and 1 each: the fake van drives 0.4 km (base: no fleet, 0)
    -> vehicle_km difference 0.4 in both seeds, mean 0.4, std 0 -> interval [0.4, 0.4].
    Net CO2 (per-rider account): 40.8012 g fleet - 86.24 g car - 132.8 g bus = -178.2388 g
    in both seeds (see the CO2 test below), base 0 -> paired mean -0.1782388 kg."""
    path, _, _ = report
    p = pd.read_csv(path.parent / "paired.csv").set_index(["scenario", "kpi"])
    r = p.loc[("pooling", "vehicle_km")]
    assert r["n_pairs"] == 2 and r["delta_mean"] == pytest.approx(0.4)
    assert r["delta_std"] == pytest.approx(0.0, abs=1e-12)
    assert r["ci95_low"] == pytest.approx(0.4) and r["ci95_high"] == pytest.approx(0.4)
    assert p.loc[("pooling", "co2_net_co2_kg"), "delta_mean"] == pytest.approx(-0.1782388)
    assert "base" not in p.index.get_level_values(0)
    # city-wide (conftest): car-km pooling 1000 - 2 - s vs base 1000 - s -> -2 in both seeds
    assert p.loc[("pooling", "co2_city_car_vkm_scenario"), "delta_mean"] == -2.0
    # net CO2: pooling -50, -40 vs base 0, 0 -> diffs -50, -40: mean -45, std sqrt(50) =
    # 7.0711, t(0.975, 1) = 12.7062 -> half width 12.7062 x 7.0711 / sqrt(2) = 63.531
    r = p.loc[("pooling", "co2_city_net_kg")]
    assert r["delta_mean"] == -45.0
    assert r["ci95_low"] == pytest.approx(-108.531, abs=1e-3)
    assert r["ci95_high"] == pytest.approx(18.531, abs=1e-3)


def test_language_of_the_text(report):
    path, parser, lang = report
    text = " ".join(parser.text)
    if lang == "de":
        assert "Zusammenfassung" in text and "Wichtigste Annahmen" in text
        assert "Summary" not in text
    else:
        assert "Summary" in text and "Key assumptions" in text
        assert "Zusammenfassung" not in text
    for scen in ("base", "pooling", "pooling-more"):
        assert scen in text
    assert "© OpenStreetMap contributors, ODbL" in text
    assert "car_occupancy" in text and "weekday_equivalents_per_year" in text
    # the map captions count the fake batch's 2 seeds in words of the language
    assert ("Mittel über 2 Seeds" if lang == "de" else "mean over 2 seeds") in text


def _table_keys(doc: str, table_id: str) -> list[str]:
    """The assumption keys (``<code class="ci">``) of the table ``table_id`` in ``doc``."""
    import re

    body = doc.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<code class="ci">([^<]+)</code>', body)


def test_key_assumptions_short_and_in_the_report_language(report):
    """The summary lists the headline assumptions (8 of them, the fake runs' scenarios set
    all 8 or carry them in co2.json) and the annualisation, no others; every further named
    assumption is in the appendix table, none in both; in German the names are German."""
    from kl_mobility.report.content import HEADLINE_ASSUMPTIONS

    path, _, lang = report
    doc = path.read_text(encoding="utf-8")
    summary = _table_keys(doc, "key-assumptions")
    more = _table_keys(doc, "more-assumptions")
    assert set(summary) <= {*HEADLINE_ASSUMPTIONS, "weekday_equivalents_per_year"}
    assert "weekday_equivalents_per_year" in summary and "car_occupancy" in summary
    assert not set(summary) & set(more) and len(more) > 0
    key_table = doc.split('id="key-assumptions"', 1)[1].split("</table>", 1)[0]
    if lang == "de":
        assert "Personen je Pkw" in key_table and "persons per car" not in key_table
        assert "Abschnitt 3" in key_table  # the German reasoning of car_occupancy
    else:
        assert "persons per car" in key_table


def test_german_names_for_every_named_assumption():
    """Every named assumption has its German name, and no German name names a key that
    is not an assumption (a renamed key would otherwise fall back to English)."""
    from kl_mobility.assumptions import ASSUMPTION_RANGES
    from kl_mobility.report.content import HEADLINE_ASSUMPTIONS
    from kl_mobility.report.i18n import ASSUMPTION_NAMES_DE, ASSUMPTION_WHY_DE

    assert set(ASSUMPTION_NAMES_DE) == set(ASSUMPTION_RANGES)
    assert set(ASSUMPTION_WHY_DE) == set(HEADLINE_ASSUMPTIONS)


def test_sensitivity_ranking_orders_the_summary_assumptions():
    """Two records: mu* of charge_time_s 50 and 20 -> its largest, 50, ranks it above
    fare_eur (30); bus_fare_eur was varied but not ranked (runs missing) -> last. The
    summary then starts with those three, then the headline ones not yet listed."""
    from kl_mobility.report.content import (
        HEADLINE_ASSUMPTIONS,
        sensitivity_ranking,
        split_key_assumptions,
    )

    def rec(morris, names):
        return {"assumptions": dict.fromkeys(names, {}),
                "outputs": {"co2_city_net_kg": {"morris": morris}}}

    records = {
        "a": rec([{"assumption": "fare_eur", "mu_star": 30.0},
                  {"assumption": "charge_time_s", "mu_star": 20.0}],
                 ["fare_eur", "charge_time_s"]),
        "b": rec(None, ["bus_fare_eur"]),
        "c": rec([{"assumption": "charge_time_s", "mu_star": 50.0}], ["charge_time_s"]),
    }
    ranked = sensitivity_ranking(records, ["a", "b", "c"])
    assert ranked == ["charge_time_s", "fare_eur", "bus_fare_eur"]
    rows = [{"key": k} for k in [*HEADLINE_ASSUMPTIONS, "charge_time_s", "bus_fare_eur",
                                 "walk_speed_kmh", "weekday_equivalents_per_year"]]
    summary, appendix = split_key_assumptions(rows, ranked)
    keys = [r["key"] for r in summary]
    assert keys[:3] == ranked and keys[-1] == "weekday_equivalents_per_year"
    assert keys[3:-1] == [k for k in HEADLINE_ASSUMPTIONS if k != "fare_eur"]
    assert [r["key"] for r in appendix] == ["walk_speed_kmh"]


def test_summary_states_one_interval_method(report):
    """Two seeds -> intervals over 2 seed pairs, named with the method."""
    _, parser, lang = report
    text = " ".join(parser.text)
    assert ("t-Intervall" if lang == "de" else "t-interval") in text


def test_kpis_and_co2_by_hand(report, scenario_dir):
    """pooling: one e-van drives 0.4 km at 0.281 kWh/km x 363 g/kWh = 40.8012 g; the car
    trip replaces 0.4 km x 215.6 g = 86.24 g; the bus trip diverts 2 x 0.8 = 1.6 pkm x 83 g =
    132.8 g; net = 40.8012 - 86.24 - 132.8 = -178.2388 g, same for both seeds. The mean wait
    over seeds: seed 0 (60+240)/2 = 150, seed 1 (90+240)/2 = 165 -> 157.5."""
    from kl_mobility.emissions import fleet_factors
    from kl_mobility.scenario import scenario_from_file

    path, _, _ = report
    k = pd.read_csv(path.parent / "kpis.csv").set_index(["scenario", "kpi"])
    assert k.loc[("pooling", "co2_fleet_co2_kg"), "mean"] == pytest.approx(0.0408012)
    assert k.loc[("pooling", "co2_net_co2_kg"), "mean"] == pytest.approx(-0.1782388)
    assert k.loc[("pooling", "wait_mean_s"), "mean"] == 157.5
    assert k.loc[("pooling", "wait_mean_s"), "n"] == 2
    assert k.loc[("base", "co2_net_co2_kg"), "mean"] == 0.0
    shuttle = fleet_factors(scenario_from_file(scenario_dir / "pooling-more.toml").fleet)[
        "shuttle"]
    assert k.loc[("pooling-more", "co2_kg__shuttle"), "mean"] == pytest.approx(
        0.4 * shuttle.g_per_vkm / 1000)


def test_tidy_tables_have_scenario_and_seed(report):
    path, _, _ = report
    trips = pd.read_parquet(path.parent / "trips.parquet")
    vehicles = pd.read_parquet(path.parent / "vehicles.parquet")
    assert len(trips) == 3 * 3 * 2 and set(trips["seed"]) == {0, 1}
    assert set(vehicles["scenario"]) == {"pooling", "pooling-more"}


def test_results_by_district(report):
    """conftest: per seed s, 67655 has 2 requests, all served, mean wait 1 + s min ->
    mean over seeds 0, 1: 1.5 min, interval 1.5 -/+ 12.7062 x 0.7071 / sqrt(2) = 1.5 -/+
    6.353, clipped at 0 below; Hohenecken 1 request, none served; 67661 has neither
    residents nor requests: not listed, and the note says so."""
    path, parser, lang = report
    d = pd.read_csv(path.parent / "districts.csv").set_index(["scenario", "district", "kpi"])
    w = d.loc[("pooling", "Kernstadt 67655", "wait_mean_min")]
    assert w["mean"] == 1.5 and w["ci95_low"] == 0.0
    assert w["ci95_high"] == pytest.approx(1.5 + 6.353, abs=1e-3)
    assert d.loc[("pooling", "Hohenecken", "served_share"), "mean"] == 0.0
    shown_districts = {a["data-district"] for a, _ in parser.nums if "data-district" in a}
    assert shown_districts == {"Kernstadt 67655", "Hohenecken"}
    assert "Kernstadt 67661." in " ".join(parser.text)


def test_sensitivity_band_on_the_summary(fake_batch, grid, tmp_path):
    """A sensitivity record of 'pooling' is shown as its 5-95 % band (kg -> t: -900 kg ->
    -0.90 t) with the sign statement; its numbers come from sensitivity.csv."""
    sens = tmp_path / "pooling-sensitivity"
    sens.mkdir()
    (sens / "sensitivity.json").write_text(json.dumps({
        "scenario": "pooling", "runs": 36, "outputs": {"co2_city_net_kg": {
            "min": -1100.0, "p05": -900.0, "median": -300.0, "p95": 250.0, "max": 400.0}}}))
    path = write_report(fake_batch, tmp_path / "out", network=grid, baseline="base",
                        lang="en", sensitivity=[sens], dpi=40)
    parser = _parse(path)
    band = {a["data-field"]: t for a, t in parser.nums if a["data-table"] == "sensitivity"}
    assert band == {"p05": "\u22120.90", "p95": "+0.25"}
    text = " ".join(parser.text)
    assert "Sign NOT robust" in text and "36 runs" in text


def test_fmt():
    assert fmt(float("nan")) == "–" and fmt(0.0) == "0"
    assert fmt(1234.56) == "1,235" and fmt(123.45) == "123.5" and fmt(0.123456) == "0.123"


def test_scenario_order_puts_baseline_first(fake_batch):
    data = load_batch(fake_batch, baseline="base")
    assert data.scenarios[0] == "base"
    assert set(data.scenarios) == {"base", "pooling", "pooling-more"}


def test_bad_language_is_an_input_error(fake_batch, tmp_path):
    from kl_mobility.errors import InputError

    with pytest.raises(InputError, match="--lang"):
        write_report(fake_batch, tmp_path / "x", lang="fr")


def test_key_assumption_set_to_zero_shows_the_value_used():
    """A grid factor or WtW factor of 0 in a scenario means "derived": the table shows the
    value the run used. Recorded in the CO2 record: that value (400 g/kWh, 1 + 0.2 = 1.2);
    not recorded: the UBA factor of the scenario's grid_year (2010: 546 g/kWh) and 1 + the
    diesel upstream share of FACTS.md section 11 (1 + 0.16 = 1.16). Never 0."""
    from kl_mobility.emissions import GRID_G_PER_KWH
    from kl_mobility.report.content import key_assumptions
    from kl_mobility.report.i18n import texts

    scen = {"emissions": {"grid_g_per_kwh": 0.0, "fuel_wtw_factor": 0.0, "grid_year": 2010}}
    t = texts("en")

    def shown(co2):
        rows = key_assumptions({"a": scen}, ["a"], co2, t, "en")
        return {r["key"]: r["value"] for r in rows}

    assert GRID_G_PER_KWH[2010][0] == 546.0
    bare = shown({})
    assert bare["grid_g_per_kwh"] == "546" and bare["fuel_wtw_factor"] == "1.16"
    rec = shown({"grid_g_per_kwh": {"value": 400.0}, "diesel_upstream_share": {"value": 0.2}})
    assert rec["grid_g_per_kwh"] == "400" and rec["fuel_wtw_factor"] == "1.2"
