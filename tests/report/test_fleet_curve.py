"""Fleet-size curves in the report: the tables by hand, the answers, the figure and the
one-line errors of --fleet-curve (records of conftest.CURVE_ROWS)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from kl_mobility.cli import main
from kl_mobility.errors import InputError
from kl_mobility.report import fleetcurve as F
from kl_mobility.report.i18n import texts

KEY = "pooling/van/share_served>=0.9"


def test_curve_table_means_and_intervals_by_hand(fake_curves):
    """Size 2, both seeds: share 0.92 and 0.86 -> mean 0.89, std 0.06 / sqrt(2) = 0.042426,
    half width t(0.975, 1) x std / sqrt(2) = 12.7062 x 0.03 = 0.381186. Size 3, seed 2
    only: 0.91, no interval. Net CO2 at 4: (-40 - 60) / 2 = -50 kg."""
    curves = F.load_curves([fake_curves])
    assert [c.key for c in curves] == [KEY] and curves[0].seeds == [1, 2]
    t = F.curve_table(curves).set_index(["count", "kpi"])
    r = t.loc[(2, "share_served")]
    assert r["n_seeds"] == 2 and r["seeds"] == "1;2"
    assert r["mean"] == pytest.approx(0.89)
    assert r["ci95_low"] == pytest.approx(0.89 - 0.381186, abs=1e-6)
    assert r["ci95_high"] == pytest.approx(0.89 + 0.381186, abs=1e-6)
    r = t.loc[(3, "share_served")]
    assert r["n_seeds"] == 1 and r["mean"] == 0.91 and math.isnan(r["ci95_low"])
    assert t.loc[(4, "co2_city_net_kg"), "mean"] == -50.0
    assert sorted({c for c, _ in t.index}) == [1, 2, 3, 4]


def test_answers_per_seed_and_of_the_mean_curve(fake_curves):
    """Seed 1 answered 2, seed 2 answered 3. Mean curve: 1 -> 0.45, 2 -> 0.89 (< 0.9),
    3 -> 0.91, 4 -> 0.965: the smallest size meeting 0.9 with every larger one meeting it
    is 3."""
    curves = F.load_curves([fake_curves])
    table = F.curve_table(curves)
    a = F.answer_table(curves, table).set_index("seed")
    assert a.loc["1", "answer"] == 2 and a.loc["2", "answer"] == 3
    assert a.loc["mean", "answer"] == 3 and a.loc["mean", "reference"] == "base"


def test_mean_curve_not_reached_and_bumpy(fake_curves):
    """A mean that meets the target only below a size that fails gives no answer there:
    sizes 1..3 with means 0.95, 0.5, 0.95 -> the answer is 3, not 1; all below -> None."""
    curve = F.load_curves([fake_curves])[0]
    rows = pd.DataFrame({"curve": KEY, "kpi": "share_served", "count": [1, 2, 3],
                         "mean": [0.95, 0.5, 0.95]})
    assert F.mean_curve_answer(rows, curve) == 3
    assert F.mean_curve_answer(rows.assign(mean=0.5), curve) is None


def test_target_in_words():
    t_de, t_en = texts("de"), texts("en")
    share = {"kpi": "share_served", "op": ">=", "value": 0.95}
    assert F.target_text(share, t_en, "en") == "served \u2265 95.0 %"
    assert F.target_text(share, t_de, "de") == "bedient \u2265 95,0 %"
    wait = {"kpi": "wait_mean_s", "op": "<=", "value": 600.0}
    assert F.target_text(wait, t_en, "en") == "mean wait \u2264 10.0 min"


def test_figure_has_labelled_axes_target_and_answer(fake_curves):
    """Three panels; the share panel carries the target line (90 %) and every panel the
    answer (3); axis labels with units."""
    curves = F.load_curves([fake_curves])
    table = F.curve_table(curves)
    answers = F.answer_table(curves, table)
    fig = F.curve_figure(table, answers, curves[0], texts("en"), "en")
    axes = fig.get_axes()
    assert [a.get_ylabel() for a in axes] == ["requests served (%)", "mean wait (min)",
                                              "net CO2e (t/day)"]
    assert axes[-1].get_xlabel() == "fleet size (vehicles 'van')"
    share_lines = {tuple(line.get_ydata()) for line in axes[0].get_lines()}
    assert (90.0, 90.0) in share_lines  # the target
    assert all((3.0, 3.0) in {tuple(line.get_xdata()) for line in a.get_lines()} for a in axes)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_bad_records_are_one_line_errors(fake_curves, tmp_path):
    with pytest.raises(InputError, match="file not found"):
        F.load_curves([tmp_path / "nothing.json"])
    with pytest.raises(InputError, match="no fleet-size record"):
        F.load_curves([tmp_path])
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"kind": "other"}))
    with pytest.raises(InputError, match="not a fleet-size record"):
        F.load_curves([bad])
    with pytest.raises(InputError, match="is also in"):  # the same seed twice
        F.load_curves([fake_curves, fake_curves / "pooling-s1.json"])
    rec = json.loads((fake_curves / "pooling-s1.json").read_text())
    rec["csv"] = "gone.csv"
    lost = tmp_path / "lost.json"
    lost.write_text(json.dumps(rec))
    with pytest.raises(InputError, match="gone.csv is missing"):
        F.load_curves([lost])
    old = tmp_path / "old.csv"
    pd.read_csv(fake_curves / "pooling-s1.csv").drop(columns=["co2_city_net_kg"]).to_csv(
        old, index=False)
    rec["csv"] = "old.csv"
    (tmp_path / "old.json").write_text(json.dumps(rec))
    with pytest.raises(InputError, match="co2_city_net_kg missing"):
        F.load_curves([tmp_path / "old.csv"])  # the CSV given: its record beside it


def test_cli_report_with_a_bad_fleet_curve_is_exit_2(fake_batch, tmp_path, capsys):
    rc = main(["report", str(fake_batch), "--out", str(tmp_path / "r"), "--baseline", "base",
               "--fleet-curve", str(tmp_path / "missing.json")])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.json" in err[0]
    assert not (tmp_path / "r").exists()
