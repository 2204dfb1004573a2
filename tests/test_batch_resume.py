"""Batch resume without a cluster: what marks a run finished, what a run leaves behind,
when the code version changes, and that a fully finished batch starts nothing.

Runs go through :func:`kl_mobility.batch.execute_run` directly (what a Dask worker calls);
tests/test_batch.py runs the same on a local cluster.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from kl_mobility import batch as batch_mod
from kl_mobility.batch import (
    BatchResult,
    RunOutcome,
    _finished,
    code_version,
    default_batch_name,
    execute_run,
    plan_batch,
    run_batch,
)
from kl_mobility.io import MARKER, json_safe

DATA = Path(__file__).parent / "data" / "scenarios"


def writes_marker(scenario, seed, out_dir, progress=None):
    """Creates ``out_dir`` with one file; a NaN and a numpy KPI."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / "marker.txt").write_text(f"{scenario.name} {seed}")
    return {"wait_mean_s": np.float64(120.0), "detour_mean": float("nan"), "n": np.int64(3)}


def writes_nothing(scenario, seed, out_dir, progress=None):
    """Returns no KPIs and leaves ``out_dir`` to the batch."""
    return None


def fails_early(scenario, seed, out_dir, progress=None):
    raise ValueError(f"no good: {scenario.name}/{seed}")


def _spec(tmp_path, seed=0, version="v1", batch="results/b"):
    (spec,) = plan_batch([DATA / "pooling.toml"], [seed], tmp_path / batch, version=version)
    return spec


def test_a_run_is_written_whole_and_marked_finished(tmp_path):
    """Into ``<batch>/<scenario>/<seed>`` (parents created), with run.json (key, seed,
    version, KPIs as JSON: numpy scalars as numbers, NaN as null) and scenario.json; no
    temporary folder stays; the seconds are the run's own (0 <= s < 60)."""
    spec = _spec(tmp_path)
    out = execute_run(spec, writes_marker)
    assert out.status == "done", out.error
    final = Path(spec.out_dir)
    assert final == tmp_path / "results" / "b" / "pooling" / "0"
    info = json.loads((final / "run.json").read_text())
    assert (info["key"], info["seed"], info["code_version"]) == (spec.key, 0, "v1")
    assert info["kpis"]["wait_mean_s"] == 120.0 and info["kpis"]["n"] == 3
    assert info["kpis"]["detour_mean"] is None
    assert 0.0 <= info["seconds"] < 60.0 and info["seconds"] == out.seconds
    assert json.loads((final / "scenario.json").read_text()) == spec.scenario_mapping
    assert (final / "marker.txt").read_text() == "pooling 0"
    assert not list(final.parent.glob(".*kl-staging*"))
    assert _finished(spec) == info
    assert set(info["files"]) == {"marker.txt", "scenario.json"}  # sizes and SHA-256
    # a second seed beside it: the scenario folder exists already
    spec1 = _spec(tmp_path, seed=1)
    assert execute_run(spec1, writes_marker).status == "done"


def test_a_run_without_kpis_or_folder_still_finishes(tmp_path):
    """A run function that returns None and writes nothing: done, KPIs empty (no CO2 rows
    without trips and vehicles tables)."""
    spec = _spec(tmp_path)
    out = execute_run(spec, writes_nothing)
    assert out.status == "done", out.error
    assert out.kpis == {}
    assert _finished(spec)["kpis"] == {}


