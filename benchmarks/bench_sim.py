"""A full weekday on the Kaiserslautern network, and how the engine scales.

Requests are sampled by ``simbench.weekday_requests`` (deterministic seed; uniform nodes,
two-peak weekday profile) until the demand module's generator is wired in here. Each level
runs in its own process (clean peak memory, same numba caches), after one warm-up run that
loads the network tables and compiled kernels. Wall times depend on what else runs on the
machine; CPU seconds are reported next to them.

- ``test_full_weekday``: 20,000 requests, 200 vans of capacity 6, insertion: asserts every
  request ends in one state and most are served; reports wall < 30 s and memory < 2 GB.
- ``test_scaling``: requests and vehicles 1x, 2x, 5x, 10x (``KL_SCALING_LEVELS`` to change);
  asserts the 5x run takes under 8x the 1x time (CPU seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _level(mult: float, policy: str = "insertion") -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "simbench.py"), str(mult), policy],
                          capture_output=True, text=True, cwd=HERE.parent, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def warm():
    """Build or load the network tables and compile the kernels once."""
    return _level(0.05)


def test_full_weekday(benchmark, warm):
    out = benchmark.pedantic(_level, args=(1.0,), rounds=1, iterations=1)
    benchmark.extra_info.update(out)
    print(f"\nfull weekday: {out}")
    assert out["n_final"] == out["requests"] == 20_000
    assert out["served"] >= 0.9 * out["requests"]
    assert out["peak_rss_mb"] < 2048
    assert out["wall_s"] < 30.0


def test_scaling(benchmark, warm):
    levels = [float(x) for x in os.environ.get("KL_SCALING_LEVELS", "1,2,5,10").split(",")]
    rows = benchmark.pedantic(lambda: [_level(m) for m in levels], rounds=1, iterations=1)
    base = rows[0]
    for r in rows:
        r["cpu_ratio"] = r["cpu_s"] / base["cpu_s"]
        r["wall_ratio"] = r["wall_s"] / base["wall_s"]
        assert r["n_final"] == r["requests"]
    benchmark.extra_info["curve"] = rows
    print("\nmult requests vehicles wall_s cpu_s cpu_ratio peak_MB served")
    for r in rows:
        print(f"{r['mult']:>4} {r['requests']:>8} {r['vehicles']:>8} {r['wall_s']:>7.1f} "
              f"{r['cpu_s']:>6.1f} {r['cpu_ratio']:>6.2f} {r['peak_rss_mb']:>7.0f} "
              f"{r['served']:>7}")
    five = [r for r in rows if r["mult"] == 5.0]
    if five and base["mult"] == 1.0:
        assert five[0]["cpu_ratio"] < 8.0
