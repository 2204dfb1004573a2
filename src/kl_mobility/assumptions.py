"""Named assumptions with their plausible ranges and sources.

A table of data, read by the city-wide CO2 account (:mod:`kl_mobility.citywide`, which
lists each assumption's range next to its value) and varied by the sensitivity analysis
(:mod:`kl_mobility.sensitivity`). It sits below both, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ASSUMPTION_RANGES", "AssumptionRange"]


@dataclass(frozen=True)
class AssumptionRange:
    """A named assumption: the scenario ``key`` it sets, its plausible range and why."""

    key: str
    low: float
    high: float
    source: str


ASSUMPTION_RANGES: dict[str, AssumptionRange] = {
    "car_occupancy": AssumptionRange(
        "emissions.car_occupancy", 1.2, 1.5,
        "1.2 local (FACTS.md section 3), 1.4 UBA (section 6), 1.5 MiD 2017 (section 10)"),
    "grid_g_per_kwh": AssumptionRange(
        "emissions.grid_g_per_kwh", 363.0, 434.0,
        "UBA grid factors of the latest years in FACTS.md section 6: 363 (2024) to 434 "
        "(2022)"),
    "asc_ondemand_minus_bus": AssumptionRange(
        "demand.asc_ondemand_minus_bus", -2.0, 0.0,
        "assumption: on-demand constant relative to the bus, -1 by default; no local "
        "figure; 0 = as attractive as the bus at equal times and costs"),
    "beta_reject": AssumptionRange(
        "demand.beta_reject", -4.0, -0.5,
        "assumption: utility per unit rejection probability, -2 by default"),
    "fare_eur": AssumptionRange(
        "demand.fare_eur", 1.5, 4.0,
        "assumption: on-demand fare 2.5 EUR by default; KEXI 2-4 EUR, Hopper 2.60 EUR + "
        "0.20 EUR/km (FACTS.md section 7d)"),
    "car_access_min": AssumptionRange(
        "demand.car_access_min", 1.0, 12.0,
        "assumption: access, parking search and junction delays of a car trip, 3 min by "
        "default; 11.5 min closes the gap between the free-flow time campus -> Fruchthalle "
        "(5.5 min) and the published 17 min door to door (FACTS.md section 3; "
        "kl_mobility.validity)"),
    "battery_kwh": AssumptionRange(
        "fleet.van.battery_kwh", 30.0, 90.0,
        "assumption: usable battery of the electric vehicles (charging stops), 40 kWh for "
        "the vans by default; 90 kWh usable eVito Tourer (FACTS.md section 7b)"),
    "energy_kwh_per_km": AssumptionRange(
        "fleet.van.energy_kwh_per_km", 0.20, 0.35,
        "e-NV200 van 0.281 kWh/km (ADAC, FACTS.md section 6); cars 0.155-0.297, large vans "
        "'almost double' the best car (section 6)"),
    "fuel_wtw_factor": AssumptionRange(
        "emissions.fuel_wtw_factor", 1.12, 1.24,
        "diesel upstream 12-24 % (FACTS.md section 11: TREMOD 16 %, VCOe 24 %)"),
}
"""Assumptions the sensitivity analysis can vary (name -> key, range, source)."""
