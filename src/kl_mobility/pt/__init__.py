"""Public transport: GTFS feeds in (:mod:`~kl_mobility.pt.gtfs`), the synthetic
Kaiserslautern feed (:mod:`~kl_mobility.pt.build`), door-to-door times by connection scan
(:mod:`~kl_mobility.pt.router`).

Names are imported lazily, so reading a scenario's ``[pt]`` section loads neither pandas nor
the kernels.
"""

from __future__ import annotations

from kl_mobility._lazy import lazy_namespace

_LAZY = {
    "PtConfig": "kl_mobility.pt.config",
    "PT_ASSUMPTIONS": "kl_mobility.pt.config",
    "GtfsError": "kl_mobility.pt.gtfs",
    "TransitFeed": "kl_mobility.pt.gtfs",
    "read_gtfs": "kl_mobility.pt.gtfs",
    "Journey": "kl_mobility.pt.router",
    "Timetable": "kl_mobility.pt.router",
    "ZoneTransit": "kl_mobility.pt.router",
    "earliest_arrival": "kl_mobility.pt.router",
    "timetable_from_feed": "kl_mobility.pt.router",
    "walk_links": "kl_mobility.pt.router",
    "zone_transit": "kl_mobility.pt.router",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_namespace(__name__, _LAZY, globals())
