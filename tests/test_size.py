"""Fleet sizing: the bracketing + bisection search against a dense grid, targets, the CLI."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from kl_mobility.cli import main
from kl_mobility.context import RunContext
from kl_mobility.errors import InputError
from kl_mobility.network import default_osm_path
from kl_mobility.runner import run_scenario
from kl_mobility.scenario import scenario_from_file
from kl_mobility.size import (
    CURVE_COLUMNS,
    SearchPlan,
    evaluate_size,
    parse_target,
    search_fleet_size,
)
from kl_mobility.sizepool import fork_available

TINY = """\
name = "tiny"
seed = 3
[demand]
scale = 0.03
service_iterations = 3
[service]
start_s = 25200
end_s = 28800
[[fleet]]
name = "van"
count = 1
capacity = 4
"""

needs_osm = pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")


@pytest.mark.parametrize("threshold", [1, 2, 3, 7, 8, 9, 31, 64, 100])
@pytest.mark.parametrize("start", [1, 5, 40, 100])
def test_search_finds_the_threshold_of_a_monotone_kpi(threshold, start):
    """share_served = 1 from ``threshold`` vehicles on, else 0.5: the search returns
    ``threshold`` from any start, evaluating each size once and far fewer sizes than the
    100 of a dense grid (bracket: at most log2(100) + 1 = 7.6 doublings or halvings, then
    at most as many bisection steps)."""
    calls = []

    def evaluate(n):
        calls.append(n)
        return {"share_served": 1.0 if n >= threshold else 0.5}

    found = search_fleet_size(evaluate, parse_target("share_served>=0.95"), start=start,
                              max_count=100)
    assert found.answer == threshold
    assert len(calls) == len(set(calls)) <= 16
    assert found.non_monotone == ()


def test_search_reports_unreachable_and_non_monotone():
    target = parse_target("share_served>=0.95")
    none = search_fleet_size(lambda n: {"share_served": 0.5}, target, start=4, max_count=20)
    assert none.answer is None and max(none.rows) == 20  # doubled 4, 8, 16, then capped at 20
    # met at 2 and from 6 on: from 3 the search brackets 3 (no), 6 (yes), bisects 4, 5
    # (no) and answers 6; 3 extra points over 1..6 (round(1 + 5k/4) = 2, 4, 5) add 2,
    # where the target holds below a size (3) where it does not
    bumpy = search_fleet_size(lambda n: {"share_served": 1.0 if n == 2 or n >= 6 else 0.5},
                              target, start=3, max_count=16, extra_points=3)
    assert bumpy.answer == 6
    assert sorted(bumpy.rows) == [2, 3, 4, 5, 6]
    assert bumpy.non_monotone == (2,)


@pytest.mark.parametrize(("text", "words"), [
    ("share_served>95", "expected KPI>=VALUE"),
    ("share_served>=95", "in [0, 1]"),
    ("share_served<=0.9", "the other way"),
    ("wait_max_s<=300", "unknown KPI"),
    ("wait_mean_s<=1e999", "finite"),
])
def test_bad_targets_are_one_line_errors(text, words):
    with pytest.raises(InputError) as err:
        parse_target(text)
    assert words in str(err.value) and text in str(err.value)


@needs_osm
def test_search_matches_a_dense_grid_on_a_small_scenario(tmp_path):
    """A one-hour day at 3 % demand with 3 demand rounds per size: the smallest fleet of the
    dense grid 1..16 that serves >= 80 % (every larger size of the grid serving >= 80 %
    too, so the target is monotone here) is what the search finds from 1 vehicle, and the
    search evaluated fewer sizes than the grid."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    ctx = RunContext.prepare(scenario_from_file(path))
    memo: dict[int, dict] = {}
    basis: dict = {}

    def evaluate(n):
        if n not in memo:
            memo[n] = evaluate_size(ctx, "van", n, 3, basis=basis)
        return memo[n]

    target = parse_target("share_served>=0.8")
    grid = {n: target.met(evaluate(n)) for n in range(1, 17)}
    dense = min(n for n, ok in grid.items() if ok)
    assert all(grid[n] for n in range(dense, 17)), "not monotone on the grid"
    assert dense > 1  # the search has to move
    calls = []

    def counted(n):
        calls.append(n)
        return evaluate(n)

    found = search_fleet_size(counted, target, start=1, max_count=16)
    assert found.answer == dense
    assert len(calls) < 16
    # demand re-settled at each size: more vehicles draw more requests over the grid
    assert memo[16]["requests"] > memo[1]["requests"]
    assert all(memo[n]["demand_rounds"] >= 1 for n in memo)


