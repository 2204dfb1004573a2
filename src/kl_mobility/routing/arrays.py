"""A :class:`RoutingProblem` and a plan packed as the flat arrays of the routing kernels.

The array convention is documented once in :mod:`kl_mobility.kernels.routing_insertion`.
Both searches (:mod:`kl_mobility.routing.ges`, :mod:`kl_mobility.routing.lns`) pack their
input here, so they hand the kernels the same arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kl_mobility.routing.types import RoutingProblem

__all__ = ["kernel_arrays", "plan_arrays", "tightened_windows"]


def kernel_arrays(p: RoutingProblem, tw_early: np.ndarray, tw_late: np.ndarray
                  ) -> dict[str, Any]:
    """The problem's arrays as keyword arguments of the kernels, with the windows
    ``tw_early``/``tw_late`` (possibly tightened by preprocessing). Vehicles must be
    identical: the first vehicle's depots, capacity and duration limit stand for all."""
    mate = np.full(p.n_locations, -1, dtype=np.int64)
    mate[p.pickups] = p.deliveries
    mate[p.deliveries] = p.pickups
    maxride = np.full(p.n_locations, np.inf)
    maxride[p.pickups] = p.max_ride
    side = bool(np.any(np.isfinite(p.max_ride)) or np.isfinite(p.max_duration[0]))
    return dict(T=p.time, D=p.dist, s=p.service, e=np.ascontiguousarray(tw_early, np.float64),
                l=np.ascontiguousarray(tw_late, np.float64), q=p.load, d0=int(p.start[0]),
                d1=int(p.end[0]), cap=int(p.capacity[0]), side=side, maxride=maxride,
                maxdur=float(p.max_duration[0]), mate=mate)


def plan_arrays(p: RoutingProblem, routes: Sequence[Sequence[int]], spare: int, who: str
                ) -> tuple[list[list[int]], np.ndarray, np.ndarray, np.ndarray]:
    """The non-empty ``routes`` as kernel arrays: rows ``R`` (room for every stop), lengths
    ``L`` and each request's row ``rt``, plus ``spare`` empty rows. The plan must serve every
    request (``who`` names the caller in the error)."""
    used = [list(map(int, r)) for r in routes if len(r)]
    rows = max(len(used), 1) + spare
    R = np.zeros((rows, 2 * p.n_requests + 2), dtype=np.int64)
    L = np.zeros(rows, dtype=np.int64)
    req_of = p.request_of()
    rt = np.full(p.n_requests, -1, dtype=np.int64)
    for k, seq in enumerate(used):
        R[k, :len(seq)] = seq
        L[k] = len(seq)
        rt[req_of[seq]] = k
    if np.any(rt < 0):
        raise ValueError(f"{who} needs a plan that serves every request")
    return used, R, L, rt


def tightened_windows(p: RoutingProblem) -> tuple[np.ndarray, np.ndarray]:
    """Windows narrowed by what pairing and ride times imply (Cordeau 2006 preprocessing).

    A delivery starts no earlier than its pickup's earliest start plus service and direct
    travel, and no later than the pickup's latest start plus service and the ride limit;
    symmetrically for the pickup. The narrowed windows admit exactly the same schedules and
    let OR-Tools' dimension filters prune ride-time-infeasible moves early.
    """
    e, lt = p.tw_early.copy(), p.tw_late.copy()
    pu, de = p.pickups, p.deliveries
    direct = p.service[pu] + p.time[pu, de]
    ride = np.where(np.isfinite(p.max_ride), p.max_ride + p.service[pu], np.inf)
    e[de] = np.maximum(e[de], e[pu] + direct)
    lt[de] = np.minimum(lt[de], lt[pu] + ride)
    e[pu] = np.maximum(e[pu], e[de] - ride)
    lt[pu] = np.minimum(lt[pu], lt[de] - direct)
    bad = e > lt  # an impossible request: keep its own windows, the search will drop it
    return np.where(bad, p.tw_early, e), np.where(bad, p.tw_late, lt)
