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
    b = psub.add_parser(
        "build", help="build the synthetic GTFS feed of Kaiserslautern from the OSM extract",
        description=(
            "Derive a SYNTHETIC GTFS feed from the OSM extract's bus and rail route "
            "relations (2013): stops, bus running times on the road network (x "
            "pt.bus_time_factor + pt.dwell_s per stop), timetables from the headways of "
            "FACTS.md section 5 and named assumptions. It is cached beside the network "
            "(used by scenarios whose pt.feed is empty); --out also writes a copy."))
    b.add_argument("--scenario", metavar="FILE", type=Path,
                   help="take the network and [pt] sections from this scenario")
    b.add_argument("--osm", metavar="FILE", help="OSM extract (default as for the network)")
    b.add_argument("--cache-dir", metavar="DIR", type=Path,
                   help="cache folder (default: $KL_MOBILITY_CACHE or ./networks)")
    b.add_argument("--out", metavar="FILE.zip", type=Path, help="also write the feed here")
    b.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    b.add_argument("--rebuild", action="store_true", help="rebuild the cached feed")
    b.set_defaults(func=_build)
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
        ("vehicle-km", f"{feed.vehicle_km():,.1f} (all route types: bus "
                       f"{feed.vehicle_km((3,)):,.1f}, rail {feed.vehicle_km((2,)):,.1f}; "
                       "first to last stop of each trip)"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, val in rows:
        print(f"{k:<{width}}  {val}")


def _build(args: argparse.Namespace) -> int:
    import shutil

    from kl_mobility.io import atomic_file, check_output_file
    from kl_mobility.network import build_oracle, load_network
    from kl_mobility.pt.config import PtConfig
    from kl_mobility.pt.gtfs import read_gtfs
    from kl_mobility.pt.supply import synthetic_feed_path

    if args.out is not None:
        if args.out.suffix != ".zip":
            from kl_mobility.errors import InputError
            raise InputError(f"{args.out}: --out must name a .zip file")
        check_output_file(args.out, what="feed", replace=args.overwrite)
    cfg, osm = PtConfig(), args.osm
    caps: tuple = ()
    if args.scenario is not None:
        from kl_mobility.scenario import scenario_from_file

        sc = scenario_from_file(args.scenario)
        cfg, caps = sc.pt, sc.network.speed_caps
        osm = osm or sc.network.osm_file or None
    net = load_network(osm, cache_dir=args.cache_dir, speed_caps=caps)
    oracle = build_oracle(net, cache_dir=args.cache_dir)
    path, report = synthetic_feed_path(net, oracle, cfg, osm_file=osm,
                                       cache_dir=args.cache_dir, rebuild=args.rebuild)
    feed = read_gtfs(path)
    print("SYNTHETIC feed: OSM route relations of 2013, modelled running times and timetables")
    _print_summary(feed)
    bus = feed.vehicle_km((3,))
    print(f"bus vehicle-km/day  {bus:,.1f} (inside the extract; SWK ~3.0 M vkm/yr, "
          "FACTS.md section 4)")
    print(f"cached at  {path}" + ("" if report is None else " (built now)"))
    if report is not None:
        for line in report.skipped:
            print(f"not in the feed: {line}")
        for line in report.reversed_rail:
            print(f"also run reversed (assumption, no reverse relation): {line}")
        print(f"largest stop-to-road snap  {report.snap_max_m:.0f} m")
    if args.out is not None:
        with atomic_file(args.out) as tmp:
            shutil.copyfile(path, tmp)
        print(f"written  {args.out}")
    return 0
