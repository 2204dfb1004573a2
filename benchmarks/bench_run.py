"""A whole ``kl-mobility run`` of the default scenario (klima-plus-2030, seed 1, demand rounds
included): today's path against the reference path in the same process
(:mod:`runbench`: capped oracles and transposed tables rebuilt per round, the day drawn
anew per round, simpy as the clock). Asserts that every run's outputs are byte-identical
and that today's path is not slower; reports the CPU ratio (reference / today) and the
machine's load next to it (CPU seconds, not wall: the machine is shared)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_run_against_reference(benchmark):
    def once():
        proc = subprocess.run([sys.executable, str(HERE / "runbench.py"),
                               "scenarios/klima-plus-2030.toml", "2"], capture_output=True,
                              text=True, cwd=HERE.parent, timeout=3600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    out = benchmark.pedantic(once, rounds=1, iterations=1)
    benchmark.extra_info.update(out)
    print(f"\nrun klima-plus-2030 seed 1: reference {out['reference_cpu_s']} s CPU, today "
          f"{out['new_cpu_s']} s CPU, ratio {out['cpu_ratio']} (load {out['load_1min']})")
    assert out["all_identical"]
    assert out["runs"][0]["rounds"] >= 2  # demand rounds ran
    assert out["cpu_ratio"] > 1.0


def _e2e(kind: str) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "e2ebench.py"), kind, "2"],
                          capture_output=True, text=True, cwd=HERE.parent, timeout=7200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_cli_run_against_reference_revision(benchmark):
    """``kl-mobility run`` klima-plus-2030 seed 1 as a whole command (imports included),
    this tree against ``$KL_E2E_REFERENCE`` (else :data:`e2ebench.REFERENCE`; a revision
    of the same model): the outputs are the same and this tree takes less CPU time
    (:mod:`e2ebench`)."""
    out = benchmark.pedantic(lambda: _e2e("run"), rounds=1, iterations=1)
    benchmark.extra_info.update(out)
    print(f"\nkl-mobility run klima-plus-2030 seed 1: reference {out['reference_cpu_s']} s "
          f"CPU, this tree {out['new_cpu_s']} s CPU, ratio {out['cpu_ratio']}")
    assert out["all_identical"]
    assert out["cpu_ratio"] > 1.0


def test_cli_size_against_reference_revision(benchmark):
    """``kl-mobility size`` klima-plus-2030 (10 sizes up to 200 vans) as a whole command,
    this tree against ``$KL_E2E_REFERENCE`` (else :data:`e2ebench.REFERENCE`): the same
    curve, less CPU time."""
    out = benchmark.pedantic(lambda: _e2e("size"), rounds=1, iterations=1)
    benchmark.extra_info.update(out)
    print(f"\nkl-mobility size klima-plus-2030: reference {out['reference_cpu_s']} s CPU, "
          f"this tree {out['new_cpu_s']} s CPU, ratio {out['cpu_ratio']}")
    assert out["all_identical"]
    assert out["cpu_ratio"] > 1.0
