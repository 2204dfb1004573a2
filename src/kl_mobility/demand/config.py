"""Demand section of a scenario: synthetic Kaiserslautern weekday demand and mode choice.

Every figure is either cited from ``../shared/data/FACTS.md`` (title and URL next to it) or
is a *named assumption*: a parameter whose value no offline source provides. Assumptions are
marked "Assumption" in the field documentation below and listed in :data:`ASSUMPTIONS`;
a scenario may override any of them.

Residents inside the network's area (``internal_population``)
-------------------------------------------------------------
The OSM extract covers the Kernstadt only (``osm/SOURCE.md``, "Coverage caveat"). The city
reports Kernstadt 78,501 residents of 100,569 on 31 Dec 2016 (Stadt KL Pressemitteilung
"100.569 Einwohner am 31. Dezember 2016",
https://www.kaiserslautern.de/buerger_rathaus_politik/medienportal/pressemitteilungen/044997/index.html.de).
Erzhuetten-Wiesenthalerhof (2,653 residents, 30 Jun 2018, Wikipedia
"Erzhuetten-Wiesenthalerhof") is counted in the Kernstadt statistics but lies north of the
extract's box (49.4597 N > 49.457 N), so it is modelled as an external zone and taken out:
78,501 - 2,653 = 75,848 residents inside the network's area (derived).

Trip rate
---------
3.2 trips per person per day, Kaiserslautern 2023 (SrV "Mobilitaet in Staedten", pfalzdigital
"Kaiserslautern - Auto-Anteil am Verkehr sinkt",
https://www.pfalzdigital.de/top-aktuell/kaiserslautern-auto-anteil-am-verkehr-sinkt). The
same source gives the 2023 modal split that the mode choice is calibrated to: car 50 %,
walk 33.3 %, bike 8.3 %, bus and rail 8.5 % (sum 100.1 %, normalised).
"""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_choice, check_finite_fields, check_range

__all__ = [
    "ASSUMPTIONS",
    "CITY_CENTRE",
    "DEFAULT_ATTRACTORS",
    "DEFAULT_EXTERNAL_ZONES",
    "AttractorConfig",
    "DemandConfig",
    "ExternalZoneConfig",
]


@dataclass(frozen=True)
class AttractorConfig:
    """A named trip attractor: ``weight`` attraction units added at (``lat``, ``lon``).

    One attraction unit is one "person-equivalent" of daily destination choice, the same
    unit as :attr:`DemandConfig.attraction_per_resident` and the per-POI weights.
    """

    name: str
    lat: float
    lon: float
    weight: float

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("lat", self.lat, -90.0, 90.0)
        check_range("lon", self.lon, -180.0, 180.0)
        check_range("weight", self.weight, 0.0)


# Positions and sizes from FACTS.md section 2 ("Trip attractors"); one unit per student, job
# or bed where FACTS.md gives a size, an assumption otherwise (listed in ASSUMPTIONS).
DEFAULT_ATTRACTORS: tuple[AttractorConfig, ...] = (
    # RPTU campus: OSM2013 centroid; 9,761 students SS 2024 (Rheinpfalz "578 Studienanfaenger
    # an RPTU" / Stadt KL "Hochschulen").
    AttractorConfig("RPTU campus", 49.42549, 7.75580, 9761.0),
    # Hochschule KL, Campus Kammgarn: OSM2013; ~2,500 students at the KL site (2019).
    AttractorConfig("Hochschule Kammgarn", 49.44724, 7.75840, 2500.0),
    # Westpfalz-Klinikum: OSM2013 centroid; ~950 beds (Wikipedia "Westpfalz-Klinikum").
    AttractorConfig("Westpfalz-Klinikum", 49.44142, 7.75621, 950.0),
    # PRE-Park: OSM2013 place node; ~2,500 jobs (Wikipedia "PRE-Park").
    AttractorConfig("PRE-Park", 49.45537, 7.80585, 2500.0),
    # Hauptbahnhof: OSM2013 station node; size NOT FOUND offline -> assumption 2,000.
    AttractorConfig("Hauptbahnhof", 49.43598, 7.76893, 2000.0),
    # Stadtmitte bus hub (Rathaus stops, OSM2013); size NOT FOUND -> assumption 3,000.
    AttractorConfig("Stadtmitte", 49.4457, 7.7690, 3000.0),
    # PRE-Uni-Park (Fraunhofer, DFKI, MPI): OSM2013; ~80,000 m2, jobs NOT FOUND -> 1,000.
    AttractorConfig("PRE-Uni-Park", 49.43111, 7.75177, 1000.0),
    # Gewerbegebiet Nord-Ost: OSM2013 node; size NOT FOUND -> assumption 1,000.
    AttractorConfig("Gewerbegebiet Nord-Ost", 49.45678, 7.79397, 1000.0),
    # Messeplatz / Volkspark: OSM2013; weekday size NOT FOUND -> assumption 300.
    AttractorConfig("Messeplatz", 49.44308, 7.78583, 300.0),
    # Fritz-Walter-Stadion (49.43506, 7.77620, ~49,000 seats) is an event venue without a
    # weekday figure; a match-day scenario adds it as an AttractorConfig.
)


