"""Route minimisation by guided ejection search (kernels in :mod:`kl_mobility.kernels.routing_ges`).

OR-Tools' local search lowers distance well but rarely empties a route of a tight
pickup-and-delivery plan. This module removes routes one at a time with the *guided ejection
search* of Nagata & Kobayashi ("Guided ejection search for the pickup and delivery problem
with time windows", EvoCOP 2010, LNCS 6022, 202-213):

1. take a route out of the plan; its requests go to an ejection pool (EP) and every
   request's penalty counter ``p[h]`` is set to 1;
2. pop a request ``h`` from the pool (last in, first out) and insert it feasibly into the
   remaining routes (the cheapest feasible position by distance);
3. if no feasible insertion exists, ``p[h] += 1`` and ``h`` is inserted while up to
   ``k_max`` requests of the same route are ejected, choosing the ejection with the least
   penalty sum ``p[out_1] + ... + p[out_k]`` (requests that were hard to place before stay
   in); the ejected requests join the pool and the plan is perturbed by random feasible
   moves (moving one request to another route, or swapping two) to leave the basin;
4. when the pool is empty the plan has one route less; start again at 1.

Every plan the search holds is feasible: insertions are checked with earliest-start /
latest-start tables of the route (``O(segment)`` per candidate position) and, when the
problem has ride-time or route-duration limits, with the exact schedule test of the
candidate route (:func:`kl_mobility.kernels.routing_insertion.ride_duration_ok`: waiting is
shifted as far as the limits need, so an insertion is accepted exactly when a feasible
schedule exists). :func:`minimise_routes` is the entry point;
:func:`kl_mobility.routing.model.solve` uses it to remove routes (vehicles first) or, for
dial-a-ride problems without a vehicle cost, to reach the fleet size, and gives the rest of
the budget to ruin and recreate (:mod:`kl_mobility.routing.lns`).

Determinism: the kernels draw from numba's generator seeded per chunk of iterations from
``seed``; the time limit only decides after which chunk the search stops.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kl_mobility.kernels.routing_ges import GesPlan, GesStep, ges_chunk
from kl_mobility.kernels.routing_insertion import Instance
from kl_mobility.routing.arrays import kernel_arrays, plan_arrays
from kl_mobility.routing.types import RoutingProblem

__all__ = ["GesOptions", "GesResult", "minimise_routes"]


@dataclass(frozen=True)
class GesOptions:
    """Parameters of the guided ejection search.

    ``k_max``: most requests ejected when one is inserted (Nagata & Kobayashi use 2-3).
    ``perturb_moves``: random feasible moves after each ejection (``I_rand``).
    ``chunk``: pool pops between time checks (each chunk reseeds the generator from
    ``seed`` and the chunk number, so runs are reproducible up to the chunk where the time
    limit stops them). ``max_iterations``: stop after this many pool pops (whole chunks),
    which makes a run reproducible bit for bit whatever the machine's speed.
    ``attempt_share``: share of the time limit one route removal may take; when it fails
    within that time the search stops and leaves the rest of the budget to the caller
    (1.0: the attempt may take all the time left).
    """

    k_max: int = 2
    perturb_moves: int = 100
    chunk: int = 200
    seed: int = 0
    max_iterations: int | None = None
    attempt_share: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 < self.attempt_share <= 1.0:
            raise ValueError(f"attempt_share must be in (0, 1], got {self.attempt_share}")
        if not 1 <= self.k_max <= 3:
            raise ValueError(f"k_max must be in 1..3, got {self.k_max}")
        if self.perturb_moves < 0:
            raise ValueError(f"perturb_moves must be >= 0, got {self.perturb_moves}")
        if self.chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {self.chunk}")


@dataclass(frozen=True)
class GesResult:
    """Routes (location sequences without depots) of the smallest plan found."""

    routes: list[list[int]]
    n_routes_start: int
    iterations: int
    wall_time_s: float
    deletions: int
    #: (routes, seconds since the start) after every successful route deletion
    history: tuple[tuple[int, float], ...] = ()


def minimise_routes(problem: RoutingProblem, routes: Sequence[Sequence[int]],
                    time_limit_s: float, options: GesOptions | None = None, *,
                    tw_early: np.ndarray | None = None,
                    tw_late: np.ndarray | None = None,
                    target_routes: int = 1, stop_at_load_bound: bool = True) -> GesResult:
    """Remove routes from the complete, feasible plan ``routes`` while time remains.

    Stops at ``target_routes`` routes, at ``options.max_iterations`` or when the time is up;
    with ``stop_at_load_bound`` also at the total load over the capacity. That count is
    no lower bound (a vehicle unloads and loads again), but on Li & Lim instances it is
    often the best-known count, and stopping there leaves the time to the distance search;
    dial-a-ride problems (capacity 3-6, many requests per route) pass False.

    ``problem`` must have identical vehicles (one depot pair, capacity, duration limit).
    ``tw_early``/``tw_late`` may pass windows tightened by preprocessing (they must admit
    the same schedules). Returns the plan with the fewest routes reached; it serves every
    request and passes the same checks as the input.
    """
    opts = options or GesOptions()
    p = problem
    t0 = _time.perf_counter()
    arr = kernel_arrays(p, p.tw_early if tw_early is None else tw_early,
                        p.tw_late if tw_late is None else tw_late)
    nreq = p.n_requests
    used, R, L, rt = plan_arrays(p, routes, 0, "minimise_routes")
    req_of = p.request_of()
    best = [list(r) for r in used]
    nr = len(used)
    rng = np.random.default_rng(opts.seed)
    chunk_no = 0
    iterations = 0
    deletions = 0
    history: list[tuple[int, float]] = []
    lower = max(1, target_routes)
    if stop_at_load_bound:
        lower = max(lower, -(-int(p.load[p.pickups].sum()) // max(1, arr["cap"])))
    cap_it = opts.max_iterations if opts.max_iterations is not None else np.iinfo(np.int64).max
    inst = tuple(Instance(**arr))

    def go_on() -> bool:
        return _time.perf_counter() - t0 < time_limit_s and iterations < cap_it

    while nr > lower and go_on():
        # take out a random route, its requests form the pool
        k = int(rng.integers(nr))
        saved = (R.copy(), L.copy(), rt.copy())
        ep = np.zeros(nreq, dtype=np.int64)
        ep_n = 0
        for x in R[k, :L[k]]:
            if p.load[x] > 0:
                ep[ep_n] = req_of[x]
                rt[req_of[x]] = -1
                ep_n += 1
        last = nr - 1
        if k != last:
            R[k] = R[last]
            L[k] = L[last]
            rt[rt == last] = k
        L[last] = 0
        nr -= 1
        pen = np.ones(nreq, dtype=np.int64)
        attempt_end = _time.perf_counter() + opts.attempt_share * time_limit_s
        while ep_n > 0 and go_on() and _time.perf_counter() < attempt_end:
            seed = (opts.seed * 1_000_003 + chunk_no) % (2**31 - 1)
            chunk_no += 1
            plan = GesPlan(R, L, rt, pen, ep, p.pickups, p.deliveries, req_of)
            step = GesStep(nr, ep_n, opts.k_max, opts.perturb_moves, opts.chunk, seed)
            ep_n, done = ges_chunk(tuple(plan), tuple(step), inst)
            iterations += int(done)
        if ep_n == 0:
            deletions += 1
            best = [list(map(int, R[i, :L[i]])) for i in range(nr)]
            history.append((nr, _time.perf_counter() - t0))
        else:
            R, L, rt = saved
            nr += 1
            break
    return GesResult(routes=best, n_routes_start=len(used), iterations=iterations,
                     wall_time_s=_time.perf_counter() - t0, deletions=deletions,
                     history=tuple(history))
