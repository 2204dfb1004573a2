"""``kl-mobility bench dispatch`` and ``kl-mobility instance export|check``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sim"))
from simhelpers import grid, random_requests  # noqa: E402

from kl_mobility.cli import main  # noqa: E402
from kl_mobility.dispatch import DISPATCH_POLICIES, DispatchConfig  # noqa: E402
from kl_mobility.dispatch.policies import InsertionPolicy  # noqa: E402
from kl_mobility.instance import instance_of_day, write_instance  # noqa: E402
from kl_mobility.network import default_osm_path  # noqa: E402
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate  # noqa: E402


class FrontOfVehicleZero(InsertionPolicy):
    """Every request at the front of vehicle 0's schedule, feasible or not."""

    def dispatch(self, ctx, reqs):
        for r in reqs:
            ctx.commit(int(r), 0, 0, 0)
        return np.ones(len(reqs), bool)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A 4 x 4 grid day (30 requests 08:00-08:30, 3 vans of 4 seats) as an instance, with
    what insertion dispatch serves on it (seed 1)."""
    net, oracle = grid(4, 4)
    req = random_requests(np.random.default_rng(3), 30, net.n_nodes, 8 * 3600, 8 * 3600 + 1800)
    service = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600)
    fleet = [VehicleTypeConfig("van", 3, 4)]
    res = simulate(SimInputs(net, oracle, req, service, fleet, DispatchConfig(), seed=1))
    path = tmp_path_factory.mktemp("bench") / "grid-day"
    write_instance(path, instance_of_day("grid-day", net, req, fleet,
                                         res.vehicles["start_node"].to_numpy(), service))
    return path, res


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_bench_dispatch_table_and_csv(folder, tmp_path, capsys):
    path, res = folder
    out = tmp_path / "bench.csv"
    rc = main(["bench", "dispatch", "--instances", str(path), "--policies", "insertion",
               "batch", "--csv", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    rows = _rows(out)
    assert [r["policy"] for r in rows] == ["insertion", "batch"]
    ins = rows[0]
    # the instance keeps the day: the same served count and km as the run it came from
    assert int(ins["served"]) == res.kpis["n_served"] and int(ins["requests"]) == 30
    assert float(ins["vehicle_km"]) == pytest.approx(res.kpis["vehicle_km"], rel=1e-5)
    assert all(r["violations"] == "0" and r["first_violation"] == "" for r in rows)
    assert float(ins["empty_km"]) <= float(ins["vehicle_km"])
    assert "cpu_s_per_day" in printed and "VIOLATION" not in printed
    # the file named is not replaced without --overwrite
    rc = main(["bench", "dispatch", "--instances", str(path), "--csv", str(out)])
    assert rc == 2 and "--overwrite" in capsys.readouterr().err


def test_bench_dispatch_reports_a_broken_policys_violations(folder, tmp_path, capsys,
                                                            monkeypatch):
    path, _ = folder
    monkeypatch.setitem(DISPATCH_POLICIES, "front0", FrontOfVehicleZero)
    out = tmp_path / "b.csv"
    rc = main(["bench", "dispatch", "--instances", str(path), "--policies", "front0",
               "--csv", str(out)])
    printed = capsys.readouterr().out
    row = _rows(out)[0]
    assert rc == 1 and int(row["violations"]) > 0 and int(row["violation_cases"]) > 0
    assert "VIOLATION grid-day / front0: " in printed
    # on 30 requests the front of one schedule overflows its 16 stops: the run raises
    assert ("by the latest" in row["first_violation"] or "capacity" in row["first_violation"]
            or "the simulation raised ValueError: cannot insert" in row["first_violation"])


def test_bench_dispatch_cost_is_the_rows_dispatch_cost(folder, tmp_path, capsys):
    """--cost rider_time: the row is the run of the folder's day with dispatch.cost =
    rider_time (served and vehicle-km of a direct simulation of the instance with it), and
    says so in its cost column; a cost that does not exist is one line, exit 2."""
    from kl_mobility.instance import read_instance

    path, _ = folder
    out = tmp_path / "rider.csv"
    rc = main(["bench", "dispatch", "--instances", str(path), "--policies", "insertion",
               "--cost", "rider_time", "--csv", str(out)])
    assert rc == 0 and "dispatch.cost rider_time" in capsys.readouterr().out
    row = _rows(out)[0]
    inst, oracle = read_instance(path)[:2]
    res = simulate(inst.sim_inputs(oracle, DispatchConfig(cost="rider_time"), 1))
    assert row["cost"] == "rider_time"
    # the cost matters on this day: the default cost's run drives other km
    assert res.kpis["vehicle_km"] != pytest.approx(folder[1].kpis["vehicle_km"], rel=1e-5)
    assert int(row["served"]) == res.kpis["n_served"]
    assert float(row["vehicle_km"]) == pytest.approx(res.kpis["vehicle_km"], rel=1e-5)
    rc = main(["bench", "dispatch", "--instances", str(path), "--cost", "cheapest"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "--cost" in err and "rider_time" in err


def test_unknown_policy_is_one_line(folder, capsys):
    path, _ = folder
    rc = main(["bench", "dispatch", "--instances", str(path), "--policies", "nope"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "policy must be one of" in err


@pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")
def test_export_a_kaiserslautern_day_and_bench_it_identically(tmp_path, capsys):
    """A small Kaiserslautern scenario (2 % of the demand, 07:00-08:00, 3 vans) exported as
    an instance: checking it lists nothing as not given; benchmarking the folder and the
    scenario itself gives the same row (the round trip keeps the day)."""
    sc = tmp_path / "small.toml"
    sc.write_text('name = "small"\nseed = 3\n[demand]\nscale = 0.02\n[service]\n'
                  'start_s = 25200\nend_s = 28800\n[[fleet]]\nname = "van"\ncount = 3\n'
                  'capacity = 6\n')
    folder = tmp_path / "small-day"
    assert main(["instance", "export", str(sc), "--seed", "3", "--out", str(folder)]) == 0
    assert main(["instance", "check", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "not given:" not in printed and "rounding:" not in printed
    assert "every rule and type key given" in printed and "(no rounding)" in printed
    out = tmp_path / "kl.csv"
    rc = main(["bench", "dispatch", "--instances", str(folder), str(sc), "--policies",
               "insertion", "--seed", "3", "--csv", str(out)])
    assert rc == 0
    a, b = _rows(out)
    assert int(a["requests"]) > 0
    for col in ("requests", "served", "wait_mean_s", "wait_p95_s", "ride_mean_s",
                "detour_mean", "vehicle_km", "empty_km", "occupancy", "violations"):
        assert a[col] == b[col], col


def test_bench_dispatch_hindsight_gap(folder, tmp_path, capsys):
    """The hindsight window 08:00-08:30 holds all 30 requests of the grid day (desired
    pickups 08:00-08:30, at most 50), so its online run is the day's own run: the window's
    online km equal the row's vehicle-km exactly. Hindsight plans what was served online
    and serves all of it; the gap is (online - hindsight) / hindsight x 100 of the two km
    columns."""
    path, res = folder
    out = tmp_path / "h.csv"
    rc = main(["bench", "dispatch", "--instances", str(path), "--policies", "insertion",
               "--hindsight", "08:00-08:30", "--hindsight-time-limit", "2", "--csv",
               str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    (row,) = _rows(out)
    assert row["hindsight_window"] == "08:00-08:30 <= 50"
    assert int(row["hindsight_requests"]) == 30
    assert int(row["hindsight_planned"]) == int(row["served"]) == res.kpis["n_served"]
    assert int(row["hindsight_served"]) == int(row["hindsight_planned"])
    assert row["window_online_km"] == row["vehicle_km"]
    on, hs = float(row["window_online_km"]), float(row["window_hindsight_km"])
    assert hs > 0
    assert float(row["hindsight_gap_pct"]) == pytest.approx((on - hs) / hs * 100, rel=1e-4)
    assert "gap % = (online km - hindsight km) / hindsight km x 100" in printed


def test_bench_dispatch_hindsight_window_it_cannot_take(folder, tmp_path, capsys):
    """A window without requests (06:00-06:15; the day's pickups are 08:00-08:30) gives no
    gap and says why; so do requests with their own pickup deadlines (not modelled by
    static plans), and the simulation columns stay."""
    path, _ = folder
    out = tmp_path / "n.csv"
    assert main(["bench", "dispatch", "--instances", str(path), "--policies", "insertion",
                 "--hindsight", "06:00-06:15", "--csv", str(out)]) == 0
    (row,) = _rows(out)
    assert row["hindsight_gap_pct"] == "nan" and row["hindsight_note"] == "no request in the window"
    assert int(row["served"]) > 0
    capsys.readouterr()
    own = tmp_path / "own"
    import shutil

    shutil.copytree(path, own)
    req = (own / "requests.csv")
    import pandas as pd

    df = pd.read_csv(req)
    df["latest_pickup_s"] = df["request_time_s"] + 600
    df.to_csv(req, index=False)
    out2 = tmp_path / "o.csv"
    assert main(["bench", "dispatch", "--instances", str(own), "--policies", "insertion",
                 "--hindsight", "08:00-08:30", "--csv", str(out2)]) == 0
    (row,) = _rows(out2)
    assert row["hindsight_gap_pct"] == "nan" and "latest_pickup_s" in row["hindsight_note"]
    assert f"hindsight own / insertion: {row['hindsight_note']}" in capsys.readouterr().out


def test_bench_dispatch_hindsight_window_is_checked(folder, capsys):
    path, _ = folder
    rc = main(["bench", "dispatch", "--instances", str(path), "--hindsight", "08:30-08:00"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "end after it starts" in err


@pytest.mark.skipif(not default_osm_path().is_file(), reason="no shared OSM extract")
def test_export_of_the_default_scenario_round_trips(tmp_path, capsys):
    """klima-plus-2030 (vans, night vans with their own hours and pickup deadline, stop-based
    speed-capped shuttles, Tempo 30 in the core, outer districts) at 1 % of its demand:
    ``instance export --verify`` reads the folder back, simulates it and finds the day's
    own trips, vehicles, events and KPIs exactly."""
    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    sc = tmp_path / "klima-tiny.toml"
    sc.write_text(f'extends = "{scenarios / "klima-plus-2030.toml"}"\nname = "klima-tiny"\n'
                  f'[demand]\nscale = 0.01\n'
                  f'calibration_scenario = "{scenarios / "baseline.toml"}"\n')
    folder = tmp_path / "day"
    rc = main(["instance", "export", str(sc), "--seed", "2", "--out", str(folder), "--verify"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "ROUND TRIP DIFFERS" not in out and "round trip: the folder read back" in out
    # the folder carries the three types with their own rules and the shuttles' stops
    toml = (folder / "instance.toml").read_text()
    assert '[types."night-van"]' in toml and "max_wait_s = 900" in toml
    assert '[types."shuttle"]' in toml and "stop_nodes = [" in toml
    assert "speed_cap_kmh = 25.0" in toml


def test_round_trip_differences_finds_a_changed_folder(folder, tmp_path):
    """The grid day's folder simulates to the run it came from (no difference); with one
    vehicle moved to another start node the vehicles table (start_node) differs and is
    named."""
    from types import SimpleNamespace

    from kl_mobility.dispatchbench import round_trip_differences

    path, res = folder
    day = SimpleNamespace(result=res, scenario=SimpleNamespace(dispatch=DispatchConfig()))
    assert round_trip_differences(path, day, 1) == []
    moved = tmp_path / "moved"
    import shutil

    shutil.copytree(path, moved)
    fleet = (moved / "fleet.csv").read_text().splitlines()
    cells = fleet[1].split(",")
    cells[1] = str((int(cells[1]) + 5) % 16)  # vehicle 0 starts 5 nodes further on
    (moved / "fleet.csv").write_text("\n".join([fleet[0], ",".join(cells), *fleet[2:]]) + "\n")
    diffs = round_trip_differences(moved, day, 1)
    assert any(d.startswith("vehicles: ") for d in diffs)


def test_days_on_one_network_share_its_cached_tables(folder, tmp_path):
    """Two folders of other names on the same network get the same network name and
    content key, so the travel-time tables cached under ``{name}-{key}`` are built once."""
    import shutil

    from kl_mobility.instance import read_instance
    from kl_mobility.network.oracle import _table_paths

    path, _ = folder
    other = tmp_path / "other-day"
    shutil.copytree(path, other)
    toml = other / "instance.toml"
    toml.write_text(toml.read_text().replace('name = "grid-day"', 'name = "other-day"'))
    a, _ = read_instance(path)
    b, _ = read_instance(other)
    assert (a.name, b.name) == ("grid-day", "other-day")
    assert _table_paths(tmp_path, a.network) == _table_paths(tmp_path, b.network)


def test_feeder_columns_are_read_and_checked(folder, tmp_path):
    """Feeder columns of requests.csv come back typed (empty text -> "", pt_gained
    true/false, pt_time_s whole seconds); a feeder kind that is not '', first or last is one
    error naming the file and line."""
    import shutil

    import pandas as pd

    from kl_mobility.instance import InstanceError, read_instance

    path, _ = folder
    day = tmp_path / "feeder-day"
    shutil.copytree(path, day)
    df = pd.read_csv(day / "requests.csv")
    df["feeder"] = ["first" if k == 0 else "" for k in range(len(df))]
    df["pt_stop_id"] = ["S1" if k == 0 else "" for k in range(len(df))]
    df["pt_time_s"] = [df["request_time_s"][0] + 900 if k == 0 else None for k in range(len(df))]
    df["pt_gained"] = [k == 0 for k in range(len(df))]
    df.to_csv(day / "requests.csv", index=False)
    inst, _ = read_instance(day)
    r = inst.requests
    assert r["feeder"].tolist()[:2] == ["first", ""] and r["pt_stop_id"].tolist()[:2] == ["S1", ""]
    assert r["pt_gained"].tolist()[:2] == [True, False] and r["pt_gained"].dtype == bool
    assert r["pt_time_s"].iloc[0] == df["request_time_s"][0] + 900 and pd.isna(r["pt_time_s"].iloc[1])
    df.loc[3, "feeder"] = "firts"
    df.to_csv(day / "requests.csv", index=False)
    with pytest.raises(InstanceError, match=r"requests.csv: line 5: feeder 'firts' is not one of"):
        read_instance(day)
