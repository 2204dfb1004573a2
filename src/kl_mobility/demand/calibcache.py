"""The calibrated mode-choice constants kept on disk beside the network.

:func:`~kl_mobility.demand.modechoice.calibrate_asc` is a pure function of the zone-to-zone
level of service, the demand config and the expected trips; the pivot point of the
scenarios (:mod:`kl_mobility.calibration`) calls it on the same reference case in every
run. :func:`calibrate_asc_cached` keeps its answer in ``calibration-<key>.npz`` (with a
manifest) in the cache folder, keyed by a SHA-256 over every input (:func:`digest`): any
changed array, parameter or iteration setting is another key, so a changed input is
computed afresh, never read stale. The answer read back is the one computed (the
constants and shares are stored as float64, exactly).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kl_mobility.demand.config import DemandConfig
from kl_mobility.demand.modechoice import ZoneLos, calibrate_asc
from kl_mobility.network.cache import (
    LOAD_ERRORS,
    cache_file_ok,
    report_damaged,
    write_cache_file,
)

__all__ = ["calibrate_asc_cached", "digest"]

_FORMAT = 1
"""Version of the stored answer (part of the key)."""
_NAMES = ("walk", "bike", "bus")


def _feed(h: Any, x: Any) -> None:
    """Add ``x`` to the hash ``h``, tagged by its kind (arrays with dtype and shape,
    dataclasses field by field, mappings by sorted key, sequences element by element,
    plain scalars by ``repr``); anything else is a ``TypeError`` (never hashed by
    identity)."""
    if isinstance(x, np.ndarray):
        a = np.ascontiguousarray(x)
        h.update(f"A{a.dtype.str}{a.shape}:".encode())
        h.update(a.tobytes())
    elif dataclasses.is_dataclass(x) and not isinstance(x, type):
        h.update(f"D{type(x).__qualname__}(".encode())
        for f in dataclasses.fields(x):
            h.update(f"{f.name}=".encode())
            _feed(h, getattr(x, f.name))
        h.update(b")")
    elif isinstance(x, Mapping):
        h.update(f"M{len(x)}{{".encode())
        for k in sorted(x, key=repr):
            _feed(h, k)
            _feed(h, x[k])
        h.update(b"}")
    elif isinstance(x, (list, tuple)):
        h.update(f"S{len(x)}[".encode())
        for v in x:
            _feed(h, v)
        h.update(b"]")
    elif x is None or isinstance(x, (bool, int, float, str, Path, np.generic)):
        h.update(f"V{type(x).__name__}:{x!r};".encode())
    else:
        raise TypeError(f"cannot key the calibration cache by a {type(x).__name__}")


def digest(*parts: Any) -> str:
    """SHA-256 (hex) over ``parts`` (:func:`_feed`)."""
    h = hashlib.sha256()
    for p in parts:
        _feed(h, p)
    return h.hexdigest()


def calibrate_asc_cached(los: ZoneLos, config: DemandConfig, weights: np.ndarray, *,
                         cache_dir: str | Path | None, tol: float = 1e-5,
                         max_iter: int = 500) -> tuple[dict[str, float], np.ndarray]:
    """:func:`~kl_mobility.demand.modechoice.calibrate_asc` of these inputs, read from
    ``cache_dir`` when computed before (module docstring); ``cache_dir=None``: computed."""
    if cache_dir is None:
        return calibrate_asc(los, config, weights, tol=tol, max_iter=max_iter)
    key = digest(f"calibration:{_FORMAT}", los, config, np.asarray(weights, np.float64),
                 float(tol), int(max_iter))
    target = Path(cache_dir) / f"calibration-{key[:20]}.npz"
    if cache_file_ok(target):
        try:
            with np.load(target, allow_pickle=False) as z:
                if str(z["key"]) == key:
                    asc_arr = np.asarray(z["asc"], np.float64)
                    shares = np.asarray(z["shares"], np.float64)
                    return dict(zip(_NAMES, map(float, asc_arr))), shares
        except LOAD_ERRORS as exc:
            report_damaged(target, f"unreadable: {exc}")
    asc, shares = calibrate_asc(los, config, weights, tol=tol, max_iter=max_iter)
    target.parent.mkdir(parents=True, exist_ok=True)
    values = np.array([asc[n] for n in _NAMES], np.float64)
    answer = np.asarray(shares, np.float64)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, asc=values, shares=answer, key=np.array(key))

    write_cache_file(target, write)
    return asc, shares
