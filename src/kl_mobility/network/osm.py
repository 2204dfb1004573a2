"""Reading OpenStreetMap XML extracts: the default source, decompression, drive filtering.

The drivable network follows osmnx's ``network_type="drive"`` filter: ways with a
``highway`` tag that is not an area, not private, not one of the non-drivable highway
types (footway, cycleway, path, service, track, ...), not closed to motor vehicles, and
not a service way of kind alley, driveway, parking aisle or emergency access. The file is
read once with a streaming parser that also checks it really is OSM XML; the kept ways and
their nodes are written to a temporary plain OSM file that ``osmnx.graph_from_xml`` turns
into a graph with osmnx's one-way semantics.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import math
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kl_mobility.errors import InputError

__all__ = [
    "NetworkSourceError",
    "decompressed_osm",
    "default_osm_path",
    "filter_drivable_osm",
    "is_drivable_way",
    "open_osm",
]

OSM_ENV_VAR = "KL_MOBILITY_OSM"
DEFAULT_OSM_NAME = "kaiserslautern.osm.gz"


class NetworkSourceError(InputError):
    """An OSM source that cannot be used (missing, not OSM XML, corrupt, no drivable roads)."""


def default_osm_path() -> Path:
    """The default OSM extract.

    ``$KL_MOBILITY_OSM`` if set, else ``shared/data/osm/kaiserslautern.osm.gz`` beside the
    repository (``../shared`` relative to the repository root), else the same relative to
    the current directory.
    """
    env = os.environ.get(OSM_ENV_VAR)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    candidates = [
        repo.parent / "shared" / "data" / "osm" / DEFAULT_OSM_NAME,
        Path.cwd().parent / "shared" / "data" / "osm" / DEFAULT_OSM_NAME,
    ]
    for c in candidates:
        if c.is_file():
            return c
    return candidates[0]


def open_osm(path: str | Path) -> IO[bytes]:
    """Open a plain, ``.gz`` or ``.bz2`` OSM file for binary reading (by magic bytes)."""
    path = Path(path)
    if not path.exists():
        raise NetworkSourceError(f"{path}: file not found")
    if not path.is_file():
        raise NetworkSourceError(f"{path}: not a file")
    with open(path, "rb") as fh:
        magic = fh.read(3)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if magic == b"BZh":
        return bz2.open(path, "rb")
    return open(path, "rb")


@contextlib.contextmanager
def decompressed_osm(path: str | Path) -> Iterator[Path]:
    """Yield a plain ``.osm`` path with the content of ``path`` (decompressed if needed)."""
    path = Path(path)
    with open_osm(path) as src, tempfile.TemporaryDirectory(prefix="kl-osm-") as tmp:
        out = Path(tmp) / (path.name.split(".")[0] + ".osm")
        try:
            with open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (EOFError, OSError, gzip.BadGzipFile) as exc:
            raise NetworkSourceError(f"{path}: corrupt or truncated compressed file ({exc})") from None
        yield out


# osmnx "drive" filter, expressed on tags (Overpass regexes are unanchored searches).
_EXCLUDED_HIGHWAY = re.compile(
    "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|"
    "footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|service|"
    "services|steps|track"
)
_EXCLUDED_SERVICE = re.compile("alley|driveway|emergency_access|parking|parking_aisle|private")


def is_drivable_way(tags: dict[str, str]) -> bool:
    """Whether a way with these tags belongs to the drivable network (osmnx "drive")."""
    hw = tags.get("highway")
    if hw is None:
        return False
    if re.search("yes", tags.get("area", "")) and "area" in tags:
        return False
    if "access" in tags and re.search("private", tags["access"]):
        return False
    if _EXCLUDED_HIGHWAY.search(hw):
        return False
    if "motor_vehicle" in tags and re.search("no", tags["motor_vehicle"]):
        return False
    if "motorcar" in tags and re.search("no", tags["motorcar"]):
        return False
    return not ("service" in tags and _EXCLUDED_SERVICE.search(tags["service"]))


_OSM_ID_MAX = 2**63 - 1


def _check_osm_id(path: Path, kind: str, text: str) -> int:
    """The integer id of an OSM element; :class:`NetworkSourceError` naming it otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise NetworkSourceError(f"{path}: {kind} id {text!r} is not an integer") from None
    if not -_OSM_ID_MAX <= value <= _OSM_ID_MAX:
        raise NetworkSourceError(f"{path}: {kind} id {text!r} is out of the 64-bit range")
    return value


