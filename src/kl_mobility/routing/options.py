"""Options of the static solver :func:`kl_mobility.routing.model.solve` (their own module,
so that the OR-Tools model and the solver both read them without importing each other)."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import routing_enums_pb2

from kl_mobility.config import check_choice, check_range

__all__ = ["FIRST_SOLUTION_STRATEGIES", "METAHEURISTICS", "ROUTE_MINIMISERS", "SearchOptions"]

FIRST_SOLUTION_STRATEGIES = tuple(
    k for k in routing_enums_pb2.FirstSolutionStrategy.Value.keys() if k != "UNSET"
)
METAHEURISTICS = tuple(
    k for k in routing_enums_pb2.LocalSearchMetaheuristic.Value.keys() if k != "UNSET"
)
#: ``ges``: guided ejection search (:mod:`kl_mobility.routing.ges`); ``ortools``: remove a
#: route and let OR-Tools re-insert its requests (the earlier pass, kept for comparison).
ROUTE_MINIMISERS = ("ges", "ortools")
#: Most workers of the distance search (``SearchOptions.num_workers``).
MAX_WORKERS = 16


@dataclass(frozen=True)
class SearchOptions:
    """Search parameters of the OR-Tools solver.

    ``time_limit_s``: wall-clock budget of the whole solve (all phases).
    ``first_solution``: an OR-Tools ``FirstSolutionStrategy`` name; ``None`` = measured
    defaults: ``PARALLEL_CHEAPEST_INSERTION`` for problems with a fixed vehicle cost (it
    builds plans with fewer vehicles on Li & Lim), else ``LOCAL_CHEAPEST_INSERTION`` (it
    completes tight dial-a-ride instances where the parallel variant leaves requests out).
    Other strategies are tried in turn while a plan leaves requests unserved.
    ``metaheuristic``: an OR-Tools ``LocalSearchMetaheuristic`` name.
    ``num_workers``: independent workers of the distance search after the ejection search
    (ruin and recreate from their own start plans and seeds, at once in threads; the best
    plan by routes, distance and worker number is kept, see
    :func:`kl_mobility.routing.model._distance_portfolio`); 1 = one worker, no threads.
    OR-Tools' own search stays single-threaded.
    ``vehicle_reduction``: run the route-reduction pass; ``None`` = when the problem has a
    fixed vehicle cost. ``reduction_share``: share of the budget for the first solve and the
    reduction pass, the rest polishes distance.
    ``time_scale`` / ``cost_scale``: integer scaling of times and costs; ``None`` = 1 when
    all values are integral, else 1000.
    """

    time_limit_s: float = 10.0
    first_solution: str | None = None
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    num_workers: int = 1
    vehicle_reduction: bool | None = None
    route_minimiser: str = "ges"
    reduction_share: float = 0.7
    seed: int = 0
    time_scale: float | None = None
    cost_scale: float | None = None
    log_search: bool = False

    def __post_init__(self) -> None:
        check_range("time_limit_s", self.time_limit_s, 0.0, lo_open=True)
        if self.first_solution is not None:
            check_choice("first_solution", self.first_solution, FIRST_SOLUTION_STRATEGIES)
        check_choice("metaheuristic", self.metaheuristic, METAHEURISTICS)
        check_range("num_workers", self.num_workers, 1, MAX_WORKERS)
        check_range("reduction_share", self.reduction_share, 0.0, 1.0)
        check_choice("route_minimiser", self.route_minimiser, ROUTE_MINIMISERS)
        if self.time_scale is not None:
            check_range("time_scale", self.time_scale, 0.0, lo_open=True)
        if self.cost_scale is not None:
            check_range("cost_scale", self.cost_scale, 0.0, lo_open=True)
