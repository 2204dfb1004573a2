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

__all__ = ["ASSUMPTION_RANGES", "DEFAULT_ASSUMPTIONS", "ECONOMICS_RANGES", "NOT_ASSUMPTIONS",
           "AssumptionRange"]


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

    # --- the car's driver experience (kl_mobility.demand.driving) -----------------------
    "car_walk_min": AssumptionRange(
        "demand.car_walk_min", 0.5, 3.0,
        "the car stands at or near the house and at a car park of the destination: 40-250 "
        "m at 4.5 km/h", "walk between the car and a trip end outside the centre (min)"),
    "car_walk_centre_min": AssumptionRange(
        "demand.car_walk_centre_min", 1.0, 6.0,
        "garages and street parking of the centre lie 100-450 m from the destinations",
        "walk between the car and a trip end in the centre (min)"),
    "car_park_search_min": AssumptionRange(
        "demand.car_park_search_min", 0.0, 2.0,
        "outside the centre most destinations have their own or free street parking",
        "parking search at a destination outside the centre (min)"),
    "car_park_search_centre_min": AssumptionRange(
        "demand.car_park_search_centre_min", 2.0, 9.0,
        "calibrated (6.7 min): closes the gap to the published 17 min campus -> Fruchthalle "
        "(FACTS.md section 3) given the other terms; the range covers the other terms at "
        "their own bounds", "parking search at a destination in the centre (min)"),
    "car_centre_radius_m": AssumptionRange(
        "demand.car_centre_radius_m", 500.0, 1200.0,
        "the pedestrian zone and the ring of car parks around Stadtmitte; 1,200 m reaches "
        "the Hauptbahnhof and the Kammgarn quarter",
        "radius of the centre's parking conditions around the city centre (m)"),
    "car_signal_stop_share": AssumptionRange(
        "demand.car_signal_stop_share", 0.3, 0.7,
        "red share of a signal cycle for the approach of a main road (green waves lower "
        "it, side roads raise it)", "probability that a car stops at a signal"),
    "car_signal_wait_s": AssumptionRange(
        "demand.car_signal_wait_s", 10.0, 40.0,
        "half the red time of 60-90 s cycles with 30-70 % red", "mean wait of a car "
        "stopped at a signal (s)"),
    "car_give_way_speed_kmh": AssumptionRange(
        "demand.car_give_way_speed_kmh", 5.0, 25.0,
        "slowing to look at a 'rechts vor links' junction or stopping briefly at a main "
        "road", "speed a car slows to where it gives way (km/h)"),
    "car_accel_mps2": AssumptionRange(
        "demand.car_accel_mps2", 1.0, 2.5,
        "mean urban acceleration of cars from standstill to 50 km/h in 6-14 s",
        "mean acceleration of a car in town (m/s2)"),
    "car_decel_mps2": AssumptionRange(
        "demand.car_decel_mps2", 1.5, 3.0,
        "comfortable braking; emergency braking is 7-9 m/s2",
        "mean deceleration of a car in town (m/s2)"),
    # --- trip generation and distribution ----------------------------------------------
    "min_residential_m2": AssumptionRange(
        "demand.min_residential_m2", 20.0, 80.0,
        "garages and sheds are 15-40 m2; the smallest houses 50-80 m2 footprint",
        "smallest footprint of a 'building=yes' counted as a home (m2)"),
    "attraction_per_resident": AssumptionRange(
        "demand.attraction_per_resident", 0.1, 0.6,
        "local errands, visits and services near homes: a tenth to over half of a "
        "resident's activities end in residential areas", "attraction units per resident"),
    "attraction_per_nonres_m2": AssumptionRange(
        "demand.attraction_per_nonres_m2", 0.01, 0.05,
        "one job or visitor per 20-100 m2 of non-residential footprint",
        "attraction units per m2 of non-residential footprint"),
    "attraction_per_shop": AssumptionRange(
        "demand.attraction_per_shop", 10.0, 50.0,
        "a small shop has 10-50 customers a day living in the city",
        "attraction units per OSM shop"),
    "attraction_per_amenity": AssumptionRange(
        "demand.attraction_per_amenity", 5.0, 25.0,
        "restaurants, doctors, banks: 5-25 visitors a day each from the city",
        "attraction units per visitor amenity"),
    "attraction_per_school": AssumptionRange(
        "demand.attraction_per_school", 50.0, 300.0,
        "kindergartens have ~50 children, schools several hundred pupils (part of them "
        "from outside the city)", "attraction units per school or kindergarten"),
    "attractor_hauptbahnhof": AssumptionRange(
        "demand.attractors.Hauptbahnhof.weight", 1000.0, 5000.0,
        "passengers per day at the station are NOT FOUND (FACTS.md section 8); residents' "
        "trips to the trains, plus the bus terminal",
        "residents' daily trips attracted by the Hauptbahnhof"),
    "attractor_stadtmitte": AssumptionRange(
        "demand.attractors.Stadtmitte.weight", 1500.0, 6000.0,
        "shops and services around the Stadtmitte bus hub beyond the mapped POIs",
        "extra attraction of Stadtmitte"),
    "attractor_pre_uni_park": AssumptionRange(
        "demand.attractors.PRE-Uni-Park.weight", 500.0, 2500.0,
        "~80,000 m2 of institutes (FACTS.md section 2) at 30-160 m2 per job",
        "jobs of the PRE-Uni-Park (Fraunhofer, DFKI, MPI)"),
    "attractor_gewerbegebiet_nord_ost": AssumptionRange(
        "demand.attractors.Gewerbegebiet Nord-Ost.weight", 500.0, 3000.0,
        "size NOT FOUND (FACTS.md section 2); up to the size of the PRE-Park (2,500 jobs)",
        "jobs and customers of the Gewerbegebiet Nord-Ost"),
    "attractor_messeplatz": AssumptionRange(
        "demand.attractors.Messeplatz.weight", 100.0, 1000.0,
        "weekday use of the fair ground and park without events",
        "weekday visitors of the Messeplatz / Volkspark"),
    "gravity_decay_per_min": AssumptionRange(
        "demand.gravity_decay_per_min", 0.05, 0.20,
        "a trip of 10 min is exp(-1) = 37 % as attractive as one next door at 0.10; urban "
        "gravity models use 0.05-0.2 per minute of car time",
        "distance decay of the destination choice (per min of driving time)"),
    "outbound_profile_peak": AssumptionRange(
        "demand.outbound_profile", 0.15, 0.30,
        "share of the home -> activity legs starting 07-09 h; 0.235 by default (22.0 of the "
        "profile's 93.5); no Kaiserslautern profile offline; weekday profiles of German "
        "cities put 15-30 % of the outbound legs into the morning peak (not varied: a "
        "profile, not one number)", "morning peak of the outbound legs"),
    "return_profile_peak": AssumptionRange(
        "demand.return_profile", 0.15, 0.30,
        "share of the activity -> home legs starting 16-18 h; 0.226 by default (21.5 of "
        "95.3) (not varied: a profile)", "afternoon peak of the return legs"),
    # --- level of service of the other modes ------------------------------------------
    "walk_speed_kmh": AssumptionRange(
        "demand.walk_speed_kmh", 4.0, 5.0,
        "usual walking speeds of adults, slower with luggage or children",
        "walking speed (km/h)"),
    "bike_speed_kmh": AssumptionRange(
        "demand.bike_speed_kmh", 12.0, 18.0,
        "urban cycling incl. stops; e-bikes faster; the hilly city slows the climbs",
        "cycling speed (km/h)"),
    "car_cost_eur_per_km": AssumptionRange(
        "demand.car_cost_eur_per_km", 0.10, 0.35,
        "fuel only (~0.10) up to fuel plus wear and part of the fixed costs",
        "perceived car running cost (EUR/km)"),
    "intrazonal_speed_kmh": AssumptionRange(
        "demand.intrazonal_speed_kmh", 15.0, 35.0,
        "short trips inside a 300 m cell on residential streets",
        "car speed of trips within a zone (km/h)"),
    "bus_headway_min": AssumptionRange(
        "demand.bus_headway_min", 10.0, 30.0,
        "lines every 30 min overlapping on trunks (101 trunk <= 10 min, FACTS.md section 5)",
        "effective bus headway in the core (min)"),
    "bus_ivt_factor": AssumptionRange(
        "demand.bus_ivt_factor", 1.1, 1.6,
        "stops and routing; the published pair has bus 23 vs car 17 min door to door "
        "(FACTS.md section 3)", "bus in-vehicle time / driving time"),
    "bus_fare_eur": AssumptionRange(
        "demand.bus_fare_eur", 1.0, 3.0,
        "single tickets ~3 EUR, season tickets and the Deutschlandticket lower the "
        "perceived fare per trip", "mean perceived bus fare per trip (EUR)"),
    "bus_start_s": AssumptionRange(
        "demand.bus_start_s", 16200.0, 21600.0,
        "first regular buses NOT FOUND (FACTS.md section 8); 04:30 to 06:00",
        "first regular buses (s since midnight)"),
    "bus_access_detour_factor": AssumptionRange(
        "demand.bus_access_detour_factor", 1.2, 1.5,
        "walking routes in a street grid are 1.2-1.5 x the straight line",
        "walking distance / straight line to a bus stop"),
    # --- outer districts (FACTS.md section 1 gives population and position) -------------
    "external_detour_factor": AssumptionRange(
        "demand.external_detour_factor", 1.2, 1.5,
        "country roads from the Ortsbezirke to the edge of the core",
        "road / straight-line distance of an Ortsbezirk's link"),
    "external_speed_kmh": AssumptionRange(
        "demand.external_speed_kmh", 40.0, 70.0,
        "country roads at 70-100 km/h with village sections at 50",
        "car speed on an Ortsbezirk's link (km/h)"),
    "external_facility_factor": AssumptionRange(
        "demand.external_facility_factor", 0.25, 1.0,
        "villages have fewer shops and jobs per resident than the core",
        "facilities per resident of an Ortsbezirk relative to the core"),
    "external_intrazonal_m": AssumptionRange(
        "demand.external_intrazonal_m", 400.0, 1500.0,
        "the Ortsbezirke span 1-3 km (FACTS.md section 1: 4.5-13 km2)",
        "mean trip length within an Ortsbezirk (m)"),
    "einsiedlerhof_attraction": AssumptionRange(
        "demand.external_zones.Einsiedlerhof.attraction", 1000.0, 5000.0,
        "jobs of the 264 ha Einsiedlerhof-Vogelweh industrial area NOT FOUND (FACTS.md "
        "section 2); 2,500 = the PRE-Park", "attraction of the Einsiedlerhof industrial area"),
    # --- logit coefficients (utility per minute or euro) --------------------------------
    "beta_ivt_per_min": AssumptionRange(
        "demand.beta_ivt_per_min", -0.08, -0.03,
        "urban mode-choice models give -0.02 to -0.08 per in-vehicle minute; with -0.30 "
        "per EUR -0.05 values time at 10 EUR/h", "logit coefficient of in-vehicle time"),
    "beta_walk_per_min": AssumptionRange(
        "demand.beta_walk_per_min", -0.15, -0.06,
        "walking minutes weigh 1.5-3 x in-vehicle minutes", "logit coefficient of walking "
        "time (walk mode)"),
    "beta_bike_per_min": AssumptionRange(
        "demand.beta_bike_per_min", -0.14, -0.05,
        "cycling minutes weigh 1-3 x in-vehicle minutes (effort, weather, hills)",
        "logit coefficient of cycling time"),
    "beta_access_per_min": AssumptionRange(
        "demand.beta_access_per_min", -0.12, -0.05,
        "access walks weigh 1-2.5 x in-vehicle minutes", "logit coefficient of access "
        "walks (bus stops, the parked car)"),
    "beta_wait_per_min": AssumptionRange(
        "demand.beta_wait_per_min", -0.12, -0.05,
        "waiting minutes weigh 1-2.5 x in-vehicle minutes", "logit coefficient of waiting"),
    "beta_cost_per_eur": AssumptionRange(
        "demand.beta_cost_per_eur", -0.5, -0.15,
        "values of time of 6-20 EUR/h with -0.05 per in-vehicle minute",
        "logit coefficient of cost"),
    # --- on-demand before the first simulation and the demand rounds (numerical) -------
    "assumed_wait_s": AssumptionRange(
        "demand.assumed_wait_s", 300.0, 900.0,
        "only the start of the demand <-> service rounds; the rounds replace it by the "
        "measured wait", "on-demand wait assumed before the first simulation (s)"),
    "assumed_detour_factor": AssumptionRange(
        "demand.assumed_detour_factor", 1.1, 1.8,
        "only the start of the rounds; pooled services measure 1.3-2.2",
        "on-demand detour assumed before the first simulation"),
    "service_step": AssumptionRange(
        "demand.service_step", 0.25, 1.0,
        "numerical: 0.5 cancels a response slope of -1 (the Klima+ 2030 runs) in one round; "
        "halved when the rounds overshoot", "damping of the demand <-> service rounds"),
    "service_requests_tol": AssumptionRange(
        "demand.service_requests_tol", 0.01, 0.05,
        "numerical: a converged Klima+ 2030 run stays within 1 % from round to round",
        "tolerance of the requests gap of converged rounds"),
    "service_level_tol": AssumptionRange(
        "demand.service_level_tol", 0.015, 0.05,
        "numerical: two rounds differ by ~1.4 % from sampling noise of the share served",
        "tolerance of the service-level change of converged rounds"),
    "service_local_prior": AssumptionRange(
        "demand.service_local_prior", 10.0, 100.0,
        "numerical: the share served of 30 requests has a sampling error of ~8 points; "
        "fewer would let noise drive a district, more would flatten real differences",
        "fallback weight of the district feedback (requests)"),
    # --- service rules that are not a measure's choice ---------------------------------
    "stop_dwell_s": AssumptionRange(
        "service.stop_dwell_s", 10.0, 40.0,
        "pulling over, doors, checking the booking", "time a vehicle stands at a pickup or "
        "drop-off (s)"),
    "board_s_per_passenger": AssumptionRange(
        "service.board_s_per_passenger", 2.0, 10.0,
        "boarding a minibus, longer with luggage or a pram", "boarding time per passenger "
        "(s)"),
    "walk_detour_factor": AssumptionRange(
        "service.walk_detour_factor", 1.2, 1.5,
        "walking routes in a street grid are 1.2-1.5 x the straight line",
        "walking distance / straight line to a virtual stop"),
    "charge_threshold": AssumptionRange(
        "service.charge_threshold", 0.1, 0.3,
        "operators send vans to charge at 10-30 % state of charge",
        "state of charge at which a vehicle goes to charge"),
    "service_walk_speed_kmh": AssumptionRange(
        "service.walk_speed_kmh", 4.0, 5.0,
        "usual walking speeds of adults (as demand.walk_speed_kmh)",
        "walking speed to and from virtual stops (km/h)"),
    "diesel_van_l_per_100km": AssumptionRange(
        "fleet.van.fuel_l_per_100km", 8.0, 13.0,
        "FACTS.md has no fuel use of a diesel minibus; Vito/Sprinter-class vans in urban "
        "stop-and-go use 8-13 l/100 km (the diesel twin's value is its scenario's)",
        "fuel use of the diesel vans (l/100 km)"),
    "charge_time_s": AssumptionRange(
        "service.charge_time_s", 1800.0, 5400.0,
        "DC fast charging of a van from 20 to 80 % takes 30-90 min",
        "time of a charging stop (s)"),
}
"""Every unsourced figure of the model (name -> scenario key, plausible range, reasoning):
the sensitivity analysis can vary each one whose key holds a single number."""


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