def _check_coordinates(path: Path, nid: str, lat: str, lon: str) -> None:
    """:class:`NetworkSourceError` naming the node unless ``lat`` and ``lon`` are finite
    numbers in [-90, 90] and [-180, 180]."""
    for name, text, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and -bound <= value <= bound):
            raise NetworkSourceError(f"{path}: node {nid}: {name}={text!r} is not a number in "
                                     f"[-{bound:g}, {bound:g}]")


def filter_drivable_osm(path: str | Path, out: str | Path) -> tuple[int, int]:
    """Write the drivable ways of ``path`` and their nodes to the plain OSM file ``out``.

    Returns ``(n_ways, n_nodes)`` written. Raises :class:`NetworkSourceError` naming the
    file when it is not OSM XML, is truncated, or has no drivable way, and naming the
    element when a kept way or node has an id that is not an integer or a node has
    coordinates that are not finite numbers in range.
    """
    path = Path(path)
    nodes: dict[str, tuple[str, str]] = {}
    ways: list[tuple[str, list[str], dict[str, str]]] = []
    root_tag = None
    try:
        with open_osm(path) as fh:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if event == "start":
                    if root_tag is None:
                        root_tag = elem.tag
                        if root_tag != "osm":
                            raise NetworkSourceError(
                                f"{path}: not an OSM XML file (root element <{root_tag}>, expected <osm>)"
                            )
                    continue
                if elem.tag == "node":
                    nodes[elem.get("id", "")] = (elem.get("lat", ""), elem.get("lon", ""))
                    elem.clear()
                elif elem.tag == "way":
                    tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                    if is_drivable_way(tags):
                        refs = [nd.get("ref", "") for nd in elem.iter("nd")]
                        ways.append((elem.get("id", ""), refs, tags))
                    elem.clear()
                elif elem.tag == "relation":
                    elem.clear()
    except ET.ParseError as exc:
        if root_tag is None:
            raise NetworkSourceError(f"{path}: not an OSM XML file ({exc})") from None
        raise NetworkSourceError(f"{path}: malformed or truncated OSM XML ({exc})") from None
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        raise NetworkSourceError(f"{path}: corrupt or truncated compressed file ({exc})") from None
    if root_tag is None:
        raise NetworkSourceError(f"{path}: empty file, not OSM XML")
    ways = [(wid, [r for r in refs if r in nodes], tags) for wid, refs, tags in ways]
    ways = [w for w in ways if len(w[1]) >= 2]
    if not ways:
        raise NetworkSourceError(f"{path}: contains no drivable roads")
    for wid, _refs, _tags in ways:
        _check_osm_id(path, "way", wid)
    used = sorted({r for _, refs, _ in ways for r in refs},
                  key=lambda r: _check_osm_id(path, "node", r))
    for nid in used:
        _check_coordinates(path, nid, *nodes[nid])
    root = ET.Element("osm", version="0.6", generator="kl-mobility drive filter")
    for nid in used:
        lat, lon = nodes[nid]
        ET.SubElement(root, "node", id=nid, lat=lat, lon=lon)
    for wid, refs, tags in ways:
        w = ET.SubElement(root, "way", id=wid)
        for r in refs:
            ET.SubElement(w, "nd", ref=r)
        for k, v in tags.items():
            ET.SubElement(w, "tag", k=k, v=v)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return len(ways), len(used)
