"""The assignment and min-cost-flow steps of the batch and rebalancing policies, and the
registry through which users add their own policy."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from kl_mobility.config import ConfigError, from_mapping
from kl_mobility.dispatch import DISPATCH_POLICIES, DispatchConfig
from kl_mobility.dispatch.policies import InsertionPolicy, assign_min_cost, rebalancing_flows
from kl_mobility.kernels.insertion import INFEASIBLE
from kl_mobility.network import build_oracle, grid_network


def grid(rows, cols, tmp=[]):  # noqa: B006 - one cache dir for the module
    """``(network, oracle)`` of a grid with 20 s edges."""
    import tempfile

    if not tmp:
        tmp.append(tempfile.mkdtemp(prefix="kl-dispatch-tests-"))
    net = grid_network(rows, cols)
    return net, build_oracle(net, cache_dir=tmp[0])


def _brute(cost):
    """(assigned count, summed cost) of the best assignment, by enumeration."""
    r, k = cost.shape
    best = (0, 0)
    cols = list(range(k)) + [-1] * r
    for perm in itertools.permutations(cols, r):
        if any(c >= 0 and perm.count(c) > 1 for c in perm):
            continue
        if any(c >= 0 and cost[i, c] == INFEASIBLE for i, c in enumerate(perm)):
            continue
        n = sum(c >= 0 for c in perm)
        s = sum(int(cost[i, c]) for i, c in enumerate(perm) if c >= 0)
        if n > best[0] or (n == best[0] and s < best[1]):
            best = (n, s)
    return best


def test_assignment_matches_enumeration():
    """OR-Tools assignment = enumeration: most requests assigned, then least summed cost;
    never two requests on one vehicle, never an infeasible pair."""
    rng = np.random.default_rng(0)
    for _ in range(150):
        r, k = rng.integers(1, 5), rng.integers(1, 4)
        cost = rng.integers(0, 100, (r, k)).astype(np.int64)
        cost[rng.random((r, k)) < 0.4] = INFEASIBLE
        cols = assign_min_cost(cost)
        used = cols[cols >= 0]
        assert len(set(used.tolist())) == used.size
        assert all(cost[i, c] != INFEASIBLE for i, c in enumerate(cols) if c >= 0)
        got = (int((cols >= 0).sum()), int(sum(cost[i, c] for i, c in enumerate(cols) if c >= 0)))
        assert got == _brute(cost)


def test_rebalancing_flows_by_hand():
    """Zones A, B, C; 3 idle vehicles in A, demand wants 1 in A, 1 in B, 1 in C; moving A->B
    costs 10, A->C 20: one vehicle to each of B and C."""
    supply = np.array([3, 0, 0])
    demand = np.array([1, 1, 1])
    cost = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]])
    assert sorted(rebalancing_flows(supply, demand, cost)) == [(0, 1, 1), (0, 2, 1)]
    assert rebalancing_flows(demand, demand, cost) == []


def test_registry_accepts_a_user_policy():
    """A policy registered under a new name is accepted by the config and used by simulate."""
    from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

    calls = []

    class Counting(InsertionPolicy):
        def dispatch(self, ctx, reqs):
            calls.append(len(reqs))
            return super().dispatch(ctx, reqs)

    DISPATCH_POLICIES["counting"] = Counting
    try:
        net, oracle = grid(2, 2)
        req = pd.DataFrame({"request_id": [1, 2], "request_time_s": [100, 200],
                            "origin_node": [0, 1], "dest_node": [3, 2], "passengers": [1, 1]})
        res = simulate(SimInputs(net, oracle, req, ServiceConfig(start_s=0), [VehicleTypeConfig("van", 1, 2)], DispatchConfig(policy="counting"), seed=0))
        assert calls == [1, 1]
        assert res.kpis["n_served"] == 2
    finally:
        del DISPATCH_POLICIES["counting"]


def test_unknown_policy_names_the_key():
    with pytest.raises(ConfigError, match="dispatch.policy"):
        from_mapping(DispatchConfig, {"policy": "nope"}, file="s.toml", prefix="dispatch")
    with pytest.raises(ConfigError, match="valid keys"):
        from_mapping(DispatchConfig, {"polcy": "batch"}, file="s.toml", prefix="dispatch")


def test_rebalancing_moves_idle_vehicles_toward_demand():
    """Line of 10 nodes; two idle vans at depot node 0; all requests start at the far end
    (node 9) from 09:00. The rebalancing policy moves the vans there beforehand (rebalance
    events), so waits are shorter than with plain insertion."""
    from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

    net, oracle = grid(1, 10)
    req = pd.DataFrame({"request_id": np.arange(6), "request_time_s": 9 * 3600 + 300 *
                        np.arange(6), "origin_node": 9, "dest_node": 8, "passengers": 1})
    service = ServiceConfig(start_s=8 * 3600, end_s=10 * 3600, depot_nodes=(0,),
                            initial_positions="depot")
    cfg = dict(rebalance_interval_s=600, rebalance_horizon_s=3600, rebalance_zone_m=500.0)
    fleet = [VehicleTypeConfig("van", 2, 4)]
    reb = simulate(SimInputs(net, oracle, req, service, fleet, DispatchConfig(policy="rebalancing", **cfg), seed=0))
    ins = simulate(SimInputs(net, oracle, req, service, fleet, DispatchConfig(policy="insertion", **cfg), seed=0))
    assert (reb.events["kind"] == "rebalance").any()
    assert reb.kpis["n_served"] == ins.kpis["n_served"] == 6
    assert reb.kpis["wait_mean_s"] < ins.kpis["wait_mean_s"]


def test_rebalancing_follows_a_given_forecast():
    """With a forecast that puts all demand at node 0 (where the vans already are), the
    rebalancing policy moves nobody."""
    from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate

    net, oracle = grid(1, 10)
    req = pd.DataFrame({"request_id": [0], "request_time_s": [9 * 3600], "origin_node": [9],
                        "dest_node": [8], "passengers": [1]})
    service = ServiceConfig(start_s=8 * 3600, end_s=10 * 3600, depot_nodes=(0,),
                            initial_positions="depot")
    forecast = pd.DataFrame({"time_s": 8 * 3600 + 60 * np.arange(30), "origin_node": 0})
    res = simulate(SimInputs(net, oracle, req, service, [VehicleTypeConfig("van", 2, 4)], DispatchConfig(policy="rebalancing", rebalance_interval_s=600), seed=0, forecast=forecast))
    assert not (res.events["kind"] == "rebalance").any()
    assert res.kpis["n_served"] == 1
