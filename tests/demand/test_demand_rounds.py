"""The demand <-> service rounds (:class:`DemandRounds`) on synthetic response functions with
a known fixed point, and the per-trip redraw of a day's requests
(:meth:`Demand.with_ondemand_probability`) on the grid fixtures.

Synthetic service: ``n`` trips with utilities ``a`` evenly from -5 to 0; a fleet that
serves at most ``capacity`` requests, so the share served at ``D`` requests is
``min(1, capacity / D)``; trip ``i`` switches to on-demand with
``1 / (1 + exp(-(a_i + beta x (1 - share))))`` (the logit's rejection term). The expected
request count ``D`` is the demand; its fixed point ``D* = sum_i p_i(share(D*))`` is found
by root search (``brentq``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from kl_mobility.demand import DemandConfig, ServiceLevel, generate_demand
from kl_mobility.demand.modechoice import DemandRounds, level_change, relative_change


def _service(n: int, beta: float, capacity: float):
    a = np.linspace(-5.0, 0.0, n)

    def share(d: float) -> float:
        return 1.0 if d <= capacity else capacity / d

    def respond(d: float) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(a + beta * (1.0 - share(d)))))

    fixed = brentq(lambda d: respond(d).sum() - d, 1e-9, float(n))
    return share, respond, fixed


def _iterate(rounds: DemandRounds, share, respond) -> list[float]:
    """The runner's loop on the synthetic service: round 0 assumes every request served."""
    p = respond(0.0)
    expected = ServiceLevel(share_served=1.0)
    demands = []
    while True:
        d = float(p.sum())
        demands.append(d)
        level = ServiceLevel(share_served=share(d))
        response = respond(d)
        rounds.record(d, float(response.sum()), level, expected)
        if rounds.done:
            return demands
        p = rounds.next_probability(p, response)
        expected = level


def test_relative_change_is_symmetric_and_bounded():
    # the swing of klima-plus-2030 seed 1: 15,076 -> 3,716 = 11,360 / 15,076 = 0.7535
    assert relative_change(3716, 15076) == pytest.approx(11360 / 15076)
    assert relative_change(15076, 3716) == relative_change(3716, 15076)
    assert relative_change(0, 0) == 0.0
    a = ServiceLevel(wait_s=400.0, detour_factor=2.0, share_served=0.6)
    b = dataclasses.replace(a, wait_s=380.0, share_served=0.66)
    assert level_change(b, a) == pytest.approx(0.06 / 0.66)  # the share moved most


def test_undamped_rounds_swing_damped_rounds_reach_the_fixed_point():
    """beta = -2 and at most 1,500 served of 20,000 trips: a response slope of about -1.2
    at ``D*`` = 1,945 (the Klima+ 2030 runs: about -1). Undamped (``D <- R(D)``) the
    demand alternates between 2,746 and 1,345 requests for ever; with the default step 0.5
    it lands within the tolerance of ``D*``, every round's gap is smaller than the one
    before, and the rounds stop early (4 rounds)."""
    share, respond, fixed = _service(20_000, -2.0, 1500.0)
    d, undamped = float(respond(0.0).sum()), []
    for _ in range(6):
        undamped.append(d)
        d = float(respond(d).sum())
    assert min(undamped) < 0.9 * fixed < 1.1 * fixed < max(undamped[-2:])

    rounds = DemandRounds(max_rounds=20)
    demands = _iterate(rounds, share, respond)
    gaps = [abs(r["requests_gap"]) for r in rounds.rounds]
    assert rounds.converged and len(demands) < 10
    assert all(b < a for a, b in zip(gaps, gaps[1:]))  # contracting
    assert demands[-1] == pytest.approx(fixed, rel=0.02)
    assert rounds.rounds[-1]["requests_gap"] == pytest.approx(
        (respond(demands[-1]).sum() - demands[-1]) / max(respond(demands[-1]).sum(),
                                                         demands[-1]))


def test_steep_response_halves_the_step_until_the_rounds_contract():
    """beta = -6: slope about -4.4 at ``D*``. Undamped the demand alternates between
    2,746 and 253 requests for ever; a step of 0.5 would still overshoot (factor
    1 - 0.5 x 5.4 = -1.7), so the rounds halve it and then converge to ``D*``."""
    share, respond, fixed = _service(20_000, -6.0, 1500.0)
    d0 = float(respond(0.0).sum())
    d1 = float(respond(d0).sum())
    assert float(respond(d1).sum()) == pytest.approx(d0, rel=1e-3)  # a 2-cycle
    rounds = DemandRounds(max_rounds=30)
    demands = _iterate(rounds, share, respond)
    steps = [r["step"] for r in rounds.rounds[1:]]
    assert min(steps) < 0.5 and steps == sorted(steps, reverse=True)
    assert rounds.converged
    assert demands[-1] == pytest.approx(fixed, rel=0.02)


