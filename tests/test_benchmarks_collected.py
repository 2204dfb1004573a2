"""The benchmark tree is collected by pytest when named, and has a smoke subset."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _collect(*args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "benchmarks/", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return [line for line in proc.stdout.splitlines() if "::" in line]


def test_every_benchmark_file_is_collected_and_smoke_selects_a_subset():
    """``python -m pytest benchmarks/`` (README's command) collects items from every
    ``bench_*.py`` file; ``-m smoke`` selects some of them, not all."""
    items = _collect()
    per_file = Counter(item.split("::")[0] for item in items)
    files = {f"benchmarks/{p.name}" for p in (ROOT / "benchmarks").glob("bench_*.py")}
    assert files and set(per_file) == files
    smoke = _collect("-m", "smoke")
    assert 0 < len(smoke) < len(items)
    assert set(smoke) <= set(items)
