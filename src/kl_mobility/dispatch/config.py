"""Dispatch section of a scenario."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from kl_mobility.config import (
    ConfigError,
    check_choice,
    check_finite_fields,
    check_range,
    from_mapping,
)
from kl_mobility.dispatch.registry import policy_factory

__all__ = ["DispatchConfig"]


COSTS = ("added_time", "wait", "added_time_plus_wait", "rider_time")
"""The insertion costs ``dispatch.cost`` may name (:data:`kl_mobility.kernels.insertion.
COST_KINDS`)."""


@dataclass(frozen=True)
class DispatchConfig:
    """Which registered dispatch policy runs, and its options.

    - ``policy``: a key of :data:`kl_mobility.dispatch.DISPATCH_POLICIES`
      (``insertion``, ``batch``, ``rebalancing``, ``rtv``, or one a user registered) or the
      name of an entry point of group ``kl_mobility.policies`` of an installed package (see
      :mod:`kl_mobility.dispatch.registry`); ``rtv`` takes the options of
      :class:`~kl_mobility.dispatch.rtv.RTVOptions`.
    - ``options``: the policy's own options (the scenario's ``[dispatch.options]`` table).
      A policy that takes options declares them as a dataclass in its factory's ``Options``
      attribute; the table is checked against it (unknown keys, types, the dataclass's own
      checks) and :meth:`policy_options` builds it. A policy without ``Options`` takes none
      (the built-ins read the fields below), so a non-empty table is an error.
    - ``cost``: what an insertion costs: ``added_time`` (added vehicle seconds, default),
      ``wait`` (the new request's wait), ``added_time_plus_wait``, or ``rider_time``: the
      weighted sum ``cost_weight_vehicle`` x added vehicle seconds + ``cost_weight_wait``
      x added person-seconds of waiting + ``cost_weight_ride`` x added person-seconds in
      the vehicle, counting the new party and the delays it causes to every rider already
      planned on the vehicle (:mod:`kl_mobility.kernels.insertion`, ``COST_RIDER_TIME``).
    - ``cost_weight_vehicle``, ``cost_weight_wait``, ``cost_weight_ride``: the weights of
      ``rider_time``, in units of one rider's in-vehicle second (``cost_weight_ride`` = 1).
      Defaults derived from the model's own assumptions, not from a source of their own:
      waiting 1.6 = ``demand.beta_wait_per_min / beta_ivt_per_min`` = -0.08 / -0.05;
      vehicle 2.875 = the staff cost of a vehicle-hour, ``costs.driver_eur_per_h`` 20 x
      ``employer_cost_factor`` 1.25 x ``paid_hours_factor`` 1.15 = 28.75 EUR/h, over a
      rider's value of in-vehicle time ``beta_ivt_per_min / beta_cost_per_eur`` x 60 =
      0.05 / 0.30 x 60 = 10 EUR/h. Plausible ranges from the ranges of those assumptions
      (``kl_mobility.assumptions``): waiting 1.0-4.0 (the coefficient ratio spans
      0.6-4.0; below 1 is not allowed: the search needs ``wait >= ride``), vehicle
      0.9-8.0 (value of time 3.6-32 EUR/h).
    - ``batch_interval_s``: the ``batch`` policy collects requests this long (30 s) and
      assigns them together; ``max_rounds`` assignment rounds per batch (one new request per
      vehicle per round).
    - ``retry_interval_s``: with ``service.unserved = "keep"``, immediate policies retry
      waiting requests this often.
    - ``rebalance_interval_s``, ``rebalance_horizon_s``, ``rebalance_zone_m``: the
      ``rebalancing`` policy moves idle vehicles every 300 s toward the expected demand of
      the next 900 s, over square zones of 1000 m (all assumptions).
    """

    policy: str = "insertion"
    cost: str = "added_time"
    cost_weight_vehicle: float = 2.875
    cost_weight_wait: float = 1.6
    cost_weight_ride: float = 1.0
    batch_interval_s: int = 30
    max_rounds: int = 10
    retry_interval_s: int = 30
    rebalance_interval_s: int = 300
    rebalance_horizon_s: int = 900
    rebalance_zone_m: float = 1000.0
    options: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        check_finite_fields(self)
        policy_factory(self.policy)  # "policy must be one of ..." or why it cannot load
        self.policy_options()
        check_choice("cost", self.cost, COSTS)
        check_range("cost_weight_vehicle", self.cost_weight_vehicle, 0.0, 100.0)
        check_range("cost_weight_ride", self.cost_weight_ride, 0.0, 100.0)
        check_range("cost_weight_wait", self.cost_weight_wait, self.cost_weight_ride, 100.0)
        check_range("batch_interval_s", self.batch_interval_s, 1, 3600)
        check_range("max_rounds", self.max_rounds, 1, 1000)
        check_range("retry_interval_s", self.retry_interval_s, 1, 3600)
        check_range("rebalance_interval_s", self.rebalance_interval_s, 1, 24 * 3600)
        check_range("rebalance_horizon_s", self.rebalance_horizon_s, 1, 24 * 3600)
        check_range("rebalance_zone_m", self.rebalance_zone_m, 50.0, 100_000.0)

    def policy_options(self) -> Any:
        """The policy's options: its ``Options`` dataclass built from :attr:`options`
        (``None`` for a policy that declares none). Raises ``ValueError`` starting with
        ``options`` (so a scenario error names ``dispatch.options``) for a key the policy
        does not know, a wrong type or a value its checks reject."""
        factory = policy_factory(self.policy)
        schema = getattr(factory, "Options", None)
        if schema is None:
            if self.options:
                raise ValueError(f"options of policy {self.policy!r}: it takes none (its "
                                 f"factory declares no Options dataclass), got "
                                 f"{', '.join(sorted(map(str, self.options)))}")
            return None
        if not (dataclasses.is_dataclass(schema) and isinstance(schema, type)):
            raise ValueError(f"options of policy {self.policy!r}: its Options attribute is "
                             f"not a dataclass")
        try:
            return from_mapping(schema, self.options)
        except ConfigError as exc:
            raise ValueError(f"options of policy {self.policy!r}: {exc}") from None
