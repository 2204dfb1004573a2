"""The intermodal alternative of the mode choice: on-demand to a public transport hub and
onward by bus or rail (first mile), or public transport to a hub and on-demand from there
(last mile).

Level of service (per zone pair ``i, j``, period ``p`` of the bus slots, hub ``h`` of
:func:`kl_mobility.pt.intermodal.hub_stops`)
-------------------------------------------------------------------------------------
- on-demand leg, estimated exactly like the direct on-demand alternative
  (:func:`kl_mobility.demand.modechoice._ondemand_utility`, the :class:`ServiceLevel`
  the demand rounds re-settle): wait ``wait_s``, ride ``detour_factor`` x the driving
  time between the zone and the hub's road node (fastest path under free flow + junction
  delays, :mod:`kl_mobility.demand.driving`, + the outer districts' offsets), fare
  ``fare_eur + fare_per_km_eur x km``, ``access_walk_s``, ``beta_reject x (1 -
  share_served)``. Offered only where the hub is farther than ``pt.access_radius_m``
  (straight line) from the zone's centroid (nearer, the traveller walks to the stop, which
  is the bus alternative) and the zone lies inside the road network: the outer districts
  (Ortsbezirke) reach the network through an offset that a feeder request does not carry
  (:func:`kl_mobility.demand.feeder.feeder_requests` serves doors on the network), so
  their trips have no intermodal alternative.
- public transport leg, from the timetable (:func:`kl_mobility.pt.intermodal.hub_pt_los`,
  per-period means over departures every ``pt.sample_step_s``): wait at the hub (first
  mile) or at the first stop (last mile) for the first vehicle, in-vehicle time, transfer
  time between vehicles and ``pt.transfer_penalty_min`` per further boarding (as the bus
  alternative), egress (first mile) or access (last mile) walk at the zone; bus fare
  ``bus_fare_eur``. The wait at the hub is the timetable wait of a traveller arriving at a
  random time (the on-demand arrival is not timed to the departure in the estimate).
- ``pt.intermodal_transfer_penalty_min`` (named assumption, default 5 min of in-vehicle
  time, plausible range 3-15) for the change between the on-demand vehicle and public
  transport, besides the wait.
- Constant: ``asc_bus + asc_ondemand_minus_bus``: the trip is a public transport trip
  (the bus constant, calibrated on the baseline) whose access is a booked on-demand ride
  (the same constant of a new, booked service as the direct on-demand alternative). The
  baseline has no on-demand service, so neither on-demand nor intermodal can be
  calibrated there; both keep this assumed constant and the logit coefficients of the
  other modes.

The alternative's utility of a pair and period is that of its best hub and direction
(largest utility, :func:`kl_mobility.kernels.intermodal.best_hub`; a maximum, not a logsum
over hubs). Under the logit's IIA property it takes the same proportion from every base
mode, like the direct on-demand alternative: a trip keeps its base mode from the 4-mode
model and switches to on-demand or intermodal with their probabilities in the 6-mode
logit, ``P(od) = r_od / (1 + r_od + r_im)``, ``P(im) = r_im / (1 + r_od + r_im)``, ``r``
= ``exp(V) / sum over the base modes of exp(V)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.demand.config import DemandConfig
from kl_mobility.kernels.intermodal import NEG, best_hub

__all__ = ["FeederLink", "IntermodalLos", "intermodal_los", "intermodal_odds"]

FIRST, LAST = 0, 1


@dataclass(frozen=True)
class FeederLink:
    """How the demand model hands its chosen intermodal trips to the simulation:
    ``build(legs, first_id)`` turns one row per on-demand leg (columns of
    :func:`kl_mobility.pt.feeder.feeder_requests`) into request rows with connection
    deadlines, ids from ``first_id``; ``transfer_buffer_s``: the least time between the
    on-demand drop-off at the hub and the departure caught (the builder's deadline rule)."""

    build: Callable[[pd.DataFrame, int], pd.DataFrame]
    transfer_buffer_s: int


@dataclass(frozen=True, eq=False)
class IntermodalLos:
    """Zone <-> hub level of service: ``hubs`` (feed stop indices), ``hub_node`` (road
    nodes), ``hub_lat``/``hub_lon``, ``hub_stop_id`` (GTFS ids); ``to_hub_min[i, h]`` /
    ``from_hub_min[h, j]``: driving time (minutes, NaN unreachable) and ``to_hub_km`` /
    ``from_hub_km``; ``feeder_ok[i, h]``: the hub lies beyond the walking radius of zone
    ``i``; ``pt``: :class:`kl_mobility.pt.intermodal.HubPtLos`; the two penalties
    (minutes of in-vehicle time): per change between on-demand and public transport, per
    change between public transport vehicles."""

    hubs: np.ndarray
    hub_node: np.ndarray
    hub_lat: np.ndarray
    hub_lon: np.ndarray
    hub_stop_id: np.ndarray
    to_hub_min: np.ndarray
    from_hub_min: np.ndarray
    to_hub_km: np.ndarray
    from_hub_km: np.ndarray
    feeder_ok: np.ndarray
    pt: Any
    transfer_penalty_min: float
    pt_transfer_penalty_min: float

    @property
    def n_hubs(self) -> int:
        return int(self.hubs.shape[0])


def intermodal_los(zones: Any, network: Any, oracle: Any, config: DemandConfig,
                   transit: Any, *, cache_dir: str | Path | None = None) -> IntermodalLos:
    """:class:`IntermodalLos` of the demand zones and the hubs of ``transit`` (a
    :class:`kl_mobility.pt.supply.PtSupply`)."""
    from kl_mobility.demand.driving import driver_times_ds
    from kl_mobility.network import nearest_nodes
    from kl_mobility.network.cache import default_cache_dir
    from kl_mobility.pt.intermodal import hub_pt_los, hub_stops

    feed, tt, cfg = transit.feed, transit.timetable, transit.config
    hubs = hub_stops(feed, cfg.intermodal_hub_min_routes)
    lat, lon = feed.stop_lat[hubs], feed.stop_lon[hubs]
    hub_node = np.asarray(nearest_nodes(network, lat, lon)[0], np.int64)
    znode = np.asarray(zones.node, np.int64)
    disk = default_cache_dir() if cache_dir is None else cache_dir
    to_ds = driver_times_ds(network, zones.signal_node, config, znode, hub_node, cache_dir=disk)
    from_ds = driver_times_ds(network, zones.signal_node, config, hub_node, znode,
                              cache_dir=disk)
    off_min = np.asarray(zones.offset_s, np.float64) / 60.0
    off_km = np.asarray(zones.offset_m, np.float64) / 1000.0
    to_min = np.where(to_ds >= 0, to_ds / 600.0, np.nan) + off_min[:, None]
    from_min = np.where(from_ds >= 0, from_ds / 600.0, np.nan) + off_min[None, :]
    k, n_h = znode.shape[0], hub_node.shape[0]
    oi, hi = np.repeat(znode, n_h), np.tile(hub_node, k)
    to_km = np.asarray(oracle.dists_m(oi, hi), np.float64).reshape(k, n_h) / 1000.0
    from_km = np.asarray(oracle.dists_m(hi, oi), np.float64).reshape(k, n_h).T / 1000.0
    to_km = to_km + off_km[:, None]
    from_km = from_km + off_km[None, :]
    from kl_mobility.pt.router import _xy

    zxy = _xy(np.asarray(zones.lat), np.asarray(zones.lon), tt.lat0)
    hxy = tt.stop_xy[hubs]
    far = np.hypot(zxy[:, None, 0] - hxy[None, :, 0],
                   zxy[:, None, 1] - hxy[None, :, 1]) > cfg.access_radius_m
    inside = np.asarray(zones.offset_s) == 0
    feeder_ok = (far & (znode[:, None] != hub_node[None, :]) & np.isfinite(to_min)
                 & np.isfinite(from_min.T) & inside[:, None])
    pt = hub_pt_los(tt, zones.lat, zones.lon, hubs, tuple(config.service_period_bounds_s),
                    feed_path=transit.path, cache_dir=cache_dir)
    return IntermodalLos(hubs, hub_node, lat, lon, feed.stop_id[hubs], to_min, from_min,
                         to_km, from_km, feeder_ok, pt, cfg.intermodal_transfer_penalty_min,
                         cfg.transfer_penalty_min)


def _od_leg(minutes: np.ndarray, km: np.ndarray, ok: np.ndarray, config: DemandConfig,
            sl: Any) -> np.ndarray:
    """Utility of the on-demand leg (the direct on-demand terms without its constant)."""
    v = (config.beta_ivt_per_min * sl.detour_factor * minutes
         + config.beta_wait_per_min * sl.wait_s / 60.0
         + config.beta_access_per_min * sl.access_walk_s / 60.0
         + config.beta_cost_per_eur * (sl.fare_eur + sl.fare_per_km_eur * km)
         + config.beta_reject * (1.0 - sl.share_served))
    return np.where(ok & np.isfinite(v), v, NEG)


def _pt_leg(c: Mapping[str, np.ndarray], ok: np.ndarray, walk: str, const: float,
            config: DemandConfig, pt_penalty_min: float) -> np.ndarray:
    """Utility of the public transport leg (``walk``: "egress" or "access" at the zone)."""
    v = (const + config.beta_ivt_per_min * (c["ivt"] + pt_penalty_min
                                            * np.maximum(c["boardings"] - 1.0, 0.0))
         + config.beta_wait_per_min * (c["wait"] + c["transfer"])
         + config.beta_access_per_min * c[walk])
    return np.where(ok & np.isfinite(v), v, NEG)


def intermodal_odds(los: Any, im: IntermodalLos, config: DemandConfig,
                    asc: Mapping[str, float], sl: Any,
                    base: tuple[np.ndarray, np.ndarray] | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bus slot and zone pair: the odds ``r_im`` of the intermodal alternative against
    the base modes (``exp(V_im) / sum exp(V_base)``; 0 where it is not offered: slot 0,
    no hub, same node), its hub (index into ``im.hubs``, -1 none) and direction (0 first
    mile, 1 last mile, -1 none). ``los``: the :class:`~kl_mobility.demand.modechoice.ZoneLos`
    with the timetable (``los.pt``); ``base``: its
    :func:`~kl_mobility.demand.modechoice.base_denominators` with ``config`` and ``asc``
    when already computed."""
    from kl_mobility.demand.modechoice import base_denominators

    vmax, denom = base_denominators(los, config, asc) if base is None else base
    n_slots, k = vmax.shape[0], vmax.shape[1]
    r = np.zeros((n_slots, k, k))
    hub = np.full((n_slots, k, k), -1, np.int64)
    dr = np.full((n_slots, k, k), -1, np.int64)
    if not sl.available or los.pt is None:
        return r, hub, dr
    const = (asc["bus"] + config.asc_ondemand_minus_bus
             + config.beta_cost_per_eur * config.bus_fare_eur
             + config.beta_ivt_per_min * im.transfer_penalty_min)
    pt = im.pt
    first_od = _od_leg(im.to_hub_min, im.to_hub_km, im.feeder_ok, config, sl)
    last_od = _od_leg(im.from_hub_min, im.from_hub_km, im.feeder_ok.T, config, sl)
    first_pt = _pt_leg(pt.first, pt.first_ok, "egress", const, config,
                       im.pt_transfer_penalty_min)
    last_pt = _pt_leg(pt.last, pt.last_ok, "access", const, config,
                      im.pt_transfer_penalty_min)
    n_p = first_pt.shape[0]
    v = np.empty((n_p, k, k))
    h = np.empty((n_p, k, k), np.int64)
    d = np.empty((n_p, k, k), np.int64)
    best_hub(np.ascontiguousarray(first_od), np.ascontiguousarray(first_pt),
             np.ascontiguousarray(last_pt), np.ascontiguousarray(last_od), v, h, d)
    offered = (v > NEG / 2) & los.distinct_nodes[None]
    r[1:] = np.where(offered, np.exp(np.where(offered, v, 0.0) - vmax[1:]) / denom[1:], 0.0)
    hub[1:] = np.where(offered, h, -1)
    dr[1:] = np.where(offered, d, -1)
    return r, hub, dr
