"""The registry of dispatch policies: a plain dict from name to factory.

A policy is a class built from its options (:class:`~kl_mobility.dispatch.base.PolicyOptions`,
e.g. a :class:`~kl_mobility.dispatch.config.DispatchConfig`) that implements
:class:`~kl_mobility.dispatch.base.DispatchPolicy`. Register your own:
``DISPATCH_POLICIES["mine"] = MyPolicy``; the scenario key ``dispatch.policy`` then accepts
``"mine"``.
"""

from __future__ import annotations

from kl_mobility.dispatch.base import PolicyFactory
from kl_mobility.dispatch.policies import BatchPolicy, InsertionPolicy, RebalancingPolicy

__all__ = ["DISPATCH_POLICIES"]

DISPATCH_POLICIES: dict[str, PolicyFactory] = {
    "insertion": InsertionPolicy,
    "batch": BatchPolicy,
    "rebalancing": RebalancingPolicy,
}
"""Registered policies by name: ``name -> factory(options) -> DispatchPolicy``; the
built-ins are ``insertion``, ``batch`` and ``rebalancing``."""
