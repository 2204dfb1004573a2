"""The ``rtv`` policy: request-trip-vehicle batch pooling with an integer program.

Every ``batch_interval_s`` the waiting requests are assigned together (after Alonso-Mora
et al., 2017, "On-demand high-capacity ride-sharing via dynamic trip-vehicle assignment",
PNAS 114(3)):

1. **Request-vehicle graph**: the best insertion of each request into each available
   vehicle on its own (the insertion kernel's cost matrix); each request keeps its
   ``candidates_per_request`` cheapest feasible vehicles (per vehicle type; ties to the
   lower vehicle id).
2. **Trips**: per vehicle, every set of up to ``max_trip_size`` kept requests that the
   vehicle can serve together on top of its schedule, found level by level with the
   request-request pruning and sequential insertion as feasibility and cost test
   (:mod:`kl_mobility.kernels.rtv`).
3. **Assignment**: OR-Tools CP-SAT chooses at most one trip per vehicle and at most one
   trip per request, maximising the number of requests assigned first and the summed trip
   cost (the scenario's ``dispatch.cost``, added vehicle seconds by default) second:
   objective ``sum(x_t * (cost_t - M * size_t))`` with ``M`` above any achievable cost
   sum. The search runs on one worker with a fixed seed and a *deterministic* time limit
   (``time_limit_det``, CP-SAT's deterministic time units), so the same inputs give the
   same plan; a greedy assignment (the vehicles' current plans, then largest trips first,
   then cheapest) is the hint. When the limit ends the search before optimality the best
   plan found is used; when it ends before CP-SAT found any plan (large rounds, e.g. with
   many requests kept waiting), the hint is used, counted in the policy's
   ``stats["hint_rounds"]`` and warned about once (logging).
4. The chosen trips are inserted request by request at the positions found in step 2;
   rounds repeat (up to ``dispatch.max_rounds``) while they assign something, so a vehicle
   can take further requests on top of its new trip.

Re-assignment (option ``reassign``, off by default for its CPU cost, see
:class:`RTVOptions`): at the start of every batch the
requests assigned earlier and not yet picked up are taken off their vehicles
(:meth:`~kl_mobility.dispatch.base.DispatchContext.unassign`) and join the batch's first
round. Each released vehicle's former plan is one more trip (its requests re-inserted at
the positions that rebuild the plan, priced by
:func:`kl_mobility.kernels.rtv.replay_cost`), and the integer program must assign every
released request again (``choose_trips(current=...)``): to its vehicle, or to another one
when that serves more requests or costs less. Keeping every plan is always a feasible
choice (and the hint), so nothing assigned is ever dropped. Only vehicles that can take
requests again are released (available, in service, room for two more stops once
released); re-optimisation happens in batches with new requests.

Rebalancing (option ``rebalance``, on by default; after Alonso-Mora et al.): after the
rounds of a batch, the vehicles that are idle (available, parked, no schedule) are sent
toward the origins of the batch's requests left unassigned, at most one vehicle per
request and one request per vehicle, minimising the summed travel time (a linear
assignment). A vehicle on its way stays available and is re-planned from the next node
it reaches when it gets a request. With ``service.unserved = "keep"`` the request waits
and the vehicle heading to it can take it in a later batch; with ``"reject"`` it is
rejected, and the move is a bet that more demand comes from where demand was just left
unserved. The engine's periodic ``rebalance`` hook stays unused (interval 0).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from kl_mobility.config import check_range
from kl_mobility.dispatch.base import DispatchContext, PolicyOptions

__all__ = ["RTVOptions", "RTVPolicy", "choose_trips", "rebuild_plan"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RTVOptions:
    """Options of the ``rtv`` policy (``[dispatch.options]``).

    - ``batch_interval_s``: seconds between batches (30 s, an assumption; 10-60 s is the
      range used in the literature).
    - ``max_trip_size``: most requests assigned to one vehicle in one batch round (3;
      seats bound it as well).
    - ``time_limit_det``: CP-SAT's deterministic time limit per batch round (1.0 units,
      roughly a second of search; deterministic, unlike a wall-clock limit).
    - ``candidates_per_request``: vehicles kept per request in the request-vehicle graph
      (10, the cheapest feasible ones).
    - ``reassign``: re-optimise the requests assigned and not yet picked up with every
      batch (true); false (default): they stay with their vehicle. Off by default for its
      CPU cost: every batch then re-enumerates hundreds of requests, and on a
      24,715-request Kaiserslautern day an rtv run with it took well over 3 min CPU (50
      and 200 vans; unfinished) against 10-24 s without.
    - ``rebalance``: after each batch send idle vehicles toward the requests it left
      unassigned (true; see the module docstring); false: idle vehicles stay put.
    """

    batch_interval_s: int = 30
    max_trip_size: int = 3
    time_limit_det: float = 1.0
    candidates_per_request: int = 10
    reassign: bool = False
    rebalance: bool = True

    def __post_init__(self) -> None:
        check_range("batch_interval_s", self.batch_interval_s, 1, 3600)
        check_range("max_trip_size", self.max_trip_size, 1, 8)
        check_range("time_limit_det", self.time_limit_det, 0.001, 3600.0)
        check_range("candidates_per_request", self.candidates_per_request, 1, 10_000)


Plan = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Insertions ``(requests, i, j)`` that, committed in order, build a vehicle's plan."""


