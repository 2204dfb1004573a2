"""Dispatch policies: a Protocol, the context the engine offers them, and the registry.

A policy is a class built from :class:`~kl_mobility.dispatch.config.DispatchConfig`. The
engine calls :meth:`DispatchPolicy.dispatch` with the requests to assign (each new request at
once when ``batch_interval_s == 0``, else every ``batch_interval_s`` seconds all waiting
ones) and, when ``rebalance_interval_s > 0``, :meth:`DispatchPolicy.rebalance` that often.
Policies act only through the :class:`DispatchContext` (which packs the fleet state and calls
the numba kernels), so they never loop over vehicles x requests in Python.

Register your own: ``DISPATCH_POLICIES["mine"] = MyPolicy``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from kl_mobility.dispatch.config import DispatchConfig

__all__ = ["DISPATCH_POLICIES", "DispatchContext", "DispatchPolicy"]


class DispatchContext(Protocol):
    """What the engine offers a policy at the current simulated time ``now``."""

    rng: np.random.Generator

    @property
    def now(self) -> int:
        """Current simulated time (s)."""
        ...

    def best_insertion(self, req: int) -> tuple[int, int, int, int]:
        """Cheapest feasible insertion ``(cost, vehicle, i, j)`` of request index ``req`` over
        all available vehicles; vehicle -1 when none."""
        ...

    def cost_matrix(self, reqs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                     np.ndarray]:
        """``(cost[R, K], vehicles[K], i[R, K], j[R, K])``: best insertion of each request
        into each available vehicle on its own (cost ``INFEASIBLE`` where none)."""
        ...

    def commit(self, req: int, vehicle: int, i: int, j: int) -> None:
        """Insert request ``req`` into ``vehicle``'s schedule at positions ``(i, j)``."""
        ...

    def idle_vehicles(self) -> np.ndarray:
        """Vehicle ids that are available, parked and without a schedule."""
        ...

    def vehicle_nodes(self, vehicles: np.ndarray) -> np.ndarray:
        """Current (or next) node of each vehicle."""
        ...

    def send_vehicle(self, vehicle: int, node: int) -> None:
        """Move an idle vehicle toward ``node`` (it stays available for dispatch)."""
        ...

    def expected_origins(self, t0: int, t1: int) -> np.ndarray:
        """Origin nodes of the requests expected in ``[t0, t1)`` (the demand forecast)."""
        ...

    def travel_time(self, orig: np.ndarray, dest: np.ndarray) -> np.ndarray:
        """Network travel times (s) between node arrays, vans' speeds."""
        ...

    def node_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Local metre coordinates of all nodes."""
        ...


class DispatchPolicy(Protocol):
    """A dispatch policy. ``batch_interval_s == 0`` means immediate (one call per request)."""

    batch_interval_s: int
    rebalance_interval_s: int

    def dispatch(self, ctx: DispatchContext, reqs: np.ndarray) -> np.ndarray:
        """Assign what it can of ``reqs`` (request indices); return a bool mask of assigned."""
        ...

    def rebalance(self, ctx: DispatchContext) -> None:
        """Move idle vehicles (called every ``rebalance_interval_s`` when > 0)."""
        ...


DISPATCH_POLICIES: dict[str, Callable[[DispatchConfig], DispatchPolicy]] = {}
"""Registered policies by name: ``name -> factory(DispatchConfig) -> DispatchPolicy``."""


def _register_builtins() -> None:
    from kl_mobility.dispatch.policies import BatchPolicy, InsertionPolicy, RebalancingPolicy

    DISPATCH_POLICIES.setdefault("insertion", InsertionPolicy)
    DISPATCH_POLICIES.setdefault("batch", BatchPolicy)
    DISPATCH_POLICIES.setdefault("rebalancing", RebalancingPolicy)


_register_builtins()
