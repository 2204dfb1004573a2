"""The OR-Tools routing model of a :class:`RoutingProblem` (see :mod:`kl_mobility.routing.model`
for the formulation and the searches that use it)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from kl_mobility.routing.arrays import tightened_windows
from kl_mobility.routing.options import SearchOptions
from kl_mobility.routing.types import RoutingProblem

__all__ = ["OrToolsModel", "auto_scale"]

log = logging.getLogger(__name__)


def auto_scale(*arrays: np.ndarray) -> float:
    """1 when every finite value is integral (exact integer model), else 1000."""
    vals = np.concatenate([np.ravel(a) for a in arrays])
    vals = vals[np.isfinite(vals)]
    return 1.0 if np.all(vals == np.round(vals)) else 1000.0


def _const(value: int):
    def limit(_pickup_alt: int, _delivery_alt: int) -> int:
        return value
    return limit


class OrToolsModel:
    """One OR-Tools routing model of ``problem`` with ``n_vehicles`` of its vehicles."""

    def __init__(self, p: RoutingProblem, n_vehicles: int, ts: float, cs: float,
                 fixed_cost: float, drop_penalty: float | None,
                 soft_late_coef: int = 0) -> None:
        self.p, self.k, self.ts, self.cs = p, n_vehicles, ts, cs
        self._keep: list[object] = []  # Python callbacks must outlive the model
        n = p.n_locations
        starts = [int(x) for x in p.start[:n_vehicles]]
        ends = [int(x) for x in p.end[:n_vehicles]]
        self.manager = pywrapcp.RoutingIndexManager(n, n_vehicles, starts, ends)
        self.routing = routing = pywrapcp.RoutingModel(self.manager)
        solver = routing.solver()
        cost = np.rint(p.dist * cs).astype(np.int64)
        cost_cb = routing.RegisterTransitMatrix(cost.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        if fixed_cost > 0:
            routing.SetFixedCostOfAllVehicles(int(round(fixed_cost * cs)))
        transit = np.ceil((p.service[:, None] + p.time) * ts - 1e-9).astype(np.int64)
        e, lt = tightened_windows(p)
        early = np.ceil(e * ts - 1e-9).astype(np.int64)
        late = np.floor(lt * ts + 1e-9).astype(np.int64)
        horizon = int(late.max())
        time_cb = routing.RegisterTransitMatrix(transit.tolist())
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        self.time = tdim = routing.GetDimensionOrDie("time")
        load_cb = routing.RegisterUnaryTransitVector([int(x) for x in p.load])
        routing.AddDimensionWithVehicleCapacity(
            load_cb, 0, [int(c) for c in p.capacity[:n_vehicles]], True, "load")
        for loc in np.concatenate([p.pickups, p.deliveries]):
            idx = self.manager.NodeToIndex(int(loc))
            if soft_late_coef > 0:  # lateness allowed at a cost (route reduction)
                tdim.CumulVar(idx).SetRange(int(early[loc]), horizon)
                tdim.SetCumulVarSoftUpperBound(idx, int(late[loc]), soft_late_coef)
            else:
                tdim.CumulVar(idx).SetRange(int(early[loc]), int(late[loc]))
        for v in range(n_vehicles):
            s, e = routing.Start(v), routing.End(v)
            tdim.CumulVar(s).SetRange(int(early[starts[v]]), int(late[starts[v]]))
            tdim.CumulVar(e).SetRange(int(early[ends[v]]), int(late[ends[v]]))
            if np.isfinite(p.max_duration[v]):
                tdim.SetSpanUpperBoundForVehicle(int(math.floor(p.max_duration[v] * ts + 1e-9)),
                                                 v)
            routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(e))
            routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(s))
        for r in range(p.n_requests):
            pu, de = int(p.pickups[r]), int(p.deliveries[r])
            pi, di = self.manager.NodeToIndex(pu), self.manager.NodeToIndex(de)
            routing.AddPickupAndDelivery(pi, di)
            solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
            solver.Add(tdim.CumulVar(pi) <= tdim.CumulVar(di))
            if np.isfinite(p.max_ride[r]):
                lim = int(math.floor((p.max_ride[r] + p.service[pu]) * ts + 1e-9))
                # native limit: seen by the dimension filters, so local search prunes
                # ride-time-infeasible moves; the CP constraint guarantees it
                cb = _const(lim)
                self._keep.append(cb)
                tdim.SetPickupToDeliveryLimitFunctionForPair(cb, r)
                solver.Add(tdim.CumulVar(di) - tdim.CumulVar(pi) <= lim)
            if drop_penalty is not None:
                routing.AddDisjunction([pi], int(round(drop_penalty * cs)))
                routing.AddDisjunction([di], 0)
                solver.Add(routing.ActiveVar(pi) == routing.ActiveVar(di))

    def params(self, opts: SearchOptions, seconds: float):
        prm = pywrapcp.DefaultRoutingSearchParameters()
        prm.first_solution_strategy = getattr(
            routing_enums_pb2.FirstSolutionStrategy, opts.first_solution or "AUTOMATIC")
        prm.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, opts.metaheuristic)
        prm.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
        prm.log_search = opts.log_search
        return prm

    def solve(self, opts: SearchOptions, seconds: float,
              initial: Sequence[Sequence[int]] | None = None):
        prm = self.params(opts, seconds)
        if initial is not None:
            idx = [[self.manager.NodeToIndex(int(x)) for x in r] for r in initial]
            idx += [[] for _ in range(self.k - len(idx))]
            start = self.routing.ReadAssignmentFromRoutes(idx, True)
            if start is not None:
                return self.routing.SolveFromAssignmentWithParameters(start, prm)
            log.debug("initial routes rejected by the model; solving from scratch")
        return self.routing.SolveWithParameters(prm)

    def routes(self, assignment) -> list[list[int]]:
        out = []
        for v in range(self.k):
            idx = self.routing.Start(v)
            seq = []
            idx = assignment.Value(self.routing.NextVar(idx))
            while not self.routing.IsEnd(idx):
                seq.append(self.manager.IndexToNode(idx))
                idx = assignment.Value(self.routing.NextVar(idx))
            out.append(seq)
        return out

    def status(self) -> str:
        st = self.routing.status()
        try:
            return routing_enums_pb2.RoutingSearchStatus.Value.Name(st)
        except ValueError:  # pragma: no cover - older enum layouts
            return str(st)
