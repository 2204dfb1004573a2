"""Key figures of one run, computed from its trips and vehicles tables (see schema.KPI_KEYS)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kl_mobility.pt.feeder import feeder_kpis

__all__ = ["compute_kpis"]


def _f(x: float) -> float:
    return float(x) if np.isfinite(x) else math.nan


def compute_kpis(trips: pd.DataFrame, vehicles: pd.DataFrame) -> dict[str, float]:
    """KPIs from the ``trips`` and ``vehicles`` tables (columns per :mod:`.schema`).

    occupancy = passenger-km / vehicle-km; empty_km_share = empty km / vehicle-km;
    passengers_per_vehicle_hour = served persons / vehicle hours in service; waits,
    detours and ride times are over served requests only (NaN when none).
    """
    served = trips[trips["status"] == "served"]
    n = len(trips)
    wait = served["wait_s"].to_numpy(np.float64)
    vkm = float(vehicles["km_total"].sum())
    pkm = float(vehicles["passenger_km"].sum())
    hours = float(vehicles["hours_in_service"].sum())
    nan = math.nan
    return {
        "n_requests": n,
        "n_served": int(len(served)),
        "n_rejected": int((trips["status"] == "rejected").sum()),
        "n_cancelled": int((trips["status"] == "cancelled").sum()),
        "share_served": len(served) / n if n else nan,
        "wait_mean_s": _f(wait.mean()) if wait.size else nan,
        "wait_median_s": _f(np.median(wait)) if wait.size else nan,
        "wait_p95_s": _f(np.percentile(wait, 95)) if wait.size else nan,
        "ride_mean_s": _f(served["ride_s"].mean()) if len(served) else nan,
        "detour_mean": _f(served["detour_ratio"].mean()) if len(served) else nan,
        "shared_share": _f(served["shared"].mean()) if len(served) else nan,
        "occupancy": pkm / vkm if vkm > 0 else nan,
        "empty_km_share": float(vehicles["km_empty"].sum()) / vkm if vkm > 0 else nan,
        "passengers_per_vehicle_hour": (float(served["passengers"].sum()) / hours
                                        if hours > 0 else nan),
        "vehicle_km": vkm,
        "passenger_km": pkm,
        "vehicle_hours": hours,
        "energy_kwh": float(vehicles["energy_kwh"].sum()),
        "fuel_l": float(vehicles["fuel_l"].sum()),
        **feeder_kpis(trips, hours),
    }
