"""Distance search at a fixed number of routes: ruin and recreate (kernel in
:mod:`kl_mobility.kernels.routing_lns`).

After :mod:`kl_mobility.routing.ges` has removed routes, the plan's distance is far from good:
the ejection search only keeps plans feasible. This large-neighbourhood search lowers the
distance without ever opening a route (in the spirit of Ropke & Pisinger, "An adaptive large
neighborhood search heuristic for the pickup and delivery problem with time windows",
Transportation Science 40(4), 2006, and the string-removal recreate with "blinks" of
Christiaens & Vanden Berghe, "Slack induction by string removals for vehicle routing
problems", Transportation Science 54(2), 2020):

- *ruin*: a random request and the requests most related to it (pickups and deliveries
  close to its own), or requests drawn at random, are taken out;
- *recreate*: they go back one by one, in random order, each at its cheapest feasible
  position over all routes, skipping each candidate position with a small "blink"
  probability; a request that fits nowhere waits in a *request bank* at a penalty (as in
  Ropke & Pisinger) and is tried again by every later step, so the search can pass through
  plans that momentarily leave a request out (only complete plans count as the best);
- *acceptance*: simulated annealing on distance plus the fixed cost of every used route
  (a route emptied by the search stays closed), with a temperature falling geometrically
  over the time budget; the best plan seen is kept.

Every plan is feasible by construction (the same insertion checks as the ejection search).
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kl_mobility.kernels.routing_insertion import Instance, route_dist
from kl_mobility.kernels.routing_lns import N_OPERATORS, LnsPlan, LnsStep, LnsTables, lns_chunk
from kl_mobility.routing.arrays import kernel_arrays, plan_arrays
from kl_mobility.routing.types import RoutingProblem

__all__ = ["OPERATORS", "LnsOptions", "LnsResult", "improve_distance"]

#: Removal operators of ruin and recreate (see :func:`kl_mobility.kernels.routing_lns.ruin`).
OPERATORS = ("random", "related", "worst", "route", "string")
#: Largest ruin of a small instance (see ``LnsOptions.max_removed``).
SMALL_RUIN = 12
#: An operator's adaptive weight stays at least this share of the mean weight.
MIN_WEIGHT_SHARE = 0.05


@dataclass(frozen=True)
class LnsOptions:
    """Parameters of the ruin-and-recreate search.

    ``min_removed``/``max_removed``: requests taken out per iteration, drawn uniformly
    (``max_removed`` is capped at ``max(SMALL_RUIN, n // 3)`` for ``n`` requests: a third
    of a small instance at most). ``operators``: the removal operators used (names of
    ``OPERATORS``); ``adaptive``: each operator's probability follows its recent success
    (adaptive large neighbourhood search: after each chunk, weight = (1 - ``reaction``) x
    weight + ``reaction`` x mean score per use, scores 33 / 9 / 13 for a new best, a better,
    an accepted plan), else all are drawn equally often. ``blink``: probability of skipping a candidate position.
    ``t_start``/``t_end``: annealing temperature as a share of the mean arc length. 3.0
    and 0.03 were measured against 0.1 and 0.001 at 40 000 iterations from the same start
    plans (gap to the best-known distance, per seed): lr1_2_2 1.4 / 5.6 / 4.8 % against
    8.0 / 6.6 / 2.6 % (seeds 0 / 1 / 2), lrc1_2_2 0.34 / 0.34 % against 4.6 / 3.7 %
    (seeds 1 / 2), lrc2_2_2 23.2 / 26.1 % against 28.3 / 25.7 %, a7-70 0.98 % against 2.85 %,
    a8-80 1.35 % against 1.57 %, b8-80 0.69 % against 1.06 % (seed 1); equal on lc104,
    lr112 and lrc206 (20 000 iterations).
    ``bank_penalty``: cost of a request left in the bank (unplaced for now), in mean arc
    lengths; ``inf`` = every step must place every request. ``spare_routes``: routes the
    search may open beyond the plan's count for a while, each at ``open_penalty`` mean arc
    lengths (the best plan never has them).
    ``chunk``: iterations between time checks (each reseeded from ``seed``).
    ``max_iterations``: stop after this many iterations (whole chunks; the temperature then
    falls over the iterations instead of the time), for runs reproducible bit for bit.
    """

    min_removed: int = 2
    max_removed: int = 30
    operators: tuple[str, ...] = ("random", "related", "worst", "route", "string")
    adaptive: bool = True
    reaction: float = 0.1
    blink: float = 0.01
    t_start: float = 3.0
    t_end: float = 0.03
    bank_penalty: float = 10.0
    spare_routes: int = 1
    open_penalty: float = 100.0
    chunk: int = 500
    seed: int = 0
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.min_removed <= self.max_removed:
            raise ValueError("min_removed must be >= 1 and <= max_removed, got "
                             f"{self.min_removed} and {self.max_removed}")
        bad = [o for o in self.operators if o not in OPERATORS]
        if bad or not self.operators:
            raise ValueError(f"operators must be a non-empty subset of {OPERATORS}, got "
                             f"{self.operators}")
        for name in ("reaction", "blink"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        if not self.t_start >= self.t_end > 0:
            raise ValueError(f"t_start must be >= t_end > 0, got {self.t_start}, {self.t_end}")
        if self.chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {self.chunk}")
        if self.spare_routes < 0:
            raise ValueError(f"spare_routes must be >= 0, got {self.spare_routes}")
        if not self.open_penalty > 0:
            raise ValueError(f"open_penalty must be > 0, got {self.open_penalty}")
        if not self.bank_penalty > 0:
            raise ValueError(f"bank_penalty must be > 0, got {self.bank_penalty}")


@dataclass(frozen=True)
class LnsResult:
    """The best plan found (location sequences without depots) and its distance."""

    routes: list[list[int]]
    distance_start: float
    distance: float
    iterations: int
    accepted: int
    wall_time_s: float
    #: steps of each removal operator, and its weight at the end
    operator_uses: dict[str, int] = field(default_factory=dict)
    operator_weights: dict[str, float] = field(default_factory=dict)


def improve_distance(problem: RoutingProblem, routes: Sequence[Sequence[int]],
                     time_limit_s: float, options: LnsOptions | None = None, *,
                     tw_early: np.ndarray | None = None,
                     tw_late: np.ndarray | None = None,
                     max_routes: int | None = None) -> LnsResult:
    """Lower the distance of the complete, feasible plan ``routes`` using at most
    ``max(len(routes), max_routes)`` routes (``max_routes``: the vehicles a problem without
    a fixed vehicle cost may use; ``None``: never more routes than the plan has).

    Same conditions as :func:`kl_mobility.routing.ges.minimise_routes` (identical
    vehicles; windows may be pre-tightened). Returns the best plan found.
    """
    opts = options or LnsOptions()
    p = problem
    t0 = _time.perf_counter()
    arr = kernel_arrays(p, p.tw_early if tw_early is None else tw_early,
                        p.tw_late if tw_late is None else tw_late)
    nreq = p.n_requests
    n_start = sum(1 for r in routes if len(r))
    nr = max(n_start, max_routes or 0)
    used, R, L, rt = plan_arrays(p, routes, opts.spare_routes + nr - n_start,
                                 "improve_distance")
    pu, de = p.pickups, p.deliveries
    rel = p.dist[pu][:, pu] + p.dist[de][:, de]
    related = np.argsort(rel, axis=1, kind="stable").astype(np.int64)

    def total(RR: np.ndarray, LL: np.ndarray) -> float:
        return float(sum(p.fixed_cost + route_dist(RR[k], LL[k], p.dist, arr["d0"], arr["d1"])
                         for k in range(RR.shape[0]) if LL[k] > 0))

    start = total(R, L)
    cur = best = start
    BR, BL = R.copy(), L.copy()
    n_arcs = max(1, p.n_locations)
    mean_arc = float(p.dist.sum()) / (n_arcs * n_arcs)
    t_hi, t_lo = opts.t_start * mean_arc, opts.t_end * mean_arc
    iterations = accepted = 0
    chunk_no = 0
    bank = np.zeros(nreq, dtype=np.int64)
    nbank = np.zeros(1, dtype=np.int64)
    cap_it = opts.max_iterations
    req_of = p.request_of()
    max_removed = max(opts.min_removed, min(opts.max_removed, max(SMALL_RUIN, nreq // 3)))
    on = np.array([name in opts.operators for name in OPERATORS])
    weights = np.where(on, 1.0, 0.0)
    op_uses = np.zeros(N_OPERATORS, dtype=np.int64)  # over the whole run
    plan = LnsPlan(R, L, rt, bank, nbank, BR, BL)
    inst = tuple(Instance(**arr))
    while nreq and nr and (el := _time.perf_counter() - t0) < time_limit_s and (
            cap_it is None or iterations < cap_it):
        seed = (opts.seed * 1_000_003 + chunk_no) % (2**31 - 1)
        if cap_it is not None:
            f0, f1 = iterations / cap_it, min(1.0, (iterations + opts.chunk) / cap_it)
        else:
            # the chunk covers an estimated slice of the schedule (measured pace so far)
            f0 = el / time_limit_s
            pace = (el / iterations) if iterations else 1e-3
            f1 = min(1.0, f0 + opts.chunk * pace / time_limit_s)
        temp0 = t_hi * (t_lo / t_hi) ** f0
        temp1 = t_hi * (t_lo / t_hi) ** f1
        scores = np.zeros(N_OPERATORS)
        uses = np.zeros(N_OPERATORS, dtype=np.int64)
        step = LnsStep(R.shape[0], nr, best, cur, float(p.fixed_cost),
                       opts.bank_penalty * mean_arc, opts.open_penalty * mean_arc,
                       opts.min_removed, max_removed, opts.blink, temp0, temp1, opts.chunk,
                       seed)
        tables = LnsTables(pu, de, related, req_of, weights, scores, uses)
        cur, best, acc = lns_chunk(tuple(plan), tuple(tables), tuple(step), inst)
        op_uses += uses
        if opts.adaptive:
            weights = _adapt(weights, scores, uses, on, opts.reaction)
        chunk_no += 1
        iterations += opts.chunk
        accepted += int(acc)
    out = [list(map(int, BR[k, :BL[k]])) for k in range(BR.shape[0]) if BL[k] > 0]
    n_used = len(out)
    return LnsResult(routes=out, distance_start=start - p.fixed_cost * n_start,
                     distance=best - p.fixed_cost * n_used, iterations=iterations,
                     accepted=accepted, wall_time_s=_time.perf_counter() - t0,
                     operator_uses={name: int(op_uses[i]) for i, name in enumerate(OPERATORS)
                                    if on[i]},
                     operator_weights={name: float(weights[i])
                                       for i, name in enumerate(OPERATORS) if on[i]})


def _adapt(weights: np.ndarray, scores: np.ndarray, uses: np.ndarray, on: np.ndarray,
           reaction: float) -> np.ndarray:
    """The weights after a chunk: each used operator's weight moves ``reaction`` of the way
    towards its mean score per use; none falls below ``MIN_WEIGHT_SHARE`` of the mean."""
    mean_score = np.divide(scores, uses, out=np.zeros_like(scores), where=uses > 0)
    new = np.where(uses > 0, (1 - reaction) * weights + reaction * mean_score, weights)
    floor = MIN_WEIGHT_SHARE * float(new[on].mean())
    return np.where(on, np.maximum(new, floor), 0.0)
