"""kl-mobility: mobility-on-demand simulation and optimisation for Kaiserslautern.

The public API, one import away (loaded lazily so the command line starts fast):

- network: :func:`load_network`, :func:`build_oracle`, :func:`snap`, :class:`RoadNetwork`,
  :class:`TravelTimeOracle`;
- demand: :func:`generate_demand`, :func:`requests_from_file`, :class:`ServiceLevel`;
- service rules: :class:`ServiceConfig` (and the rules of :mod:`kl_mobility.service`);
- simulation and dispatch: :func:`simulate` of a :class:`SimInputs`,
  :data:`DISPATCH_POLICIES`, :class:`DispatchPolicy`;
- static routing: :func:`solve`, :func:`check_routes`; static plans:
  :func:`plan_requests` with a :class:`PlanSetup`;
- scenarios and runs: :class:`Scenario`, :func:`scenario_from_file`, :class:`RunContext`,
  :func:`run_scenario`, :func:`settle_demand`, :func:`run_hindsight` (a
  :class:`HindsightWindow`), :func:`co2_account`;
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
    "ServiceConfig": "kl_mobility.service",
    "simulate": "kl_mobility.sim",
    "SimInputs": "kl_mobility.sim",
    "DISPATCH_POLICIES": "kl_mobility.dispatch",
    "DispatchPolicy": "kl_mobility.dispatch",
    "solve": "kl_mobility.routing",
    "check_routes": "kl_mobility.routing",
    "PlanSetup": "kl_mobility.planning",
    "plan_requests": "kl_mobility.planning",
    "HindsightWindow": "kl_mobility.planning",
    "Scenario": "kl_mobility.scenario",
    "scenario_from_file": "kl_mobility.scenario",
    "RunContext": "kl_mobility.context",
    "run_scenario": "kl_mobility.runner",
    "settle_demand": "kl_mobility.runner",
    "run_hindsight": "kl_mobility.runner",
    "co2_account": "kl_mobility.emissions",
    "run_batch": "kl_mobility.batch",
    "write_report": "kl_mobility.report",
}

__all__ = ["__version__", *sorted(_LAZY)]


__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
