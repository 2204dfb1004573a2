"""The intermodal alternative's utility, odds and hub choice on a hand-made case.

Two zones, one hub, one period of the day; the level of service is made by hand (not from a
network). The coefficients, constants and on-demand level are those of
tests/demand/test_logit_formula.py (beta_ivt -0.05, beta_access -0.08, beta_wait -0.08,
beta_cost -0.30, beta_reject -2.0, bus fare 1.5 EUR, on-demand constant = bus constant -
1.0, asc_bus 0.3; on-demand wait 300 s, detour 1.2, fare 2.0 EUR + 0.5 EUR/km, 90 %
served, walk 120 s). The zone-to-zone bus does not run in the period, so the base modes of
0 -> 1 are car -1.01, walk -7.5 and bike -2.36 (test_logit_formula's arithmetic).

Intermodal 0 -> 1, transfer penalty 5 min (bus changes 5 min too):
- constant part: 0.3 - 1.0 - 0.30 x 1.5 - 0.05 x 5 = -1.4
- first mile via the hub: on-demand 4 min over 2 km:
  -0.05 x 1.2 x 4 - 0.08 x 5 - 0.08 x 2 - 0.30 x (2.0 + 0.5 x 2) - 2.0 x 0.1 = -1.9;
  bus hub -> 1: wait 6, ride 8, no change, egress walk 3:
  -0.05 x 8 - 0.08 x 6 - 0.08 x 3 = -1.12; total -4.42
- last mile via the hub: bus 0 -> hub: access 2, wait 10, ride 5, 2 boardings (one change
  = 5 min): -0.08 x 2 - 0.08 x 10 - 0.05 x (5 + 5) = -1.46; on-demand hub -> 1, 3 min over
  1.5 km: -0.05 x 1.2 x 3 - 0.4 - 0.16 - 0.30 x 2.75 - 0.2 = -1.765; total -4.625
- the first mile is better: V = -4.42, direction 0, hub 0.
Odds against the base modes: r = e^-4.42 / (e^-1.01 + e^-7.5 + e^-2.36) = 0.026207.
1 -> 0 is not offered (no bus hub -> 0 for a first mile, none 1 -> hub for a last mile),
nor is 0 -> 0 (same node). With zone 0 within walking distance of the hub
(``feeder_ok`` False) no on-demand leg touches zone 0: 0 -> 1 keeps only its last mile
(bus to the hub, on-demand to zone 1), -4.625.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kl_mobility.demand import DemandConfig, ServiceLevel
from kl_mobility.demand.intermodal import IntermodalLos, intermodal_odds
from kl_mobility.demand.modechoice import ZoneLos
from kl_mobility.kernels.intermodal import NEG, best_hub
from kl_mobility.pt.intermodal import HubPtLos
from kl_mobility.pt.zonetimes import COMPONENTS, ZonePtLos

CONFIG = DemandConfig(
    beta_ivt_per_min=-0.05, beta_walk_per_min=-0.10, beta_bike_per_min=-0.09,
    beta_access_per_min=-0.08, beta_wait_per_min=-0.08, beta_cost_per_eur=-0.30,
    beta_reject=-2.0, car_cost_eur_per_km=0.20, walk_speed_kmh=4.5,
    bike_speed_kmh=15.0, bus_ivt_factor=1.3, bus_fare_eur=1.5, asc_ondemand_minus_bus=-1.0)
ASC = {"walk": 0.5, "bike": -0.2, "bus": 0.3}
LEVEL = ServiceLevel(wait_s=300.0, detour_factor=1.2, fare_eur=2.0, fare_per_km_eur=0.5,
                     share_served=0.9, access_walk_s=120.0)


def _zone_los() -> ZoneLos:
    full = lambda a, b: np.array([[a, b], [b, a]], np.float64)  # noqa: E731
    vals = {c: np.full((1, 2, 2), 5.0) for c in COMPONENTS}
    none = np.zeros((1, 2, 2), bool)  # the zone-to-zone bus does not run in the period
    pt = ZonePtLos(vals, none, none.astype(float), np.array([True, True]), (0, 86_400),
                   np.array([288]))
    return ZoneLos(car_min=full(1.0, 10.0), dist_m=full(400.0, 6000.0),
                   reachable=np.ones((2, 2), bool),
                   distinct_nodes=np.array([[False, True], [True, False]]),
                   bus_access_min=full(5.0, 5.0), bus_wait_min=full(7.5, 7.5), pt=pt,
                   pt_transfer_penalty_min=5.0, car_walk_min=full(1.25, 1.25),
                   car_search_min=full(1.0, 1.0))


def _im_los() -> IntermodalLos:
    nan = np.nan
    first = {c: np.full((1, 1, 2), nan) for c in COMPONENTS}   # [p, hub, zone]
    last = {c: np.full((1, 2, 1), nan) for c in COMPONENTS}    # [p, zone, hub]
    for c, v in {"wait": 6.0, "ivt": 8.0, "transfer": 0.0, "egress": 3.0,
                 "boardings": 1.0}.items():
        first[c][0, 0, 1] = v
    for c, v in {"access": 2.0, "wait": 10.0, "ivt": 5.0, "transfer": 0.0,
                 "boardings": 2.0}.items():
        last[c][0, 0, 0] = v
    first_ok = np.array([[[False, True]]])
    last_ok = np.array([[[True], [False]]])
    pt = HubPtLos(np.array([0]), first, last, first_ok, last_ok, (0, 86_400))
    return IntermodalLos(
        hubs=np.array([0]), hub_node=np.array([7]), hub_lat=np.array([49.44]),
        hub_lon=np.array([7.77]), hub_stop_id=np.array(["H"], dtype=object),
        to_hub_min=np.array([[4.0], [1.0]]), from_hub_min=np.array([[9.0, 3.0]]),
        to_hub_km=np.array([[2.0], [0.5]]), from_hub_km=np.array([[4.0, 1.5]]),
        feeder_ok=np.array([[True], [True]]), pt=pt, transfer_penalty_min=5.0,
        pt_transfer_penalty_min=5.0)


def test_intermodal_odds_by_hand():
    r, hub, direction = intermodal_odds(_zone_los(), _im_los(), CONFIG, ASC, LEVEL)
    assert r.shape == (2, 2, 2)  # slot 0 (no bus) and the one period
    base = math.exp(-1.01) + math.exp(-7.5) + math.exp(-2.36)
    assert r[1, 0, 1] == pytest.approx(math.exp(-4.42) / base, rel=1e-12)
    assert r[1, 0, 1] == pytest.approx(0.026207, abs=1e-6)
    assert hub[1, 0, 1] == 0 and direction[1, 0, 1] == 0
    assert r[1, 1, 0] == 0.0 and hub[1, 1, 0] == -1   # no way 1 -> 0
    assert r[1, 0, 0] == 0.0                            # same node
    assert not r[0].any()                               # slot 0: no bus, no intermodal


def test_the_last_mile_wins_when_the_first_is_worse():
    """A 20 min wait at the hub makes the first mile -4.42 - 0.08 x 14 = -5.54, below the
    last mile's -4.625: direction 1, r = e^-4.625 / base."""
    im = _im_los()
    im.pt.first["wait"][0, 0, 1] = 20.0
    r, hub, direction = intermodal_odds(_zone_los(), im, CONFIG, ASC, LEVEL)
    base = math.exp(-1.01) + math.exp(-7.5) + math.exp(-2.36)
    assert direction[1, 0, 1] == 1 and hub[1, 0, 1] == 0
    assert r[1, 0, 1] == pytest.approx(math.exp(-4.625) / base, rel=1e-12)


