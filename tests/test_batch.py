"""Scenario batches on a local Dask cluster with a tiny run function."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from kl_mobility.batch import plan_batch, run_batch
from kl_mobility.report.summary import collect_runs, summarize

DATA = Path(__file__).parent / "data" / "scenarios"

# the workers are separate processes that cannot import this test module: ship it by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def tiny_run(scenario, seed, out_dir, progress=None):
    """Writes one file; KPIs depend on scenario and seed; fails for night.toml with seed 1."""
    if scenario.name == "night" and seed == 1:
        raise RuntimeError("boom in night/1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True)
    n_vans = sum(v.count for v in scenario.fleet)
    (out_dir / "marker.txt").write_text(f"{scenario.name} {seed}")
    return {"n_vehicles": n_vans, "wait_mean_s": 100.0 + 10.0 * seed, "label": "x"}


@pytest.fixture(scope="module")
def client():
    """One local Dask cluster of two worker processes for the module."""
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as c:
        yield c


def test_batch_runs_resumes_and_isolates_failures(tmp_path, client):
    """2 scenarios x 2 seeds on a 2-process LocalCluster: 3 done, night/1 failed with its
    error; a re-run skips the 3 finished ones and retries only the failed one; a changed
    scenario runs again."""
    scen = tmp_path / "scen"
    shutil.copytree(DATA, scen)
    files = [scen / "pooling.toml", scen / "night.toml"]
    out = tmp_path / "results" / "b"
    seen = []
    res = run_batch(files, [0, 1], out, run_fn=tiny_run, client=client, version="test",
                    on_outcome=seen.append)
    assert res.counts() == {"done": 3, "skipped": 0, "failed": 1}
    assert len(seen) == 4
    (failed,) = res.failed
    assert (failed.scenario, failed.seed) == ("night", 1)
    assert "RuntimeError: boom in night/1" in failed.error
    for name, seed in (("pooling", 0), ("pooling", 1), ("night", 0)):
        d = out / name / str(seed)
        assert (d / "marker.txt").read_text() == f"{name} {seed}"
        info = json.loads((d / "run.json").read_text())
        assert info["seed"] == seed and info["kpis"]["wait_mean_s"] == 100.0 + 10 * seed
    assert not (out / "night" / "1").exists()
    assert not list(out.glob("*/.*kl-staging*")), "no staging folders left behind"

    # resume: nothing finished runs again; the failed one is retried (and fails again)
    res2 = run_batch(files, [0, 1], out, run_fn=tiny_run, client=client, version="test")
    assert res2.counts() == {"done": 0, "skipped": 3, "failed": 1}

    # a changed scenario (and only it) runs again
    (scen / "pooling.toml").write_text((scen / "pooling.toml").read_text()
                                       .replace("count = 4", "count = 5"))
    res3 = run_batch(files[:1], [0, 1], out, run_fn=tiny_run, client=client, version="test")
    assert res3.counts() == {"done": 2, "skipped": 0, "failed": 0}
    assert json.loads((out / "pooling" / "0" / "run.json").read_text())["kpis"][
        "n_vehicles"] == 5

    runs = pd.read_csv(out / "runs.csv")
    assert set(runs["kpi"]) == {"n_vehicles", "wait_mean_s"}  # the string KPI is left out
    summary = pd.read_csv(out / "summary.csv")
    row = summary[(summary.scenario == "pooling") & (summary.kpi == "wait_mean_s")].iloc[0]
    assert row["n"] == 2 and row["mean"] == 105.0
    batch = json.loads((out / "batch.json").read_text())
    assert batch["counts"]["done"] == 2


def test_batch_on_an_existing_scheduler_address(tmp_path, client):
    """--scheduler ADDRESS: run_batch connects to a running cluster instead of starting one."""
    res = run_batch([DATA / "pooling.toml"], [0, 1], tmp_path, run_fn=tiny_run,
                    scheduler=client.scheduler.address, version="t")
    assert res.counts()["done"] == 2


def test_batch_starts_and_stops_its_own_local_cluster(tmp_path):
    """Without a client, run_batch starts a LocalCluster of ``workers`` processes."""
    res = run_batch([DATA / "pooling.toml"], [0], tmp_path, run_fn=tiny_run, workers=1,
                    version="t")
    assert res.counts()["done"] == 1


def test_plan_checks_every_scenario_before_running(tmp_path):
    """A bad scenario fails the whole plan at once, before any run starts."""
    from kl_mobility.config import ConfigError

    with pytest.raises(ConfigError, match="bad-range.toml"):
        plan_batch([DATA / "pooling.toml", DATA / "bad-range.toml"], [0], tmp_path)
    specs = plan_batch([DATA / "pooling.toml"], [0, 1, 2], tmp_path, version="v")
    assert [s.seed for s in specs] == [0, 1, 2]
    assert len({s.key for s in specs}) == 3
    assert specs[1].out_dir == str(tmp_path / "pooling" / "1")


def test_summary_mean_and_t_interval():
    """Values 1, 2, 3: mean 2, sd 1, half-width t(0.975, 2) x 1 / sqrt(3) = 4.302653 / 1.732051
    = 2.484138."""
    runs = pd.DataFrame({"scenario": ["a"] * 3 + ["b"], "seed": [0, 1, 2, 0],
                         "kpi": ["k"] * 4, "value": [1.0, 2.0, 3.0, 7.0]})
    s = summarize(runs).set_index("scenario")
    assert s.loc["a", "mean"] == 2.0 and s.loc["a", "std"] == 1.0
    assert s.loc["a", "ci95_high"] - 2.0 == pytest.approx(2.484138, abs=1e-6)
    assert s.loc["b", "n"] == 1 and np.isnan(s.loc["b", "ci95_low"])


def test_collect_runs_reads_only_finished_runs(tmp_path):
    (tmp_path / "s" / "0").mkdir(parents=True)
    (tmp_path / "s" / "0" / "run.json").write_text(json.dumps(
        {"scenario": "s", "seed": 0, "kpis": {"a": 1, "b": None, "c": "t"}}))
    (tmp_path / "s" / ".tmp-1-abc").mkdir()
    runs = collect_runs(tmp_path)
    assert list(runs["kpi"]) == ["a", "b"] and np.isnan(runs["value"].iloc[1])


@pytest.mark.parametrize("damage", ["truncated", "altered", "missing", "no manifest"])
def test_resume_reruns_a_damaged_run(tmp_path, client, damage, caplog):
    """A finished run whose files no longer match the sizes and SHA-256 in its run.json
    (or that has no manifest) runs again on resume; the intact one is skipped."""
    import logging

    out = tmp_path / "b"
    assert run_batch([DATA / "pooling.toml"], [0, 1], out, run_fn=tiny_run, client=client,
                     version="t").counts()["done"] == 2
    run0 = out / "pooling" / "0"
    info = json.loads((run0 / "run.json").read_text())
    assert set(info["files"]) == {"marker.txt", "scenario.json"}
    assert info["files"]["marker.txt"]["size"] == len("pooling 0")
    marker = run0 / "marker.txt"
    if damage == "truncated":
        marker.write_text("pool")
    elif damage == "altered":
        marker.write_text("pooling 9")  # same size, other bytes
    elif damage == "missing":
        marker.unlink()
    else:
        del info["files"]
        (run0 / "run.json").write_text(json.dumps(info))
    with caplog.at_level(logging.WARNING, logger="kl_mobility.batch"):
        res = run_batch([DATA / "pooling.toml"], [0, 1], out, run_fn=tiny_run,
                        client=client, version="t")
    assert res.counts() == {"done": 1, "skipped": 1, "failed": 0}
    assert marker.read_text() == "pooling 0"
    assert any("pooling seed 0" in r.getMessage() and "again" in r.getMessage()
               for r in caplog.records)


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path):
    from kl_mobility.io import FolderLock, OutputError

    with FolderLock(tmp_path / "b"), pytest.raises(OutputError, match="another batch"):
        run_batch([DATA / "pooling.toml"], [0], tmp_path / "b", run_fn=tiny_run,
                  workers=1, version="t")


def test_batch_refuses_a_folder_of_user_files(tmp_path):
    from kl_mobility.io import OutputError

    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "thesis.docx").write_text("mine")
    with pytest.raises(OutputError, match="did not write"):
        run_batch([DATA / "pooling.toml"], [0], tmp_path / "b", run_fn=tiny_run,
                  workers=1, version="t")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["thesis.docx"]


_PROBE = """
import json, os, sys, urllib.error, urllib.request
from urllib.parse import urlparse

