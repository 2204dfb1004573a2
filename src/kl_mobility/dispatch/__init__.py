"""Dispatch policies (a Protocol plus a plain dict registry) and their configuration."""

from kl_mobility.dispatch.config import DispatchConfig
from kl_mobility.dispatch.registry import DISPATCH_POLICIES, DispatchContext, DispatchPolicy

__all__ = ["DISPATCH_POLICIES", "DispatchConfig", "DispatchContext", "DispatchPolicy"]