@dataclass(frozen=True)
class ExternalZoneConfig:
    """An Ortsbezirk outside the OSM extract, attached to the nearest boundary node.

    ``bus_headway_min``: mean headway of its bus link to the city. ``attraction``: extra
    attraction units beyond ``population x attraction_per_resident`` (workplaces).
    """

    name: str
    lat: float
    lon: float
    population: float
    bus_headway_min: float = 60.0
    attraction: float = 0.0

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("lat", self.lat, -90.0, 90.0)
        check_range("lon", self.lon, -180.0, 180.0)
        check_range("population", self.population, 0.0)
        check_range("bus_headway_min", self.bus_headway_min, 0.0, lo_open=True)
        check_range("attraction", self.attraction, 0.0)


# FACTS.md section 1, "Ortsbezirke (outer districts) - population and centroid" (Wikipedia
# articles per Ortsbezirk; Einsiedlerhof from the Stadt KL Ortsbezirk page, "rund 1.300").
# Bus headways: line 101 branches to Einsiedlerhof and Hohenecken run every 60 min (Wikipedia
# "SWK Stadtwerke Kaiserslautern Verkehrs-AG"); Moelschbach has 13 weekday connections
# (Rheinpfalz Themenwelten 2022), i.e. 18 h / 13 = 83 min (derived); the other lines'
# headways are NOT FOUND offline -> assumption 60 min (the default).
# Einsiedlerhof attraction: the Einsiedlerhof-Vogelweh industrial area (Opel plant, 264 ha);
# its jobs are NOT FOUND offline -> assumption 2,500 units (the size of PRE-Park).
DEFAULT_EXTERNAL_ZONES: tuple[ExternalZoneConfig, ...] = (
    ExternalZoneConfig("Hohenecken", 49.4156, 7.6961, 3694.0, 60.0),
    ExternalZoneConfig("Morlautern", 49.4689, 7.7653, 3108.0),
    ExternalZoneConfig("Siegelbach", 49.4686, 7.6914, 2935.0),
    ExternalZoneConfig("Erfenbach", 49.4808, 7.7117, 2814.0),
    ExternalZoneConfig("Erzhuetten-Wiesenthalerhof", 49.4597, 7.7297, 2653.0),
    ExternalZoneConfig("Dansenberg", 49.40, 7.73, 2608.0),
    ExternalZoneConfig("Erlenbach", 49.4794, 7.7703, 2223.0),
    ExternalZoneConfig("Einsiedlerhof", 49.4378, 7.6650, 1300.0, 60.0, 2500.0),
    ExternalZoneConfig("Moelschbach", 49.3817, 7.8164, 1163.0, 83.0),
)

CITY_CENTRE = (49.4447, 7.7689)
"""City centre coordinate (lat, lon), Wikipedia "Kaiserslautern" (FACTS.md section 1)."""