def rebuild_plan(seq: np.ndarray, pickup: np.ndarray, mine: np.ndarray) -> Plan:
    """The insertions that rebuild a vehicle's planned stops ``seq`` (request per stop,
    ``pickup`` flags) from the same stops without the requests ``mine`` (both stops of
    each planned): the requests of ``mine`` by the order of their pickups, each at the
    positions its two stops have among the stops present after it is inserted.
    E.g. stops [a+, b+, a-, c-, b-] without a and b ([c-]): a at (0, 0)
    -> [a+, a-, c-], then b at (1, 3) -> [a+, b+, a-, c-, b-]."""
    own = {int(r) for r in mine.tolist()}
    present = {k for k, r in enumerate(seq.tolist()) if int(r) not in own}
    order, ii, jj = [], [], []
    for k in np.flatnonzero(pickup).tolist():
        r = int(seq[k])
        if r not in own:
            continue
        q = next(x for x in range(k + 1, len(seq)) if int(seq[x]) == r)
        present.update((k, q))
        rows = sorted(present)
        order.append(r)
        ii.append(rows.index(k))
        jj.append(rows.index(q) - 1)
    return (np.array(order, np.int64), np.array(ii, np.int64), np.array(jj, np.int64))


def keep_candidates(cost: np.ndarray, n: int) -> np.ndarray:
    """bool[R, K]: for each row the ``n`` cheapest feasible columns (ties: lower column)."""
    from kl_mobility.kernels.insertion import INFEASIBLE

    order = np.argsort(cost, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(cost.shape[1])[None, :].repeat(cost.shape[0], 0),
                      axis=1)
    return (rank < n) & (cost != INFEASIBLE)


def _greedy(vehicle: np.ndarray, members: list[np.ndarray], cost: np.ndarray,
            size: np.ndarray, cur: list[int]) -> list[int]:
    """A feasible choice: the trips ``cur``, then greedily the largest, then cheapest,
    then lowest-index trips whose vehicle and requests are still free."""
    used_v: set[int] = set()
    used_r: set[int] = set()
    cur_set = set(cur)
    rest = np.lexsort((np.arange(len(cost)), cost, -size)).tolist()
    out = []
    for t in cur + [t for t in rest if t not in cur_set]:
        rs = members[t].tolist()
        if int(vehicle[t]) not in used_v and not used_r.intersection(rs):
            used_v.add(int(vehicle[t]))
            used_r.update(rs)
            out.append(t)
    return out


