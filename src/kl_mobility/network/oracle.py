"""The travel-time oracle: "how long from here to there", answered from flat tables.

Two modes behind one interface:

``dense``
    All-pairs tables ``tt`` (int32 seconds), ``dist`` (float32 metres along the fastest
    path) and ``nxt`` (int32 next hop), 12 bytes per node pair, computed once by one
    Dijkstra per source in a parallel numba kernel and cached beside the network as ``.npy``
    files that later processes memory-map (so parallel runs share one copy).
``lazy``
    For networks too big for dense tables: single-source Dijkstra rows computed on demand
    and kept in a bounded LRU cache.

``mode="auto"`` picks dense up to :data:`DENSE_MAX_NODES` nodes: 20,000 nodes need
20,000^2 x 12 B = 4.8 GB of tables, the most that fits beside a simulation on a 24 GB
machine with a few parallel runs; the Kaiserslautern core network (~7,000 nodes) needs
about 0.6 GB.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import numpy as np

from kl_mobility.kernels._options import njit
from kl_mobility.kernels.shortest_path import INF_TIME, all_pairs, single_source
from kl_mobility.network.cache import (
    LOAD_ERRORS,
    cache_file_ok,
    default_cache_dir,
    report_damaged,
    write_cache_file,
)
from kl_mobility.network.graph import RoadNetwork
from kl_mobility.progress import ProgressCallback, report

__all__ = ["DENSE_MAX_NODES", "TravelTimeOracle", "build_oracle"]

log = logging.getLogger(__name__)

DENSE_MAX_NODES = 20_000
LAZY_CACHE_ROWS = 4096


@njit
def _gather(table, orig, dest, out):
    for k in range(orig.shape[0]):
        out[k] = table[orig[k], dest[k]]
    return out


class TravelTimeOracle:
    """Fastest travel times, distances and paths between network nodes.

    Use :func:`build_oracle` to create one. In dense mode ``tt``, ``dist`` and ``nxt`` are
    the full ``n x n`` tables; in lazy mode they are ``None`` and rows are computed on demand.
    """

    def __init__(
        self,
        network: RoadNetwork,
        mode: Literal["dense", "lazy"],
        tt: np.ndarray | None = None,
        dist: np.ndarray | None = None,
        nxt: np.ndarray | None = None,
        *,
        cache_rows: int = LAZY_CACHE_ROWS,
    ) -> None:
        self.network = network
        self.mode = mode
        self.tt = tt
        self.dist = dist
        self.nxt = nxt
        self._rows: OrderedDict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self._cache_rows = cache_rows
        self.tt_file: Path | None = None
        """The cache file ``tt`` was read from or written to (``None``: not cached); tables
        derived from ``tt`` (:func:`kl_mobility.sim.travel.type_tables`) are cached beside it."""

    @property
    def n_nodes(self) -> int:
        return self.network.n_nodes

    def _check(self, *nodes: np.ndarray) -> None:
        n = self.n_nodes
        for a in nodes:
            if a.size and (a.min() < 0 or a.max() >= n):
                raise ValueError(f"node ids must be in [0, {n}), got range [{a.min()}, {a.max()}]")

    def _row(self, o: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        row = self._rows.get(o)
        if row is not None:
            self._rows.move_to_end(o)
            return row
        n = self.n_nodes
        net = self.network
        t = np.empty(n, np.int64)
        d = np.empty(n, np.float64)
        f = np.empty(n, np.int64)
        p = np.empty(n, np.int64)
        single_source(net.indptr, net.edge_head, net.edge_time_s, net.edge_length_m, o, t, d, f, p)
        row = (t.astype(np.int32), d.astype(np.float32), p.astype(np.int32))
        self._rows[o] = row
        if len(self._rows) > self._cache_rows:
            self._rows.popitem(last=False)
        return row

    def time_s(self, o: int, d: int) -> int:
        """Fastest travel time from node ``o`` to node ``d`` in whole seconds."""
        if self.tt is not None:
            return int(self.tt[o, d])
        return int(self._row(int(o))[0][d])

    def dist_m(self, o: int, d: int) -> float:
        """Length in metres of the fastest path from ``o`` to ``d``."""
        if self.dist is not None:
            return float(self.dist[o, d])
        return float(self._row(int(o))[1][d])

    def _pairs(self, which: int, orig: np.ndarray, dest: np.ndarray) -> np.ndarray:
        orig = np.ascontiguousarray(orig, dtype=np.int64)
        dest = np.ascontiguousarray(dest, dtype=np.int64)
        if orig.shape != dest.shape or orig.ndim != 1:
            raise ValueError("orig and dest must be 1-d arrays of equal length")
        self._check(orig, dest)
        table = self.tt if which == 0 else self.dist
        dtype = np.int32 if which == 0 else np.float32
        out = np.empty(orig.shape[0], dtype)
        if table is not None:
            return _gather(table, orig, dest, out)
        for o in np.unique(orig):
            sel = orig == o
            out[sel] = self._row(int(o))[which][dest[sel]]
        return out

    def times_s(self, orig: np.ndarray, dest: np.ndarray) -> np.ndarray:
        """Travel times (int32 s) for the node pairs ``(orig[k], dest[k])``."""
        return self._pairs(0, orig, dest)

    def dists_m(self, orig: np.ndarray, dest: np.ndarray) -> np.ndarray:
        """Fastest-path lengths (float32 m) for the node pairs ``(orig[k], dest[k])``."""
        return self._pairs(1, orig, dest)

    def path(self, o: int, d: int) -> np.ndarray:
        """Node sequence of the fastest path from ``o`` to ``d`` (both ends included)."""
        o, d = int(o), int(d)
        self._check(np.array([o, d]))
        if self.nxt is not None:
            nodes = [o]
            u = o
            while u != d:
                u = int(self.nxt[u, d])
                if u < 0:
                    raise ValueError(f"node {d} is not reachable from node {o}")
                nodes.append(u)
            return np.array(nodes, np.int32)
        pred = self._row(o)[2]
        rev = [d]
        u = d
        while u != o:
            u = int(pred[u])
            if u < 0:
                raise ValueError(f"node {d} is not reachable from node {o}")
            rev.append(u)
        return np.array(rev[::-1], np.int32)

    def submatrix(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Travel times (int32 s) and distances (float32 m) among ``nodes`` (k x k)."""
        nodes = np.asarray(nodes, np.int64)
        self._check(nodes)
        if self.tt is not None and self.dist is not None:
            ix = np.ix_(nodes, nodes)
            return np.asarray(self.tt[ix]), np.asarray(self.dist[ix])
        k = nodes.shape[0]
        tt = np.empty((k, k), np.int32)
        dist = np.empty((k, k), np.float32)
        for i, o in enumerate(nodes.tolist()):
            row = self._row(o)
            tt[i] = row[0][nodes]
            dist[i] = row[1][nodes]
        return tt, dist


