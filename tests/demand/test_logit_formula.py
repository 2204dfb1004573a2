"""The mode choice's logit formula, value by value, against a hand computation.

Two zones, hand-made level of service (not from a network): the pair 0 -> 1 is 10 min by
car over 6 km, bus access 5 min (both ends), bus wait 7.5 min; the intrazonal pair 0 -> 0 is
1 min over 400 m (same node: no on-demand). Coefficients are given explicitly (the
defaults at the time of writing, so the test does not follow later recalibrations):
beta_ivt -0.05/min, beta_walk -0.10/min, beta_bike -0.09/min, beta_access -0.08/min,
beta_wait -0.08/min, beta_cost -0.30/EUR, beta_reject -2.0; car walks 1.25 min (both ends
together, weighted like access) and parking search 1 min (weighted like driving), car cost
0.20 EUR/km, walk 4.5 km/h, bike 15 km/h, bus in-vehicle factor 1.3, bus fare 1.5 EUR,
on-demand constant = bus constant - 1.0. Constants asc_walk 0.5, asc_bike -0.2, asc_bus 0.3.

Utilities of 0 -> 1 (the module docstring's formula ``V = asc + sum(beta x attribute)``):

- car:  -0.05 x (10 + 1) - 0.08 x 1.25 - 0.30 x 0.20 x 6 = -0.55 - 0.1 - 0.36 = -1.01
- walk: 0.5 - 0.10 x (6 / 4.5 x 60 = 80 min) = -7.5
- bike: -0.2 - 0.09 x (6 / 15 x 60 = 24 min) = -2.36
- bus:  0.3 - 0.05 x 1.3 x 10 - 0.08 x 5 - 0.08 x 7.5 - 0.30 x 1.5
        = 0.3 - 0.65 - 0.4 - 0.6 - 0.45 = -1.8
- on-demand (wait 300 s, detour 1.2, fare 2.0 EUR + 0.5 EUR/km, served 90 %, walk 120 s):
  0.3 - 1.0 - 0.05 x 1.2 x 10 - 0.08 x 5 - 0.08 x 2 - 0.30 x (2.0 + 0.5 x 6) - 2.0 x 0.1
  = 0.3 - 1.0 - 0.6 - 0.4 - 0.16 - 1.5 - 0.2 = -3.56

Utilities of 0 -> 0 (1 min, 0.4 km): car -0.05 x 2 - 0.08 x 1.25 - 0.30 x 0.2 x 0.4 = -0.224; walk
0.5 - 0.10 x 5.3333 = -0.033333; bike -0.2 - 0.09 x 1.6 = -0.344; bus
0.3 - 0.065 - 0.4 - 0.6 - 0.45 = -1.215.

Probabilities: ``P_m = e^V_m / sum_k e^V_k`` over the available base modes (bus only in its
hours) and ``P_od = e^V_od / (e^V_od + sum_k e^V_k)``. For 0 -> 1 with the bus: car
0.583225, walk 0.000886, bike 0.151195, bus 0.264694, on-demand 0.043556; without the bus:
car 0.793173, walk 0.001204, bike 0.205622, on-demand 0.058320.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kl_mobility.demand import DemandConfig, ServiceLevel
from kl_mobility.demand.modechoice import ZoneLos, calibrate_asc, mode_probabilities

CONFIG = DemandConfig(
    beta_ivt_per_min=-0.05, beta_walk_per_min=-0.10, beta_bike_per_min=-0.09,
    beta_access_per_min=-0.08, beta_wait_per_min=-0.08, beta_cost_per_eur=-0.30,
    beta_reject=-2.0, car_cost_eur_per_km=0.20, walk_speed_kmh=4.5,
    bike_speed_kmh=15.0, bus_ivt_factor=1.3, bus_fare_eur=1.5, asc_ondemand_minus_bus=-1.0,
    target_share_car=40.0, target_share_walk=30.0, target_share_bike=20.0,
    target_share_bus=10.0)
ASC = {"walk": 0.5, "bike": -0.2, "bus": 0.3}
LEVEL = ServiceLevel(wait_s=300.0, detour_factor=1.2, fare_eur=2.0, fare_per_km_eur=0.5,
                     share_served=0.9, access_walk_s=120.0)
V_01 = {"car": -1.01, "walk": -7.5, "bike": -2.36, "bus": -1.8}
V_OD_01 = -3.56
V_00 = {"car": -0.224, "walk": 0.5 - 0.10 * 0.4 / 4.5 * 60, "bike": -0.344, "bus": -1.215}
MODES = ("car", "walk", "bike", "bus")


@pytest.fixture(scope="module")
def los():
    full = lambda a, b: np.array([[a, b], [b, a]], np.float64)  # noqa: E731
    return ZoneLos(car_min=full(1.0, 10.0), dist_m=full(400.0, 6000.0),
                   reachable=np.ones((2, 2), bool),
                   distinct_nodes=np.array([[False, True], [True, False]]),
                   bus_access_min=full(5.0, 5.0), bus_wait_min=full(7.5, 7.5),
                   car_walk_min=full(1.25, 1.25), car_search_min=full(1.0, 1.0))


def _logit(v: dict[str, float], modes) -> dict[str, float]:
    tot = sum(math.exp(v[m]) for m in modes)
    return {m: math.exp(v[m]) / tot for m in modes}


def test_base_mode_probabilities_by_hand(los):
    p4, _ = mode_probabilities(los, CONFIG, ASC, LEVEL)
    with_bus = _logit(V_01, MODES)
    # the stated values, to 6 digits, as a check of the hand computation itself
    assert [round(with_bus[m], 6) for m in MODES] == [0.583225, 0.000886, 0.151195, 0.264694]
    np.testing.assert_allclose(p4[1, 0, 1], [with_bus[m] for m in MODES], rtol=1e-12)
    no_bus = _logit(V_01, MODES[:3])
    np.testing.assert_allclose(p4[0, 0, 1], [no_bus["car"], no_bus["walk"], no_bus["bike"], 0],
                               rtol=1e-12)
    assert [round(no_bus[m], 6) for m in MODES[:3]] == [0.793173, 0.001204, 0.205622]
    intra = _logit(V_00, MODES)
    np.testing.assert_allclose(p4[1, 0, 0], [intra[m] for m in MODES], rtol=1e-12)


def test_ondemand_probability_by_hand(los):
    _, p_od = mode_probabilities(los, CONFIG, ASC, LEVEL)
    e_od = math.exp(V_OD_01)
    s4 = sum(math.exp(V_01[m]) for m in MODES)
    s3 = s4 - math.exp(V_01["bus"])
    assert p_od[1, 0, 1] == pytest.approx(e_od / (e_od + s4), rel=1e-12)
    assert p_od[0, 0, 1] == pytest.approx(e_od / (e_od + s3), rel=1e-12)
    assert round(p_od[1, 0, 1], 6) == 0.043556 and round(p_od[0, 0, 1], 6) == 0.058320
    assert p_od[1, 1, 0] == pytest.approx(p_od[1, 0, 1], rel=1e-12)  # symmetric inputs
    assert (p_od[:, [0, 1], [0, 1]] == 0).all()  # same node: no on-demand


def test_each_ondemand_term_by_hand(los):
    """Changing one attribute moves V_od by exactly beta x change:
    wait +60 s: -0.08; fare +1 EUR: -0.30; per km +0.1 EUR: -0.30 x 0.6 = -0.18;
    detour +0.5: -0.05 x 0.5 x 10 = -0.25; served -10 points: -2.0 x 0.1 = -0.2;
    walk +60 s: -0.08."""
    s4 = sum(math.exp(V_01[m]) for m in MODES)
    for change, dv in ((dict(wait_s=360.0), -0.08), (dict(fare_eur=3.0), -0.30),
                       (dict(fare_per_km_eur=0.6), -0.18), (dict(detour_factor=1.7), -0.25),
                       (dict(share_served=0.8), -0.2), (dict(access_walk_s=180.0), -0.08)):
        _, p_od = mode_probabilities(los, CONFIG, ASC, dataclasses.replace(LEVEL, **change))
        e = math.exp(V_OD_01 + dv)
        assert p_od[1, 0, 1] == pytest.approx(e / (e + s4), rel=1e-12), change


def test_no_ondemand_when_not_offered(los):
    _, p_od = mode_probabilities(los, CONFIG, ASC, ServiceLevel.none())
    assert (p_od == 0).all()


def test_one_calibration_step_by_hand(los):
    """One step from ASC with all trips on 0 -> 1 in the bus hours: the shares are the
    base-mode probabilities above, and each constant moves by
    ln(target_m / share_m) - ln(target_car / share_car); targets 40/30/20/10 %:
    walk 0.5 + ln(0.3 / 0.00088566) - ln(0.4 / 0.58322518) = 0.5 + 5.82521 + 0.37711
    = 6.70232."""
    weights = np.zeros((2, 2, 2))
    weights[1, 0, 1] = 1.0
    cfg = dataclasses.replace(CONFIG, asc_walk=0.5, asc_bike=-0.2, asc_bus=0.3)
    asc, shares = calibrate_asc(los, cfg, weights, max_iter=1)
    p = _logit(V_01, MODES)
    np.testing.assert_allclose(shares, [p[m] for m in MODES], rtol=1e-12)
    target = {"car": 0.4, "walk": 0.3, "bike": 0.2, "bus": 0.1}
    for m in ("walk", "bike", "bus"):
        want = ASC[m] + math.log(target[m] / p[m]) - math.log(target["car"] / p["car"])
        assert asc[m] == pytest.approx(want, rel=1e-12), m
    assert asc["walk"] == pytest.approx(6.70232, abs=1e-5)
    # converged calibration meets the targets exactly on this one trip
    asc2, shares2 = calibrate_asc(los, cfg, weights, tol=1e-10)
    np.testing.assert_allclose(shares2, [0.4, 0.3, 0.2, 0.1], atol=1e-9)


def test_calibration_refuses_a_mode_without_trips(los):
    """All trips outside the bus hours: the bus share is 0 and no constant can reach its
    10 % target, so the calibration stops with an error instead of running off to -inf."""
    weights = np.zeros((2, 2, 2))
    weights[0, 0, 1] = 1.0
    with pytest.raises(ValueError, match="calibration impossible"):
        calibrate_asc(los, CONFIG, weights)