def choose_trips(vehicle: np.ndarray, members: list[np.ndarray], cost: np.ndarray,
                 time_limit_det: float, current: np.ndarray | None = None,
                 stats: dict[str, int] | None = None) -> np.ndarray:
    """Indices of the chosen trips: at most one per vehicle and one per request, most
    requests first, then least summed cost (CP-SAT, one worker, seed 0, deterministic time
    limit). ``vehicle[t]`` and ``members[t]`` (request ids) describe trip ``t``.

    ``current``: indices of the vehicles' current plans (disjoint trips, at most one per
    vehicle) when assigned requests are re-optimised: every request of them must be in
    exactly one chosen trip (possibly another one), and taking them all is a feasible
    choice, which the hint starts from.

    The hint (the current plans, then greedy) is a feasible choice; when the time limit
    ends the search before CP-SAT has found any plan, the hint is returned and counted in
    ``stats["hint_rounds"]`` (``stats["rounds"]`` counts every call)."""
    from ortools.sat.python import cp_model

    n = len(cost)
    if n == 0:
        return np.zeros(0, np.int64)
    size = np.array([len(m) for m in members], np.int64)
    # M above any achievable cost sum: the dearest trip of every vehicle, summed
    top: dict[int, int] = {}
    for v, c in zip(vehicle.tolist(), np.abs(cost).tolist(), strict=True):
        top[v] = max(top.get(v, 0), c)
    big = 1 + sum(top.values())
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"t{t}") for t in range(n)]
    by_vehicle: dict[int, list[int]] = {}
    by_request: dict[int, list[int]] = {}
    for t in range(n):
        by_vehicle.setdefault(int(vehicle[t]), []).append(t)
        for r in members[t].tolist():
            by_request.setdefault(int(r), []).append(t)
    cur = [] if current is None else [int(t) for t in current.tolist()]
    must = {int(r) for t in cur for r in members[t].tolist()}
    for r, group in by_request.items():
        if r in must:
            model.add_exactly_one(x[t] for t in group)
        elif len(group) > 1:
            model.add_at_most_one(x[t] for t in group)
    for group in by_vehicle.values():
        if len(group) > 1:
            model.add_at_most_one(x[t] for t in group)
    model.minimize(sum(x[t] * int(cost[t] - big * size[t]) for t in range(n)))
    # hint: the current plans, then greedy: largest trips first, then cheapest, then
    # lowest index
    hint = _greedy(vehicle, members, cost, size, cur)
    taken = set(hint)
    for t in range(n):
        model.add_hint(x[t], t in taken)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = float(time_limit_det)
    status = solver.solve(model)
    if stats is not None:
        stats["rounds"] = stats.get("rounds", 0) + 1
    if status == cp_model.UNKNOWN:
        if stats is not None:
            stats["hint_rounds"] = stats.get("hint_rounds", 0) + 1
        return np.array(sorted(hint), np.int64)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"rtv: CP-SAT found no assignment (status "
                           f"{solver.status_name(status)})")
    return np.array([t for t in range(n) if solver.boolean_value(x[t])], np.int64)


