"""Sensitivity analysis: assumption values reach the scenario (and its reference case), the
Morris indices of a known function, and the plumbing on a small scenario (real runs,
resumable)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kl_mobility.config import ConfigError
from kl_mobility.network import default_osm_path
from kl_mobility.scenario import scenario_from_file
from kl_mobility.sensitivity import analyse, apply_values, morris_samples, run_sensitivity

SMALL = """\
name = "small"
seed = 3
[demand]
scale = 0.05
calibration_scenario = "small.toml"
[service]
start_s = 25200
end_s = 32400
[[fleet]]
name = "van"
count = 5
capacity = 6
[[fleet]]
name = "shuttle"
kind = "shuttle"
count = 1
energy_kwh_per_km = 0.147
"""


@pytest.fixture()
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_values_reach_the_scenario_and_its_reference_case(small):
    sc = scenario_from_file(small)
    out = apply_values(sc, {"car_park_search_centre_min": 5.0, "car_occupancy": 1.4,
                            "energy_kwh_per_km": 0.3})
    assert out.demand.car_park_search_centre_min == 5.0
    assert out.calibration_base is not None
    # the pivot point holds
    assert out.calibration_base.demand.car_park_search_centre_min == 5.0
    assert out.emissions.car_occupancy == 1.4
    kwh = {v.name: v.energy_kwh_per_km for v in out.fleet}
    assert kwh == {"van": 0.3, "shuttle": 0.147}  # vans only
    with pytest.raises(ConfigError, match="car_occupancy"):
        apply_values(sc, {"car_occupancy": 0.5})


def test_nested_and_integer_assumptions_are_set(small):
    """An attractor's weight and an outer district's headway are set by entry name (in the
    reference case too); an integer key takes the rounded value (25.4 -> 25); a profile
    (24 numbers) cannot be varied: one line naming the key."""
    from kl_mobility.errors import InputError

    sc = scenario_from_file(small)
    out = apply_values(sc, {"attractor_hauptbahnhof": 4000.0,
                            "headway_morlautern": 90.0, "stop_dwell_s": 25.4})
    weights = {a.name: a.weight for a in out.demand.attractors}
    assert weights["Hauptbahnhof"] == 4000.0 and weights["Stadtmitte"] == 3000.0
    assert out.calibration_base is not None
    assert {a.name: a.weight for a in out.calibration_base.demand.attractors}[
        "Hauptbahnhof"] == 4000.0
    heads = {z.name: z.bus_headway_min for z in out.demand.external_zones}
    assert heads["Morlautern"] == 90.0 and heads["Erlenbach"] == 60.0
    assert out.service.stop_dwell_s == 25
    with pytest.raises(InputError, match="demand.outbound_profile"):
        apply_values(sc, {"outbound_profile_peak": 0.2})


def test_morris_indices_of_a_linear_function():
    """y = 3 x car_occupancy: each elementary effect is 3 x the full range 0.3 = 0.9 (SALib
    scales the step to the range); fare has no effect; y > 0 everywhere: robust sign."""
    names = ["car_occupancy", "fare_eur"]
    X = morris_samples(names, 4, seed=0)
    assert X.shape == (4 * 3, 2)
    assert X[:, 0].min() >= 1.2 and X[:, 0].max() <= 1.5
    res = analyse(names, X, {"co2_city_net_kg": 3.0 * X[:, 0]})
    m = {r["assumption"]: r for r in res["outputs"]["co2_city_net_kg"]["morris"]}
    assert m["car_occupancy"]["mu_star"] == pytest.approx(0.9)
    assert m["fare_eur"]["mu_star"] == pytest.approx(0.0)
    assert res["sign_statement"].startswith("robust")
    mixed = analyse(names, X, {"co2_city_net_kg": X[:, 1] - 2.5})
    assert mixed["sign_statement"].startswith("NOT robust")
    nan = analyse(names, X, {"co2_city_net_kg": np.where(np.arange(12) == 0, np.nan, 1.0)})
    assert nan["outputs"]["co2_city_net_kg"]["morris"] is None
    assert nan["outputs"]["co2_city_net_kg"]["n"] == 11


@pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")
def test_sensitivity_plumbing_on_a_small_scenario(small, tmp_path):
    """2 assumptions x 2 trajectories = 6 real runs; every sample's value is in its
    resolved scenario; a second call skips every finished sample and gives the same
    record."""
    out = tmp_path / "sens"
    res = run_sensitivity(small, out, assumptions=["car_occupancy", "asc_ondemand_minus_bus"],
                          trajectories=2, workers=1)
    rec = res.record
    assert rec["runs"] == 6 and rec["failed"] == []
    assert len(res.samples) == 6 and (res.samples["status"] == "done").all()
    for row in res.samples.itertuples():
        sc = json.loads((out / row.sample / "3" / "scenario.json").read_text())
        assert sc["emissions"]["car_occupancy"] == pytest.approx(row.car_occupancy)
        assert sc["demand"]["asc_ondemand_minus_bus"] == pytest.approx(
            row.asc_ondemand_minus_bus)
        kpis = json.loads((out / row.sample / "3" / "kpis.json").read_text())
        assert kpis["co2_city_net_kg"] == pytest.approx(row.co2_city_net_kg)
    net = rec["outputs"]["co2_city_net_kg"]
    assert net["min"] <= net["p05"] <= net["p95"] <= net["max"]
    assert {r["assumption"] for r in net["morris"]} == {"car_occupancy",
                                                        "asc_ondemand_minus_bus"}
    assert (out / "sensitivity.json").is_file() and (out / "mu_star.png").is_file()
    again = run_sensitivity(small, out, assumptions=["car_occupancy",
                                                     "asc_ondemand_minus_bus"],
                            trajectories=2, workers=1)
    assert (again.samples["status"] == "skipped").all()
    assert again.record["outputs"] == rec["outputs"]
