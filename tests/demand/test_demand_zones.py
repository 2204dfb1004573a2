"""Zones on the test grid: residents and attraction conserved, external zones attached."""

from __future__ import annotations

import numpy as np
import pytest

from kl_mobility.demand.zones import boundary_nodes


def test_residents_and_attraction_are_conserved(grid_zones, grid_config):
    z = grid_zones
    # internal residents = internal_population, external = 300 + 200
    assert z.pop[: z.n_internal].sum() == pytest.approx(2000.0)
    assert z.pop[z.n_internal:].tolist() == [300.0, 200.0]
    assert z.point_pop.sum() == pytest.approx(2500.0)
    assert z.attr.sum() == pytest.approx(z.point_attr.sum())
    # East: 200 residents x (0.3 + 0.5 x the core's non-residential units per resident)
    # + its 100 own units
    k = z.n_internal
    per_res = (z.attr[:k].sum() - 2000.0 * grid_config.attraction_per_resident) / 2000.0
    assert z.attr[-1] == pytest.approx(200 * (0.3 + 0.5 * per_res) + 100.0)


def test_points_are_grouped_by_zone(grid_zones):
    z = grid_zones
    assert z.point_ptr[0] == 0 and z.point_ptr[-1] == z.point_lat.shape[0]
    assert np.all(np.diff(z.point_ptr) >= 1)
    assert len(set(z.node.tolist())) == z.n_zones  # representative nodes are distinct


def test_external_zones_attach_to_boundary_nodes(grid, grid_zones):
    z = grid_zones
    ext = np.arange(z.n_internal, z.n_zones)
    assert set(z.node[ext].tolist()) <= set(boundary_nodes(grid, 100.0).tolist())
    # South sits 1,000 m below the grid's bottom row at x = 900 m: the nearest bottom-row node
    # is 100 m to the side (x = 800 or 1,000), so 1,005 m straight, x 1.3 detour at 50 km/h
    expected_m = np.hypot(1000.0, 100.0) * 1.3
    assert z.offset_m[ext[0]] == pytest.approx(expected_m, rel=1e-3)
    assert z.offset_s[ext[0]] == round(expected_m / (50 / 3.6))
    assert list(z.name[ext]) == ["South", "East"]
    assert (z.offset_s[: z.n_internal] == 0).all()


def test_no_homes_in_the_network_area_is_an_input_error(tmp_path):
    from pathlib import Path

    from kl_mobility.demand import DemandConfig, load_zones
    from kl_mobility.errors import InputError
    from kl_mobility.network import grid_network

    osm = Path(__file__).resolve().parents[1] / "data" / "demand" / "buildings.osm"
    far = grid_network(3, 3, origin_latlon=(50.0, 8.0))  # the fixture's houses are at 49.44 N
    with pytest.raises(InputError, match="buildings.osm: no residential buildings"):
        load_zones(far, DemandConfig(), osm_file=osm, cache_dir=tmp_path)


def test_zones_from_the_hand_made_extract(tmp_path):
    from pathlib import Path

    from kl_mobility.demand import DemandConfig, load_zones
    from kl_mobility.network import grid_network

    osm = Path(__file__).resolve().parents[1] / "data" / "demand" / "buildings.osm"
    net = grid_network(3, 6, spacing_m=200.0, origin_latlon=(49.4395, 7.7595))
    z = load_zones(net, DemandConfig(internal_population=100.0, attractors=(),
                                     external_zones=()), osm_file=osm, cache_dir=tmp_path)
    # homes: the 200 m2 house and the 300 m2 apartments -> 40 and 60 of 100 residents
    homes = sorted(z.point_pop[z.point_pop > 0].tolist())
    assert homes == pytest.approx([40.0, 60.0], rel=1e-4)  # footprints exact to < 0.1 %
    assert z.pop.sum() == pytest.approx(100.0)
