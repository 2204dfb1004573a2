"""Outputs section of a scenario: which result files a run writes and how figures look."""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.config import check_finite_fields, check_range

__all__ = ["OutputConfig"]


@dataclass(frozen=True)
class OutputConfig:
    """Which result files a run writes.

    ``event_log``: write ``events.parquet`` (the full event log; large for busy days).
    ``edges``: write ``edges.parquet`` (vehicle-km per road segment, for maps and GIS).
    ``figure_dpi``: resolution of the PNG figures of reports.
    ``gpkg``: write ``run.gpkg`` (GeoPackage for QGIS, EPSG:25832: street segments with
    vehicle-km per direction, OSM way ids and names; stops; districts, zones, depots;
    :mod:`kl_mobility.report.gis`).
    """

    event_log: bool = True
    edges: bool = True
    gpkg: bool = True
    figure_dpi: int = 100

    def __post_init__(self) -> None:
        check_finite_fields(self)
        check_range("figure_dpi", self.figure_dpi, 50, 600)
