"""The calibrated constants kept on disk: read back exactly, keyed by every input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kl_mobility.demand import calibcache
from kl_mobility.demand.calibcache import calibrate_asc_cached, digest
from kl_mobility.demand.modechoice import calibrate_asc, zone_los


@pytest.fixture(scope="module")
def los(grid_zones, grid_oracle, grid_config):
    return zone_los(grid_zones, grid_oracle, grid_config)


@pytest.fixture(scope="module")
def weights(grid_zones, los):
    w = np.outer(grid_zones.pop, grid_zones.attr) * np.exp(-0.1 * los.car_min)
    return np.stack([0.1 * w, 0.9 * w])


def test_the_stored_constants_are_the_computed_ones(los, weights, grid_config, tmp_path,
                                                    monkeypatch):
    """First call: computed (equal to calibrate_asc bit for bit) and written; second call
    with calibrate_asc made to fail: the same floats read from the file."""
    asc, shares = calibrate_asc(los, grid_config, weights)
    got = calibrate_asc_cached(los, grid_config, weights, cache_dir=tmp_path)
    assert got[0] == asc and np.array_equal(got[1], shares)
    assert len(list(tmp_path.glob("calibration-*.npz"))) == 1

    def fail(*args, **kwargs):
        raise AssertionError("calibrated again instead of read from disk")

    monkeypatch.setattr(calibcache, "calibrate_asc", fail)
    again = calibrate_asc_cached(los, grid_config, weights, cache_dir=tmp_path)
    assert again[0] == asc and list(again[0]) == ["walk", "bike", "bus"]
    assert np.array_equal(again[1], shares)


def test_a_changed_input_is_another_key(los, weights, grid_config, tmp_path):
    """Another walk target (5 points more, before the targets are normalised), other
    weights (twice as many trips outside the bus hours) and another car time each miss:
    three more files, and the walk constant of the higher walk target differs."""
    base = calibrate_asc_cached(los, grid_config, weights, cache_dir=tmp_path)
    other_cfg = dataclasses.replace(grid_config,
                                    target_share_walk=grid_config.target_share_walk + 5.0)
    other = calibrate_asc_cached(los, other_cfg, weights, cache_dir=tmp_path)
    assert other[0]["walk"] > base[0]["walk"]
    calibrate_asc_cached(los, grid_config, weights * np.array([2.0, 1.0])[:, None, None],
                         cache_dir=tmp_path)
    slower = dataclasses.replace(los, car_min=los.car_min + 1.0)
    calibrate_asc_cached(slower, grid_config, weights, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("calibration-*.npz"))) == 4


def test_digest_tells_dtype_and_shape_apart_and_refuses_unknown_objects():
    """The same 8 bytes as one int64, two int32 or a 1 x 1 array are three keys; an object
    without a stable description is an error, never hashed by identity."""
    a = np.array([1], np.int64)
    keys = {digest(a), digest(a.view(np.int32)), digest(a.reshape(1, 1))}
    assert len(keys) == 3
    with pytest.raises(TypeError, match="object"):
        digest(object())
