"""Static pickup-and-delivery / dial-a-ride solver on OR-Tools, with an independent checker.

- :class:`RoutingProblem` — locations with travel-time and distance matrices, requests,
  vehicles; :func:`solve` — OR-Tools search returning a checked :class:`Solution`;
- :func:`check_routes` — the independent feasibility checker (usable on any plan);
- :func:`read_cordeau`, :func:`read_li_lim`, :func:`read_instance` — benchmark readers.
"""

from __future__ import annotations

from kl_mobility.routing.checker import check_routes
from kl_mobility.routing.model import SearchOptions, solve
from kl_mobility.routing.readers import (
    BenchmarkInstance,
    InstanceFormatError,
    read_bks,
    read_cordeau,
    read_instance,
    read_li_lim,
)
from kl_mobility.routing.types import CheckReport, Route, RoutingProblem, Solution, SolveStats, Stop

__all__ = [
    "BenchmarkInstance",
    "CheckReport",
    "InstanceFormatError",
    "Route",
    "RoutingProblem",
    "SearchOptions",
    "Solution",
    "SolveStats",
    "Stop",
    "check_routes",
    "read_bks",
    "read_cordeau",
    "read_instance",
    "read_li_lim",
    "solve",
]