@needs_osm
def test_cli_writes_the_curve_and_the_figure(tmp_path, capsys, monkeypatch):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    csv = tmp_path / "curve.csv"
    rc = main(["size", str(path), "--target", "share_served>=0.8", "--csv", str(csv),
               "--max-count", "16", "--quiet"])
    assert rc == 0
    out = capsys.readouterr().out
    frame = pd.read_csv(csv)
    assert list(frame.columns) == [c for c, _ in CURVE_COLUMNS]
    assert frame["count"].is_monotonic_increasing
    answer = int(frame.loc[frame["meets_target"] == 1, "count"].min())
    assert f"smallest fleet meeting share_served>=0.8: {answer} x van" in out
    # the CO2 convention is printed beside the numbers, with the reference case
    assert "city net = change of the residents' transport CO2e (car + bus + fleet) " \
        "against the reference case 'tiny without its measures'" in out
    record = json.loads(csv.with_suffix(".json").read_text())
    assert record["answer"] == answer and record["seed"] == 3
    assert record["target"] == {"kpi": "share_served", "op": ">=", "value": 0.8,
                                "text": "share_served>=0.8"}
    assert record["csv"] == "curve.csv" and set(record["columns"]) == set(frame.columns)
    assert not math.isnan(frame["share_served"].iloc[0])
    png = csv.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # an existing curve is not replaced without --overwrite (one line, exit 2)
    rc = main(["size", str(path), "--target", "share_served>=0.8", "--csv", str(csv)])
    assert rc == 2
    assert "exists already" in capsys.readouterr().err


@needs_osm
def test_size_co2_is_the_run_headline(tmp_path):
    """At the scenario's own count a size's city-wide net CO2 is ``kl-mobility run``'s
    headline ``co2_city_net_kg`` bit for bit (same settled day, same convention), and a
    size evaluated with the basis another size prepared equals one with its own basis."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    scenario = scenario_from_file(path)
    kpis = run_scenario(scenario, 3, tmp_path / "run")
    ctx = RunContext.prepare(scenario)
    basis: dict = {}
    one = evaluate_size(ctx, "van", 1, 3, basis=basis)
    assert one["co2_city_net_kg"] == kpis["co2_city_net_kg"]
    assert one["co2_city_car_change_kg"] == kpis["co2_city_car_change_kg"]
    assert one["co2_per_rider_net_kg"] == kpis["co2_net_co2_kg"]
    assert one["requests"] == kpis["n_requests"]
    shared = evaluate_size(ctx, "van", 3, 3, basis=basis)
    own = evaluate_size(ctx, "van", 3, 3)
    for key in ("co2_city_net_kg", "co2_city_car_change_kg", "served"):
        assert shared[key] == own[key]
    assert shared["co2_city_net_kg"] != one["co2_city_net_kg"]  # the fleet enters


def test_cli_unknown_vehicle_type_is_exit_2(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    rc = main(["size", str(path), "--target", "share_served>=0.8", "--vehicle-type", "bus",
               "--csv", str(tmp_path / "c.csv")])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'bus'" in err[0] and "van" in err[0]


@needs_osm
def test_sizes_sharing_the_first_round_give_the_same_curve(tmp_path):
    """Sizes evaluated with one basis (its SharedDay: the service area and the first demand
    round made once) give the rows evaluating each size on its own gives, for every column but the
    CPU time; the day is drawn once for all sizes (one entry)."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    ctx = RunContext.prepare(scenario_from_file(path))
    basis: dict = {}
    sizes = (2, 6, 3)
    with_share = [evaluate_size(ctx, "van", n, 3, basis=basis) for n in sizes]
    alone = [evaluate_size(ctx, "van", n, 3) for n in sizes]
    for a, b in zip(with_share, alone, strict=True):
        a.pop("cpu_s")
        b.pop("cpu_s")
        assert a == b
    assert len(basis["rounds"].entries) == 1


