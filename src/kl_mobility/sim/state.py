"""Fleet and request state as flat numpy arrays (struct of arrays).

Vehicle ``v`` stands at (or last passed) ``pos_node[v]`` and is free to move on from there at
``pos_time[v]``; it drives toward ``target[v]`` (its first planned stop, else its idle target,
-1 when parked). Its planned stops are row ``v`` of the ``sched_*`` arrays, the first
``sched_len[v]`` entries (see :mod:`kl_mobility.kernels.insertion`).

A stop in an external zone (an Ortsbezirk outside the network, attached to a boundary node
with a one-way offset) is planned at the boundary node: its window is the rider's window
shifted back by the offset and its dwell grows by twice the offset (out to the zone and
back); ``km``/``km_occupied``/``passenger_km`` include that out-and-back, ``km_external``
counts it separately (see :mod:`kl_mobility.sim.engine`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["FleetState", "RequestState"]

ST_OPEN, ST_SERVED, ST_REJECTED, ST_CANCELLED = 0, 1, 2, 3


@dataclass
class FleetState:
    """All vehicles' state; every array has one entry (row) per vehicle."""

    n: int
    max_stops: int
    type_idx: np.ndarray
    capacity: np.ndarray
    pos_node: np.ndarray
    pos_time: np.ndarray
    target: np.ndarray
    idle_target: np.ndarray
    load: np.ndarray
    available: np.ndarray
    charging: np.ndarray
    version: np.ndarray
    sched_len: np.ndarray
    sched_node: np.ndarray
    sched_early: np.ndarray
    sched_late: np.ndarray
    sched_delta: np.ndarray
    sched_dwell: np.ndarray
    sched_req: np.ndarray
    km: np.ndarray
    km_occupied: np.ndarray
    passenger_km: np.ndarray
    km_external: np.ndarray
    energy_kwh: np.ndarray
    fuel_l: np.ndarray
    soc_kwh: np.ndarray
    n_charges: np.ndarray
    n_served: np.ndarray
    last_active_s: np.ndarray
    start_node: np.ndarray  # where the vehicle stood when the day began
    onboard: list[set[int]] = field(default_factory=list)

    @classmethod
    def empty(cls, type_idx: np.ndarray, capacity: np.ndarray, battery_kwh: np.ndarray,
              max_stops: int) -> FleetState:
        n = int(type_idx.shape[0])
        i64 = lambda fill=0: np.full(n, fill, np.int64)  # noqa: E731
        f64 = lambda: np.zeros(n, np.float64)  # noqa: E731
        # int32 halves the memory the insertion search streams through (times < 2**31 s)
        sched = lambda: np.zeros((n, max_stops), np.int32)  # noqa: E731
        return cls(
            n=n, max_stops=max_stops, type_idx=type_idx.astype(np.int64),
            capacity=capacity.astype(np.int64), pos_node=i64(), pos_time=i64(),
            target=i64(-1), idle_target=i64(-1), load=i64(), available=np.zeros(n, bool),
            charging=np.zeros(n, bool), version=i64(), sched_len=i64(), sched_node=sched(),
            sched_early=sched(), sched_late=sched(), sched_delta=sched(), sched_dwell=sched(),
            sched_req=sched(), km=f64(), km_occupied=f64(), passenger_km=f64(),
            km_external=f64(), energy_kwh=f64(), fuel_l=f64(),
            soc_kwh=battery_kwh.astype(np.float64).copy(), n_charges=i64(), n_served=i64(), last_active_s=i64(),
            start_node=i64(),
            onboard=[set() for _ in range(n)],
        )


@dataclass
class RequestState:
    """Every request's inputs (per vehicle type where they differ) and outcome."""

    n: int
    request_id: np.ndarray
    release_s: np.ndarray
    passengers: np.ndarray
    origin: np.ndarray
    dest: np.ndarray
    direct_s: np.ndarray
    direct_m: np.ndarray
    # external zones (0 inside the network): travel time and distance between the zone and
    # its boundary node, one way
    off_o: np.ndarray
    off_d: np.ndarray
    off_o_m: np.ndarray
    off_d_m: np.ndarray
    # per vehicle type [n_types, n]: served nodes, windows, walk
    o: np.ndarray
    d: np.ndarray
    early: np.ndarray
    late_pick: np.ndarray
    late_drop: np.ndarray
    walk_s: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    vehicle: np.ndarray
    assigned_type: np.ndarray
    pickup_s: np.ndarray
    dropoff_s: np.ndarray
    shared: np.ndarray
    earliest_s: np.ndarray
