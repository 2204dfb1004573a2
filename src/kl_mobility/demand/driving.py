"""What a car driver experiences beyond the free-flow network time: junction and signal
delays on the way, walking to and from the car and searching a parking place.

The free-flow time of the fastest path (edge length / speed limit) is far below published
door-to-door car times (campus -> Fruchthalle 5.5 vs 17 min, FACTS.md section 3). The mode
choice therefore uses, for the car:

``car time = free-flow time + junction delays (on the way) + terminal times (at the ends)``

Junction delays (:func:`junction_delays_s`, seconds per edge; the driver's time is the
fastest path under free-flow time + delays, :func:`zone_driving_min`: drivers choose the
route by the time they experience)
    A car decelerating at a junction from its speed ``v`` to ``u`` and accelerating back to
    ``v`` loses ``(v - u)^2 / (2 v) x (1/a + 1/b)`` seconds against cruising (``a``:
    ``car_accel_mps2``, ``b``: ``car_decel_mps2``; for a full stop ``u = 0`` this is
    ``v/(2a) + v/(2b)``). Charged to the edge that approaches the node, at that edge's speed
    (the speed limit after any speed cap):

    - a node with traffic signals (OSM ``highway=traffic_signals``): the car stops with
      probability ``car_signal_stop_share`` and then waits ``car_signal_wait_s`` on average:
      ``p x (wait + v/(2a) + v/(2b))``. Signal nodes and junctions closer than
      :data:`SIGNAL_CLUSTER_M` to a signal form one signalised junction, charged once (the
      approach coming from such a node over a shorter edge is not charged again);
    - a junction without signals (three or more neighbouring nodes) where the approach does
      not have the right of way: the car slows to ``car_give_way_speed_kmh``. The right of
      way follows the road classes (:data:`ROAD_RANK`): the two highest-ranked arms of the
      junction are the priority road when they rank above all others (a main road that
      changes class at the junction stays the priority road); every other approach gives
      way, and every approach of a junction without such a pair (equal roads: German
      "rechts vor links"). Turning off a priority road is not counted (turns are not modelled),
      nor the start from standstill and the final stop of the trip.

    A speed cap lowers ``v`` and so *lowers* these losses (a stop from 30 km/h costs less
    than from 50 km/h); the waits at signals do not change. On a given route the cap
    therefore lengthens the car time by less than the free-flow difference
    ``L (1/30 - 1/v)``: the damping that a free-flow model misses. Routing by the
    experienced time matters as much: routed by free-flow time alone, the capped main
    roads would be left for residential streets whose give-way junctions the route choice
    does not see. The distance of a zone pair stays the one of the oracle's free-flow
    fastest path (car person-km, walk and bike distances, car cost). Intrazonal trips keep their own speed (``intrazonal_speed_kmh``)
    without delays; the outer districts' links to the network (offsets) have none.

Terminal times (:func:`terminal_min`, minutes per zone)
    Walking between the car and the trip's end, ``car_walk_min`` (``car_walk_centre_min``
    in the city centre, where cars stand in garages and on the street farther away), at
    both ends; searching a parking place at the destination, ``car_park_search_min``
    (``car_park_search_centre_min`` in the centre). The mode choice weighs the walks like
    the walk to the bus (``beta_access_per_min``) and the search like driving
    (``beta_ivt_per_min``). The centre is the zones within
    ``car_centre_radius_m`` of the city centre coordinate (FACTS.md section 1). The centre's
    parking search is *calibrated*: it is the value that makes the modelled door-to-door
    time campus -> Fruchthalle on the baseline network equal the published 17 min, given the
    other terms (:func:`kl_mobility.validity.calibrated_centre_search_min`; one published
    pair, so the calibration is a single number). The terminal times do not depend on the
    road network, so a speed cap leaves them unchanged; they enter the mode choice, not the
    destination choice (the gravity model uses the driving time).

All values are named assumptions with plausible ranges in
:data:`kl_mobility.assumptions.ASSUMPTION_RANGES`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from kl_mobility.demand.config import CITY_CENTRE, DemandConfig
from kl_mobility.kernels.path_sums import fastest_times
from kl_mobility.network.cache import (
    LOAD_ERRORS,
    cache_file_ok,
    report_damaged,
    write_cache_file,
)
from kl_mobility.network.graph import local_xy

__all__ = ["ROAD_RANK", "SIGNAL_CLUSTER_M", "driver_path", "driver_terms", "driver_times_ds",
           "driver_weights", "in_centre", "junction_delays_s", "terminal_min",
           "zone_driving_min"]

SIGNAL_CLUSTER_M = 50.0
"""Modelling choice: signal nodes and junctions closer than this (along one edge) are one
signalised junction (OSM maps a signal on each approach a few metres before the junction
node, and dual carriageways twice)."""

ROAD_RANK: dict[str, float] = {
    "motorway": 8.0, "motorway_link": 7.5, "trunk": 7.0, "trunk_link": 6.5,
    "primary": 6.0, "primary_link": 5.5, "secondary": 5.0, "secondary_link": 4.5,
    "tertiary": 4.0, "tertiary_link": 3.5, "unclassified": 2.0, "residential": 2.0,
    "living_street": 1.0, "service": 1.0,
}
"""Road classes for the right of way at junctions without signals (higher = priority; a
link ranks just below its road; other types rank as residential roads)."""

_DEFAULT_RANK = 2.0


def _edge_rank(network: Any) -> np.ndarray:
    names = network.highway_names
    ranks = np.array([ROAD_RANK.get(h, _DEFAULT_RANK) for h in names] or [_DEFAULT_RANK])
    return ranks[np.asarray(network.edge_highway, np.int64)]


def junction_delays_s(network: Any, signal_nodes: np.ndarray, config: DemandConfig
                      ) -> np.ndarray:
    """Expected junction and signal delay (s) charged to each edge of ``network`` (the
    module docstring's rules); ``signal_nodes``: network node ids with traffic signals."""
    n, m = network.n_nodes, network.n_edges
    tail = np.asarray(network.edge_tail, np.int64)
    head = np.asarray(network.edge_head, np.int64)
    length = np.asarray(network.edge_length_m, np.float64)
    v = np.asarray(network.edge_speed_kmh, np.float64) / 3.6
    rank = _edge_rank(network)
    k_ab = 1.0 / config.car_accel_mps2 + 1.0 / config.car_decel_mps2

    # arms of every node: undirected neighbour pairs with the higher rank of both directions
    a = np.concatenate([tail, head])
    b = np.concatenate([head, tail])
    r = np.concatenate([rank, rank])
    pair = a * n + b
    order = np.lexsort((-r, pair))
    first = np.ones(order.shape[0], bool)
    first[1:] = pair[order][1:] != pair[order][:-1]
    arm_node, arm_nb, arm_rank = a[order][first], b[order][first], r[order][first]
    degree = np.bincount(arm_node, minlength=n)
    junction = degree >= 3
    # per node: the three highest arm ranks r1 >= r2 >= r3 (-inf where missing); the two
    # highest arms are the priority road when they are a unique pair (r2 > r3)
    by_rank = np.lexsort((-arm_rank, arm_node))
    nodes_sorted = arm_node[by_rank]
    start = np.searchsorted(nodes_sorted, np.arange(n))
    pos = np.arange(by_rank.shape[0]) - start[nodes_sorted]
    r = np.full((n, 3), -np.inf)
    keep = pos < 3
    r[nodes_sorted[keep], pos[keep]] = arm_rank[by_rank][keep]
    # the approach u -> v comes in on the arm (v, u): priority when that arm is one of the
    # two highest and they are a unique pair; otherwise it gives way
    arm_code = arm_node * n + arm_nb  # sorted (the order above sorts by pair)
    back = arm_rank[np.searchsorted(arm_code, head * n + tail)]
    r2, r3 = r[head, 1], r[head, 2]
    gives_way = junction[head] & ~((back >= r2) & (r2 > r3))

    signal = np.zeros(n, bool)
    signal[np.asarray(signal_nodes, np.int64)] = True
    near = length < SIGNAL_CLUSTER_M
    controlled = signal.copy()
    controlled[tail[near & signal[head]]] = True
    controlled[head[near & signal[tail]]] = True
    repeat = near & controlled[tail]
    stop_loss = v / 2.0 * k_ab
    delay = np.zeros(m)
    sig = signal[head] & ~repeat
    delay[sig] = config.car_signal_stop_share * (config.car_signal_wait_s + stop_loss[sig])
    u = config.car_give_way_speed_kmh / 3.6
    gw = gives_way & ~controlled[head] & (v > u)
    delay[gw] += (v[gw] - u) ** 2 / (2.0 * v[gw]) * k_ab
    return delay


def driver_weights(network: Any, signal_nodes: np.ndarray, config: DemandConfig
                   ) -> np.ndarray:
    """Per edge: free-flow time + junction delay in whole deciseconds (int64), the edge
    weight of the driver's fastest path (sums of integers add up exactly)."""
    delay = junction_delays_s(network, signal_nodes, config)
    return np.rint(10.0 * (np.asarray(network.edge_time_s, np.float64) + delay)).astype(
        np.int64)


_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_CACHE_SIZE = 16
_FORMAT = 1
"""Version of the cached driver times (part of the key: a new format never reads an old
file)."""


def _key(network: Any, sources: np.ndarray, targets: np.ndarray, signal_nodes: np.ndarray,
         config: DemandConfig) -> str:
    """SHA-256 over every input of :func:`driver_times_ds`: the network's arrays the driver
    weights and the fastest paths read, the sources, targets and signal nodes (each with
    its length) and the delay parameters."""
    h = hashlib.sha256()
    h.update(f"driver-times:{_FORMAT}".encode())
    for arr in (network.indptr, network.edge_tail, network.edge_head, network.edge_time_s,
                network.edge_length_m, network.edge_speed_kmh, network.edge_highway,
                sources, targets, signal_nodes):
        a = np.ascontiguousarray(arr)
        h.update(f"|{a.dtype.str}:{a.shape}|".encode())
        h.update(a.tobytes())
    h.update(repr((int(network.n_nodes), int(network.n_edges))).encode())
    h.update(repr(network.highway_names).encode())
    h.update(repr((config.car_signal_stop_share, config.car_signal_wait_s,
                   config.car_give_way_speed_kmh, config.car_accel_mps2,
                   config.car_decel_mps2)).encode())
    return h.hexdigest()


def driver_times_ds(network: Any, signal_nodes: np.ndarray, config: DemandConfig,
                    sources: np.ndarray, targets: np.ndarray, *,
                    cache_dir: str | Path | None = None) -> np.ndarray:
    """``[i, j]``: the driver's time (whole deciseconds, :func:`driver_weights`) of the
    fastest path from ``sources[i]`` to ``targets[j]``; -1 where unreachable (read-only).

    A pure function of the network, the nodes and the delay parameters, so it is kept
    within the process and, with ``cache_dir``, on disk beside the network
    (``driver-times-<key>.npz`` with a manifest), keyed by a SHA-256 over all of them
    (:func:`_key`): any changed input is another file."""
    sources = np.ascontiguousarray(sources, np.int64)
    targets = np.ascontiguousarray(targets, np.int64)
    signal = np.ascontiguousarray(signal_nodes, np.int64)
    key = _key(network, sources, targets, signal, config)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    target = None if cache_dir is None else Path(cache_dir) / f"driver-times-{key[:20]}.npz"
    out = None
    if target is not None and cache_file_ok(target):
        try:
            with np.load(target, allow_pickle=False) as z:
                if str(z["key"]) == key and z["ds"].shape == (sources.shape[0],
                                                             targets.shape[0]):
                    out = np.asarray(z["ds"], np.int64)
        except LOAD_ERRORS as exc:
            report_damaged(target, f"unreadable: {exc}")
    if out is None:
        weight = driver_weights(network, signal, config)
        out = np.empty((sources.shape[0], targets.shape[0]), np.int64)
        fastest_times(np.asarray(network.indptr, np.int64),
                      np.asarray(network.edge_head, np.int64), weight,
                      np.asarray(network.edge_length_m, np.float64), sources, targets, out)
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            data = out

            def write(tmp: Path) -> None:
                with open(tmp, "wb") as fh:
                    np.savez(fh, ds=data, key=np.array(key))

            write_cache_file(target, write)
    out.setflags(write=False)
    _CACHE[key] = out
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return out


def zone_driving_min(network: Any, nodes: np.ndarray, signal_nodes: np.ndarray,
                     config: DemandConfig, *, cache_dir: str | Path | None = None
                     ) -> np.ndarray:
    """``[i, j]``: the driver's time (minutes) from ``nodes[i]`` to ``nodes[j]``: the
    fastest path under free-flow time + junction delays (drivers choose their route by the
    time they experience, so a capped main road with priority is not left for side
    streets full of give-way junctions); NaN where unreachable. Cached as
    :func:`driver_times_ds` (within the process; on disk with ``cache_dir``)."""
    ds = driver_times_ds(network, signal_nodes, config, nodes, nodes, cache_dir=cache_dir)
    minutes = np.where(ds >= 0, ds / 600.0, np.nan)
    minutes.setflags(write=False)
    return minutes


def driver_path(network: Any, signal_nodes: np.ndarray, config: DemandConfig, o: int,
                d: int) -> np.ndarray:
    """The nodes of the driver's fastest path from ``o`` to ``d`` (both included)."""
    from kl_mobility.kernels.shortest_path import single_source

    n = network.n_nodes
    tt = np.empty(n, np.int64)
    dist = np.empty(n, np.float64)
    first = np.empty(n, np.int64)
    pred = np.empty(n, np.int64)
    single_source(np.asarray(network.indptr, np.int64), np.asarray(network.edge_head,
                                                                   np.int64),
                  driver_weights(network, signal_nodes, config),
                  np.asarray(network.edge_length_m, np.float64), int(o), tt, dist, first,
                  pred)
    if pred[d] < 0 and o != d:
        raise ValueError(f"node {d} is not reachable from node {o}")
    path = [int(d)]
    while path[-1] != o:
        path.append(int(pred[path[-1]]))
    return np.array(path[::-1], np.int64)


def in_centre(lat: np.ndarray, lon: np.ndarray, config: DemandConfig) -> np.ndarray:
    """Whether points lie within ``car_centre_radius_m`` of the city centre."""
    x, y = local_xy(np.asarray(lat, np.float64), np.asarray(lon, np.float64), *CITY_CENTRE)
    return np.hypot(x, y) <= config.car_centre_radius_m


def terminal_min(lat: np.ndarray, lon: np.ndarray, external: np.ndarray,
                 config: DemandConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per zone: the walk between the car and a trip end there, and the parking search
    when the trip ends there (minutes); outer districts are never centre."""
    centre = in_centre(lat, lon, config) & ~np.asarray(external, bool)
    walk = np.where(centre, config.car_walk_centre_min, config.car_walk_min)
    search = np.where(centre, config.car_park_search_centre_min, config.car_park_search_min)
    return walk, search


def driver_terms(config: DemandConfig) -> dict[str, Any]:
    """The driver-experience terms a run used (``demand.json`` "car_terms")."""
    names = ("car_walk_min", "car_walk_centre_min", "car_park_search_min",
             "car_park_search_centre_min", "car_centre_radius_m", "car_signal_stop_share",
             "car_signal_wait_s", "car_give_way_speed_kmh", "car_accel_mps2",
             "car_decel_mps2")
    return {
        "formula": "car time = driving time of the driver's fastest path under free-flow "
                   "time + junction and signal delays (losses of braking and accelerating "
                   "at the edge's speed, waits at signals) + walk at both ends + parking "
                   "search at the destination (centre values within car_centre_radius_m "
                   "of the city centre)",
        "speed_cap": "a speed cap lowers the free-flow speed and with it the braking and "
                     "accelerating losses; signal waits, walks and parking search do not "
                     "change",
        "calibrated": "car_park_search_centre_min: door to door campus -> Fruchthalle = "
                      "17 min on the baseline network (FACTS.md section 3)",
        "values": {n: getattr(config, n) for n in names},
    }