ASSUMPTIONS: dict[str, str] = {
    "hourly profiles": "weekday time-of-day profiles (outbound_profile, return_profile): no "
    "Kaiserslautern profile offline; shape with morning and afternoon peaks assumed",
    "attraction weights": "attraction_per_resident/_nonres_m2/_shop/_amenity/_school and "
    "attractor sizes without a FACTS.md figure",
    "gravity_decay_per_min": "distance decay of the gravity model",
    "logit coefficients": "beta_* time and cost sensitivities",
    "driver experience": "car_walk_min, car_walk_centre_min, car_park_search_min, "
    "car_centre_radius_m, car_signal_stop_share, car_signal_wait_s, car_give_way_speed_kmh, "
    "car_accel_mps2, car_decel_mps2 (kl_mobility.demand.driving); "
    "car_park_search_centre_min is calibrated on the one published door-to-door time",
    "speeds": "walk_speed_kmh, bike_speed_kmh, intrazonal_speed_kmh, external_speed_kmh",
    "costs": "car_cost_eur_per_km, bus_fare_eur, assumed on-demand fare",
    "bus approximation": "bus_headway_min (core), bus_ivt_factor, bus hours start",
    "assumed service level": "assumed_wait_s, assumed_detour_factor before a simulation",
    "demand-service rounds": "service_step, service_requests_tol, service_level_tol: "
    "numerical settings of the demand <-> simulation rounds (no source; step 0.5 from the "
    "measured response slope of about -1 in the Klima+ 2030 runs, tolerances of 2 % and 3 %: "
    "about twice the round-to-round noise of a converged run)",
    "external zones": "external_detour_factor, external_intrazonal_m, "
    "external_facility_factor, headways not found, Einsiedlerhof industry size",
}


def _check_profile(name: str, values: tuple[float, ...]) -> None:
    if len(values) != 24:
        raise ValueError(f"{name} must have 24 hourly weights, got {len(values)}")
    if min(values) < 0 or sum(values) <= 0:
        raise ValueError(f"{name} must be non-negative with a positive sum")


# Assumption: hourly shares of home-based outbound legs (home -> activity) and return legs
# (activity -> home) on a weekday; morning peak 7-8 h in the outbound legs, afternoon peak
# 16-17 h in the return legs. No Kaiserslautern profile was found offline.
_OUTBOUND = (0.2, 0.1, 0.1, 0.1, 0.3, 1.2, 4.5, 12.0, 10.0, 7.5, 6.5, 6.5,
             6.0, 6.5, 6.5, 6.0, 5.5, 4.5, 3.5, 2.5, 1.6, 1.0, 0.6, 0.3)
_RETURN = (0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.9, 1.6, 2.4, 3.4, 5.0,
           7.5, 7.5, 7.0, 8.0, 10.5, 11.0, 9.5, 7.0, 5.0, 3.5, 2.5, 1.5)


