"""CO2 emission factors and the CO2 accounting of a scenario run.

Every figure below comes from ``../shared/data/FACTS.md`` section 6 (cited by title and URL
next to it) or is a *named assumption*: a parameter whose value FACTS.md does not provide.
Assumptions are listed in :data:`ASSUMPTIONS` and every report shows the ones a scenario used.

Scope and units
---------------
- Grams of CO2 (equivalents where the source gives CO2e) per vehicle-km (``g_per_vkm``) or
  per passenger-km (``g_per_pkm``).
- Electric vehicles: ``energy_kwh_per_km x grid factor``. The grid factor is the UBA CO2
  emission factor of the German electricity mix of ``grid_year`` (:data:`GRID_G_PER_KWH`);
  it covers generation for consumption, so electric vehicles are well-to-wheel by
  construction (energy use figures from ADAC Ecotest include charging losses).
- Diesel and petrol vehicles: ``fuel_l_per_100km x (26.45 | 23.26) g CO2/km per l/100 km``
  (UBA via DUH, tank-to-wheel, CO2 only) times ``fuel_wtw_factor``. FACTS.md has no upstream
  (well-to-tank) share for fuels, so ``fuel_wtw_factor`` is an assumption whose default 1.0
  counts tank-to-wheel only: diesel figures are a lower bound.
- Passenger cars (the riders' alternative): the UBA/TREMOD car figure of 154 g CO2e/Pkm
  (2019, well-to-wheel, at 1.4 persons/car) gives 154 x 1.4 = 215.6 g CO2e per car-km
  (derived in FACTS.md). FACTS.md has no car fuel consumption, so petrol and diesel cars both
  use this fleet average unless a consumption is given (an assumption).
- Buses (the riders' alternative): UBA 83 g CO2e/Pkm (Linienbus Nahverkehr, 2019, average
  occupancy). Counting diverted bus pkm at the average factor treats the bus emissions as
  proportional to riders, as the UBA table does; the buses keep running in reality.

Accounting of a run (:func:`co2_account`)
-----------------------------------------
- fleet CO2 = sum over vehicle types of ``km_total x g_per_vkm`` of the type;
- car km replaced = direct distance of each served request whose ``alt_mode`` is ``car``
  (one car per request, whatever the party size), at the car g per vkm;
- bus pkm diverted = passengers x direct distance of served ``bus`` requests, at the bus
  g per pkm;
- walk and bike pkm induced = passengers x direct distance of served ``walk``/``bike``
  requests (nothing avoided: their on-demand km are added emissions);
- net CO2 = fleet CO2 - avoided car CO2 - avoided bus CO2 (negative = a saving).
  The baseline (no on-demand service) has net 0, so a scenario's net CO2 is its change
  against the baseline as far as the on-demand service is concerned.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.config import check_choice, check_finite_fields, check_range

__all__ = [
    "ASSUMPTIONS",
    "DIESEL_G_CO2_PER_L",
    "FACTOR_SETS",
    "GRID_G_PER_KWH",
    "PETROL_G_CO2_PER_L",
    "REFERENCE_VEHICLES",
    "ALT_MODES",
    "CO2Account",
    "EmissionsConfig",
    "FactorSet",
    "VehicleFactor",
    "co2_account",
    "fleet_factors",
    "grid_factor",
    "reference_factor_table",
    "vehicle_factor",
]

ALT_MODES = ("car", "walk", "bike", "bus")

# --- Fuels: UBA via DUH "Ein Rechenbeispiel" – http://www.duh.de/projekte/die-spritluege/
# ein-rechenbeispiel/ : petrol E5 2.326 kg CO2/l, diesel B7 2.645 kg CO2/l (tank-to-wheel).
DIESEL_G_CO2_PER_L = 2645.0
"""g CO2 per litre of diesel B7, tank-to-wheel (UBA via DUH "Ein Rechenbeispiel")."""
PETROL_G_CO2_PER_L = 2326.0
"""g CO2 per litre of petrol E5, tank-to-wheel (UBA via DUH "Ein Rechenbeispiel")."""

# --- Electricity: UBA CO2 emission factor of the German electricity mix (g CO2/kWh).
GRID_G_PER_KWH: dict[int, tuple[float, str]] = {
    1990: (764.0, "knlv-missione.nrw citing UBA – https://www.knlv-missione.nrw/aktuelles/"
           "co2-emissionsfaktor-des-deutschen-strommix"),
    2010: (546.0, "UBA report 2013 (openumwelt) – https://openumwelt.de/signposting/"
           "describedby/ae24254d-ab39-4bd0-9bfc-292a3a9ca377"),
    2014: (564.0, "solarify citing UBA – https://solarify.eu/2017/06/01/"
           "866-co2-emissionen-pro-kilowattstunde-strom-sinken"),
    2015: (534.0, "solarify citing UBA (preliminary) – https://solarify.eu/2017/06/01/"
           "866-co2-emissionen-pro-kilowattstunde-strom-sinken"),
    2016: (527.0, "solarify citing UBA (estimate) – https://solarify.eu/2017/06/01/"
           "866-co2-emissionen-pro-kilowattstunde-strom-sinken"),
    2020: (366.0, "bd-energy citing UBA – https://www.bd-energy.com/"
           "co2-faktor-in-deutscher-stromerzeugung-gefallen"),
    2021: (420.0, "energie-und-management (most likely the 2021 estimate) – "
           "https://e12m.energie-und-management.de/nachrichten/detail/"
           "co2-emissionsfaktor-des-deutschen-strommixes-176511"),
    2023: (380.0, "Statista citing UBA (estimate) – https://de.statista.com/statistik/daten/"
           "studie/38897/umfrage/co2-emissionsfaktor-fuer-den-strommix-in-deutschland-seit-1990"),
    2024: (363.0, "knlv-missione.nrw citing UBA (estimate) – https://www.knlv-missione.nrw/"
           "aktuelles/co2-emissionsfaktor-des-deutschen-strommix"),
}
"""UBA grid factors by year: ``year -> (g CO2 per kWh, source)``. 2022 is not available."""


@dataclass(frozen=True)
class FactorSet:
    """Per-passenger-km factors of the riders' alternative modes (UBA/TREMOD, WTW, CO2e)."""

    name: str
    car_g_per_pkm: float
    car_occupancy: float
    bus_g_per_pkm: float
    source: str

    @property
    def car_g_per_vkm(self) -> float:
        """g CO2e per car-km = g per Pkm x persons per car (derived)."""
        return self.car_g_per_pkm * self.car_occupancy


