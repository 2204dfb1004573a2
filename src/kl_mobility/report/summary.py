"""Tidy KPI tables of a batch and their summary over seeds (mean and 95 % confidence interval).

``collect_runs(batch_dir)`` reads every finished run (``<scenario>/<seed>/run.json``) into a
tidy table ``scenario, seed, kpi, value``; ``summarize`` gives per scenario and KPI the number
of seeds ``n``, ``mean``, ``std`` (sample, ddof=1) and the Student-t 95 % confidence interval
of the mean ``ci95_low``/``ci95_high`` (NaN with one seed). ``versus_baseline`` adds the
difference of each scenario's mean to the baseline's mean.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.emissions import co2_account, fleet_factors

__all__ = [
    "BASELINE",
    "RUNS_COLUMNS",
    "SUMMARY_COLUMNS",
    "co2_kpis",
    "collect_runs",
    "run_co2_kpis",
    "summarize",
    "versus_baseline",
    "write_atomic_csv",
]

BASELINE = "baseline"
"""Name of the scenario every other one is compared with."""

RUNS_COLUMNS = ["scenario", "seed", "kpi", "value"]
SUMMARY_COLUMNS = ["scenario", "kpi", "n", "mean", "std", "ci95_low", "ci95_high"]


def co2_kpis(account) -> dict[str, float]:
    """Flat ``co2_*`` KPIs of a :class:`~kl_mobility.emissions.CO2Account`."""
    return account.kpis()


def run_co2_kpis(scenario, run_dir: str | Path) -> dict[str, float]:
    """CO2 KPIs of one run folder (needs ``trips.parquet`` and ``vehicles.parquet``).

    Returns ``{}`` when the folder lacks those tables.
    """
    run_dir = Path(run_dir)
    trips_p, veh_p = run_dir / "trips.parquet", run_dir / "vehicles.parquet"
    if not (trips_p.is_file() and veh_p.is_file()):
        return {}
    trips = pd.read_parquet(trips_p, columns=["status", "alt_mode", "passengers", "direct_m"])
    vehicles = pd.read_parquet(veh_p)
    factors = fleet_factors(scenario.fleet, scenario.emissions)
    return co2_kpis(co2_account(trips, vehicles, factors, scenario.emissions))


def collect_runs(batch_dir: str | Path) -> pd.DataFrame:
    """Tidy ``scenario, seed, kpi, value`` of every finished run under ``batch_dir``.

    Non-numeric KPI values are left out; ``None`` (NaN written as null) stays NaN.
    """
    rows: list[dict[str, Any]] = []
    for path in sorted(Path(batch_dir).glob("*/*/run.json")):
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for k, v in (info.get("kpis") or {}).items():
            if v is None:
                v = math.nan
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            rows.append({"scenario": info["scenario"], "seed": int(info["seed"]), "kpi": k,
                         "value": float(v)})
    df = pd.DataFrame(rows, columns=RUNS_COLUMNS)
    return df.sort_values(["scenario", "kpi", "seed"], kind="stable").reset_index(drop=True)


def _ci(values: np.ndarray) -> tuple[int, float, float, float, float]:
    v = values[~np.isnan(values)]
    n = len(v)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n == 1:
        return 1, mean, math.nan, math.nan, math.nan
    from scipy import stats  # imported here: scipy.stats takes a second to import

    std = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * std / math.sqrt(n)
    return n, mean, std, mean - half, mean + half


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and Student-t 95 % CI over seeds of each KPI per scenario (``SUMMARY_COLUMNS``)."""
    rows = []
    for (scen, kpi), g in runs.groupby(["scenario", "kpi"], sort=True):
        n, mean, std, lo, hi = _ci(g["value"].to_numpy(dtype=float))
        rows.append({"scenario": scen, "kpi": kpi, "n": n, "mean": mean, "std": std,
                     "ci95_low": lo, "ci95_high": hi})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def versus_baseline(summary: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """``summary`` plus ``baseline_mean`` and ``delta_vs_baseline`` (mean - baseline mean).

    Without a baseline scenario both columns are NaN.
    """
    base = summary[summary["scenario"] == baseline].set_index("kpi")["mean"]
    out = summary.copy()
    out["baseline_mean"] = out["kpi"].map(base).astype(float)
    out["delta_vs_baseline"] = out["mean"] - out["baseline_mean"]
    return out


def write_atomic_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV through a temporary file and a rename (never half-written)."""
    from kl_mobility.io import atomic_file

    path = Path(path)
    with atomic_file(path) as tmp:
        df.to_csv(tmp, index=False)
    return path
