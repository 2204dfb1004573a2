"""The ``rider_time`` insertion cost through the engine: its weights are checked, every
policy keeps the output contract under it, and it changes the plans (the kernel itself is
compared with the reference in tests/kernels/test_insertion.py)."""

from __future__ import annotations

import numpy as np
import pytest
from simhelpers import grid, random_requests

from kl_mobility.dispatch import DISPATCH_POLICIES, DispatchConfig
from kl_mobility.results.check import check_outputs
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate


def test_weights_are_checked():
    """Defaults as documented; waiting must weigh at least riding; negatives refused."""
    c = DispatchConfig(cost="rider_time")
    assert (c.cost_weight_vehicle, c.cost_weight_wait, c.cost_weight_ride) == (2.875, 1.6, 1.0)
    with pytest.raises(ValueError, match="cost_weight_wait"):
        DispatchConfig(cost="rider_time", cost_weight_wait=0.5)
    with pytest.raises(ValueError, match="cost_weight_vehicle"):
        DispatchConfig(cost="rider_time", cost_weight_vehicle=-1.0)
    with pytest.raises(ValueError, match="cost"):
        DispatchConfig(cost="rider")


def _day(policy: str, cost: str, **weights):
    net, oracle = grid(5, 5)
    rng = np.random.default_rng(11)
    requests = random_requests(rng, 80, net.n_nodes, 8 * 3600, 9 * 3600, prebooked_share=0.2)
    service = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, unserved="keep")
    res = simulate(SimInputs(net, oracle, requests, service, [VehicleTypeConfig("van", 4, 4)],
                             DispatchConfig(policy=policy, cost=cost, rebalance_interval_s=120,
                                            **weights), seed=3), record_legs=True)
    return res, requests, service, oracle


@pytest.mark.parametrize("policy", sorted(DISPATCH_POLICIES))
def test_contract_under_rider_time(policy):
    """Nothing lost or served twice, deadlines, capacity, km under ``rider_time``."""
    res, requests, service, oracle = _day(policy, "rider_time")
    assert check_outputs(res, requests, service, oracle.tt, oracle.dist) == []
    assert res.kpis["n_served"] > 0


def test_rider_time_changes_the_plans():
    """Same day, insertion policy: ``rider_time`` plans differ from ``added_time``, and
    its weights matter (a zero vehicle weight gives yet other plans)."""
    a = _day("insertion", "added_time")[0].events
    b = _day("insertion", "rider_time")[0].events
    c = _day("insertion", "rider_time", cost_weight_vehicle=0.0)[0].events
    assert not a.equals(b)
    assert not b.equals(c)