def test_stop_rule_and_round_rows():
    """Converged when both gaps are within their tolerances; done then or at max_rounds."""
    lvl = ServiceLevel(wait_s=400.0, detour_factor=2.0, share_served=0.60)
    rounds = DemandRounds(max_rounds=3, step=0.5, requests_tol=0.02, level_tol=0.03)
    # 1,000 simulated, 1,100 given by the level: gap 100 / 1,100 = 0.091 > 0.02
    row = rounds.record(1000, 1100, lvl, lvl)
    assert row["step"] is None and row["iteration"] == 0
    assert row["requests_gap"] == pytest.approx(100 / 1100) and not row["converged"]
    assert not rounds.done
    # 1,000 vs 1,015: 15 / 1,015 = 0.0148 <= 0.02, but the share moved 0.6 -> 0.62:
    # 0.02 / 0.62 = 0.032 > 0.03
    moved = dataclasses.replace(lvl, share_served=0.62)
    row = rounds.record(1000, 1015, moved, lvl)
    assert row["level_gap"] == pytest.approx(0.02 / 0.62) and not row["converged"]
    assert row["step"] == 0.5
    # now the level stays: both within -> converged and done
    row = rounds.record(1000, 1015, moved, moved)
    assert row["converged"] and rounds.converged and rounds.done
    # without convergence the rounds end at max_rounds
    capped = DemandRounds(max_rounds=1)
    capped.record(1000, 2000, lvl, lvl)
    assert capped.done and not capped.converged
    # no request made or given: nothing to disagree about
    empty = DemandRounds(max_rounds=5)
    assert empty.record(0, 0, lvl, ServiceLevel()).get("converged")
    with pytest.raises(ValueError, match="^step"):
        DemandRounds(max_rounds=2, step=0.0)
    with pytest.raises(ValueError, match="^service_step"):
        DemandConfig(service_step=0.0)
    with pytest.raises(ValueError, match="^service_requests_tol"):
        DemandConfig(service_requests_tol=-0.1)
    cfg = DemandConfig(service_iterations=7, service_step=0.25, service_level_tol=0.05)
    assert DemandRounds.from_config(cfg) == DemandRounds(7, 0.25, 0.02, 0.05)


def test_redrawn_day_keeps_trips_and_nests_requests(grid, grid_oracle, grid_config, grid_zones):
    """The same trips and draws under other per-trip probabilities: the probabilities of
    a level give exactly that level's requests (same seed, same request stream), and a
    mix of two levels' probabilities gives a request count between theirs, nested by trip
    (common random numbers)."""
    kw = dict(seed=5, zones=grid_zones)
    good = generate_demand(grid, grid_oracle, grid_config,
                           service_level=ServiceLevel(wait_s=120.0, detour_factor=1.1), **kw)
    bad = generate_demand(grid, grid_oracle, grid_config,
                          service_level=ServiceLevel(wait_s=900.0, detour_factor=2.0,
                                                     share_served=0.4), **kw)
    assert len(good.requests) > len(bad.requests) > 0
    same = good.with_ondemand_probability(bad.ondemand_probability)
    pd.testing.assert_frame_equal(same.requests, bad.requests)
    pd.testing.assert_frame_equal(same.trips.drop(columns="mode"),
                                  good.trips.drop(columns="mode"))
    mid = good.with_ondemand_probability(0.5 * (good.ondemand_probability
                                                + bad.ondemand_probability))
    n_bad, n_mid, n_good = len(bad.requests), len(mid.requests), len(good.requests)
    assert n_bad <= n_mid <= n_good
    trip = {name: set(d.trips.index[d.trips["mode"] == "ondemand"])
            for name, d in (("bad", bad), ("mid", mid), ("good", good))}
    assert trip["bad"] <= trip["mid"] <= trip["good"]
    assert len(good.with_ondemand_probability(np.zeros(len(good.trips))).requests) == 0
    with pytest.raises(ValueError, match="^probability"):
        good.with_ondemand_probability(np.zeros(3))
