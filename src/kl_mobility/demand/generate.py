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

from kl_mobility.demand.calibcache import calibrate_asc_cached
from kl_mobility.demand.config import DemandConfig
from kl_mobility.demand.intermodal import FIRST, FeederLink, intermodal_los, intermodal_odds
from kl_mobility.demand.modechoice import (
    ServiceLevel,
    ZoneLos,
    base_denominators,
    bus_slot,
    calibrate_asc,
    expected_shares,
    mode_probabilities,
    ondemand_probabilities,
    slot_masses,
    zone_los,
)
from kl_mobility.demand.osmfeatures import osm_features
from kl_mobility.demand.profile import sample_times
from kl_mobility.demand.schema import (
    ALT_MODES,
    MODES,
    REQUEST_COLUMNS,
)
from kl_mobility.demand.servicearea import Nearest, ServiceArea, in_window, take_nearest
from kl_mobility.demand.zones import ZoneTable, build_zones
from kl_mobility.errors import InputError
from kl_mobility.network.cache import default_cache_dir
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
    intermodal_fraction: np.ndarray | None = None
    """Per trip: the share of its switch probability that goes to the intermodal
    alternative (``P(im) / (P(od) + P(im))``; 0 where it is not offered)."""
    intermodal_hub: np.ndarray | None = None
    """Per trip: its best hub (index into the hubs of :class:`IntermodalLos`; -1 none)."""
    intermodal_direction: np.ndarray | None = None
    """Per trip: 0 first mile, 1 last mile, -1 none."""
    intermodal: pd.DataFrame | None = None
    """The intermodal trips that became feeder requests: ``trip_id``, ``request_id``,
    ``direction`` (first/last), ``hub_stop_id``, ``pt_trip_id``, ``pt_time_s``, ``dist_m``
    (the whole trip's zone distance), ``base_mode``; and in :attr:`meta`
    ``intermodal_no_connection`` (chosen, but no vehicle found: the trip keeps its base
    mode)."""
    feeder: FeederLink | None = field(default=None, repr=False)
    mode_codes: np.ndarray | None = field(default=None, repr=False)
    """Per trip: the mode code (index into :data:`MODES`, 5 = intermodal) of a demand not
    settled yet (``generate_demand(..., settle=False)``: ``trips`` keep their base modes,
    ``requests`` is empty); ``None`` once settled."""

    @property
    def settled(self) -> bool:
        """Whether ``trips`` carry the chosen modes and ``requests`` the requests (see
        :attr:`mode_codes`)."""
        return self.mode_codes is None

    def settle(self) -> Demand:
        """This demand with its trips' modes and requests (itself when already settled): what
        :func:`generate_demand` returns with ``settle=True``."""
        if self.mode_codes is None:
            return self
        trips, requests, table, meta = _settle(self, self.mode_codes)
        return dataclasses.replace(self, trips=trips, requests=requests, intermodal=table,
                                   meta=meta, mode_codes=None)

    def request_count(self) -> int:
        """``len(self.settle().requests)``, without building the requests of a demand not
        settled yet: its on-demand trips and the intermodal trips that find their public
        transport vehicle (:func:`_feeder_legs`)."""
        mode = self.mode_codes
        if mode is None:
            return len(self.requests)
        n = int((mode == 4).sum())
        if (mode == 5).any():
            n += int(_feeder_connections(self, mode == 5)[-1].sum())
        return n

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
        frac = (np.zeros_like(p) if self.intermodal_fraction is None
                else self.intermodal_fraction)
        mode = _modes(self.ondemand_draw, p * (1.0 - frac), p, base)
        trips, requests, table, meta = _settle(self, mode)
        return dataclasses.replace(self, trips=trips, requests=requests, intermodal=table,
                                   meta=meta, ondemand_probability=p, mode_codes=None)

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
            "intermodal": self._intermodal_summary(),
            "service_level": dataclasses.asdict(self.service_level),
            "asc": dict(self.asc),
        }

    def _intermodal_summary(self) -> dict[str, Any]:
        """Intermodal trips chosen and made into feeder requests, by direction."""
        t = self.intermodal
        out: dict[str, Any] = {
            "trips": 0 if t is None else len(t),
            "first_mile": 0 if t is None else int((t["direction"] == "first").sum()),
            "last_mile": 0 if t is None else int((t["direction"] == "last").sum()),
            "from_car": 0 if t is None else int((t["base_mode"] == "car").sum()),
            "from_bus": 0 if t is None else int((t["base_mode"] == "bus").sum()),
        }
        for k in ("intermodal_no_connection", "intermodal_at_hub", "intermodal_requests"):
            out[k.removeprefix("intermodal_")] = int(self.meta.get(k, 0))
        return out

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


