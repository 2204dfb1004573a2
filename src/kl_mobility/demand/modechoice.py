"""Multinomial-logit mode choice over walk, bike, car, bus and on-demand, by zone pair.

Level of service (per zone pair, minutes and euros)
---------------------------------------------------
- car: driving time = fastest network time between the zones' nodes (+ external offsets;
  intrazonal: ``intrazonal_m`` at ``intrazonal_speed_kmh``) + the junction and signal
  delays along that path; plus the terminal times (:mod:`kl_mobility.demand.driving`):
  parking search at the destination (weighted as in-vehicle time) and walking to and from
  the car (weighted as ``beta_access_per_min``, like the walk to the bus); cost
  ``car_cost_eur_per_km`` x network distance. The bus and on-demand in-vehicle times are
  multiples of the driving time (they meet the same junctions), without terminal times.
- walk / bike: network distance at ``walk_speed_kmh`` / ``bike_speed_kmh``.
- bus (approximation of the SWK network, FACTS.md section 5, stops = OSM ``highway=bus_stop``):
  walk to and from the nearest stop (``bus_access_m`` of both zones), wait half the larger
  headway of the two zones, ride ``bus_ivt_factor`` x car time, pay ``bus_fare_eur``;
  available from ``bus_start_s`` to ``bus_end_s`` (last buses 23:15).
- bus with ``pt.mode_choice = "router"`` (:mod:`kl_mobility.pt.zonetimes`): per period of
  the day (``service_period_bounds_s``) the timetable's mean access + egress walk, wait for
  the first vehicle, in-vehicle time, transfer time (walks and waits between vehicles, at
  ``beta_wait_per_min``) and ``transfer_penalty_min`` of in-vehicle time per change;
  available in a period where the router finds journeys for most departures. Pairs where
  a zone has no stop within the access radius (the outer districts beyond the extract,
  whose bus routes are not in it) keep the approximation above, available in the periods
  that lie mostly within ``bus_start_s``-``bus_end_s``; their count is in
  :func:`pt_coverage`.
- on-demand (from :class:`ServiceLevel`, the simulated or assumed service): wait
  ``wait_s``, ride ``detour_factor`` x car time, fare ``fare_eur + fare_per_km_eur x km``,
  ``access_walk_s`` for stop-based services, and ``beta_reject x (1 - share_served)``;
  available inside the service hours between zones with different nodes.

Utilities ``V = asc + sum(beta x attribute)`` with car as the reference (asc 0). Under the
logit's IIA property the on-demand alternative takes the same proportion from every other
mode, so a trip's *base mode* (its choice without on-demand) is drawn from the 4-mode model
and the trip switches to on-demand with probability ``P(ondemand)``; the base mode is the
request's ``alt_mode``.

Calibration: the constants of walk, bike and bus are adjusted (``asc += ln(target/share)``)
until the *expected* 4-mode shares over the whole trip matrix, weighted by the time-of-day
availability of the bus, match the 2023 modal split (FACTS.md section 3) to 1e-5.

Demand and service in agreement (:class:`DemandRounds`)
-------------------------------------------------------
The service a fleet offers depends on how many ride (more requests, longer waits, fewer
served) and how many ride depends on the service. The runner looks for the fixed point
``p = P(M(p))``: ``p`` the per-trip on-demand probabilities (the demand), ``M`` the service
level a simulation of the requests drawn from ``p`` measures, ``P`` the mode choice. Round
0 draws the requests under the assumed level; every further round moves the *demand* a
``step`` of the way from the previous round's probabilities towards the ones the last
measured level gives, ``p + step x (P(M) - p)`` (a damped fixed-point iteration; the
level itself is the plain measurement). Undamped (``step = 1``) the rounds swing around the
fixed point when the response is about as steep as -1 (klima-plus-2030, seed 1: 15,076 ->
3,716 -> 12,141 requests); damping with ``step = 1 / (1 + |slope|)`` would cancel a linear
response in one round. The step is halved whenever the request gap changes sign without
halving (the rounds overshoot), so even a steeper response contracts. The rounds stop when
demand and service agree (:meth:`DemandRounds.record`): the requests the measured level
would give differ from the simulated ones by at most ``service_requests_tol`` (relative)
and the measured level changed by at most ``service_level_tol`` since the previous round;
otherwise after ``service_iterations`` rounds, unconverged.

Service where it is offered (:class:`LocalService`)
---------------------------------------------------
A city-wide level hides that the outer districts get far worse service than the core (an
Ortsbezirk whose drive from the network's edge exceeds the pickup deadline is never
served). With ``demand.service_feedback = "district"`` (default) every round also measures
the share served and the mean wait per district (the core and each Ortsbezirk; a trip
belongs to the district of its outer end) and period of the day
(``service_period_bounds_s``), and each trip's on-demand utility is shifted by
``beta_reject x (s_city - s_local) + beta_wait x (w_local - w_city)``: poorly served places
lose on-demand riders over the rounds, well served ones gain. Fallback for thin cells
(:func:`local_service`): the measured values are shrunk towards the city-wide ones with the
weight of ``service_local_prior`` requests (an empty cell takes the city-wide level). The
convergence test of the rounds stays on the city-wide level.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kl_mobility.demand.config import DemandConfig
from kl_mobility.demand.driving import terminal_min, zone_driving_min
from kl_mobility.demand.schema import ALT_MODES
from kl_mobility.demand.zones import ZoneTable
from kl_mobility.kernels.shortest_path import INF_TIME
from kl_mobility.pt.zonetimes import ZonePtLos

__all__ = ["DemandRounds", "LocalService", "ServiceLevel", "ZoneLos", "base_denominators",
           "bus_slot",
           "calibrate_asc", "expected_shares", "local_service", "level_change",
           "mode_probabilities", "ondemand_probabilities", "pt_coverage", "relative_change", "slot_masses", "zone_los"]

CAR, WALK, BIKE, BUS = range(4)


@dataclass(frozen=True)
class ServiceLevel:
    """The on-demand service as riders perceive it (measured by a simulation or assumed).

    ``wait_s`` mean wait from request to pickup; ``detour_factor`` ride time / direct car
    time; ``fare_eur`` + ``fare_per_km_eur`` x direct km; ``share_served`` probability that a
    request is served; ``access_walk_s`` walk to and from a stop (0 for door to door);
    ``start_s``/``end_s`` service hours (seconds since midnight, ``end_s`` may exceed 24 h);
    ``available=False`` removes the alternative (the calibration base case).
    """

    wait_s: float = 600.0
    detour_factor: float = 1.3
    fare_eur: float = 2.5
    fare_per_km_eur: float = 0.0
    share_served: float = 1.0
    access_walk_s: float = 0.0
    start_s: int = 0
    end_s: int = 86_400
    available: bool = True
    local: LocalService | None = None
    """The service measured per district and period (``None``: city-wide only)."""

    def __post_init__(self) -> None:
        if not (0.0 <= self.wait_s <= 86_400):
            raise ValueError(f"wait_s must be in [0, 86400], got {self.wait_s!r}")
        if not (1.0 <= self.detour_factor <= 20.0):
            raise ValueError(f"detour_factor must be in [1, 20], got {self.detour_factor!r}")
        if self.fare_eur < 0 or self.fare_per_km_eur < 0:
            raise ValueError(f"fare_eur must be >= 0, got {self.fare_eur!r}")
        if not (0.0 <= self.share_served <= 1.0):
            raise ValueError(f"share_served must be in [0, 1], got {self.share_served!r}")
        if self.access_walk_s < 0:
            raise ValueError(f"access_walk_s must be >= 0, got {self.access_walk_s!r}")
        if not (0 <= self.start_s <= self.end_s <= 2 * 86_400):
            raise ValueError(f"start_s must be in [0, end_s], got {self.start_s!r}")

    @classmethod
    def assumed(cls, config: DemandConfig, *, start_s: int = 0, end_s: int = 86_400
                ) -> ServiceLevel:
        """The service level assumed before any simulation (``config.assumed_*``)."""
        return cls(wait_s=config.assumed_wait_s, detour_factor=config.assumed_detour_factor,
                   fare_eur=config.fare_eur, fare_per_km_eur=config.fare_per_km_eur,
                   start_s=start_s, end_s=end_s)

    @classmethod
    def none(cls) -> ServiceLevel:
        """No on-demand service (the calibration base case)."""
        return cls(available=False)

    @classmethod
    def from_kpis(cls, kpis: Mapping[str, float], config: DemandConfig, *,
                  previous: ServiceLevel | None = None, iteration: int = 0,
                  start_s: int | None = None, end_s: int | None = None) -> ServiceLevel:
        """The service level a simulation measured (``kpis.json`` of a run).

        Fare and hours come from ``previous`` (default: :meth:`assumed`); ``start_s``/``end_s``
        override the hours. With ``previous``, the measured values are averaged in by the
        method of successive averages: ``previous + (measured - previous) / (iteration + 1)``
        (iteration 0 takes the measurement as it is). The runner does not average the level
        but the demand (:class:`DemandRounds`); it takes :meth:`with_kpis` of the level
        the round expected.
        """
        base = previous if previous is not None else cls.assumed(config)
        if start_s is not None or end_s is not None:
            base = dataclasses.replace(base, start_s=base.start_s if start_s is None else start_s,
                                       end_s=base.end_s if end_s is None else end_s)
        measured = base.with_kpis(kpis)
        if previous is None:
            return measured
        return base.blend(measured, 1.0 / (iteration + 1))

    def with_kpis(self, kpis: Mapping[str, float]) -> ServiceLevel:
        """This service level with wait, detour and share served taken from a run's
        ``kpis.json`` (keys ``wait_mean_s``, ``detour_mean``, ``share_served``; missing or
        non-finite values keep the current ones)."""

        def get(key: str, cur: float, lo: float, hi: float) -> float:
            v = kpis.get(key)
            if v is None or not math.isfinite(float(v)):
                return cur
            return min(max(float(v), lo), hi)

        return dataclasses.replace(
            self, wait_s=get("wait_mean_s", self.wait_s, 0.0, 86_400.0),
            detour_factor=get("detour_mean", self.detour_factor, 1.0, 20.0),
            share_served=get("share_served", self.share_served, 0.0, 1.0))

    def blend(self, other: ServiceLevel, weight: float) -> ServiceLevel:
        """``(1 - weight) x self + weight x other`` for the measured quantities (MSA step)."""
        def mix(a: float, b: float) -> float:
            return (1.0 - weight) * a + weight * b
        return dataclasses.replace(
            self, wait_s=mix(self.wait_s, other.wait_s),
            detour_factor=max(1.0, mix(self.detour_factor, other.detour_factor)),
            share_served=min(1.0, max(0.0, mix(self.share_served, other.share_served))))


@dataclass(frozen=True)
class LocalService:
    """Share served and mean wait measured per district and period (the district feedback
    of the rounds, ``demand.service_feedback = "district"``).

    ``districts``: names ("core" and the Ortsbezirke); ``bounds_s``: period boundaries;
    ``share_served[d][p]`` and ``wait_s[d][p]``: already shrunk towards the city-wide level
    by the fallback (:func:`local_service`); ``requests[d][p]``: the requests behind them.
    """

    districts: tuple[str, ...]
    bounds_s: tuple[int, ...]
    share_served: tuple[tuple[float, ...], ...]
    wait_s: tuple[tuple[float, ...], ...]
    requests: tuple[tuple[int, ...], ...]

    def utility_shift(self, level: ServiceLevel, config: DemandConfig, district: np.ndarray,
                      depart_s: np.ndarray) -> np.ndarray:
        """Per trip: its district-and-period on-demand utility minus the city-wide one,
        ``beta_reject x (s_city - s_local) + beta_wait x (w_local - w_city) / 60``
        (``district``: index into :attr:`districts`, -1 = no entry: shift 0)."""
        period = np.clip(np.searchsorted(np.asarray(self.bounds_s), depart_s, side="right")
                         - 1, 0, len(self.bounds_s) - 2)
        share = np.asarray(self.share_served, np.float64)
        wait = np.asarray(self.wait_s, np.float64)
        ok = district >= 0
        d = np.where(ok, district, 0)
        dv = (config.beta_reject * (level.share_served - share[d, period])
              + config.beta_wait_per_min * (wait[d, period] - level.wait_s) / 60.0)
        return np.where(ok, dv, 0.0)


def local_service(districts: np.ndarray, depart_s: np.ndarray, served: np.ndarray,
                  wait_s: np.ndarray, level: ServiceLevel, config: DemandConfig
                  ) -> LocalService:
    """:class:`LocalService` from a simulation's requests (per request: its district name,
    desired departure, served or not, wait when served). Fallback: each cell's share and
    wait are ``(n x local + prior x city) / (n + prior)`` with ``prior =
    config.service_local_prior`` requests (the city-wide level where a cell has none)."""
    names = tuple(sorted(set(map(str, districts)) | {"core"}))
    bounds = tuple(int(b) for b in config.service_period_bounds_s)
    index = {n: i for i, n in enumerate(names)}
    d = np.array([index[str(x)] for x in districts], np.int64)
    p = np.clip(np.searchsorted(np.asarray(bounds), np.asarray(depart_s), side="right") - 1,
                0, len(bounds) - 2)
    nd, npd = len(names), len(bounds) - 1
    n = np.zeros((nd, npd))
    n_served = np.zeros((nd, npd))
    wait_sum = np.zeros((nd, npd))
    served = np.asarray(served, bool)
    np.add.at(n, (d, p), 1.0)
    np.add.at(n_served, (d, p), served.astype(np.float64))
    np.add.at(wait_sum, (d[served], p[served]), np.asarray(wait_s, np.float64)[served])
    prior = config.service_local_prior
    share = np.divide(n_served + prior * level.share_served, n + prior,
                      out=np.full((nd, npd), level.share_served), where=(n + prior) > 0)
    wait = np.divide(wait_sum + prior * level.wait_s, n_served + prior,
                     out=np.full((nd, npd), level.wait_s), where=(n_served + prior) > 0)
    return LocalService(names, bounds, tuple(map(tuple, share.tolist())),
                        tuple(map(tuple, wait.tolist())),
                        tuple(tuple(int(v) for v in row) for row in n.tolist()))


@dataclass(frozen=True, eq=False)
class ZoneLos:
    """Level of service between zones (``k x k`` float64 arrays, minutes / metres)."""

    car_min: np.ndarray  # driving time incl. external offsets and junction delays
    dist_m: np.ndarray
    reachable: np.ndarray  # bool
    distinct_nodes: np.ndarray  # bool: representative nodes differ (on-demand possible)
    bus_access_min: np.ndarray  # walk to + from stops
    bus_wait_min: np.ndarray
    pt: ZonePtLos | None = None
    """Timetable times per period (``pt.mode_choice = "router"``), else ``None``."""
    pt_transfer_penalty_min: float = 0.0
    car_junction_min: np.ndarray | None = None
    """Junction and signal delays inside ``car_min`` (``None``: none, a hand-made table)."""
    car_walk_min: np.ndarray | None = None
    """Walk to and from the car (``None``: none, a hand-made table)."""
    car_search_min: np.ndarray | None = None
    """Parking search at the destination (``None``: none, a hand-made table)."""

    @property
    def n_slots(self) -> int:
        """Bus situations a trip can be in: 0 = no bus; then 1 = bus running (factor
        model) or 1 + p = period p of the timetable (router)."""
        return 2 if self.pt is None else 1 + self.pt.n_periods

    @property
    def car_door_to_door_min(self) -> np.ndarray:
        """The car's door-to-door time: driving time + walks + parking search (minutes)."""
        out = self.car_min.copy()
        for part in (self.car_walk_min, self.car_search_min):
            if part is not None:
                out += part
        return out


