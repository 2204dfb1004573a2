"""Writing and reading a run directory (atomically, through :mod:`kl_mobility.io`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from kl_mobility.io import staged_dir, write_json
from kl_mobility.results.kpis import compute_kpis
from kl_mobility.results.records import SimulationResult

__all__ = ["read_run", "write_run"]

_TABLES = ("trips", "vehicles", "edges", "occupancy", "events")


def write_run(result: SimulationResult, out_dir: str | Path, *, events: bool = True) -> Path:
    """Write ``trips/vehicles/edges/occupancy/events.parquet``, ``kpis.json`` and
    ``meta.json`` to ``out_dir``.

    Written through :func:`kl_mobility.io.staged_dir`: the files go into a staging folder
    that replaces ``out_dir`` in one rename, so readers never see half a run. An existing
    ``out_dir`` is replaced only when kl-mobility wrote it (its marker file); anything else
    raises :class:`kl_mobility.io.OutputError`. ``events=False`` skips the event log.
    """
    out = Path(out_dir)
    with staged_dir(out) as tmp:
        for name in _TABLES:
            if name == "events" and not events:
                continue
            getattr(result, name).to_parquet(tmp / f"{name}.parquet", index=False)
        write_json(tmp / "kpis.json", result.kpis)
        write_json(tmp / "meta.json", result.meta)
    return out


def read_run(run_dir: str | Path) -> SimulationResult:
    """Read a run directory written by :func:`write_run`."""
    d = Path(run_dir)
    if not (d / "trips.parquet").is_file():
        raise FileNotFoundError(f"{d}: not a run directory (no trips.parquet)")
    frames = {n: (pd.read_parquet(d / f"{n}.parquet") if (d / f"{n}.parquet").is_file()
                  else pd.DataFrame()) for n in _TABLES}
    kpis = (json.loads((d / "kpis.json").read_text()) if (d / "kpis.json").is_file()
            else compute_kpis(frames["trips"], frames["vehicles"]))
    kpis = {k: (math.nan if v is None else v) for k, v in kpis.items()}
    meta = json.loads((d / "meta.json").read_text()) if (d / "meta.json").is_file() else {}
    return SimulationResult(frames["trips"], frames["vehicles"], frames["edges"],
                            frames["events"], frames["occupancy"], kpis, meta)
