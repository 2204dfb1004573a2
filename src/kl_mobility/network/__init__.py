"""Road network of Kaiserslautern: OSM -> drivable graph -> flat arrays -> travel-time oracle."""

from kl_mobility.network.build import (
    load_network,
    network_from_graph,
    network_from_osm,
    network_from_place,
)
from kl_mobility.network.config import NetworkConfig, SpeedCapConfig
from kl_mobility.network.graph import RoadNetwork, grid_network, local_xy
from kl_mobility.network.modify import apply_speed_cap, apply_speed_caps
from kl_mobility.network.oracle import DENSE_MAX_NODES, TravelTimeOracle, build_oracle
from kl_mobility.network.osm import NetworkSourceError, decompressed_osm, default_osm_path
from kl_mobility.network.snap import DEFAULT_MAX_SNAP_M, SnapError, nearest_nodes, snap

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "DENSE_MAX_NODES",
    "NetworkConfig",
    "NetworkSourceError",
    "RoadNetwork",
    "SnapError",
    "SpeedCapConfig",
    "TravelTimeOracle",
    "apply_speed_cap",
    "apply_speed_caps",
    "build_oracle",
    "decompressed_osm",
    "default_osm_path",
    "grid_network",
    "load_network",
    "local_xy",
    "nearest_nodes",
    "network_from_graph",
    "network_from_osm",
    "network_from_place",
    "snap",
]
