"""Per-vehicle-type travel tables (speed caps) and stops with walking (stop-based service)."""

from __future__ import annotations

import json
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from kl_mobility.service import ServiceConfig
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = ["TypeTables", "capped_oracle", "nearest_stop", "type_tables", "virtual_stops"]


@dataclass(frozen=True)
class TypeTables:
    """Dense travel tables a vehicle type drives with; ``ttT`` is a C-contiguous transpose
    of ``tt`` (the insertion kernel reads travel times *to* a node as a row), ``nxtT`` one
    of ``nxt`` (a drive toward one target reads next hops from one row; None: the kernels
    read ``nxt``)."""

    tt: np.ndarray
    nxt: np.ndarray
    dist: np.ndarray
    ttT: np.ndarray
    nxtT: np.ndarray | None = None  # noqa: N815  (as in the kernels' Tables)


_TABLES: weakref.WeakKeyDictionary[Any, tuple[Any, TypeTables]] = weakref.WeakKeyDictionary()
"""Tables per oracle object, so repeated runs in one process transpose ``tt`` once."""

_CAPPED: weakref.WeakKeyDictionary[Any, dict[tuple[float, str], Any]] = (
    weakref.WeakKeyDictionary())
"""Speed-capped oracles per network object and (cap, cache folder), so every demand round
of a run (and every run of a batch on one network) drives the same tables."""

TRANSPOSE_TAG = "ttT"
"""Name part of the cached transpose of a travel-time table: ``<tt stem>-ttT-<sha>.npy``,
``sha`` the first 16 hex digits of the SHA-256 of the table it was made from; the
transpose of the next-hop table is ``<stem>-nxtT-<sha of nxt>.npy``."""


