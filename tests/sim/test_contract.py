"""One contract battery over every registered dispatch policy (random small instances drawn
by hypothesis; the public battery :func:`kl_mobility.testing.check_policy` runs the same
checker on its own fixed draw, see tests/dispatch/test_plugins.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simhelpers import grid, random_requests

from kl_mobility.dispatch import DISPATCH_POLICIES, DispatchConfig
from kl_mobility.results.check import check_outputs
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

POLICIES = sorted(DISPATCH_POLICIES)


def check_contract(res, requests, service, oracle, fleet):
    """Every invariant the engine promises, checked from the outputs alone: the public
    checker (:func:`kl_mobility.results.check.check_outputs`, which the battery
    :func:`kl_mobility.testing.check_policy` runs) plus the start nodes."""
    found = check_outputs(res, requests, service, oracle.tt, oracle.dist)
    assert found == [], "\n".join(map(str, found))
    # legs recorded whenever anything was driven, so the driven paths were compared
    assert bool(res.legs) == (res.vehicles["km_total"].sum() > res.vehicles["km_external"].sum())
    # the party rides one leg of every out-and-back (to its pickup zone: back; drop-off: out)
    assert (res.vehicles["km_external"] / 2 <= res.vehicles["km_occupied"] + 1e-9).all()
    ev = res.events
    # start nodes: network nodes; a vehicle's first assignment or charge (before it ever
    # moved) happens where the vehicle table says it started the day
    start = res.vehicles.set_index("vehicle_id")["start_node"]
    assert ((start >= 0) & (start < oracle.tt.shape[0])).all()
    own = ev[ev["vehicle_id"] >= 0].groupby("vehicle_id").first()
    own = own[own["kind"].isin(("assign", "charge_start"))]
    assert (own["node"] == start.loc[own.index]).all()


@st.composite
def instances(draw):
    rows = draw(st.integers(2, 5))
    cols = draw(st.integers(2, 5))
    n_req = draw(st.integers(1, 25))
    n_veh = draw(st.integers(1, 3))
    cap = draw(st.integers(1, 4))
    unserved = draw(st.sampled_from(["reject", "keep"]))
    seed = draw(st.integers(0, 2**31 - 1))
    max_wait = draw(st.sampled_from([120, 300, 600]))
    return rows, cols, n_req, n_veh, cap, unserved, seed, max_wait


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_contract(policy, inst):
    """No request lost or served twice, capacity, order, deadlines, km accounting."""
    rows, cols, n_req, n_veh, cap, unserved, seed, max_wait = inst
    net, oracle = grid(rows, cols)
    rng = np.random.default_rng(seed)
    requests = random_requests(rng, n_req, net.n_nodes, 8 * 3600, 8 * 3600 + 1800,
                               prebooked_share=0.2)
    service = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, max_wait_s=max_wait,
                            unserved=unserved)
    fleet = [VehicleTypeConfig("van", n_veh, cap)]
    res = simulate(SimInputs(net, oracle, requests, service, fleet, DispatchConfig(policy=policy, rebalance_interval_s=120), seed=seed), record_legs=True)
    check_contract(res, requests, service, oracle, fleet)


def _external_day(inst, share):
    """The instance's grid, requests (about ``share`` of the trip ends in external zones,
    offsets 1-300 s beyond their node) and service; with its fleet size, seats and seed."""
    rows, cols, n_req, n_veh, cap, unserved, seed, max_wait = inst
    net, oracle = grid(rows, cols)
    rng = np.random.default_rng(seed)
    requests = random_requests(rng, n_req, net.n_nodes, 8 * 3600, 8 * 3600 + 1800,
                               prebooked_share=0.2)
    for end in ("origin", "dest"):
        requests[f"{end}_offset_s"] = np.where(rng.random(n_req) < share,
                                               rng.integers(1, 301, n_req), 0).astype(np.int32)
    service = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, max_wait_s=max_wait,
                            unserved=unserved)
    return net, oracle, requests, service, n_veh, cap, seed


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_contract_external_zones(policy, inst):
    """The same contract when about a third of the trip ends lie in external zones
    (offsets 1-300 s beyond their node): windows at the zone, km = edges + external."""
    net, oracle, requests, service, n_veh, cap, seed = _external_day(inst, 0.35)
    fleet = [VehicleTypeConfig("van", n_veh, cap)]
    res = simulate(SimInputs(net, oracle, requests, service, fleet, DispatchConfig(policy=policy, rebalance_interval_s=120), seed=seed), record_legs=True)
    check_contract(res, requests, service, oracle, fleet)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_contract_loop_kernel(inst):
    """The same contract on the loop kernel's path (immediate insertion, no rebalancing),
    with a second type beside the vans and a quarter of the trip ends in external zones:
    the day must run in the kernel."""
    import kl_mobility.sim.engine as engine_mod

    runs = []
    real = engine_mod.fast_loop
    net, oracle, requests, service, n_veh, cap, seed = _external_day(inst, 0.25)
    fleet = [VehicleTypeConfig("van", n_veh, cap), VehicleTypeConfig("shuttle", 1, 2)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine_mod, "fast_loop", lambda eng: (runs.append(1), real(eng)))
        res = simulate(SimInputs(net, oracle, requests, service, fleet,
                                 DispatchConfig(policy="insertion"), seed=seed),
                       record_legs=True)
    assert runs == [1]
    check_contract(res, requests, service, oracle, fleet)


def _busy_day(policy: str, seed: int):
    net, oracle = grid(5, 5)
    rng = np.random.default_rng(7)
    requests = random_requests(rng, 60, net.n_nodes, 8 * 3600, 9 * 3600)
    service = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, unserved="keep")
    return simulate(SimInputs(net, oracle, requests, service, [VehicleTypeConfig("van", 4, 4)], DispatchConfig(policy=policy, rebalance_interval_s=120), seed=seed))


@pytest.mark.parametrize("policy", POLICIES)
def test_same_seed_same_log_different_seed_different_log(policy):
    """Same seed: identical event log bit for bit; another seed (other initial vehicle
    positions): a different log."""
    a = _busy_day(policy, 1)
    b = _busy_day(policy, 1)
    c = _busy_day(policy, 2)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    pd.testing.assert_frame_equal(a.trips, b.trips, check_exact=True)
    pd.testing.assert_frame_equal(a.vehicles, b.vehicles, check_exact=True)
    assert not a.events.equals(c.events)
    assert not a.vehicles["start_node"].equals(c.vehicles["start_node"])
    assert a.kpis["n_served"] > 0
