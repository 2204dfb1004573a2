"""``kl-mobility pt validate`` and ``kl-mobility pt build``: public transport feeds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``pt`` command group."""
    p = sub.add_parser("pt", help="public transport feeds (GTFS)")
    psub = p.add_subparsers(dest="pt_command", metavar="SUBCOMMAND")
    v = psub.add_parser(
        "validate", help="read and check a GTFS feed (zip or folder), print its size",
        description=(
            "Read a GTFS feed (zip or folder) and check it: required files and columns, "
            "unique and known ids, coordinates, times H:MM:SS, times along each trip. The "
            "first problem is one line naming the file, line and field (exit 2). Stops "
            "far outside the road network's area are a warning."))
    v.add_argument("feed", type=Path, help="GTFS zip file or folder")
    v.add_argument("--service-date", default="", metavar="YYYYMMDD",
                   help="the day to check (default: the weekday with the most trips)")
    v.add_argument("--no-area-check", action="store_true",
                   help="do not load the road network to compare the stops with its area")
    v.set_defaults(func=_validate)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _network_bbox() -> tuple[float, float, float, float]:
    from kl_mobility.network import load_network

    net = load_network()
    return (float(net.node_lat.min()), float(net.node_lon.min()), float(net.node_lat.max()),
            float(net.node_lon.max()))


def _validate(args: argparse.Namespace) -> int:
    from kl_mobility.pt.gtfs import read_gtfs

    bbox = None if args.no_area_check else _network_bbox()
    feed = read_gtfs(args.feed, service_date=args.service_date, area_bbox=bbox)
    _print_summary(feed)
    for w in feed.warnings:
        print(f"kl-mobility: warning: {w}", file=sys.stderr)
    return 0


def _print_summary(feed) -> None:
    import numpy as np

    used = np.unique(feed.trip_route)
    rows = [
        ("feed", feed.source),
        ("service date", f"{feed.service_date} (trips running that day)"),
        ("routes", f"{used.size:,} of {feed.route_id.size:,} run that day"),
        ("stops", f"{feed.n_stops:,}"),
        ("trips", f"{feed.n_trips:,}"),
        ("stop times", f"{feed.st_stop.size:,}"),
        ("vehicle-km", f"{feed.vehicle_km():,.1f} (first to last stop of each trip)"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, val in rows:
        print(f"{k:<{width}}  {val}")
