"""The hindsight comparison: window selection, the run's start nodes, the table, the CLI.

Grid: 5 x 5 nodes, 200 m apart at 36 km/h = 10 m/s, so 20 s per block (node id =
row * 5 + col). The CLI test runs on the hand-written tests/data/tiny.osm network.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kl_mobility.cli import main
from kl_mobility.context import RunContext
from kl_mobility.dispatch.config import DispatchConfig
from kl_mobility.network import build_oracle, default_osm_path, grid_network
from kl_mobility.planning.hindsight import (
    hindsight_compare,
    hindsight_plan,
    hindsight_table,
    select_window,
    simulated_start_nodes,
)
from kl_mobility.planning.plan import PlanSetup
from kl_mobility.routing import SearchOptions
from kl_mobility.sim.config import ServiceConfig, VehicleTypeConfig
from kl_mobility.sim.simulate import SimInputs, simulate

TINY_OSM = Path(__file__).resolve().parents[1] / "data" / "tiny.osm"


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    net = grid_network(5, 5, spacing_m=200.0, speed_kmh=36.0)
    return net, build_oracle(net, cache_dir=tmp_path_factory.mktemp("net"))


def _requests(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    o = rng.integers(0, 25, n)
    d = (o + rng.integers(1, 25, n)) % 25
    return pd.DataFrame({
        "request_id": np.arange(1, n + 1, dtype=np.int64),
        "request_time_s": np.sort(rng.integers(8 * 3600, 8 * 3600 + 1200, n)),
        "origin_node": o.astype(np.int32), "dest_node": d.astype(np.int32),
        "passengers": rng.integers(1, 3, n).astype(np.int16),
    })


@pytest.fixture(scope="module")
def day(grid):
    """3 vans at random start nodes (seed 4), 14 requests between 8:00 and 8:20."""
    net, orc = grid
    req = _requests(14)
    svc = ServiceConfig()
    fleet = [VehicleTypeConfig(name="van", count=3, capacity=4)]
    return req, svc, fleet, simulate(SimInputs(net, orc, req, svc, fleet, DispatchConfig(), seed=4))


def test_window_keeps_the_earliest_in_window_and_accounts_for_all():
    """Desired pickup = earliest_pickup_s when set (request 3 books at 6:00 for 7:05), else
    request_time_s. Window [7:00, 7:15) holds 2, 3, 4, 6 (7:01, 7:05, 7:02, 7:14); the cap
    of 3 keeps the earliest three, 2, 4, 3, and leaves 6 out; 1 (6:59) is before, 5 (7:15)
    after: 1 + 1 + 4 = 6 = the day, 3 + 1 = 4 in the window."""
    t = [6 * 3600 + 59 * 60, 7 * 3600 + 60, 6 * 3600, 7 * 3600 + 120, 7 * 3600 + 900,
         7 * 3600 + 840]
    req = pd.DataFrame({"request_id": [1, 2, 3, 4, 5, 6], "request_time_s": t,
                        "earliest_pickup_s": pd.array([None, None, 7 * 3600 + 300, None,
                                                       None, None], dtype="Int64")})
    sel, counts = select_window(req, from_s=7 * 3600, to_s=7 * 3600 + 900, max_requests=3)
    assert sel["request_id"].tolist() == [2, 3, 4]
    assert counts == {"day": 6, "before": 1, "after": 1, "in_window": 4, "over_cap": 1,
                      "selected": 3}
    with pytest.raises(ValueError, match="end after it starts"):
        select_window(req, from_s=100, to_s=100)


def test_start_nodes_are_read_from_the_run(grid, day):
    """The run's vehicle table names each vehicle's start node; they agree with every
    vehicle's first assignment in the event log (it had not moved before); a table without
    the column (an older run) is an error, not a silent depot start."""
    _req, _svc, _fleet, run = day
    nodes = simulated_start_nodes(run)
    assert nodes.tolist() == run.vehicles.sort_values("vehicle_id")["start_node"].tolist()
    ev = run.events[run.events["vehicle_id"] >= 0].groupby("vehicle_id").first()
    ev = ev[ev["kind"] == "assign"]
    assert len(ev) >= 2  # the check below compares something
    for vid, row in ev.iterrows():
        assert nodes[int(vid)] == row["node"]
    old = SimpleNamespace(vehicles=run.vehicles.drop(columns="start_node"))
    with pytest.raises(ValueError, match="no start_node column"):
        simulated_start_nodes(old)


def test_hindsight_never_drives_more_than_online_for_the_same_requests(grid, day):
    """The online day is one feasible static plan of the requests it served (same windows,
    same start nodes, no return), so the hindsight plan serves all of them with no more
    vehicle-km; every request of the day is either planned or was not served online."""
    net, orc = grid
    req, svc, fleet, run = day
    cmp = hindsight_compare(run, req, orc, service=svc, network=net, time_limit_s=2.0,
                            vehicle_types=fleet)
    served = int((run.trips["status"] == "served").sum())
    assert cmp["n_served"] == cmp["hindsight_served"] == served > 0
    assert cmp["hindsight_feasible"] == 1.0
    assert cmp["hindsight_vehicle_km"] <= cmp["online_vehicle_km"] + 1e-9
    assert cmp["km_ratio"] >= 1.0


def test_table_rows_and_gaps(grid, day):
    """gap % = (online - hindsight) / hindsight x 100 on every row; served counts equal;
    the plan starts each used vehicle at the run's start node of that vehicle."""
    net, orc = grid
    req, svc, fleet, run = day
    start = simulated_start_nodes(run)
    plan = hindsight_plan(req, orc, PlanSetup(fleet=3, capacity=4, return_to_depot=False, service=svc, network=net, start_nodes=start.tolist()), trips=run.trips, options=SearchOptions(time_limit_s=2.0))
    table = hindsight_table(run, plan).set_index("key")
    assert list(table.index) == ["n_served", "vehicles_used", "vehicle_km", "km_external",
                                 "vkm_per_served", "vehicle_hours", "wait_mean_s",
                                 "ride_mean_s", "detour_mean"]
    on, hs = table.loc["vehicle_km", "online"], table.loc["vehicle_km", "hindsight"]
    assert on == pytest.approx(run.vehicles["km_total"].sum())
    assert hs == pytest.approx(plan.vehicles["km_total"].sum())
    assert table.loc["vehicle_km", "gap_pct"] == pytest.approx((on - hs) / hs * 100)
    assert table.loc["n_served", "gap_pct"] == 0
    assert table.loc["wait_mean_s", "online"] == pytest.approx(
        run.trips.loc[run.trips["status"] == "served", "wait_s"].mean() / 60)
    first = plan.stops[plan.stops["seq"] == 0].set_index("vehicle_id")["node"]
    for vid, node in first.items():
        assert node == start[int(vid)]
    assert 0 < table.loc["vehicle_hours", "hindsight"] < 3 * 1.0  # 3 vans, < 1 h each


