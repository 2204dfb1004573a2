"""Reports over finished runs and batches: the summary tables, the HTML report with its
figures, and the GIS export.

- :mod:`kl_mobility.report.summary`: one row per run (``runs.csv``) and the mean, standard
  deviation and 95 % interval over seeds per scenario (``summary.csv``);
- :mod:`kl_mobility.report.html`: :func:`write_report` (``report.html``, PNG figures,
  GeoJSON) and :func:`load_batch`;
- :mod:`kl_mobility.report.plots`: the figures; :mod:`kl_mobility.report.gis`: GeoJSON of
  the road segments driven and the stops.

The run outputs they read (schema, records, KPIs) are :mod:`kl_mobility.results`'. Names are
imported lazily (matplotlib loads only for figures).
"""

from __future__ import annotations

from kl_mobility._lazy import lazy_namespace

_LAZY = {
    "fmt": "kl_mobility.report.html",
    "load_batch": "kl_mobility.report.html",
    "write_report": "kl_mobility.report.html",
    "collect_runs": "kl_mobility.report.summary",
    "summarize": "kl_mobility.report.summary",
    "edges_geojson": "kl_mobility.report.gis",
    "stops_geojson": "kl_mobility.report.gis",
    "write_geojson": "kl_mobility.report.gis",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
