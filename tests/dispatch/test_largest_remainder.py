"""The rebalancing target of each zone: Hamilton's largest-remainder rounding.

``_largest_remainder(weights, total)`` splits ``total`` idle vehicles over zones in
proportion to ``weights`` (expected requests): each zone gets ``floor(share)`` with
``share = weight / sum x total``, and the vehicles left over go one each to the zones with
the largest fractional parts, ties to the lower zone index. Nothing is lost or made up:
the result always sums to ``total`` (0 when there is nothing to share or no demand).
"""

from __future__ import annotations

import numpy as np
import pytest

from kl_mobility.dispatch.policies import _largest_remainder


@pytest.mark.parametrize(("weights", "total", "expected"), [
    # shares 2.0, 1.2, 0.8 -> floors 2, 1, 0 (3); 1 left -> largest fraction 0.8 (zone 2)
    ([5, 3, 2], 4, [2, 1, 1]),
    # shares 3.5, 1.5 -> floors 3, 1 (4); 1 left; tie 0.5 = 0.5 -> lower index (zone 0)
    ([7, 3], 5, [4, 1]),
    # shares 1.5 each -> floors 1 (4); 2 left; four-way tie -> zones 0 and 1
    ([1, 1, 1, 1], 6, [2, 2, 1, 1]),
    # shares 2/3 each -> floors 0; 2 left; three-way tie -> zones 0 and 1
    ([1, 1, 1], 2, [1, 1, 0]),
    # tie broken by index even when the tied zone comes later in a different order:
    # shares 0.5, 2.0, 0.5 -> floors 0, 2, 0 (2); 1 left -> zone 0 (not zone 2)
    ([1, 4, 1], 3, [1, 2, 0]),
    # shares 0.3, 2.7, 0, 2.0 -> floors 0, 2, 0, 2 (4); 1 left -> zone 1 (0.7 > 0.3)
    ([3, 27, 0, 20], 5, [0, 3, 0, 2]),
    # exact shares: nothing left over; shares 6, 2, 0
    ([3, 1, 0], 8, [6, 2, 0]),
    # more zones than vehicles: shares 0.1 x 10 -> floors 0; 1 left -> zone 0
    ([1] * 10, 1, [1] + [0] * 9),
    # a zone without demand (zone 0, the lowest index) never gets a vehicle:
    # shares 0, 0.5, 0.5 (total 1) -> 1 left, tie -> zone 1
    ([0, 2, 2], 1, [0, 1, 0]),
])
def test_hand_checked_cases(weights, total, expected):
    got = _largest_remainder(np.asarray(weights, np.float64), total)
    assert got.dtype == np.int64
    assert got.tolist() == expected
    assert int(got.sum()) == total


@pytest.mark.parametrize(("weights", "total"), [([0, 0, 0], 5), ([1, 2], 0), ([1, 2], -3)])
def test_nothing_to_share(weights, total):
    """No demand or no vehicles: every zone gets 0 (the sum is then 0, not ``total``)."""
    got = _largest_remainder(np.asarray(weights, np.float64), total)
    assert got.tolist() == [0] * len(weights)


def test_sum_preserved_and_within_one_of_the_share():
    """Random weights and totals: sum = total; each zone within (share - 1, share + 1),
    i.e. floor(share) or floor(share) + 1; zones with weight 0 get 0; the zones given the
    extra vehicle have fractional parts no smaller than those not given one."""
    rng = np.random.default_rng(11)
    for _ in range(2_000):
        k = int(rng.integers(1, 12))
        w = rng.integers(0, 20, k).astype(np.float64)
        if w.sum() == 0:
            w[0] = 1.0
        total = int(rng.integers(1, 60))
        got = _largest_remainder(w, total)
        share = w / w.sum() * total
        base = np.floor(share)
        assert int(got.sum()) == total
        extra = got - base
        assert set(np.unique(extra)).issubset({0.0, 1.0})
        assert (got[w == 0] == 0).all()
        frac = share - base
        if extra.any() and (extra == 0).any():
            assert frac[extra == 1].min() >= frac[extra == 0].max()
