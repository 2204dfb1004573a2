"""Demand zones: OSM buildings and POIs aggregated to grid cells, plus external Ortsbezirke.

Every building and POI inside the network's bounding box becomes a *point* carrying
residents (``pop``, residential footprints share ``internal_population`` in proportion to
their area) and attraction units (``attr``, see :class:`~kl_mobility.demand.config.DemandConfig`).
Points are grouped into square cells of ``zone_cell_m``; each non-empty cell is a zone whose
representative node is the network node nearest to its weighted centroid (zones sharing a
node are merged). Each point keeps its own nearest node, so requests start and end at the
buildings themselves, not at zone centroids.

External zones (the Ortsbezirke outside the extract, FACTS.md section 1) are single points
at their FACTS.md coordinates, attached to the nearest *boundary node* (a node within
``boundary_band_m`` of the network's bounding box) with an offset of straight-line distance
x ``external_detour_factor`` at ``external_speed_kmh``. Their shops, schools and workplaces
are not in the extract: each external zone attracts ``attraction_per_resident`` plus
``external_facility_factor`` x the core's non-residential attraction per resident, per
resident, plus its own ``attraction`` (e.g. the Einsiedlerhof industrial area).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from kl_mobility.demand.config import DemandConfig
from kl_mobility.demand.osmfeatures import (
    BUILDING_NONRES,
    BUILDING_RES,
    POI_AMENITY,
    POI_SCHOOL,
    POI_SHOP,
    OsmFeatures,
)
from kl_mobility.demand.schema import CORE_ZONE
from kl_mobility.network import RoadNetwork, local_xy, nearest_nodes

__all__ = ["ZoneTable", "boundary_nodes", "build_zones"]


@dataclass(frozen=True, eq=False)
class ZoneTable:
    """Zones (internal cells first, then external zones) and their points (sorted by zone).

    Zone arrays have length ``n_zones``; point arrays length ``n_points`` with the points of
    zone ``z`` at ``point_ptr[z]:point_ptr[z+1]``.
    """

    name: np.ndarray  # object: "core" or the Ortsbezirk name
    node: np.ndarray  # int32 representative node
    lat: np.ndarray
    lon: np.ndarray
    pop: np.ndarray  # residents
    attr: np.ndarray  # attraction units
    offset_s: np.ndarray  # int32 travel time zone <-> node (external zones)
    offset_m: np.ndarray  # distance zone <-> node
    intrazonal_m: np.ndarray  # mean trip length within the zone
    bus_access_m: np.ndarray  # walking distance to the nearest bus stop
    bus_headway_min: np.ndarray
    n_internal: int
    point_ptr: np.ndarray  # int64[n_zones + 1]
    point_lat: np.ndarray
    point_lon: np.ndarray
    point_node: np.ndarray  # int32
    point_pop: np.ndarray
    point_attr: np.ndarray
    signal_node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Network nodes with traffic signals (OSM ``highway=traffic_signals``), for the car's
    junction delays (:mod:`kl_mobility.demand.driving`)."""

    @property
    def n_zones(self) -> int:
        return int(self.node.shape[0])

    @property
    def is_external(self) -> np.ndarray:
        return np.arange(self.n_zones) >= self.n_internal


def boundary_nodes(network: RoadNetwork, band_m: float) -> np.ndarray:
    """Nodes within ``band_m`` metres of the bounding box of all nodes."""
    x, y = network.node_x, network.node_y
    near = ((x - x.min() <= band_m) | (x.max() - x <= band_m)
            | (y - y.min() <= band_m) | (y.max() - y <= band_m))
    return np.flatnonzero(near).astype(np.int32)


def _points(features: OsmFeatures, config: DemandConfig, bbox: tuple[float, float, float, float]):
    """(lat, lon, pop, attr) of all points inside ``bbox``."""
    s, w, n, e = bbox
    blat, blon, area = features.building_lat, features.building_lon, features.building_area_m2
    kind = features.building_kind
    inb = (blat >= s) & (blat <= n) & (blon >= w) & (blon <= e)
    res = inb & (kind == BUILDING_RES) & (area >= config.min_residential_m2)
    nonres = inb & (kind == BUILDING_NONRES)
    res_area = area[res]
    total = float(res_area.sum())
    pop_res = config.internal_population * res_area / total if total > 0 else res_area * 0.0
    plat, plon, pk = features.poi_lat, features.poi_lon, features.poi_kind
    pin = (plat >= s) & (plat <= n) & (plon >= w) & (plon <= e)
    poi_w = np.select([pk == POI_SHOP, pk == POI_AMENITY, pk == POI_SCHOOL],
                      [config.attraction_per_shop, config.attraction_per_amenity,
                       config.attraction_per_school], 0.0)[pin]
    att = [a for a in config.attractors if s <= a.lat <= n and w <= a.lon <= e]
    lat = np.concatenate([blat[res], blat[nonres], plat[pin], [a.lat for a in att]])
    lon = np.concatenate([blon[res], blon[nonres], plon[pin], [a.lon for a in att]])
    pop = np.concatenate([pop_res, np.zeros(int(nonres.sum()) + int(pin.sum()) + len(att))])
    attr = np.concatenate([pop_res * config.attraction_per_resident,
                           area[nonres] * config.attraction_per_nonres_m2, poi_w,
                           [a.weight for a in att]])
    return lat, lon, pop, attr


