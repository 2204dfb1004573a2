"""The one writer (kl_mobility.io): strict JSON, atomic files and folders, user files never
replaced, output checked before computing, stale staging removed, one batch at a time."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kl_mobility.cli import main
from kl_mobility.io import (
    MARKER,
    FolderLock,
    OutputError,
    atomic_file,
    check_output_dir,
    file_manifest,
    json_text,
    remove_stale,
    staged_dir,
    verify_manifest,
    write_json,
)

DATA = Path(__file__).parent / "data" / "scenarios"


def _strict(text: str):
    """json.loads that refuses NaN and Infinity (what other JSON readers do)."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats() | st.text(max_size=5)
    | st.floats().map(np.float64) | st.integers(-100, 100).map(np.int32),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4),
                                                                       children, max_size=4),
    max_leaves=20)


def _expected(v):
    if isinstance(v, dict):
        return {k: _expected(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_expected(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_json_text_is_strict_and_maps_non_finite_to_null(value):
    """Any nesting of numbers (NaN and infinities included, numpy scalars too) gives text
    a strict parser reads back, with null where a non-finite float was."""
    assert _strict(json_text(value)) == _expected(value)


def test_write_json_never_writes_nan(tmp_path):
    path = write_json(tmp_path / "k.json", {"a": math.nan, "b": [np.inf, -np.inf, 1.5]})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert _strict(text) == {"a": None, "b": [None, None, 1.5]}


def _user_folder(root: Path, names: list[str]) -> Path:
    d = root / "mine"
    d.mkdir()
    for i, n in enumerate(names):
        (d / n).write_text(f"user file {i}")
    return d


file_names = st.lists(st.text("abcxyz_.-0123", min_size=1, max_size=8)
                      .filter(lambda s: s not in (".", "..", MARKER)), min_size=1, max_size=5,
                      unique=True)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=file_names)
def test_staged_dir_never_replaces_a_users_folder(tmp_path_factory, names):
    """A folder of the user's own files (no marker) is refused and left as it was."""
    root = tmp_path_factory.mktemp("u")
    d = _user_folder(root, names)
    with pytest.raises(OutputError, match="did not write"), staged_dir(d) as new:
        (new / "x").write_text("new")
    assert sorted(p.name for p in d.iterdir()) == sorted(names)
    assert all((d / n).read_text() == f"user file {i}" for i, n in enumerate(names))
    assert sorted(p.name for p in root.iterdir()) == ["mine"], "no staging left behind"


def test_staged_dir_refuses_a_file_and_replaces_its_own_folder(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("precious")
    with pytest.raises(OutputError, match="existing file"), staged_dir(f):
        pass
    assert f.read_text() == "precious"
    out = tmp_path / "run"
    with staged_dir(out) as d:
        (d / "a.txt").write_text("1")
    assert (out / MARKER).is_file() and (out / "a.txt").read_text() == "1"
    with staged_dir(out) as d:  # its own folder: replaced whole
        (d / "b.txt").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "b.txt"]
    with pytest.raises(RuntimeError), staged_dir(out) as d:  # an error keeps the old one
        (d / "c.txt").write_text("3")
        raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "run"]


def test_check_output_dir_before_computing(tmp_path):
    """Path through a file, an unwritable place: one clear error, before any work."""
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output_dir(f / "sub" / "run")
    with pytest.raises(OutputError, match="cannot"):
        check_output_dir(Path("/proc/kl-mobility-test/run"))
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"


def test_atomic_file_refuses_a_folder_and_keeps_old_on_error(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="is a folder"), atomic_file(tmp_path / "d"):
        pass
    p = tmp_path / "t.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(p) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["d", "t.txt"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_staging_of_a_killed_run_is_removed(tmp_path):
    """Staging folders and temporary files of a dead process go; a live one's stay."""
    host = socket.gethostname().replace(".", "_").replace("-", "_")
    dead, alive = _dead_pid(), os.getpid()
    stale_dir = tmp_path / f".run.kl-staging-{host}-{dead}-abcd1234"
    stale_dir.mkdir()
    (stale_dir / "new").mkdir()
    stale_file = tmp_path / f".run.kl-tmp-{host}-{dead}-abcd1234"
    stale_file.write_text("half")
    live_dir = tmp_path / f".run.kl-staging-{host}-{alive}-ffff0000"
    live_dir.mkdir()
    other = tmp_path / f".run.kl-staging-otherhost-{dead}-abcd1234"
    other.mkdir()
    assert remove_stale(tmp_path / "run") == 2
    assert not stale_dir.exists() and not stale_file.exists()
    assert live_dir.exists(), "a running writer's staging is not touched"
    assert other.exists(), "another host's process cannot be checked: left alone"
    with staged_dir(tmp_path / "run") as d:  # the next writer cleans up too
        (d / "x").write_text("1")


def test_folder_lock_stops_a_second_writer(tmp_path):
    with FolderLock(tmp_path / "b"):
        with pytest.raises(OutputError, match="another batch is writing here"):
            with FolderLock(tmp_path / "b"):
                pass
    with FolderLock(tmp_path / "b"):  # released
        pass


def test_manifest_finds_every_damage(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / "a.bin").write_bytes(bytes(range(256)) * 10)
    (d / "sub").mkdir()
    (d / "sub" / "b.txt").write_text("hello")
    man = file_manifest(d)
    assert set(man) == {"a.bin", "sub/b.txt"} and man["a.bin"]["size"] == 2560
    assert verify_manifest(d, man) == []
    raw = (d / "a.bin").read_bytes()
    (d / "a.bin").write_bytes(raw[:1000])
    assert verify_manifest(d, man) == ["a.bin: 1000 bytes, 2560 recorded"]
    (d / "a.bin").write_bytes(raw[:-1] + b"\x00")  # same size, one byte changed
    assert verify_manifest(d, man) == ["a.bin: content differs from the recorded SHA-256"]
    (d / "sub" / "b.txt").unlink()
    assert "sub/b.txt: missing" in verify_manifest(d, man)


@pytest.mark.parametrize("kind", ["user folder", "regular file", "path through a file"])
def test_run_refuses_a_bad_out_before_computing(tmp_path, capsys, kind):
    """``kl-mobility run --out`` on a user's folder, a file or a path through a file: one
    line, exit 2, the user's files as they were (checked before the network is loaded: a
    cache folder that does not exist stays absent)."""
    if kind == "user folder":
        out = _user_folder(tmp_path, ["thesis.docx", "data.csv"])
    elif kind == "regular file":
        out = tmp_path / "notes.txt"
        out.write_text("precious")
    else:
        (tmp_path / "notes.txt").write_text("precious")
        out = tmp_path / "notes.txt" / "run"
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    rc = main(["run", str(DATA / "pooling.toml"), "--out", str(out), "--quiet",
               "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and err[0].startswith("kl-mobility: error: ") and str(out) in err[0]
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "cache").exists()


def test_a_run_folder_of_an_earlier_version_is_recognised(tmp_path):
    """Before the marker, a run folder held run.json (scenario, seed) and kpis.json: it is
    replaced like a marked one; the same files without those keys are not."""
    old = tmp_path / "old"
    old.mkdir()
    (old / "run.json").write_text(json.dumps({"scenario": "s", "seed": 1}))
    (old / "kpis.json").write_text("{}")
    with staged_dir(old) as d:
        (d / "new.txt").write_text("1")
    assert sorted(p.name for p in old.iterdir()) == [MARKER, "new.txt"]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "run.json").write_text(json.dumps({"my": "notes"}))
    (mine / "kpis.json").write_text("{}")
    with pytest.raises(OutputError), staged_dir(mine):
        pass


def test_check_output_file_keeps_an_existing_file_unless_replace(tmp_path):
    """``replace=False`` (a file named on the command line without --overwrite) refuses an
    existing file and leaves it as it was; the default replaces it (files inside
    kl-mobility's own folders)."""
    from kl_mobility.io import OutputError, check_output_file

    f = tmp_path / "table.csv"
    assert check_output_file(f, replace=False) == f  # absent: fine
    f.write_text("mine")
    with pytest.raises(OutputError, match="exists already"):
        check_output_file(f, replace=False)
    assert f.read_text() == "mine"
    assert check_output_file(f) == f
