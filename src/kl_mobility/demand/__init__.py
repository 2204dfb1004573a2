"""Synthetic Kaiserslautern weekday demand, mode choice and on-demand request tables.

Public entry points:

- :func:`generate_demand` -> :class:`Demand` (all trips with their modes, the on-demand
  request table, a summary), pivoting on a :class:`ServiceLevel`;
- :func:`requests_from_file` (validating reader), :func:`requests_to_parquet`,
  :func:`requests_to_csv`, :func:`rejects_to_csv`;
- :class:`DemandConfig` (the scenario's ``[demand]`` section) and the request schema in
  :mod:`kl_mobility.demand.schema`.

Names are imported lazily, so reading a scenario's ``[demand]`` section does not load the
generator and its dependencies.
"""

from __future__ import annotations

from kl_mobility._lazy import lazy_namespace

_LAZY = {
    "AttractorConfig": "kl_mobility.demand.config",
    "DemandConfig": "kl_mobility.demand.config",
    "ExternalZoneConfig": "kl_mobility.demand.config",
    "Demand": "kl_mobility.demand.generate",
    "generate_demand": "kl_mobility.demand.generate",
    "load_zones": "kl_mobility.demand.generate",
    "RequestFileError": "kl_mobility.demand.io",
    "rejects_to_csv": "kl_mobility.demand.io",
    "requests_from_file": "kl_mobility.demand.io",
    "requests_to_csv": "kl_mobility.demand.io",
    "requests_to_parquet": "kl_mobility.demand.io",
    "ServiceLevel": "kl_mobility.demand.modechoice",
    "ServiceArea": "kl_mobility.demand.servicearea",
    "ALT_MODES": "kl_mobility.demand.schema",
    "MODES": "kl_mobility.demand.schema",
    "REQUEST_COLUMNS": "kl_mobility.demand.schema",
    "check_requests": "kl_mobility.demand.schema",
    "ZoneTable": "kl_mobility.demand.zones",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
