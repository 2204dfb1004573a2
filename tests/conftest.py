"""Fixtures shared by every test folder: the network of the shared Kaiserslautern extract.

Tests that use them are skipped when ``../shared/data/osm/kaiserslautern.osm.gz`` (or
``$KL_MOBILITY_OSM``) is absent. The network and its tables are cached in ``networks/``.
"""

from __future__ import annotations

import pytest

from kl_mobility.network import build_oracle, default_osm_path, load_network


@pytest.fixture(scope="session")
def kl_network():
    path = default_osm_path()
    if not path.is_file():
        pytest.skip(f"shared Kaiserslautern extract not found at {path}")
    return load_network(path)


@pytest.fixture(scope="session")
def kl_oracle(kl_network):
    return build_oracle(kl_network)