FACTOR_SETS: dict[str, FactorSet] = {
    "uba2019": FactorSet(
        "uba2019", 154.0, 1.4, 83.0,
        "UBA/TREMOD 2019 (table Nov 2021): car 154 g CO2e/Pkm at 1.4 persons/car, Linienbus "
        "Nahverkehr 83 g CO2e/Pkm – zukunftslinie.de citing UBA, https://zukunftslinie.de/"
        "impulse/v/ist-ein-bus-umweltschaedlicher-als-ein-auto ; ezro.de, "
        "https://ezro.de/2022/03/28/klima-frage-7",
    ),
    "tremod602": FactorSet(
        "tremod602", 147.0, 1.5, 65.0,
        "TREMOD 6.02 summary: car 147 g CO2/Pkm at 1.5 persons, bus/rail/tram mean 65 g/Pkm – "
        "nachhaltigkeitsstrategie.de, https://nachhaltigkeitsstrategie.de/strategie/projekte/"
        "detail-1/mit-dem-oepnv-das-klima-schuetzen",
    ),
}
"""Named factor sets for the alternative modes; ``EmissionsConfig.factor_set`` picks one."""

UPSTREAM_SHARE: dict[str, tuple[float, str]] = {
    "diesel": (0.16, "FACTS.md section 11: well-to-tank diesel ~12 g CO2e/MJ = 'etwa 16 %' of "
               "combustion CO2 (TREMOD 2010 via emobil-umwelt.de, https://www.emobil-umwelt.de/"
               "index.php/de/erg-index/energiebereitstellung?id=72); old data, VCOe gives ~24 %"),
    "petrol": (0.25, "FACTS.md section 11: well-to-tank petrol ~18 g CO2e/MJ = 'etwa 25 %' of "
               "combustion CO2 (TREMOD 2010 via emobil-umwelt.de); a blog gives 30 %"),
}
"""Upstream (well-to-tank) share of fuels on top of their tank-to-wheel CO2: (share, source)."""

