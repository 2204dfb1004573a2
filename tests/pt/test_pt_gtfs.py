"""Reading and validating GTFS feeds: the tiny feed as folder and zip, and one clear error
(file, line, field; exit code 2 on the command line) for each kind of broken feed."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from kl_mobility.cli import main
from kl_mobility.pt.gtfs import GtfsError, read_gtfs

TINY = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "feed"
    shutil.copytree(TINY, dst)
    return dst


def _zip(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.glob("*.txt")):
            zf.write(f, f.name)
    return out


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_folder_and_zip_read_the_same(tmp_path):
    a = read_gtfs(TINY)
    b = read_gtfs(_zip(TINY, tmp_path / "tiny.zip"))
    assert a.n_stops == b.n_stops == 6
    assert a.n_trips == b.n_trips == 5  # t6 runs on Saturdays only
    assert (a.st_arr_s == b.st_arr_s).all()
    # t1 leaves A at 08:00:00 = 28,800 s and reaches C at 08:10 = 29,400 s
    assert a.st_dep_s[0] == 28_800 and a.st_arr_s[2] == 29_400


def test_distance_along_the_trip_is_the_straight_line(tmp_path):
    """Without shape_dist_traveled: A (7.75 E) -> B (7.76 E) on 49.44 N is 0.01 deg of
    longitude = 0.01 x pi/180 x 6,371 km x cos(49.44 deg) = 723 m."""
    f = read_gtfs(TINY)
    assert f.st_dist_m[1] == pytest.approx(723.3, abs=0.5)


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("stop_times.txt", "t1,08:05:00,08:05:00", "t1,25:61:00,25:61:00",
     "stop_times.txt: line 3: field 'arrival_time': '25:61:00' is not a time"),
    ("stop_times.txt", "t3,08:15:00,08:15:00,D", "t3,08:15:00,08:15:00,Q",
     "stop_times.txt: line 9: field 'stop_id': 'Q' is not in stops.txt"),
    ("stop_times.txt", "t2,08:25:00,08:25:00", "t2,08:19:00,08:19:00",
     "stop_times.txt: line 6: field 'arrival_time' is before the departure from the previous stop"),
    ("trips.txt", "R2,WD,t3", "R9,WD,t3",
     "trips.txt: line 4: field 'route_id': 'R9' is not in routes.txt"),
    ("stops.txt", "D,Stop D,49.4450", "D,Stop D,north",
     "stops.txt: line 5: field 'stop_lat': 'north' is not a number"),
    ("stops.txt", "E,Stop E", "D,Stop E",
     "stops.txt: line 6: field 'stop_id': 'D' appears twice"),
    ("calendar.txt", "20240101,20241231\nSA", "2024-01-01,20241231\nSA",
     "calendar.txt: line 2: field 'start_date': '2024-01-01' is not a date"),
])
def test_bad_values_name_file_line_and_field(tmp_path, file, old, new, message):
    feed = _copy(tmp_path)
    _replace(feed / file, old, new)
    with pytest.raises(GtfsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_gtfs(feed)


def test_missing_stop_times(tmp_path):
    feed = _copy(tmp_path)
    (feed / "stop_times.txt").unlink()
    with pytest.raises(GtfsError, match="required file stop_times.txt is missing"):
        read_gtfs(_zip(feed, tmp_path / "f.zip"))


def test_missing_column(tmp_path):
    feed = _copy(tmp_path)
    _replace(feed / "stops.txt", "stop_lon", "stop_lng")
    with pytest.raises(GtfsError, match="stops.txt: required column 'stop_lon' is missing"):
        read_gtfs(feed)


def test_truncated_zip(tmp_path):
    z = _zip(TINY, tmp_path / "f.zip")
    data = z.read_bytes()
    z.write_bytes(data[: len(data) // 2])
    with pytest.raises(GtfsError, match="not a complete zip archive"):
        read_gtfs(z)


def test_corrupt_member(tmp_path):
    """A zip whose directory is intact but one member's bytes are altered (stored, so the
    change reaches the data): the CRC check names the member."""
    z = tmp_path / "f.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for f in sorted(TINY.glob("*.txt")):
            zf.write(f, f.name)
    data = bytearray(z.read_bytes())
    k = data.index(b"Tiny test transit")
    data[k] = ord("X")
    z.write_bytes(bytes(data))
    with pytest.raises(GtfsError, match="member agency.txt fails its CRC check"):
        read_gtfs(z)


def test_stops_outside_the_area_are_a_warning():
    """Area = a box around A..E with no margin: F (49.4409) lies inside, so the box must
    exclude some stop: take the box of A alone; every other stop is > 0 m outside."""
    f = read_gtfs(TINY, area_bbox=(49.4399, 7.7499, 49.4401, 7.7501), area_margin_m=10.0)
    assert len(f.warnings) == 1
    assert "5 of 6 stops lie more than 10 m outside the network area" in f.warnings[0]
    assert "line 3, stop_id 'B'" in f.warnings[0]
    assert f.n_stops == 6  # kept


def test_cli_exit_codes(tmp_path, capsys):
    assert main(["pt", "validate", str(TINY), "--no-area-check"]) == 0
    out = capsys.readouterr().out
    assert "trips" in out and " 5" in out
    feed = _copy(tmp_path)
    _replace(feed / "stop_times.txt", "t1,08:05:00", "t1,8:5:00")
    assert main(["pt", "validate", str(feed), "--no-area-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "stop_times.txt: line 3: field 'arrival_time': '8:5:00' is not a time" in err[0]