needs_fork = pytest.mark.skipif(not fork_available(), reason="no fork start method")


@pytest.fixture
def forking(monkeypatch):
    """Workers forked even when numba's OpenMP threads run in this test process already
    (the evaluations of these tests run no numba kernel)."""
    from kl_mobility import sizepool

    monkeypatch.setattr(sizepool, "fork_safe_threads", lambda: True)


def test_search_plan_knows_the_spread_points_once_the_top_is_known():
    """From 50 vehicles up to 200: 50 and 100 not met leave 200 = max_count as the largest
    size whatever its outcome (met: bisection below it; not met: no answer), so the 7
    spread points round(1 + 199 k / 8), k = 1..7 = 26, 51, 76, 100, 125, 150, 175 are
    needed for sure (chance 1; 100 is known already and 150 is also the bisection's first
    midpoint (100 + 200) // 2). Before 100's outcome, 125 was not (chance 1/2: 100 met
    makes 100 the largest size, spread as round(1 + 99 k / 8) = 13, 26, 38, 50, 63, 75, 88,
    and no size above it follows), while 26 was (in both spreads)."""
    plan = SearchPlan(50, 1, 200, extra_points=7)
    assert plan.replay({50: False}).next == 100
    sure = plan.chances({50: False, 100: False}, 6)
    assert sure[200] == 1.0
    assert [n for n, p in sure.items() if p == 1.0] == [200, 26, 51, 76, 125, 150, 175]
    before = plan.chances({50: False}, 6)
    assert (before[125], before[26], before[200]) == (0.5, 1.0, 0.5)


def _rows_without(found, key="pid"):
    return {n: {k: v for k, v in r.items() if k != key} for n, r in found.rows.items()}


@needs_fork
@pytest.mark.parametrize(("threshold", "start", "points"),
                         [(1, 5, 0), (7, 1, 3), (9, 40, 7), (31, 8, 2), (200, 50, 7)])
def test_workers_give_the_sequential_search(threshold, start, points, forking):
    """The same sizes, rows, answer and monotonicity verdict with 1 and 3 workers (each row
    made in the process that evaluated it: every size but the first in a worker), whatever
    order the workers finish in; a target never met up to 120 gives no answer."""
    import os

    def evaluate(n):
        return {"share_served": 1.0 if n >= threshold else 0.5, "pid": os.getpid()}

    target = parse_target("share_served>=0.95")
    one = search_fleet_size(evaluate, target, start=start, max_count=120, extra_points=points)
    three = search_fleet_size(evaluate, target, start=start, max_count=120,
                              extra_points=points, workers=3)
    assert _rows_without(three) == _rows_without(one)
    assert (three.answer, three.non_monotone) == (one.answer, one.non_monotone)
    assert three.answer == (threshold if threshold <= 120 else None)
    here = os.getpid()
    first = next(iter(SearchPlan(start, 1, 120, points).steps()))
    assert [n for n, r in three.rows.items() if r["pid"] == here] == [first]


@needs_fork
def test_a_size_evaluated_ahead_and_not_reached_is_left_out(forking):
    """Met from 1 vehicle on, from 4: the search halves 4, 2, 1 (answer 1). While 4 is
    evaluated here, the second worker starts on 8 (the next size had 4 not been met, the
    "not met" side first at even odds); once 4 is met, 8 is never needed and 2 and 3 run
    (3: the bisection's midpoint had 2 not been met). The search never reaches 8 or 3:
    both are reported as discarded, and neither is a row."""
    found = search_fleet_size(lambda n: {"share_served": 1.0}, parse_target(
        "share_served>=0.95"), start=4, max_count=64, workers=2)
    assert found.answer == 1 and sorted(found.rows) == [1, 2, 4]
    assert found.discarded == (3, 8)


