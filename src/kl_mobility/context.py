"""The prepared inputs every step of a scenario's day shares (:class:`RunContext`).

A run builds them once: the scenario, its road network (with the scenario's speed caps) and
travel-time oracle (:func:`prepare_network`), the snapped stops of its stop-based vehicle
types (:func:`scenario_stops`), where the network cache lives and where progress goes. The
demand step, the demand <-> service rounds (:mod:`kl_mobility.runner`) and the hindsight
benchmark (:mod:`kl_mobility.planning`) take one :class:`RunContext` instead of the same six
arguments each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kl_mobility.errors import InputError
from kl_mobility.network import (
    RoadNetwork,
    SnapError,
    TravelTimeOracle,
    build_oracle,
    load_network,
    nearest_nodes,
    snap,
)
from kl_mobility.progress import ProgressCallback
from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.supply import PtSupply, scenario_supply
from kl_mobility.scenario import CalibrationBase, Scenario

__all__ = ["MAX_STOP_SNAP_M", "RunContext", "prepare_network", "pt_supply",
           "reference_supply", "scenario_stops"]

MAX_STOP_SNAP_M = 500.0
"""A stop of ``fleet.stops_latlon`` farther than this from every network node is an error."""


def prepare_network(
    scenario: Scenario,
    *,
    cache_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[RoadNetwork, TravelTimeOracle]:
    """The scenario's road network (with its speed caps) and travel-time oracle."""
    cfg = scenario.network
    net = load_network(
        cfg.osm_file or None,
        place=cfg.place or None,
        cache_dir=cache_dir,
        speed_caps=cfg.speed_caps,
        progress=progress,
    )
    for i, node in enumerate(scenario.service.depot_nodes):
        if not 0 <= node < net.n_nodes:
            raise InputError(f"scenario {scenario.name!r}: key 'service.depot_nodes[{i}]': "
                             f"{node} is not a node of the network (0..{net.n_nodes - 1})")
    return net, build_oracle(net, cache_dir=cache_dir, progress=progress)


def scenario_stops(scenario: Scenario, network: RoadNetwork) -> dict[str, np.ndarray]:
    """Stop nodes (int64) of every stop-based vehicle type with ``stops_latlon``, by type name.

    Each stop is snapped to the nearest network node (:func:`kl_mobility.network.snap`);
    :class:`~kl_mobility.errors.InputError` names the type and the stop when one lies
    farther than :data:`MAX_STOP_SNAP_M` from the network.
    """
    out: dict[str, np.ndarray] = {}
    for vt in scenario.fleet:
        if not (vt.stop_based and vt.stops_latlon):
            continue
        lat = np.array([p[0] for p in vt.stops_latlon], np.float64)
        lon = np.array([p[1] for p in vt.stops_latlon], np.float64)
        try:
            out[vt.name] = snap(network, lat, lon, max_dist_m=MAX_STOP_SNAP_M).astype(np.int64)
        except SnapError:
            _, dist = nearest_nodes(network, lat, lon)
            k = int(np.argmax(dist > MAX_STOP_SNAP_M))
            raise InputError(
                f"scenario {scenario.name!r}: key 'fleet.{vt.name}.stops_latlon[{k}]': stop "
                f"({lat[k]}, {lon[k]}) is {dist[k]:.0f} m from the road network "
                f"(at most {MAX_STOP_SNAP_M:.0f} m)") from None
    return out


def pt_supply(pt: PtConfig, osm_file: str, network: RoadNetwork, oracle: TravelTimeOracle,
              *, cache_dir: str | Path | None = None) -> PtSupply | None:
    """The public transport supply the mode choice routes on (``pt.mode_choice =
    "router"``), else ``None``: the feed of ``pt.feed`` or the synthetic one of the
    network's OSM extract (``osm_file``, empty = the default extract)."""
    if pt.mode_choice != "router":
        return None
    return scenario_supply(pt, network, oracle, osm_file=osm_file or None, cache_dir=cache_dir)


def reference_supply(base: CalibrationBase, network: RoadNetwork, oracle: TravelTimeOracle,
                     *, cache_dir: str | Path | None = None) -> PtSupply | None:
    """:func:`pt_supply` of a reference case (the pivot point of the calibration)."""
    return pt_supply(base.pt, base.network.osm_file, network, oracle, cache_dir=cache_dir)


@dataclass(frozen=True, eq=False)
class RunContext:
    """A scenario with its prepared network, oracle and stops.

    ``scenario``: the :class:`~kl_mobility.scenario.Scenario`; ``network`` and ``oracle``:
    its road network and travel-time oracle (:func:`prepare_network`); ``stops``: the
    snapped stop nodes of its stop-based types with explicit stops, by type name
    (:func:`scenario_stops`); ``cache_dir``: the network and demand-feature cache
    (``None``: ``$KL_MOBILITY_CACHE`` or ``./networks``); ``progress``: where progress is
    reported (``None``: nowhere). Build one with :meth:`prepare` (loads or builds the
    network) or :meth:`of` (a network already at hand).
    """

    scenario: Scenario
    network: RoadNetwork
    oracle: TravelTimeOracle
    stops: Mapping[str, np.ndarray]
    cache_dir: str | Path | None = None
    progress: ProgressCallback | None = None
    transit: PtSupply | None = None
    """The public transport supply of the mode choice (:func:`pt_supply`)."""

    @classmethod
    def prepare(cls, scenario: Scenario, *, cache_dir: str | Path | None = None,
                progress: ProgressCallback | None = None) -> RunContext:
        """Load (or build) the scenario's network and oracle and snap its stops."""
        net, oracle = prepare_network(scenario, cache_dir=cache_dir, progress=progress)
        return cls.of(scenario, net, oracle, cache_dir=cache_dir, progress=progress)

    @classmethod
    def of(cls, scenario: Scenario, network: RoadNetwork, oracle: TravelTimeOracle, *,
           stops: Mapping[str, np.ndarray] | None = None,
           cache_dir: str | Path | None = None,
           progress: ProgressCallback | None = None) -> RunContext:
        """The context of ``scenario`` on a prepared ``network`` and ``oracle``
        (``stops``: default :func:`scenario_stops`)."""
        if stops is None:
            stops = scenario_stops(scenario, network)
        transit = pt_supply(scenario.pt, scenario.network.osm_file, network, oracle,
                            cache_dir=cache_dir)
        return cls(scenario, network, oracle, stops, cache_dir, progress, transit)