def test_turned_away_requests_are_planned_too(grid):
    """One van for 14 requests in 20 min: online dispatch turns some away (no_vehicle).
    With include_turned_away they are planned as well: every request of the day is planned
    except those rejected for reasons no dispatch could change (none here), and hindsight
    serves at least what the online day served (the online plan is one feasible plan)."""
    net, orc = grid
    req = _requests(14)
    svc = ServiceConfig()
    run = simulate(SimInputs(net, orc, req, svc, [VehicleTypeConfig(name="van", count=1, capacity=4)], DispatchConfig(), seed=4))
    trips = run.trips
    served = int((trips["status"] == "served").sum())
    turned = int(trips["reason"].isin(["no_vehicle", "deadline_passed", "end_of_day"]).sum())
    assert turned > 0 and served + turned == len(req)
    plan = hindsight_plan(req, orc, PlanSetup(fleet=1, capacity=4, return_to_depot=False, service=svc, network=net, start_nodes=simulated_start_nodes(run).tolist()), trips=trips, options=SearchOptions(time_limit_s=2.0), include_turned_away=True)
    assert len(plan.trips) == served + turned
    assert plan.solution.feasible
    assert plan.kpis["n_served"] >= served


def test_cli_hindsight_end_to_end(tmp_path, capsys):
    """A scenario on tiny.osm with 6 requests from a file: window 07:00-07:15 with a cap of
    3 (one request before, one after, four in the window, one over the cap); 2 vans. The
    accounting adds up, the table and files are written, exit code 0."""
    req = tmp_path / "requests.csv"
    req.write_text(
        "request_id,request_time_s,origin_lat,origin_lon,dest_lat,dest_lon\n"
        "1,25140,49.400,7.700,49.418,7.700\n"    # 06:59, before
        "2,25260,49.400,7.700,49.418,7.700\n"    # 07:01
        "3,25380,49.409,7.700,49.418,7.6862\n"   # 07:03
        "4,25500,49.418,7.700,49.400,7.700\n"    # 07:05
        "5,26040,49.409,7.700,49.400,7.700\n"    # 07:14, over the cap
        "6,26100,49.400,7.700,49.409,7.700\n")   # 07:15, after
    sc = tmp_path / "tiny.toml"
    sc.write_text(f'name = "tiny-hindsight"\nseed = 2\n[network]\nosm_file = "{TINY_OSM}"\n'
                  f'[demand]\nrequests_file = "{req}"\n[service]\nstart_s = 25200\n'
                  'end_s = 32400\n[[fleet]]\nname = "van"\ncount = 2\ncapacity = 4\n')
    out = tmp_path / "hs"
    rc = main(["hindsight", str(sc), "--from", "07:00", "--to", "07:15", "--max-requests",
               "3", "--time-limit", "1", "--out", str(out), "--cache-dir",
               str(tmp_path / "net"), "--quiet"])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "vehicle-km" in text and "gap %" in text
    meta = json.loads((out / "hindsight.json").read_text())
    a = meta["accounting"]
    assert (a["day_day"], a["day_before"], a["day_after"], a["day_in_window"],
            a["day_over_cap"], a["day_selected"]) == (6, 1, 1, 4, 1, 3)
    assert a["online_served"] + a["online_rejected"] + a["online_cancelled"] == 3
    assert a["hindsight_planned"] == a["online_served"] == a["hindsight_served"]
    assert len(meta["start_nodes"]) == 2
    # a requests file is the day whatever the service: one round, no rounds simulated
    assert meta["demand"]["requests_from"] == "fixed" and meta["demand"]["round"] == 0
    assert meta["demand"]["converged"] is True
    assert "demand: fixed requests" in text
    table = pd.read_csv(out / "hindsight.csv").set_index("key")
    assert table.loc["vehicle_km", "hindsight"] <= table.loc["vehicle_km", "online"] + 1e-9
    assert pd.read_csv(out / "requests.csv")["request_id"].tolist() == [2, 3, 4]
    for name in ("online_trips.csv", "hindsight_trips.csv", "hindsight_stops.csv"):
        assert (out / name).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hs.")]  # no staging