def build_zones(network: RoadNetwork, features: OsmFeatures, config: DemandConfig) -> ZoneTable:
    """Aggregate ``features`` to zones on ``network`` (see the module docstring)."""
    lat, lon, pop, attr = _points(features, config, network.bbox())
    if pop.sum() <= 0 and config.internal_population > 0:
        raise ValueError("no residential buildings inside the network's area")
    lat0, lon0 = network.origin_latlon
    x, y = local_xy(lat, lon, lat0, lon0)
    cell = config.zone_cell_m
    cx = np.floor((x - network.node_x.min()) / cell).astype(np.int64)
    cy = np.floor((y - network.node_y.min()) / cell).astype(np.int64)
    cell_id = cy * 100_000 + cx
    keep = (pop + attr) > 0
    lat, lon, pop, attr, x, y, cell_id = (a[keep] for a in (lat, lon, pop, attr, x, y, cell_id))
    cells, zone_of = np.unique(cell_id, return_inverse=True)
    k = cells.shape[0]
    # weighted centroid: residents and attraction count equally in the zone's position
    wt = pop / max(pop.sum(), 1e-12) + attr / max(attr.sum(), 1e-12)
    wsum = np.bincount(zone_of, wt, k)
    zx = np.bincount(zone_of, wt * x, k) / wsum
    zy = np.bincount(zone_of, wt * y, k) / wsum
    tree = cKDTree(np.column_stack([network.node_x, network.node_y]))
    _, rep = tree.query(np.column_stack([zx, zy]))
    rep = rep.astype(np.int32)
    # merge zones that share a representative node (first zone in cell order wins)
    uniq_nodes, first = np.unique(rep, return_index=True)
    order = np.sort(first)
    remap = np.searchsorted(uniq_nodes, rep)
    new_index = np.empty(uniq_nodes.shape[0], np.int64)
    new_index[np.searchsorted(uniq_nodes, rep[order])] = np.arange(order.shape[0])
    zone_of = new_index[remap[zone_of]]
    rep = rep[order]
    k = rep.shape[0]
    wsum = np.bincount(zone_of, wt, k)
    zone_lat = np.bincount(zone_of, wt * lat, k) / wsum
    zone_lon = np.bincount(zone_of, wt * lon, k) / wsum
    point_node, _ = nearest_nodes(network, lat, lon)
    # bus access: mean walk to the nearest stop over the zone's points (weighted)
    if features.stop_lat.size:
        sx, sy = local_xy(features.stop_lat, features.stop_lon, lat0, lon0)
        d_stop, _ = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([x, y]))
    else:
        d_stop = np.full(x.shape[0], 10_000.0)
    access = np.bincount(zone_of, wt * d_stop, k) / wsum * config.bus_access_detour_factor
    z_pop = np.bincount(zone_of, pop, k)
    z_attr = np.bincount(zone_of, attr, k)

    # external zones
    ext = config.external_zones
    e_lat = np.array([z.lat for z in ext], np.float64)
    e_lon = np.array([z.lon for z in ext], np.float64)
    bnodes = boundary_nodes(network, config.boundary_band_m)
    ex, ey = local_xy(e_lat, e_lon, lat0, lon0)
    if ext:
        d_b, j = cKDTree(np.column_stack([network.node_x[bnodes], network.node_y[bnodes]])
                         ).query(np.column_stack([ex, ey]))
        e_node = bnodes[j].astype(np.int32)
    else:
        d_b, e_node = np.zeros(0), np.zeros(0, np.int32)
    e_off_m = d_b * config.external_detour_factor
    e_off_s = np.rint(e_off_m / (config.external_speed_kmh / 3.6)).astype(np.int32)
    e_pop = np.array([z.population for z in ext], np.float64)
    # local facilities of the Ortsbezirke are outside the extract: the core's attraction per
    # resident beyond the residents' own, times external_facility_factor
    core_extra = max(float(z_attr.sum() - z_pop.sum() * config.attraction_per_resident), 0.0)
    per_res = core_extra / max(float(z_pop.sum()), 1e-12)
    e_attr = (e_pop * (config.attraction_per_resident + config.external_facility_factor * per_res)
              + np.array([z.attraction for z in ext], np.float64))
    mean_access = float(np.average(access, weights=z_pop)) if z_pop.sum() > 0 else 500.0

    order_pts = np.argsort(zone_of, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(zone_of, minlength=k))])
    n_ext = len(ext)
    ptr = np.concatenate([ptr, ptr[-1] + np.arange(1, n_ext + 1)])
    return ZoneTable(
        name=np.array([CORE_ZONE] * k + [z.name for z in ext], dtype=object),
        node=np.concatenate([rep, e_node]).astype(np.int32),
        lat=np.concatenate([zone_lat, e_lat]),
        lon=np.concatenate([zone_lon, e_lon]),
        pop=np.concatenate([z_pop, e_pop]),
        attr=np.concatenate([z_attr, e_attr]),
        offset_s=np.concatenate([np.zeros(k, np.int32), e_off_s]),
        offset_m=np.concatenate([np.zeros(k), e_off_m]),
        intrazonal_m=np.concatenate([np.full(k, 0.52 * cell),  # mean distance in a square
                                     np.full(n_ext, config.external_intrazonal_m)]),
        bus_access_m=np.concatenate([access, np.full(n_ext, mean_access)]),
        bus_headway_min=np.concatenate([np.full(k, config.bus_headway_min),
                                        [z.bus_headway_min for z in ext]]),
        n_internal=k,
        point_ptr=ptr.astype(np.int64),
        point_lat=np.concatenate([lat[order_pts], e_lat]),
        point_lon=np.concatenate([lon[order_pts], e_lon]),
        point_node=np.concatenate([point_node[order_pts], e_node]).astype(np.int32),
        point_pop=np.concatenate([pop[order_pts], e_pop]),
        point_attr=np.concatenate([attr[order_pts], e_attr]),
        signal_node=np.flatnonzero(np.isin(np.asarray(network.node_osmid, np.int64),
                                           np.asarray(features.signal_osmid, np.int64))),
    )
