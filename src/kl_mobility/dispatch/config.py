"""Dispatch section of a scenario."""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_choice, check_finite_fields, check_range
from kl_mobility.dispatch.registry import DISPATCH_POLICIES

__all__ = ["DispatchConfig"]


@dataclass(frozen=True)
class DispatchConfig:
    """Which registered dispatch policy runs, and its options.

    - ``policy``: a key of :data:`kl_mobility.dispatch.DISPATCH_POLICIES`
      (``insertion``, ``batch``, ``rebalancing``, or one a user registered).
    - ``cost``: what an insertion costs: ``added_time`` (added vehicle seconds, default),
      ``wait`` (the new request's wait) or ``added_time_plus_wait``.
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
    batch_interval_s: int = 30
    max_rounds: int = 10
    retry_interval_s: int = 30
    rebalance_interval_s: int = 300
    rebalance_horizon_s: int = 900
    rebalance_zone_m: float = 1000.0

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_choice("policy", self.policy, sorted(DISPATCH_POLICIES))
        check_choice("cost", self.cost, ("added_time", "wait", "added_time_plus_wait"))
        check_range("batch_interval_s", self.batch_interval_s, 1, 3600)
        check_range("max_rounds", self.max_rounds, 1, 1000)
        check_range("retry_interval_s", self.retry_interval_s, 1, 3600)
        check_range("rebalance_interval_s", self.rebalance_interval_s, 1, 24 * 3600)
        check_range("rebalance_horizon_s", self.rebalance_horizon_s, 1, 24 * 3600)
        check_range("rebalance_zone_m", self.rebalance_zone_m, 50.0, 100_000.0)
