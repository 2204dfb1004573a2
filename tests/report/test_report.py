"""The batch report: valid HTML, every scenario named, numbers equal to kpis.csv."""

from __future__ import annotations

import math
from html.parser import HTMLParser

import pandas as pd
import pytest

from kl_mobility.emissions import fleet_factors
from kl_mobility.report.html import fmt, load_batch, write_report
from kl_mobility.scenario import scenario_from_file

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class StrictParser(HTMLParser):
    """Checks that every non-void element is closed in order; collects data-value cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.cells: list[tuple[dict, str]] = []
        self._cell: dict | None = None
        self._text: list[str] = []
        self.doctype = False
        self.text: list[str] = []

    def handle_decl(self, decl):
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "td" and any(k == "data-value" for k, _ in attrs):
            self._cell, self._text = dict(attrs), []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]!r} at {self.getpos()}")
            return
        self.stack.pop()
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell, "".join(self._text)))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def report(fake_batch, grid):
    path = write_report(fake_batch, network=grid, baseline="base")
    parser = StrictParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return path, parser


def test_report_is_valid_self_contained_html(report):
    """Doctype, balanced tags, no external resources, images embedded as base64 PNG."""
    path, parser = report
    assert parser.doctype
    assert parser.errors == [] and parser.stack == []
    doc = path.read_text(encoding="utf-8")
    assert 'src="http' not in doc and "<link" not in doc and "<script" not in doc
    assert doc.count('src="data:image/png;base64,') == 4
    for name in ("co2", "wait_detour", "occupancy", "map"):
        png = path.parent / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_names_every_scenario(report, fake_batch):
    _, parser = report
    text = " ".join(parser.text)
    for scen in ("base", "pooling", "pooling-more"):
        assert scen in text
    assert "ASSUMPTION" in text  # the flagged assumptions are shown


def test_report_numbers_equal_kpis_csv(report):
    """Every table cell with a number carries data-value equal to kpis.csv (bit for bit)
    and shows fmt() of it; both KPI tables cover every scenario."""
    path, parser = report
    kpis = pd.read_csv(path.parent / "kpis.csv").set_index(["scenario", "kpi"])
    assert parser.cells
    seen = set()
    for attrs, shown in parser.cells:
        expected = kpis.loc[(attrs["data-scenario"], attrs["data-kpi"]), attrs["data-field"]]
        value = float(attrs["data-value"])
        assert (math.isnan(value) and math.isnan(expected)) or value == expected
        assert shown.startswith(fmt(value))
        seen.add((attrs["data-scenario"], attrs["data-field"]))
    for scen in ("base", "pooling", "pooling-more"):
        assert (scen, "mean") in seen and (scen, "delta_vs_baseline") in seen


def test_kpis_and_co2_by_hand(report, scenario_dir):
    """pooling: one e-van drives 0.4 km at 0.281 kWh/km x 363 g/kWh = 40.8012 g; the car
    trip replaces 0.4 km x 215.6 g = 86.24 g; the bus trip diverts 2 x 0.8 = 1.6 pkm x 83 g =
    132.8 g; net = 40.8012 - 86.24 - 132.8 = -178.2388 g, same for both seeds. The mean wait
    over seeds: seed 0 (60+240)/2 = 150, seed 1 (90+240)/2 = 165 -> 157.5, delta to base
    (NaN, no service) is NaN."""
    path, _ = report
    k = pd.read_csv(path.parent / "kpis.csv").set_index(["scenario", "kpi"])
    assert k.loc[("pooling", "co2_fleet_co2_kg"), "mean"] == pytest.approx(0.0408012)
    assert k.loc[("pooling", "co2_net_co2_kg"), "mean"] == pytest.approx(-0.1782388)
    assert k.loc[("pooling", "co2_net_co2_kg"), "delta_vs_baseline"] == pytest.approx(
        -0.1782388)
    assert k.loc[("pooling", "wait_mean_s"), "mean"] == 157.5
    assert k.loc[("pooling", "wait_mean_s"), "n"] == 2
    assert k.loc[("base", "co2_net_co2_kg"), "mean"] == 0.0
    shuttle = fleet_factors(scenario_from_file(scenario_dir / "pooling-more.toml").fleet)["shuttle"]
    assert k.loc[("pooling-more", "co2_kg__shuttle"), "mean"] == pytest.approx(
        0.4 * shuttle.g_per_vkm / 1000)


def test_tidy_tables_have_scenario_and_seed(report):
    path, _ = report
    trips = pd.read_parquet(path.parent / "trips.parquet")
    vehicles = pd.read_parquet(path.parent / "vehicles.parquet")
    assert len(trips) == 3 * 3 * 2 and set(trips["seed"]) == {0, 1}
    assert set(vehicles["scenario"]) == {"pooling", "pooling-more"}


def test_fmt():
    assert fmt(float("nan")) == "–" and fmt(0.0) == "0"
    assert fmt(1234.56) == "1,235" and fmt(123.45) == "123.5" and fmt(0.123456) == "0.123"


def test_scenario_order_puts_baseline_first(fake_batch):
    data = load_batch(fake_batch, baseline="base")
    assert data.scenarios[0] == "base"
    assert set(data.scenarios) == {"base", "pooling", "pooling-more"}
