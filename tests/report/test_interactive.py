"""The offline interactive map (``--interactive``): self-contained (no resource from
elsewhere), the layers per scenario, the district figures equal to districts.csv, legend,
scale bar and attribution, and the link from the report."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from kl_mobility.report.html import INTERACTIVE_FILE, write_report
from kl_mobility.report.units import UNITS, format_number


class Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self._in = a.get("id") if tag == "script" else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "data":
            self.data.append(data)


@pytest.fixture(scope="module", params=["en", "de"])
def page(request, fake_batch, grid, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"im-{request.param}")
    path = write_report(fake_batch, out, network=grid, baseline="base", lang=request.param,
                        dpi=40, interactive=True)
    doc = (out / INTERACTIVE_FILE).read_text(encoding="utf-8")
    p = Collect()
    p.feed(doc)
    return path, doc, p, request.param


def test_self_contained_nothing_from_elsewhere(page):
    """No attribute points anywhere (no src, no href, no url() in styles); the scripts are
    inline; the page says nothing of http, https or a protocol-relative address."""
    _, doc, p, _ = page
    for tag, attrs in p.tags:
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
    assert not re.search(r"https?:|//[a-z]|url\(|@import", doc, re.IGNORECASE)
    assert doc.count("<script") == 2  # the data and the code, both inline


def test_layers_per_scenario_legend_scale_attribution(page, fake_batch):
    """The fake runs: scenarios with requests base, pooling, pooling-more (base's 3 requests,
    none served) -> three vehicle-km and three request layers; pooling drives 2 segments
    (0-1, 1-2) at 0.2 km each, all below 1 km: one class, one path; request cells: the
    origins at nodes 0 (2 requests) and 4 (1, 283 m away) share one 500 m cell: 3 requests
    per weekday in both seeds, 2 of 3 served = 66.7 %, radius 0.48 x 500 m x sqrt(3 / 3)
    = 240 m."""
    _, doc, p, lang = page
    vkm = [a for t, a in p.tags if t == "g" and "vkm" in a.get("class", "")]
    req = [a for t, a in p.tags if t == "g" and "req" in a.get("class", "")]
    assert [a["data-scenario"] for a in vkm] == ["base", "pooling", "pooling-more"]
    assert [a["data-scenario"] for a in req] == ["base", "pooling", "pooling-more"]
    cells = re.findall(r'<g class="layer req" data-scenario="pooling" id="req-1">(.*?)</g>', doc)
    assert len(re.findall("<circle", cells[0])) == 1 and 'r="240.0"' in cells[0]
    assert ("3.0 requests/day, 66.7 % served (500 m cell)" if lang == "en" else
            "3,0 Anfragen/Tag, 66,7 % bedient (500-m-Zelle)") in cells[0]
    paths = re.findall(r'<g class="layer vkm" data-scenario="pooling" id="vkm-1">(.*?)</g>',
                       doc)
    assert paths[0].count("<path") == 1
    assert "© OpenStreetMap contributors, ODbL" in doc
    ids = {a.get("id") for _, a in p.tags}
    assert {"legend", "scale", "scalebar", "north", "zin", "zout", "scen"} <= ids


def test_district_figures_equal_districts_csv(page):
    """The click panel's figures are districts.csv's means (and intervals) in the report's
    units: pooling, Kernstadt 67655: wait 1.5 min [0; 7.9]."""
    path, _, p, lang = page
    data = json.loads("".join(p.data))
    d = pd.read_csv(path.parent / "districts.csv")
    rows = dict(data["districts"]["Kernstadt 67655"]["pooling"])
    r = d[(d.scenario == "pooling") & (d.district == "Kernstadt 67655")
          & (d.kpi == "wait_mean_min")].iloc[0]
    u = UNITS["min_direct"]
    from kl_mobility.report.i18n import texts

    key = texts(lang)["k_wait_mean"]
    expected = (f"{format_number(r['mean'], u.decimals, lang)} "
                f"[{format_number(r['ci95_low'], u.decimals, lang)}; "
                f"{format_number(r['ci95_high'], u.decimals, lang)}] min")
    assert rows[key] == expected
    assert expected.startswith("1.5 [0.0; 7.9]" if lang == "en" else "1,5 [0,0; 7,9]")


def test_report_links_the_map(page):
    path, _, _, _ = page
    doc = path.read_text(encoding="utf-8")
    assert f'<a href="{INTERACTIVE_FILE}">' in doc


def test_no_network_no_map_and_the_report_says_so(fake_batch, grid, tmp_path, monkeypatch):
    """When the runs' road network cannot be loaded (``_load_network`` gives ``None``, as
    for a network that does not match the runs): no interactive map file, and the report
    names why instead of dropping it silently."""
    import kl_mobility.report.html as report_html
    from kl_mobility.report.i18n import texts

    monkeypatch.setattr(report_html, "_load_network", lambda data, network: None)
    path = write_report(fake_batch, tmp_path / "out", network=grid,
                        baseline="base", lang="en", dpi=40, interactive=True)
    assert not (path.parent / INTERACTIVE_FILE).exists()
    import html

    assert texts("en")["im_none_net"] in html.unescape(path.read_text(encoding="utf-8"))
