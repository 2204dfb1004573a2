"""The road network as flat arrays: nodes, CSR adjacency, edge lengths and travel times."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kl_mobility.kernels.shortest_path import edge_id as _edge_id

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EARTH_RADIUS_M", "RoadNetwork", "check_network_arrays", "grid_network", "local_xy"]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG) for the local equirectangular projection."""

_ARRAYS = (
    "node_lat", "node_lon", "node_x", "node_y", "node_osmid", "indptr", "edge_tail",
    "edge_head", "edge_length_m", "edge_time_s", "edge_speed_kmh", "edge_highway",
)


def local_xy(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection in metres about ``(lat0, lon0)`` (error < 0.1 % in a city)."""
    k = math.pi / 180.0 * EARTH_RADIUS_M
    x = (np.asarray(lon, np.float64) - lon0) * k * math.cos(math.radians(lat0))
    y = (np.asarray(lat, np.float64) - lat0) * k
    return x, y


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network held as flat numpy arrays (node ids are ``0..n_nodes-1``).

    Edges are stored in CSR order: the edges leaving node ``u`` are
    ``indptr[u]:indptr[u+1]``, sorted by head node. At most one edge per ordered node pair
    (parallel OSM edges are reduced to the fastest). ``edge_time_s`` are integer seconds
    (>= 1) so that path travel times add up exactly.
    """

    node_lat: np.ndarray
    node_lon: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    node_osmid: np.ndarray
    indptr: np.ndarray
    edge_tail: np.ndarray
    edge_head: np.ndarray
    edge_length_m: np.ndarray
    edge_time_s: np.ndarray
    edge_speed_kmh: np.ndarray
    edge_highway: np.ndarray
    highway_names: tuple[str, ...]
    name: str = "network"
    key: str = ""
    origin_latlon: tuple[float, float] = (0.0, 0.0)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return int(self.node_lat.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_head.shape[0])

    def edge_id(self, u: int, v: int) -> int:
        """Index of the edge ``u -> v``, or -1 when there is none."""
        return int(_edge_id(self.indptr, self.edge_head, int(u), int(v)))

    def bbox(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) of the nodes in degrees."""
        return (float(self.node_lat.min()), float(self.node_lon.min()),
                float(self.node_lat.max()), float(self.node_lon.max()))

    def total_length_km(self) -> float:
        """Sum of directed edge lengths in km."""
        return float(self.edge_length_m.sum() / 1000.0)

    def to_networkx(self) -> nx.DiGraph:
        """A ``networkx.DiGraph`` with ``length``, ``travel_time`` and ``speed_kph`` edges."""
        import networkx as nx  # only for this export: a run never needs it

        g = nx.DiGraph()
        for i in range(self.n_nodes):
            g.add_node(i, y=float(self.node_lat[i]), x=float(self.node_lon[i]),
                       osmid=int(self.node_osmid[i]))
        for e in range(self.n_edges):
            g.add_edge(int(self.edge_tail[e]), int(self.edge_head[e]),
                       length=float(self.edge_length_m[e]), travel_time=int(self.edge_time_s[e]),
                       speed_kph=float(self.edge_speed_kmh[e]),
                       highway=self.highway_names[int(self.edge_highway[e])])
        return g

    def with_edge_speeds(self, speed_kmh: np.ndarray, *, key_suffix: str) -> RoadNetwork:
        """A copy with new edge speeds (and travel times derived from them)."""
        speed = np.asarray(speed_kmh, np.float64)
        if speed.shape != self.edge_speed_kmh.shape or not np.all(speed > 0):
            raise ValueError("speed_kmh must be positive, one value per edge")
        time_s = edge_times_s(self.edge_length_m, speed)
        key = hashlib.sha256((self.key + key_suffix).encode()).hexdigest()[:16]
        return _replace(self, edge_speed_kmh=speed, edge_time_s=time_s, key=key)

    def to_npz(self, path: str | Path) -> None:
        """Write the arrays and metadata to an ``.npz`` file (atomically, with a manifest;
        no object arrays: the names and the header are text, the header JSON)."""
        from kl_mobility.io import json_text
        from kl_mobility.network.cache import write_cache_file

        header = json_text({"name": self.name, "key": self.key,
                            "origin_latlon": list(self.origin_latlon), "meta": self.meta},
                           compact=True)

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **{a: getattr(self, a) for a in _ARRAYS},
                         highway_names=np.array(self.highway_names, dtype=np.str_),
                         header=np.array(header, dtype=np.str_))

        write_cache_file(path, write)

    @classmethod
    def from_npz(cls, path: str | Path) -> RoadNetwork:
        """Read a file of :meth:`to_npz` (``allow_pickle=False``) and check that its arrays
        form a network (:func:`check_network_arrays`); ``ValueError`` otherwise."""
        import json

        with np.load(path, allow_pickle=False) as z:
            arrays = {a: z[a] for a in _ARRAYS}
            names = tuple(str(s) for s in z["highway_names"].tolist())
            header = json.loads(str(z["header"]))
        net = cls(**arrays, highway_names=names, name=str(header["name"]),
                  key=str(header["key"]),
                  origin_latlon=(float(header["origin_latlon"][0]),
                                 float(header["origin_latlon"][1])),
                  meta=dict(header["meta"]))
        check_network_arrays(net)
        return net


def check_network_arrays(net: RoadNetwork) -> None:
    """``ValueError`` unless ``net``'s arrays form a usable network: matching lengths, a
    monotone CSR index, heads in range, finite lengths >= 0, times >= 1 s, finite
    coordinates."""
    n, m = net.n_nodes, net.n_edges
    if n < 2 or m < 1:
        raise ValueError(f"{n} nodes and {m} edges: too small to simulate")
    for a in ("node_lon", "node_x", "node_y", "node_osmid"):
        if getattr(net, a).shape != (n,):
            raise ValueError(f"{a} has shape {getattr(net, a).shape}, expected ({n},)")
    for a in ("edge_tail", "edge_head", "edge_length_m", "edge_time_s", "edge_speed_kmh",
              "edge_highway"):
        if getattr(net, a).shape != (m,):
            raise ValueError(f"{a} has shape {getattr(net, a).shape}, expected ({m},)")
    if net.indptr.shape != (n + 1,) or net.indptr[0] != 0 or net.indptr[-1] != m \
            or np.any(np.diff(net.indptr) < 0):
        raise ValueError("indptr is not a CSR index of the edges")
    if m and (net.edge_head.min() < 0 or net.edge_head.max() >= n):
        raise ValueError("edge heads out of range")
    if not (np.all(np.isfinite(net.edge_length_m)) and np.all(net.edge_length_m >= 0)):
        raise ValueError("edge lengths must be finite and >= 0")
    if np.any(net.edge_time_s < 1):
        raise ValueError("edge travel times must be >= 1 s")
    if not (np.all(np.isfinite(net.node_lat)) and np.all(np.isfinite(net.node_lon))):
        raise ValueError("node coordinates must be finite")


def _replace(net: RoadNetwork, **changes: Any) -> RoadNetwork:
    import dataclasses

    return dataclasses.replace(net, **changes)


def edge_times_s(length_m: np.ndarray, speed_kmh: np.ndarray) -> np.ndarray:
    """Integer edge travel times: ``round(length / speed)`` seconds, at least 1."""
    t = np.rint(np.asarray(length_m, np.float64) / (np.asarray(speed_kmh, np.float64) / 3.6))
    return np.maximum(t, 1).astype(np.int32)


def network_from_edges(
    node_lat: np.ndarray,
    node_lon: np.ndarray,
    node_osmid: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    length_m: np.ndarray,
    speed_kmh: np.ndarray,
    highway: list[str] | np.ndarray,
    *,
    name: str,
    key: str,
    meta: dict[str, Any] | None = None,
    time_s: np.ndarray | None = None,
) -> RoadNetwork:
    """Assemble a :class:`RoadNetwork` from edge lists (node ids already ``0..n-1``).

    Travel times: ``time_s`` (whole seconds >= 1) when given, else computed from the
    lengths and speeds. Self-loops are dropped; of parallel edges the fastest (then
    shortest) is kept.
    """
    node_lat = np.asarray(node_lat, np.float64)
    node_lon = np.asarray(node_lon, np.float64)
    tail = np.asarray(tail, np.int64)
    head = np.asarray(head, np.int64)
    length_m = np.asarray(length_m, np.float64)
    speed_kmh = np.asarray(speed_kmh, np.float64)
    hw = np.asarray(highway, dtype=object)
    if time_s is None:
        time_s = edge_times_s(length_m, speed_kmh)
    else:
        time_s = np.asarray(time_s, np.int64)
        if time_s.shape != tail.shape or (time_s.size and time_s.min() < 1):
            raise ValueError("time_s must give one whole number of seconds >= 1 per edge")
    keep = tail != head
    tail, head, length_m, speed_kmh, hw, time_s = (
        a[keep] for a in (tail, head, length_m, speed_kmh, hw, time_s)
    )
    order = np.lexsort((length_m, time_s, head, tail))
    tail, head, length_m, speed_kmh, hw, time_s = (
        a[order] for a in (tail, head, length_m, speed_kmh, hw, time_s)
    )
    first = np.ones(tail.shape[0], bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    tail, head, length_m, speed_kmh, hw, time_s = (
        a[first] for a in (tail, head, length_m, speed_kmh, hw, time_s)
    )
    n = node_lat.shape[0]
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, tail + 1, 1)
    indptr = np.cumsum(indptr)
    names = tuple(sorted(set(hw.tolist())))
    code = {s: i for i, s in enumerate(names)}
    lat0 = float((node_lat.min() + node_lat.max()) / 2)
    lon0 = float((node_lon.min() + node_lon.max()) / 2)
    x, y = local_xy(node_lat, node_lon, lat0, lon0)
    return RoadNetwork(
        node_lat=node_lat, node_lon=node_lon, node_x=x, node_y=y,
        node_osmid=np.asarray(node_osmid, np.int64), indptr=indptr,
        edge_tail=tail.astype(np.int32), edge_head=head.astype(np.int32),
        edge_length_m=length_m, edge_time_s=time_s, edge_speed_kmh=speed_kmh,
        edge_highway=np.array([code[s] for s in hw], np.int8), highway_names=names,
        name=name, key=key, origin_latlon=(lat0, lon0), meta=dict(meta or {}),
    )


def grid_network(
    rows: int,
    cols: int,
    spacing_m: float = 200.0,
    speed_kmh: float = 36.0,
    *,
    origin_latlon: tuple[float, float] = (49.4447, 7.7689),
) -> RoadNetwork:
    """A synthetic two-way grid of ``rows x cols`` nodes (for tests and examples).

    Node ``r * cols + c`` sits ``r * spacing_m`` north and ``c * spacing_m`` east of
    ``origin_latlon`` (default: Kaiserslautern city centre, FACTS.md section 1). Every edge
    takes ``round(spacing_m / speed_kmh * 3.6)`` seconds.
    """
    if rows < 1 or cols < 1 or rows * cols < 2:
        raise ValueError("grid_network needs at least 2 nodes")
    if spacing_m <= 0 or speed_kmh <= 0:
        raise ValueError("spacing_m and speed_kmh must be positive")
    lat0, lon0 = origin_latlon
    k = math.pi / 180.0 * EARTH_RADIUS_M
    r, c = np.divmod(np.arange(rows * cols), cols)
    lat = lat0 + r * spacing_m / k
    lon = lon0 + c * spacing_m / (k * math.cos(math.radians(lat0)))
    tails, heads = [], []
    for i in range(rows * cols):
        ri, ci = divmod(i, cols)
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            rr, cc = ri + dr, ci + dc
            if 0 <= rr < rows and 0 <= cc < cols:
                tails.append(i)
                heads.append(rr * cols + cc)
    m = len(tails)
    key = hashlib.sha256(f"grid:{rows}:{cols}:{spacing_m}:{speed_kmh}:{origin_latlon}".encode()).hexdigest()[:16]
    return network_from_edges(
        lat, lon, np.arange(rows * cols), np.array(tails), np.array(heads),
        np.full(m, float(spacing_m)), np.full(m, float(speed_kmh)), ["residential"] * m,
        name=f"grid{rows}x{cols}", key=key,
    )
