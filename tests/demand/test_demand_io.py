"""Request files: round trips, every kind of bad row reported, nothing lost (fuzzed)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kl_mobility.demand import (
    RequestFileError,
    generate_demand,
    requests_from_file,
    requests_to_csv,
    requests_to_parquet,
)
from kl_mobility.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "demand"

# requests_bad.csv: the reason expected on each rejected line (tests/data/demand/README.md)
BAD_LINES = {
    3: "request_time_s 'abc' is not a whole number of seconds",
    4: "origin (49.300000, 7.768900) is outside the network area",
    5: "origin equals destination",
    6: "passengers '0' is out of range [1, 32767]",
    7: "passengers '-2' is out of range [1, 32767]",
    9: "booking_time_s '30000' is after request_time_s",
    10: "alt_mode 'plane' is not one of car|walk|bike|bus",
    11: "has 4 fields, the header has 9",
    12: "duplicate request_id 1 (first on line 2)",
    13: "request_time_s '8.5' is not a whole number of seconds",
}


@pytest.fixture(scope="module")
def grid_requests(grid, grid_oracle, grid_config, grid_zones):
    return generate_demand(grid, grid_oracle, grid_config, seed=4, zones=grid_zones).requests


@pytest.mark.parametrize("writer", [requests_to_parquet, requests_to_csv])
def test_round_trip_is_exact(tmp_path, grid, grid_requests, writer):
    path = writer(grid_requests, tmp_path / ("r.parquet" if writer is requests_to_parquet
                                             else "r.csv"))
    back, rejects = requests_from_file(path, grid)
    assert rejects.empty
    pd.testing.assert_frame_equal(back, grid_requests)
    # external requests keep their own coordinates outside the grid and their offsets
    assert (back["origin_offset_s"] > 0).any()


def test_writers_refuse_a_broken_table(tmp_path, grid_requests):
    bad = grid_requests.assign(passengers=np.int16(0))
    with pytest.raises(ValueError, match="passengers"):
        requests_to_parquet(bad, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_good_file_with_defaults(grid):
    req, rejects = requests_from_file(DATA / "requests_good.csv", grid)
    assert rejects.empty and len(req) == 3
    assert req["origin_node"].tolist() == [0, 22, 44]  # snapped: (r, c) -> r * 10 + c
    assert req["booking_time_s"].tolist() == [pd.NA, 27000, pd.NA]
    assert req["origin_zone"].eq("core").all() and req["origin_offset_s"].eq(0).all()


def test_one_message_names_every_bad_line(grid):
    with pytest.raises(RequestFileError) as err:
        requests_from_file(DATA / "requests_bad.csv", grid)
    msg = str(err.value)
    assert "10 of 12 rows invalid" in msg and "--skip-invalid" in msg
    for line, reason in BAD_LINES.items():
        assert f"line {line}: {reason}" in msg


def test_skip_invalid_accounts_for_every_row(grid):
    req, rejects = requests_from_file(DATA / "requests_bad.csv", grid, skip_invalid=True)
    assert req["request_id"].tolist() == [1, 7]
    assert rejects["line"].tolist() == sorted(BAD_LINES)
    for line, reason in zip(rejects["line"], rejects["reason"]):
        assert reason.startswith(BAD_LINES[line])
    assert len(req) + len(rejects) == 12


def test_unknown_column_is_a_file_error(grid):
    with pytest.raises(InputError, match=r"line 1: unknown column\(s\) 'colour'; valid columns"):
        requests_from_file(DATA / "requests_unknown_column.csv", grid, skip_invalid=True)


def test_file_level_errors(tmp_path, grid):
    with pytest.raises(InputError, match="file not found"):
        requests_from_file(tmp_path / "none.csv", grid)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty file"):
        requests_from_file(empty, grid)
    nodest = tmp_path / "nodest.csv"
    nodest.write_text("request_time_s,origin_lat,origin_lon\n1,49.4447,7.7689\n")
    with pytest.raises(InputError, match="missing column"):
        requests_from_file(nodest, grid)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("request_time_s,origin_lat\n\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        requests_from_file(latin, grid)


def test_nodes_only_and_parquet_rows(tmp_path, grid):
    df = pd.DataFrame({"request_time_s": [10, 20], "origin_node": [0, 5], "dest_node": [5, 5]})
    path = tmp_path / "nodes.parquet"
    df.to_parquet(path)
    req, rejects = requests_from_file(path, grid, skip_invalid=True)
    assert len(req) == 1 and req["origin_lat"].iloc[0] == grid.node_lat[0]
    assert rejects["line"].tolist() == [2] and "origin equals destination" in rejects["reason"][0]


_FIELD = st.one_of(
    st.sampled_from(["", "0", "1", "-1", "8.5", "abc", "car", "bus", "plane", "nan", "1e3",
                     "49.4483", "7.7744", "49.3", "86399", "172801"]),
    st.integers(-5, 100_000).map(str),
    st.floats(49.44, 49.46).map(lambda v: f"{v:.5f}"),
    st.floats(7.76, 7.80).map(lambda v: f"{v:.5f}"),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=6),
)
_COLS = ["request_id", "request_time_s", "origin_lat", "origin_lon", "dest_lat", "dest_lon",
         "passengers", "alt_mode", "booking_time_s", "origin_node"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_FIELD, min_size=8, max_size=11), min_size=0, max_size=25))
def test_fuzzed_rows_in_equal_accepted_plus_rejected(tmp_path_factory, grid, rows):
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(_COLS)
        w.writerows(rows)
    n_in = sum(1 for r in rows if r != [""] * len(r) or len(r) > 1)
    req, rejects = requests_from_file(path, grid, skip_invalid=True)
    assert len(req) + len(rejects) == n_in
    assert req["request_id"].is_unique
    if len(rejects):
        assert rejects["reason"].str.len().gt(0).all()


def test_check_requests_names_the_column(grid_requests):
    from kl_mobility.demand import check_requests

    check_requests(grid_requests.astype({"origin_zone": "str"}))  # string dtype is fine
    with pytest.raises(ValueError, match="^request_time_s must have dtype int64"):
        check_requests(grid_requests.astype({"request_time_s": "float64"}))
    with pytest.raises(ValueError, match="^request_id must be unique"):
        check_requests(grid_requests.assign(request_id=0))
    with pytest.raises(ValueError, match="origin_node must be in 0..9"):
        check_requests(grid_requests, n_nodes=10)
