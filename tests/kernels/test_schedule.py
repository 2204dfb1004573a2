"""The stop edits of kernels/schedule.py against the obvious numpy slicing, on random
schedules."""

from __future__ import annotations

import numpy as np
import pytest

from kl_mobility.kernels.schedule import count_full, insert_stops, pop_stop


def _rows(rng, n, width):
    return tuple(rng.integers(-50, 50, (n, width)).astype(np.int32) for _ in range(6))


def _insert_reference(rows, v, m, i, j, pick, drop):
    for arr, pv, dv in zip(rows, pick, drop, strict=True):
        row = arr[v]
        old = row[:m].copy()
        row[i] = pv
        row[i + 1: j + 1] = old[i:j]
        row[j + 1] = dv
        row[j + 2: m + 2] = old[j:m]


@pytest.mark.parametrize("seed", range(20))
def test_insert_and_pop_match_slicing(seed):
    rng = np.random.default_rng(seed)
    width = int(rng.integers(2, 9))
    rows = _rows(rng, 4, width)
    ref = tuple(a.copy() for a in rows)
    for _ in range(30):
        v = int(rng.integers(0, 4))
        m = int(rng.integers(0, width - 1))  # room for two more: m + 2 <= width
        i = int(rng.integers(0, m + 1))
        j = int(rng.integers(i, m + 1))
        pick = tuple(int(x) for x in rng.integers(100, 200, 6))
        drop = tuple(int(x) for x in rng.integers(200, 300, 6))
        insert_stops(rows, v, m, i, j, pick, drop)
        _insert_reference(ref, v, m, i, j, pick, drop)
        for a, b in zip(rows, ref, strict=True):
            np.testing.assert_array_equal(a, b)
        m2 = int(rng.integers(1, width + 1))
        pop_stop(rows, v, m2)
        for b in ref:
            b[v, : m2 - 1] = b[v, 1:m2].copy()
        for a, b in zip(rows, ref, strict=True):
            np.testing.assert_array_equal(a, b)


def test_insert_by_hand():
    """Stops [a, b, c] (m = 3), pickup P before old stop 1, drop-off D before old stop 2:
    [a, P, b, D, c]."""
    rows = tuple(np.array([[1, 2, 3, 0, 0]], np.int32) for _ in range(6))
    insert_stops(rows, 0, 3, 1, 2, (7,) * 6, (9,) * 6)
    assert rows[0][0].tolist() == [1, 7, 2, 9, 3]
    pop_stop(rows, 0, 5)
    assert rows[5][0, :4].tolist() == [7, 2, 9, 3]


def test_count_full():
    """Vehicles 0..3 with 3, 5, 6, 6 stops, vehicle 3 unavailable; more than 4 stops and
    available: vehicles 1 and 2 of the vehicles asked about."""
    sched_len = np.array([3, 5, 6, 6], np.int64)
    available = np.array([True, True, True, False])
    assert count_full(np.arange(4), available, sched_len, 4) == 2
    assert count_full(np.array([0, 3]), available, sched_len, 4) == 0
    assert count_full(np.array([2]), available, sched_len, 5) == 1