ASSUMPTIONS: dict[str, str] = {
    "fuel_wtw_factor": "well-to-wheel / tank-to-wheel ratio of diesel and petrol given "
    "directly in the scenario (overrides the FACTS.md section 11 upstream shares)",
    "fuel_upstream_share": "upstream of fuels: diesel + 16 %, petrol + 25 % (FACTS.md section "
    "11, TREMOD 2010 via emobil-umwelt.de; old data, plausible range diesel 12-24 %)",
    "car_occupancy": "persons per car converting car person-km into car vehicle-km: 1.2 "
    "(local statement, Rheinpfalz, FACTS.md section 3) for trips within the city; UBA's "
    "factor assumes 1.4 and MiD 2017 gives 1.5 for all trips (FACTS.md sections 6 and 10); "
    "plausible range 1.2-1.5",
    "car_g_per_vkm_fleet_average": "car CO2e per vehicle-km = 154 g/Pkm x 1.4 = 215.6 g "
    "(FACTS.md section 6, derived; UBA fleet average, well-to-wheel, all road types): urban "
    "stop-and-go and Tempo 30 effects on the per-km factor are not modelled",
    "bus_marginal": "marginal (supply) bus convention: SWK bus CO2 = the feed's bus "
    "vehicle-km x the factor per bus-km, so it changes only with the bus supply (the "
    "timetable, emissions.bus_vkm_change_per_day outside the feed, the drivetrain), in "
    "full; riders moving off or onto the bus change no bus emissions",
    "grid_g_per_kwh": "grid CO2 factor given directly instead of a UBA year (e.g. a 2030 "
    "projection, which FACTS.md does not have)",
    "car_l_per_100km": "passenger-car fuel use; FACTS.md has none, the default 0 uses the UBA "
    "fleet-average car factor instead",
    "shuttle_kwh_per_km": "automated electric shuttle energy use: FACTS.md has no kWh/km; "
    "0.147 is derived from the Navya figures (33 kWh battery lasting up to 9 h at the usual "
    "25 km/h = 225 km), i.e. it assumes the battery lasts the full 9 h of driving",
    "diesel_van_l_per_100km": "diesel minibus/van fuel use: FACTS.md has no figure; the value "
    "is a scenario parameter (fleet.fuel_l_per_100km) flagged in reports",
    "diesel_shuttle_l_per_100km": "fuel use of a combustion shuttle: FACTS.md has no figure "
    "(automated shuttles are electric); the value is a scenario parameter",
    "fuel_use_missing": "a diesel/petrol vehicle type without fuel_l_per_100km is counted "
    "at the UBA fleet-average car factor per vehicle-km",
}
"""Named assumptions: figures FACTS.md lacks, with what the default does."""


