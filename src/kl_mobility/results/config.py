"""Outputs section of a scenario."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OutputConfig"]


@dataclass(frozen=True)
class OutputConfig:
    """Which result files a run writes."""

    event_log: bool = True
