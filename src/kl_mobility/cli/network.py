"""``kl-mobility network build``: build (or load) the road network and its travel-time table."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``network`` command group."""
    p = sub.add_parser("network", help="road network and travel-time oracle")
    nsub = p.add_subparsers(dest="network_command", metavar="SUBCOMMAND")
    b = nsub.add_parser(
        "build",
        help="build the drivable network and its travel-time table (cached)",
        description=(
            "Build the drivable road network from an OSM extract (or fetch it online with "
            "--place), keep the largest strongly connected component, derive travel times, "
            "compute the all-pairs travel-time table, cache both under the cache folder, and "
            "print a summary. A second run with the same source and options loads the cache."
        ),
    )
    b.add_argument("--osm", metavar="FILE",
                   help="OSM XML file (.osm, .osm.gz, .osm.bz2); default: $KL_MOBILITY_OSM or "
                        "../shared/data/osm/kaiserslautern.osm.gz beside the repository")
    b.add_argument("--place", metavar="NAME",
                   help="fetch the network of this place online through osmnx instead")
    b.add_argument("--scenario", metavar="FILE", type=Path,
                   help="take the network section (source, speed caps) from this scenario")
    b.add_argument("--cache-dir", metavar="DIR", type=Path,
                   help="cache folder (default: $KL_MOBILITY_CACHE or ./networks)")
    b.add_argument("--oracle", choices=("auto", "dense", "lazy"), default="auto",
                   help="travel-time oracle mode (default: auto = dense up to 20,000 nodes)")
    b.add_argument("--rebuild", action="store_true",
                   help="rebuild the network and its tables and replace the cached files in "
                        "place (atomically, with fresh manifests)")
    b.set_defaults(func=_build)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _build(args: argparse.Namespace) -> int:
    from kl_mobility.cli.progress import TqdmProgress
    from kl_mobility.network import build_oracle, load_network

    caps: tuple = ()
    osm, place = args.osm, args.place
    if args.scenario is not None:
        from kl_mobility.scenario import scenario_from_file

        sc = scenario_from_file(args.scenario)
        osm = osm or sc.network.osm_file or None
        place = place or sc.network.place or None
        caps = sc.network.speed_caps
    progress = TqdmProgress()
    t0 = time.perf_counter()
    cache_dir = args.cache_dir
    net = load_network(osm, place=place, cache_dir=cache_dir, speed_caps=caps, progress=progress,
                       rebuild=args.rebuild)
    t_net = time.perf_counter() - t0
    t1 = time.perf_counter()
    oracle = build_oracle(net, cache_dir=cache_dir, mode=args.oracle, rebuild=args.rebuild,
                          progress=progress)
    t_tab = time.perf_counter() - t1
    progress.close()
    share = net.meta.get("component_share")
    rows = [
        ("source", net.meta.get("source", net.name)),
        ("nodes", f"{net.n_nodes:,}"),
        ("edges (directed)", f"{net.n_edges:,}"),
        ("road length (directed km)", f"{net.total_length_km():,.1f}"),
        ("strongly connected share", f"{share:.1%}" if share is not None else "n/a"),
        ("speed caps applied", str(len(caps))),
        ("oracle mode", oracle.mode),
    ]
    if oracle.tt is not None:
        tt = np.asarray(oracle.tt)
        size_mb = (oracle.tt.nbytes + oracle.dist.nbytes + oracle.nxt.nbytes) / 1e6
        rows += [
            ("table size", f"{net.n_nodes:,} x {net.n_nodes:,} ({size_mb:,.0f} MB)"),
            ("longest fastest path", f"{tt.max() / 60:.1f} min"),
        ]
    rows += [("network time", f"{t_net:.2f} s"), ("table time", f"{t_tab:.2f} s")]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0