@dataclass(frozen=True)
class VehicleFactor:
    """CO2 per vehicle-km of one vehicle type and where each number comes from."""

    name: str
    drivetrain: str
    energy_per_km: float
    energy_unit: str
    g_per_vkm: float
    sources: tuple[str, ...]
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmissionsConfig:
    """Emissions section of a scenario.

    ``factor_set``: factors of the riders' alternative modes (a key of ``FACTOR_SETS``).
    ``grid_year``: year of the UBA German grid factor for electric vehicles (one of
    ``GRID_G_PER_KWH``), ignored when ``grid_g_per_kwh`` > 0.
    ``grid_g_per_kwh``: ASSUMPTION, a grid factor given directly (0 = use ``grid_year``).
    ``fuel_wtw_factor``: ASSUMPTION, upstream uplift of diesel/petrol (1.0 = tank-to-wheel).
    ``car_l_per_100km``: ASSUMPTION, petrol car consumption for the riders' car trips
    (0 = the UBA fleet-average car factor of ``factor_set``).
    ``bus_drivetrain``: the SWK buses of the scenario, ``"diesel"`` (``bus_l_per_100km``,
    40 l, well to wheel) or ``"electric"`` (``bus_kwh_per_100km``, 115 kWh, at the grid
    factor); both are the BVG 12-m city bus figures of FACTS.md section 6.
    ``bus_vkm_change_per_day``: bus vehicle-km a day the measure adds (or removes) *outside
    the feed* (lines the timetable does not hold); the feed's own bus-km are counted from
    the feed (:mod:`kl_mobility.citywide`).
    """

    factor_set: str = "uba2019"
    grid_year: int = 2024
    grid_g_per_kwh: float = 0.0
    fuel_wtw_factor: float = 0.0
    car_l_per_100km: float = 0.0
    car_occupancy: float = 1.2
    bus_convention: str = "marginal"
    bus_vkm_change_per_day: float = 0.0
    bus_l_per_100km: float = 40.0
    bus_drivetrain: str = "diesel"
    bus_kwh_per_100km: float = 115.0

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_choice("factor_set", self.factor_set, FACTOR_SETS)
        if self.grid_g_per_kwh == 0.0:
            check_choice("grid_year", self.grid_year, sorted(GRID_G_PER_KWH))
        check_range("grid_g_per_kwh", self.grid_g_per_kwh, 0.0, 2000.0)
        if self.fuel_wtw_factor != 0.0:
            check_range("fuel_wtw_factor", self.fuel_wtw_factor, 1.0, 3.0)
        check_range("car_l_per_100km", self.car_l_per_100km, 0.0, 50.0)
        check_range("car_occupancy", self.car_occupancy, 1.0, 9.0)
        check_choice("bus_convention", self.bus_convention, ("marginal", "average"))
        check_range("bus_vkm_change_per_day", self.bus_vkm_change_per_day, -1e7, 1e7)
        check_range("bus_l_per_100km", self.bus_l_per_100km, 0.0, 200.0, lo_open=True)
        check_choice("bus_drivetrain", self.bus_drivetrain, ("diesel", "electric"))
        check_range("bus_kwh_per_100km", self.bus_kwh_per_100km, 0.0, 1000.0, lo_open=True)

    def wtw_factor(self, fuel: str) -> float:
        """Well-to-wheel / tank-to-wheel ratio of ``fuel`` (diesel or petrol):
        ``fuel_wtw_factor`` when given (> 0), else 1 + the upstream share of FACTS.md
        section 11 (:data:`UPSTREAM_SHARE`: diesel + 16 %, petrol + 25 %)."""
        if self.fuel_wtw_factor > 0.0:
            return self.fuel_wtw_factor
        return 1.0 + UPSTREAM_SHARE[fuel][0]

    @property
    def bus_g_per_vkm(self) -> float:
        """g CO2e per SWK bus-km of ``bus_drivetrain``: diesel ``bus_l_per_100km`` (40 l,
        12-m city bus, FACTS.md section 6) x 26.45 g per l/100 km x the diesel well-to-wheel
        factor (FACTS.md section 11) = 1,227.3 g; electric ``bus_kwh_per_100km`` (115 kWh,
        the same source) / 100 x the grid factor (:func:`grid_factor`; 2024: 363 g/kWh ->
        417.45 g), direct CO2 of generation like the electric fleet."""
        if self.bus_drivetrain == "electric":
            return self.bus_kwh_per_100km / 100.0 * grid_factor(self)[0]
        return self.bus_l_per_100km / 100.0 * DIESEL_G_CO2_PER_L * self.wtw_factor("diesel")

    def bus_factor_source(self) -> str:
        """Where :attr:`bus_g_per_vkm` comes from (printed next to the bus CO2)."""
        if self.bus_drivetrain == "electric":
            g, src = grid_factor(self)
            return (f"electric bus {self.bus_kwh_per_100km:g} kWh/100 km (12-m city bus, BVG, "
                    f"FACTS.md section 6) x {g:g} g CO2/kWh ({src})")
        return (f"diesel bus {self.bus_l_per_100km:g} l/100 km (12-m city bus, BVG, FACTS.md "
                f"section 6) x 26.45 g per l/100 km (UBA via DUH) x "
                f"{self.wtw_factor('diesel'):g} (upstream, section 11)")

    @property
    def factors(self) -> FactorSet:
        return FACTOR_SETS[self.factor_set]

    @property
    def car_g_per_vkm(self) -> float:
        """g per car-km of the riders' alternative car trips."""
        if self.car_l_per_100km > 0:
            return self.car_l_per_100km * PETROL_G_CO2_PER_L / 100.0 * self.wtw_factor("petrol")
        return self.factors.car_g_per_vkm

    def assumptions_used(self) -> tuple[str, ...]:
        """Names of the assumptions in :data:`ASSUMPTIONS` this configuration relies on."""
        used = ["fuel_wtw_factor" if self.fuel_wtw_factor > 0 else "fuel_upstream_share",
                "car_occupancy"]
        if self.grid_g_per_kwh > 0:
            used.append("grid_g_per_kwh")
        if self.car_l_per_100km > 0:
            used.append("car_l_per_100km")
        return tuple(used)


