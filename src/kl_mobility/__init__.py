"""kl-mobility: mobility-on-demand simulation and optimisation for Kaiserslautern.

The public API, one import away (loaded lazily so the command line starts fast):

- network: :func:`load_network`, :func:`build_oracle`, :func:`snap`, :class:`RoadNetwork`,
  :class:`TravelTimeOracle`;
- demand: :func:`generate_demand`, :func:`requests_from_file`, :class:`ServiceLevel`;
- simulation and dispatch: :func:`simulate`, :data:`DISPATCH_POLICIES`,
  :class:`DispatchPolicy`;
- static routing: :func:`solve`, :func:`check_routes`;
- scenarios and runs: :class:`Scenario`, :func:`scenario_from_file`, :func:`run_scenario`,
  :func:`co2_account`;
- batches and reports: :func:`run_batch`, :func:`write_report`.
"""

from __future__ import annotations

from kl_mobility._lazy import lazy_namespace

__version__ = "0.1.0"

_LAZY = {
    "RoadNetwork": "kl_mobility.network",
    "TravelTimeOracle": "kl_mobility.network",
    "build_oracle": "kl_mobility.network",
    "load_network": "kl_mobility.network",
    "snap": "kl_mobility.network",
    "ServiceLevel": "kl_mobility.demand",
    "generate_demand": "kl_mobility.demand",
    "requests_from_file": "kl_mobility.demand",
    "simulate": "kl_mobility.sim",
    "SimInputs": "kl_mobility.sim",
    "DISPATCH_POLICIES": "kl_mobility.dispatch",
    "DispatchPolicy": "kl_mobility.dispatch",
    "solve": "kl_mobility.routing",
    "check_routes": "kl_mobility.routing",
    "Scenario": "kl_mobility.scenario",
    "scenario_from_file": "kl_mobility.scenario",
    "run_scenario": "kl_mobility.runner",
    "co2_account": "kl_mobility.emissions",
    "run_batch": "kl_mobility.batch",
    "write_report": "kl_mobility.report.html",
}

__all__ = ["__version__", *sorted(_LAZY)]


__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
