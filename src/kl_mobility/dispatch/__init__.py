"""Dispatch policies: Protocols (:mod:`~kl_mobility.dispatch.base`), the built-in policies,
a plain dict registry and the scenario's dispatch section.

Imports run one way: ``config`` -> ``registry`` -> ``policies`` -> ``base``.
"""

from kl_mobility.dispatch.base import DispatchContext, DispatchPolicy, PolicyOptions
from kl_mobility.dispatch.config import DispatchConfig
from kl_mobility.dispatch.registry import DISPATCH_POLICIES

__all__ = ["DISPATCH_POLICIES", "DispatchConfig", "DispatchContext", "DispatchPolicy",
           "PolicyOptions"]
