"""The report's headline: net city-wide CO2 with its terms and the sensitivity band."""

from __future__ import annotations

import json

import pandas as pd

from kl_mobility.report.headline import find_sensitivity, headline_html


def test_headline_shows_terms_band_and_assumptions(tmp_path):
    batch = tmp_path / "klima"
    (batch / "pkg" / "1").mkdir(parents=True)
    (batch / "pkg" / "1" / "co2.json").write_text(json.dumps({"citywide": {
        "conventions": {"bus_convention": {"value": "marginal", "source": "default"}},
        "assumptions": {"car_occupancy": {"value": 1.2, "source": "FACTS.md 3"}}}}))
    sens = tmp_path / "pkg-sensitivity"
    sens.mkdir()
    (sens / "sensitivity.json").write_text(json.dumps({
        "scenario": "pkg", "runs": 36, "sign_statement": "NOT robust: ...",
        "outputs": {"co2_city_net_kg": {"p05": -900.0, "p95": 250.0}}}))
    summary = pd.DataFrame({"scenario": ["pkg"] * 3, "kpi": [
        "co2_city_net_kg", "co2_city_car_change_kg", "co2_city_fleet_kg"],
        "mean": [-450.0, -3107.0, 2657.0]})
    found = find_sensitivity(batch)
    assert set(found) == {"pkg"}
    out = headline_html(summary, ["pkg"], batch, found)
    assert "-450" in out and "-3,107" in out and "+2,657" in out
    assert "-900 … +250 (5–95 %, 36 Morris runs)" in out and "NOT robust" in out
    assert "car_occupancy" in out and "FACTS.md 3" in out
    assert "in-commuters" in out  # what the figure leaves out, next to it
    # no city-wide figures (an older run): no headline
    assert headline_html(summary.assign(kpi="x"), ["pkg"], batch, found) == ""


def test_unreadable_sensitivity_record_is_named(tmp_path, caplog):
    """A broken sensitivity.json given on purpose is an input error naming the file; one
    found beside the batch is left out with a warning naming it, the others still found."""
    import pytest

    from kl_mobility.errors import InputError

    batch = tmp_path / "klima"
    batch.mkdir()
    bad = tmp_path / "a-sensitivity"
    bad.mkdir()
    (bad / "sensitivity.json").write_text("{not json")
    good = tmp_path / "b-sensitivity"
    good.mkdir()
    (good / "sensitivity.json").write_text(json.dumps({"scenario": "b"}))
    with pytest.raises(InputError, match="a-sensitivity/sensitivity.json"):
        find_sensitivity(batch, [bad])
    with caplog.at_level("WARNING"):
        assert set(find_sensitivity(batch)) == {"b"}
    assert "a-sensitivity/sensitivity.json" in caplog.text