def zone_los(zones: ZoneTable, oracle, config: DemandConfig, *, pt: ZonePtLos | None = None,
             transfer_penalty_min: float = 0.0, cache_dir: str | Path | None = None
             ) -> ZoneLos:
    """Zone-to-zone level of service from the oracle's tables (see the module docstring);
    ``pt``: the timetable's zone-to-zone times for the router bus alternative;
    ``cache_dir``: where the driver's times are kept on disk
    (:func:`~kl_mobility.demand.driving.zone_driving_min`; ``None``: in the process only)."""
    tt, dist = oracle.submatrix(zones.node)
    tt = np.asarray(tt)
    reachable = tt != INF_TIME
    car_s = np.where(reachable, tt, 0).astype(np.float64)
    dist_m = np.where(reachable, np.asarray(dist, np.float64), 0.0)
    off_s = zones.offset_s.astype(np.float64)
    car_s += off_s[:, None] + off_s[None, :]
    dist_m += zones.offset_m[:, None] + zones.offset_m[None, :]
    diag = np.arange(zones.n_zones)
    dist_m[diag, diag] = zones.intrazonal_m
    car_s[diag, diag] = zones.intrazonal_m / (config.intrazonal_speed_kmh / 3.6)
    reachable[diag, diag] = True
    driving = zone_driving_min(oracle.network, zones.node, zones.signal_node, config,
                               cache_dir=cache_dir)
    # the driver's route may differ from the free-flow fastest one; the difference is the
    # delay the driver experiences (>= 0: delays are >= 0)
    junction = np.where(reachable & np.isfinite(driving), np.maximum(
        driving - car_s / 60.0 + off_s[:, None] / 60.0 + off_s[None, :] / 60.0, 0.0), 0.0)
    np.fill_diagonal(junction, 0.0)
    walk, search = terminal_min(zones.lat, zones.lon, zones.is_external, config)
    distinct = zones.node[:, None] != zones.node[None, :]
    walk_mpm = config.walk_speed_kmh * 1000.0 / 60.0
    access = (zones.bus_access_m[:, None] + zones.bus_access_m[None, :]) / walk_mpm
    wait = np.maximum(zones.bus_headway_min[:, None], zones.bus_headway_min[None, :]) / 2.0
    return ZoneLos(car_s / 60.0 + junction, dist_m, reachable, distinct, access, wait, pt,
                   transfer_penalty_min, car_junction_min=junction,
                   car_walk_min=walk[:, None] + walk[None, :],
                   car_search_min=np.broadcast_to(search[None, :], junction.shape))


