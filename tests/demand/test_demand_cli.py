"""``kl-mobility demand generate|validate``: exit codes, printed counts and reasons, files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kl_mobility.cli import main
from kl_mobility.demand import requests_from_file

DATA = Path(__file__).resolve().parents[1] / "data" / "demand"


@pytest.fixture(autouse=True)
def _needs_extract(kl_network):
    """The CLI loads the Kaiserslautern network (skipped without the shared extract)."""


def test_validate_good_file_exits_0(capsys):
    assert main(["demand", "validate", str(DATA / "requests_good.csv")]) == 0
    assert "3 rows, 3 accepted, 0 rejected" in capsys.readouterr().out


def test_validate_bad_file_lists_lines_and_exits_2(capsys, tmp_path):
    rejects = tmp_path / "rej.csv"
    accepted = tmp_path / "ok.parquet"
    code = main(["demand", "validate", str(DATA / "requests_bad.csv"), "--skip-invalid",
                 "--rejects", str(rejects), "--out", str(accepted)])
    out = capsys.readouterr().out
    assert code == 2
    assert "12 rows, 2 accepted, 10 rejected" in out
    assert "line 3: request_time_s 'abc' is not a whole number of seconds" in out
    assert "line 11: has 4 fields, the header has 9" in out
    assert len(pd.read_csv(rejects)) == 10
    ok, rej = requests_from_file(accepted)
    assert len(ok) == 2 and rej.empty


def test_validate_unknown_column_is_one_line_error(capsys):
    code = main(["demand", "validate", str(DATA / "requests_unknown_column.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "unknown column(s) 'colour'" in err


def test_generate_writes_requests_and_prints_summary(capsys, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "t"\nseed = 4\n[demand]\nscale = 0.05\n'
                        '[[fleet]]\nname = "van"\ncount = 3\n')
    out = tmp_path / "req.parquet"
    trips = tmp_path / "trips.parquet"
    assert main(["demand", "generate", "--scenario", str(scenario), "--seed", "9",
                 "--out", str(out), "--trips", str(trips)]) == 0
    text = capsys.readouterr().out
    assert "seed 9" in text and "ondemand" in text and "hour" in text
    req, rej = requests_from_file(out)
    assert rej.empty and len(req) > 0
    # (75,848 + 22,498) x 3.2 x 0.05 = 15,735.4 -> 15,735 trips
    assert len(pd.read_parquet(trips)) == 15_735


def test_an_existing_output_file_is_kept_unless_overwrite(capsys, tmp_path):
    """A request file the user named is never replaced silently: without --overwrite the
    command stops before computing (one line, exit 2) and the file keeps its bytes; with
    --overwrite it is replaced by the accepted rows."""
    rejects = tmp_path / "rej.csv"
    accepted = tmp_path / "ok.parquet"
    accepted.write_bytes(b"my own file")
    code = main(["demand", "validate", str(DATA / "requests_bad.csv"), "--skip-invalid",
                 "--rejects", str(rejects), "--out", str(accepted)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "exists already" in err and "--overwrite" in err
    assert accepted.read_bytes() == b"my own file" and not rejects.exists()
    assert main(["demand", "validate", str(DATA / "requests_bad.csv"), "--skip-invalid",
                 "--rejects", str(rejects), "--out", str(accepted), "--overwrite"]) == 2
    ok, rej = requests_from_file(accepted)
    assert len(ok) == 2 and rej.empty  # 12 rows - 10 rejected = 2 accepted