def grid_factor(config: EmissionsConfig) -> tuple[float, str]:
    """``(g CO2 per kWh, source)`` of the electricity used by electric vehicles."""
    if config.grid_g_per_kwh > 0:
        return config.grid_g_per_kwh, "ASSUMPTION grid_g_per_kwh (scenario parameter)"
    return GRID_G_PER_KWH[config.grid_year]


def vehicle_factor(
    name: str,
    drivetrain: str,
    *,
    energy_kwh_per_km: float = 0.0,
    fuel_l_per_100km: float = 0.0,
    config: EmissionsConfig | None = None,
    sources: Iterable[str] = (),
    assumptions: Iterable[str] = (),
) -> VehicleFactor:
    """CO2 per vehicle-km of a vehicle from its energy use and the fuel or grid factor.

    ``electric``: ``energy_kwh_per_km x grid``; ``diesel``/``petrol``: ``fuel_l_per_100km / 100
    x g CO2 per litre x fuel_wtw_factor``.
    """
    config = config or EmissionsConfig()
    sources = list(sources)
    assumptions = list(assumptions)
    if drivetrain == "electric":
        check_range("energy_kwh_per_km", energy_kwh_per_km, 0.0, 10.0, lo_open=True)
        g_kwh, src = grid_factor(config)
        if config.grid_g_per_kwh > 0:
            assumptions.append("grid_g_per_kwh")
        sources.append(f"grid {g_kwh:g} g/kWh: {src}")
        return VehicleFactor(name, drivetrain, energy_kwh_per_km, "kWh/km",
                             energy_kwh_per_km * g_kwh, tuple(sources), tuple(assumptions))
    if drivetrain in ("diesel", "petrol"):
        fuel = drivetrain
        check_range("fuel_l_per_100km", fuel_l_per_100km, 0.0, 200.0, lo_open=True)
        g_l = DIESEL_G_CO2_PER_L if fuel == "diesel" else PETROL_G_CO2_PER_L
        sources.append(f"{fuel} {g_l / 1000:g} kg CO2/l: UBA via DUH 'Ein Rechenbeispiel' – "
                       "http://www.duh.de/projekte/die-spritluege/ein-rechenbeispiel/")
        assumptions.append("fuel_wtw_factor" if config.fuel_wtw_factor > 0
                           else "fuel_upstream_share")
        return VehicleFactor(name, fuel, fuel_l_per_100km / 100.0, "l/km",
                             fuel_l_per_100km / 100.0 * g_l * config.wtw_factor(fuel),
                             tuple(sources), tuple(dict.fromkeys(assumptions)))
    raise ValueError(f"drivetrain must be one of ['electric', 'diesel', 'petrol'], got {drivetrain!r}")


# Reference vehicle types of the scenarios, each with the FACTS.md source of its energy use.
_ADAC_ENV200 = ("Nissan e-NV200 (van) 28.1 kWh/100 km, ADAC Ecotest incl. charging losses – "
                "https://www.elektroauto-news.net/news/elektroautos-adac-ecotest-hyundai-ioniq-"
                "am-sparsamsten")
_BVG_BUS = ("12-m city bus ≈40 l diesel/100 km or ≈115 kWh/100 km battery-electric (Berlin "
            "BVG) – Tagesspiegel Checkpoint, https://checkpoint.tagesspiegel.de/langmeldung/"
            "2Bly4Edh3PivkLMfJ594wZ")