class RTVPolicy:
    """Request-trip-vehicle batch pooling (module docstring)."""

    Options = RTVOptions

    def __init__(self, config: PolicyOptions) -> None:
        self.config = config
        opts = config.policy_options()
        self.opts: RTVOptions = opts if opts is not None else RTVOptions()
        self.batch_interval_s = self.opts.batch_interval_s
        self.rebalance_interval_s = 0
        self.stats: dict[str, int] = {"rounds": 0, "hint_rounds": 0}
        self._warned = False

    def _release(self, ctx: DispatchContext) -> tuple[np.ndarray, dict[int, Plan]]:
        """Take every request not yet picked up off its vehicle (:meth:`unassign`); return
        them and, per vehicle, the insertions that rebuild its plan as it was."""
        held, vehicles = ctx.unpicked()
        plans: dict[int, Plan] = {}
        for v in np.unique(vehicles).tolist():
            seq, pick = ctx.planned_requests(v)
            plans[v] = rebuild_plan(seq, pick, held[vehicles == v])
        for r in held.tolist():
            ctx.unassign(int(r))
        return held, plans

    def _round(self, ctx: DispatchContext, reqs: np.ndarray,
               plans: dict[int, Plan] | None = None) -> np.ndarray:
        """One assignment round over the request ids ``reqs``; bool mask of assigned.
        ``plans``: the released vehicles' former plans (their requests are in ``reqs``
        and must all be assigned again, to these or other vehicles)."""
        from kl_mobility.kernels.insertion import INFEASIBLE, insertion_cost_matrix
        from kl_mobility.kernels.rtv import enumerate_trips, replay_cost

        o = self.opts
        plans = plans or {}
        t_vehicle: list[int] = []
        t_cost: list[int] = []
        t_members: list[np.ndarray] = []
        t_plan: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        current: list[int] = []
        for tables, cand, fleet, sched, batch, rows, rules in ctx.insertion_inputs(reqs):
            rv = insertion_cost_matrix(tables, cand, fleet, sched, batch, rules=rules)
            keep = keep_candidates(rv[0], o.candidates_per_request)
            trips = enumerate_trips(tables, cand, fleet, sched, batch, rules, rv,
                                    keep, o.max_trip_size)
            for t in range(len(trips)):
                s = int(trips.size[t])
                t_vehicle.append(int(cand[trips.k[t]]))
                t_cost.append(int(trips.cost[t]))
                t_members.append(reqs[rows[trips.members[t, :s]]])
                t_plan.append((reqs[rows[trips.order[t, :s]]], trips.i[t, :s], trips.j[t, :s]))
            batch_row = {int(r): b for b, r in enumerate(reqs[rows].tolist())}
            for v in sorted(set(plans).intersection(cand.tolist())):
                order, ii, jj = plans[v]
                c = replay_cost(tables, fleet, sched, batch, rules, v,
                                ([batch_row[int(r)] for r in order.tolist()], ii, jj))
                if c == INFEASIBLE:
                    raise RuntimeError(f"rtv: the current plan of vehicle {v} no longer "
                                       f"replays feasibly")
                current.append(len(t_cost))
                t_vehicle.append(v)
                t_cost.append(c)
                t_members.append(np.sort(order))
                t_plan.append(plans[v])
        if len(current) != len(plans):
            raise RuntimeError("rtv: a released vehicle is not a candidate of its type")
        assigned = np.zeros(len(reqs), bool)
        if not t_cost:
            return assigned
        vehicle = np.array(t_vehicle, np.int64)
        chosen = choose_trips(vehicle, t_members, np.array(t_cost, np.int64),
                              o.time_limit_det, np.array(current, np.int64), self.stats)
        if self.stats.get("hint_rounds", 0) == 1 and not self._warned:
            self._warned = True
            logger.warning("rtv: CP-SAT's time limit (time_limit_det = %s) ended a round "
                           "before it found a plan; the greedy plan was used (counted in "
                           "the policy's stats['hint_rounds'])", o.time_limit_det)
        pos = {int(r): k for k, r in enumerate(reqs.tolist())}
        for t in chosen[np.argsort(vehicle[chosen], kind="stable")].tolist():
            order, ii, jj = t_plan[t]
            for r, i, j in zip(order.tolist(), ii.tolist(), jj.tolist(), strict=True):
                ctx.commit(int(r), int(vehicle[t]), int(i), int(j))
                assigned[pos[int(r)]] = True
        return assigned

    def dispatch(self, ctx: DispatchContext, reqs: np.ndarray) -> np.ndarray:
        reqs = np.asarray(reqs, np.int64)
        assigned = np.zeros(len(reqs), bool)
        held, plans = (self._release(ctx) if self.opts.reassign
                       else (np.zeros(0, np.int64), {}))
        for rnd in range(self.config.max_rounds):
            open_idx = np.flatnonzero(~assigned)
            if open_idx.size == 0 and (rnd > 0 or held.size == 0):
                break
            pool = reqs[open_idx]
            if rnd == 0 and held.size:
                pool = np.concatenate([pool, held])
            got = self._round(ctx, pool, plans if rnd == 0 else None)
            new = got[: open_idx.size]
            assigned[open_idx[new]] = True
            if not new.any():
                break
        if self.opts.rebalance:
            self._send_idle(ctx, reqs[~assigned])
        return assigned

    def _send_idle(self, ctx: DispatchContext, left: np.ndarray) -> None:
        """Send idle vehicles toward the origins of the requests this batch left
        unassigned: at most one vehicle per request and one request per vehicle, least
        summed travel time (a linear assignment, scipy, deterministic)."""
        from scipy.optimize import linear_sum_assignment

        idle = ctx.idle_vehicles()
        if idle.size == 0 or left.size == 0:
            return
        origins = ctx.request_origins(left)
        nodes = ctx.vehicle_nodes(idle)
        tt = ctx.travel_time(np.repeat(nodes, origins.size), np.tile(origins, nodes.size))
        rows, cols = linear_sum_assignment(tt.reshape(nodes.size, origins.size))
        for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
            ctx.send_vehicle(int(idle[a]), int(origins[b]))

    def rebalance(self, ctx: DispatchContext) -> None:
        return None