def _points_at(zones: ZoneTable, zone: np.ndarray, cum: np.ndarray, r: np.ndarray
               ) -> np.ndarray:
    """One point per entry of ``zone``, drawn within the zone in proportion to the weights
    whose cumulative sums are ``cum``, by the uniform numbers ``r`` (one per entry)."""
    start = np.concatenate([[0.0], cum])[zones.point_ptr[:-1]]
    end = np.concatenate([[0.0], cum])[zones.point_ptr[1:]]
    u = start[zone] + r * (end[zone] - start[zone])
    idx = np.searchsorted(cum, u, side="right")
    return np.clip(idx, zones.point_ptr[zone], zones.point_ptr[zone + 1] - 1)


def _sample_ends(zones: ZoneTable, zone: np.ndarray, cum_a: np.ndarray, cum_b: np.ndarray,
                 take_a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per entry of ``zone``: a point drawn by the weights ``a`` where ``take_a``, else by
    ``b`` (given as cumulative sums ``cum_a``, ``cum_b``). ``rng`` gives one uniform number
    per entry for ``a``, then one per entry for ``b`` (as drawing all entries by each would),
    and each entry's point is looked up for the weights it takes only."""
    r_a = np.asarray(rng.random(zone.shape[0]))
    r_b = np.asarray(rng.random(zone.shape[0]))
    out = np.empty(zone.shape[0], np.int64)
    out[take_a] = _points_at(zones, zone[take_a], cum_a, r_a[take_a])
    take_b = ~take_a
    out[take_b] = _points_at(zones, zone[take_b], cum_b, r_b[take_b])
    return out


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


def _disk(cache_dir: str | Path | None) -> str | Path:
    """The folder of the demand's disk caches: ``cache_dir``, else the default cache."""
    return default_cache_dir() if cache_dir is None else cache_dir


def _zone_los(zones: ZoneTable, oracle, config: DemandConfig, transit: PtSupply | None,
              cache_dir: str | Path | None) -> ZoneLos:
    """:func:`zone_los`, with the timetable's per-period times when ``transit`` is given
    (``pt.mode_choice = "router"``)."""
    disk = _disk(cache_dir)
    if transit is None:
        return zone_los(zones, oracle, config, cache_dir=disk)
    from kl_mobility.pt.zonetimes import zone_pt_los

    pt = zone_pt_los(transit.timetable, zones.lat, zones.lon,
                     tuple(config.service_period_bounds_s), feed_path=transit.path,
                     cache_dir=cache_dir)
    return zone_los(zones, oracle, config, pt=pt,
                    transfer_penalty_min=transit.config.transfer_penalty_min, cache_dir=disk)


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
    weights = _calibration_weights(_gravity(zones, los, config), config, los)
    asc, shares = calibrate_asc_cached(los, config, weights, cache_dir=_disk(cache_dir))
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
    handed ``same_day``. ``access``: the service area's ``(available, walk_s)`` per trip
    (``"area"``) and the nearest stops of the trip ends (``"trip_end_stops"``), filled on
    first use."""

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
    access: dict[str, Any] = field(default_factory=dict)
    im_cache: dict[str, Any] = field(default_factory=dict)
    """The intermodal level of service (:class:`IntermodalLos`, ``"los"``) and the nearest
    stops of its hubs (``"hub_stops"``), filled on first use."""
    cache: dict[Any, Any] = field(default_factory=dict)
    """What every service level computes alike from the day, filled on first use
    (:meth:`cells`, :meth:`base_denominators`, :meth:`district_zone`)."""

    def cells(self) -> np.ndarray:
        """Per trip: the flat index of its ``(bus slot, origin, destination)`` cell in an
        array ``[n_slots, k, k]`` (C order)."""
        if "cells" not in self.cache:
            k = self.zones.n_zones
            self.cache["cells"] = ((self.bus_ok.astype(np.int64) * k + self.o) * k + self.d)
        return self.cache["cells"]

    def base_denominators(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`~kl_mobility.demand.modechoice.base_denominators` of the day's level of
        service, config and constants."""
        if "base" not in self.cache:
            self.cache["base"] = base_denominators(self.los, self.config, self.asc)
        return self.cache["base"]

    def district_zone(self) -> np.ndarray:
        """Per trip: the zone naming its district (:func:`trip_districts`: the outer
        district's zone of the destination, else of the origin), -1 for the core."""
        if "district_zone" not in self.cache:
            ext = np.asarray(self.zones.offset_s) > 0
            self.cache["district_zone"] = np.where(ext[self.d], self.d,
                                                   np.where(ext[self.o], self.o, -1))
        return self.cache["district_zone"]


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
        asc, shares = calibrate_asc_cached(los, config, weights, cache_dir=_disk(cache_dir))
    else:
        asc = {"walk": config.asc_walk, "bike": config.asc_bike, "bus": config.asc_bus}
    p4 = mode_probabilities(los, config, asc, ServiceLevel.none())[0]
    if not config.calibrate:
        shares = expected_shares(p4, weights)
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
    home, act = np.cumsum(zones.point_pop), np.cumsum(zones.point_attr)
    out_leg = leg == OUTBOUND
    po = _sample_ends(zones, o, home, act, out_leg, rng["points"])
    pd_ = _sample_ends(zones, d, act, home, out_leg, rng["points"])
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
    feeder: FeederLink | None = None,
    settle: bool = True,
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
    ``feeder``: how intermodal trips become feeder requests (:class:`FeederLink`); with
    it, a timetable (``transit``), an on-demand service and ``pt.intermodal``, the
    intermodal alternative is offered (:mod:`kl_mobility.demand.intermodal`) and its
    chosen trips are appended to the requests (their legs to or from the hub).
    ``settle=False``: the trips' choices are made (probabilities, draws, modes in
    :attr:`Demand.mode_codes`) but not written into ``trips`` and ``requests``
    (:meth:`Demand.settle` does that, :meth:`Demand.request_count` counts the requests
    without building them), for a demand that is only compared or moved
    (:meth:`Demand.with_ondemand_probability`).
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
    p_od = ondemand_probabilities(los, config, day.asc, service_level,
                                  base=day.base_denominators())
    depart, o, d = day.depart, day.o, day.d

    # switch to on-demand where the service can take the trip
    od_ok = service_level.available & _in_window(depart, service_level.start_s,
                                                  service_level.end_s)
    p_trip = np.take(p_od, day.cells())  # p_od[bus_ok, o, d]
    if service_area is not None and service_level.available:
        if "area" not in day.access:
            external = (zones.offset_s[o] > 0) | (zones.offset_s[d] > 0)
            near_o, near_d = _trip_end_stops(day, network, service_area)
            day.access["area"] = service_area.access_from(depart, near_o, near_d,
                                                          external=external)
        p_trip, area_ok = _area_probability(p_trip, day.access["area"], service_level, config)
        od_ok &= area_ok
    shift = None
    if service_level.available and service_level.local is not None:
        shift = _local_shift(service_level, config, day)
        p_trip = _local_probability(p_trip, shift)
    p_trip = np.where(od_ok, p_trip, 0.0)
    n = depart.shape[0]
    p_im = np.zeros(n)
    hub = np.full(n, -1, np.int64)
    direction = np.full(n, -1, np.int64)
    if (feeder is not None and transit is not None and transit.config.intermodal
            and service_level.available and los.pt is not None):
        p_trip, p_im, hub, direction = _with_intermodal(
            day, network, oracle, config, service_level, service_area, transit, p_trip,
            cache_dir, shift)
    u = day.u
    p_switch = p_trip + p_im
    frac = np.divide(p_im, p_switch, out=np.zeros(n), where=p_switch > 0)
    mode = _modes(u[:, 1], p_trip, p_switch, day.base)  # u in [0, 1)
    report(progress, _TASK, 4, total_steps)
    demand = Demand(trips=day.trips, requests=day.trips.iloc[:0], service_level=service_level,
                    asc=day.asc,
                    expected_base_shares=dict(zip(ALT_MODES, map(float, day.shares))),
                    zones=zones, config=config,
                    meta={"seed": seed, "n_zones": zones.n_zones,
                          "n_internal_zones": zones.n_internal},
                    ondemand_probability=p_switch, ondemand_draw=u[:, 1].copy(), day=day,
                    intermodal_fraction=frac, intermodal_hub=hub,
                    intermodal_direction=direction, feeder=feeder, mode_codes=mode)
    if settle:
        demand = demand.settle()
    report(progress, _TASK, total_steps, total_steps)
    return demand


