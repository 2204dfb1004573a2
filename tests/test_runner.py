"""End-to-end runs of a small scenario on the Kaiserslautern network.

The scenario (written by the fixture) has 5 % of the calibrated demand, 5 vans and a
two-hour service window (07:00-09:00), so a run takes a few seconds.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from kl_mobility.cli import main
from kl_mobility.context import RunContext
from kl_mobility.network import default_osm_path
from kl_mobility.runner import run_scenario
from kl_mobility.scenario import scenario_from_file

pytestmark = pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")

SMALL = """\
name = "small"
seed = 3
[demand]
scale = 0.05
[service]
start_s = 25200
end_s = 32400
[[fleet]]
name = "van"
count = 5
capacity = 6
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "small.toml"
    path.write_text(SMALL)
    return scenario_from_file(path)


@pytest.fixture(scope="module")
def run_a(small, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "a"
    return out, run_scenario(small, 3, out)


def test_run_writes_every_output_and_accounts_every_request(run_a):
    out, kpis = run_a
    for name in ("trips.parquet", "vehicles.parquet", "edges.parquet", "occupancy.parquet",
                 "events.parquet", "kpis.json", "co2.json", "costs.json", "demand.json",
                 "run.json", "scenario.json"):
        assert (out / name).is_file(), name
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left
    trips = pd.read_parquet(out / "trips.parquet")
    demand = json.loads((out / "demand.json").read_text())
    # every generated request ends in exactly one final state
    assert len(trips) == kpis["n_requests"] == demand["summary"]["requests"]
    assert trips["request_id"].is_unique
    assert kpis["n_served"] + kpis["n_rejected"] + kpis["n_cancelled"] == kpis["n_requests"]
    assert (trips["status"] == "served").sum() == kpis["n_served"]
    assert json.loads((out / "kpis.json").read_text())["n_served"] == kpis["n_served"]
    vehicles = pd.read_parquet(out / "vehicles.parquet")
    assert len(vehicles) == 5
    assert vehicles["km_total"].sum() == pytest.approx(kpis["vehicle_km"])
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 3 and run["scenario"] == "small"


def test_run_costs_follow_from_its_own_tables(run_a):
    """costs.json of the small run: 5 electric vans at the default prices. Staff per
    vehicle-hour 20 x 1.25 x 1.15 = 28.75 EUR; capital 53,990 x annuity(3 %, 6 y)
    0.184598 / 365 = 27.305 EUR per van-day; the fare 2.5 EUR / 1.07 per served person."""
    out, kpis = run_a
    costs = json.loads((out / "costs.json").read_text())
    vehicles = pd.read_parquet(out / "vehicles.parquet")
    trips = pd.read_parquet(out / "trips.parquet")
    (van,) = costs["by_type"]
    assert van["count"] == 5
    assert van["capital_eur"] == pytest.approx(5 * 27.305, rel=1e-4)
    assert van["staff_eur"] == pytest.approx(vehicles["hours_in_service"].sum() * 28.75)
    assert van["energy_eur"] == pytest.approx(vehicles["energy_kwh"].sum() * 0.3052)
    assert van["maintenance_eur"] == pytest.approx(vehicles["km_total"].sum() * 0.10)
    persons = trips.loc[trips["status"] == "served", "passengers"].sum()
    t = costs["totals"]
    assert t["fare_revenue_eur"] == pytest.approx(persons * 2.5 / 1.07)
    assert t["cost_eur_per_trip"] == pytest.approx(t["cost_total_eur"] / persons)
    assert kpis["econ_subsidy_eur"] == pytest.approx(t["cost_total_eur"] - t["fare_revenue_eur"])


def test_same_seed_same_results_other_seed_differs(small, run_a, tmp_path):
    out_a, kpis_a = run_a
    kpis_b = run_scenario(small, 3, tmp_path / "b")
    ta = pd.read_parquet(out_a / "trips.parquet")
    tb = pd.read_parquet(tmp_path / "b" / "trips.parquet")
    pd.testing.assert_frame_equal(ta, tb)
    ea = pd.read_parquet(out_a / "events.parquet")
    eb = pd.read_parquet(tmp_path / "b" / "events.parquet")
    pd.testing.assert_frame_equal(ea, eb)
    run_scenario(small, 4, tmp_path / "c")
    tc = pd.read_parquet(tmp_path / "c" / "trips.parquet")
    assert not (len(ta) == len(tc) and ta["request_time_s"].equals(tc["request_time_s"]))
    # a rerun into an existing folder replaces it whole
    kpis_d = run_scenario(small, 3, tmp_path / "b")
    assert kpis_d["n_served"] == kpis_b["n_served"] == kpis_a["n_served"]


def test_outputs_section_switches_files_off(tmp_path):
    path = tmp_path / "lean.toml"
    path.write_text(SMALL.replace('name = "small"', 'name = "lean"')
                    + "[outputs]\nevent_log = false\nedges = false\n")
    kpis = run_scenario(scenario_from_file(path), 3, tmp_path / "out")
    assert not (tmp_path / "out" / "events.parquet").exists()
    assert not (tmp_path / "out" / "edges.parquet").exists()
    trips = pd.read_parquet(tmp_path / "out" / "trips.parquet")
    assert len(trips) == kpis["n_requests"]


def test_cli_run_prints_kpis(small, tmp_path, capsys):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    rc = main(["run", str(path), "--seed", "3", "--out", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "share served" in out and "NET city-wide CO2e change (kg/day)" in out
    assert "in-commuters" in out  # what the figure leaves out is printed next to it
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert f"{kpis['n_requests']:,}" in out
    # one round (the default) whose assumed service is not what 5 vans deliver
    assert "WARNING: demand and service did NOT agree within 1 round(s)" in out


def test_cli_run_bad_scenario_is_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.replace("max_wait", "x").replace("count = 5", "cuont = 5"))
    rc = main(["run", str(path), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and "bad.toml" in err[0] and "cuont" in err[0]


SHUTTLE = """\
name = "shuttle-small"
seed = 3
[demand]
scale = 1.0
[service]
start_s = 25200
end_s = 32400
[[fleet]]
name = "shuttle"
kind = "shuttle"
count = 2
capacity = 15
stop_based = true
stops_latlon = [[49.4365, 7.7677], [49.4241, 7.7554], [49.4249, 7.7494], [49.43111, 7.75177]]
[[fleet]]
name = "night"
count = 2
start_s = 68400
end_s = 86400
"""


@pytest.fixture(scope="module")
def shuttle_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "shuttle-small.toml"
    path.write_text(SHUTTLE)
    out = tmp_path_factory.mktemp("runs") / "shuttle"
    return scenario_from_file(path), out, run_scenario(scenario_from_file(path), 3, out)


def test_stop_based_run_generates_requests_only_near_its_stops(shuttle_run):
    """Four explicit stops (Hbf bus stops, RPTU Uni Ost / West, PRE-Uni-Park; FACTS.md
    section 2), 07:00-09:00, plus door-to-door night vans (19-24 h) that are off then: every
    request lies within 600 m walk of two different stops (no ``no_stop``), nothing is
    ``outside_hours``, the night vans neither serve nor drive. Trips of the outer districts
    are not offered the shuttle even where a district's boundary node lies near a stop
    (Moelschbach, next to Uni West): the district itself is kilometres from any stop."""
    from kl_mobility.runner import prepare_network, scenario_stops
    from kl_mobility.sim.config import ServiceConfig
    from kl_mobility.sim.travel import nearest_stop

    sc, out, kpis = shuttle_run
    trips = pd.read_parquet(out / "trips.parquet")
    assert kpis["n_requests"] == len(trips) > 0
    external = (trips["origin_offset_s"] > 0) | (trips["dest_offset_s"] > 0)
    assert not external.any()
    assert not trips["reason"].isin(["no_stop", "outside_hours"]).any()
    assert set(trips.loc[trips["status"] == "served", "vehicle_type"]) == {"shuttle"}
    vehicles = pd.read_parquet(out / "vehicles.parquet")
    assert vehicles.loc[vehicles["vehicle_type"] == "night", "km_total"].sum() == 0.0
    net, _ = prepare_network(sc)
    stops = scenario_stops(sc, net)
    assert list(stops) == ["shuttle"] and stops["shuttle"].size == 4
    x, y = net.node_x, net.node_y
    so, _ = nearest_stop(stops["shuttle"], x, y, trips["origin_node"].to_numpy(np.int64),
                         ServiceConfig())
    sd, _ = nearest_stop(stops["shuttle"], x, y, trips["dest_node"].to_numpy(np.int64),
                         ServiceConfig())
    assert (so >= 0).all() and (sd >= 0).all() and (so != sd).all()


def test_stop_far_from_the_network_is_an_error_naming_it(shuttle_run, tmp_path, capsys):
    """A stop at 49.30, 7.60 (about 15 km south-west of the extract) is not snapped."""
    sc, _, _ = shuttle_run
    path = tmp_path / "far.toml"
    path.write_text(SHUTTLE.replace("[49.4241, 7.7554]", "[49.30, 7.60]"))
    rc = main(["run", str(path), "--quiet", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1
    assert "fleet.shuttle.stops_latlon[1]" in err[0] and "49.3" in err[0]
    assert not (tmp_path / "out").exists()


def test_service_area_only_where_a_type_restricts(small, shuttle_run):
    """Door-to-door vans in the service hours: no area (demand as before); the shuttle
    scenario: one entry per active type, stops for the shuttle only."""
    from kl_mobility.runner import prepare_network, service_area

    sc, _, _ = shuttle_run
    net, _ = prepare_network(sc)
    assert service_area(small, net) is None
    area = service_area(sc, net)
    assert area.start_s == (25200, 68400) and area.end_s == (32400, 86400)
    assert area.stops_xy[0].shape == (4, 2) and area.stops_xy[1] is None


def test_rebalancing_forecast_comes_from_the_demand_model_not_the_day(small, tmp_path,
                                                                      monkeypatch):
    """With ``policy = "rebalancing"`` the runner passes ``simulate`` a forecast drawn from
    the demand model with its own seed (``forecast_seed``): a different set of requests
    than the realised ones, the same for the same seed (and the run bit for bit); other
    policies get no forecast."""
    import kl_mobility.sim
    from kl_mobility.runner import (
        forecast_seed,
        prepare_network,
        rebalancing_forecast,
        scenario_requests,
    )

    path = tmp_path / "rebal.toml"
    path.write_text(SMALL.replace('name = "small"', 'name = "rebal"')
                    + '[dispatch]\npolicy = "rebalancing"\n')
    sc = scenario_from_file(path)
    net, oracle = prepare_network(sc)
    assert rebalancing_forecast(RunContext.of(small, net, oracle), seed=3) is None
    assert forecast_seed(3) == forecast_seed(3) != forecast_seed(4)
    assert forecast_seed(3) != 3

    seen = []
    real = kl_mobility.sim.simulate

    def spy(inputs, **kw):
        seen.append((inputs.requests, inputs.forecast))
        return real(inputs, **kw)

    monkeypatch.setattr(kl_mobility.sim, "simulate", spy)
    kpis_a = run_scenario(sc, 3, tmp_path / "a")
    kpis_b = run_scenario(sc, 3, tmp_path / "b")
    (req_a, fc_a), (req_b, fc_b) = seen
    assert list(fc_a.columns) == ["time_s", "origin_node"] and len(fc_a) > 0
    realised = pd.DataFrame({"time_s": req_a["request_time_s"].to_numpy(np.int64),
                             "origin_node": req_a["origin_node"].to_numpy(np.int64)})
    assert not (len(fc_a) == len(realised) and fc_a.equals(realised))
    assert (fc_a.sort_values(list(fc_a.columns)).to_numpy().tolist()
            != realised.sort_values(list(realised.columns)).to_numpy().tolist())
    # the forecast is the demand model's day under the forecast seed
    expected, _ = scenario_requests(RunContext.of(sc, net, oracle), seed=forecast_seed(3))
    assert fc_a["time_s"].tolist() == expected["request_time_s"].tolist()
    pd.testing.assert_frame_equal(fc_a, fc_b)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "events.parquet"),
                                  pd.read_parquet(tmp_path / "b" / "events.parquet"))
    assert kpis_a["n_served"] == kpis_b["n_served"]
    events = pd.read_parquet(tmp_path / "a" / "events.parquet")
    assert (events["kind"] == "rebalance").any()  # idle vans moved toward the forecast
    demand = json.loads((tmp_path / "a" / "demand.json").read_text())
    assert demand["forecast_seed"] == forecast_seed(3)
    assert demand["iterations"][0]["forecast_requests"] == len(fc_a)


ROUNDS = SMALL.replace('name = "small"', 'name = "rounds"').replace(
    "scale = 0.05\n", "scale = 0.05\nservice_iterations = 6\nservice_requests_tol = 0.1\n"
    "service_level_tol = 0.1\n")


@pytest.fixture(scope="module")
def rounds_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "rounds.toml"
    path.write_text(ROUNDS)
    out = tmp_path_factory.mktemp("runs") / "rounds"
    sc = scenario_from_file(path)
    return sc, out, run_scenario(sc, 3, out)


def test_demand_rounds_contract_and_stop_at_the_tolerance(rounds_run):
    """The small scenario with up to 6 demand <-> service rounds and 10 % tolerances (about
    50-80 requests: one request is 1-2 %): round 0 (assumed service, every request served)
    asks for far more than the 5 vans serve; each further round halves the way to the
    response, the request gap shrinks every round, and the rounds stop at the first round
    within both tolerances, before the 6th. Every round is in demand.json; the KPIs carry
    the count and the flag; the result is the last round's."""
    sc, out, kpis = rounds_run
    demand = json.loads((out / "demand.json").read_text())
    rows = demand["iterations"]
    assert demand["converged"] is True and demand["rounds"] == len(rows) < 6
    assert demand["max_rounds"] == 6 and demand["requests_tol"] == 0.1
    assert kpis["demand_rounds"] == len(rows) and kpis["demand_converged"] == 1
    assert json.loads((out / "kpis.json").read_text())["demand_rounds"] == len(rows)
    gaps = [abs(r["requests_gap"]) for r in rows]
    # contracting (a gap of 0 cannot shrink further)
    assert all(b < a or b == 0.0 for a, b in zip(gaps, gaps[1:]))
    assert rows[0]["requests_gap"] < 0  # the assumed level is optimistic
    assert [r["converged"] for r in rows] == [False] * (len(rows) - 1) + [True]
    last = rows[-1]
    assert abs(last["requests_gap"]) <= 0.1 and last["level_gap"] <= 0.1
    for r in rows[:-1]:
        assert abs(r["requests_gap"]) > 0.1 or r["level_gap"] > 0.1
    assert [r["step"] for r in rows] == [None] + [0.5] * (len(rows) - 1)
    # gap = (response - requests) / max(response, requests)
    r0 = rows[0]
    assert r0["requests_gap"] == pytest.approx(
        (r0["response_requests"] - r0["requests"]) / max(r0["response_requests"], r0["requests"]))
    assert kpis["demand_requests_gap"] == last["requests_gap"]
    trips = pd.read_parquet(out / "trips.parquet")
    assert len(trips) == kpis["n_requests"] == last["requests"] == demand["summary"]["requests"]


def test_demand_rounds_are_deterministic(rounds_run, tmp_path):
    sc, out, kpis = rounds_run
    again = run_scenario(sc, 3, tmp_path / "again")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "trips.parquet"),
                                  pd.read_parquet(tmp_path / "again" / "trips.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "events.parquet"),
                                  pd.read_parquet(tmp_path / "again" / "events.parquet"))
    a = json.loads((out / "demand.json").read_text())
    b = json.loads((tmp_path / "again" / "demand.json").read_text())
    assert a == b
    assert {k: v for k, v in again.items() if k != "runtime_s"} == \
        {k: v for k, v in kpis.items() if k != "runtime_s"}


def test_unconverged_rounds_warn_and_say_so(tmp_path, capsys, caplog):
    """Two rounds with a 0.1 % request tolerance cannot agree (one request is 1-2 %): the
    run logs a warning, the KPIs say 0, and ``kl-mobility run`` prints it."""
    path = tmp_path / "strict.toml"
    path.write_text(ROUNDS.replace("service_iterations = 6", "service_iterations = 2")
                    .replace("service_requests_tol = 0.1", "service_requests_tol = 0.001"))
    with caplog.at_level("WARNING", logger="kl_mobility.runner"):
        rc = main(["run", str(path), "--seed", "3", "--out", str(tmp_path / "out"),
                   "--quiet"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "did NOT agree within 2 round(s)" in printed
    assert any("did not agree within 2 rounds" in r.getMessage() for r in caplog.records)
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert kpis["demand_rounds"] == 2 and kpis["demand_converged"] == 0
    demand = json.loads((tmp_path / "out" / "demand.json").read_text())
    assert demand["converged"] is False and len(demand["iterations"]) == 2


def test_default_is_one_round_and_says_whether_it_agrees(run_a):
    """The small scenario keeps the default of one round (``service_iterations = 1``): the
    requests of the assumed service level are the result, and the flag says that they do
    not agree with the service measured (the assumed level serves everyone; 5 vans do not)."""
    out, kpis = run_a
    demand = json.loads((out / "demand.json").read_text())
    (row,) = demand["iterations"]
    assert demand["max_rounds"] == 1 and kpis["demand_rounds"] == 1
    assert row["requests_gap"] < -0.02 and row["share_served"] < 1.0
    assert kpis["demand_converged"] == 0 and demand["converged"] is False


def test_requests_file_is_one_round_in_agreement(small, tmp_path, capsys):
    """Requests read from a file do not respond to the service: one round however many
    are allowed, in agreement by definition, and the CLI says why."""
    from kl_mobility.demand import requests_to_parquet
    from kl_mobility.runner import prepare_network, scenario_requests

    net, oracle = prepare_network(small)
    req, _ = scenario_requests(RunContext.of(small, net, oracle), seed=3)
    requests_to_parquet(req, tmp_path / "req.parquet")
    path = tmp_path / "file.toml"
    path.write_text(ROUNDS.replace('name = "rounds"', 'name = "file"').replace(
        "[demand]\n", f'[demand]\nrequests_file = "{tmp_path / "req.parquet"}"\n'))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert "demand rounds: 1 (the requests do not depend on the service)" in \
        capsys.readouterr().out
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert kpis["demand_rounds"] == 1 and kpis["demand_converged"] == 1
    assert kpis["n_requests"] == len(req)


def test_rebalancing_forecast_follows_the_demand_rounds(tmp_path):
    """With rounds, the rebalancing forecast (its own seed) moves with the demand: each
    round has one, moved towards the measured level by the same step as the requests, and
    it shrinks from the optimistic first round as the requests do."""
    path = tmp_path / "rebal-rounds.toml"
    path.write_text(ROUNDS.replace('name = "rounds"', 'name = "rebal-rounds"')
                    + '[dispatch]\npolicy = "rebalancing"\n')
    run_scenario(scenario_from_file(path), 3, tmp_path / "out")
    rows = json.loads((tmp_path / "out" / "demand.json").read_text())["iterations"]
    assert len(rows) > 1
    fc = [r["forecast_requests"] for r in rows]
    assert all(n > 0 for n in fc) and fc[-1] < fc[0]
    assert rows[-1]["requests"] < rows[0]["requests"]


def test_settle_demand_is_the_runs_last_round(rounds_run):
    """``settle_demand`` runs the same rounds as ``run_scenario`` (same seed): its requests
    are the reported day (the run's trips table, request by request), not the first
    round's (the assumed level asks for more), its history is demand.json's, and its last
    simulation gives the run's KPIs."""
    from kl_mobility.runner import prepare_network, scenario_requests, settle_demand

    sc, out, kpis = rounds_run
    net, oracle = prepare_network(sc)
    settled = settle_demand(RunContext.of(sc, net, oracle), seed=3)
    trips = pd.read_parquet(out / "trips.parquet").sort_values("request_id")
    req = settled.requests.sort_values("request_id")
    assert req["request_id"].tolist() == trips["request_id"].tolist()
    for col in ("request_time_s", "origin_node", "dest_node", "passengers"):
        assert req[col].tolist() == trips[col].tolist(), col
    demand = json.loads((out / "demand.json").read_text())
    assert settled.n_rounds == demand["rounds"] > 1 and settled.feedback
    assert settled.final_round == demand["iterations"][-1]["iteration"] == settled.n_rounds - 1
    assert settled.converged is demand["converged"] is True
    assert json.loads(json.dumps(settled.history)) == demand["iterations"]
    assert settled.summary["requests"] == demand["summary"]["requests"] == len(req)
    assert settled.result.kpis["n_served"] == kpis["n_served"]
    assert settled.service_level.share_served == pytest.approx(kpis["share_served"])
    first, _ = scenario_requests(RunContext.of(sc, net, oracle), seed=3)
    assert len(first) == demand["iterations"][0]["requests"] > len(req)


def test_demand_generate_writes_the_settled_day_of_the_run(rounds_run, tmp_path, capsys):
    """``kl-mobility demand generate`` writes the demand a run simulates: the last round's
    requests (the run's trips table, request by request), not the first round's (the
    assumed level asks for more: demand.json's round 0), and says which round it is."""
    sc, out, _ = rounds_run
    path = tmp_path / "rounds.toml"
    path.write_text(ROUNDS)
    req_path, summary_path = tmp_path / "req.parquet", tmp_path / "summary.json"
    assert main(["demand", "generate", "--scenario", str(path), "--seed", "3",
                 "--out", str(req_path), "--summary-json", str(summary_path)]) == 0
    printed = capsys.readouterr().out
    demand = json.loads((out / "demand.json").read_text())
    req = pd.read_parquet(req_path).sort_values("request_id")
    trips = pd.read_parquet(out / "trips.parquet").sort_values("request_id")
    assert req["request_id"].tolist() == trips["request_id"].tolist()
    for col in ("request_time_s", "origin_node", "dest_node", "passengers"):
        assert req[col].tolist() == trips[col].tolist(), col
    assert len(req) < demand["iterations"][0]["requests"]
    assert json.loads(summary_path.read_text())["requests"] == len(req)
    n = demand["rounds"]
    assert f"settled demand, as kl-mobility run simulates it: round {n} of {n} run" in printed


def test_requests_from_a_run_isolates_the_drivetrain(small, run_a, tmp_path):
    """The diesel twin of the small scenario on the run's own requests: the same requests,
    and the fleet CO2 difference splits exactly into drivetrain + operations; the
    drivetrain effect is the electric run's km x (8 l/100 km x 2645 g/l x 1.16 - 0.281 kWh
    x 363 g/kWh) = km x (245.456 - 102.003) g."""
    import dataclasses

    out_a, kpis_a = run_a
    diesel = dataclasses.replace(small, name="small-diesel", fleet=tuple(
        dataclasses.replace(v, drivetrain="diesel", fuel_l_per_100km=8.0, battery_kwh=0.0)
        for v in small.fleet))
    kpis = run_scenario(diesel, 3, tmp_path / "d", requests_from=out_a)
    pd.testing.assert_frame_equal(pd.read_parquet(out_a / "requests.parquet"),
                                  pd.read_parquet(tmp_path / "d" / "requests.parquet"))
    assert kpis["n_requests"] == kpis_a["n_requests"] and kpis["demand_rounds"] == 1
    km = pd.read_parquet(out_a / "vehicles.parquet")["km_total"].sum()
    assert kpis["co2_same_demand_drivetrain_effect_kg"] == pytest.approx(
        km * (0.08 * 2645.0 * 1.16 - 0.281 * 363.0) / 1000.0, rel=1e-9)
    assert kpis["co2_same_demand_drivetrain_effect_kg"] \
        + kpis["co2_same_demand_operations_effect_kg"] == pytest.approx(
            kpis["co2_fleet_co2_kg"] - kpis_a["co2_fleet_co2_kg"], rel=1e-9)
    co2 = json.loads((tmp_path / "d" / "co2.json").read_text())
    assert "run folder" in co2["same_demand"]["source"]


def test_requests_from_a_folder_without_requests_is_one_line(tmp_path, capsys):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    (tmp_path / "empty").mkdir()
    rc = main(["run", str(path), "--requests-from", str(tmp_path / "empty"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "run.json: not found" in err and "Traceback" not in err


def test_the_diesel_twin_takes_the_electric_packages_requests():
    from kl_mobility.scenario import default_scenario_path

    twin = scenario_from_file(default_scenario_path().with_name("klima-plus-2030-diesel.toml"))
    assert twin.requests_source is not None
    assert twin.requests_source.name == "klima-plus-2030"
    assert {v.drivetrain for v in twin.requests_source.fleet if v.count} == {"electric"}
    assert {v.drivetrain for v in twin.fleet if v.count} == {"diesel"}


def test_structural_unservability_is_reported_before_the_run(small):
    """Moelschbach's offset (615 s from the network's edge) exceeds the 600 s pickup
    deadline: one warning naming the district and the key; with 900 s none."""
    import dataclasses

    from kl_mobility.runner import prepare_network, structural_warnings

    net, _ = prepare_network(small)
    warnings = structural_warnings(small, net)
    assert len(warnings) == 1
    assert "district Moelschbach" in warnings[0] and "service.max_wait_s" in warnings[0]
    longer = dataclasses.replace(small, service=dataclasses.replace(small.service,
                                                                    max_wait_s=900))
    assert structural_warnings(longer, net) == []
    # a type's own longer deadline (a night van's 900 s) reaches Moelschbach too
    night = dataclasses.replace(small, fleet=(*small.fleet, dataclasses.replace(
        small.fleet[0], name="night", max_wait_s=900)))
    assert structural_warnings(night, net) == []


def test_district_feedback_is_recorded_in_the_rounds(small, tmp_path):
    """Two rounds: the second round's demand responds to the service measured per
    district and period, which demand.json records (districts x periods)."""
    import dataclasses

    two = dataclasses.replace(small, demand=dataclasses.replace(small.demand,
                                                                service_iterations=2))
    run_scenario(two, 3, tmp_path / "r")
    demand = json.loads((tmp_path / "r" / "demand.json").read_text())
    local = demand["summary"]["service_level"]["local"]
    assert "core" in local["districts"] and len(local["bounds_s"]) == 6
    assert all(len(row) == 5 for row in local["share_served"])
    assert sum(map(sum, local["requests"])) == demand["iterations"][0]["requests"]


def test_requests_skip_invalid_writes_every_reject_and_prints_the_count(small, tmp_path,
                                                                        capsys):
    """A requests file of 3 rows, 2 bad ones (a time that is no number, a passenger count of
    0): with requests_skip_invalid the run serves from the good row, lists both bad rows with
    their lines and reasons in rejects.csv, and prints "request rows rejected 2"."""
    req = tmp_path / "req.csv"
    req.write_text("request_id,request_time_s,origin_lat,origin_lon,dest_lat,dest_lon,"
                   "passengers\n"
                   "1,28800,49.4447,7.7689,49.4350,7.7500,1\n"
                   "2,soon,49.4400,7.7600,49.4450,7.7700,1\n"
                   "3,28900,49.4400,7.7600,49.4450,7.7700,0\n")
    scen = tmp_path / "skip.toml"
    scen.write_text(SMALL.replace("[demand]\n", f'[demand]\nrequests_file = "{req}"\n'
                                  "requests_skip_invalid = true\n"))
    out = tmp_path / "out"
    assert main(["run", str(scen), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"\nrequest rows rejected \(rejects\.csv\) +2\n", printed), printed
    rejects = pd.read_csv(out / "rejects.csv")
    assert rejects["line"].tolist() == [3, 4]
    assert "request_time_s 'soon'" in rejects["reason"].iloc[0]
    assert "passengers" in rejects["reason"].iloc[1]
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["requests_rejected"] == 2 and kpis["n_requests"] == 1


def test_depot_node_outside_the_network_is_one_line(tmp_path, capsys):
    """service.depot_nodes beyond the network's nodes: one line naming the key, exit 2,
    before any demand or simulation."""
    scen = tmp_path / "depot.toml"
    scen.write_text(SMALL.replace("[service]\n", "[service]\ndepot_nodes = [3, 999999999]\n"))
    assert main(["run", str(scen), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "key 'service.depot_nodes[1]': 999999999 is not a node" in err[0]
    assert not (tmp_path / "out").exists()


def test_run_who_gains_tables_sum_to_the_city_totals(run_a):
    """districts.csv (by origin), district_dest.csv and hours.csv of the small run: their
    rows add up to the run's requests, served requests and served persons, and the served
    persons by base mode add up to the served persons; accessibility.csv has the same
    districts with the same residents, every share in [0, 1]."""
    out, kpis = run_a
    trips = pd.read_parquet(out / "trips.parquet")
    persons = trips.loc[trips["status"] == "served", "passengers"].sum()
    for name in ("districts", "district_dest", "hours"):
        t = pd.read_csv(out / f"{name}.csv")
        assert t["requests"].sum() == kpis["n_requests"], name
        assert t["served"].sum() == kpis["n_served"], name
        assert t["served_persons"].sum() == persons, name
        assert (t["from_car"] + t["from_bus"] + t["from_walk"] + t["from_bike"]).sum() \
            == persons, name
    d = pd.read_csv(out / "districts.csv")
    acc = pd.read_csv(out / "accessibility.csv")
    assert list(acc["district"]) == list(d["district"])
    assert acc["residents"].sum() == pytest.approx(d["residents"].sum())
    shares = acc.filter(like="_share").to_numpy()
    assert np.nanmin(shares) >= 0.0 and np.nanmax(shares) <= 1.0


def test_run_geopackage_opens_with_its_layers_crs_and_attributes(run_a):
    """run.gpkg of the small run: the layers a planner opens in QGIS, all in EPSG:25832;
    street segments carry OSM way ids (every one found) and names, their vehicle-km add up
    to edges.parquet; the districts carry the who-gains KPIs of districts.csv."""
    import pyogrio

    out, _kpis = run_a
    path = out / "run.gpkg"
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert names == ["segments", "stops", "districts", "ortsbezirke", "zones", "depots"]
    for n in names:
        assert pyogrio.read_info(path, layer=n)["crs"] == "EPSG:25832", n
    seg = pyogrio.read_dataframe(path, layer="segments", read_geometry=False)
    assert (seg["osm_way_id"] > 0).all() and (seg["name"] != "").mean() > 0.9
    assert seg[["u", "v"]].duplicated().sum() == 0 and (seg["u"] < seg["v"]).all()
    edges = pd.read_parquet(out / "edges.parquet")
    assert seg["vkm_total"].sum() == pytest.approx(edges["vkm_total"].sum())
    dist = pyogrio.read_dataframe(path, layer="districts", read_geometry=False)
    table = pd.read_csv(out / "districts.csv").set_index("district")
    for _, row in dist.iterrows():
        assert row["requests"] == table.loc[row["district"], "requests"]
    assert "acc_car_hbf_share" in dist.columns


def test_rounds_line_of_a_run_on_another_runs_requests():
    """A run on another run's settled requests (--requests-from, or the scenario's
    demand.requests_from_scenario) has no rounds of its own, and the line says whose
    requests it simulated; a generated day with converged rounds says how many."""
    from pathlib import Path

    from kl_mobility.cli.sim import format_rounds
    from kl_mobility.scenario import scenario_from_file

    shipped = Path(__file__).parents[1] / "scenarios"
    pkg = scenario_from_file(shipped / "klima-plus-2030.toml")
    diesel = scenario_from_file(shipped / "klima-plus-2030-diesel.toml")
    kpis = {"demand_rounds": 1, "demand_converged": 1, "demand_requests_gap": 0.0,
            "demand_level_gap": 0.0}
    line = format_rounds(kpis, pkg, requests_from="results/klima-plus-2030/1")
    assert line.startswith("demand rounds: none of its own, the settled requests of "
                           "results/klima-plus-2030/1")
    assert "klima-plus-2030.toml" in format_rounds(kpis, diesel)
    assert format_rounds({**kpis, "demand_rounds": 5}, pkg).startswith(
        "demand and service agree after 5 round(s)")