def _transpose_file(table_file: Path, kind: str = "tt") -> Path | None:
    """Where the transpose of the cached table ``table_file`` (``<stem>-<kind>.npy``, kind
    ``tt`` or ``nxt``) is kept (``None`` when the table's manifest cannot be read: nothing
    is cached then)."""
    from kl_mobility.network.cache import manifest_path

    try:
        digest = str(json.loads(manifest_path(table_file).read_text(encoding="utf-8"))
                     ["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    stem = table_file.name.removesuffix(f"-{kind}.npy").removesuffix(".npy")
    tag = TRANSPOSE_TAG if kind == "tt" else f"{kind}T"
    return table_file.with_name(f"{stem}-{tag}-{digest[:16]}.npy")


def _transpose(oracle: Any, table: np.ndarray, kind: str = "tt") -> np.ndarray:
    """``table.T`` as a C-contiguous table (``kind``: ``tt`` or ``nxt``, which of the
    oracle's tables it is): memory-mapped from the network cache when the oracle's tables
    came from there (written on first use, checked against its manifest), else computed."""
    from kl_mobility.network.cache import LOAD_ERRORS, cache_file_ok, write_cache_file

    tt_file = getattr(oracle, "tt_file", None)
    src = None if tt_file is None else Path(tt_file)
    if src is not None and kind != "tt":  # the oracle's tables lie side by side
        src = src.with_name(src.name.removesuffix("-tt.npy") + f"-{kind}.npy")
    path = None if src is None else _transpose_file(src, kind)
    if path is None:
        return np.ascontiguousarray(table.T)
    if cache_file_ok(path):
        try:
            out = np.load(path, mmap_mode="r", allow_pickle=False)
        except LOAD_ERRORS:
            out = None
        if out is not None and out.shape == table.shape[::-1] and out.dtype == table.dtype:
            return out
    out = np.ascontiguousarray(table.T)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.save(fh, out, allow_pickle=False)

    write_cache_file(path, write)
    return out


def _tables(oracle: Any) -> TypeTables:
    if getattr(oracle, "tt", None) is None or getattr(oracle, "nxt", None) is None:
        raise ValueError("oracle must be in dense mode (tt, nxt and dist tables)")
    try:
        src, cached = _TABLES.get(oracle, (None, None))
    except TypeError:  # not weak-referenceable
        src, cached = None, None
    if cached is not None and src is oracle.tt:
        return cached
    tt, nxt = np.asarray(oracle.tt), np.asarray(oracle.nxt)
    out = TypeTables(tt, nxt, np.asarray(oracle.dist), _transpose(oracle, tt),
                     _transpose(oracle, nxt, "nxt"))
    try:
        _TABLES[oracle] = (oracle.tt, out)
    except TypeError:
        pass
    return out


def capped_oracle(network: Any, speed_cap_kmh: float, *, cache_dir: Any = None) -> Any:
    """The travel-time oracle of ``network`` with every edge driven at most ``speed_cap_kmh``.

    Travel times of the capped copy are recomputed (and cached under their own key) so a
    speed-capped vehicle type follows its own fastest paths. The same network object, cap
    and cache folder give the same oracle object within a process (built or loaded once).
    """
    from kl_mobility.network import build_oracle
    from kl_mobility.network.cache import default_cache_dir

    key = (float(speed_cap_kmh), str(default_cache_dir() if cache_dir is None else cache_dir))
    try:
        memo = _CAPPED.setdefault(network, {})
    except TypeError:  # not weak-referenceable
        memo = {}
    if key in memo:
        return memo[key]
    speed = np.minimum(np.asarray(network.edge_speed_kmh, np.float64), float(speed_cap_kmh))
    capped = network.with_edge_speeds(speed, key_suffix=f":vehicle-cap:{speed_cap_kmh:g}")
    memo[key] = oracle = build_oracle(capped, cache_dir=cache_dir)
    return oracle


def type_tables(network: Any, oracle: Any, fleet: tuple[VehicleTypeConfig, ...],
                type_oracles: Mapping[str, Any] | None = None,
                cache_dir: Any = None) -> list[TypeTables]:
    """One :class:`TypeTables` per fleet type; uncapped types share the base oracle's."""
    base = _tables(oracle)
    out: list[TypeTables] = []
    for vt in fleet:
        if type_oracles and vt.name in type_oracles:
            out.append(_tables(type_oracles[vt.name]))
        elif vt.speed_cap_kmh > 0:
            out.append(_tables(capped_oracle(network, vt.speed_cap_kmh, cache_dir=cache_dir)))
        else:
            out.append(base)
    return out


def virtual_stops(node_x: np.ndarray, node_y: np.ndarray, spacing_m: float) -> np.ndarray:
    """Stop nodes: the node nearest each point of a square grid of ``spacing_m`` metres
    (only grid points with a node within half a spacing)."""
    x0, y0 = float(node_x.min()), float(node_y.min())
    nx_ = int(math.floor((node_x.max() - x0) / spacing_m)) + 1
    ny_ = int(math.floor((node_y.max() - y0) / spacing_m)) + 1
    gx, gy = np.meshgrid(x0 + spacing_m * (np.arange(nx_) + 0.5),
                         y0 + spacing_m * (np.arange(ny_) + 0.5), indexing="ij")
    tree = cKDTree(np.column_stack([node_x, node_y]))
    d, idx = tree.query(np.column_stack([gx.ravel(), gy.ravel()]))
    return np.unique(idx[d <= spacing_m * 0.75]).astype(np.int64)


def nearest_stop(stop_nodes: np.ndarray, node_x: np.ndarray, node_y: np.ndarray,
                 points: np.ndarray, service: ServiceConfig) -> tuple[np.ndarray, np.ndarray]:
    """``(stop node, walk seconds)`` per point node; stop -1 when beyond ``max_walk_m``.

    Walk seconds = straight-line metres x ``walk_detour_factor`` / ``walk_speed_kmh``.
    """
    tree = cKDTree(np.column_stack([node_x[stop_nodes], node_y[stop_nodes]]))
    d, idx = tree.query(np.column_stack([node_x[points], node_y[points]]))
    walk_m = d * service.walk_detour_factor
    walk_s = np.ceil(walk_m / (service.walk_speed_kmh / 3.6)).astype(np.int64)
    stop = stop_nodes[idx].astype(np.int64)
    stop[walk_m > service.max_walk_m] = -1
    return stop, walk_s
