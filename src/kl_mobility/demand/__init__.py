"""Synthetic Kaiserslautern weekday demand, mode choice and on-demand request tables.

Public entry points:

- :func:`generate_demand` -> :class:`Demand` (all trips with their modes, the on-demand
  request table, a summary), pivoting on a :class:`ServiceLevel`;
- :func:`requests_from_file` (validating reader), :func:`requests_to_parquet`,
  :func:`requests_to_csv`, :func:`rejects_to_csv`;
- :class:`DemandConfig` (the scenario's ``[demand]`` section) and the request schema in
  :mod:`kl_mobility.demand.schema`.
"""

from kl_mobility.demand.config import (
    AttractorConfig,
    DemandConfig,
    ExternalZoneConfig,
)
from kl_mobility.demand.generate import Demand, generate_demand, load_zones
from kl_mobility.demand.io import (
    RequestFileError,
    rejects_to_csv,
    requests_from_file,
    requests_to_csv,
    requests_to_parquet,
)
from kl_mobility.demand.modechoice import ServiceLevel
from kl_mobility.demand.schema import ALT_MODES, MODES, REQUEST_COLUMNS, check_requests
from kl_mobility.demand.zones import ZoneTable

__all__ = [
    "ALT_MODES",
    "MODES",
    "REQUEST_COLUMNS",
    "AttractorConfig",
    "Demand",
    "DemandConfig",
    "ExternalZoneConfig",
    "RequestFileError",
    "ServiceLevel",
    "ZoneTable",
    "check_requests",
    "generate_demand",
    "load_zones",
    "rejects_to_csv",
    "requests_from_file",
    "requests_to_csv",
    "requests_to_parquet",
]