def _modes(draw: np.ndarray, p_od: np.ndarray, p_switch: np.ndarray, base: np.ndarray
           ) -> np.ndarray:
    """Mode codes: on-demand where ``draw < p_od``, intermodal where ``p_od <= draw <
    p_switch``, else the base mode."""
    return np.where(draw < p_od, 4, np.where(draw < p_switch, 5, base)).astype(np.int8)


def _settle(demand: Demand, mode: np.ndarray
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, dict[str, Any]]:
    """The trips with ``mode``, and the requests: the on-demand trips' and, after them, the
    feeder legs of the intermodal trips (:func:`_feeder_requests`; intermodal trips whose
    public transport vehicle is not found keep their base mode, counted in
    ``meta["intermodal_no_connection"]``)."""
    assert demand.zones is not None and demand.config is not None
    meta = {k: v for k, v in demand.meta.items() if not k.startswith("intermodal_")}
    table = legs = None
    if (mode == 5).any():
        assert demand.feeder is not None and demand.day is not None
        keep, table, legs, counts = _feeder_legs(demand, mode == 5)
        base = demand.trips["base_mode"].cat.codes.to_numpy().astype(np.int8)
        mode = np.where((mode == 5) & ~keep, base, mode).astype(np.int8)
        meta.update(counts)
    trips = demand.trips.copy(deep=False)  # copy on write: the day's trips stay as they are
    trips["mode"] = pd.Categorical.from_codes(mode, MODES)
    requests = _requests(trips, demand.zones, demand.config,
                         _streams(int(demand.meta["seed"]))["requests"], mode)
    if table is not None and legs is not None and len(legs):
        assert demand.feeder is not None
        feeder = demand.feeder.build(legs, len(requests))
        if len(feeder) != len(legs):
            raise ValueError(f"the feeder builder returned {len(feeder)} requests for "
                             f"{len(legs)} legs")
        table["request_id"] = feeder["request_id"].to_numpy()
        requests = pd.concat([requests, feeder], ignore_index=True)
    meta["intermodal_requests"] = 0 if legs is None else len(legs)
    return trips, requests, table, meta


