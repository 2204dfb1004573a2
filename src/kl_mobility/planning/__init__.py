"""Applications of the static solver: pre-booked plans and the hindsight benchmark.

- :func:`plan_requests` (:mod:`kl_mobility.planning.plan`): a pre-booked request table
  planned on the road network with the simulation's service rules;
- :mod:`kl_mobility.planning.hindsight`: the static optimum of a simulated day
  (:func:`hindsight_plan`, :func:`hindsight_compare`, :func:`select_window`,
  :func:`hindsight_table`);
- :mod:`kl_mobility.planning.window`: the benchmark of one window of a scenario's day
  (:func:`hindsight_window`, :class:`HindsightRun`, :func:`write_hindsight`), with its
  options in :mod:`kl_mobility.planning.options` (:class:`HindsightWindow`).

Names are imported lazily (the solver loads OR-Tools).
"""

from __future__ import annotations

from kl_mobility._lazy import lazy_namespace

_LAZY = {
    "PlanResult": "kl_mobility.planning.plan",
    "PlanSetup": "kl_mobility.planning.plan",
    "plan_requests": "kl_mobility.planning.plan",
    "plan_vehicle_type": "kl_mobility.planning.plan",
    "problem_from_requests": "kl_mobility.planning.plan",
    "read_plan_requests": "kl_mobility.planning.plan",
    "hindsight_compare": "kl_mobility.planning.hindsight",
    "hindsight_plan": "kl_mobility.planning.hindsight",
    "hindsight_table": "kl_mobility.planning.hindsight",
    "select_window": "kl_mobility.planning.hindsight",
    "simulated_start_nodes": "kl_mobility.planning.hindsight",
    "HindsightWindow": "kl_mobility.planning.options",
    "demand_source": "kl_mobility.planning.options",
    "HindsightRun": "kl_mobility.planning.window",
    "hindsight_window": "kl_mobility.planning.window",
    "write_hindsight": "kl_mobility.planning.window",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
