"""``kl-mobility report`` and ``kl-mobility batch`` from the command line."""

from __future__ import annotations

import pandas as pd

from kl_mobility.cli import main


def test_report_cli_writes_every_file(fake_batch, tmp_path, grid, monkeypatch, capsys):
    """The CLI loads the scenario's network for the map (here replaced by the test grid)."""
    import kl_mobility.network as network

    monkeypatch.setattr(network, "load_network", lambda *a, **k: grid)
    assert main(["report", str(fake_batch), "--out", str(tmp_path), "--baseline", "base",
                 "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "report.html" in out
    for name in ("report.html", "kpis.csv", "paired.csv", "sensitivity.csv", "trips.parquet",
                 "vehicles.parquet", "edges_vkm.geojson", "stops.geojson", "co2.png",
                 "map_vkm_pooling.png", "map_requests_pooling.png"):
        assert (tmp_path / name).is_file(), name
    assert '<html lang="en">' in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert set(pd.read_csv(tmp_path / "kpis.csv")["scenario"]) == {"base", "pooling",
                                                                    "pooling-more"}


def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, scenario_dir):
    assert main(["report", str(tmp_path / "none")]) == 2
    assert main(["report", str(tmp_path)]) == 2  # exists but holds no finished run
    assert main(["report", str(tmp_path), "--lang", "fr"]) == 2  # an unknown language
    assert main(["batch", str(scenario_dir / "bad-unit.toml")]) == 2
    assert main(["batch", str(scenario_dir / "base.toml"), "--seeds", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 5 and all(line.startswith("kl-mobility: error: ") for line in err)
    assert "--lang" in err[2] and "max_wait_s" in err[3]
