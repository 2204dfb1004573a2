"""Batch layer: speed-up of a 2-process LocalCluster over a sequential loop, and resume cost.

Eight CPU-bound stand-in runs (1 s of numpy work each) go through the same ``execute_run``
once sequentially in this process (the reference), then through ``run_batch`` on a
LocalCluster of two worker processes whose imports are already warm (the benchmark), and
once more through ``run_batch`` starting its own cluster (cold: cluster start and the
workers' imports of kl-mobility included). ``speedup = sequential / warm`` is at most 2 on
this 2-core machine. A last ``run_batch`` over the finished batch measures the resume path
(every run skipped, no cluster started).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cloudpickle
import numpy as np

from kl_mobility.batch import execute_run, plan_batch, run_batch

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "scenarios"
FILES = [DATA / "pooling.toml", DATA / "night.toml"]
SEEDS = [0, 1, 2, 3]
RUN_S = 1.0

cloudpickle.register_pickle_by_value(sys.modules[__name__])


def busy_run(scenario, seed, out_dir, progress=None):
    """RUN_S seconds of matrix products; the KPI is a checksum that depends on the seed."""
    rng = np.random.default_rng(seed)
    a = rng.random((200, 200))
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < RUN_S:
        (a @ a).trace()
    Path(out_dir).mkdir(parents=True)
    return {"checksum": float(a.sum()), "fleet": sum(v.count for v in scenario.fleet)}


def _warm() -> None:
    import kl_mobility.batch  # noqa: F401
    import kl_mobility.report.summary  # noqa: F401


def test_batch_speedup_and_resume(benchmark, tmp_path):
    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    for spec in plan_batch(FILES, SEEDS, tmp_path / "seq", version="bench"):
        assert execute_run(spec, busy_run).status == "done"
    sequential = time.perf_counter() - t0

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        client.run(_warm)
        rounds = iter(range(100))

        def warm():
            return run_batch(FILES, SEEDS, tmp_path / f"warm{next(rounds)}", run_fn=busy_run,
                             client=client, version="bench")

        result = benchmark.pedantic(warm, rounds=2, iterations=1)
    assert result.counts() == {"done": 8, "skipped": 0, "failed": 0}

    t1 = time.perf_counter()
    cold = run_batch(FILES, SEEDS, tmp_path / "cold", run_fn=busy_run, workers=2,
                     version="bench")
    cold_s = time.perf_counter() - t1
    assert cold.counts()["done"] == 8
    t2 = time.perf_counter()
    again = run_batch(FILES, SEEDS, tmp_path / "cold", run_fn=busy_run, workers=2,
                      version="bench")
    resume_s = time.perf_counter() - t2
    assert again.counts() == {"done": 0, "skipped": 8, "failed": 0}
    warm_s = benchmark.stats.stats.min
    benchmark.extra_info.update({
        "runs": 8, "run_s": RUN_S, "sequential_s": round(sequential, 2),
        "warm_parallel_s": round(warm_s, 2), "speedup": round(sequential / warm_s, 2),
        "cold_parallel_s": round(cold_s, 2), "resume_s": round(resume_s, 3)})
    print(benchmark.extra_info)
    assert resume_s < warm_s  # skipping finished runs starts no cluster at all
