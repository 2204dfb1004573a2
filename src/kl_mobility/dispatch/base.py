"""What a dispatch policy is and what the engine offers it: the Protocols.

A policy (:class:`DispatchPolicy`) is built from its options (:class:`PolicyOptions`, which
:class:`~kl_mobility.dispatch.config.DispatchConfig` satisfies) by a factory registered in
:data:`kl_mobility.dispatch.registry.DISPATCH_POLICIES`. The engine calls
:meth:`DispatchPolicy.dispatch` with the requests to assign (each new request at once when
``batch_interval_s == 0``, else every ``batch_interval_s`` seconds all waiting ones) and,
when ``rebalance_interval_s > 0``, :meth:`DispatchPolicy.rebalance` that often. Policies act
only through the :class:`DispatchContext` (which packs the fleet state and calls the numba
kernels), so they never loop over vehicles x requests in Python.

This module imports nothing of the package: the configuration, the registry and the
policies all build on it, none on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

__all__ = ["DispatchContext", "DispatchPolicy", "PolicyFactory", "PolicyOptions"]


class PolicyOptions(Protocol):
    """The options a policy reads (the fields of
    :class:`~kl_mobility.dispatch.config.DispatchConfig`, documented there)."""

    @property
    def policy(self) -> str: ...

    @property
    def cost(self) -> str: ...

    @property
    def batch_interval_s(self) -> int: ...

    @property
    def max_rounds(self) -> int: ...

    @property
    def retry_interval_s(self) -> int: ...

    @property
    def rebalance_interval_s(self) -> int: ...

    @property
    def rebalance_horizon_s(self) -> int: ...

    @property
    def rebalance_zone_m(self) -> float: ...

    @property
    def options(self) -> dict[str, Any]: ...

    def policy_options(self) -> Any:
        """The policy's own options: an instance of its factory's ``Options`` dataclass
        (``None`` when it declares none)."""
        ...


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

    def insertion_inputs(self, reqs: np.ndarray) -> list[tuple[Any, ...]]:
        """What the insertion kernels take for the requests ``reqs``, per vehicle type
        whose available vehicles can serve some of them: ``(tables, cand, fleet, sched,
        requests, rows, rules)`` with the type's travel-time ``Tables``, its available
        vehicles ``cand``, their start states (``Fleet``), the ``Schedules``, a batch
        ``Request`` of the requests ``reqs[rows]`` the type can serve and the engine's
        ``Rules`` (packs of :mod:`kl_mobility.kernels._pack`; for the policy's own
        kernels, e.g. trip enumeration; insert with :meth:`commit`)."""
        ...

    def commit(self, req: int, vehicle: int, i: int, j: int) -> None:
        """Insert request ``req`` into ``vehicle``'s schedule at positions ``(i, j)``."""
        ...

    def unpicked(self) -> tuple[np.ndarray, np.ndarray]:
        """``(requests, vehicles)``: requests assigned and not yet picked up (ascending)
        and their vehicles, on vehicles that can take requests again once these are
        unassigned (:meth:`unassign` accepts each)."""
        ...

    def planned_requests(self, vehicle: int) -> tuple[np.ndarray, np.ndarray]:
        """``(requests, pickup)``: the request of each planned stop of ``vehicle`` in
        order and whether the stop is its pickup (else its drop-off)."""
        ...

    def unassign(self, req: int) -> None:
        """Take request ``req`` (assigned, not picked up) off its vehicle: its two stops
        leave the schedule, the vehicle is re-planned. Commit it again in the same call
        (to any vehicle); if not, the engine handles it like a request not assigned
        (kept waiting or rejected, per ``service.unserved``). ``ValueError`` when the
        request is not assigned or is picked up already."""
        ...

    def idle_vehicles(self) -> np.ndarray:
        """Vehicle ids that are available, parked and without a schedule."""
        ...

    def request_origins(self, reqs: np.ndarray) -> np.ndarray:
        """Origin node of each request (as :meth:`expected_origins` gives them)."""
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


PolicyFactory = Callable[[PolicyOptions], DispatchPolicy]
"""What :data:`~kl_mobility.dispatch.registry.DISPATCH_POLICIES` holds: options -> policy
(a policy class is one). A factory may carry an ``Options`` attribute, a frozen dataclass of
the policy's own options: the scenario's ``[dispatch.options]`` table is checked against it
and ``options.policy_options()`` returns it built."""