def test_no_feeder_leg_within_walking_distance():
    import dataclasses

    im = dataclasses.replace(_im_los(), feeder_ok=np.array([[False], [True]]))
    r, hub, direction = intermodal_odds(_zone_los(), im, CONFIG, ASC, LEVEL)
    base = math.exp(-1.01) + math.exp(-7.5) + math.exp(-2.36)
    assert direction[1, 0, 1] == 1 and hub[1, 0, 1] == 0
    assert r[1, 0, 1] == pytest.approx(math.exp(-4.625) / base, rel=1e-12)
    both = dataclasses.replace(_im_los(), feeder_ok=np.array([[False], [False]]))
    assert intermodal_odds(_zone_los(), both, CONFIG, ASC, LEVEL)[0][1, 0, 1] == 0.0


def test_transfer_penalty_is_a_named_parameter():
    """A 10 min change penalty lowers V by 0.05 x 5 more: r x e^-0.25."""
    import dataclasses

    r5 = intermodal_odds(_zone_los(), _im_los(), CONFIG, ASC, LEVEL)[0][1, 0, 1]
    im10 = dataclasses.replace(_im_los(), transfer_penalty_min=10.0)
    r10 = intermodal_odds(_zone_los(), im10, CONFIG, ASC, LEVEL)[0][1, 0, 1]
    assert r10 / r5 == pytest.approx(math.exp(-0.25), rel=1e-12)


