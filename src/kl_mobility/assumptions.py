"""Named assumptions with their plausible ranges and sources.

A table of data, read by the city-wide CO2 account (:mod:`kl_mobility.citywide`, which
lists each assumption's range next to its value) and varied by the sensitivity analysis
(:mod:`kl_mobility.sensitivity`). It sits below both, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ASSUMPTION_RANGES", "ECONOMICS_RANGES", "AssumptionRange"]


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


# --- Operator economics (kl_mobility.economics, the scenario's [costs] table) ------------
# Cost inputs without a FACTS.md figure, or a sourced figure with a spread worth varying.
# Defaults are the values of kl_mobility.economics.CostsConfig / VehicleCosts /
# ShuttleCosts.
ECONOMICS_RANGES: dict[str, AssumptionRange] = {
    "driver_eur_per_h": AssumptionRange(
        "costs.driver_eur_per_h", 13.23, 22.0,
        "20 EUR/h by default: TV-N EG 5 ca. 3,100-3,800 EUR/month (FACTS.md section 7a) / "
        "169.6 h; private RLP operators 13.23 EUR/h (2020), Hessen 20.14 EUR/h by 2027 "
        "(section 7a)"),
    "employer_cost_factor": AssumptionRange(
        "costs.employer_cost_factor", 1.2, 1.35,
        "assumption: employer's cost per gross wage, 1.25 by default (Lohnnebenkosten NOT "
        "FOUND, FACTS.md section 7a)"),
    "paid_hours_factor": AssumptionRange(
        "costs.paid_hours_factor", 1.05, 1.4,
        "assumption: paid staff-hours per vehicle-hour in service (breaks, shift changes, "
        "leave, sickness), 1.15 by default"),
    "electricity_eur_per_kwh": AssumptionRange(
        "costs.electricity_eur_per_kwh", 0.2016, 0.3052,
        "Gewerbe 30.52 ct/kWh by default, industry 20.16 ct/kWh (1 April 2024, FACTS.md "
        "section 7c)"),
    "overhead_share": AssumptionRange(
        "costs.overhead_share", 0.05, 0.25,
        "assumption: management, dispatch software, booking and customer service as a "
        "share of the direct costs, 0.10 by default"),
    "van_lifetime_years": AssumptionRange(
        "costs.van.lifetime_years", 4.0, 8.0,
        "assumption: 6 years by default; the eVito battery certificate covers 8 years / "
        "160,000 km (FACTS.md section 7b)"),
    "van_interest_pct": AssumptionRange(
        "costs.van.interest_pct", 0.0, 6.0,
        "assumption: interest on the vehicle capital, 3 % a year by default"),
    "van_maintenance_eur_per_km": AssumptionRange(
        "costs.van.maintenance_eur_per_km", 0.05, 0.20,
        "assumption: 0.10 EUR/km by default (maintenance per km NOT FOUND, FACTS.md "
        "section 7b)"),
    "van_depot_eur_per_vehicle_day": AssumptionRange(
        "costs.van.depot_eur_per_vehicle_day", 5.0, 20.0,
        "assumption: parking place, charger and cleaning, 10 EUR per van and day by default"),
    "shuttle_price_eur": AssumptionRange(
        "costs.shuttle.price_eur", 200_000.0, 250_000.0,
        "Navya 200,000 EUR (2016) by default, EasyMile EZ10 ~250,000 EUR (FACTS.md "
        "section 7b)"),
    "shuttle_lifetime_years": AssumptionRange(
        "costs.shuttle.lifetime_years", 6.0, 12.0,
        "assumption: 8 years by default; city buses 10-12 years (FACTS.md section 7b)"),
    "shuttle_interest_pct": AssumptionRange(
        "costs.shuttle.interest_pct", 0.0, 6.0,
        "assumption: interest on the vehicle capital, 3 % a year by default"),
    "shuttle_staff_share": AssumptionRange(
        "costs.shuttle.staff_share", 0.1, 1.0,
        "assumption: supervision / teleoperation staff-hours per shuttle-hour, 0.25 by "
        "default (one teleoperator for four shuttles); 1 = an on-board safety operator; "
        "the local trials run a control room (FACTS.md section 4)"),
    "shuttle_maintenance_eur_per_km": AssumptionRange(
        "costs.shuttle.maintenance_eur_per_km", 0.15, 0.60,
        "assumption: 0.30 EUR/km by default (NOT FOUND, FACTS.md section 7b)"),
    "shuttle_depot_eur_per_vehicle_day": AssumptionRange(
        "costs.shuttle.depot_eur_per_vehicle_day", 8.0, 30.0,
        "assumption: 15 EUR per shuttle and day by default"),
}
"""Cost assumptions of :mod:`kl_mobility.economics` (also in :data:`ASSUMPTION_RANGES`)."""

ASSUMPTION_RANGES.update(ECONOMICS_RANGES)
