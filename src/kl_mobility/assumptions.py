"""Named assumptions with their plausible ranges and the reasoning behind them.

A table of data, read by the city-wide CO2 account (:mod:`kl_mobility.citywide`, which
lists each assumption's range next to its value) and varied by the sensitivity analysis
(:mod:`kl_mobility.sensitivity`). It sits below both, so neither imports the other.

Each entry says *what* the assumption is (a short noun phrase), its plausible range and
*why* the default and the range are what they are: reasoning, or the FACTS.md section a
bound comes from. It does not repeat the word "assumption" or the range: :meth:`describe`
writes the one line a report shows.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ASSUMPTION_RANGES", "AssumptionRange"]


@dataclass(frozen=True)
class AssumptionRange:
    """A named assumption: the scenario ``key`` it sets, what it is, its plausible range
    and why."""

    key: str
    low: float
    high: float
    why: str
    what: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"{self.key}: low {self.low!r} > high {self.high!r}")

    @property
    def source(self) -> str:
        """The reasoning (kept under this name for ``sensitivity.json``)."""
        return self.why

    def describe(self) -> str:
        """One line: ``what; plausible range LOW to HIGH: why``."""
        head = f"{self.what}; " if self.what else ""
        return f"{head}plausible range {self.low:g} to {self.high:g}: {self.why}"


ASSUMPTION_RANGES: dict[str, AssumptionRange] = {
    "car_occupancy": AssumptionRange(
        "emissions.car_occupancy", 1.2, 1.5,
        "1.2 local (FACTS.md section 3), 1.4 UBA (section 6), 1.5 MiD 2017 (section 10)",
        "persons per car"),
    "grid_g_per_kwh": AssumptionRange(
        "emissions.grid_g_per_kwh", 363.0, 434.0,
        "UBA grid factors of the latest years in FACTS.md section 6: 363 (2024) to 434 "
        "(2022)", "grid CO2 factor (g/kWh)"),
    "asc_ondemand_minus_bus": AssumptionRange(
        "demand.asc_ondemand_minus_bus", -2.0, 0.0,
        "no local figure; 0 = as attractive as the bus at equal times and costs, -2 = a "
        "strong dislike of a new service that must be booked",
        "on-demand constant relative to the bus"),
    "beta_reject": AssumptionRange(
        "demand.beta_reject", -4.0, -0.5,
        "no local figure; -2 makes a certain rejection weigh like 25 min of in-vehicle time "
        "(-2 / -0.08 per min of waiting); -0.5 to -4 spans 6 to 50 min of waiting",
        "utility per unit rejection probability of the on-demand service"),
    "fare_eur": AssumptionRange(
        "demand.fare_eur", 1.5, 4.0,
        "KEXI 2-4 EUR, Hopper 2.60 EUR + 0.20 EUR/km (FACTS.md section 7d); 1.5 EUR = the "
        "perceived bus fare", "on-demand fare per trip (EUR)"),
    "car_access_min": AssumptionRange(
        "demand.car_access_min", 1.0, 12.0,
        "11.5 min closes the gap between the free-flow time campus -> Fruchthalle (5.5 min) "
        "and the published 17 min door to door (FACTS.md section 3; kl_mobility.validity)",
        "access, parking search and junction delays of a car trip (min)"),
    "battery_kwh": AssumptionRange(
        "fleet.van.battery_kwh", 30.0, 90.0,
        "40 kWh usable for the vans by default; 90 kWh usable eVito Tourer (FACTS.md "
        "section 7b)", "usable battery of the electric vans (sets the charging stops, kWh)"),
    "energy_kwh_per_km": AssumptionRange(
        "fleet.van.energy_kwh_per_km", 0.20, 0.35,
        "e-NV200 van 0.281 kWh/km (ADAC, FACTS.md section 6); cars 0.155-0.297, large vans "
        "'almost double' the best car (section 6)", "energy use of the electric vans"),
    "fuel_wtw_factor": AssumptionRange(
        "emissions.fuel_wtw_factor", 1.12, 1.24,
        "diesel upstream 12-24 % (FACTS.md section 11: TREMOD 16 %, VCOe 24 %)",
        "well-to-wheel / tank-to-wheel ratio of fuels"),
}
"""Assumptions the sensitivity analysis can vary (name -> key, range, reasoning)."""