_NAVYA = ("Navya shuttle: 15 pax, 16.5–33 kWh battery, up to 9 h operation, usually 25 km/h – "
          "https://derletztefuehrerscheinneuling.com/2018/06/29/besuch-in-der-navya-fabrik/")

REFERENCE_VEHICLES: dict[str, dict[str, Any]] = {
    "electric_van": {"drivetrain": "electric", "energy_kwh_per_km": 0.281,
                     "sources": (_ADAC_ENV200,)},
    "diesel_van": {"drivetrain": "diesel", "fuel_l_per_100km": None,
                   "assumptions": ("diesel_van_l_per_100km",)},
    "electric_bus": {"drivetrain": "electric", "energy_kwh_per_km": 1.15,
                     "sources": (_BVG_BUS,)},
    "diesel_bus": {"drivetrain": "diesel", "fuel_l_per_100km": 40.0, "sources": (_BVG_BUS,)},
    "electric_shuttle": {"drivetrain": "electric", "energy_kwh_per_km": round(33.0 / 225.0, 3),
                         "sources": (_NAVYA,), "assumptions": ("shuttle_kwh_per_km",)},
}
"""Energy use of the reference vehicle types (``None`` = FACTS.md has no figure)."""


def reference_factor_table(
    config: EmissionsConfig | None = None, *, diesel_van_l_per_100km: float | None = None
) -> pd.DataFrame:
    """CO2 per vehicle-km of every reference vehicle type plus the riders' car and bus.

    Columns: ``vehicle``, ``drivetrain``, ``energy_per_km``, ``energy_unit``, ``g_per_vkm``,
    ``g_per_pkm`` (cars and buses at the UBA occupancy only), ``source``, ``assumptions``.
    The diesel van appears only when ``diesel_van_l_per_100km`` is given (an assumption).
    """
    config = config or EmissionsConfig()
    rows = []
    fs = config.factors
    for car in ("petrol_car", "diesel_car"):
        rows.append({"vehicle": car, "drivetrain": car.split("_")[0], "energy_per_km": np.nan,
                     "energy_unit": "", "g_per_vkm": fs.car_g_per_vkm,
                     "g_per_pkm": fs.car_g_per_pkm,
                     "source": f"derived {fs.car_g_per_pkm:g} g/Pkm x {fs.car_occupancy:g} "
                     f"persons/car (UBA fleet average, petrol and diesel alike): {fs.source}",
                     "assumptions": ""})
    for name, spec in REFERENCE_VEHICLES.items():
        l100 = spec.get("fuel_l_per_100km", 0.0)
        if name == "diesel_van":
            if diesel_van_l_per_100km is None:
                continue
            l100 = diesel_van_l_per_100km
        f = vehicle_factor(name, spec["drivetrain"],
                           energy_kwh_per_km=spec.get("energy_kwh_per_km") or 0.0,
                           fuel_l_per_100km=l100 or 0.0, config=config,
                           sources=spec.get("sources", ()),
                           assumptions=spec.get("assumptions", ()))
        rows.append({"vehicle": name, "drivetrain": f.drivetrain,
                     "energy_per_km": f.energy_per_km, "energy_unit": f.energy_unit,
                     "g_per_vkm": f.g_per_vkm,
                     "g_per_pkm": np.nan,
                     "source": " ; ".join(f.sources), "assumptions": ", ".join(f.assumptions)})
    rows.append({"vehicle": "bus_uba_average", "drivetrain": "mixed", "energy_per_km": np.nan,
                 "energy_unit": "", "g_per_vkm": np.nan, "g_per_pkm": fs.bus_g_per_pkm,
                 "source": fs.source, "assumptions": ""})
    return pd.DataFrame(rows)