@dataclass(frozen=True)
class DemandConfig:
    """Demand generation parameters (see the module docstring for the derivations).

    Totals: ``internal_population`` residents inside the network's area plus the
    ``external_zones`` make ``trip_rate`` trips per person per day, times ``scale``.
    ``requests_file``: when set, the on-demand requests are read from this file instead of
    being generated (``requests_skip_invalid`` leaves bad rows out instead of failing).
    """

    scale: float = 1.0
    requests_file: str = ""
    requests_skip_invalid: bool = False
    requests_from_scenario: str = ""
    """Another scenario file (relative to this one's folder) whose settled requests this
    scenario simulates, same seed (its demand rounds run first, on its own network): a
    comparison on the same demand (e.g. the diesel twin isolating the drivetrain). Empty:
    this scenario's own demand."""
    osm_file: str = ""
    """OSM extract for buildings and POIs; empty = the network's default source."""

    # --- totals ------------------------------------------------------------------------
    internal_population: float = 75_848.0
    """Residents inside the network's area: Kernstadt 78,501 - Erzhuetten 2,653 (derived)."""
    trip_rate: float = 3.2
    """Trips per person per day (SrV 2023, pfalzdigital; FACTS.md section 3)."""
    external_zones: tuple[ExternalZoneConfig, ...] = DEFAULT_EXTERNAL_ZONES

    # --- zones and attraction ----------------------------------------------------------
    zone_cell_m: float = 300.0
    """Side of the square grid cells that aggregate buildings into zones (modelling choice)."""
    min_residential_m2: float = 40.0
    """Assumption: smaller 'building=yes' footprints are garages/sheds, not homes."""
    attraction_per_resident: float = 0.3
    """Assumption: attraction units per resident (visits, local errands near homes)."""
    attraction_per_nonres_m2: float = 0.02
    """Assumption: attraction units per m2 of non-residential building footprint."""
    attraction_per_shop: float = 25.0
    """Assumption: attraction units per OSM ``shop=*`` feature."""
    attraction_per_amenity: float = 10.0
    """Assumption: attraction units per visitor amenity (restaurants, doctors, banks, ...)."""
    attraction_per_school: float = 150.0
    """Assumption: attraction units per school / kindergarten / college feature."""
    attractors: tuple[AttractorConfig, ...] = DEFAULT_ATTRACTORS

    # --- distribution ------------------------------------------------------------------
    gravity_decay_per_min: float = 0.10
    """Assumption: f(t) = exp(-decay x car minutes) in the gravity model."""
    outbound_profile: tuple[float, ...] = _OUTBOUND
    return_profile: tuple[float, ...] = _RETURN

    # --- level of service ----------------------------------------------------------------
    walk_speed_kmh: float = 4.5
    bike_speed_kmh: float = 15.0
    # driver experience beyond the free-flow time (kl_mobility.demand.driving)
    car_walk_min: float = 1.0
    """Assumption: walk between the car and the trip's end, minutes at each end (outside
    the centre: the car stands at the house or a car park beside the destination)."""
    car_walk_centre_min: float = 3.0
    """Assumption: the same walk at an end in the city centre (garages, street parking a
    few hundred metres away)."""
    car_park_search_min: float = 0.5
    """Assumption: parking search at a destination outside the centre, minutes."""
    car_park_search_centre_min: float = 6.7
    """Calibrated: parking search at a destination in the centre, minutes; the value that
    makes campus -> Fruchthalle 17 min door to door on the baseline network (FACTS.md
    section 3; :func:`kl_mobility.validity.calibrated_centre_search_min`)."""
    car_centre_radius_m: float = 800.0
    """Assumption: zones within this distance of the city centre coordinate (FACTS.md
    section 1) have the centre's walk and parking search."""
    car_signal_stop_share: float = 0.5
    """Assumption: probability that a car stops at a traffic signal (red share of the
    cycle)."""
    car_signal_wait_s: float = 20.0
    """Assumption: mean wait of a car stopped at a signal, seconds (half the red time)."""
    car_give_way_speed_kmh: float = 15.0
    """Assumption: speed a car slows to where it gives way at a junction without signals."""
    car_accel_mps2: float = 1.5
    """Assumption: mean acceleration of a car in town (m/s2)."""
    car_decel_mps2: float = 2.0
    """Assumption: mean comfortable deceleration of a car in town (m/s2)."""
    car_cost_eur_per_km: float = 0.20
    """Assumption: perceived car running cost."""
    intrazonal_speed_kmh: float = 25.0
    """Assumption: car speed for trips within one zone (no network path between nodes)."""
    external_detour_factor: float = 1.3
    """Assumption: road distance / straight line from an Ortsbezirk to its boundary node."""
    external_speed_kmh: float = 50.0
    """Assumption: car speed on the link from an Ortsbezirk to its boundary node."""
    external_facility_factor: float = 0.5
    """Assumption: facilities (shops, schools, jobs) per resident in an Ortsbezirk relative
    to the core's average (their POIs lie outside the extract)."""
    external_intrazonal_m: float = 800.0
    """Assumption: mean trip length within an Ortsbezirk."""
    boundary_band_m: float = 300.0
    """Nodes within this distance of the network's bounding box count as boundary nodes."""
    bus_headway_min: float = 15.0
    """Assumption: effective core headway; lines run every 30 min and overlap on trunks
    (101 trunk <= 10 min, 102+117 15 min in Barbarossastrasse; FACTS.md section 5)."""
    bus_ivt_factor: float = 1.3
    """Assumption: bus in-vehicle time / car time (stops, routing). Plausibility: the
    Rheinpfalz test campus -> Fruchthalle took bus 23 min vs car 17 min door to door."""
    bus_fare_eur: float = 1.5
    """Assumption: mean perceived fare per bus trip (season tickets lower it); NOT FOUND."""
    bus_start_s: int = 5 * 3600
    """Assumption: first regular buses (NOT FOUND offline)."""
    bus_end_s: int = 23 * 3600 + 15 * 60
    """Last regular buses from Stadtmitte 23:15 (SWK press "SWK reduziert Fahrplanangebot")."""
    bus_access_detour_factor: float = 1.3
    """Assumption: walking distance / straight line to the nearest bus stop."""

    # --- logit coefficients (utility units) ----------------------------------------------
    beta_ivt_per_min: float = -0.05
    beta_walk_per_min: float = -0.10
    beta_bike_per_min: float = -0.09
    beta_access_per_min: float = -0.08
    beta_wait_per_min: float = -0.08
    beta_cost_per_eur: float = -0.30
    beta_reject: float = -2.0
    """Utility per unit of the on-demand rejection probability (1 - share served)."""
    asc_walk: float = 0.0
    asc_bike: float = 0.0
    asc_bus: float = 0.0
    """Alternative-specific constants (car = 0); overwritten by calibration when on."""
    asc_ondemand_minus_bus: float = -1.0
    """Assumption: on-demand constant relative to the calibrated bus constant (negative: a
    new, unfamiliar, booked service; no local figure exists)."""
    calibrate: bool = True
    """Calibrate the constants to the target shares (``False``: take ``asc_*`` as given)."""
    calibration: str = "baseline"
    """Where the constants are calibrated (pivot point): ``"baseline"`` (default) on the
    reference case, i.e. the scenario named by ``calibration_scenario`` (its network, its
    public transport, no on-demand service), and then held fixed, so a measure that changes
    times or costs shifts modes; ``"scenario"``: re-calibrated on this scenario's own network
    (explicit opt-in: a measure's effect on the modal split is then calibrated away)."""
    calibration_scenario: str = ""
    """Scenario file of the reference case, relative to the folder of the scenario file
    being read (the shipped ``baseline.toml`` sets ``"baseline.toml"`` for all scenarios
    extending it); empty: the scenario itself without its measures (no speed caps, no
    on-demand service)."""
    target_share_car: float = 50.0
    target_share_walk: float = 33.3
    target_share_bike: float = 8.3
    target_share_bus: float = 8.5

    # --- on-demand service level assumed before any simulation ---------------------------
    assumed_wait_s: float = 600.0
    assumed_detour_factor: float = 1.3
    fare_eur: float = 2.5
    """Assumption: on-demand base fare per trip."""
    fare_per_km_eur: float = 0.0
    service_iterations: int = 1
    """Most demand <-> simulation rounds: with n > 1 the demand moves towards the service
    level the previous simulation measured, for at most n - 1 more rounds, and stops when
    demand and service agree (:class:`kl_mobility.demand.modechoice.DemandRounds`)."""
    service_step: float = 0.5
    """Assumption (numerical): share of the way each round moves the per-trip on-demand
    probabilities from the last round's towards those the measured level gives; the
    response of the Klima+ 2030 runs has a slope of about -1 (requests the measured level
    gives per simulated request), for which 1 / (1 + 1) = 0.5 cancels it in one round.
    Halved by the rounds whenever they overshoot."""
    service_requests_tol: float = 0.02
    """Assumption (numerical): one of the two tests of converged rounds: the requests the
    measured level gives differ from the simulated ones by at most this share (of the
    larger); a converged Klima+ 2030 run stays within 1 % from round to round."""
    service_level_tol: float = 0.03
    """Assumption (numerical): the other test: wait, detour factor and share served each
    changed by at most this share (of the larger) since the previous round. The share
    served of ~6,700 requests has a sampling error of about 1 % of its value, so two
    rounds differ by about 1.4 % from noise alone; 3 % is about two such errors."""

    service_feedback: str = "district"
    """What the rounds feed back: ``"district"`` (default): the share served and the mean
    wait measured per district (the core, each Ortsbezirk: the outer end of a trip decides)
    and period of the day (``service_period_bounds_s``), so poorly served places lose
    on-demand riders and well served ones gain; ``"city"``: one city-wide level."""
    service_period_bounds_s: tuple[int, ...] = (0, 25_200, 36_000, 57_600, 68_400, 172_800)
    """Modelling choice: period boundaries of the district feedback (seconds since
    midnight; default before 07:00, 07-10 morning peak, 10-16, 16-19 afternoon peak, from
    19:00)."""
    service_local_prior: float = 30.0
    """Assumption (numerical): fallback of the district feedback where a district and
    period has few requests: its measured share served and wait are shrunk towards the
    city-wide ones with the weight of this many requests, ``(n x local + prior x city) /
    (n + prior)``; a cell without requests takes the city-wide level."""

    # --- requests ------------------------------------------------------------------------
    prebook_share: float = 0.0
    """Share of on-demand requests booked ahead (no source; 0 = all immediate)."""
    prebook_lead_s: int = 3600
    passengers_per_request: int = 1

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("scale", self.scale, 0.0, 100.0, lo_open=True)
        check_range("internal_population", self.internal_population, 0.0)
        check_range("trip_rate", self.trip_rate, 0.0, 20.0)
        check_range("zone_cell_m", self.zone_cell_m, 50.0, 5000.0)
        check_range("min_residential_m2", self.min_residential_m2, 0.0)
        for name in ("attraction_per_resident", "attraction_per_nonres_m2",
                     "attraction_per_shop", "attraction_per_amenity", "attraction_per_school",
                     "car_cost_eur_per_km", "bus_fare_eur", "fare_eur", "fare_per_km_eur",
                     "car_walk_min", "car_walk_centre_min", "car_park_search_min",
                     "car_park_search_centre_min", "car_centre_radius_m",
                     "car_signal_wait_s", "car_give_way_speed_kmh",
                     "external_intrazonal_m", "boundary_band_m",
                     "external_facility_factor",
                     "prebook_share"):
            check_range(name, getattr(self, name), 0.0)
        check_range("prebook_share", self.prebook_share, 0.0, 1.0)
        check_range("gravity_decay_per_min", self.gravity_decay_per_min, 0.0, 10.0)
        check_range("car_signal_stop_share", self.car_signal_stop_share, 0.0, 1.0)
        for name in ("car_accel_mps2", "car_decel_mps2"):
            check_range(name, getattr(self, name), 0.0, 10.0, lo_open=True)
        _check_profile("outbound_profile", self.outbound_profile)
        _check_profile("return_profile", self.return_profile)
        for name in ("walk_speed_kmh", "bike_speed_kmh", "intrazonal_speed_kmh",
                     "external_speed_kmh", "bus_headway_min"):
            check_range(name, getattr(self, name), 0.0, 200.0, lo_open=True)
        for name in ("external_detour_factor", "bus_ivt_factor", "bus_access_detour_factor",
                     "assumed_detour_factor"):
            check_range(name, getattr(self, name), 1.0, 10.0)
        check_range("bus_start_s", self.bus_start_s, 0, 48 * 3600)
        check_range("bus_end_s", self.bus_end_s, self.bus_start_s, 48 * 3600)
        for name in ("beta_ivt_per_min", "beta_walk_per_min", "beta_bike_per_min",
                     "beta_access_per_min", "beta_wait_per_min", "beta_cost_per_eur",
                     "beta_reject"):
            check_range(name, getattr(self, name), None, 0.0)
        for name in ("target_share_car", "target_share_walk", "target_share_bike",
                     "target_share_bus"):
            check_range(name, getattr(self, name), 0.0, 100.0, lo_open=True)
        check_choice("calibration", self.calibration, ("baseline", "scenario"))
        check_range("assumed_wait_s", self.assumed_wait_s, 0.0, 24 * 3600)
        check_range("service_iterations", self.service_iterations, 1, 100)
        check_range("service_step", self.service_step, 0.0, 1.0, lo_open=True)
        check_range("service_requests_tol", self.service_requests_tol, 0.0, 1.0)
        check_range("service_level_tol", self.service_level_tol, 0.0, 1.0)
        check_choice("service_feedback", self.service_feedback, ("district", "city"))
        b = self.service_period_bounds_s
        if len(b) < 2 or b[0] != 0 or any(x >= y for x, y in zip(b, b[1:])) or b[-1] < 86_400:
            raise ValueError("service_period_bounds_s must rise strictly from 0 to at least "
                             f"86400, got {list(b)}")
        check_range("service_local_prior", self.service_local_prior, 0.0, 1e6)
        check_range("prebook_lead_s", self.prebook_lead_s, 0, 7 * 86400)
        check_range("passengers_per_request", self.passengers_per_request, 1, 100)
        names = [z.name for z in self.external_zones]
        if len(set(names)) != len(names):
            raise ValueError(f"external_zones names must be unique, got {names}")

    @property
    def target_shares(self) -> dict[str, float]:
        """Calibration targets as fractions summing to 1 (car, walk, bike, bus)."""
        raw = {"car": self.target_share_car, "walk": self.target_share_walk,
               "bike": self.target_share_bike, "bus": self.target_share_bus}
        total = sum(raw.values())
        return {k: v / total for k, v in raw.items()}
