"""Fixtures: the tiny hand-written OSM fixture (the Kaiserslautern network is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def tiny_osm() -> Path:
    return DATA / "tiny.osm"