def fleet_factors(
    fleet: Iterable[Any], config: EmissionsConfig | None = None
) -> dict[str, VehicleFactor]:
    """CO2 per vehicle-km of every vehicle type of a scenario's fleet section.

    Reads ``kind``, ``drivetrain``, ``energy_kwh_per_km`` and ``fuel_l_per_100km`` of each
    vehicle type config (:class:`kl_mobility.sim.config.VehicleTypeConfig`). Sources and
    assumptions: an electric van's 0.281 kWh/km is the ADAC e-NV200 figure; any shuttle
    energy use is the assumption ``shuttle_kwh_per_km``; any diesel van (shuttle) fuel use is
    the assumption ``diesel_van_l_per_100km`` (``diesel_shuttle_l_per_100km``); a combustion type without a fuel use falls back to
    the UBA fleet-average car factor (assumption ``fuel_use_missing``). A field the config
    does not carry takes the reference vehicle of its kind.
    """
    config = config or EmissionsConfig()
    out: dict[str, VehicleFactor] = {}
    for vt in fleet:
        name = vt.name
        kind = getattr(vt, "kind", "van") or "van"
        drivetrain = getattr(vt, "drivetrain", None) or "electric"
        ref = REFERENCE_VEHICLES["electric_shuttle" if kind == "shuttle" else "electric_van"]
        sources: list[str] = []
        assumptions: list[str] = []
        if drivetrain == "electric":
            kwh = getattr(vt, "energy_kwh_per_km", None) or ref["energy_kwh_per_km"]
            if kind == "shuttle":
                assumptions.append("shuttle_kwh_per_km")
                sources.extend(REFERENCE_VEHICLES["electric_shuttle"]["sources"])
            elif math.isclose(kwh, REFERENCE_VEHICLES["electric_van"]["energy_kwh_per_km"]):
                sources.extend(REFERENCE_VEHICLES["electric_van"]["sources"])
            else:
                sources.append(f"energy use {kwh:g} kWh/km given in the scenario's fleet")
            out[name] = vehicle_factor(name, "electric", energy_kwh_per_km=float(kwh),
                                       config=config, sources=sources, assumptions=assumptions)
            continue
        l100 = getattr(vt, "fuel_l_per_100km", None) or 0.0
        if l100 <= 0:
            fs = config.factors
            out[name] = VehicleFactor(
                name, drivetrain, math.nan, "l/km", config.car_g_per_vkm,
                (f"no fuel use given: UBA fleet-average car {fs.car_g_per_pkm:g} g/Pkm x "
                 f"{fs.car_occupancy:g} persons/car: {fs.source}",), ("fuel_use_missing",))
            continue
        sources.append(f"fuel use {l100:g} l/100 km given in the scenario's fleet")
        assumptions.append("diesel_van_l_per_100km" if kind == "van"
                           else "diesel_shuttle_l_per_100km")
        out[name] = vehicle_factor(name, drivetrain, fuel_l_per_100km=float(l100),
                                   config=config, sources=sources, assumptions=assumptions)
    return out


