"""Shared fixtures of the routing tests: paths of the hand-made and the public instances."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


@pytest.fixture
def tiny_darp() -> Path:
    return DATA / "tiny_darp.txt"


@pytest.fixture
def tiny_pdptw() -> Path:
    return DATA / "tiny_pdptw.txt"


@pytest.fixture
def shared_benchmarks() -> Path:
    if not (SHARED / "darp").is_dir():
        pytest.skip("shared benchmark instances not available")
    return SHARED
