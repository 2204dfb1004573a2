"""CO2 emission factors and accounting."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EmissionsConfig"]


@dataclass(frozen=True)
class EmissionsConfig:
    """Emission factor set and grid year of a scenario."""

    grid_year: int = 2024
