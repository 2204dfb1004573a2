"""Weekday time-of-day profiles: hourly weights, uniform within the hour.

The profiles themselves are scenario parameters (:attr:`DemandConfig.outbound_profile`,
:attr:`DemandConfig.return_profile`; an assumption, no Kaiserslautern profile was found
offline). Outbound legs (home -> activity) follow the first, return legs the second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["mass_between", "sample_times"]

DAY_S = 86_400


def _shares(profile: Sequence[float]) -> np.ndarray:
    p = np.asarray(profile, np.float64)
    return p / p.sum()


def sample_times(profile: Sequence[float], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` departure times (int64 seconds since midnight) drawn from the hourly profile."""
    hours = rng.choice(24, size=n, p=_shares(profile))
    return hours.astype(np.int64) * 3600 + rng.integers(0, 3600, size=n, dtype=np.int64)


def mass_between(profile: Sequence[float], start_s: float, end_s: float) -> float:
    """Share of the profile's departures in ``[start_s, end_s)`` (times mod one day; an
    interval longer than a day covers everything)."""
    if end_s - start_s >= DAY_S:
        return 1.0
    if end_s <= start_s:
        return 0.0
    shares = _shares(profile)
    cum = np.concatenate([[0.0], np.cumsum(shares)])

    def upto(t: float) -> float:  # share of departures before t, 0 <= t <= 2 days
        days, rest = divmod(t, DAY_S)
        h, frac = divmod(rest, 3600)
        h = int(h)
        return days + cum[h] + (shares[h] * frac / 3600 if h < 24 else 0.0)

    return float(min(1.0, upto(end_s) - upto(start_s)))
