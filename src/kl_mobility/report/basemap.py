"""Offline map context of the report, drawn from the project's own data.

- Street network: the runs' road network (edges as straight lines between their nodes),
  main roads (motorway to tertiary) drawn wider.
- District boundaries: the postcode (PLZ) polygons of ``zones/kaiserslautern_plz.geojson``
  beside the OSM data (six polygons covering the city, labelled "PLZ 67655" ...), and the
  outer districts (Ortsbezirke) at their FACTS.md section 1 coordinates as the demand model
  places them (``demand.external_zones``), labelled by name.
- Landmarks (Hbf, RPTU campus, Westpfalz-Klinikum, PRE-Park): looked up by their OSM name
  in the OSM extract the network was built from (a node's position, or the mean of a way's
  nodes); a landmark not found there is not drawn and :func:`landmarks_from_osm` says which.
- Scale bar, north arrow and the OpenStreetMap attribution (:data:`ATTRIBUTION`).

Coordinates are WGS84 lon/lat; the axes use an equirectangular aspect (1 / cos latitude),
so a kilometre is the same length across and up the map at this size of area.
"""

from __future__ import annotations

import gzip
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ATTRIBUTION", "LANDMARKS", "District", "Landmark", "MapContext", "districts_from_geojson",
           "draw_context", "landmarks_from_osm"]

ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
"""The attribution every map carries (map data and the PLZ polygons derive from OSM)."""

LANDMARKS: tuple[tuple[str, str], ...] = (
    ("Hbf", "Kaiserslautern Hauptbahnhof"),
    ("RPTU", "Technische Universität Kaiserslautern"),
    ("Klinikum", "Westpfalz-Klinikum"),
    ("PRE-Park", "PRE-Park"),
)
"""(label, OSM ``name`` tag) of the landmarks drawn; the 2013 extract still names the RPTU
campus by its former name (Technische Universität Kaiserslautern)."""

_MAIN_ROADS = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
               "secondary", "secondary_link", "tertiary", "tertiary_link"}
_DISPLAY_NAMES = {"Moelschbach": "Mölschbach", "Erzhuetten-Wiesenthalerhof": "Erzhütten-Wiesenthalerhof"}


@dataclass(frozen=True)
class Landmark:
    label: str
    osm_name: str
    lat: float
    lon: float
    osm_ref: str
    """``node/<id>`` or ``way/<id>`` of the OSM element the position comes from."""


@dataclass(frozen=True)
class District:
    """A named polygon (one or more rings of lon/lat) with its label point."""

    name: str
    rings: tuple[np.ndarray, ...]
    label_lon: float
    label_lat: float


@dataclass
class MapContext:
    """Everything :func:`draw_context` draws under a map's data."""

    node_lat: np.ndarray
    node_lon: np.ndarray
    edge_tail: np.ndarray
    edge_head: np.ndarray
    main_road: np.ndarray  # bool per edge
    districts: list[District]
    outer: list[tuple[str, float, float]]  # (name, lat, lon) of the Ortsbezirke
    landmarks: list[Landmark]
    missing_landmarks: list[str]


