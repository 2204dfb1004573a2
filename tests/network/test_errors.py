"""Bad network input gives one clear line from the CLI and exit code 2, never a traceback."""

from __future__ import annotations

import gzip

import pytest

from kl_mobility.cli import main

EMPTY_OSM = b'<?xml version="1.0"?><osm version="0.6"><node id="1" lat="49.4" lon="7.7"/></osm>'


def _run(capsys, path, tmp_path):
    rc = main(["network", "build", "--osm", str(path), "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip().splitlines()
    return rc, err


def test_missing_file(capsys, tmp_path):
    rc, err = _run(capsys, tmp_path / "nope.osm", tmp_path)
    assert rc == 2
    assert len(err) == 1 and "nope.osm: file not found" in err[0]


def test_not_osm(capsys, tmp_path):
    p = tmp_path / "notes.osm"
    p.write_text("just some text\n")
    rc, err = _run(capsys, p, tmp_path)
    assert rc == 2
    assert len(err) == 1 and "notes.osm: not an OSM XML file" in err[0]


def test_other_xml(capsys, tmp_path):
    p = tmp_path / "other.xml"
    p.write_text("<html><body/></html>")
    rc, err = _run(capsys, p, tmp_path)
    assert rc == 2 and "root element <html>" in err[0]


def test_truncated_gzip(capsys, tmp_path, tiny_osm):
    full = gzip.compress(tiny_osm.read_bytes())
    p = tmp_path / "cut.osm.gz"
    p.write_bytes(full[: len(full) // 2])
    rc, err = _run(capsys, p, tmp_path)
    assert rc == 2
    assert len(err) == 1 and "cut.osm.gz: corrupt or truncated" in err[0]


def test_no_drivable_roads(capsys, tmp_path):
    p = tmp_path / "empty.osm"
    p.write_bytes(EMPTY_OSM)
    rc, err = _run(capsys, p, tmp_path)
    assert rc == 2
    assert len(err) == 1 and "empty.osm: contains no drivable roads" in err[0]


def test_build_summary(capsys, tmp_path, tiny_osm):
    rc = main(["network", "build", "--osm", str(tiny_osm), "--cache-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "nodes                      5" in out
    assert "edges (directed)           8" in out


@pytest.mark.parametrize("argv", [["network", "build", "--help"]])
def test_help_explains_options(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    for opt in ("--osm", "--place", "--scenario", "--cache-dir", "--oracle", "--rebuild"):
        assert opt in out
