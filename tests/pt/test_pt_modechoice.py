"""The bus alternative priced by the timetable (``pt.mode_choice = "router"``): slots per
period, availability, the fallback for zones without a stop, calibration, and the response
of the bus share to more bus service on the Kaiserslautern feed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kl_mobility.demand import ServiceLevel
from kl_mobility.demand.config import DemandConfig
from kl_mobility.demand.modechoice import (
    BUS,
    WALK,
    ZoneLos,
    bus_slot,
    mode_probabilities,
    slot_masses,
)
from kl_mobility.pt.zonetimes import COMPONENTS, ZonePtLos

ASC = {"walk": 0.0, "bike": 0.0, "bus": 0.0}


def _los(ivt_min: float, available: bool, has_stop=(True, True, True)) -> ZoneLos:
    """Three zones 2 km apart by car in 6 min; two periods (0-12 h, 12-24 h); the
    timetable: 5 min access + egress, 5 min wait, ``ivt_min`` in the vehicle, one
    boarding, in period 0 only (period 1: no journey)."""
    k = 3
    car = np.full((k, k), 6.0)
    vals = {c: np.full((2, k, k), np.nan) for c in COMPONENTS}
    for c, v in (("access", 2.5), ("egress", 2.5), ("wait", 5.0), ("ivt", ivt_min),
                 ("transfer", 0.0), ("boardings", 1.0)):
        vals[c][0] = v
    vals["door"][0] = 10.0 + ivt_min
    avail = np.zeros((2, k, k), bool)
    avail[0] = available
    pt = ZonePtLos(vals, avail, avail.astype(float), np.array(has_stop), (0, 43_200, 86_400),
                   np.array([144, 144]))
    return ZoneLos(car, np.full((k, k), 2000.0), np.ones((k, k), bool), ~np.eye(k, dtype=bool),
                   np.full((k, k), 5.0), np.full((k, k), 7.5), pt=pt, pt_transfer_penalty_min=5.0)


def test_slots_follow_the_periods():
    cfg = DemandConfig()
    los = _los(6.0, True)
    assert los.n_slots == 3  # no bus, period 0, period 1
    assert list(bus_slot(los, cfg, np.array([0, 43_199, 43_200, 90_000]))) == [1, 1, 2, 2]
    m = slot_masses(los, cfg, cfg.outbound_profile)
    assert m[0] == 0 and m.sum() == pytest.approx(1.0)


def test_router_utility_and_availability():
    """Period 0: bus utility = beta_ivt x 6 + beta_access x 5 + beta_wait x 5 + fare
    term (no change, no penalty); period 1 has no journey: bus probability 0 (like slot 0);
    a faster ride raises the bus share."""
    cfg = DemandConfig()
    p4, _ = mode_probabilities(_los(6.0, True), cfg, ASC, ServiceLevel.none())
    assert (p4[0, ..., BUS] == 0).all() and (p4[2, ..., BUS] == 0).all()
    # against walking (2 km at walk_speed_kmh, constant 0): the logit's odds ratio
    walk = cfg.beta_walk_per_min * 2.0 / cfg.walk_speed_kmh * 60.0
    bus = (cfg.beta_ivt_per_min * 6.0 + cfg.beta_access_per_min * 5.0
           + cfg.beta_wait_per_min * 5.0 + cfg.beta_cost_per_eur * cfg.bus_fare_eur)
    assert p4[1, 0, 1, BUS] / p4[1, 0, 1, WALK] == pytest.approx(np.exp(bus - walk))
    fast, _ = mode_probabilities(_los(3.0, True), cfg, ASC, ServiceLevel.none())
    assert fast[1, 0, 1, BUS] > p4[1, 0, 1, BUS]


def test_transfer_penalty_counts_per_change():
    cfg = DemandConfig()
    los = _los(6.0, True)
    los.pt.values["boardings"][0] = 2.0  # one change
    p4, _ = mode_probabilities(los, cfg, ASC, ServiceLevel.none())
    one, _ = mode_probabilities(_los(6.0, True), cfg, ASC, ServiceLevel.none())
    ratio = (p4[1, 0, 1, BUS] / p4[1, 0, 1, WALK]) / (one[1, 0, 1, BUS] / one[1, 0, 1, WALK])
    assert ratio == pytest.approx(np.exp(cfg.beta_ivt_per_min * 5.0))  # 5 min penalty


def test_zone_without_stop_keeps_the_approximation():
    """Zone 2 has no stop: its pairs use 1.3 x car time + access + half headway, in every
    period that lies mostly in the bus hours (05:00-23:15): both halves of the day do."""
    cfg = DemandConfig()
    los = _los(6.0, False, has_stop=(True, True, False))
    p4, _ = mode_probabilities(los, cfg, ASC, ServiceLevel.none())
    assert (p4[1:, 0, 1, BUS] == 0).all()  # routed pair, no journey
    factor = dataclasses.replace(los, pt=None)
    pf, _ = mode_probabilities(factor, cfg, ASC, ServiceLevel.none())
    assert p4[1, 0, 2, BUS] == pytest.approx(pf[1, 0, 2, BUS])
    assert p4[2, 2, 0, BUS] == pytest.approx(pf[1, 2, 0, BUS])


@pytest.fixture(scope="module")
def kl_supply(kl_network, kl_oracle, tmp_path_factory):
    from kl_mobility.pt.config import PtConfig
    from kl_mobility.pt.supply import scenario_supply

    cache = tmp_path_factory.mktemp("ptcache")
    base = scenario_supply(PtConfig(mode_choice="router"), kl_network, kl_oracle,
                           cache_dir=cache)
    more = scenario_supply(PtConfig(mode_choice="router", service_scale=1.3), kl_network,
                           kl_oracle, cache_dir=cache)
    return base, more, cache


def test_calibration_and_more_service_on_kaiserslautern(kl_network, kl_oracle, kl_supply):
    """Calibrated on the 2013-route timetable the bus share meets its target (8.5 % of
    50 + 33.3 + 8.3 + 8.5 = 100.1); with those constants fixed, +30 % bus service (shorter
    waits) raises the expected bus trips."""
    from kl_mobility.demand.generate import calibrated_constants, expected_travel

    base, more, cache = kl_supply
    cfg = DemandConfig()
    asc, shares = calibrated_constants(kl_network, kl_oracle, cfg, transit=base,
                                       cache_dir=cache)
    assert shares["bus"] == pytest.approx(8.5 / 100.1, abs=1e-4)
    fixed = dataclasses.replace(cfg, calibrate=False, asc_walk=asc["walk"],
                                asc_bike=asc["bike"], asc_bus=asc["bus"])
    a = expected_travel(kl_network, kl_oracle, fixed, transit=base, cache_dir=cache)
    b = expected_travel(kl_network, kl_oracle, fixed, transit=more, cache_dir=cache)
    assert b.trips["bus"] > a.trips["bus"] * 1.02
    assert b.trips["car"] < a.trips["car"]