def test_cli_hindsight_empty_window_is_one_line_error(tmp_path, capsys):
    req = tmp_path / "requests.csv"
    req.write_text("request_id,request_time_s,origin_lat,origin_lon,dest_lat,dest_lon\n"
                   "1,25260,49.400,7.700,49.418,7.700\n")
    sc = tmp_path / "tiny.toml"
    sc.write_text(f'name = "t"\n[network]\nosm_file = "{TINY_OSM}"\n[demand]\n'
                  f'requests_file = "{req}"\n[[fleet]]\nname = "van"\ncount = 1\n')
    rc = main(["hindsight", str(sc), "--from", "09:00", "--out", str(tmp_path / "o"),
               "--cache-dir", str(tmp_path / "net"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "09:00-09:15" in err[0]


ROUNDS = """\
name = "small-rounds"
seed = 3
[demand]
scale = 0.05
service_iterations = 6
service_requests_tol = 0.1
service_level_tol = 0.1
[service]
start_s = 25200
end_s = 32400
[[fleet]]
name = "van"
count = 5
capacity = 6
"""


@pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")
def test_cli_hindsight_takes_the_settled_day_and_records_the_round(tmp_path, capsys):
    """5 % of the Kaiserslautern demand, 5 vans 07:00-09:00, up to 6 rounds with 10 %
    tolerances (the runner's small rounds scenario): by default the day is the last round's
    (the day kl-mobility run reports, fewer requests than the optimistic first round);
    hindsight.json and the printout name the round and the convergence; ``--first-round``
    takes round 0 without running the rounds. The window keeps the first 4 requests."""
    from kl_mobility.runner import prepare_network, scenario_requests, settle_demand
    from kl_mobility.scenario import scenario_from_file

    sc_path = tmp_path / "rounds.toml"
    sc_path.write_text(ROUNDS)
    args = ["hindsight", str(sc_path), "--max-requests", "4", "--time-limit", "1",
            "--quiet"]
    assert main([*args, "--out", str(tmp_path / "settled")]) == 0
    printed = capsys.readouterr().out
    settled = json.loads((tmp_path / "settled" / "hindsight.json").read_text())
    d = settled["demand"]
    assert d["requests_from"] == "settled" and d["converged"] is True
    assert 1 <= d["round"] == d["rounds"] - 1 and d["max_rounds"] == 6
    assert f"demand: the settled day, round {d['round'] + 1} of {d['rounds']} run" in printed

    sc = scenario_from_file(sc_path)
    net, oracle = prepare_network(sc)
    day = settle_demand(RunContext.of(sc, net, oracle), seed=3)
    first, _ = scenario_requests(RunContext.of(sc, net, oracle), seed=3)
    assert settled["accounting"]["day_day"] == len(day.requests) < len(first)
    assert d["round"] == day.final_round and abs(d["requests_gap"]) <= 0.1
    window = pd.read_csv(tmp_path / "settled" / "requests.csv")
    assert set(window["request_id"]) <= set(day.requests["request_id"])

    assert main([*args, "--first-round", "--out", str(tmp_path / "first")]) == 0
    printed = capsys.readouterr().out
    meta = json.loads((tmp_path / "first" / "hindsight.json").read_text())
    assert meta["demand"] == {"requests_from": "first_round", "round": 0, "rounds": None,
                              "max_rounds": 6, "converged": None, "requests_gap": None,
                              "level_gap": None}
    assert meta["accounting"]["day_day"] == len(first)
    assert "demand: the first round (assumed service level, --first-round" in printed
