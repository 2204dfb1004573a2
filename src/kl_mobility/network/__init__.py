"""Road network of Kaiserslautern: OSM -> drivable graph -> flat arrays -> travel-time oracle.

Names are imported lazily, so reading a scenario's ``[network]`` section does not load
osmnx, scipy or the numba kernels.
"""

from __future__ import annotations

from kl_mobility._lazy import lazy_namespace

_LAZY = {
    "load_network": "kl_mobility.network.build",
    "network_from_graph": "kl_mobility.network.build",
    "network_from_osm": "kl_mobility.network.build",
    "network_from_place": "kl_mobility.network.build",
    "NetworkConfig": "kl_mobility.network.config",
    "SpeedCapConfig": "kl_mobility.network.config",
    "RoadNetwork": "kl_mobility.network.graph",
    "grid_network": "kl_mobility.network.graph",
    "local_xy": "kl_mobility.network.graph",
    "apply_speed_cap": "kl_mobility.network.modify",
    "apply_speed_caps": "kl_mobility.network.modify",
    "DENSE_MAX_NODES": "kl_mobility.network.oracle",
    "TravelTimeOracle": "kl_mobility.network.oracle",
    "build_oracle": "kl_mobility.network.oracle",
    "NetworkSourceError": "kl_mobility.network.osm",
    "decompressed_osm": "kl_mobility.network.osm",
    "default_osm_path": "kl_mobility.network.osm",
    "DEFAULT_MAX_SNAP_M": "kl_mobility.network.snapping",
    "SnapError": "kl_mobility.network.snapping",
    "nearest_nodes": "kl_mobility.network.snapping",
    "snap": "kl_mobility.network.snapping",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
