"""The built-in dispatch policies: ``insertion``, ``batch`` and ``rebalancing``."""

from __future__ import annotations

import numpy as np

from kl_mobility.dispatch.base import DispatchContext, PolicyOptions

__all__ = ["BatchPolicy", "InsertionPolicy", "RebalancingPolicy", "assign_min_cost",
           "rebalancing_flows"]

INFEASIBLE = np.iinfo(np.int64).max
"""Cost marking an impossible request-vehicle pair (same as the insertion kernel's)."""

_UNASSIGNED_COST = 10**8
"""Cost of leaving a request unassigned in a batch round: above any insertion cost, so the
assignment first maximises the number served, then minimises the summed cost."""


class InsertionPolicy:
    """Immediate dispatch: each request goes to its cheapest feasible insertion at once."""

    def __init__(self, config: PolicyOptions) -> None:
        self.config = config
        self.batch_interval_s = 0
        self.rebalance_interval_s = 0

    def dispatch(self, ctx: DispatchContext, reqs: np.ndarray) -> np.ndarray:
        assigned = np.zeros(len(reqs), bool)
        for k, r in enumerate(reqs):
            cost, v, i, j = ctx.best_insertion(int(r))
            if v >= 0:
                ctx.commit(int(r), v, i, j)
                assigned[k] = True
        return assigned

    def rebalance(self, ctx: DispatchContext) -> None:
        return None


def assign_min_cost(cost: np.ndarray) -> np.ndarray:
    """Rows -> column (or -1) minimising the number unassigned, then the summed cost.

    ``cost`` int64[R, K] with ``INFEASIBLE`` where a pair is not allowed. Solved with OR-Tools'
    ``SimpleLinearSumAssignment``, which needs a perfect matching: the square problem has
    the R rows plus one dummy row per usable column on the left, and the usable columns plus
    one "unassigned" column per row on the right (row r -> its own unassigned column costs
    more than any insertion; dummy rows take any column at cost 0).
    """
    from ortools.graph.python import linear_sum_assignment

    n_rows = cost.shape[0]
    out = np.full(n_rows, -1, np.int64)
    feasible = cost != INFEASIBLE
    used = np.flatnonzero(feasible.any(axis=0))
    if used.size == 0:
        return out
    k = used.size
    rows, cols = np.nonzero(feasible[:, used])
    dummy_rows = n_rows + np.arange(k)
    tails = np.concatenate([rows, np.arange(n_rows), dummy_rows,
                            np.repeat(dummy_rows, n_rows)])
    heads = np.concatenate([cols, k + np.arange(n_rows), np.arange(k),
                            np.tile(k + np.arange(n_rows), k)])
    costs = np.concatenate([cost[:, used][rows, cols],
                            np.full(n_rows, _UNASSIGNED_COST, np.int64),
                            np.zeros(k + k * n_rows, np.int64)])
    lsa = linear_sum_assignment.SimpleLinearSumAssignment()
    lsa.add_arcs_with_cost(tails, heads, costs)
    status = lsa.solve()
    if status != lsa.OPTIMAL:
        raise RuntimeError(f"assignment solver failed with status {status}")
    for r in range(n_rows):
        c = lsa.right_mate(r)
        if c < k:
            out[r] = used[c]
    return out


class BatchPolicy:
    """Requests collected over ``batch_interval_s`` are assigned together.

    Each round the kernel computes every request x vehicle insertion cost and OR-Tools
    solves the assignment (at most one new request per vehicle per round); rounds repeat
    (up to ``max_rounds``) while they assign something. Leftovers wait for the next batch
    (with ``service.unserved = "keep"``) or are rejected.
    """

    def __init__(self, config: PolicyOptions) -> None:
        self.config = config
        self.batch_interval_s = config.batch_interval_s
        self.rebalance_interval_s = 0

    def dispatch(self, ctx: DispatchContext, reqs: np.ndarray) -> np.ndarray:
        reqs = np.asarray(reqs, np.int64)
        assigned = np.zeros(len(reqs), bool)
        for _ in range(self.config.max_rounds):
            open_idx = np.flatnonzero(~assigned)
            if open_idx.size == 0:
                break
            cost, vehicles, ii, jj = ctx.cost_matrix(reqs[open_idx])
            if vehicles.size == 0:
                break
            cols = assign_min_cost(cost)
            done = 0
            for k, c in enumerate(cols):
                if c >= 0:
                    ctx.commit(int(reqs[open_idx[k]]), int(vehicles[c]), int(ii[k, c]),
                               int(jj[k, c]))
                    assigned[open_idx[k]] = True
                    done += 1
            if done == 0:
                break
        return assigned

    def rebalance(self, ctx: DispatchContext) -> None:
        return None


