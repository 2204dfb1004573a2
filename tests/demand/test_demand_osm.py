"""OSM features: footprints by the shoelace formula, building classes, POIs, stops, cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kl_mobility.demand.osmfeatures import (
    BUILDING_NONRES,
    BUILDING_OTHER,
    BUILDING_RES,
    POI_AMENITY,
    POI_SCHOOL,
    POI_SHOP,
    osm_features,
    parse_osm_features,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "demand"


@pytest.fixture(scope="module")
def feats():
    return parse_osm_features(DATA / "buildings.osm")


def test_building_areas_and_classes(feats):
    # see tests/data/demand/README.md: 200, 300, 30, 400, 1000 and 100 m2 in file order
    np.testing.assert_allclose(feats.building_area_m2, [200, 300, 30, 400, 1000, 100], rtol=2e-3)
    assert feats.building_kind.tolist() == [
        BUILDING_RES, BUILDING_RES, BUILDING_OTHER, BUILDING_NONRES, BUILDING_NONRES,
        BUILDING_NONRES]


def test_pois_and_stops(feats):
    # node POIs first (restaurant, bakery; the bench is no trip end), then way POIs
    assert sorted(feats.poi_kind.tolist()) == sorted([POI_AMENITY, POI_SHOP, POI_SHOP, POI_SCHOOL])
    assert feats.stop_lat.shape == (1,)


def test_cache_round_trip(tmp_path, feats):
    a = osm_features(DATA / "buildings.osm", cache_dir=tmp_path)
    assert len(list(tmp_path.glob("demand-features-*.npz"))) == 1
    b = osm_features(DATA / "buildings.osm", cache_dir=tmp_path)
    for x, y in ((a.building_area_m2, b.building_area_m2), (a.poi_kind, b.poi_kind)):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.building_kind, feats.building_kind)


def test_missing_file_is_an_input_error(tmp_path):
    from kl_mobility.errors import InputError

    with pytest.raises(InputError, match="not found"):
        osm_features(tmp_path / "nope.osm", cache_dir=tmp_path)
