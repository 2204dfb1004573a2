"""A road network from an edge table with given travel times, and what rounding them costs.

:func:`network_from_edge_table` builds a :class:`~kl_mobility.network.RoadNetwork` from a
node table and a directed edge table whose travel times are given (not derived from
speeds). kl-mobility computes in whole seconds, so fractional travel times are rounded to
the nearest second (halves up, at least 1 s); :func:`exact_pair_rounding` then compares every
origin-destination pair's fastest time on the unrounded network (scipy's Dijkstra on the
given floats) with the rounded table, so the change is reported, never hidden.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.network.graph import EARTH_RADIUS_M, RoadNetwork, network_from_edges

__all__ = ["EdgeTableReport", "PairRounding", "exact_pair_rounding", "network_from_edge_table",
           "round_half_up"]


def round_half_up(x: np.ndarray) -> np.ndarray:
    """int64: ``floor(x + 0.5)`` (2.5 -> 3, 2.4999 -> 2)."""
    return np.floor(np.asarray(x, np.float64) + 0.5).astype(np.int64)


@dataclass
class EdgeTableReport:
    """What building the network changed in the edge table: edges whose time was rounded
    (count, largest change in s), raised to the 1 s minimum, self-loops dropped, parallel
    edges dropped (the fastest of each ordered pair kept)."""

    n_edges: int = 0
    n_rounded: int = 0
    max_edge_change_s: float = 0.0
    n_raised_to_1s: int = 0
    n_self_loops: int = 0
    n_parallel: int = 0
    exact_time_s: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def lines(self) -> list[str]:
        out = []
        if self.n_rounded:
            out.append(f"{self.n_rounded} of {self.n_edges} edge travel times rounded to whole "
                       f"seconds (nearest, halves up; largest change "
                       f"{self.max_edge_change_s:.3f} s)")
        if self.n_raised_to_1s:
            out.append(f"{self.n_raised_to_1s} edge travel times below 0.5 s raised to 1 s")
        if self.n_self_loops:
            out.append(f"{self.n_self_loops} self-loop edges dropped")
        if self.n_parallel:
            out.append(f"{self.n_parallel} parallel edges dropped (the fastest of each "
                       f"ordered node pair kept)")
        return out


def _column(df: pd.DataFrame, name: str, where: str, *, integer: bool = False) -> np.ndarray:
    if name not in df.columns:
        raise ValueError(f"{where}: missing column {name!r} (have {list(df.columns)})")
    v = pd.to_numeric(df[name], errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(v)
    if integer:
        bad |= np.isfinite(v) & (v != np.round(v))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        what = "a whole number" if integer else "a finite number"
        raise ValueError(f"{where}: row {k + 1}: {name} {df[name].iloc[k]!r} is not {what}")
    return v


def network_from_edge_table(nodes: pd.DataFrame, edges: pd.DataFrame, *,
                            name: str = "instance", where: str = "edges"
                            ) -> tuple[RoadNetwork, EdgeTableReport]:
    """``(network, report)`` from ``nodes`` (``node_id`` = 0..n-1 in order, and ``lat``,
    ``lon`` in WGS84 degrees or ``x_m``, ``y_m`` in metres of a local plane) and directed
    ``edges`` (``tail``, ``head``: node ids; ``travel_time_s``: seconds, fractions allowed;
    ``length_m``; optional ``speed_kmh``, else length / time). Times are rounded as the
    module docstring says; ``report`` lists every change. Raises ``ValueError`` naming the
    table, row and column of a bad value."""
    nid = _column(nodes, "node_id", "nodes", integer=True).astype(np.int64)
    n = nid.size
    if n < 2 or not np.array_equal(nid, np.arange(n)):
        raise ValueError("nodes: node_id must be 0, 1, ..., n-1 in order (n >= 2)")
    if {"lat", "lon"} <= set(nodes.columns):
        lat, lon = _column(nodes, "lat", "nodes"), _column(nodes, "lon", "nodes")
    elif {"x_m", "y_m"} <= set(nodes.columns):
        k = math.pi / 180.0 * EARTH_RADIUS_M  # a local plane about (0, 0): metres -> degrees
        lat, lon = _column(nodes, "y_m", "nodes") / k, _column(nodes, "x_m", "nodes") / k
    else:
        raise ValueError("nodes: need columns lat and lon, or x_m and y_m")
    tail = _column(edges, "tail", where, integer=True).astype(np.int64)
    head = _column(edges, "head", where, integer=True).astype(np.int64)
    t = _column(edges, "travel_time_s", where)
    length = _column(edges, "length_m", where)
    for col, a in (("tail", tail), ("head", head)):
        bad = (a < 0) | (a >= n)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{where}: row {k + 1}: {col} {a[k]} is not a node id 0..{n - 1}")
    for col, a in (("travel_time_s", t), ("length_m", length)):
        if (a < 0).any():
            k = int(np.flatnonzero(a < 0)[0])
            raise ValueError(f"{where}: row {k + 1}: {col} {a[k]} is negative")
    t_int = np.maximum(round_half_up(t), 1)
    if "speed_kmh" in edges.columns:
        speed = _column(edges, "speed_kmh", where)
    else:
        speed = np.where(t > 0, length / np.maximum(t, 1e-9) * 3.6, 0.0)
    rep = EdgeTableReport(n_edges=int(t.size))
    changed = t_int != t
    rep.n_rounded = int((changed & (round_half_up(t) >= 1)).sum())
    rep.n_raised_to_1s = int((round_half_up(t) < 1).sum())
    rep.max_edge_change_s = float(np.abs(t_int - t).max()) if t.size else 0.0
    rep.n_self_loops = int((tail == head).sum())
    pairs = pd.Series(tail[tail != head] * n + head[tail != head])
    rep.n_parallel = int(pairs.duplicated().sum())
    h = hashlib.sha256()
    for a in (lat, lon, tail, head, t_int, length, speed):
        h.update(np.ascontiguousarray(a).tobytes())
    net = network_from_edges(lat, lon, nid, tail, head, length, speed,
                             ["instance"] * int(tail.size), name=name,
                             key="instance-" + h.hexdigest()[:16], time_s=t_int)
    # the exact (given) time of every kept edge, for the pair comparison
    exact = pd.DataFrame({"u": tail, "v": head, "t": t}).query("u != v")
    exact = exact.groupby(["u", "v"], sort=True)["t"].min()
    kept = pd.MultiIndex.from_arrays([np.asarray(net.edge_tail, np.int64),
                                      np.asarray(net.edge_head, np.int64)])
    rep.exact_time_s = exact.reindex(kept).to_numpy(np.float64)
    return net, rep


@dataclass(frozen=True)
class PairRounding:
    """Fastest times of every ordered node pair: unrounded (from the given edge times)
    against the rounded table. ``n_pairs``: reachable pairs (origin != destination);
    ``n_changed``: pairs whose rounded time differs from the unrounded one
    (``|rounded - exact| > 1e-9`` s); ``max_abs_s``, ``mean_abs_s``:
    of ``|rounded - exact|`` over the pairs; ``max_pair``: ``(origin, destination)`` of the
    largest change."""

    n_pairs: int
    n_changed: int
    max_abs_s: float
    mean_abs_s: float
    max_pair: tuple[int, int]

    def line(self) -> str:
        return (f"fastest times of {self.n_changed:,} of {self.n_pairs:,} node pairs changed by "
                f"rounding: mean |change| {self.mean_abs_s:.3f} s, largest "
                f"{self.max_abs_s:.3f} s (pair {self.max_pair[0]} -> {self.max_pair[1]})")


def _exact_graph(network: RoadNetwork, exact_edge_s: np.ndarray) -> Any:
    from scipy.sparse import csr_matrix

    # an edge of time 0 would vanish from a sparse matrix: a tiny positive stand-in
    w = np.where(exact_edge_s > 0, exact_edge_s, 1e-12)
    return csr_matrix((w, np.asarray(network.edge_head), np.asarray(network.indptr)),
                      shape=(network.n_nodes, network.n_nodes))


def exact_pair_rounding(network: RoadNetwork, exact_edge_s: np.ndarray, tt: Any,
                        pairs: tuple[np.ndarray, np.ndarray] | None = None,
                        block: int = 512) -> tuple[PairRounding, np.ndarray]:
    """Compare the fastest times with the unrounded edge times (scipy's Dijkstra, in blocks
    of ``block`` origins so memory stays ``block x n``) with the integer table ``tt``;
    also return the unrounded times of ``pairs`` (origins, destinations)."""
    from scipy.sparse.csgraph import dijkstra

    g = _exact_graph(network, exact_edge_s)
    tt = np.asarray(tt)
    n = network.n_nodes
    o, d = pairs if pairs is not None else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    picked = np.full(o.shape, np.nan)
    n_pairs = n_changed = 0
    total, best, best_pair = 0.0, -1.0, (-1, -1)
    for a in range(0, n, block):
        rows = np.arange(a, min(n, a + block))
        exact = np.asarray(dijkstra(g, directed=True, indices=rows))
        ok = np.isfinite(exact)
        ok[np.arange(rows.size), rows] = False
        diff = np.where(ok, np.abs(tt[rows].astype(np.float64) - np.where(ok, exact, 0.0)), 0.0)
        n_pairs += int(ok.sum())
        n_changed += int((diff > 1e-9).sum())
        total += float(diff.sum())
        k = int(np.argmax(diff))
        if diff.size and diff.flat[k] > best:
            best, best_pair = float(diff.flat[k]), (int(rows[k // n]), int(k % n))
        sel = (o >= a) & (o < a + rows.size)
        picked[sel] = exact[o[sel] - a, d[sel]]
    if n_pairs == 0:
        return PairRounding(0, 0, 0.0, 0.0, (-1, -1)), picked
    return PairRounding(n_pairs, n_changed, best, total / n_pairs, best_pair), picked
