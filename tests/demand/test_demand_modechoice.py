"""Mode choice: calibration to the targets, IIA pivot, service-level response, availability."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kl_mobility.demand import ServiceLevel
from kl_mobility.demand.modechoice import (
    calibrate_asc,
    expected_shares,
    mode_probabilities,
    zone_los,
)


@pytest.fixture(scope="module")
def los(grid_zones, grid_oracle, grid_config):
    return zone_los(grid_zones, grid_oracle, grid_config)


@pytest.fixture(scope="module")
def weights(grid_zones, los):
    w = np.outer(grid_zones.pop, grid_zones.attr) * np.exp(-0.1 * los.car_min)
    return np.stack([0.1 * w, 0.9 * w])  # 10 % of trips outside the bus hours


def test_los_includes_offsets_and_intrazonal(grid_zones, grid_oracle, grid_config, los):
    z = grid_zones
    i, j = 0, z.n_zones - 1  # an internal zone to the East zone
    tt = grid_oracle.time_s(int(z.node[i]), int(z.node[j]))
    # driving time = free flow + offset + the junction delays (the grid's junctions are
    # all between equal roads: every one passed gives way)
    assert (los.car_min[i, j] - los.car_junction_min[i, j]) * 60 == pytest.approx(
        tt + z.offset_s[j])
    assert los.car_junction_min[i, j] > 0
    # intrazonal: 0.52 x 400 m at 25 km/h
    assert los.car_min[0, 0] == pytest.approx(0.52 * 400 / (25 / 3.6) / 60)
    assert not los.distinct_nodes.diagonal().any()


def test_calibration_reaches_the_targets(grid_config, los, weights):
    asc, shares = calibrate_asc(los, grid_config, weights)
    target = [grid_config.target_shares[m] for m in ("car", "walk", "bike", "bus")]
    np.testing.assert_allclose(shares, target, atol=1e-4)
    p4, _ = mode_probabilities(los, grid_config, asc, ServiceLevel.none())
    np.testing.assert_allclose(expected_shares(p4, weights), shares, atol=1e-12)


def test_no_bus_outside_its_hours(grid_config, los):
    asc = {"walk": 0.0, "bike": 0.0, "bus": 0.0}
    p4, _ = mode_probabilities(los, grid_config, asc, ServiceLevel.none())
    assert (p4[0, ..., 3] == 0).all() and (p4[1, ..., 3] > 0).all()
    np.testing.assert_allclose(p4.sum(axis=-1), 1.0)


def test_iia_pivot_and_service_level_response(grid_config, los, weights):
    asc, _ = calibrate_asc(los, grid_config, weights)
    good = ServiceLevel(wait_s=180, detour_factor=1.1, fare_eur=2.0)
    bad = dataclasses.replace(good, wait_s=1200)
    p4, p_good = mode_probabilities(los, grid_config, asc, good)
    _, p_bad = mode_probabilities(los, grid_config, asc, bad)
    off = los.distinct_nodes
    assert (p_good[:, off] > p_bad[:, off]).all()  # shorter waits attract more riders
    assert (p_good[:, ~off] == 0).all()  # no on-demand within a node
    # with the on-demand utility V_od: P_od = e^V_od / (e^V_od + sum e^V_m) exactly
    cheap = dataclasses.replace(good, fare_eur=0.5)
    _, p_cheap = mode_probabilities(los, grid_config, asc, cheap)
    assert (p_cheap[:, off] > p_good[:, off]).all()
    unreliable = dataclasses.replace(good, share_served=0.5)
    _, p_unrel = mode_probabilities(los, grid_config, asc, unreliable)
    assert (p_unrel[:, off] < p_good[:, off]).all()


def test_service_level_from_kpis_averages_successively(grid_config):
    first = ServiceLevel.from_kpis({"wait_mean_s": 300.0, "detour_mean": 1.2,
                                    "share_served": 0.8}, grid_config, start_s=0, end_s=3600)
    assert (first.wait_s, first.detour_factor, first.share_served) == (300.0, 1.2, 0.8)
    assert (first.start_s, first.end_s) == (0, 3600)
    # iteration 1: previous + (measured - previous) / 2 = 300 + (500 - 300) / 2 = 400
    second = ServiceLevel.from_kpis({"wait_mean_s": 500.0, "detour_mean": float("nan")},
                                    grid_config, previous=first, iteration=1)
    assert second.wait_s == pytest.approx(400.0)
    assert second.detour_factor == pytest.approx(1.2)  # NaN keeps the previous value
    assert second.end_s == 3600


def test_service_level_validation():
    with pytest.raises(ValueError, match="^share_served"):
        ServiceLevel(share_served=1.5)
    with pytest.raises(ValueError, match="^detour_factor"):
        ServiceLevel(detour_factor=0.5)