def _with_intermodal(day: _Day, network, oracle, config: DemandConfig, sl: ServiceLevel,
                     service_area: ServiceArea | None, transit: PtSupply,
                     p_od: np.ndarray, cache_dir: str | Path | None,
                     shift: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per trip: the on-demand and intermodal probabilities of the 6-mode logit
    (:mod:`kl_mobility.demand.intermodal`) from the on-demand probability ``p_od`` of the
    5-mode one (its area and district adjustments included), and the intermodal hub and
    direction. The intermodal odds get the same adjustments for their on-demand leg: the
    service hours, the service area (origin -> hub or hub -> destination; a stop-based
    type's walk scales the odds by ``exp(beta_access x (walk - access_walk_s))``) and the
    district shift of the trip (``shift``: :func:`_local_shift` of the level, ``None``
    without local service)."""
    if "los" not in day.im_cache:
        day.im_cache["los"] = intermodal_los(day.zones, network, oracle, config, transit,
                                             cache_dir=cache_dir)
    im = day.im_cache["los"]
    r_z, hub_z, dir_z = intermodal_odds(day.los, im, config, day.asc, sl,
                                        base=day.base_denominators())
    o, d, depart, cells = day.o, day.d, day.depart, day.cells()
    r = np.take(r_z, cells)  # r_z[bus_ok, o, d]
    hub = np.take(hub_z, cells)
    dr = np.take(dir_z, cells)
    ok = (hub >= 0) & _in_window(depart, sl.start_s, sl.end_s)
    if service_area is not None:
        idx = np.flatnonzero(ok)
        h, first = hub[idx], dr[idx] == FIRST
        near_o, near_d = _trip_end_stops(day, network, service_area)
        if "hub_stops" not in day.im_cache:
            x = np.asarray(network.node_x, np.float64)
            y = np.asarray(network.node_y, np.float64)
            day.im_cache["hub_stops"] = service_area.nearest_stops(x[im.hub_node],
                                                                   y[im.hub_node])
        near_h = day.im_cache["hub_stops"]
        ext = np.asarray(day.zones.offset_s) > 0
        avail, walk = service_area.access_from(  # first mile: door -> hub, last: hub -> door
            depart[idx], take_nearest(near_o, idx, near_h, h, ~first),
            take_nearest(near_d, idx, near_h, h, first),
            external=np.where(first, ext[o[idx]], ext[d[idx]]))
        extra = np.where(np.isnan(walk), 0.0, walk - sl.access_walk_s) / 60.0
        with np.errstate(over="ignore"):
            r[idx] *= np.exp(config.beta_access_per_min * np.where(avail, extra, 0.0))
        ok[idx] &= avail
    if shift is not None:
        with np.errstate(over="ignore"):
            r = r * np.exp(shift)
    r = np.where(ok, r, 0.0)
    sure = p_od >= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        r_od = np.where(sure, 0.0, p_od / (1.0 - p_od))
    den = 1.0 + r_od + r
    p_od_new = np.where(sure, 1.0, r_od / den)
    p_im = np.where(sure | ~np.isfinite(r), 0.0, r / den)
    return p_od_new, p_im, np.where(ok, hub, -1), np.where(ok, dr, -1)


def _trip_end_stops(day: _Day, network, service_area: ServiceArea) -> tuple[Nearest, Nearest]:
    """The nearest stops of the service area's types to the trips' origin and destination
    nodes (:meth:`ServiceArea.nearest_stops`), computed once per day (the day belongs to
    one service area, :func:`_reusable_day`)."""
    if "trip_end_stops" not in day.access:
        x = np.asarray(network.node_x, np.float64)
        y = np.asarray(network.node_y, np.float64)
        # a point's nearest stop does not depend on the other points queried: each node
        # once, then its answer for every trip end at it
        n = day.onode.shape[0]
        nodes, at = np.unique(np.concatenate([day.onode, day.dnode]), return_inverse=True)
        near = service_area.nearest_stops(x[nodes], y[nodes])
        day.access["trip_end_stops"] = (take_nearest(near, at[:n]),
                                        take_nearest(near, at[n:]))
    return day.access["trip_end_stops"]


def _feeder_legs(demand: Demand, chosen: np.ndarray
                 ) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """The on-demand legs of the ``chosen`` intermodal trips, for the feeder builder.

    First mile: the rider leaves at the trip's departure; the leg is estimated as in the
    mode choice (wait + detour x driving time to the hub); the vehicle caught is the first
    one boarded at the hub from that arrival + the builder's transfer buffer towards the
    destination zone (:func:`kl_mobility.pt.intermodal.connections`). Last mile: the
    vehicle that brings a traveller leaving the origin zone at the departure to the hub
    earliest, and its arrival. Both walk from or to the zone's centroid, as in the mode
    choice. Returns which chosen trips got a leg (over all trips), the book-keeping table,
    the legs and the counts of trips left with their base mode: no vehicle found within
    ``pt.horizon_s`` (``intermodal_no_connection``) or the trip end on the hub's road node
    (``intermodal_at_hub``)."""
    day, sl = demand.day, demand.service_level
    assert day is not None and day.transit is not None
    im = day.im_cache["los"]
    zones = day.zones
    idx, h, first, est_s, trip, time, found, at_hub, good = _feeder_connections(demand, chosen)
    o, d = day.o[idx], day.d[idx]
    feed = day.transit.feed
    keep = np.zeros(chosen.shape[0], bool)
    rows = idx[good]
    keep[rows] = True
    trips = demand.trips

    def col(name: str) -> np.ndarray:
        return trips[name].to_numpy()[rows]

    g = np.flatnonzero(good)
    fg, hg = first[g], h[g]
    base = np.asarray(ALT_MODES, dtype=object)[trips["base_mode"].cat.codes.to_numpy()[rows]]
    names = np.asarray(zones.name, dtype=object)
    legs = pd.DataFrame({
        "direction": np.where(fg, "first", "last"),
        "lat": np.where(fg, col("origin_lat"), col("dest_lat")),
        "lon": np.where(fg, col("origin_lon"), col("dest_lon")),
        "stop_lat": im.hub_lat[hg], "stop_lon": im.hub_lon[hg],
        "stop_id": im.hub_stop_id[hg].astype(str),
        "trip_id": feed.trip_id[trip[g]].astype(str),
        "pt_time_s": time[g].astype(np.int64),
        "passengers": np.full(len(g), demand.config.passengers_per_request
                              if demand.config else 1, np.int64),
        "alt_mode": base, "pt_gained": base != "bus",
        "zone": np.where(fg, names[o[g]], names[d[g]]).astype(str),
    })
    table = pd.DataFrame({
        "trip_id": col("trip_id"), "direction": legs["direction"].to_numpy(),
        "hub_stop_id": legs["stop_id"].to_numpy(), "pt_trip_id": legs["trip_id"].to_numpy(),
        "pt_time_s": legs["pt_time_s"].to_numpy(),
        "dist_m": col("dist_m").astype(np.float64), "base_mode": base,
        "od_estimate_s": np.where(fg, est_s[g], np.rint(
            sl.wait_s + sl.detour_factor * im.from_hub_min[hg, d[g]] * 60.0)),
    })
    counts = {"intermodal_no_connection": int((~found).sum()),
              "intermodal_at_hub": int((found & at_hub).sum())}
    return keep, table, legs, counts


def _connections(day: _Day, first: np.ndarray, hub: np.ndarray, time_s: np.ndarray,
                 zone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`kl_mobility.pt.intermodal.connections` of first (last) mile legs via the
    hubs ``hub`` (indices into the intermodal hubs) at ``time_s``, to (from) the centroids
    of ``zone``. Each query's answer depends on its own four values only, so the answers
    are kept on the day (``im_cache["connections"]``: sorted query keys and answers) and
    only queries not asked before are passed on."""
    from kl_mobility.pt.intermodal import connections

    assert day.transit is not None
    im = day.im_cache["los"]
    k = np.int64(day.zones.n_zones)
    t = np.asarray(time_s, np.int64)
    if t.size and int(t.min()) < 0:
        raise ValueError("connection query before midnight")
    key = ((t * im.n_hubs + hub) * k + zone) * 2 + np.asarray(first, np.int64)
    known, k_trip, k_time = day.im_cache.get(
        "connections", (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)))
    pos = np.minimum(np.searchsorted(known, key), max(known.shape[0] - 1, 0))
    hit = known[pos] == key if known.shape[0] else np.zeros(key.shape[0], bool)
    new, at = np.unique(key[~hit], return_index=True)
    if new.shape[0]:
        q = np.flatnonzero(~hit)[at]
        zlat, zlon = np.asarray(day.zones.lat), np.asarray(day.zones.lon)
        n_trip, n_time = connections(day.transit.timetable, first[q], im.hubs[hub[q]], t[q],
                                     zlat[zone[q]], zlon[zone[q]])
        known = np.concatenate([known, new])
        order = np.argsort(known, kind="stable")
        known = known[order]
        k_trip = np.concatenate([k_trip, np.asarray(n_trip, np.int64)])[order]
        k_time = np.concatenate([k_time, np.asarray(n_time, np.int64)])[order]
        day.im_cache["connections"] = (known, k_trip, k_time)
        pos = np.searchsorted(known, key)
    return k_trip[pos], k_time[pos]


def _feeder_connections(demand: Demand, chosen: np.ndarray) -> tuple[np.ndarray, ...]:
    """The public transport vehicles of the ``chosen`` intermodal trips (the rules of
    :func:`_feeder_legs`): the chosen trips' indices, hubs, whether first mile, the
    on-demand leg's estimated seconds, the vehicle and its time (-1 none), whether found,
    whether the trip end is the hub's road node, and whether the trip gets a leg."""
    day, sl, link = demand.day, demand.service_level, demand.feeder
    assert day is not None and link is not None and day.transit is not None
    assert demand.intermodal_hub is not None and demand.intermodal_direction is not None
    im = day.im_cache["los"]
    idx = np.flatnonzero(chosen)
    h = demand.intermodal_hub[idx]
    first = demand.intermodal_direction[idx] == FIRST
    o, d = day.o[idx], day.d[idx]
    est_s = np.rint(sl.wait_s + sl.detour_factor * im.to_hub_min[o, h] * 60.0)
    t_query = np.where(first, day.depart[idx] + est_s.astype(np.int64)
                       + int(link.transfer_buffer_s), day.depart[idx])
    trip, time = _connections(day, first, h, t_query, np.where(first, d, o))
    door_node = np.where(first, day.onode[idx], day.dnode[idx])
    at_hub = door_node == im.hub_node[h]
    found = trip >= 0
    good = found & ~at_hub
    return idx, h, first, est_s, trip, time, found, at_hub, good


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


def _local_shift(level: ServiceLevel, config: DemandConfig, day: _Day) -> np.ndarray:
    """Per trip of ``day``: the on-demand utility shift of its district and period
    (:meth:`LocalService.utility_shift`)."""
    local = level.local
    assert local is not None
    index = {n: i for i, n in enumerate(local.districts)}
    # the district of trip_districts() as an index; the last entry: the core
    zone_index = np.array([index.get(str(n), -1) for n in day.zones.name]
                          + [index.get("core", -1)], np.int64)
    return local.utility_shift(level, config, zone_index[day.district_zone()], day.depart)


def _local_probability(p: np.ndarray, dv: np.ndarray) -> np.ndarray:
    """On-demand probabilities with the district-and-period service of a level's local
    part: the odds scaled by ``exp`` of the utility shift ``dv`` (:func:`_local_shift`)."""
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
              rng: np.random.Generator, mode: np.ndarray | None = None) -> pd.DataFrame:
    """The request table of the on-demand trips (ids in order of request time); ``mode``:
    the trips' mode codes (default: those of ``trips["mode"]``). Columns are made in their
    documented dtypes (:data:`REQUEST_DTYPES`) from the trips' arrays directly."""
    if mode is None:
        mode = trips["mode"].cat.codes.to_numpy()
    rows = np.flatnonzero(np.asarray(mode) == MODES.index("ondemand"))
    n = rows.shape[0]

    def col(name: str) -> np.ndarray:
        return trips[name].to_numpy()[rows]

    t = col("depart_s")
    oz, dz = col("origin_zone"), col("dest_zone")
    pre = rng.random(n) < config.prebook_share
    booking = _nullable(np.where(pre, np.maximum(t - config.prebook_lead_s, 0), 0), ~pre)
    earliest = _nullable(t, ~pre)
    names = np.asarray(zones.name, dtype=object)
    base = trips["base_mode"].cat.codes.to_numpy()[rows]
    data: dict[str, Any] = {
        "request_id": np.arange(n, dtype=np.int64),
        "request_time_s": t.astype(np.int64),
        "origin_lat": col("origin_lat").astype(np.float64),
        "origin_lon": col("origin_lon").astype(np.float64),
        "dest_lat": col("dest_lat").astype(np.float64),
        "dest_lon": col("dest_lon").astype(np.float64),
        "origin_node": col("origin_node").astype(np.int32),
        "dest_node": col("dest_node").astype(np.int32),
        "passengers": np.full(n, config.passengers_per_request, np.int16),
        "earliest_pickup_s": earliest,
        "latest_pickup_s": _nullable(np.zeros(n, np.int64), np.ones(n, bool)),
        "latest_dropoff_s": _nullable(np.zeros(n, np.int64), np.ones(n, bool)),
        "booking_time_s": booking,
        "alt_mode": pd.Categorical.from_codes(base, categories=ALT_MODES),
        "origin_zone": _objects(names[oz]),
        "dest_zone": _objects(names[dz]),
        "origin_offset_s": zones.offset_s[oz].astype(np.int32),
        "dest_offset_s": zones.offset_s[dz].astype(np.int32),
        "feeder": _objects(np.full(n, "", dtype=object)),
        "pt_stop_id": _objects(np.full(n, "", dtype=object)),
        "pt_trip_id": _objects(np.full(n, "", dtype=object)),
        "pt_time_s": _nullable(np.zeros(n, np.int64), np.ones(n, bool)),
        "pt_gained": np.zeros(n, bool),
    }
    assert tuple(data) == REQUEST_COLUMNS
    return pd.DataFrame(data)


def _nullable(values: np.ndarray, null: np.ndarray) -> pd.arrays.IntegerArray:
    """An ``Int64`` column of ``values``, null where ``null``."""
    return pd.arrays.IntegerArray(np.asarray(values, np.int64), np.asarray(null, bool))


def _objects(values: np.ndarray) -> pd.Series:
    """An ``object`` column of Python strings (kept as such, not inferred as ``str``)."""
    return pd.Series(values, dtype=object)