import psutil

from kl_mobility.batch import _client


def listeners(pids):
    out = []
    for pid in pids:
        proc = psutil.Process(pid)
        conns = (proc.net_connections(kind="inet") if hasattr(proc, "net_connections")
                 else proc.connections(kind="inet"))
        out += [(c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN]
    return out


if __name__ == "__main__":
    client, cluster = _client(None, 1, dashboard=sys.argv[1] == "1")
    try:
        try:
            with urllib.request.urlopen(cluster.dashboard_link, timeout=10) as r:
                page = r.status
        except urllib.error.HTTPError as exc:
            page = exc.code
        pids = [os.getpid()] + [c.pid for c in psutil.Process().children(recursive=True)]
        print(json.dumps({"listen": listeners(pids), "page": page,
                          "scheduler": cluster.scheduler_address,
                          "link": cluster.dashboard_link}))
    finally:
        client.close()
        cluster.close()
"""


@pytest.mark.parametrize("dashboard,page", [(False, 404), (True, 200)])
def test_local_cluster_is_bound_to_loopback_and_has_no_dashboard_by_default(
        tmp_path, dashboard, page):
    """Every socket the batch's own cluster listens on (scheduler, nanny, worker, the
    scheduler's HTTP server) is on 127.0.0.1; the dashboard page exists only on request.
    In a fresh process (as ``kl-mobility batch`` is): nothing else listens there."""
    import os
    import subprocess

    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[1] / "src"), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(probe), "1" if dashboard else "0"], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    ips = {ip for ip, _ in got["listen"]}
    assert len(got["listen"]) >= 4 and ips == {"127.0.0.1"}, got["listen"]
    assert got["scheduler"].startswith("tcp://127.0.0.1:")
    assert got["link"].startswith("http://127.0.0.1:")
    assert got["page"] == page


def test_tls_warning_only_for_a_remote_plain_scheduler():
    from kl_mobility.batch import tls_warning

    assert tls_warning("tcp://127.0.0.1:8786") is None
    assert tls_warning("tcp://localhost:8786") is None
    assert tls_warning("tls://sched.example.org:8786") is None
    msg = tls_warning("tcp://sched.example.org:8786")
    assert msg is not None and "without TLS" in msg and "pickled" in msg
