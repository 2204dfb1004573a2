"""network_from_place: the online path through osmnx, with its cache in networks/.

osmnx's download is replaced by a graph built from the tiny fixture, so the test runs
offline; it checks the same post-processing as for files and that the cache is used.
"""

from __future__ import annotations

import numpy as np
import osmnx as ox
import pytest

from kl_mobility.network import NetworkSourceError, load_network, network_from_osm
from kl_mobility.network.osm import filter_drivable_osm


def test_place_is_built_once_then_cached(monkeypatch, tmp_path, tiny_osm):
    calls = []

    drive = tmp_path / "drive.osm"
    filter_drivable_osm(tiny_osm, drive)  # what osmnx's "drive" query would return

    def fake_graph_from_place(place, network_type, simplify, retain_all):
        calls.append((place, network_type))
        return ox.graph_from_xml(drive, simplify=False, retain_all=True)

    monkeypatch.setattr(ox, "graph_from_place", fake_graph_from_place)
    a = load_network(place="Tinytown", cache_dir=tmp_path)
    b = load_network(place="Tinytown", cache_dir=tmp_path)
    assert calls == [("Tinytown", "drive")]
    ref = network_from_osm(tiny_osm)
    # same post-processing as for a file: identical arrays
    assert np.array_equal(a.edge_time_s, ref.edge_time_s)
    assert np.array_equal(a.edge_head, ref.edge_head)
    assert np.array_equal(a.edge_time_s, b.edge_time_s)
    assert len(list(tmp_path.glob("place-*.npz"))) == 1


def test_place_download_failure_is_one_clear_error(monkeypatch, tmp_path):
    def fail(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(ox, "graph_from_place", fail)
    with pytest.raises(NetworkSourceError, match="place 'Nowhere': cannot fetch the network online"):
        load_network(place="Nowhere", cache_dir=tmp_path)
