"""Operator economics of a run: cost per vehicle type, fare revenue, subsidy, cost of CO2.

The scenario's ``[costs]`` table (:class:`CostsConfig`) holds the prices shared by all
vehicle types and one sub-table per vehicle kind, ``[costs.van]`` and ``[costs.shuttle]``
(:class:`VehicleCosts`). :func:`operator_costs` turns a run's ``vehicles`` and ``trips``
tables into a :class:`CostAccount`.

Cost terms (EUR per simulated day, per vehicle type)
----------------------------------------------------
- **capital** = ``count`` x annuity(``price_eur``, ``lifetime_years``, ``interest_pct``)
  / 365: the vehicle costs every calendar day, whether the simulated weekday is typical
  of it or not (convention). Annuity factor ``i / (1 - (1 + i) ** -n)``, ``n`` years.
- **staff** = vehicle-hours in service x ``staff_share`` x ``driver_eur_per_h`` x
  ``employer_cost_factor`` x ``paid_hours_factor``. ``staff_share`` is 1 for a driven
  van; for an automated shuttle it is the supervision / teleoperation share (staff-hours
  per vehicle-hour: one teleoperator for four shuttles = 0.25, an on-board safety operator
  as in today's trials = 1).
- **energy** = ``energy_kwh`` x ``electricity_eur_per_kwh`` + ``fuel_l`` x the diesel or
  petrol price (net of VAT) from the run's ``vehicles`` table (the energy use already
  includes charging losses: ADAC Ecotest, FACTS.md section 6).
- **maintenance** = ``km_total`` x ``maintenance_eur_per_km`` (tyres, service, repairs;
  FACTS.md has no figure, section 7b: an assumption).
- **depot** = ``count`` x ``depot_eur_per_vehicle_day`` (parking place, charger,
  cleaning).
- **overhead** = ``overhead_share`` x the sum of the terms above (management, dispatch
  software, booking, customer service).

Revenue, subsidy and the cost of CO2
------------------------------------
- **fare revenue** = sum over served requests of passengers x (``demand.fare_eur`` +
  ``demand.fare_per_km_eur`` x direct km), the fare of the mode choice, each person pays
  (season tickets, e.g. the Deutschlandticket, lower the real revenue: an upper bound),
  divided by 1 + ``fare_vat_pct`` / 100 to be net of VAT like the costs.
- **subsidy** = total cost - fare revenue.
- Per trip = per served **person** trip (passengers of the served requests); per request
  figures are given too.
- **Cost per tonne of CO2 avoided** (convention): the day's subsidy divided by the CO2 the
  run saves against its reference case, the city-wide net change of the residents'
  transport CO2 of :mod:`kl_mobility.citywide` (``co2_city_net_kg``; negative = a saving).
  A package that also changes the network (Tempo 30) books its whole CO2 change against the
  service's subsidy. When the run saves nothing (net change >= 0) the figure is undefined
  (``None`` in JSON, with a note), never a negative price. The same on the per-rider
  account (:func:`kl_mobility.emissions.co2_account`, ``co2_net_co2_kg``) is given as the
  alternative ``eur_per_t_co2_avoided_per_rider``.

Every default below is either a FACTS.md figure (its section cited) or a named assumption
with a plausible range in :data:`kl_mobility.assumptions.ASSUMPTION_RANGES` (the
"operator economics" block); :func:`cost_assumptions` lists them next to the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.assumptions import ASSUMPTION_RANGES
from kl_mobility.config import check_finite_fields, check_range

__all__ = [
    "COST_TERMS",
    "CostAccount",
    "CostsConfig",
    "ShuttleCosts",
    "VehicleCosts",
    "annuity_factor",
    "cost_assumptions",
    "operator_costs",
]

DAYS_PER_YEAR = 365
COST_TERMS = ("capital", "staff", "energy", "maintenance", "depot", "overhead")
"""The cost terms of every vehicle type, in EUR per simulated day (module docstring)."""


@dataclass(frozen=True)
class VehicleCosts:
    """Costs of one vehicle kind (``[costs.van]``; defaults: a 6-to-9-seat electric van).

    - ``price_eur``: purchase price per vehicle, net of VAT. Van: 53,990 EUR, Mercedes-Benz
      eVito Tourer list price "ab 53.990 Euro (zzgl. MwSt.)" (FACTS.md section 7b).
    - ``lifetime_years``: assumption (FACTS.md: lifetime of DRT vans NOT FOUND; the eVito
      battery certificate is 8 years / 160,000 km), 6 years for a van.
    - ``interest_pct``: assumption, 3 % a year.
    - ``staff_share``: staff-hours per vehicle-hour in service (1 = a driver on board).
    - ``maintenance_eur_per_km``: assumption (FACTS.md section 7b: NOT FOUND), 0.10 EUR/km.
    - ``depot_eur_per_vehicle_day``: assumption, 10 EUR per vehicle and day.
    """

    price_eur: float = 53_990.0
    lifetime_years: float = 6.0
    interest_pct: float = 3.0
    staff_share: float = 1.0
    maintenance_eur_per_km: float = 0.10
    depot_eur_per_vehicle_day: float = 10.0

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("price_eur", self.price_eur, 0.0, 1e7)
        check_range("lifetime_years", self.lifetime_years, 0.0, 50.0, lo_open=True)
        check_range("interest_pct", self.interest_pct, 0.0, 30.0)
        check_range("staff_share", self.staff_share, 0.0, 5.0)
        check_range("maintenance_eur_per_km", self.maintenance_eur_per_km, 0.0, 100.0)
        check_range("depot_eur_per_vehicle_day", self.depot_eur_per_vehicle_day, 0.0, 10_000.0)


@dataclass(frozen=True)
class ShuttleCosts(VehicleCosts):
    """Costs of an automated shuttle (``[costs.shuttle]``).

    - ``price_eur``: 200,000 EUR, Navya "Derzeitiger Kostenpunkt: 200 000 Euro" (2016;
      EasyMile EZ10 ~250,000 EUR; FACTS.md section 7b).
    - ``lifetime_years``: assumption 8 years (city buses 10-12 years, FACTS.md section 7b).
    - ``staff_share``: assumption 0.25, one teleoperator / supervisor for four shuttles
      (the local trials use a control room, FACTS.md section 4 "herzlich digital"); no
      driver.
    - ``maintenance_eur_per_km``: assumption 0.30 EUR/km (sensors, software, small series).
    - ``depot_eur_per_vehicle_day``: assumption 15 EUR (larger vehicle, charger).
    """

    price_eur: float = 200_000.0
    lifetime_years: float = 8.0
    staff_share: float = 0.25
    maintenance_eur_per_km: float = 0.30
    depot_eur_per_vehicle_day: float = 15.0


@dataclass(frozen=True)
class CostsConfig:
    """The ``[costs]`` table of a scenario: prices shared by all types, one table per kind.

    - ``driver_eur_per_h``: 20.0 EUR gross per paid hour: TV-N Entgeltgruppe 5 Stufe 3, ca.
      3,400 EUR per month (FACTS.md section 7a, kommunalforum.de 2025) / 169.6 paid hours
      a month (39 h a week x 4.35, assumption) = 20.05; private RLP operators pay 13.23-15
      EUR/h, Hessen 20.14 EUR/h by 2027 (section 7a).
    - ``employer_cost_factor``: assumption 1.25 (employer's social contributions and
      benefits; FACTS.md section 7a: Lohnnebenkosten NOT FOUND).
    - ``paid_hours_factor``: assumption 1.15 paid hours per vehicle-hour in service (breaks,
      shift changes, leave and sickness cover).
    - ``electricity_eur_per_kwh``: 0.3052 EUR, Gewerbe 50 MWh/yr, 1 April 2024 (FACTS.md
      section 7c, Statista), net of VAT.
    - ``diesel_eur_per_l``: 1.386 EUR = ADAC 2024 mean 1.649 EUR/l / 1.19 VAT (FACTS.md
      section 7c; derived). ``petrol_eur_per_l``: 1.461 EUR = 1.739 / 1.19 (same).
    - ``overhead_share``: assumption 0.10 of the direct costs.
    - ``fare_vat_pct``: 7 % VAT on local public transport fares (assumption: the reduced
      rate, not in FACTS.md), so revenue is net like the costs.
    """

    driver_eur_per_h: float = 20.0
    employer_cost_factor: float = 1.25
    paid_hours_factor: float = 1.15
    electricity_eur_per_kwh: float = 0.3052
    diesel_eur_per_l: float = 1.386
    petrol_eur_per_l: float = 1.461
    overhead_share: float = 0.10
    fare_vat_pct: float = 7.0
    van: VehicleCosts = field(default_factory=VehicleCosts)
    shuttle: ShuttleCosts = field(default_factory=ShuttleCosts)

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("driver_eur_per_h", self.driver_eur_per_h, 0.0, 1000.0)
        check_range("employer_cost_factor", self.employer_cost_factor, 1.0, 5.0)
        check_range("paid_hours_factor", self.paid_hours_factor, 1.0, 5.0)
        check_range("electricity_eur_per_kwh", self.electricity_eur_per_kwh, 0.0, 10.0)
        check_range("diesel_eur_per_l", self.diesel_eur_per_l, 0.0, 10.0)
        check_range("petrol_eur_per_l", self.petrol_eur_per_l, 0.0, 10.0)
        check_range("overhead_share", self.overhead_share, 0.0, 5.0)
        check_range("fare_vat_pct", self.fare_vat_pct, 0.0, 100.0)

    def for_kind(self, kind: str) -> VehicleCosts:
        """The cost table of vehicle kind ``kind`` (``"van"`` or ``"shuttle"``)."""
        if kind == "shuttle":
            return self.shuttle
        if kind == "van":
            return self.van
        raise ValueError(f"no cost table for vehicle kind {kind!r}; known: van, shuttle")

    @property
    def staff_eur_per_staff_hour(self) -> float:
        """Employer's cost per staff-hour on duty: wage x employer factor x paid hours."""
        return self.driver_eur_per_h * self.employer_cost_factor * self.paid_hours_factor


