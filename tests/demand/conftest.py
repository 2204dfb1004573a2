"""Fixtures of the demand tests.

- ``grid``/``grid_oracle``: an 8 x 10 two-way grid with 200 m spacing at 36 km/h (20 s per
  edge) south-west-anchored at the Kaiserslautern city centre coordinate;
- ``grid_features``: synthetic OSM features on that grid (seeded): 400 residential buildings
  of 50-250 m2, 40 non-residential buildings, 30 POIs, 6 bus stops;
- ``grid_config``: 2,000 residents, two external zones 1 km south and 1 km east of the grid;
- ``kl_network``/``kl_oracle``/``kl_zones``: the shared Kaiserslautern extract (skipped when
  the extract is absent).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kl_mobility.demand import DemandConfig, ExternalZoneConfig, load_zones
from kl_mobility.demand.osmfeatures import OsmFeatures
from kl_mobility.demand.zones import build_zones
from kl_mobility.network import build_oracle, grid_network

DATA = Path(__file__).resolve().parents[1] / "data" / "demand"
GRID_ORIGIN = (49.4447, 7.7689)
DEG_LAT_M = 111_195.0  # metres per degree of latitude (6,371,008.8 m x pi / 180)


def grid_lat_lon(x_m, y_m):
    """(lat, lon) of local metres east/north of the grid's south-west node."""
    lat0, lon0 = GRID_ORIGIN
    x_m, y_m = np.asarray(x_m, float), np.asarray(y_m, float)
    return lat0 + y_m / DEG_LAT_M, lon0 + x_m / (DEG_LAT_M * np.cos(np.radians(lat0)))


@pytest.fixture(scope="session")
def grid():
    return grid_network(8, 10, spacing_m=200.0, speed_kmh=36.0)


@pytest.fixture(scope="session")
def grid_oracle(grid, tmp_path_factory):
    return build_oracle(grid, cache_dir=tmp_path_factory.mktemp("oracle"))


@pytest.fixture(scope="session")
def grid_features():
    rng = np.random.default_rng(7)
    nb, nn, npoi = 400, 40, 30
    x = rng.uniform(0, 1800, nb + nn)
    y = rng.uniform(0, 1400, nb + nn)
    blat, blon = grid_lat_lon(x, y)
    kind = np.r_[np.zeros(nb, np.int8), np.ones(nn, np.int8)]
    area = np.r_[rng.uniform(50, 250, nb), rng.uniform(200, 2000, nn)]
    plat, plon = grid_lat_lon(rng.uniform(0, 1800, npoi), rng.uniform(0, 1400, npoi))
    slat, slon = grid_lat_lon([200, 600, 1000, 1400, 600, 1000], [200, 200, 600, 1200, 1000, 400])
    return OsmFeatures(blat, blon, area, kind, plat, plon,
                       (np.arange(npoi) % 3).astype(np.int8), slat, slon)


@pytest.fixture(scope="session")
def grid_config():
    south = grid_lat_lon(900, -1000)
    east = grid_lat_lon(2800, 700)
    return DemandConfig(
        internal_population=2000.0, attractors=(),
        external_zones=(
            ExternalZoneConfig("South", float(south[0]), float(south[1]), 300.0, 60.0),
            ExternalZoneConfig("East", float(east[0]), float(east[1]), 200.0, 30.0, 100.0),
        ),
        zone_cell_m=400.0, boundary_band_m=100.0)


@pytest.fixture(scope="session")
def grid_zones(grid, grid_features, grid_config):
    return build_zones(grid, grid_features, grid_config)


@pytest.fixture(scope="session")
def kl_zones(kl_network):
    return load_zones(kl_network, DemandConfig())


@pytest.fixture(scope="session")
def to_latlon():
    """The function ``(x_m, y_m) -> (lat, lon)`` of the grid's local metres."""
    return grid_lat_lon