@dataclass(frozen=True)
class CO2Account:
    """CO2 accounting of one run: ``by_type`` per vehicle type, ``totals`` flat figures.

    ``by_type`` columns: vehicle_type, drivetrain, g_per_vkm, km_occupied, km_empty, km_total,
    passenger_km, co2_kg. ``totals`` keys are listed in :data:`CO2Account.TOTAL_KEYS`.
    """

    by_type: pd.DataFrame
    totals: dict[str, float]
    assumptions: tuple[str, ...]

    TOTAL_KEYS = (
        "fleet_co2_kg", "fleet_vkm", "fleet_vkm_occupied", "fleet_vkm_empty", "fleet_pkm",
        "fleet_g_per_pkm", "car_km_replaced", "car_co2_avoided_kg", "bus_pkm_diverted",
        "bus_co2_avoided_kg", "walk_pkm_induced", "bike_pkm_induced", "net_co2_kg",
        "uba_car_g_per_pkm", "uba_bus_g_per_pkm",
    )

    def kpis(self) -> dict[str, float]:
        """Flat KPIs: ``co2_<total>`` for every total, and per vehicle type
        ``co2_vkm_occupied__<type>``, ``co2_vkm_empty__<type>``, ``co2_kg__<type>``."""
        out = {f"co2_{k}": float(v) for k, v in self.totals.items()}
        for row in self.by_type.itertuples(index=False):
            out[f"co2_vkm_occupied__{row.vehicle_type}"] = float(row.km_occupied)
            out[f"co2_vkm_empty__{row.vehicle_type}"] = float(row.km_empty)
            out[f"co2_kg__{row.vehicle_type}"] = float(row.co2_kg)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able account: totals, per-type rows and the assumptions it relies on."""
        return {"totals": dict(self.totals),
                "by_type": self.by_type.to_dict(orient="records"),
                "assumptions": {a: ASSUMPTIONS.get(a, "") for a in self.assumptions}}


def _alt_mask(trips: pd.DataFrame, mode: str) -> np.ndarray:
    served = trips["status"].astype(str).to_numpy() == "served"
    return served & (trips["alt_mode"].astype(str).to_numpy() == mode)


def co2_account(
    trips: pd.DataFrame,
    vehicles: pd.DataFrame,
    factors: Mapping[str, VehicleFactor] | Iterable[Any],
    config: EmissionsConfig | None = None,
) -> CO2Account:
    """Account a run's CO2 from its ``trips`` and ``vehicles`` tables (see module doc).

    ``factors`` maps every ``vehicle_type`` of ``vehicles`` to its :class:`VehicleFactor`
    (from :func:`fleet_factors`), or is the scenario's fleet section itself (the factors are
    then derived with :func:`fleet_factors`); a missing type is a ``ValueError``.
    """
    config = config or EmissionsConfig()
    if not isinstance(factors, Mapping):
        factors = fleet_factors(factors, config)
    fs = config.factors
    rows = []
    if len(vehicles):
        grouped = vehicles.groupby("vehicle_type", sort=True)[
            ["km_occupied", "km_empty", "km_total", "passenger_km"]].sum()
    else:
        grouped = pd.DataFrame(columns=["km_occupied", "km_empty", "km_total", "passenger_km"])
    for vtype, r in grouped.iterrows():
        if vtype not in factors:
            raise ValueError(f"vehicle_type {vtype!r} has no emission factor; known: "
                             f"{sorted(factors)}")
        f = factors[vtype]
        rows.append({"vehicle_type": vtype, "drivetrain": f.drivetrain,
                     "g_per_vkm": f.g_per_vkm, "km_occupied": float(r["km_occupied"]),
                     "km_empty": float(r["km_empty"]), "km_total": float(r["km_total"]),
                     "passenger_km": float(r["passenger_km"]),
                     "co2_kg": float(r["km_total"]) * f.g_per_vkm / 1000.0})
    by_type = pd.DataFrame(rows, columns=["vehicle_type", "drivetrain", "g_per_vkm",
                                          "km_occupied", "km_empty", "km_total",
                                          "passenger_km", "co2_kg"])
    direct_km = trips["direct_m"].to_numpy(dtype=float) / 1000.0
    pax = trips["passengers"].to_numpy(dtype=float)
    car_km = float(direct_km[_alt_mask(trips, "car")].sum())
    bus_pkm = float((direct_km * pax)[_alt_mask(trips, "bus")].sum())
    fleet_kg = float(by_type["co2_kg"].sum())
    pkm = float(by_type["passenger_km"].sum())
    car_kg = car_km * config.car_g_per_vkm / 1000.0
    bus_kg = bus_pkm * fs.bus_g_per_pkm / 1000.0
    totals = {
        "fleet_co2_kg": fleet_kg,
        "fleet_vkm": float(by_type["km_total"].sum()),
        "fleet_vkm_occupied": float(by_type["km_occupied"].sum()),
        "fleet_vkm_empty": float(by_type["km_empty"].sum()),
        "fleet_pkm": pkm,
        "fleet_g_per_pkm": fleet_kg * 1000.0 / pkm if pkm > 0 else math.nan,
        "car_km_replaced": car_km,
        "car_co2_avoided_kg": car_kg,
        "bus_pkm_diverted": bus_pkm,
        "bus_co2_avoided_kg": bus_kg,
        "walk_pkm_induced": float((direct_km * pax)[_alt_mask(trips, "walk")].sum()),
        "bike_pkm_induced": float((direct_km * pax)[_alt_mask(trips, "bike")].sum()),
        "net_co2_kg": fleet_kg - car_kg - bus_kg,
        "uba_car_g_per_pkm": fs.car_g_per_pkm,
        "uba_bus_g_per_pkm": fs.bus_g_per_pkm,
    }
    assumptions = list(config.assumptions_used())
    for f in factors.values():
        assumptions.extend(f.assumptions)
    return CO2Account(by_type, totals, tuple(dict.fromkeys(assumptions)))
