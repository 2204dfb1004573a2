"""``kl-mobility bench routing`` and ``kl-mobility plan`` end to end on tiny inputs."""

from __future__ import annotations

import csv

import pytest

from kl_mobility.cli import main


def test_bench_routing_table_and_csv(tiny_darp, tiny_pdptw, tmp_path, capsys):
    out = tmp_path / "table.csv"
    rc = main(["bench", "routing", str(tiny_darp), str(tiny_pdptw), "--time-limit", "1",
               "--csv", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "instance" in text and "gap %" in text and "feasible" in text
    assert "tiny_darp" in text and "tiny_pdptw" in text
    rows = list(csv.DictReader(out.open()))
    assert [r["instance"] for r in rows] == ["tiny_darp", "tiny_pdptw"]
    assert float(rows[0]["objective"]) == 8.0 and rows[0]["feasible"] == "True"
    assert rows[1]["vehicles"] == "1"


def test_bench_routing_with_bks(tiny_darp, tmp_path, capsys):
    """Best-known 8 given: gap 0.00 %."""
    bks = tmp_path / "bks.csv"
    bks.write_text("instance,value\ntiny_darp,8.0\n")
    assert main(["bench", "routing", str(tiny_darp), "--time-limit", "1",
                 "--bks", str(bks)]) == 0
    text = capsys.readouterr().out
    assert "0.00" in text and "mean gap 0.00 %" in text


def test_bench_routing_given_bks_first_then_next_to_file(tiny_darp, tiny_pdptw, tmp_path,
                                                        capsys):
    """Both instances copied beside a bks.csv giving 10 for each; a --bks file gives 8 for
    tiny_darp only. tiny_darp's plan has distance 8 (see the first test): gap (8 - 8) / 8
    = 0.00 % from the given file. tiny_pdptw takes 10 from the file beside it; its row
    shows that value. The CSV has a CPU-time column."""
    import shutil

    d = tmp_path / "set"
    d.mkdir()
    for f in (tiny_darp, tiny_pdptw):
        shutil.copy(f, d / f.name)
    (d / "bks.csv").write_text("instance,value\ntiny_darp,10.0\ntiny_pdptw,10.0\n")
    given = tmp_path / "given.csv"
    given.write_text("instance,value\ntiny_darp,8.0\n")
    out = tmp_path / "t.csv"
    assert main(["bench", "routing", str(d), "--time-limit", "1", "--bks", str(given),
                 "--csv", str(out)]) == 0
    rows = {r["instance"]: r for r in csv.DictReader(out.open())}
    assert float(rows["tiny_darp"]["bks_objective"]) == 8.0
    assert float(rows["tiny_darp"]["gap_pct"]) == 0.0
    assert float(rows["tiny_pdptw"]["bks_objective"]) == 10.0
    assert float(rows["tiny_darp"]["cpu_s"]) >= 0.0
    capsys.readouterr()


def test_bench_routing_conflicting_bks_files_is_one_line_error(tiny_darp, tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("instance,value\ntiny_darp,8.0\n")
    b.write_text("instance,value\ntiny_darp,9.0\n")
    assert main(["bench", "routing", str(tiny_darp), "--time-limit", "1", "--bks", str(a),
                 "--bks", str(b)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "b.csv: best-known value of tiny_darp" in err[0]


def test_bench_missing_path_is_one_line_error(tmp_path, capsys):
    assert main(["bench", "routing", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt: no such instance file" in capsys.readouterr().err


def test_plan_rejects_bad_fleet(tmp_path, capsys):
    assert main(["plan", "--requests", str(tmp_path / "r.csv"), "--fleet", "0",
                 "--capacity", "4"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "argument --fleet: must be an integer >= 1, got '0'" in err[0]


def test_plan_on_tiny_osm(tmp_path, capsys):
    """Two requests on the hand-written OSM network (tests/data/tiny.osm): both planned."""
    from pathlib import Path

    osm = Path(__file__).resolve().parents[1] / "data" / "tiny.osm"
    req = tmp_path / "requests.csv"
    req.write_text("request_id,request_time_s,origin_lat,origin_lon,dest_lat,dest_lon\n"
                   "1,28800,49.400,7.700,49.418,7.700\n"
                   "2,28900,49.409,7.700,49.418,7.6862\n")
    rc = main(["plan", "--requests", str(req), "--fleet", "1", "--capacity", "4",
               "--osm", str(osm), "--cache-dir", str(tmp_path / "net"), "--time-limit", "1",
               "--out", str(tmp_path / "out")])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "2/2 requests served" in text and "vehicle_km" in text
    assert (tmp_path / "out" / "plan_trips.csv").is_file()


def test_plan_outer_district_request_energy_and_files(tmp_path, capsys):
    """One request from an outer district 120 s beyond the boundary node (tiny.osm's south
    node, 49.400 N 7.700 E) to the north node. The default scenario's van (electric,
    0.281 kWh/km) drives 2 x 120 s x 50 km/h = 3.333 km beyond the network, counted in
    km_external and km_total; energy = 0.281 x km_total; the files are written."""
    from pathlib import Path

    import pandas as pd

    from kl_mobility.network import load_network, nearest_nodes

    osm = Path(__file__).resolve().parents[1] / "data" / "tiny.osm"
    net = load_network(osm, cache_dir=tmp_path / "net")
    node, _ = nearest_nodes(net, [49.400], [7.700])
    req = tmp_path / "requests.csv"
    req.write_text("request_id,request_time_s,origin_lat,origin_lon,origin_node,"
                   "origin_offset_s,dest_lat,dest_lon\n"
                   f"1,28800,49.380,7.700,{int(node[0])},120,49.418,7.700\n")
    out = tmp_path / "out"
    rc = main(["plan", "--requests", str(req), "--fleet", "1", "--osm", str(osm),
               "--cache-dir", str(tmp_path / "net"), "--time-limit", "1", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "1/1 requests served" in text and "1 requests with an outer-district" in text
    assert "van, electric, capacity 6" in text  # the default scenario's van
    veh = pd.read_csv(out / "plan_vehicles.csv")
    ext = 2 * 120 * 50 / 3.6 / 1000
    assert veh["km_external"].sum() == pytest.approx(ext)
    assert veh["km_total"].sum() > ext
    assert veh["energy_kwh"].sum() == pytest.approx(0.281 * veh["km_total"].sum())
    trips = pd.read_csv(out / "plan_trips.csv")
    assert trips["origin_offset_s"].tolist() == [120]
    for name in ("plan_stops.csv", "plan_kpis.json"):
        assert (out / name).is_file()
    assert not list(out.glob(".*.tmp"))


def test_plan_unknown_vehicle_type_is_one_line(tmp_path, capsys):
    req = tmp_path / "r.csv"
    req.write_text("request_id,request_time_s,origin_lat,origin_lon,dest_lat,dest_lon\n")
    assert main(["plan", "--requests", str(req), "--fleet", "1", "--vehicle-type",
                 "tram"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'tram'" in err[0] and "van" in err[0]


def test_bench_routing_route_minimiser_options(tiny_pdptw, tmp_path, capsys):
    """Both route minimisers and a search seed are accepted; a bad name is one line, exit 2."""
    for name in ("ges", "ortools"):
        out = tmp_path / f"{name}.csv"
        assert main(["bench", "routing", str(tiny_pdptw), "--time-limit", "1",
                     "--route-minimiser", name, "--search-seed", "3", "--csv", str(out)]) == 0
        rows = list(csv.DictReader(out.open()))
        assert rows[0]["feasible"] == "True" and rows[0]["vehicles"] == "1"
    capsys.readouterr()
    assert main(["bench", "routing", str(tiny_pdptw), "--route-minimiser", "magic"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid choice: 'magic'" in err[0]