@lru_cache(maxsize=4)
def _landmarks_cached(path: str, names: tuple[str, ...]) -> tuple[tuple[Landmark, ...],
                                                                   tuple[str, ...]]:
    wanted = {n for _, n in LANDMARKS if n in names}
    coords: dict[str, tuple[float, float]] = {}
    found_nodes: dict[str, tuple[str, float, float]] = {}
    way_refs: dict[str, tuple[str, list[str]]] = {}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            tag = el.tag
            if tag == "node":
                nid = el.get("id", "")
                lat, lon = float(el.get("lat", "nan")), float(el.get("lon", "nan"))
                coords[nid] = (lat, lon)
                for t in el.iter("tag"):
                    if t.get("k") == "name" and t.get("v") in wanted:
                        found_nodes.setdefault(str(t.get("v")), (f"node/{nid}", lat, lon))
                el.clear()
            elif tag == "way":
                for t in el.iter("tag"):
                    if t.get("k") == "name" and t.get("v") in wanted:
                        way_refs.setdefault(str(t.get("v")), (
                            f"way/{el.get('id')}", [nd.get("ref", "") for nd in el.iter("nd")]))
                el.clear()
            elif tag == "relation":
                el.clear()
    out, missing = [], []
    for label, name in LANDMARKS:
        if name not in wanted:
            continue
        if name in way_refs:
            ref, nds = way_refs[name]
            pts = np.array([coords[n] for n in dict.fromkeys(nds) if n in coords], float)
            if len(pts):
                out.append(Landmark(label, name, float(pts[:, 0].mean()),
                                    float(pts[:, 1].mean()), ref))
                continue
        if name in found_nodes:
            ref, lat, lon = found_nodes[name]
            out.append(Landmark(label, name, lat, lon, ref))
            continue
        missing.append(label)
    return tuple(out), tuple(missing)


def landmarks_from_osm(osm_file: str | Path) -> tuple[list[Landmark], list[str]]:
    """The :data:`LANDMARKS` found in ``osm_file`` (a way's mean node position is preferred
    to a node of the same name) and the labels of those not found."""
    found, missing = _landmarks_cached(str(osm_file), tuple(n for _, n in LANDMARKS))
    return list(found), list(missing)