_NO_HEADWAY = ("Morlautern", "Siegelbach", "Erfenbach", "Erzhuetten-Wiesenthalerhof",
               "Dansenberg", "Erlenbach")
for _zone in _NO_HEADWAY:
    ASSUMPTION_RANGES[f"headway_{_zone.lower().replace('-', '_')}"] = AssumptionRange(
        f"demand.external_zones.{_zone}.bus_headway_min", 30.0, 120.0,
        "headway of its bus line NOT FOUND (FACTS.md section 8); 60 min as the known "
        "branches of line 101 (section 5); 30-120 min spans village lines",
        f"bus headway to {_zone} (min)")

NOT_ASSUMPTIONS: dict[str, str] = {
    # demand: sourced figures
    "demand.internal_population": "FACTS.md section 1 (Kernstadt 2016 - Erzhuetten, derived)",
    "demand.trip_rate": "FACTS.md section 3 (SrV 2023)",
    "demand.target_share_car": "FACTS.md section 3 (SrV 2023 modal split)",
    "demand.target_share_walk": "FACTS.md section 3",
    "demand.target_share_bike": "FACTS.md section 3",
    "demand.target_share_bus": "FACTS.md section 3",
    "demand.bus_end_s": "FACTS.md section 5 (last buses 23:15)",
    "demand.attractors.RPTU campus.weight": "FACTS.md section 2 (9,761 students)",
    "demand.attractors.Hochschule Kammgarn.weight": "FACTS.md section 2 (~2,500 students)",
    "demand.attractors.Westpfalz-Klinikum.weight": "FACTS.md section 2 (~950 beds)",
    "demand.attractors.PRE-Park.weight": "FACTS.md section 2 (~2,500 jobs)",
    "demand.attractors.*.lat": "FACTS.md section 2 (OSM2013 positions)",
    "demand.attractors.*.lon": "FACTS.md section 2 (OSM2013 positions)",
    "demand.external_zones.*.lat": "FACTS.md section 1",
    "demand.external_zones.*.lon": "FACTS.md section 1",
    "demand.external_zones.*.population": "FACTS.md section 1",
    "demand.external_zones.*.attraction": "setting: 0 = no workplaces beyond the residents' "
    "(Einsiedlerhof: its own range)",
    "demand.external_zones.Hohenecken.bus_headway_min": "FACTS.md section 5 (line 101 "
    "branch, 60 min)",
    "demand.external_zones.Einsiedlerhof.bus_headway_min": "FACTS.md section 5 (line 101 "
    "branch, 60 min)",
    "demand.external_zones.Moelschbach.bus_headway_min": "FACTS.md section 5 (13 weekday "
    "connections, derived 83 min)",
    # demand: settings and calibrated or numerical choices that are not figures
    "demand.scale": "setting: share of the day's demand simulated",
    "demand.requests_file": "setting", "demand.requests_skip_invalid": "setting",
    "demand.requests_from_scenario": "setting", "demand.osm_file": "setting",
    "demand.zone_cell_m": "modelling choice: zone size (not a figure of the city)",
    "demand.boundary_band_m": "modelling choice: which network nodes count as its edge",
    "demand.asc_walk": "calibrated to the modal split", "demand.asc_bike": "calibrated",
    "demand.asc_bus": "calibrated", "demand.calibrate": "setting",
    "demand.calibration": "setting (pivot point)", "demand.calibration_scenario": "setting",
    "demand.fare_per_km_eur": "setting: the measure's tariff",
    "demand.service_iterations": "setting: most demand <-> service rounds",
    "demand.service_feedback": "setting", "demand.service_period_bounds_s":
    "modelling choice: periods of the district feedback",
    "demand.prebook_share": "setting of the measure (0 = all immediate)",
    "demand.prebook_lead_s": "setting of the measure",
    "demand.passengers_per_request": "setting (one person per request)",
    # service: the measure's rules
    **{f"service.{k}": "setting: the measure's service rule" for k in (
        "start_s", "end_s", "max_wait_s", "detour_factor", "detour_const_s", "unserved",
        "prebook_release_s", "max_walk_m", "depot_nodes", "initial_positions", "max_stops",
        "request_windows")},
    "service.occupancy_bin_s": "setting: output resolution",
    # emissions
    "emissions.factor_set": "FACTS.md section 6 (UBA factors)",
    "emissions.grid_year": "FACTS.md section 6 (UBA grid factor of that year)",
    "emissions.car_l_per_100km": "setting: 0 = the UBA car factor (FACTS.md section 6)",
    "emissions.bus_convention": "setting: accounting convention",
    "emissions.bus_vkm_change_per_day": "setting: the measure's bus supply change",
    "emissions.bus_l_per_100km": "FACTS.md section 6 (12-m city bus 40 l/100 km, BVG)",
    "emissions.bus_kwh_per_100km": "FACTS.md section 6 (12-m e-bus 115 kWh/100 km, BVG)",
    "emissions.bus_drivetrain": "setting of the measure (diesel or electric SWK buses)",
    # fleet: the measure's vehicles
    **{f"fleet.*.{k}": "setting: the measure's vehicles" for k in (
        "name", "count", "capacity", "kind", "drivetrain", "stop_based", "stop_spacing_m",
        "stops_latlon", "start_s", "end_s", "max_wait_s", "detour_factor", "detour_const_s",
        "start_nodes")},
    "fleet.*.speed_cap_kmh": "FACTS.md section 7 (Navya shuttle usually 25 km/h)",
}
"""The scenario keys that are *not* unsourced assumptions, each with why (a FACTS.md
section, or a setting / modelling choice of the measure or the run); ``*`` stands for any
entry's name. Every other key of a scenario has a range in :data:`ASSUMPTION_RANGES`
(a test checks both lists against the configuration classes)."""


DEFAULT_ASSUMPTIONS = ("car_occupancy", "grid_g_per_kwh", "asc_ondemand_minus_bus",
                       "beta_reject", "fare_eur", "car_park_search_centre_min", "battery_kwh",
                       "energy_kwh_per_km")
"""Varied by the sensitivity analysis when none are chosen
(:mod:`kl_mobility.sensitivity`): the ones that move the net CO2 of an electric package."""
