"""Fixtures: the tiny hand-written OSM network and the shared Kaiserslautern extract."""

from __future__ import annotations

from pathlib import Path

import pytest

from kl_mobility.network import build_oracle, default_osm_path, load_network

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def tiny_osm() -> Path:
    return DATA / "tiny.osm"


@pytest.fixture(scope="session")
def kl_network():
    path = default_osm_path()
    if not path.is_file():
        pytest.skip(f"shared Kaiserslautern extract not found at {path}")
    return load_network(path)


@pytest.fixture(scope="session")
def kl_oracle(kl_network):
    return build_oracle(kl_network)