def districts_from_geojson(path: str | Path) -> list[District]:
    """The PLZ polygons of ``path`` (``plz_code`` property), parts of one code merged."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rings: dict[str, list[np.ndarray]] = {}
    labels: dict[str, tuple[float, float]] = {}
    for f in data.get("features", []):
        props = f.get("properties") or {}
        code = str(props.get("plz_code") or props.get("name") or "?")
        geom = f.get("geometry") or {}
        polys = geom.get("coordinates", [])
        if geom.get("type") == "Polygon":
            polys = [polys]
        for poly in polys:
            if poly:
                rings.setdefault(code, []).append(np.asarray(poly[0], float)[:, :2])
        pt = props.get("geo_point_2d") or {}
        if code not in labels and "lon" in pt:
            labels[code] = (float(pt["lon"]), float(pt["lat"]))
    out = []
    for code, rs in sorted(rings.items()):
        lon, lat = labels.get(code) or tuple(np.concatenate(rs).mean(axis=0))
        out.append(District(f"PLZ {code}", tuple(rs), float(lon), float(lat)))
    return out


def build_context(network: Any, *, zones_file: str | Path | None, osm_file: str | Path | None,
                  outer: Sequence[tuple[str, float, float]]) -> MapContext:
    """The :class:`MapContext` of a road network, the PLZ file and the OSM extract (either
    file may be ``None``: then no districts / no landmarks, and the map says so)."""
    names = np.asarray(network.highway_names, dtype=object)
    hw = names[np.asarray(network.edge_highway, np.int64)] if len(names) else \
        np.array([], dtype=object)
    main = np.array([h in _MAIN_ROADS for h in hw], bool)
    districts = districts_from_geojson(zones_file) if zones_file else []
    if osm_file:
        landmarks, missing = landmarks_from_osm(osm_file)
    else:
        landmarks, missing = [], [label for label, _ in LANDMARKS]
    return MapContext(np.asarray(network.node_lat, float), np.asarray(network.node_lon, float),
                      np.asarray(network.edge_tail, np.int64),
                      np.asarray(network.edge_head, np.int64), main, districts,
                      [(_DISPLAY_NAMES.get(n, n), la, lo) for n, la, lo in outer],
                      landmarks, missing)


def extent(ctx: MapContext, pad: float = 0.012) -> tuple[float, float, float, float]:
    """lon_min, lon_max, lat_min, lat_max around the network and the outer districts."""
    lons = np.concatenate([ctx.node_lon, [o[2] for o in ctx.outer]])
    lats = np.concatenate([ctx.node_lat, [o[1] for o in ctx.outer]])
    return (float(lons.min()) - pad, float(lons.max()) + pad,
            float(lats.min()) - pad, float(lats.max()) + pad)


def draw_context(ax: Any, ctx: MapContext, lang: str, *, labels: bool = True) -> None:
    """Streets, district boundaries and names, outer districts and landmarks on ``ax``;
    then fixes the extent and aspect. Data drawn before or after sits on top with zorder."""
    from matplotlib.collections import LineCollection

    x0, x1, y0, y1 = extent(ctx)
    lat0 = 0.5 * (y0 + y1)
    t, h = ctx.edge_tail, ctx.edge_head
    for sel, width, color in ((~ctx.main_road, 0.35, "0.78"), (ctx.main_road, 0.9, "0.6")):
        if sel.any():
            segs = np.stack([np.column_stack([ctx.node_lon[t[sel]], ctx.node_lat[t[sel]]]),
                             np.column_stack([ctx.node_lon[h[sel]], ctx.node_lat[h[sel]]])],
                            axis=1)
            ax.add_collection(LineCollection(list(segs), linewidths=width, colors=color,
                                             zorder=1))
    for d in ctx.districts:
        for ring in d.rings:
            ax.plot(ring[:, 0], ring[:, 1], color="#5a4a8a", lw=0.9, ls="--", zorder=2)
        if labels and x0 <= d.label_lon <= x1 and y0 <= d.label_lat <= y1:
            ax.text(d.label_lon, d.label_lat, d.name, fontsize=7, color="#5a4a8a",
                    ha="center", va="center", zorder=6, style="italic",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.6})
    for name, la, lo in ctx.outer:
        ax.plot(lo, la, marker="s", ms=3.5, color="#5a4a8a", zorder=5)
        if labels:
            ax.text(lo, la - 0.0022, name, fontsize=6.5, color="#3b2f63", ha="center",
                    va="top", zorder=6)
    for lm in ctx.landmarks:
        ax.plot(lm.lon, lm.lat, marker="*", ms=11, color="#d62728", mec="black", mew=0.6,
                zorder=7)
        ax.annotate(lm.label, (lm.lon, lm.lat), xytext=(5, 4), textcoords="offset points",
                    fontsize=8, fontweight="bold", zorder=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "0.3",
                          "lw": 0.5, "alpha": 0.85})
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / math.cos(math.radians(lat0)))
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, x0, x1, y0, y1, lat0, lang)
    _north_arrow(ax)
    ax.text(0.995, 0.005, ATTRIBUTION, transform=ax.transAxes, fontsize=6.5, ha="right",
            va="bottom", zorder=9, bbox={"fc": "white", "ec": "none", "alpha": 0.8,
                                          "pad": 1.5})


def _scale_bar(ax: Any, x0: float, x1: float, y0: float, y1: float, lat0: float,
               lang: str) -> None:
    km_per_deg_lon = 111.32 * math.cos(math.radians(lat0))
    width_km = (x1 - x0) * km_per_deg_lon
    length = next(v for v in (5.0, 2.0, 1.0, 0.5, 0.2, 0.1) if v <= width_km / 4)
    dlon = length / km_per_deg_lon
    bx, by = x0 + 0.03 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + dlon], [by, by], color="black", lw=3, solid_capstyle="butt", zorder=9)
    ax.plot([bx, bx + dlon / 2], [by, by], color="white", lw=1.4, solid_capstyle="butt",
            zorder=10)
    txt = f"{length:g} km".replace(".", ",") if lang == "de" else f"{length:g} km"
    ax.text(bx + dlon / 2, by + 0.012 * (y1 - y0), txt, ha="center", va="bottom", fontsize=8,
            zorder=10, bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})


def _north_arrow(ax: Any) -> None:
    ax.annotate("N", xy=(0.965, 0.95), xytext=(0.965, 0.84), xycoords="axes fraction",
                textcoords="axes fraction", ha="center", va="center", fontsize=10,
                fontweight="bold", zorder=10,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})
