"""Synthetic weekday demand: trip generation, gravity distribution, mode choice, requests.

Steps of :func:`generate_demand`:

1. Zones from the OSM buildings and POIs plus the external Ortsbezirke
   (:mod:`kl_mobility.demand.zones`).
2. Trip totals: every resident makes ``trip_rate`` trips a day (x ``scale``), half of them
   *outbound* legs from home to an activity and half *return* legs (tour symmetry; trips
   between two activities are not modelled separately).
3. Distribution (singly constrained gravity model): outbound legs from zone ``i`` go to
   ``j`` in proportion to ``attr_j x exp(-gravity_decay_per_min x car_min_ij)``; return legs
   mirror the outbound matrix. The integer trip matrix is one multinomial draw.
4. Departure times from the outbound / return hourly profiles.
5. Mode choice (:mod:`kl_mobility.demand.modechoice`): base mode from the calibrated
   4-mode logit (bus only within its hours), then on-demand with its logit probability
   given the :class:`ServiceLevel`, inside the service hours.
6. Each trip end is a building (or POI) of its zone, drawn by residents at the home end and
   by attraction at the activity end; the request table holds the on-demand trips.

Demand and service are iterated to agreement by the runner (``demand.service_iterations``,
:class:`kl_mobility.demand.modechoice.DemandRounds`): generate with the assumed service
level, simulate, take the measured level (:meth:`ServiceLevel.from_kpis`), regenerate. The
same seed is used in every round (common random numbers): the trips, their base modes and
the uniform number each trip compares with its on-demand probability
(:attr:`Demand.ondemand_draw`) stay fixed and only the switch to on-demand moves, so a
better service level adds requests and a worse one removes some, without sampling noise
between rounds. The rounds average the *demand*: :meth:`Demand.with_ondemand_probability`
redraws the day's requests from per-trip probabilities between the previous round's and
the ones the measured level gives.

Randomness: one ``np.random.SeedSequence(seed)`` spawned into named streams (counts, times,
modes, points, requests); results are identical for a seed on any machine with the same
library versions (integer sorting is stable everywhere).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.demand.config import DemandConfig
from kl_mobility.demand.modechoice import (
    ServiceLevel,
    ZoneLos,
    bus_slot,
    calibrate_asc,
    expected_shares,
    mode_probabilities,
    slot_masses,
    zone_los,
)
from kl_mobility.demand.osmfeatures import osm_features
from kl_mobility.demand.profile import sample_times
from kl_mobility.demand.schema import (
    ALT_MODES,
    MODES,
    REQUEST_COLUMNS,
    REQUEST_DTYPES,
    ordinary_feeder_columns,
)
from kl_mobility.demand.servicearea import ServiceArea, in_window
from kl_mobility.demand.zones import ZoneTable, build_zones
from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.pt.supply import PtSupply

__all__ = ["Demand", "ExpectedTravel", "calibrated_constants", "expected_travel", "generate_demand",
           "level_of_service", "load_zones"]

_STREAMS = ("counts", "times", "modes", "points", "requests")
_TASK = "demand"
OUTBOUND, RETURN = 0, 1


@dataclass(eq=False)
class Demand:
    """Generated demand of one day.

    ``trips``: every resident trip (columns ``trip_id, depart_s, leg, origin_zone,
    dest_zone, origin_node, dest_node, origin_lat, origin_lon, dest_lat, dest_lon, mode,
    base_mode, car_s, dist_m``; ``mode`` in :data:`MODES`, ``base_mode`` the choice without
    on-demand, ``car_s``/``dist_m`` zone-level car time and distance).
    ``requests``: the on-demand trips as a request table (:mod:`kl_mobility.demand.schema`).
    ``asc``: the alternative-specific constants used; ``expected_base_shares``: the model's
    expected 4-mode shares (car, walk, bike, bus) without on-demand.
    """

    trips: pd.DataFrame
    requests: pd.DataFrame
    service_level: ServiceLevel
    asc: dict[str, float]
    expected_base_shares: dict[str, float]
    zones: ZoneTable | None = None
    config: DemandConfig | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    ondemand_probability: np.ndarray | None = None
    """Per trip (``trips`` order): the probability it switched to on-demand with (0 where
    the service cannot take it)."""
    ondemand_draw: np.ndarray | None = None
    """Per trip: the uniform number compared with that probability (fixed by the seed)."""
    day: _Day | None = field(default=None, repr=False)
    """The draws no service level changes (``generate_demand(..., same_day=)`` reuses
    them); ``None`` for a demand not made by :func:`generate_demand`."""

    def with_ondemand_probability(self, probability: np.ndarray) -> Demand:
        """The same day with each trip switching to on-demand with ``probability`` (per
        trip, ``trips`` order) instead: the same trips, base modes and draws; the requests
        are what :func:`generate_demand` gives for these probabilities (same seed, same
        request stream). Trips the service cannot take keep probability 0."""
        if self.ondemand_probability is None or self.ondemand_draw is None \
                or self.zones is None or self.config is None:
            raise ValueError("probability: this demand has no per-trip probabilities")
        p = np.asarray(probability, np.float64)
        if p.shape != self.ondemand_probability.shape:
            raise ValueError(f"probability must have one entry per trip "
                             f"({self.ondemand_probability.shape[0]}), got shape {p.shape}")
        if np.any(~(p >= 0.0) | (p > 1.0)):
            raise ValueError("probability must lie in [0, 1]")
        p = np.where(self.ondemand_probability > 0.0, p, 0.0)
        base = self.trips["base_mode"].cat.codes.to_numpy()
        mode = np.where(self.ondemand_draw < p, 4, base).astype(np.int8)
        trips = self.trips.copy()
        trips["mode"] = pd.Categorical.from_codes(mode, MODES)
        requests = _requests(trips, self.zones, self.config,
                             _streams(int(self.meta["seed"]))["requests"])
        return dataclasses.replace(self, trips=trips, requests=requests,
                                   ondemand_probability=p)

    def calibrated_config(self) -> DemandConfig:
        """The config with the constants fixed to this run's values (no re-calibration)."""
        if self.config is None:
            raise ValueError("no config attached")
        return dataclasses.replace(self.config, asc_walk=self.asc["walk"],
                                   asc_bike=self.asc["bike"], asc_bus=self.asc["bus"],
                                   calibrate=False)

    def summary(self) -> dict[str, Any]:
        """Totals, trips by mode (count and %), base modal split, requests by hour."""
        trips = self.trips
        n = len(trips)
        by_mode = trips["mode"].value_counts().reindex(list(MODES), fill_value=0)
        base = trips["base_mode"].value_counts().reindex(list(ALT_MODES), fill_value=0)
        req_hours = (self.requests["request_time_s"] // 3600).value_counts()
        trip_hours = (trips["depart_s"] // 3600).value_counts()
        return {
            "trips": n,
            "requests": len(self.requests),
            "trips_by_mode": {m: int(by_mode[m]) for m in MODES},
            "share_by_mode_pct": {m: 100.0 * by_mode[m] / max(n, 1) for m in MODES},
            "base_share_pct": {m: 100.0 * base[m] / max(n, 1) for m in ALT_MODES},
            "trips_by_hour": {int(h): int(trip_hours.get(h, 0)) for h in range(24)},
            "requests_by_hour": {int(h): int(req_hours.get(h, 0)) for h in range(24)},
            "requests_by_alt_mode": {m: int((self.requests["alt_mode"] == m).sum())
                                     for m in ALT_MODES},
            "service_level": dataclasses.asdict(self.service_level),
            "asc": dict(self.asc),
        }

    def summary_text(self) -> str:
        """The summary as a small text report (for the CLI)."""
        s = self.summary()
        lines = [f"trips: {s['trips']:,}   on-demand requests: {s['requests']:,}",
                 "mode       trips    share   base share (without on-demand)"]
        for m in MODES:
            base = f"{s['base_share_pct'][m]:6.2f} %" if m in ALT_MODES else "      -"
            lines.append(f"{m:<9}{s['trips_by_mode'][m]:>8,} {s['share_by_mode_pct'][m]:6.2f} %"
                         f"   {base}")
        lines.append("hour   trips  requests")
        for h in range(24):
            lines.append(f"{h:02d}  {s['trips_by_hour'][h]:>7,}  {s['requests_by_hour'][h]:>8,}")
        return "\n".join(lines)


def load_zones(network, config: DemandConfig, *, osm_file: str | Path | None = None,
               cache_dir: str | Path | None = None,
               progress: ProgressCallback | None = None) -> ZoneTable:
    """Zones of ``network`` from an OSM file: ``osm_file``, else ``config.osm_file``, else
    the file the network was built from, else the default extract."""
    from kl_mobility.network import default_osm_path

    source = str(getattr(network, "meta", {}).get("source", ""))
    if not (source and Path(source).is_file()):
        source = ""
    path = Path(osm_file or config.osm_file or source or default_osm_path())
    feats = osm_features(path, cache_dir=cache_dir, progress=progress)
    try:
        return build_zones(network, feats, config)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None


_in_window = in_window


def _sample_points(zones: ZoneTable, zone: np.ndarray, weights: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """One point per entry of ``zone``, drawn within the zone in proportion to ``weights``."""
    cum = np.cumsum(weights)
    start = np.concatenate([[0.0], cum])[zones.point_ptr[:-1]]
    end = np.concatenate([[0.0], cum])[zones.point_ptr[1:]]
    u = start[zone] + rng.random(zone.shape[0]) * (end[zone] - start[zone])
    idx = np.searchsorted(cum, u, side="right")
    return np.clip(idx, zones.point_ptr[zone], zones.point_ptr[zone + 1] - 1)


def _gravity(zones: ZoneTable, los, config: DemandConfig) -> np.ndarray:
    """Expected outbound legs ``[i, j]`` (row sums = residents x rate / 2 x scale)."""
    f = np.where(los.reachable, np.exp(-config.gravity_decay_per_min * los.car_min), 0.0)
    w = zones.attr[None, :] * f
    rows = w.sum(axis=1, keepdims=True)
    legs = zones.pop * config.trip_rate * config.scale / 2.0
    return np.divide(w, rows, out=np.zeros_like(w), where=rows > 0) * legs[:, None]


def _calibration_weights(out: np.ndarray, config: DemandConfig, los: ZoneLos) -> np.ndarray:
    """Expected trips ``[slot, i, j]`` (outbound legs ``out`` and their returns), split by
    the bus slot of their departure time (:func:`~kl_mobility.demand.modechoice.bus_slot`:
    whether the bus runs, or the period of the timetable)."""
    m_out = slot_masses(los, config, config.outbound_profile)
    m_ret = slot_masses(los, config, config.return_profile)
    return out[None] * m_out[:, None, None] + out.T[None] * m_ret[:, None, None]


def _zone_los(zones: ZoneTable, oracle, config: DemandConfig, transit: PtSupply | None,
              cache_dir: str | Path | None) -> ZoneLos:
    """:func:`zone_los`, with the timetable's per-period times when ``transit`` is given
    (``pt.mode_choice = "router"``)."""
    if transit is None:
        return zone_los(zones, oracle, config)
    from kl_mobility.pt.zonetimes import zone_pt_los

    pt = zone_pt_los(transit.timetable, zones.lat, zones.lon,
                     tuple(config.service_period_bounds_s), feed_path=transit.path,
                     cache_dir=cache_dir)
    return zone_los(zones, oracle, config, pt=pt,
                    transfer_penalty_min=transit.config.transfer_penalty_min)


def level_of_service(zones: ZoneTable, oracle, config: DemandConfig, *,
                     transit: PtSupply | None = None,
                     cache_dir: str | Path | None = None) -> ZoneLos:
    """The zone-to-zone level of service the mode choice uses: :func:`zone_los`, with the
    timetable's per-period times when ``transit`` is given (``pt.mode_choice = "router"``,
    :mod:`kl_mobility.pt.zonetimes`)."""
    return _zone_los(zones, oracle, config, transit, cache_dir)


def calibrated_constants(network, oracle, config: DemandConfig, *,
                         zones: ZoneTable | None = None, cache_dir: str | Path | None = None,
                         transit: PtSupply | None = None
                         ) -> tuple[dict[str, float], dict[str, float]]:
    """The constants of walk, bike and bus calibrated to ``config.target_shares`` on
    ``network`` (no on-demand service), and the expected 4-mode shares they reach: the
    calibration step of :func:`generate_demand`, without drawing a day. The pivot point
    of the scenarios (``demand.calibration = "baseline"``) calls it on the reference case."""
    if zones is None:
        zones = load_zones(network, config, cache_dir=cache_dir)
    los = _zone_los(zones, oracle, config, transit, cache_dir)
    asc, shares = calibrate_asc(los, config, _calibration_weights(_gravity(zones, los, config),
                                                                  config, los))
    return asc, dict(zip(ALT_MODES, map(float, shares)))


@dataclass(frozen=True, eq=False)
class ExpectedTravel:
    """Expected residents' travel of one day without on-demand service, by base mode.

    ``trips`` and ``pkm`` map car, walk, bike, bus to expected trips and person-km (one
    person per trip); ``dist_m[i, j]``: the zone-to-zone distance used, along the fastest
    car path between the zones' nodes on the network (+ the outer districts' offsets;
    intrazonal: ``intrazonal_m``); ``zone_index``: zone name -> row of ``dist_m``.
    """

    trips: dict[str, float]
    pkm: dict[str, float]
    dist_m: np.ndarray
    zone_index: dict[str, int]


def expected_travel(network, oracle, config: DemandConfig, *, zones: ZoneTable | None = None,
                    cache_dir: str | Path | None = None, transit: PtSupply | None = None
                    ) -> ExpectedTravel:
    """Expected trips and person-km by base mode of a day on ``network`` with the constants
    of ``config`` (calibrated first when ``config.calibrate``): the gravity matrix times the
    4-mode logit probabilities (bus within its hours) times the zone-to-zone distances.
    Expected values, not a draw: two networks compare without sampling noise."""
    if zones is None:
        zones = load_zones(network, config, cache_dir=cache_dir)
    los = _zone_los(zones, oracle, config, transit, cache_dir)
    weights = _calibration_weights(_gravity(zones, los, config), config, los)
    if config.calibrate:
        asc, _ = calibrate_asc(los, config, weights)
    else:
        asc = {"walk": config.asc_walk, "bike": config.asc_bike, "bus": config.asc_bus}
    p4 = mode_probabilities(los, config, asc, ServiceLevel.none())[0]
    per_mode = np.einsum("bij,bijm->mij", weights, p4)
    trips = {m: float(per_mode[i].sum()) for i, m in enumerate(ALT_MODES)}
    pkm = {m: float((per_mode[i] * los.dist_m).sum() / 1000.0) for i, m in enumerate(ALT_MODES)}
    index = {str(n): i for i, n in enumerate(zones.name)}
    return ExpectedTravel(trips, pkm, los.dist_m.copy(), index)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """The named random streams of a seed (``SeedSequence(seed)`` spawned in order)."""
    ss = np.random.SeedSequence(seed)
    return {name: np.random.default_rng(s) for name, s in zip(_STREAMS, ss.spawn(len(_STREAMS)))}


@dataclass(frozen=True, eq=False)
class _Day:
    """The part of a generated day that no service level changes (steps 1-4 and 6 of the
    module docstring with the base modes): what :func:`generate_demand` reuses when it is
    handed ``same_day``. ``access``: the service area's ``(available, walk_s)`` per trip,
    filled on first use."""

    network: Any
    oracle: Any
    config: DemandConfig
    seed: int
    service_area: ServiceArea | None
    transit: PtSupply | None
    zones: ZoneTable
    los: Any
    asc: dict[str, float]
    shares: np.ndarray
    p4: np.ndarray
    depart: np.ndarray
    o: np.ndarray
    d: np.ndarray
    bus_ok: np.ndarray
    u: np.ndarray
    base: np.ndarray
    onode: np.ndarray
    dnode: np.ndarray
    trips: pd.DataFrame
    access: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _draw_day(network, oracle, config: DemandConfig, *, seed: int,
              service_area: ServiceArea | None, zones: ZoneTable | None,
              osm_file: str | Path | None, cache_dir: str | Path | None,
              progress: ProgressCallback | None, transit: PtSupply | None) -> _Day:
    """Steps 1-4 and 6 of the module docstring: zones, trip matrix, departures, base modes,
    trip ends (the streams counts, times, modes, points of ``seed``)."""
    rng = _streams(seed)
    total_steps = 6
    report(progress, _TASK, 0, total_steps)
    if zones is None:
        zones = load_zones(network, config, osm_file=osm_file, cache_dir=cache_dir)
    report(progress, _TASK, 1, total_steps)
    los = _zone_los(zones, oracle, config, transit, cache_dir)
    out = _gravity(zones, los, config)
    k = zones.n_zones
    weights = _calibration_weights(out, config, los)
    if config.calibrate:
        asc, shares = calibrate_asc(los, config, weights)
    else:
        asc = {"walk": config.asc_walk, "bike": config.asc_bike, "bus": config.asc_bus}
        shares = expected_shares(mode_probabilities(los, config, asc, ServiceLevel.none())[0],
                                 weights)
    p4 = mode_probabilities(los, config, asc, ServiceLevel.none())[0]
    report(progress, _TASK, 2, total_steps)

    # trip matrix: one multinomial draw over outbound and return cells
    expected = np.concatenate([out.ravel(), out.T.ravel()])
    n_trips = int(round(float(expected.sum())))
    counts = rng["counts"].multinomial(n_trips, expected / expected.sum()) if n_trips else \
        np.zeros(expected.shape[0], np.int64)
    cell = np.repeat(np.arange(expected.shape[0], dtype=np.int64), counts)
    leg = (cell >= k * k).astype(np.int8)
    o, d = np.divmod(cell % (k * k), k)
    depart = np.empty(n_trips, np.int64)
    is_out = leg == OUTBOUND
    depart[is_out] = sample_times(config.outbound_profile, int(is_out.sum()), rng["times"])
    depart[~is_out] = sample_times(config.return_profile, int((~is_out).sum()), rng["times"])
    order = np.argsort(depart, kind="stable")
    depart, leg, o, d = depart[order], leg[order], o[order], d[order]
    report(progress, _TASK, 3, total_steps)

    # base mode (the on-demand switch compares u[:, 1] with its probability later)
    bus_ok = bus_slot(los, config, depart)
    probs = p4[bus_ok, o, d]
    u = rng["modes"].random((n_trips, 2))
    base = np.minimum((u[:, :1] > np.cumsum(probs, axis=1)[:, :3]).sum(axis=1), 3)

    # trip ends: home end by residents, activity end by attraction
    home, act = zones.point_pop, zones.point_attr
    po = np.where(leg == OUTBOUND, _sample_points(zones, o, home, rng["points"]),
                  _sample_points(zones, o, act, rng["points"]))
    pd_ = np.where(leg == OUTBOUND, _sample_points(zones, d, act, rng["points"]),
                   _sample_points(zones, d, home, rng["points"]))
    onode, dnode = zones.point_node[po], zones.point_node[pd_]
    same = (onode == dnode) & (o != d)  # fall back to the zones' distinct nodes
    onode = np.where(same, zones.node[o], onode)
    dnode = np.where(same, zones.node[d], dnode)
    trips = pd.DataFrame({
        "trip_id": np.arange(n_trips, dtype=np.int64),
        "depart_s": depart,
        "leg": pd.Categorical.from_codes(leg, ["outbound", "return"]),
        "origin_zone": o.astype(np.int32),
        "dest_zone": d.astype(np.int32),
        "origin_node": onode.astype(np.int32),
        "dest_node": dnode.astype(np.int32),
        "origin_lat": zones.point_lat[po],
        "origin_lon": zones.point_lon[po],
        "dest_lat": zones.point_lat[pd_],
        "dest_lon": zones.point_lon[pd_],
        "mode": pd.Categorical.from_codes(base.astype(np.int8), MODES),
        "base_mode": pd.Categorical.from_codes(base.astype(np.int8), ALT_MODES),
        "car_s": np.rint(los.car_min[o, d] * 60.0).astype(np.int32),
        "dist_m": los.dist_m[o, d].astype(np.float32),
    })
    return _Day(network, oracle, config, seed, service_area, transit, zones, los, asc,
                shares, p4, depart, o, d, bus_ok, u, base, onode, dnode, trips)


def generate_demand(
    network,
    oracle,
    config: DemandConfig,
    *,
    seed: int,
    service_level: ServiceLevel | None = None,
    ondemand: bool = True,
    service_hours: tuple[int, int] | None = None,
    service_area: ServiceArea | None = None,
    zones: ZoneTable | None = None,
    osm_file: str | Path | None = None,
    cache_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
    transit: PtSupply | None = None,
    same_day: Demand | None = None,
) -> Demand:
    """One weekday of demand on ``network`` (see the module docstring).

    ``service_level``: the on-demand service riders expect (default: the config's assumed
    level, all day); ``ondemand=False`` or ``ServiceLevel.none()`` gives the base case
    without on-demand. ``service_hours=(start_s, end_s)`` overrides the service level's hours
    (seconds since midnight; ``end_s`` may pass midnight, e.g. 19:00-02:00 = 68400, 93600).
    ``service_area``: the vehicle types' own hours and stops (:class:`ServiceArea`); a trip
    may then switch to on-demand only when some type can take it, and a stop-based trip's
    walk to and from the stops replaces ``access_walk_s`` in its on-demand utility (its
    odds are scaled by ``exp(beta_access_per_min x (walk - access_walk_s) / 60)``).
    ``zones``: prepared zones (default: built from the OSM extract, cached).
    ``transit``: the public transport supply (``pt.mode_choice = "router"``): the bus
    alternative then takes the timetable's per-period times (default: the approximation).
    ``same_day``: a demand generated by this function with the same network, oracle,
    config, seed, service area and transit objects (any service level): its trips, departures, base
    modes, trip ends and draws are taken over instead of drawn again (they do not depend on
    the service level), so only the on-demand switch is recomputed; the result is the one
    drawing everything anew gives. Another day raises ``ValueError``.
    """
    if service_level is None:
        service_level = ServiceLevel.assumed(config)
    if not ondemand:
        service_level = ServiceLevel.none()
    elif service_hours is not None:
        service_level = dataclasses.replace(service_level, start_s=int(service_hours[0]),
                                            end_s=int(service_hours[1]))
    total_steps = 6
    if same_day is None:
        day = _draw_day(network, oracle, config, seed=seed, service_area=service_area,
                        zones=zones, osm_file=osm_file, cache_dir=cache_dir,
                        progress=progress, transit=transit)
    else:
        day = _reusable_day(same_day, network, oracle, config, seed, service_area, zones,
                            transit)
    zones, los = day.zones, day.los
    rng_requests = _streams(seed)["requests"]
    p_od = mode_probabilities(los, config, day.asc, service_level)[1]
    depart, o, d, bus_ok = day.depart, day.o, day.d, day.bus_ok

    # switch to on-demand where the service can take the trip
    od_ok = service_level.available & _in_window(depart, service_level.start_s,
                                                  service_level.end_s)
    p_trip = p_od[bus_ok, o, d]
    if service_area is not None and service_level.available:
        if "area" not in day.access:
            external = (zones.offset_s[o] > 0) | (zones.offset_s[d] > 0)
            x = np.asarray(network.node_x, np.float64)
            y = np.asarray(network.node_y, np.float64)
            day.access["area"] = service_area.access(
                depart, x[day.onode], y[day.onode], x[day.dnode], y[day.dnode],
                external=external)
        p_trip, area_ok = _area_probability(p_trip, day.access["area"], service_level, config)
        od_ok &= area_ok
    if service_level.available and service_level.local is not None:
        p_trip = _local_probability(p_trip, service_level, config, zones, o, d, depart)
    p_trip = np.where(od_ok, p_trip, 0.0)
    u = day.u
    choose_od = u[:, 1] < p_trip  # u in [0, 1): never where the probability is 0
    mode = np.where(choose_od, 4, day.base).astype(np.int8)
    report(progress, _TASK, 4, total_steps)
    trips = day.trips.copy()
    trips["mode"] = pd.Categorical.from_codes(mode, MODES)
    report(progress, _TASK, 5, total_steps)
    requests = _requests(trips, zones, config, rng_requests)
    report(progress, _TASK, total_steps, total_steps)
    return Demand(trips=trips, requests=requests, service_level=service_level, asc=day.asc,
                  expected_base_shares=dict(zip(ALT_MODES, map(float, day.shares))),
                  zones=zones, config=config,
                  meta={"seed": seed, "n_zones": zones.n_zones,
                        "n_internal_zones": zones.n_internal},
                  ondemand_probability=p_trip, ondemand_draw=u[:, 1].copy(), day=day)


def _reusable_day(same_day: Demand, network, oracle, config: DemandConfig, seed: int,
                  service_area: ServiceArea | None, zones: ZoneTable | None,
                  transit: PtSupply | None) -> _Day:
    """The level-independent day of ``same_day`` after checking it is this day."""
    day = same_day.day
    what = None
    if day is None:
        what = "it keeps no draws (not made by generate_demand)"
    elif day.network is not network or day.oracle is not oracle:
        what = "another network or oracle"
    elif day.seed != int(seed):
        what = f"seed {day.seed}, not {seed}"
    elif day.config != config:
        what = "another demand config"
    elif day.service_area is not service_area:
        what = "another service area"
    elif zones is not None and zones is not day.zones:
        what = "other zones"
    elif day.transit is not transit:
        what = "another public transport supply"
    if what is not None:
        raise ValueError(f"same_day is not the same day: {what}")
    assert day is not None
    return day


def trip_districts(zones: ZoneTable, o: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Per trip, the district whose service it gets: the outer district (Ortsbezirk) of an
    end outside the network (the destination's when both are), else ``"core"``."""
    ext = np.asarray(zones.offset_s) > 0
    names = np.asarray(zones.name, dtype=object)
    return np.where(ext[d], names[d], np.where(ext[o], names[o], "core"))


def _local_probability(p: np.ndarray, level: ServiceLevel, config: DemandConfig,
                       zones: ZoneTable, o: np.ndarray, d: np.ndarray,
                       depart: np.ndarray) -> np.ndarray:
    """On-demand probabilities with the district-and-period service of ``level.local``: the
    odds scaled by ``exp`` of the utility shift (:meth:`LocalService.utility_shift`)."""
    local = level.local
    assert local is not None
    index = {n: i for i, n in enumerate(local.districts)}
    ext = np.asarray(zones.offset_s) > 0  # the district of trip_districts(), as an index
    zone_index = np.array([index.get(str(n), -1) for n in zones.name], np.int64)
    core = index.get("core", -1)
    dist = np.where(ext[d], zone_index[d], np.where(ext[o], zone_index[o], core))
    dv = local.utility_shift(level, config, dist, depart)
    move = (dv != 0.0) & (p > 0.0)
    with np.errstate(divide="ignore", over="ignore"):
        odds = p[move] / (1.0 - p[move]) * np.exp(dv[move])
    p = p.copy()
    p[move] = np.where(np.isinf(odds), 1.0, odds / (1.0 + odds))
    return p


def _area_probability(p: np.ndarray, access: tuple[np.ndarray, np.ndarray],
                      level: ServiceLevel, config: DemandConfig
                      ) -> tuple[np.ndarray, np.ndarray]:
    """On-demand probabilities of trips with the walk of stop-based service in the utility,
    and whether the service area lets the trip switch at all; ``access``: the service
    area's ``(available, walk_s)`` per trip (:meth:`ServiceArea.access`, whose outer
    districts no stop-based type serves)."""
    ok, walk_s = access
    extra_min = np.where(np.isnan(walk_s), 0.0, walk_s - level.access_walk_s) / 60.0
    stop = ok & (extra_min != 0.0)
    with np.errstate(divide="ignore", over="ignore"):
        odds = p[stop] / (1.0 - p[stop])
        odds *= np.exp(config.beta_access_per_min * extra_min[stop])
        p = p.copy()
        p[stop] = np.where(np.isinf(odds), 1.0, odds / (1.0 + odds))
    return p, ok


def _requests(trips: pd.DataFrame, zones: ZoneTable, config: DemandConfig,
              rng: np.random.Generator) -> pd.DataFrame:
    """The request table of the on-demand trips (ids in order of request time)."""
    sel = trips[trips["mode"] == "ondemand"]
    n = len(sel)
    t = sel["depart_s"].to_numpy()
    oz, dz = sel["origin_zone"].to_numpy(), sel["dest_zone"].to_numpy()
    pre = rng.random(n) < config.prebook_share
    booking = pd.array(np.where(pre, np.maximum(t - config.prebook_lead_s, 0), 0), dtype="Int64")
    booking[~pre] = pd.NA
    earliest = pd.array(t, dtype="Int64")
    earliest[~pre] = pd.NA
    df = pd.DataFrame({
        "request_id": np.arange(n, dtype=np.int64),
        "request_time_s": t.astype(np.int64),
        "origin_lat": sel["origin_lat"].to_numpy(),
        "origin_lon": sel["origin_lon"].to_numpy(),
        "dest_lat": sel["dest_lat"].to_numpy(),
        "dest_lon": sel["dest_lon"].to_numpy(),
        "origin_node": sel["origin_node"].to_numpy(),
        "dest_node": sel["dest_node"].to_numpy(),
        "passengers": np.full(n, config.passengers_per_request, np.int16),
        "earliest_pickup_s": earliest,
        "latest_pickup_s": pd.array([pd.NA] * n, dtype="Int64"),
        "latest_dropoff_s": pd.array([pd.NA] * n, dtype="Int64"),
        "booking_time_s": booking,
        "alt_mode": pd.Categorical(sel["base_mode"].astype(str).to_numpy(), categories=ALT_MODES),
        "origin_zone": zones.name[oz],
        "dest_zone": zones.name[dz],
        "origin_offset_s": zones.offset_s[oz].astype(np.int32),
        "dest_offset_s": zones.offset_s[dz].astype(np.int32),
        **ordinary_feeder_columns(n),
    })
    assert tuple(df.columns) == REQUEST_COLUMNS
    return df.astype(REQUEST_DTYPES)