def _fallback_periods(bounds_s: tuple[int, ...], config: DemandConfig) -> np.ndarray:
    """Per period: at least half of it (within the day) lies in the bus hours."""
    out = []
    for lo, hi in zip(bounds_s[:-1], bounds_s[1:]):
        hi = min(hi, 86_400)
        inside = max(0, min(hi, config.bus_end_s) - max(lo, config.bus_start_s))
        out.append(hi > lo and inside >= 0.5 * (hi - lo))
    return np.array(out, bool)


def _bus_slots(los: ZoneLos, config: DemandConfig, factor_bus: np.ndarray, const: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Bus utilities (constant and fare ``const`` included) and availability
    ``[n_slots, k, k]`` (slot 0: no bus)."""
    k = los.car_min.shape[0]
    v = np.zeros((los.n_slots, k, k))
    ok = np.zeros((los.n_slots, k, k), bool)
    if los.pt is None:
        v[1], ok[1] = factor_bus, True
        return v, ok
    pt = los.pt
    routed = pt.has_stop[:, None] & pt.has_stop[None, :]
    fallback = _fallback_periods(pt.bounds_s, config)
    val = pt.values
    for p in range(pt.n_periods):
        u = (const + config.beta_ivt_per_min * (val["ivt"][p] + los.pt_transfer_penalty_min
                                        * np.maximum(val["boardings"][p] - 1.0, 0.0))
             + config.beta_access_per_min * (val["access"][p] + val["egress"][p])
             + config.beta_wait_per_min * (val["wait"][p] + val["transfer"][p]))
        avail = routed & pt.available[p]
        v[1 + p] = np.where(avail, u, factor_bus)
        ok[1 + p] = avail | (~routed & fallback[p])
    return v, ok


def pt_coverage(los: ZoneLos) -> dict[str, float]:
    """Zone pairs by how their bus time is made: ``routed_pairs`` (both zones have a stop
    within the access radius), ``fallback_pairs`` (the approximation), and per period the
    share of routed pairs with a journey (``available_share_p<p>``)."""
    if los.pt is None:
        return {"routed_pairs": 0.0, "fallback_pairs": float(los.car_min.size)}
    routed = los.pt.has_stop[:, None] & los.pt.has_stop[None, :]
    out = {"routed_pairs": float(routed.sum()), "fallback_pairs": float((~routed).sum())}
    for p in range(los.pt.n_periods):
        out[f"available_share_p{p}"] = float((los.pt.available[p] & routed).sum()
                                             / max(1, routed.sum()))
    return out


def slot_masses(los: ZoneLos, config: DemandConfig, profile: Any) -> np.ndarray:
    """Share of a departure-time profile in each bus slot (sums to 1)."""
    from kl_mobility.demand.profile import mass_between

    if los.pt is None:
        m = mass_between(profile, config.bus_start_s, config.bus_end_s)
        return np.array([1.0 - m, m])
    b = los.pt.bounds_s
    # departures lie within one day: a period past midnight counts up to 24:00
    return np.array([0.0] + [mass_between(profile, lo, min(hi, 86_400))
                             for lo, hi in zip(b[:-1], b[1:])])


def bus_slot(los: ZoneLos, config: DemandConfig, depart_s: np.ndarray) -> np.ndarray:
    """Bus slot of each departure (int64): factor model 1 within the bus hours else 0;
    router 1 + the period of the departure."""
    depart_s = np.asarray(depart_s)
    if los.pt is None:
        from kl_mobility.demand.servicearea import in_window

        return in_window(depart_s, config.bus_start_s, config.bus_end_s).astype(np.int64)
    b = np.asarray(los.pt.bounds_s)
    return 1 + np.clip(np.searchsorted(b, depart_s, side="right") - 1, 0, len(b) - 2)


def _base_utilities(los: ZoneLos, config: DemandConfig, asc: Mapping[str, float]) -> np.ndarray:
    """Utilities ``[4, k, k]`` of car, walk, bike, bus (bus always computed)."""
    km = los.dist_m / 1000.0
    v = np.empty((4, *los.car_min.shape))
    walk = 0.0 if los.car_walk_min is None else los.car_walk_min
    search = 0.0 if los.car_search_min is None else los.car_search_min
    v[CAR] = (config.beta_ivt_per_min * (los.car_min + search)
              + config.beta_access_per_min * walk
              + config.beta_cost_per_eur * config.car_cost_eur_per_km * km)
    v[WALK] = asc["walk"] + config.beta_walk_per_min * km / config.walk_speed_kmh * 60.0
    v[BIKE] = asc["bike"] + config.beta_bike_per_min * km / config.bike_speed_kmh * 60.0
    v[BUS] = (asc["bus"] + config.beta_ivt_per_min * config.bus_ivt_factor * los.car_min
              + config.beta_access_per_min * los.bus_access_min
              + config.beta_wait_per_min * los.bus_wait_min
              + config.beta_cost_per_eur * config.bus_fare_eur)
    return v


def _ondemand_utility(los: ZoneLos, config: DemandConfig, asc: Mapping[str, float],
                      sl: ServiceLevel) -> np.ndarray:
    km = los.dist_m / 1000.0
    return (asc["bus"] + config.asc_ondemand_minus_bus
            + config.beta_ivt_per_min * sl.detour_factor * los.car_min
            + config.beta_wait_per_min * sl.wait_s / 60.0
            + config.beta_access_per_min * sl.access_walk_s / 60.0
            + config.beta_cost_per_eur * (sl.fare_eur + sl.fare_per_km_eur * km)
            + config.beta_reject * (1.0 - sl.share_served))


def mode_probabilities(los: ZoneLos, config: DemandConfig, asc: Mapping[str, float],
                       sl: ServiceLevel) -> tuple[np.ndarray, np.ndarray]:
    """Base-mode probabilities ``p4[slot, k, k, 4]`` (car, walk, bike, bus) and on-demand
    probabilities ``p_od[slot, k, k]`` when on-demand is offered, for each bus slot
    (:attr:`ZoneLos.n_slots`: 0 = no bus)."""
    v = _base_utilities(los, config, asc)
    v_bus, bus_ok = _bus_slots(los, config, v[BUS].copy(),
                               asc["bus"] + config.beta_cost_per_eur * config.bus_fare_eur)
    p4 = np.empty((los.n_slots, *los.car_min.shape, 4))
    p_od = np.zeros((los.n_slots, *los.car_min.shape))
    v_od = _ondemand_utility(los, config, asc, sl) if sl.available else None
    for slot in range(los.n_slots):
        if slot >= 1 and los.pt is not None:
            v[BUS] = v_bus[slot]
        vmax = v.max(axis=0)
        eb = np.exp(v - vmax)
        eb[BUS] = np.where(bus_ok[slot], eb[BUS], 0.0)
        denom = eb.sum(axis=0)
        p4[slot] = np.moveaxis(eb / denom, 0, -1)
        if v_od is not None:
            e_od = np.where(los.distinct_nodes, np.exp(v_od - vmax), 0.0)
            p_od[slot] = e_od / (e_od + denom)
    return p4, p_od


def ondemand_probabilities(los: ZoneLos, config: DemandConfig, asc: Mapping[str, float],
                           sl: ServiceLevel,
                           base: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The on-demand probabilities ``p_od[slot, k, k]`` of :func:`mode_probabilities`
    (the same numbers), from ``base``: :func:`base_denominators` of ``los``, ``config`` and
    ``asc`` (computed when not given), which no service level changes."""
    p_od = np.zeros((los.n_slots, *los.car_min.shape))
    if not sl.available:
        return p_od
    vmax, denom = base_denominators(los, config, asc) if base is None else base
    v_od = _ondemand_utility(los, config, asc, sl)
    for slot in range(los.n_slots):
        e_od = np.where(los.distinct_nodes, np.exp(v_od - vmax[slot]), 0.0)
        p_od[slot] = e_od / (e_od + denom[slot])
    return p_od


def base_denominators(los: ZoneLos, config: DemandConfig, asc: Mapping[str, float]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per bus slot and zone pair: the largest base-mode utility ``vmax`` and ``sum over
    car, walk, bike, bus (where available) of exp(V - vmax)``, the denominator of
    :func:`mode_probabilities` (the intermodal alternative's odds divide by it)."""
    v = _base_utilities(los, config, asc)
    v_bus, bus_ok = _bus_slots(los, config, v[BUS].copy(),
                               asc["bus"] + config.beta_cost_per_eur * config.bus_fare_eur)
    vmax = np.empty((los.n_slots, *los.car_min.shape))
    denom = np.empty_like(vmax)
    for slot in range(los.n_slots):
        if slot >= 1 and los.pt is not None:
            v[BUS] = v_bus[slot]
        vmax[slot] = v.max(axis=0)
        eb = np.exp(v - vmax[slot])
        eb[BUS] = np.where(bus_ok[slot], eb[BUS], 0.0)
        denom[slot] = eb.sum(axis=0)
    return vmax, denom


def expected_shares(p4: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Expected 4-mode shares given trip weights ``[bus_available, k, k]``."""
    tot = np.einsum("bij,bijm->m", weights, p4)
    return tot / tot.sum()


def calibrate_asc(los: ZoneLos, config: DemandConfig, weights: np.ndarray,
                  *, tol: float = 1e-5, max_iter: int = 500) -> tuple[dict[str, float], np.ndarray]:
    """Constants of walk, bike and bus that reproduce ``config.target_shares``.

    ``weights[bus_available, i, j]``: expected trips. Returns the constants and the reached
    expected shares (car, walk, bike, bus). Raises ``ValueError`` when a mode has no trip
    where it is available (the targets cannot be met).
    """
    target = np.array([config.target_shares[m] for m in ALT_MODES])
    asc = {"walk": config.asc_walk, "bike": config.asc_bike, "bus": config.asc_bus}
    shares = np.zeros(4)
    for _ in range(max_iter):
        p4, _ = mode_probabilities(los, config, asc, ServiceLevel.none())
        shares = expected_shares(p4, weights)
        if np.max(np.abs(shares - target)) < tol:
            break
        if np.any(shares <= 0):
            raise ValueError("calibration impossible: a mode has zero expected share")
        step = np.log(target / shares)
        for m, name in ((WALK, "walk"), (BIKE, "bike"), (BUS, "bus")):
            asc[name] += float(step[m] - step[CAR])
    return asc, shares


def relative_change(new: float, old: float) -> float:
    """``|new - old| / max(|new|, |old|)``, 0 when both are 0: symmetric, in [0, 1] for
    values of one sign (a drop from 15,076 to 3,716 requests is 0.754, the rise back 0.754)."""
    scale = max(abs(new), abs(old))
    return 0.0 if scale == 0.0 else abs(new - old) / scale


def level_change(new: ServiceLevel, old: ServiceLevel) -> float:
    """The largest :func:`relative_change` of wait, detour factor and share served."""
    return max(relative_change(new.wait_s, old.wait_s),
               relative_change(new.detour_factor, old.detour_factor),
               relative_change(new.share_served, old.share_served))


@dataclass
class DemandRounds:
    """Book-keeping and update rule of the demand <-> service rounds (module docstring).

    A round: the requests of the current demand are simulated, the measured level gives the
    *response* (the requests that level alone would bring, same draws);
    :meth:`record` books the gaps and adapts the step; unless :attr:`done`,
    :meth:`next_probability` gives the next round's demand.
    ``max_rounds`` >= 1; ``step`` in (0, 1]; tolerances >= 0 (relative, see
    :func:`relative_change`).
    """

    max_rounds: int
    step: float = 0.5
    requests_tol: float = 0.02
    level_tol: float = 0.03
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.max_rounds < 1:
            raise ValueError(f"max_rounds must be >= 1, got {self.max_rounds!r}")
        if not (0.0 < self.step <= 1.0):
            raise ValueError(f"step must be in (0, 1], got {self.step!r}")
        if self.requests_tol < 0 or self.level_tol < 0:
            raise ValueError(f"requests_tol must be >= 0, got {self.requests_tol!r}")

    @classmethod
    def from_config(cls, config: DemandConfig, *, max_rounds: int | None = None
                    ) -> DemandRounds:
        """Rounds as ``config`` sets them (``service_iterations``, ``service_step``,
        ``service_requests_tol``, ``service_level_tol``); ``max_rounds`` overrides the
        first."""
        return cls(max_rounds=config.service_iterations if max_rounds is None else max_rounds,
                   step=config.service_step, requests_tol=config.service_requests_tol,
                   level_tol=config.service_level_tol)

    def record(self, requests: float, response_requests: float, level: ServiceLevel,
               expected: ServiceLevel) -> dict[str, Any]:
        """Book one round and return its row.

        ``requests``: simulated; ``response_requests``: what the measured ``level`` gives
        (the same draws; counts, or expected counts); ``expected``: the level the previous round measured (round 0: the
        assumed one). Row keys: ``iteration`` (0-based), ``step`` (the step that made this
        round's demand; ``None`` in round 0), ``requests``, ``response_requests``,
        ``requests_gap`` = (response - requests) / max(response, requests) (signed),
        ``level_gap`` = :func:`level_change` (0 when no request was made or would be:
        nothing measured), ``converged`` = both within their tolerances.
        The step of the next round is halved when the request gap changed sign and shrank
        by less than half (overshoot: the response is steeper than the step can absorb).
        """
        scale = max(requests, response_requests)
        gap = 0.0 if scale == 0 else (response_requests - requests) / scale
        lgap = 0.0 if scale == 0 else level_change(level, expected)
        row: dict[str, Any] = {
            "iteration": len(self.rounds), "step": self.step if self.rounds else None,
            "requests": requests, "response_requests": response_requests,
            "requests_gap": gap, "level_gap": lgap,
            "converged": abs(gap) <= self.requests_tol and lgap <= self.level_tol,
        }
        if self.rounds:
            prev = self.rounds[-1]["requests_gap"]
            if gap * prev < 0 and abs(gap) > 0.5 * abs(prev):
                self.step *= 0.5
        self.rounds.append(row)
        return row

    @property
    def converged(self) -> bool:
        """The last round met both tolerances."""
        return bool(self.rounds) and bool(self.rounds[-1]["converged"])

    @property
    def done(self) -> bool:
        """Converged, or ``max_rounds`` rounds booked."""
        return self.converged or len(self.rounds) >= self.max_rounds

    def next_probability(self, current: np.ndarray, response: np.ndarray) -> np.ndarray:
        """The next round's per-trip on-demand probabilities:
        ``current + step x (response - current)``."""
        current = np.asarray(current, np.float64)
        return current + self.step * (np.asarray(response, np.float64) - current)
