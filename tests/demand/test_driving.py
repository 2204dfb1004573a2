"""The car's driver-experience terms by hand: junction and signal delays on a tiny street
layout, the damping of a speed cap, the path sums against a slow reference, the terminal
times of the centre.

Layout (lengths in m, both directions): a primary road 0 - 1 - 2 - 3 (200 m each, 50
km/h) with a residential side street 1 - 4 (100 m, 30 km/h) and traffic signals at node 2.
Parameters: signal stop share 0.5, wait 20 s, give way at 15 km/h, a = 1.5, b = 2 m/s2,
so 1/a + 1/b = 7/6.

- 0 -> 1: node 1 is a junction, the approach on the primary road has one other primary
  arm (the through road): priority, no delay.
- 1 -> 2: signal, 0.5 x (20 + 13.889 / 2 x 7/6) = 0.5 x (20 + 8.1019) = 14.0509 s.
- 4 -> 1: the side street gives way: (8.3333 - 4.1667)^2 / (2 x 8.3333) x 7/6 = 1.2153 s.
- with the primary road capped at 30 km/h the signal costs 0.5 x (20 + 8.3333 / 2 x 7/6)
  = 12.4306 s, 1.6204 s less, while the free-flow time 0 -> 3 grows from 3 x 14 = 42 s to
  3 x 24 = 72 s (integer edge times): the driving time grows by 30 - 1.6204 = 28.3796 s.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kl_mobility.demand import DemandConfig, driving
from kl_mobility.demand.driving import (
    driver_times_ds,
    in_centre,
    junction_delays_s,
    terminal_min,
    zone_driving_min,
)
from kl_mobility.network import build_oracle, grid_network
from kl_mobility.network.config import SpeedCapConfig
from kl_mobility.network.graph import network_from_edges
from kl_mobility.network.modify import apply_speed_cap

CFG = DemandConfig(car_signal_stop_share=0.5, car_signal_wait_s=20.0,
                   car_give_way_speed_kmh=15.0, car_accel_mps2=1.5, car_decel_mps2=2.0)
K = 1 / 1.5 + 1 / 2.0
SIGNAL_50 = 0.5 * (20 + 50 / 3.6 / 2 * K)
SIGNAL_30 = 0.5 * (20 + 30 / 3.6 / 2 * K)
GIVE_WAY = (30 / 3.6 - 15 / 3.6) ** 2 / (2 * 30 / 3.6) * K


def _layout():
    lat = 49.44 + np.array([0.0, 0.0, 0.0, 0.0, 0.0009])
    lon = 7.76 + np.array([0.0, 0.00277, 0.00554, 0.00831, 0.00277])
    und = [(0, 1, 200.0, 50.0, "primary"), (1, 2, 200.0, 50.0, "primary"),
           (2, 3, 200.0, 50.0, "primary"), (1, 4, 100.0, 30.0, "residential")]
    tail, head, length, speed, hw = [], [], [], [], []
    for u, v, m, s, h in und:
        for a, b in ((u, v), (v, u)):
            tail.append(a)
            head.append(b)
            length.append(m)
            speed.append(s)
            hw.append(h)
    return network_from_edges(lat, lon, np.arange(5), np.array(tail), np.array(head),
                              np.array(length), np.array(speed), hw, name="layout",
                              key="layout")


def _delay(net, delay, u, v):
    return delay[net.edge_id(u, v)]


def test_signal_give_way_and_priority_by_hand():
    net = _layout()
    d = junction_delays_s(net, np.array([2]), CFG)
    assert SIGNAL_50 == pytest.approx(14.0509, abs=1e-4)
    assert GIVE_WAY == pytest.approx(1.2153, abs=1e-4)
    assert _delay(net, d, 0, 1) == 0.0  # through on the priority road
    assert _delay(net, d, 1, 2) == pytest.approx(SIGNAL_50)
    assert _delay(net, d, 4, 1) == pytest.approx(GIVE_WAY)
    assert _delay(net, d, 2, 3) == 0.0  # node 3 is a dead end
    assert _delay(net, d, 1, 4) == 0.0  # node 4 is a dead end


def test_speed_cap_damps_the_driving_time_change():
    """Driver's times in deciseconds per edge: 0 -> 3 is 140 + round(140 + 140.509) + 140 =
    561 ds = 56.1 s; capped 240 + round(240 + 124.306) + 240 = 844 ds = 84.4 s: 28.3 s more,
    against 30 s of free-flow time. 4 -> 3: 100 m at 30 km/h = 12 s, so 120 + round(12.153)
    + 281 + 140 = 553 ds = 55.3 s."""
    net = _layout()
    cap = SpeedCapConfig(max_speed_kmh=30.0, highway_types=("primary",))
    capped = apply_speed_cap(net, cap)
    nodes = np.array([0, 3, 4])
    base = zone_driving_min(net, nodes, np.array([2]), CFG) * 60.0
    slow = zone_driving_min(capped, nodes, np.array([2]), CFG) * 60.0
    assert round(10 * (14 + SIGNAL_50)) == 281 and round(10 * (24 + SIGNAL_30)) == 364
    assert base[0, 1] == pytest.approx(56.1)
    assert slow[0, 1] == pytest.approx(84.4)
    assert base[2, 1] == pytest.approx(55.3)
    assert round(10 * GIVE_WAY) == 12
    assert slow[0, 1] - base[0, 1] == pytest.approx(28.3)  # < 72 - 42 = 30 s free flow
    assert np.all(np.diag(base) == 0.0)


def test_driver_times_are_read_back_from_disk_and_a_changed_input_misses(tmp_path,
                                                                         monkeypatch):
    """The driver's times 0 -> 3 (561 ds, as above) and 4 -> 3 (553 ds) written to
    ``tmp_path``, then read back in a fresh process state (memo emptied, the kernel made to
    fail): the same values. A longer signal wait (30 s: 0.5 x (30 + 8.1019) = 19.0509 s,
    1 -> 2 becomes 140 + 190.509 = round(330.509) = 331 ds) is another key: computed, 0 -> 3
    = 140 + 331 + 140 = 611 ds."""
    net = _layout()
    src, dst = np.array([0, 4]), np.array([3])
    first = driver_times_ds(net, np.array([2]), CFG, src, dst, cache_dir=tmp_path)
    assert first.tolist() == [[561], [553]]
    assert len(list(tmp_path.glob("driver-times-*.npz"))) == 1

    def no_kernel(*args):
        raise AssertionError("computed again instead of read from disk")

    monkeypatch.setattr(driving, "_CACHE", type(driving._CACHE)())
    monkeypatch.setattr(driving, "fastest_times", no_kernel)
    again = driver_times_ds(net, np.array([2]), CFG, src, dst, cache_dir=tmp_path)
    assert again.tolist() == [[561], [553]]
    monkeypatch.undo()
    slower = dataclasses.replace(CFG, car_signal_wait_s=30.0)
    other = driver_times_ds(net, np.array([2]), slower, src, dst, cache_dir=tmp_path)
    assert other[0, 0] == 611
    assert len(list(tmp_path.glob("driver-times-*.npz"))) == 2
    # other targets of the same sources: another key, too
    assert driver_times_ds(net, np.array([2]), CFG, src, np.array([3, 0]),
                           cache_dir=tmp_path).shape == (2, 2)


def test_the_driver_avoids_delays_the_free_flow_route_ignores():
    """Two routes 0 -> 2: via node 1 (signal, 2 x 200 m at 50 km/h: 28 s + 14.05 s) or via
    node 3 (2 x 210 m at 50 km/h: 2 x 15 = 30 s, no signal). Free flow takes node 1 (28 s),
    the driver node 3 (30 s < 42.05 s)."""
    lat = 49.44 + np.array([0.0, 0.0009, 0.0, -0.0009])
    lon = 7.76 + np.array([0.0, 0.00277, 0.00554, 0.00277])
    und = [(0, 1, 200.0), (1, 2, 200.0), (0, 3, 210.0), (3, 2, 210.0)]
    tail, head, length = [], [], []
    for u, v, m in und:
        tail += [u, v]
        head += [v, u]
        length += [m, m]
    net = network_from_edges(lat, lon, np.arange(4), np.array(tail), np.array(head),
                             np.array(length), np.full(8, 50.0), ["primary"] * 8,
                             name="two", key="two")
    t = zone_driving_min(net, np.array([0, 2]), np.array([1]), CFG) * 60.0
    assert t[0, 1] == pytest.approx(30.0)


def test_equal_roads_give_way_and_a_signal_cluster_counts_once():
    """A 4-way junction of residential roads: every approach gives way ("rechts vor
    links"). A signal 20 m before a junction: the signal is charged, the junction (part
    of the signalised junction) is not, nor the signal node on the way out."""
    grid = grid_network(3, 3, spacing_m=200.0, speed_kmh=30.0)
    names = grid.highway_names
    grid = dataclasses.replace(grid, highway_names=tuple("residential" for _ in names))
    d = junction_delays_s(grid, np.zeros(0, np.int64), CFG)
    centre = 4
    into = [e for e in range(grid.n_edges) if grid.edge_head[e] == centre]
    assert len(into) == 4
    assert all(d[e] == pytest.approx(GIVE_WAY) for e in into)

    lat = 49.44 + np.zeros(4)
    lon = 7.76 + np.array([0.0, 0.0025, 0.00277, 0.0053])
    # 0 -(180 m)- 1 (signal) -(20 m)- 2 (junction with a side street to 4) -(180 m)- 3
    und = [(0, 1, 180.0), (1, 2, 20.0), (2, 3, 180.0), (2, 4, 100.0)]
    tail, head, length = [], [], []
    for u, v, m in und:
        tail += [u, v]
        head += [v, u]
        length += [m, m]
    lat = np.append(lat, 49.4409)
    lon = np.append(lon, 7.76277)
    net = network_from_edges(lat, lon, np.arange(5), np.array(tail), np.array(head),
                             np.array(length), np.full(8, 50.0), ["residential"] * 8,
                             name="cluster", key="cluster")
    d = junction_delays_s(net, np.array([1]), CFG)
    assert _delay(net, d, 0, 1) == pytest.approx(SIGNAL_50)
    assert _delay(net, d, 1, 2) == 0.0  # the junction belongs to the signal
    assert _delay(net, d, 2, 1) == 0.0  # leaving through the signal node: not again


def test_a_main_road_changing_class_keeps_its_priority():
    """A T junction at node 1: primary 0 - 1, secondary 1 - 2 (the same road, another
    class), residential 1 - 3. The two highest arms (6, 5) rank above the third (2): they
    are the priority road; only the residential approach gives way."""
    lat = 49.44 + np.array([0.0, 0.0, 0.0, 0.0009])
    lon = 7.76 + np.array([0.0, 0.00277, 0.00554, 0.00277])
    und = [(0, 1, "primary"), (1, 2, "secondary"), (1, 3, "residential")]
    tail, head, hw = [], [], []
    for u, v, h in und:
        tail += [u, v]
        head += [v, u]
        hw += [h, h]
    net = network_from_edges(lat, lon, np.arange(4), np.array(tail), np.array(head),
                             np.full(6, 200.0), np.full(6, 30.0), hw, name="t", key="t")
    d = junction_delays_s(net, np.zeros(0, np.int64), CFG)
    assert _delay(net, d, 0, 1) == 0.0 and _delay(net, d, 2, 1) == 0.0
    assert _delay(net, d, 3, 1) == pytest.approx(GIVE_WAY)


def test_path_sums_match_a_walk_along_the_oracle_paths(tmp_path):
    """Slow reference: the value summed edge by edge along ``oracle.path`` (random values on
    a 4 x 5 grid, every pair)."""
    from kl_mobility.kernels.path_sums import path_value_sums

    net = grid_network(4, 5, spacing_m=150.0)
    oracle = build_oracle(net, cache_dir=tmp_path)
    value = np.random.default_rng(3).uniform(0, 10, net.n_edges)
    nodes = np.arange(net.n_nodes, dtype=np.int64)
    out = np.empty((net.n_nodes, net.n_nodes))
    path_value_sums(net.indptr.astype(np.int64), net.edge_head.astype(np.int64),
                    net.edge_time_s.astype(np.int64), net.edge_length_m, value, nodes,
                    nodes, out)
    for o in range(net.n_nodes):
        for d in range(net.n_nodes):
            p = oracle.path(o, d)
            ref = sum(value[net.edge_id(int(u), int(v))] for u, v in zip(p[:-1], p[1:]))
            assert out[o, d] == pytest.approx(ref, abs=1e-9)


def test_terminal_times_of_the_centre():
    """A zone at the city centre coordinate has the centre's walk (3) and search (6.7); one
    2 km north the general ones (1, 0.5); an outer district is never centre."""
    cfg = DemandConfig()
    lat = np.array([49.4447, 49.4627, 49.4447])
    lon = np.array([7.7689, 7.7689, 7.7689])
    walk, search = terminal_min(lat, lon, np.array([False, False, True]), cfg)
    assert in_centre(lat[:2], lon[:2], cfg).tolist() == [True, False]
    assert walk.tolist() == [cfg.car_walk_centre_min, cfg.car_walk_min, cfg.car_walk_min]
    assert search.tolist() == [cfg.car_park_search_centre_min, cfg.car_park_search_min,
                               cfg.car_park_search_min]