def _fails_at_8(threshold):
    def evaluate(n):
        if n == 8:
            raise InputError("8 vehicles do not fit")
        return {"share_served": 1.0 if n >= threshold else 0.5}

    return evaluate


@needs_fork
def test_worker_errors_of_reached_sizes_are_raised_others_ignored(forking):
    """A size the search reaches that fails in its worker raises that error here (from 4
    with the target met from 10 on: 4 not met, then 8); a failing size evaluated ahead and
    not reached (8, when 4 is met: the target met from 2 on) does not stop the search."""
    target = parse_target("share_served>=0.95")
    found = search_fleet_size(_fails_at_8(2), target, start=4, max_count=64, workers=2)
    assert found.answer == 2 and 8 in found.discarded and 8 not in found.rows
    with pytest.raises(InputError, match="8 vehicles do not fit"):
        search_fleet_size(_fails_at_8(10), target, start=4, max_count=64, workers=2)


def test_workers_fall_back_to_this_process_without_fork_safe_threads(monkeypatch, caplog):
    """When numba's GNU OpenMP threads run here already, the sizes are evaluated here one
    after the other (same rows), with a warning that says so."""
    import os

    from kl_mobility import sizepool

    monkeypatch.setattr(sizepool, "fork_available", lambda: True)
    monkeypatch.setattr(sizepool, "fork_safe_threads", lambda: False)
    found = search_fleet_size(lambda n: {"share_served": 1.0 if n >= 3 else 0.5,
                                         "pid": os.getpid()},
                              parse_target("share_served>=0.95"), start=8, max_count=16,
                              workers=2)
    assert found.answer == 3 and {r["pid"] for r in found.rows.values()} == {os.getpid()}
    assert "evaluating the sizes here" in caplog.text


@pytest.mark.parametrize("value", ["0", "-1", "two", "65"])
def test_cli_bad_workers_is_exit_2(tmp_path, capsys, value):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    assert main(["size", str(path), "--target", "share_served>=0.8", "--workers", value,
                 "--csv", str(tmp_path / "c.csv")]) == 2
    err = capsys.readouterr().err
    assert "--workers" in err and repr(value) in err
    assert not (tmp_path / "c.csv").exists()


@needs_osm
@needs_fork
def test_cli_curve_is_the_same_with_two_workers(tmp_path, capsys):
    """The tiny scenario's curve (its spread points too) with --workers 2, in a fresh
    process so that its workers are forked as in a real call, is the --workers 1 curve
    byte for byte but for the CPU seconds, which are then those of the worker that
    evaluated the size; the JSON records are the same."""
    import os
    import subprocess
    import sys

    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    args = ["size", str(path), "--target", "share_served>=0.95", "--max-count", "16",
            "--points", "5", "--quiet"]
    assert main([*args, "--csv", str(tmp_path / "one.csv")]) == 0
    capsys.readouterr()
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from kl_mobility.cli import main; "
         "sys.exit(main())", *args, "--workers", "2", "--csv", str(tmp_path / "two.csv")],
        capture_output=True, text=True, env={**os.environ}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "in 2 worker processes" in proc.stdout
    one = pd.read_csv(tmp_path / "one.csv", dtype=str)
    two = pd.read_csv(tmp_path / "two.csv", dtype=str)
    assert len(one) >= 6  # the search's sizes (1, 2, 4, ... up to 16) and spread points
    pd.testing.assert_frame_equal(one.drop(columns="cpu_s"), two.drop(columns="cpu_s"))
    assert (two["cpu_s"].astype(float) > 0).all()
    rec = [json.loads((tmp_path / f"{k}.json").read_text()) for k in ("one", "two")]
    assert {**rec[0], "csv": "", "png": ""} == {**rec[1], "csv": "", "png": ""}
