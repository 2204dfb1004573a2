"""A feed read once per process is reused while its files are unchanged."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from kl_mobility.network.graph import grid_network
from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.supply import scenario_supply

TINY = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"


def test_same_feed_is_read_once_and_a_changed_one_again(tmp_path):
    feed_dir = tmp_path / "tiny"
    shutil.copytree(TINY, feed_dir)
    net = grid_network(3, 3)
    cfg = PtConfig(feed=str(feed_dir))
    first = scenario_supply(cfg, net, None)
    assert scenario_supply(cfg, net, None) is first  # same files, config and area
    other = scenario_supply(replace(cfg, footpath_radius_m=cfg.footpath_radius_m + 50), net,
                            None)
    assert other is not first  # the timetable's footpaths depend on the config
    # a changed file (the first stop renamed) is read again
    stops = feed_dir / "stops.txt"
    name = str(first.feed.stop_name[0])
    stops.write_text(stops.read_text().replace(name, name + " Nord", 1))
    again = scenario_supply(cfg, net, None)
    assert again is not first
    assert again.feed.stop_name[0] == name + " Nord" and first.feed.stop_name[0] == name
