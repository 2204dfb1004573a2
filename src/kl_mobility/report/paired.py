"""Paired differences of every KPI against the baseline over the seeds both ran.

A scenario and the baseline run with the same seeds share their random streams (demand
draws, fleet start positions), so the difference ``scenario(seed) - baseline(seed)`` of one
seed removes most of the day-to-day noise both have in common. Per scenario and KPI:

- ``n_pairs``: seeds with a finite value in both the scenario and the baseline;
- ``delta_mean``: mean of the per-seed differences;
- ``delta_std``: their sample standard deviation (ddof = 1; NaN with one pair);
- ``ci95_low`` / ``ci95_high``: Student-t 95 % interval of the mean difference,
  ``delta_mean -/+ t(0.975, n_pairs - 1) x delta_std / sqrt(n_pairs)``; NaN with fewer than
  two pairs (one seed gives no interval, the report says so);
- ``baseline_mean`` / ``scenario_mean``: the means over the same paired seeds.

The baseline's own rows are left out (its difference is 0 by construction).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["PAIRED_COLUMNS", "PAIRED_METHOD", "paired_differences", "t_interval"]

PAIRED_COLUMNS = ["scenario", "kpi", "n_pairs", "baseline_mean", "scenario_mean",
                  "delta_mean", "delta_std", "ci95_low", "ci95_high"]

PAIRED_METHOD = "t-interval over seed pairs"
"""The method the report names next to every interval."""


def t_interval(values: np.ndarray) -> tuple[int, float, float, float, float]:
    """``(n, mean, std, low, high)`` of the finite ``values``: Student-t 95 % interval of
    the mean; std, low and high are NaN with fewer than two values."""
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n == 1:
        return 1, mean, math.nan, math.nan, math.nan
    from scipy import stats  # imported here: scipy.stats takes a second to import

    std = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * std / math.sqrt(n)
    return n, mean, std, mean - half, mean + half


def paired_differences(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """:data:`PAIRED_COLUMNS` from the tidy ``scenario, seed, kpi, value`` table of a batch
    (module docstring). Empty without a baseline scenario."""
    base = runs[runs["scenario"] == baseline]
    if base.empty:
        return pd.DataFrame(columns=PAIRED_COLUMNS)
    b = base.set_index(["kpi", "seed"])["value"]
    rows = []
    for (scen, kpi), g in runs[runs["scenario"] != baseline].groupby(["scenario", "kpi"],
                                                                        sort=True):
        seeds = g["seed"].to_numpy()
        s_val = g["value"].to_numpy(np.float64)
        b_val = np.array([b.get((kpi, int(sd)), math.nan) for sd in seeds], np.float64)
        ok = np.isfinite(s_val) & np.isfinite(b_val)
        n, mean, std, lo, hi = t_interval(s_val[ok] - b_val[ok])
        rows.append({"scenario": scen, "kpi": kpi, "n_pairs": n,
                     "baseline_mean": float(b_val[ok].mean()) if n else math.nan,
                     "scenario_mean": float(s_val[ok].mean()) if n else math.nan,
                     "delta_mean": mean, "delta_std": std, "ci95_low": lo, "ci95_high": hi})
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)
