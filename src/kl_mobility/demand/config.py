"""Demand section of a scenario (synthetic Kaiserslautern demand and mode choice)."""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_range

__all__ = ["DemandConfig"]


@dataclass(frozen=True)
class DemandConfig:
    """Demand generation parameters. ``scale`` multiplies the calibrated trip totals."""

    scale: float = 1.0
    requests_file: str = ""

    def __post_init__(self) -> None:
        check_range("scale", self.scale, 0.0, 100.0, lo_open=True)
