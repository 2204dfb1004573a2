"""Writing and reading a run directory (atomically: temp dir + rename)."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from kl_mobility.results.kpis import compute_kpis
from kl_mobility.results.records import SimulationResult

__all__ = ["read_run", "staged_dir", "write_run"]

_TABLES = ("trips", "vehicles", "edges", "occupancy", "events")


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, int | float | str | bool) or x is None:
        return x
    return str(x)


@contextmanager
def staged_dir(out_dir: str | Path) -> Iterator[Path]:
    """A fresh folder to fill that replaces ``out_dir`` in one rename when the block ends
    without an error, so readers see the old folder or the complete new one, never half of
    one; on an error ``out_dir`` stays as it was. The staging folder is a hidden sibling."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        d = staging / "run"
        d.mkdir()
        yield d
        if out.exists():
            os.replace(out, staging / "old")
        os.replace(d, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_run(result: SimulationResult, out_dir: str | Path, *, events: bool = True) -> Path:
    """Write ``trips/vehicles/edges/occupancy/events.parquet``, ``kpis.json`` and
    ``meta.json`` to ``out_dir``.

    Files are written into a temporary sibling directory that then replaces ``out_dir`` in
    one rename, so readers never see half a run. An existing ``out_dir`` is replaced.
    ``events=False`` skips the event log.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in _TABLES:
            if name == "events" and not events:
                continue
            getattr(result, name).to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "kpis.json").write_text(json.dumps(_jsonable(result.kpis), indent=2) + "\n")
        (tmp / "meta.json").write_text(json.dumps(_jsonable(result.meta), indent=2) + "\n")
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
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
