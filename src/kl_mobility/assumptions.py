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

__all__ = ["ASSUMPTION_RANGES", "ECONOMICS_RANGES", "AssumptionRange"]


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


# --- Operator economics (kl_mobility.economics, the scenario's [costs] table) ------------
# Cost inputs without a FACTS.md figure, or a sourced figure with a spread worth varying.
# Defaults are the values of kl_mobility.economics.CostsConfig / VehicleCosts /
# ShuttleCosts.
ECONOMICS_RANGES: dict[str, AssumptionRange] = {
    "driver_eur_per_h": AssumptionRange(
        "costs.driver_eur_per_h", 13.23, 22.0,
        "20 EUR/h by default: TV-N EG 5 ca. 3,100-3,800 EUR/month (FACTS.md section 7a) / "
        "169.6 h; private RLP operators 13.23 EUR/h (2020), Hessen 20.14 EUR/h by 2027 "
        "(section 7a)", "gross driver wage per paid hour (EUR)"),
    "employer_cost_factor": AssumptionRange(
        "costs.employer_cost_factor", 1.2, 1.35,
        "1.25 by default; Lohnnebenkosten NOT FOUND (FACTS.md section 7a)",
        "employer's cost per gross wage"),
    "paid_hours_factor": AssumptionRange(
        "costs.paid_hours_factor", 1.05, 1.4,
        "1.15 by default: breaks, shift changes, leave and sickness cover; no local figure",
        "paid staff-hours per vehicle-hour in service"),
    "electricity_eur_per_kwh": AssumptionRange(
        "costs.electricity_eur_per_kwh", 0.2016, 0.3052,
        "Gewerbe 30.52 ct/kWh by default, industry 20.16 ct/kWh (1 April 2024, FACTS.md "
        "section 7c)", "electricity price, net (EUR/kWh)"),
    "overhead_share": AssumptionRange(
        "costs.overhead_share", 0.05, 0.25,
        "0.10 by default; no figure in FACTS.md", "management, dispatch software, booking "
        "and customer service as a share of the direct costs"),
    "van_lifetime_years": AssumptionRange(
        "costs.van.lifetime_years", 4.0, 8.0,
        "6 years by default; the eVito battery certificate covers 8 years / 160,000 km "
        "(FACTS.md section 7b)", "service life of a van (years)"),
    "van_interest_pct": AssumptionRange(
        "costs.van.interest_pct", 0.0, 6.0, "3 % a year by default; no figure in FACTS.md",
        "interest on the van capital (% a year)"),
    "van_maintenance_eur_per_km": AssumptionRange(
        "costs.van.maintenance_eur_per_km", 0.05, 0.20,
        "0.10 EUR/km by default; maintenance per km NOT FOUND (FACTS.md section 7b)",
        "maintenance of a van (EUR/km)"),
    "van_depot_eur_per_vehicle_day": AssumptionRange(
        "costs.van.depot_eur_per_vehicle_day", 5.0, 20.0,
        "10 EUR by default; no figure in FACTS.md",
        "parking place, charger and cleaning per van and day (EUR)"),
    "shuttle_price_eur": AssumptionRange(
        "costs.shuttle.price_eur", 200_000.0, 250_000.0,
        "Navya 200,000 EUR (2016) by default, EasyMile EZ10 ~250,000 EUR (FACTS.md "
        "section 7b)", "price of an automated shuttle (EUR)"),
    "shuttle_lifetime_years": AssumptionRange(
        "costs.shuttle.lifetime_years", 6.0, 12.0,
        "8 years by default; city buses 10-12 years (FACTS.md section 7b)",
        "service life of a shuttle (years)"),
    "shuttle_interest_pct": AssumptionRange(
        "costs.shuttle.interest_pct", 0.0, 6.0, "3 % a year by default; no figure in "
        "FACTS.md", "interest on the shuttle capital (% a year)"),
    "shuttle_staff_share": AssumptionRange(
        "costs.shuttle.staff_share", 0.1, 1.0,
        "0.25 by default (one teleoperator for four shuttles); 1 = an on-board safety "
        "operator; the local trials run a control room (FACTS.md section 4)",
        "supervision / teleoperation staff-hours per shuttle-hour"),
    "shuttle_maintenance_eur_per_km": AssumptionRange(
        "costs.shuttle.maintenance_eur_per_km", 0.15, 0.60,
        "0.30 EUR/km by default; NOT FOUND (FACTS.md section 7b)",
        "maintenance of a shuttle (EUR/km)"),
    "shuttle_depot_eur_per_vehicle_day": AssumptionRange(
        "costs.shuttle.depot_eur_per_vehicle_day", 8.0, 30.0,
        "15 EUR by default; no figure in FACTS.md",
        "parking place, charger and cleaning per shuttle and day (EUR)"),
}
"""Cost assumptions of :mod:`kl_mobility.economics` (also in :data:`ASSUMPTION_RANGES`)."""

ASSUMPTION_RANGES.update(ECONOMICS_RANGES)