def rebalancing_flows(supply: np.ndarray, demand: np.ndarray,
                      cost: np.ndarray) -> list[tuple[int, int, int]]:
    """Min-cost flow moving ``supply[z]`` idle vehicles so zones receive ``demand[z]``.

    ``supply`` and ``demand`` are int arrays over zones with equal sums; ``cost[a, b]`` the
    travel time between zone centres. Returns ``(from_zone, to_zone, vehicles)`` for moves
    between different zones (OR-Tools ``SimpleMinCostFlow``).
    """
    from ortools.graph.python import min_cost_flow

    surplus = supply - demand
    src = np.flatnonzero(surplus > 0)
    dst = np.flatnonzero(surplus < 0)
    if src.size == 0 or dst.size == 0:
        return []
    mcf = min_cost_flow.SimpleMinCostFlow()
    a = np.repeat(src, dst.size)
    b = np.tile(dst, src.size)
    caps = np.repeat(surplus[src], dst.size)
    mcf.add_arcs_with_capacity_and_unit_cost(a, b, caps, cost[a, b].astype(np.int64))
    for z in np.concatenate([src, dst]):
        mcf.set_node_supply(int(z), int(surplus[z]))
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    out = []
    for arc in range(mcf.num_arcs()):
        f = mcf.flow(arc)
        if f > 0:
            out.append((int(mcf.tail(arc)), int(mcf.head(arc)), int(f)))
    return out


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.shape, np.int64)
    share = weights / weights.sum() * total
    base = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(len(share)), -(share - base)))
    base[order[:rest]] += 1
    return base


class RebalancingPolicy(InsertionPolicy):
    """Immediate insertion plus periodic rebalancing of idle vehicles.

    Every ``rebalance_interval_s`` the idle vehicles are spread over square zones of
    ``rebalance_zone_m`` in proportion to the requests expected in the next
    ``rebalance_horizon_s`` (the demand forecast), moving as few vehicle-seconds as possible
    (OR-Tools min-cost flow between zone centres).
    """

    def __init__(self, config: PolicyOptions) -> None:
        super().__init__(config)
        self.rebalance_interval_s = config.rebalance_interval_s

    def rebalance(self, ctx: DispatchContext) -> None:
        idle = ctx.idle_vehicles()
        if idle.size == 0:
            return
        origins = ctx.expected_origins(ctx.now, ctx.now + self.config.rebalance_horizon_s)
        if origins.size == 0:
            return
        x, y = ctx.node_xy()
        size = self.config.rebalance_zone_m
        gx = np.floor((x - x.min()) / size).astype(np.int64)
        gy = np.floor((y - y.min()) / size).astype(np.int64)
        zone_of_node = gx * (gy.max() + 1) + gy
        vnode = ctx.vehicle_nodes(idle)
        zones, inv = np.unique(np.concatenate([zone_of_node[vnode], zone_of_node[origins]]),
                               return_inverse=True)
        vz = inv[: idle.size]
        oz = inv[idle.size:]
        supply = np.bincount(vz, minlength=zones.size)
        want = np.bincount(oz, minlength=zones.size).astype(np.float64)
        demand = _largest_remainder(want, int(idle.size))
        # zone centre: the most frequent expected origin node of the zone, else a vehicle node
        centre = np.empty(zones.size, np.int64)
        for z in range(zones.size):
            cand = origins[oz == z]
            if cand.size:
                vals, counts = np.unique(cand, return_counts=True)
                centre[z] = vals[np.argmax(counts)]
            else:
                centre[z] = vnode[np.flatnonzero(vz == z)[0]]
        cost = ctx.travel_time(np.repeat(centre, zones.size),
                               np.tile(centre, zones.size)).reshape(zones.size, zones.size)
        for za, zb, f in rebalancing_flows(supply, demand, cost):
            members = idle[vz == za]
            t = ctx.travel_time(ctx.vehicle_nodes(members), np.full(members.size, centre[zb]))
            for v in members[np.argsort(t, kind="stable")][:f]:
                ctx.send_vehicle(int(v), int(centre[zb]))
            keep = ~np.isin(idle, members[np.argsort(t, kind="stable")][:f])
            idle, vz = idle[keep], vz[keep]
