"""The daily-window rule shared by the demand model and the simulation, and the
unreachable outer-district rule of the structural warnings (kl_mobility.service)."""

from __future__ import annotations

import numpy as np

from kl_mobility.service import ServiceConfig, in_daily_window, past_midnight, unreachable_offsets


def test_window_past_midnight_takes_early_morning_as_next_day():
    """Window 19:00-25:00 = [68400, 90000): 00:30 (1800 s) is 24:30 = 88200 < 90000, inside;
    01:00 (3600 s) is 90000, the excluded end; 18:59 (68340) is before the start."""
    t = np.array([1800, 3600, 68340, 68400, 86399])
    assert in_daily_window(t, 68400, 90000).tolist() == [True, False, False, True, True]
    # a window of 24 h or more takes every time of day
    assert in_daily_window(t, 3600, 3600 + 86400).all()
    # a window inside the day does not wrap: 00:30 is outside 06:00-22:00
    assert in_daily_window(t, 21600, 79200).tolist() == [False, False, True, True, False]


def test_daily_window_agrees_with_past_midnight_of_the_service():
    """For the service's own hours (no vehicle-type hours), a request is moved past midnight
    exactly when the daily window takes it but the day itself does not."""
    svc = ServiceConfig(start_s=68400, end_s=90000)
    t = np.arange(0, 86400, 300)
    plain = (t >= svc.start_s) & (t < svc.end_s)
    assert np.array_equal(past_midnight(t, svc, []),
                          in_daily_window(t, svc.start_s, svc.end_s) & ~plain)
    assert past_midnight(t, svc, []).sum() == 12  # 00:00 .. 00:55 in 5-minute steps: 12


def test_unreachable_offsets_are_those_above_the_pickup_wait():
    """With a 600 s wait, an origin 600 s beyond the network's edge can still be reached at
    the deadline (boundary deadline = desired pickup + 600 - 600); 601 s and 900.5 s not."""
    got = unreachable_offsets(np.array([0.0, 600.0, 601.0, 900.5]), 600)
    assert got.tolist() == [False, False, True, True]