def test_failed_run_is_reported_and_leaves_the_old_result(tmp_path):
    """A run that raises before creating its folder: failed with type and message; an
    existing result of another key is left as it was; no temporary folder stays."""
    spec = _spec(tmp_path)
    final = Path(spec.out_dir)
    final.mkdir(parents=True)
    (final / MARKER).write_text("{}")  # a run folder kl-mobility wrote
    (final / "run.json").write_text(json.dumps({"key": "older"}))
    out = execute_run(spec, fails_early)
    assert out.status == "failed"
    assert out.error.startswith("ValueError: no good: pooling/0")
    assert json.loads((final / "run.json").read_text()) == {"key": "older"}
    assert _finished(spec) is None
    assert not list(final.parent.glob(".*kl-staging*"))


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_outdated_result_is_replaced_and_stale_temporaries_removed(tmp_path):
    """A finished run of another key is replaced as a whole (its files go); a staging
    folder left by an interrupted (dead) run of the same target is removed; a folder the
    user made there is never replaced."""
    import socket

    spec = _spec(tmp_path)
    final = Path(spec.out_dir)
    final.mkdir(parents=True)
    (final / MARKER).write_text("{}")
    (final / "run.json").write_text(json.dumps({"key": "older"}))
    (final / "old.txt").write_text("x")
    host = socket.gethostname().replace(".", "_").replace("-", "_")
    dead = _dead_pid()
    stale = final.parent / f".{final.name}.kl-staging-{host}-{dead}-deadbeef"
    stale.mkdir()
    (stale / "half.txt").write_text("x")
    other = final.parent / f".7.kl-staging-{host}-{dead}-deadbeef"  # another seed's
    other.mkdir()
    assert execute_run(spec, writes_marker).status == "done"
    assert not (final / "old.txt").exists() and (final / "marker.txt").exists()
    assert not stale.exists() and other.exists()
    (final / MARKER).unlink()  # now it looks like the user's own folder
    out = execute_run(_spec(tmp_path, version="v2"), writes_marker)
    assert out.status == "failed" and "did not write" in out.error
    assert (final / "marker.txt").exists()


def test_finished_needs_the_same_key(tmp_path):
    spec = _spec(tmp_path)
    final = Path(spec.out_dir)
    assert _finished(spec) is None  # nothing there
    final.mkdir(parents=True)
    (final / "run.json").write_text("{not json")
    assert _finished(spec) is None  # unreadable
    (final / "run.json").write_text(json.dumps({"key": spec.key + "x"}))
    assert _finished(spec) is None  # another scenario, seed or code
    (final / "run.json").write_text(json.dumps({"key": spec.key, "seconds": 2.5}))
    assert _finished(spec) is None  # no manifest of its files: not trusted
    info = {"key": spec.key, "seconds": 2.5, "files": {}}
    (final / "run.json").write_text(json.dumps(info))
    assert _finished(spec) == info


def test_keys_change_with_seed_version_and_scenario(tmp_path):
    a = _spec(tmp_path)
    assert _spec(tmp_path).key == a.key  # deterministic
    assert _spec(tmp_path, seed=1).key != a.key
    assert _spec(tmp_path, version="v2").key != a.key
    (more,) = plan_batch([DATA / "pooling-more.toml"], [0], tmp_path, version="v1")
    assert more.key != a.key
    # without a version the code's own is used
    (auto,) = plan_batch([DATA / "pooling.toml"], [0], tmp_path)
    assert auto.code_version == code_version()


def test_finished_batch_resumes_without_a_cluster(tmp_path):
    """Every run finished: run_batch skips them all (their KPIs and seconds from run.json)
    and starts no cluster (a client that would fail is never used)."""
    files = [DATA / "pooling.toml"]
    out = tmp_path / "b"
    for spec in plan_batch(files, [0, 1], out, version="v1"):
        assert execute_run(spec, writes_marker).status == "done"

    class NoClient:
        def submit(self, *a, **k):
            raise AssertionError("nothing should run")

    res = run_batch(files, [0, 1], out, run_fn=writes_marker, client=NoClient(), version="v1")
    assert res.counts() == {"done": 0, "skipped": 2, "failed": 0}
    assert [o.kpis["wait_mean_s"] for o in res.outcomes] == [120.0, 120.0]
    assert all(0.0 <= o.seconds < 60.0 for o in res.outcomes)
    batch = json.loads((out / "batch.json").read_text())
    assert batch["counts"] == {"done": 0, "skipped": 2, "failed": 0}
    assert batch["code_version"] == "v1"


