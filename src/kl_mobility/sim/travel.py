"""Per-vehicle-type travel tables (speed caps) and stops with walking (stop-based service)."""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from kl_mobility.service import ServiceConfig
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = ["TypeTables", "capped_oracle", "nearest_stop", "type_tables", "virtual_stops"]


@dataclass(frozen=True)
class TypeTables:
    """Dense travel tables a vehicle type drives with; ``ttT`` is a C-contiguous transpose
    of ``tt`` (the insertion kernel reads travel times *to* a node as a row)."""

    tt: np.ndarray
    nxt: np.ndarray
    dist: np.ndarray
    ttT: np.ndarray


_TABLES: weakref.WeakKeyDictionary[Any, tuple[Any, TypeTables]] = weakref.WeakKeyDictionary()
"""Tables per oracle object, so repeated runs in one process transpose ``tt`` once."""


def _tables(oracle: Any) -> TypeTables:
    if getattr(oracle, "tt", None) is None or getattr(oracle, "nxt", None) is None:
        raise ValueError("oracle must be in dense mode (tt, nxt and dist tables)")
    try:
        src, cached = _TABLES.get(oracle, (None, None))
    except TypeError:  # not weak-referenceable
        src, cached = None, None
    if cached is not None and src is oracle.tt:
        return cached
    tt = np.asarray(oracle.tt)
    out = TypeTables(tt, np.asarray(oracle.nxt), np.asarray(oracle.dist),
                     np.ascontiguousarray(tt.T))
    try:
        _TABLES[oracle] = (oracle.tt, out)
    except TypeError:
        pass
    return out


def capped_oracle(network: Any, speed_cap_kmh: float, *, cache_dir: Any = None) -> Any:
    """The travel-time oracle of ``network`` with every edge driven at most ``speed_cap_kmh``.

    Travel times of the capped copy are recomputed (and cached under their own key) so a
    speed-capped vehicle type follows its own fastest paths.
    """
    from kl_mobility.network import build_oracle

    speed = np.minimum(np.asarray(network.edge_speed_kmh, np.float64), float(speed_cap_kmh))
    capped = network.with_edge_speeds(speed, key_suffix=f":vehicle-cap:{speed_cap_kmh:g}")
    return build_oracle(capped, cache_dir=cache_dir)


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