def test_no_service_no_intermodal():
    r, hub, _ = intermodal_odds(_zone_los(), _im_los(), CONFIG, ASC, ServiceLevel.none())
    assert not r.any() and (hub == -1).all()


@pytest.mark.parametrize("ties", [False, True])
def test_best_hub_kernel_against_brute_force(ties):
    """Random utilities with holes (with ``ties``: whole numbers in -2..2, so many hubs
    and both directions tie): the kernel's best value, hub and direction equal a plain
    maximum over hubs (first mile before last mile, lower hub on ties)."""
    rng = np.random.default_rng(3)
    k, n_h, n_p = 6, 4, 3
    draw = (lambda size: np.round(rng.normal(size=size))) if ties else \
        (lambda size: rng.normal(size=size))
    first_od = draw((k, n_h))
    first_pt = draw((n_p, n_h, k))
    last_pt = draw((n_p, k, n_h))
    last_od = draw((n_h, k))
    for a in (first_od, first_pt, last_pt, last_od):
        a[rng.random(a.shape) < 0.3] = NEG
    v = np.empty((n_p, k, k))
    h = np.empty((n_p, k, k), np.int64)
    d = np.empty((n_p, k, k), np.int64)
    best_hub(first_od, first_pt, last_pt, last_od, v, h, d)
    for p in range(n_p):
        for i in range(k):
            for j in range(k):
                cands = [(first_od[i, x] + first_pt[p, x, j], 0, x) for x in range(n_h)
                         if first_od[i, x] > NEG / 2 and first_pt[p, x, j] > NEG / 2]
                cands += [(last_pt[p, i, x] + last_od[x, j], 1, x) for x in range(n_h)
                          if last_pt[p, i, x] > NEG / 2 and last_od[x, j] > NEG / 2]
                if not cands:
                    assert v[p, i, j] == NEG and h[p, i, j] == -1 and d[p, i, j] == -1
                    continue
                best = max(c[0] for c in cands)
                first_best = next(c for c in cands if c[0] == best)
                assert v[p, i, j] == best
                assert (d[p, i, j], h[p, i, j]) == (first_best[1], first_best[2])


def test_the_switch_draw_splits_on_demand_and_intermodal():
    """Draw u against P(od) = 0.2 and P(od) + P(im) = 0.3: u 0.1 -> on-demand (4), u 0.25 ->
    intermodal (5), u 0.5 -> the base mode."""
    from kl_mobility.demand.generate import _modes

    m = _modes(np.array([0.1, 0.25, 0.5]), np.full(3, 0.2), np.full(3, 0.3),
               np.array([0, 3, 1], np.int8))
    assert list(m) == [4, 5, 1]
