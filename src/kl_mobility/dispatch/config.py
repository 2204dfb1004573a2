"""Dispatch section of a scenario."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DispatchConfig"]


@dataclass(frozen=True)
class DispatchConfig:
    """Which registered dispatch policy runs, and its options."""

    policy: str = "insertion"