def _table_paths(cache: Path, network: RoadNetwork) -> dict[str, Path]:
    stem = f"{network.name}-{network.key}"
    return {k: cache / f"{stem}-{k}.npy" for k in ("tt", "dist", "nxt")}


_TABLE_DTYPES = {"tt": np.dtype(np.int32), "dist": np.dtype(np.float32),
                 "nxt": np.dtype(np.int32)}


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, arr, allow_pickle=False)


def _cached_tables(paths: dict[str, Path], n: int) -> dict[str, np.ndarray] | None:
    """The three tables from the cache when every file is intact, of shape ``(n, n)`` and
    of its dtype; else ``None`` (a damaged file is reported in one line)."""
    if not all(p.is_file() for p in paths.values()):
        return None
    tables = {}
    for k, p in paths.items():
        if not cache_file_ok(p):
            return None
        try:
            t = np.load(p, mmap_mode="r", allow_pickle=False)
        except LOAD_ERRORS as exc:
            report_damaged(p, f"unreadable: {exc}")
            return None
        if t.shape != (n, n) or t.dtype != _TABLE_DTYPES[k]:
            report_damaged(p, f"shape {t.shape} {t.dtype}, expected ({n}, {n}) "
                              f"{_TABLE_DTYPES[k]}")
            return None
        tables[k] = t
    return tables


def build_oracle(
    network: RoadNetwork,
    *,
    cache_dir: str | Path | None = None,
    mode: Literal["auto", "dense", "lazy"] = "auto",
    use_cache: bool = True,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
) -> TravelTimeOracle:
    """A :class:`TravelTimeOracle` for ``network``.

    Dense tables are loaded (memory-mapped, ``allow_pickle=False``) from ``cache_dir`` when
    present for this network's key and intact (each file matches its manifest, see
    :mod:`kl_mobility.network.cache`; a damaged one is reported in one line), else computed
    and written there atomically with their manifests; ``rebuild=True`` recomputes and
    rewrites them in place. ``mode="auto"`` uses dense
    tables up to :data:`DENSE_MAX_NODES` nodes and lazy rows beyond.
    """
    if mode not in ("auto", "dense", "lazy"):
        raise ValueError(f"mode must be 'auto', 'dense' or 'lazy', got {mode!r}")
    n = network.n_nodes
    if mode == "auto":
        mode = "dense" if n <= DENSE_MAX_NODES else "lazy"
    if mode == "lazy":
        return TravelTimeOracle(network, "lazy")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    paths = _table_paths(cache, network)
    if use_cache and not rebuild and network.key:
        tables = _cached_tables(paths, n)
        if tables is not None:
            oracle = TravelTimeOracle(network, "dense", tables["tt"], tables["dist"],
                                      tables["nxt"])
            oracle.tt_file = paths["tt"]
            return oracle
    t0 = time.perf_counter()
    report(progress, "travel-time table", 0, 1)
    tt = np.empty((n, n), np.int32)
    dist = np.empty((n, n), np.float32)
    nxt = np.empty((n, n), np.int32)
    all_pairs(network.indptr, network.edge_head, network.edge_time_s.astype(np.int64),
              network.edge_length_m, tt, dist, nxt)
    report(progress, "travel-time table", 1, 1)
    log.debug("travel-time table %d x %d in %.1f s", n, n, time.perf_counter() - t0)
    oracle = TravelTimeOracle(network, "dense", tt, dist, nxt)
    if use_cache and network.key:
        for k, arr in (("tt", tt), ("dist", dist), ("nxt", nxt)):
            write_cache_file(paths[k], functools.partial(_save_npy, arr=arr))
        oracle.tt_file = paths["tt"]
    return oracle


def unreachable_pairs(oracle: TravelTimeOracle) -> int:
    """Number of node pairs without a path (0 for a strongly connected network)."""
    if oracle.tt is None:
        raise ValueError("only available in dense mode")
    return int(np.count_nonzero(np.asarray(oracle.tt) == INF_TIME))
