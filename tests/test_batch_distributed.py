"""Batches on a real Dask scheduler and a worker process started in another working
directory (as on a second machine): the results reach the client's folder, nothing stays
in the worker's folder, and the client checks every run it was promised."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from kl_mobility.batch import RunOutcome, RunSpec, _verify_done, run_batch

DATA = Path(__file__).parent / "data" / "scenarios"
SRC = Path(__file__).resolve().parents[1] / "src"



def small_run(scenario, seed, out_dir, progress=None):
    """Writes two files, one of them binary; KPIs depend on the seed."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / "note.txt").write_text(f"{scenario.name} {seed} from {os.getcwd()}")
    (out_dir / "table.bin").write_bytes(bytes(range(256)) * (seed + 1))
    return {"wait_mean_s": 60.0 + seed}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    """A ``dask scheduler`` on 127.0.0.1 and one ``dask worker`` process whose working
    directory is its own folder; yields (address, worker folder)."""
    from dask.distributed import Client

    home = tmp_path_factory.mktemp("worker-home")
    port = _free_port()
    from kl_mobility.network.cache import default_cache_dir

    # the worker imports kl_mobility and this module (its run function) as a second
    # machine with the same installation would
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SRC), str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
        KL_MOBILITY_CACHE=str(default_cache_dir().absolute()))
    dask = str(Path(sys.executable).with_name("dask"))
    sched = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--no-dashboard"], cwd=home, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([dask, "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                               "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"],
                              cwd=home, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"tcp://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="2s") as c:
                    c.wait_for_workers(1, timeout=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield address, home
    finally:
        for p in (worker, sched):
            p.terminate()
        for p in (worker, sched):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_results_travel_back_to_the_client(tmp_path, remote):
    """2 seeds on the remote worker: both run folders, with their bytes intact, in the
    client's folder; runs.csv has their KPIs; the worker's folder stays empty."""
    address, home = remote
    out = tmp_path / "client" / "b"
    res = run_batch([DATA / "pooling.toml"], [0, 1], out, run_fn=small_run,
                    scheduler=address, version="d")
    assert res.counts() == {"done": 2, "skipped": 0, "failed": 0}, [o.error for o in res.outcomes]
    for seed in (0, 1):
        d = out / "pooling" / str(seed)
        assert (d / "table.bin").read_bytes() == bytes(range(256)) * (seed + 1)
        note = (d / "note.txt").read_text()
        assert note.startswith(f"pooling {seed} from ") and str(home) in note, \
            "ran on the worker, in its own working directory"
        info = json.loads((d / "run.json").read_text())
        assert info["files"]["table.bin"]["size"] == 256 * (seed + 1)
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs.loc[runs.kpi == "wait_mean_s", "value"]) == [60.0, 61.0]
    assert not [p for p in home.rglob("*") if p.name in ("run.json", "note.txt")]
    # resume from the client: both verified and skipped, nothing sent to the worker
    again = run_batch([DATA / "pooling.toml"], [0, 1], out, run_fn=small_run,
                      scheduler=address, version="d")
    assert again.counts() == {"done": 0, "skipped": 2, "failed": 0}


def test_shared_store_writes_on_the_worker_and_is_checked(tmp_path, remote):
    """--shared-store: the worker writes into the (here: same) absolute results folder,
    the client finds and checks each run."""
    address, _ = remote
    out = tmp_path / "shared" / "b"
    res = run_batch([DATA / "pooling.toml"], [0], out, run_fn=small_run, scheduler=address,
                    version="d", shared_store=True)
    assert res.counts()["done"] == 1
    assert (out / "pooling" / "0" / "table.bin").stat().st_size == 256


def test_a_run_reported_done_but_absent_counts_as_failed(tmp_path):
    """What a worker on an unshared folder would leave: 'done' with no files here."""
    spec = RunSpec("pooling", "p.toml", {}, 0, "k", str(tmp_path / "pooling" / "0"), "v")
    out = _verify_done(spec, RunOutcome("pooling", 0, "done", "k", spec.out_dir, 1.0,
                                        {"a": 1.0}))
    assert out.status == "failed" and "no intact copy" in out.error


def test_real_scenario_on_the_remote_worker(tmp_path, remote, kl_network):
    """The default run function on a tiny Kaiserslautern scenario (1 % demand, 2 vans):
    the worker uses the cache folder named by $KL_MOBILITY_CACHE of its own environment
    (here the test session's, shared knowingly); the client gets the complete run."""
    address, home = remote
    scen = tmp_path / "tiny.toml"
    scen.write_text('description = "tiny"\n[demand]\nscale = 0.01\n'
                    '[[fleet]]\nname = "van"\ncount = 2\ncapacity = 4\n')
    out = tmp_path / "b"
    res = run_batch([scen], [1], out, scheduler=address)
    (o,) = res.outcomes
    assert o.status == "done", o.error
    d = out / "tiny" / "1"
    for name in ("trips.parquet", "vehicles.parquet", "kpis.json", "demand.json", "run.json"):
        assert (d / name).is_file(), name
    kpis = json.loads((d / "kpis.json").read_text())
    assert kpis["n_requests"] > 0
    assert json.loads((d / "run.json").read_text())["kpis"]["n_served"] == kpis["n_served"]
