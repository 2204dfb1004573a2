"""Static pickup-and-delivery / dial-a-ride solver on OR-Tools, with an independent checker.

- :class:`RoutingProblem` — locations with travel-time and distance matrices, requests,
  vehicles; :func:`solve` — OR-Tools search returning a checked :class:`Solution`;
- :func:`check_routes` — the independent feasibility checker (usable on any plan);
- :func:`read_cordeau`, :func:`read_li_lim`, :func:`read_instance` — benchmark readers.
"""

from __future__ import annotations

from kl_mobility._lazy import lazy_namespace

_LAZY = {
    "check_routes": "kl_mobility.routing.checker",
    "SearchOptions": "kl_mobility.routing.options",
    "solve": "kl_mobility.routing.model",
    "BenchmarkInstance": "kl_mobility.routing.readers",
    "InstanceFormatError": "kl_mobility.routing.readers",
    "read_bks": "kl_mobility.routing.readers",
    "read_cordeau": "kl_mobility.routing.readers",
    "read_instance": "kl_mobility.routing.readers",
    "read_li_lim": "kl_mobility.routing.readers",
    "CheckReport": "kl_mobility.routing.types",
    "Route": "kl_mobility.routing.types",
    "RoutingProblem": "kl_mobility.routing.types",
    "Solution": "kl_mobility.routing.types",
    "SolveStats": "kl_mobility.routing.types",
    "Stop": "kl_mobility.routing.types",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