def annuity_factor(interest_pct: float, years: float) -> float:
    """Share of a price paid each year to repay it with interest over ``years``
    (``1 / years`` at zero interest)."""
    i = interest_pct / 100.0
    if i == 0.0:
        return 1.0 / years
    return i / (1.0 - (1.0 + i) ** -years)


@dataclass(frozen=True)
class CostAccount:
    """Operator costs of one run (EUR per simulated day).

    ``by_type``: one row per vehicle type with ``count``, ``vehicle_hours``, ``km_total``,
    ``energy_kwh``, ``fuel_l``, the :data:`COST_TERMS` (``<term>_eur``) and ``total_eur``.
    ``totals``: ``cost_total_eur``, ``cost_<term>_eur``, ``fare_revenue_eur``,
    ``subsidy_eur``, ``served_persons``, ``served_requests``, ``cost_eur_per_trip``,
    ``subsidy_eur_per_trip`` (per person trip), ``cost_eur_per_request``,
    ``cost_eur_per_vehicle_hour``, ``cost_eur_per_vehicle_km``, ``farebox_recovery``,
    ``co2_avoided_t`` (city-wide), ``eur_per_t_co2_avoided`` (subsidy / city-wide CO2
    avoided), ``eur_per_t_co2_avoided_per_rider``; NaN where undefined.
    """

    by_type: pd.DataFrame
    totals: dict[str, float]
    conventions: dict[str, str]
    assumptions: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def kpis(self) -> dict[str, float]:
        """Flat KPIs ``econ_<name>`` (numbers only)."""
        return {f"econ_{k}": float(v) for k, v in self.totals.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (``costs.json``)."""
        return {"totals": dict(self.totals),
                "by_type": self.by_type.to_dict(orient="records"),
                "conventions": dict(self.conventions), "assumptions": self.assumptions,
                "notes": list(self.notes)}


_CONVENTIONS = {
    "unit": "EUR per simulated weekday, net of VAT",
    "capital": "count x annuity(price, lifetime, interest) / 365 days",
    "staff": "vehicle-hours in service x staff_share x driver wage x employer factor x "
             "paid-hours factor",
    "energy": "kWh x electricity price + litres x fuel price (net)",
    "trip": "per served person trip (passengers of the served requests)",
    "revenue": "mode-choice fare (fare_eur + fare_per_km_eur x direct km) x served persons "
               "/ (1 + fare VAT); season tickets not modelled (an upper bound)",
    "subsidy": "total cost - fare revenue",
    "co2": "eur_per_t_co2_avoided = subsidy / t CO2e saved per day against the reference "
           "case (city-wide residents' transport CO2, kl_mobility.citywide net change; the "
           "whole package's change, incl. network measures); undefined (null) when "
           "nothing is saved; _per_rider: the same on the per-rider account",
}


def _range_note(name: str) -> str:
    r = ASSUMPTION_RANGES.get(name)
    return f"; {r.describe()}" if r else ""


def cost_assumptions(costs: CostsConfig, kinds: tuple[str, ...] = ("van", "shuttle")
                     ) -> dict[str, dict[str, Any]]:
    """Every cost input with its value and source (``"assumption: ..."`` with its
    plausible range where it has no FACTS.md source)."""
    out: dict[str, dict[str, Any]] = {
        "costs.driver_eur_per_h": {"value": costs.driver_eur_per_h, "source":
            "TV-N EG 5 Stufe 3 ca. 3,400 EUR/month (FACTS.md 7a) / 169.6 h (assumption)"
            + _range_note("driver_eur_per_h")},
        "costs.employer_cost_factor": {"value": costs.employer_cost_factor, "source":
            "assumption" + _range_note("employer_cost_factor")},
        "costs.paid_hours_factor": {"value": costs.paid_hours_factor, "source":
            "assumption" + _range_note("paid_hours_factor")},
        "costs.electricity_eur_per_kwh": {"value": costs.electricity_eur_per_kwh, "source":
            "Gewerbe 30.52 ct/kWh, 1 April 2024 (FACTS.md 7c)"
            + _range_note("electricity_eur_per_kwh")},
        "costs.diesel_eur_per_l": {"value": costs.diesel_eur_per_l, "source":
            "ADAC 2024 mean 1.649 EUR/l / 1.19 VAT (FACTS.md 7c, derived)"},
        "costs.petrol_eur_per_l": {"value": costs.petrol_eur_per_l, "source":
            "ADAC 2024 mean 1.739 EUR/l / 1.19 VAT (FACTS.md 7c, derived)"},
        "costs.overhead_share": {"value": costs.overhead_share, "source":
            "assumption" + _range_note("overhead_share")},
        "costs.fare_vat_pct": {"value": costs.fare_vat_pct, "source":
            "assumption: reduced VAT rate on local public transport"},
    }
    sourced = {"van.price_eur": "eVito Tourer list price, net (FACTS.md 7b)",
               "shuttle.price_eur": "Navya 200,000 EUR (2016, FACTS.md 7b)"}
    for kind in kinds:
        vc = costs.for_kind(kind)
        for name in ("price_eur", "lifetime_years", "interest_pct", "staff_share",
                     "maintenance_eur_per_km", "depot_eur_per_vehicle_day"):
            key = f"{kind}.{name}"
            value = getattr(vc, name)
            src = sourced.get(key, "assumption")
            if kind == "van" and name == "staff_share" and value == 1.0:
                src = "a driver on board every vehicle-hour (definition)"
            out[f"costs.{key}"] = {"value": value,
                                   "source": src + _range_note(f"{kind}_{name}")}
    return out


def _per(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def operator_costs(vehicles: pd.DataFrame, trips: pd.DataFrame, costs: CostsConfig, *,
                   fare_eur: float, fare_per_km_eur: float = 0.0,
                   co2_city_net_kg: float = math.nan,
                   co2_per_rider_net_kg: float = math.nan) -> CostAccount:
    """The :class:`CostAccount` of a run from its ``vehicles`` and ``trips`` tables
    (:mod:`kl_mobility.results.schema`), the scenario's ``costs`` and the demand model's
    fare; ``co2_*_net_kg``: the run's net CO2 change per day (negative = saving)."""
    rows = []
    staff_h = costs.staff_eur_per_staff_hour
    fuel_price = {"diesel": costs.diesel_eur_per_l, "petrol": costs.petrol_eur_per_l,
                  "electric": 0.0}
    if len(vehicles):
        for (vtype, kind, drive), g in vehicles.groupby(["vehicle_type", "kind", "drivetrain"],
                                                        sort=True):
            vc = costs.for_kind(str(kind))
            n = len(g)
            hours = float(g["hours_in_service"].sum())
            km = float(g["km_total"].sum())
            kwh = float(g["energy_kwh"].sum())
            litres = float(g["fuel_l"].sum())
            capital = n * vc.price_eur * annuity_factor(vc.interest_pct, vc.lifetime_years) \
                / DAYS_PER_YEAR
            staff = hours * vc.staff_share * staff_h
            energy = kwh * costs.electricity_eur_per_kwh + litres * fuel_price[str(drive)]
            maint = km * vc.maintenance_eur_per_km
            depot = n * vc.depot_eur_per_vehicle_day
            direct = capital + staff + energy + maint + depot
            overhead = costs.overhead_share * direct
            rows.append({"vehicle_type": str(vtype), "kind": str(kind),
                         "drivetrain": str(drive), "count": n, "vehicle_hours": hours,
                         "km_total": km, "energy_kwh": kwh, "fuel_l": litres,
                         "capital_eur": capital, "staff_eur": staff, "energy_eur": energy,
                         "maintenance_eur": maint, "depot_eur": depot,
                         "overhead_eur": overhead, "total_eur": direct + overhead})
    cols = ["vehicle_type", "kind", "drivetrain", "count", "vehicle_hours", "km_total",
            "energy_kwh", "fuel_l", *(f"{t}_eur" for t in COST_TERMS), "total_eur"]
    by_type = pd.DataFrame(rows, columns=cols)
    served = trips["status"].astype(str).to_numpy() == "served" if len(trips) else \
        np.zeros(0, bool)
    pax = trips["passengers"].to_numpy(np.float64)[served] if len(trips) else np.zeros(0)
    km_direct = trips["direct_m"].to_numpy(np.float64)[served] / 1000.0 if len(trips) \
        else np.zeros(0)
    revenue = float((pax * (fare_eur + fare_per_km_eur * km_direct)).sum()) \
        / (1.0 + costs.fare_vat_pct / 100.0)
    total = float(by_type["total_eur"].sum())
    persons = float(pax.sum())
    n_req = float(served.sum())
    subsidy = total - revenue
    totals = {"cost_total_eur": total}
    totals.update({f"cost_{t}_eur": float(by_type[f"{t}_eur"].sum()) for t in COST_TERMS})
    notes: list[str] = []
    avoided_t = -co2_city_net_kg / 1000.0 if math.isfinite(co2_city_net_kg) else math.nan
    avoided_rider_t = (-co2_per_rider_net_kg / 1000.0 if math.isfinite(co2_per_rider_net_kg)
                       else math.nan)
    if not avoided_t > 0:
        notes.append("the run saves no CO2 against its reference case (city-wide): cost "
                     "per tonne avoided undefined")
    totals.update({
        "fare_revenue_eur": revenue, "subsidy_eur": subsidy,
        "served_persons": persons, "served_requests": n_req,
        "cost_eur_per_trip": _per(total, persons),
        "subsidy_eur_per_trip": _per(subsidy, persons),
        "revenue_eur_per_trip": _per(revenue, persons),
        "cost_eur_per_request": _per(total, n_req),
        "cost_eur_per_vehicle_hour": _per(total, float(by_type["vehicle_hours"].sum())),
        "cost_eur_per_vehicle_km": _per(total, float(by_type["km_total"].sum())),
        "farebox_recovery": _per(revenue, total),
        "co2_avoided_t": avoided_t,
        "eur_per_t_co2_avoided": subsidy / avoided_t if avoided_t > 0 else math.nan,
        "eur_per_t_co2_avoided_per_rider": (subsidy / avoided_rider_t
                                            if avoided_rider_t > 0 else math.nan),
    })
    kinds = tuple(sorted(set(by_type["kind"]))) if len(by_type) else ()
    return CostAccount(by_type, totals, dict(_CONVENTIONS), cost_assumptions(costs, kinds),
                       notes)
