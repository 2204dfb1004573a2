"""Parameter grids (sweep files) in batches: expansion, errors naming the grid key, and a
resumable batch over the points."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest

from kl_mobility.batch import plan_batch, run_batch
from kl_mobility.cli import main
from kl_mobility.config import ConfigError
from kl_mobility.sweep import read_sweep

DATA = Path(__file__).parent / "data" / "scenarios"

cloudpickle.register_pickle_by_value(sys.modules[__name__])


def tiny_run(scenario, seed, out_dir, progress=None):
    """Writes one file; KPIs carry the point's values back."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / "marker.txt").write_text(scenario.name)
    return {"n_vehicles": sum(v.count for v in scenario.fleet),
            "max_wait_s": scenario.service.max_wait_s}


def _sweep(tmp_path: Path, grid: str, name: str = "g") -> Path:
    scen = tmp_path / "scen"
    if not scen.exists():
        shutil.copytree(DATA, scen)
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[sweep]\nscenario = "scen/pooling.toml"\nname = "{name}"\n'
                    f"[sweep.grid]\n{grid}\n")
    return path


def test_points_are_the_product_in_key_order(tmp_path):
    """2 counts x 3 waits = 6 points, the last key varying fastest; each point is the
    scenario (pooling.toml: van count 4, max wait 300 s) with its two values set and the
    rest unchanged (capacity 6 from pooling.toml)."""
    sw = read_sweep(_sweep(tmp_path, '"fleet.van.count" = [2, 8]\n'
                                     '"service.max_wait_s" = [120, 300, 600]'))
    assert sw.keys == ("fleet.van.count", "service.max_wait_s")
    got = [(p.scenario.fleet[0].count, p.scenario.service.max_wait_s) for p in sw.points]
    assert got == [(2, 120), (2, 300), (2, 600), (8, 120), (8, 300), (8, 600)]
    assert all(p.scenario.fleet[0].capacity == 6 for p in sw.points)
    assert sw.points[1].name == "g_fleet.van.count-2_service.max_wait_s-300"
    assert sw.points[1].values == {"fleet.van.count": 2, "service.max_wait_s": 300}
    specs = plan_batch([sw.file], [0, 1], tmp_path / "out", version="t")
    assert len(specs) == 12 and len({s.key for s in specs}) == 12


@pytest.mark.parametrize(("grid", "key", "words"), [
    ('"service.max_wat_s" = [1]', "sweep.grid.service.max_wat_s", "did you mean 'max_wait_s'"),
    ('"servce.end_s" = [1]', "sweep.grid.servce.end_s", "did you mean 'service'"),
    ('"fleet.bus.count" = [1]', "sweep.grid.fleet.bus.count", "no vehicle type 'bus'"),
    ('"fleet.van.cout" = [1]', "sweep.grid.fleet.van.cout", "unknown vehicle-type key"),
    ('"fleet.van.count" = [3, -1]', "sweep.grid.fleet.van.count", "count must be >= 0"),
    ('"service.max_wait_s" = []', "sweep.grid.service.max_wait_s", "non-empty array"),
    ('"service.max_wait_s" = [60, 60]', "sweep.grid.service.max_wait_s", "appears twice"),
    ('"max_wait_s" = [60]', "sweep.grid.max_wait_s", "SECTION.KEY"),
])
def test_a_bad_grid_key_or_value_names_the_key(tmp_path, grid, key, words):
    with pytest.raises(ConfigError) as err:
        read_sweep(_sweep(tmp_path, grid))
    assert err.value.key == key
    assert words in str(err.value)


def test_cli_bad_grid_key_is_one_line_and_exit_2(tmp_path, capsys):
    path = _sweep(tmp_path, '"service.max_wat_s" = [60]')
    rc = main(["batch", str(path), "--results", str(tmp_path / "res")])
    assert rc == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "sweep.grid.service.max_wat_s" in lines[0], lines
    assert not (tmp_path / "res").exists()


def test_sweep_batch_runs_every_point_and_resumes(tmp_path):
    """4 points x 1 seed on a 1-process LocalCluster: every point runs with its values,
    sweep.csv lists them; the same sweep again skips all 4; a new value runs only the 2
    new points."""
    path = _sweep(tmp_path, '"fleet.van.count" = [2, 8]\n"service.max_wait_s" = [120, 600]')
    out = tmp_path / "results" / "g"
    res = run_batch([path], [0], out, run_fn=tiny_run, workers=1, version="t")
    assert res.counts() == {"done": 4, "skipped": 0, "failed": 0}
    for o in res.outcomes:
        info = json.loads((Path(o.out_dir) / "run.json").read_text())
        count = int(o.scenario.split("count-")[1].split("_")[0])
        wait = int(o.scenario.split("max_wait_s-")[1])
        assert info["kpis"] == {"n_vehicles": count, "max_wait_s": wait}
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns) == ["sweep", "scenario", "fleet.van.count",
                                   "service.max_wait_s"]
    assert table["fleet.van.count"].tolist() == [2, 2, 8, 8]
    assert set(table["scenario"]) == {o.scenario for o in res.outcomes}
    again = run_batch([path], [0], out, run_fn=tiny_run, workers=1, version="t")
    assert again.counts() == {"done": 0, "skipped": 4, "failed": 0}
    path.write_text(path.read_text().replace("[2, 8]", "[2, 8, 16]"))
    more = run_batch([path], [0], out, run_fn=tiny_run, workers=1, version="t")
    assert more.counts() == {"done": 2, "skipped": 4, "failed": 0}
    assert len(pd.read_csv(out / "sweep.csv")) == 6