def test_counts_every_status():
    mk = lambda s: RunOutcome("a", 0, s, "k", "d")  # noqa: E731
    res = BatchResult(Path("."), (mk("done"), mk("failed"), mk("done"), mk("skipped")))
    assert res.counts() == {"done": 2, "skipped": 1, "failed": 1}
    assert [o.status for o in res.failed] == ["failed"]


def test_json_safe():
    got = json_safe({"a": (np.float64(1.5), [np.int64(2), float("nan")]), 3: math.inf})
    assert got == {"a": [1.5, [2, None]], "3": None}
    assert type(got["a"][1][0]) is int


def test_batch_name_is_the_common_folder_else_a_stable_hash(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a, b, c = tmp_path / "x" / "a.toml", tmp_path / "x" / "b.toml", tmp_path / "y" / "c.toml"
    assert default_batch_name([a, b]) == "x"
    name = default_batch_name([a, c])
    assert name.startswith("batch-") and len(name) == len("batch-") + 8
    assert default_batch_name([c, a]) == name  # order does not matter
    assert default_batch_name([b, c]) != name


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the package's sources, and the batch module looking at it."""
    src = Path(batch_mod.__file__).resolve().parent
    dst = tmp_path / "kl_mobility"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    monkeypatch.setattr(batch_mod, "__file__", str(dst / "batch.py"))
    return dst


def test_code_version_follows_the_computing_code_only(package_copy):
    """A change of the simulation (sim/) or the CO2 accounting changes the version; a change
    of the CLI, the batch layer or the report does not; a new computing module does."""
    v0 = code_version()
    assert v0.startswith(batch_mod.__version__ + "+") and len(v0.split("+")[1]) == 12
    assert {"cli/", "batch.py"} <= set(batch_mod._PRESENTATION)
    for prefix in batch_mod._PRESENTATION:  # folders ("cli/") and files
        hits = (sorted((package_copy / prefix).rglob("*.py")) if prefix.endswith("/")
                else [package_copy / prefix])
        for p in hits[:2]:
            p.write_text(p.read_text() + "\n# presentation only\n")
            assert code_version() == v0, p
    p = package_copy / "emissions.py"
    p.write_text(p.read_text() + "\n# changed\n")
    v1 = code_version()
    assert v1 != v0
    (package_copy / "sim" / "extra.py").write_text("X = 1\n")
    assert code_version() != v1


def test_a_leftover_that_cannot_be_removed_does_not_fail_the_run(tmp_path):
    """A stale entry matching the temporary pattern that rmtree cannot remove (a file, not a
    folder) is left alone: the run still finishes."""
    spec = _spec(tmp_path)
    final = Path(spec.out_dir)
    final.parent.mkdir(parents=True)
    odd = final.parent / f".tmp-{final.name}-notadir"
    odd.write_text("x")
    assert execute_run(spec, writes_marker).status == "done"
    assert (final / "marker.txt").exists()


def test_failed_run_reports_its_own_seconds(tmp_path):
    out = execute_run(_spec(tmp_path), fails_early)
    assert out.status == "failed" and 0.0 <= out.seconds < 60.0


def test_shipped_run_leaves_no_worker_folder(tmp_path, monkeypatch):
    """ship=True: the run is written into a temporary folder of the worker, returned as
    bytes and the folder removed (nothing left in the temporary directory)."""
    import tempfile

    work = tmp_path / "worker-tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    spec = _spec(tmp_path)
    out = execute_run(spec, writes_marker, ship=True)
    assert out.status == "done", out.error
    assert out.files["marker.txt"] == b"pooling 0"
    assert list(work.iterdir()) == []
    assert not Path(spec.out_dir).exists()  # the client writes it, not the worker
