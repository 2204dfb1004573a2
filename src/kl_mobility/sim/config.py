"""Service and fleet sections of a scenario."""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_range

__all__ = ["ServiceConfig", "VehicleTypeConfig"]


@dataclass(frozen=True)
class ServiceConfig:
    """Service rules of the on-demand operator."""

    start_s: int = 5 * 3600
    end_s: int = 24 * 3600
    max_wait_s: int = 600

    def __post_init__(self) -> None:
        check_range("start_s", self.start_s, 0, 48 * 3600)
        check_range("end_s", self.end_s, self.start_s, 48 * 3600)
        check_range("max_wait_s", self.max_wait_s, 0, 24 * 3600, lo_open=True)


@dataclass(frozen=True)
class VehicleTypeConfig:
    """One vehicle type of the fleet and how many of it."""

    name: str
    count: int
    capacity: int = 6

    def __post_init__(self) -> None:
        check_range("count", self.count, 0)
        check_range("capacity", self.capacity, 1, 100)
